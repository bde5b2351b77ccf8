//go:build linux

package cpu

import "golang.org/x/sys/unix"

// canMapRegions: large buffers are mapped from the system on Linux (buffers_large.go).
const canMapRegions = true

// mapRegion maps n bytes of zeroed anonymous memory, or returns nil when the system refuses. (Asking for huge
// pages with madvise made first touches slower here, not faster: the kernel compacts memory to find them.)
func mapRegion(n int) []byte {
	mem, err := unix.Mmap(-1, 0, n, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		return nil
	}
	return mem
}

func unmapRegion(mem []byte) { _ = unix.Munmap(mem) }
