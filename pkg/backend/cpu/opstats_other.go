//go:build !linux

package cpu

import "time"

// processCPUTime returns 0: op statistics account wall time only on this platform.
func processCPUTime() time.Duration { return 0 }
