// Package procmem reads this process's peak memory, for the measurement programs (scripts/bench, scripts/gpu)
// that report it beside their timings.
package procmem

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// PeakRSS returns this process's peak resident set size (VmHWM) in MiB, 0 where /proc is missing.
func PeakRSS() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// ResetPeakRSS resets the kernel's high-water mark of this process's resident set (Linux; a no-op
// elsewhere), so PeakRSS measures what comes after.
func ResetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }
