package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
)

// TestDotGeneralDirectAgainstReference checks the direct executor on random products too small for the packed
// one (matrix-vector products, batches of small matrices), with several axes of each kind in any memory order,
// on 1 and several workers, against the textbook loop; and that it gives the stock executor's results.
func TestDotGeneralDirectAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 9))
	var cases []*dgCase
	for range 80 {
		c := &dgCase{batch: randomDims(rng, 2, 6), rows: randomDims(rng, 2, 4), contr: randomDims(rng, 2, 9), cols: randomDims(rng, 2, 9)}
		cases = append(cases, c)
	}
	// EG3D's importance sampler: 4096 products of 1x16 by 16x47, and their outer-product gradient.
	cases = append(cases,
		&dgCase{batch: []int{4096}, rows: []int{1}, contr: []int{16}, cols: []int{47}},
		&dgCase{batch: []int{4096}, rows: []int{16}, contr: []int{1}, cols: []int{47}},
		&dgCase{rows: []int{3}, contr: []int{1000}, cols: []int{1}},
	)
	for _, c := range cases {
		nb, nr, nc := len(c.batch), len(c.rows), len(c.contr)
		c.lhsPerm = orderedPerm(rng, nb+nr+nc, [2]int{nb, nb + nr})
		c.rhsPerm = orderedPerm(rng, nb+nc+len(c.cols), [2]int{nb + nc, nb + nc + len(c.cols)})
	}
	stock, err := New("stock=dotdirect")
	if err != nil {
		t.Fatal(err)
	}
	defer stock.Finalize()
	for _, cfg := range []string{"parallelism=1", ""} {
		b, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			m, n, k := prod(c.rows), prod(c.cols), prod(c.contr)
			if m >= 8 && n >= 8 && m*n*k >= 1<<15 {
				continue // The packed executor's.
			}
			lhs := make([]float64, prod(c.batch)*m*k)
			rhs := make([]float64, prod(c.batch)*k*n)
			for i := range lhs {
				lhs[i] = float64(rng.IntN(7) - 3)
			}
			for i := range rhs {
				rhs[i] = float64(rng.IntN(7) - 3)
			}
			want := referenceDotGeneral(c, lhs, rhs)
			for _, dtype := range []dtypes.DType{dtypes.Float64, dtypes.Float32} {
				got := runDotGeneral(t, b, c, dtype, lhs, rhs)
				old := runDotGeneral(t, stock, c, dtype, lhs, rhs)
				for i := range want {
					// Integer-valued inputs: exact in float64, and in float32 below 2^24.
					if math.Abs(got[i]-want[i]) > 1e-9 || got[i] != old[i] {
						t.Fatalf("config %q dtype %s, %s:\noutput[%d]=%g, want %g (stock executor %g)", cfg, dtype, c, i, got[i], want[i], old[i])
					}
				}
			}
		}
		b.Finalize()
	}
}
