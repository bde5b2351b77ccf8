package cpu

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// withTimeout fails the test if fn does not return within d (a deadlock).
func withTimeout(t *testing.T, d time.Duration, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("no progress after %s: deadlock", d)
	}
}

func TestParallelForNestedSaturatedPool(t *testing.T) {
	for _, parallelism := range []int{1, 2, 3, -1, 0} {
		var w workersPool
		w.Initialize()
		w.SetMaxParallelism(parallelism)
		var count atomic.Int64
		withTimeout(t, 10*time.Second, func() {
			// Every outer task holds a worker while it runs an inner ParallelFor, itself nesting one more level:
			// with stock WaitToStart-style waiting this exhausts the pool.
			w.ParallelFor(16, func(int) {
				w.ParallelFor(8, func(int) {
					w.ParallelFor(4, func(int) { count.Add(1) })
				})
			})
		})
		if got := count.Load(); got != 16*8*4 {
			t.Errorf("parallelism=%d: %d calls, want %d", parallelism, got, 16*8*4)
		}
	}
}

func TestParallelForPanicReachesCaller(t *testing.T) {
	var w workersPool
	w.Initialize()
	w.SetMaxParallelism(4)
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "boom") {
			t.Errorf("recovered %v, want the task's panic", r)
		}
	}()
	w.ParallelFor(100, func(i int) {
		if i == 37 {
			panic("boom")
		}
	})
}

// TestManyParallelMatMulsNoDeadlock runs graphs with many independent DotGenerals (and Erf, the other op that
// nested pool waits) in every scheduling mode, also from several goroutines at once.
func TestManyParallelMatMulsNoDeadlock(t *testing.T) {
	for _, config := range []string{"", "parallelism=1", "parallelism=2,ops_parallel", "parallelism=-1", "ops_sequential"} {
		b, err := New(config)
		if err != nil {
			t.Fatal(err)
		}
		builder := b.Builder("many")
		x, err := builder.Parameter("x", shapes.Make(dtypes.Float32, 8, 32, 32), nil)
		if err != nil {
			t.Fatal(err)
		}
		var outputs []backends.Op
		for range 12 {
			y, err := builder.DotGeneral(x, []int{2}, []int{0}, x, []int{1}, []int{0})
			if err != nil {
				t.Fatal(err)
			}
			if y, err = builder.Erf(y); err != nil {
				t.Fatal(err)
			}
			outputs = append(outputs, y)
		}
		exec, err := builder.Compile(outputs, nil)
		if err != nil {
			t.Fatal(err)
		}
		input, err := b.BufferFromFlatData(0, make([]float32, 8*32*32), shapes.Make(dtypes.Float32, 8, 32, 32))
		if err != nil {
			t.Fatal(err)
		}
		withTimeout(t, 60*time.Second, func() {
			var wg sync.WaitGroup
			for range 3 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 10 {
						if _, err := exec.Execute([]backends.Buffer{input}, nil, 0); err != nil {
							t.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
		})
		b.Finalize()
	}
}
