package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// TestTransposeFastMatchesStock checks the fast Transpose against the stock executor on random shapes (with
// size-1 axes) and permutations, small and large (tiled, split over workers), for 4- and 8-byte dtypes.
func TestTransposeFastMatchesStock(t *testing.T) {
	be, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	b := be.(*Backend)
	defer b.Finalize()
	rng := rand.New(rand.NewPCG(3, 7))
	dts := []dtypes.DType{dtypes.Float32, dtypes.Int64, dtypes.Int32, dtypes.Float64}
	for iter := range 300 {
		rank := 1 + rng.IntN(5)
		dims := make([]int, rank)
		for a := range dims {
			dims[a] = []int{1, 2, 3, 4, 16, 33, 47, 48}[rng.IntN(8)]
			if rng.IntN(8) == 0 {
				dims[a] = 60 + rng.IntN(200)
			}
		}
		in := shapes.Make(dts[iter%len(dts)], dims...)
		if in.Size() > 1<<21 {
			continue
		}
		perm := rng.Perm(rank)
		outDims := make([]int, rank)
		for a, p := range perm {
			outDims[a] = dims[p]
		}
		x := b.getBufferForShape(in)
		fillRandom(rng, x)
		node := &Node{opType: backends.OpTypeTranspose, shape: shapes.Make(in.DType, outDims...), data: perm}
		got, err := execTransposeFast(b, node, []*Buffer{x}, []bool{false})
		if err != nil {
			t.Fatal(err)
		}
		want, err := execTranspose(b, node, []*Buffer{x}, []bool{false})
		if err != nil {
			t.Fatal(err)
		}
		sameBits(t, fmt.Sprintf("Transpose %s perm %v", in, perm), got, want)
	}
}

func TestTransposePlan(t *testing.T) {
	for _, c := range []struct {
		dims, perm        []int
		wantDims, strides []int
	}{
		{[]int{1, 4096, 48, 16}, []int{0, 1, 3, 2}, []int{4096, 16, 48}, []int{768, 1, 16}},
		{[]int{2, 3, 4}, []int{0, 1, 2}, []int{24}, []int{1}},
		{[]int{2, 3, 4}, []int{1, 2, 0}, []int{12, 2}, []int{1, 12}},
		{[]int{1, 3, 64, 64, 16}, []int{0, 1, 4, 2, 3}, []int{3, 16, 4096}, []int{65536, 1, 16}},
	} {
		p := newTransposePlan(c.dims, c.perm)
		if fmt.Sprint(p.dims, p.strides) != fmt.Sprint(c.wantDims, c.strides) {
			t.Errorf("newTransposePlan(%v, %v) = %v %v, want %v %v", c.dims, c.perm, p.dims, p.strides, c.wantDims, c.strides)
		}
	}
}
