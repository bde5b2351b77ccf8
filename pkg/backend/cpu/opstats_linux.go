//go:build linux

package cpu

import (
	"time"

	"golang.org/x/sys/unix"
)

// processCPUTime returns the CPU time (user and system, all threads) this process has used, or 0 if unknown.
func processCPUTime() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_PROCESS_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}
