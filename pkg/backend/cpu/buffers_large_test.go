package cpu

import (
	"runtime"
	"testing"
	"unsafe"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
)

func TestSizeClass(t *testing.T) {
	prev := 0
	for n := 1; n < 1<<28; n = n*5/4 + 1 {
		c := sizeClass(n)
		if c < n || c%4096 != 0 || (n > 1<<16 && float64(c) > 1.25*float64(n)+4096) {
			t.Fatalf("sizeClass(%d) = %d: want a page multiple >= n with at most 25%% waste", n, c)
		}
		if c < prev {
			t.Fatalf("sizeClass(%d) = %d < sizeClass of a smaller size (%d)", n, c, prev)
		}
		prev = c
	}
}

// TestLargeBuffers checks that large buffers come from mapped regions, are reused after release (same class),
// are released once only, and that the cache stays bounded.
func TestLargeBuffers(t *testing.T) {
	if !canMapRegions {
		t.Skip("no mapped buffers on this platform")
	}
	be, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	b := be.(*Backend)
	defer b.Finalize()
	small := b.getBuffer(dtypes.Float32, 1000)
	if small.large != nil {
		t.Fatal("a 4 KB buffer was mapped from the system")
	}
	n := 3 << 20
	buf := b.getBuffer(dtypes.Float32, n)
	if buf.large == nil {
		t.Fatal("a 12 MB buffer was not mapped from the system")
	}
	flat := buf.flat.([]float32)
	if len(flat) != n {
		t.Fatalf("len %d, want %d", len(flat), n)
	}
	for i := range flat {
		flat[i] = float32(i)
	}
	addr := unsafe.SliceData(flat)
	b.putBuffer(buf)
	b.putBuffer(buf) // A second release must not cache the region twice.
	again := b.getBuffer(dtypes.Float32, n-100)
	if unsafe.SliceData(again.flat.([]float32)) != addr {
		t.Error("a released region of the same size class was not reused")
	}
	other := b.getBuffer(dtypes.Float32, n-200)
	if unsafe.SliceData(other.flat.([]float32)) == addr {
		t.Fatal("the same region was handed out twice")
	}
	b.putBuffer(again)
	b.putBuffer(other)
	// Fill the cache past its bound: it must stay bounded.
	var bufs []*Buffer
	for range largeCacheBytes/(64<<20) + 4 {
		bufs = append(bufs, b.getBuffer(dtypes.Float32, 16<<20))
	}
	for _, x := range bufs {
		b.putBuffer(x)
	}
	b.large.trim(largeCacheBytes)
	if b.large.cached > largeCacheBytes {
		t.Errorf("cache holds %d bytes, bound %d", b.large.cached, largeCacheBytes)
	}
	// A buffer dropped without release is released by its cleanup.
	dropped := unsafe.SliceData(b.getBuffer(dtypes.Float32, 5<<20).flat.([]float32))
	found := false
	for range 10 {
		runtime.GC()
		b.large.mu.Lock()
		for _, m := range b.large.order {
			found = found || unsafe.Pointer(unsafe.SliceData(m)) == unsafe.Pointer(dropped)
		}
		b.large.mu.Unlock()
		if found {
			break
		}
	}
	if !found {
		t.Error("a large buffer dropped without release was not given back by its cleanup")
	}
}
