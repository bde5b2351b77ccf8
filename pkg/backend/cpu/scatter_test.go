package cpu

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// TestScatterSumAgainstReference covers the two scatter shapes GoMLX's gradients emit: windows of the operand's
// rank (the transpose of GatherSlices) and windows with the indexed axes inserted (the transpose of Gather),
// with windows smaller than the operand and start indices out of range (whole window skipped, as in XLA).
func TestScatterSumAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	be, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	defer be.Finalize()
	for iter := range 200 {
		rank := 1 + rng.IntN(3)
		dims := make([]int, rank)
		for a := range dims {
			dims[a] = 1 + rng.IntN(5)
		}
		scattered := rng.Perm(rank)[:1+rng.IntN(rank)] // Operand axes indexed, in random order.
		inserted := rng.IntN(2) == 0                   // Whether the indexed axes are inserted (window size 1).
		numUpdates := 1 + rng.IntN(4)
		window := make([]int, rank) // Window size per operand axis.
		var windowAxesDims []int
		for a := range dims {
			window[a] = 1 + rng.IntN(dims[a])
			if inserted && slices.Contains(scattered, a) {
				window[a] = 1
				continue
			}
			windowAxesDims = append(windowAxesDims, window[a])
		}
		updatesDims := append([]int{numUpdates}, windowAxesDims...)
		updateWindowAxes := make([]int, len(windowAxesDims))
		for i := range updateWindowAxes {
			updateWindowAxes[i] = 1 + i
		}
		var insertedAxes []int
		if inserted {
			insertedAxes = slices.Sorted(slices.Values(scattered))
		}
		indices := make([]int32, numUpdates*len(scattered))
		for i := range indices {
			indices[i] = int32(rng.IntN(dims[scattered[i%len(scattered)]]+2) - 1)
		}
		operandSize := shapes.Make(dtypes.Int32, dims...).Size()
		updatesSize := shapes.Make(dtypes.Int32, updatesDims...).Size()
		updates := make([]int32, updatesSize)
		for i := range updates {
			updates[i] = int32(rng.IntN(100))
		}

		// Reference.
		want := make([]int32, operandSize)
		windowSize := updatesSize / numUpdates
		for u := range numUpdates {
			start := make([]int, rank)
			fits := true
			for j, axis := range scattered {
				start[axis] = int(indices[u*len(scattered)+j])
				fits = fits && start[axis] >= 0 && start[axis]+window[axis] <= dims[axis]
			}
			if !fits {
				continue
			}
			for w := range windowSize {
				offset := unflatten(w, window)
				pos := make([]int, rank)
				for a := range pos {
					pos[a] = start[a] + offset[a]
				}
				want[flatten(pos, dims)] += updates[u*windowSize+w]
			}
		}

		builder := be.Builder("scatter")
		operandOp, _ := builder.Constant(make([]int32, operandSize), dims...)
		indicesOp, _ := builder.Constant(indices, numUpdates, len(scattered))
		updatesOp, _ := builder.Constant(updates, updatesDims...)
		out, err := builder.ScatterSum(operandOp, indicesOp, updatesOp, 1, updateWindowAxes, insertedAxes, scattered, false, false)
		if err != nil {
			t.Fatalf("#%d: %v", iter, err)
		}
		exec, err := builder.Compile([]backends.Op{out}, nil)
		if err != nil {
			t.Fatal(err)
		}
		outputs, err := exec.Execute(nil, nil, 0)
		if err != nil {
			t.Fatalf("#%d: %v", iter, err)
		}
		got := make([]int32, operandSize)
		if err := be.BufferToFlatData(outputs[0], got); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("#%d dims=%v scattered=%v inserted=%v window=%v indices=%v:\ngot  %v\nwant %v",
				iter, dims, scattered, inserted, window, indices, got, want)
		}
	}
}
