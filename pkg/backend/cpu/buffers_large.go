package cpu

// Large buffers live outside the Go heap, so their memory goes back to the system the moment the executor is
// done with them.
//
// In the Go heap, a freed buffer is only reclaimed by the next garbage collection, which the runtime schedules
// when the heap has grown to twice what was live after the previous one: a forward+backward pass whose live
// set peaks at 4 GiB reached over 20 GiB of resident memory that way (measured on EG3D's fixture network). The
// executor knows exactly when each intermediate buffer dies, so large ones are mapped directly from the system
// (mmap), and freed ones are kept by size class to serve later allocations (fresh mappings cost page faults:
// zero-filling them took more time than the arithmetic of EG3D's backward pass). When a new mapping is needed
// anyway, the cache is first trimmed to a small spare, so a peak costs little more than the live buffers; after
// each execution it is trimmed to a larger bound, kept for the next run of the same graph.
// A large buffer that is dropped without being released (a tensor garbage-collected without being finalized)
// is released by a runtime cleanup.

import (
	"reflect"
	"runtime"
	"sync"
	"unsafe"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

const (
	// largeBufferBytes is the size from which buffers are mapped from the system.
	largeBufferBytes = 1 << 20
	// largeCacheBytes bounds the free regions kept for reuse between executions.
	largeCacheBytes = 2 << 30
	// largeSpareBytes bounds the free regions kept when a new region must be mapped.
	largeSpareBytes = 256 << 20
)

// largeAllocator hands out and takes back system-mapped regions. It is safe for concurrent use.
type largeAllocator struct {
	mu     sync.Mutex
	free   map[int][][]byte // By size class (bytes).
	order  [][]byte         // Free regions, oldest first (for eviction).
	cached int
	closed bool // After releaseAll (backend finalized): regions are unmapped on put.
}

// sizeClass rounds n bytes up to one of 4 sizes per power of two (at most 25% waste), a multiple of the page.
func sizeClass(n int) int {
	const page = 4096
	n = (n + page - 1) / page * page
	c := page
	for c < n {
		c *= 2
	}
	if c >= 8*page {
		// c/2 < n <= c: the smallest of the quarter steps between c/2 and c that holds n.
		for _, q := range []int{5, 6, 7} {
			if step := c / 8 * q; step >= n {
				return step
			}
		}
	}
	return c
}

// get returns a region of at least n bytes: a cached one of up to twice that size (smallest first), else a
// new mapping.
func (a *largeAllocator) get(n int) []byte {
	class := sizeClass(n)
	a.mu.Lock()
	for c := class; c <= 2*class; c = sizeClass(c + 1) {
		list := a.free[c]
		if len(list) == 0 {
			continue
		}
		mem := list[len(list)-1]
		a.free[c] = list[:len(list)-1]
		a.cached -= len(mem)
		for i, m := range a.order {
			if unsafe.SliceData(m) == unsafe.SliceData(mem) {
				a.order = append(a.order[:i], a.order[i+1:]...)
				break
			}
		}
		a.mu.Unlock()
		return mem
	}
	a.mu.Unlock()
	// Nothing cached fits: what is cached is of sizes this execution is not asking for now, so keep only a little
	// of it before growing (the execution's peak is then its live buffers plus at most largeSpareBytes).
	a.trim(largeSpareBytes)
	return mapRegion(class)
}

// put takes a region back into the cache. The cache is only trimmed between executions (trim), so the
// buffers freed during one execution serve its later allocations.
func (a *largeAllocator) put(mem []byte) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		unmapRegion(mem)
		return
	}
	if a.free == nil {
		a.free = map[int][][]byte{}
	}
	a.free[len(mem)] = append(a.free[len(mem)], mem)
	a.order = append(a.order, mem)
	a.cached += len(mem)
}

// trim unmaps the oldest cached regions until at most limit bytes stay cached.
func (a *largeAllocator) trim(limit int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for a.cached > limit && len(a.order) > 0 {
		old := a.order[0]
		a.order = a.order[1:]
		list := a.free[len(old)]
		for i, m := range list {
			if unsafe.SliceData(m) == unsafe.SliceData(old) {
				a.free[len(old)] = append(list[:i], list[i+1:]...)
				break
			}
		}
		a.cached -= len(old)
		unmapRegion(old)
	}
}

// releaseAll unmaps every cached region.
func (a *largeAllocator) releaseAll() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, m := range a.order {
		unmapRegion(m)
	}
	a.free, a.order, a.cached = nil, nil, 0
	a.closed = true
}

// largeBuffer is the part of a Buffer that only large buffers have.
type largeBuffer struct {
	mem     []byte
	cleanup runtime.Cleanup
}

// newLargeBuffer returns a buffer of length elements of dtype backed by a mapped region, or nil when the
// platform has no mapping (see mapRegion) or the size is below largeBufferBytes.
func (b *Backend) newLargeBuffer(dtype dtypes.DType, length int) *Buffer {
	n := length * dtype.Size()
	if n < largeBufferBytes || !canMapRegions {
		return nil
	}
	mem := b.large.get(n)
	if mem == nil {
		return nil
	}
	buf := &Buffer{
		flat:  reflect.SliceAt(dtype.GoType(), unsafe.Pointer(unsafe.SliceData(mem)), length).Interface(),
		shape: shapes.Make(dtype, length),
		valid: true,
		large: &largeBuffer{mem: mem},
	}
	alloc := &b.large
	buf.large.cleanup = runtime.AddCleanup(buf, func(m []byte) { alloc.put(m) }, mem)
	return buf
}

// releaseLarge gives a large buffer's memory back; the buffer must not be used afterwards. Releasing twice is
// a no-op.
func (b *Backend) releaseLarge(buffer *Buffer) {
	l := buffer.large
	if l.mem == nil {
		return
	}
	l.cleanup.Stop()
	b.large.put(l.mem)
	l.mem = nil
	buffer.flat = nil
	buffer.valid = false
}
