//go:build !linux

package cpu

// canMapRegions: elsewhere every buffer lives in the Go heap.
const canMapRegions = false

func mapRegion(int) []byte { return nil }

func unmapRegion([]byte) {}
