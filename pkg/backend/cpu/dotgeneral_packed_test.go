package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// dgCase is a random DotGeneral: logical lhs [batch..., rows..., contracting...] and rhs [batch...,
// contracting..., cols...], each stored with its axes permuted.
type dgCase struct {
	batch, rows, contr, cols []int
	lhsPerm, rhsPerm         []int // Physical axis a holds logical axis perm[a].
}

func (c *dgCase) String() string {
	return fmt.Sprintf("batch=%v rows=%v contr=%v cols=%v lhsPerm=%v rhsPerm=%v", c.batch, c.rows, c.contr, c.cols, c.lhsPerm, c.rhsPerm)
}

func randomDims(rng *rand.Rand, maxAxes, maxDim int) []int {
	dims := make([]int, rng.IntN(maxAxes+1))
	for i := range dims {
		dims[i] = 1 + rng.IntN(maxDim)
	}
	return dims
}

func prod(dims []int) int {
	p := 1
	for _, d := range dims {
		p *= d
	}
	return p
}

// physical returns the dims of a tensor whose logical dims are logical, stored with perm.
func physical(logical, perm []int) []int {
	dims := make([]int, len(perm))
	for a, l := range perm {
		dims[a] = logical[l]
	}
	return dims
}

// at returns the flat physical offset of the logical multi-index idx.
func at(idx, logical, perm []int) int {
	dims := physical(logical, perm)
	off := 0
	for a, l := range perm {
		off = off*dims[a] + idx[l]
	}
	return off
}

// unflattenIndex splits i over dims (row-major).
func unflattenIndex(i int, dims []int) []int {
	idx := make([]int, len(dims))
	for a := len(dims) - 1; a >= 0; a-- {
		idx[a] = i % dims[a]
		i /= dims[a]
	}
	return idx
}

// referenceDotGeneral is the textbook triple loop, in float64.
func referenceDotGeneral(c *dgCase, lhs, rhs []float64) []float64 {
	lhsLogical := append(append(append([]int{}, c.batch...), c.rows...), c.contr...)
	rhsLogical := append(append(append([]int{}, c.batch...), c.contr...), c.cols...)
	nb, m, k, n := prod(c.batch), prod(c.rows), prod(c.contr), prod(c.cols)
	// Physical offsets of every logical element, so the triple loop below is plain indexing.
	lhsOff, rhsOff := make([]int, nb*m*k), make([]int, nb*k*n)
	for i := range lhsOff {
		lhsOff[i] = at(unflattenIndex(i, lhsLogical), lhsLogical, c.lhsPerm)
	}
	for i := range rhsOff {
		rhsOff[i] = at(unflattenIndex(i, rhsLogical), rhsLogical, c.rhsPerm)
	}
	out := make([]float64, nb*m*n)
	for b := range nb {
		for i := range m {
			for j := range n {
				var sum float64
				for kk := range k {
					sum += lhs[lhsOff[(b*m+i)*k+kk]] * rhs[rhsOff[(b*k+kk)*n+j]]
				}
				out[(b*m+i)*n+j] = sum
			}
		}
	}
	return out
}

func runDotGeneral(t *testing.T, b backends.Backend, c *dgCase, dtype dtypes.DType, lhs, rhs []float64) []float64 {
	t.Helper()
	lhsLogical := append(append(append([]int{}, c.batch...), c.rows...), c.contr...)
	rhsLogical := append(append(append([]int{}, c.batch...), c.contr...), c.cols...)
	// Physical axis numbers of the logical axes.
	where := func(perm []int, logical int) int {
		for a, l := range perm {
			if l == logical {
				return a
			}
		}
		panic("bad perm")
	}
	nb, nc := len(c.batch), len(c.contr)
	var lhsBatch, rhsBatch, lhsContr, rhsContr []int
	for i := range nb {
		lhsBatch = append(lhsBatch, where(c.lhsPerm, i))
		rhsBatch = append(rhsBatch, where(c.rhsPerm, i))
	}
	for i := range nc {
		lhsContr = append(lhsContr, where(c.lhsPerm, nb+len(c.rows)+i))
		rhsContr = append(rhsContr, where(c.rhsPerm, nb+i))
	}
	// The cross axes come out in physical order: the test's rows/cols orders must match, so it only permutes
	// them among the others keeping their relative order (checked here).
	builder := b.Builder("dot")
	ls := shapes.Make(dtype, physical(lhsLogical, c.lhsPerm)...)
	rs := shapes.Make(dtype, physical(rhsLogical, c.rhsPerm)...)
	lp, err := builder.Parameter("lhs", ls, nil)
	if err != nil {
		t.Fatal(err)
	}
	rp, err := builder.Parameter("rhs", rs, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := builder.DotGeneral(lp, lhsContr, lhsBatch, rp, rhsContr, rhsBatch)
	if err != nil {
		t.Fatalf("%s: %v", c, err)
	}
	exec, err := builder.Compile([]backends.Op{out}, nil)
	if err != nil {
		t.Fatal(err)
	}
	toBuffer := func(values []float64, shape shapes.Shape) backends.Buffer {
		var flat any = values
		if dtype == dtypes.Float32 {
			f := make([]float32, len(values))
			for i, v := range values {
				f[i] = float32(v)
			}
			flat = f
		}
		buf, err := b.BufferFromFlatData(0, flat, shape)
		if err != nil {
			t.Fatal(err)
		}
		return buf
	}
	outputs, err := exec.Execute([]backends.Buffer{toBuffer(lhs, ls), toBuffer(rhs, rs)}, nil, 0)
	if err != nil {
		t.Fatalf("%s: %v", c, err)
	}
	size := prod(c.batch) * prod(c.rows) * prod(c.cols)
	got := make([]float64, size)
	if dtype == dtypes.Float32 {
		flat := make([]float32, size)
		if err := b.BufferToFlatData(outputs[0], flat); err != nil {
			t.Fatal(err)
		}
		for i, v := range flat {
			got[i] = float64(v)
		}
	} else if err := b.BufferToFlatData(outputs[0], got); err != nil {
		t.Fatal(err)
	}
	return got
}

// orderedPerm returns a random permutation of n axes in which the axes of each of the given logical ranges
// keep their relative order (DotGeneral's output lists cross axes in their physical order).
func orderedPerm(rng *rand.Rand, n int, keep ...[2]int) []int {
	for {
		perm := rng.Perm(n)
		ok := true
		for _, r := range keep {
			last := -1
			for _, l := range perm {
				if l >= r[0] && l < r[1] {
					if l < last {
						ok = false
					}
					last = l
				}
			}
		}
		if ok {
			return perm
		}
	}
}

// TestDotGeneralPackedAgainstReference checks the packed executor (float32 with every micro-kernel this CPU
// runs, and float64) on random shapes, including odd sizes, several axes of each kind in any memory order,
// and contractions long enough to be split across workers.
func TestDotGeneralPackedAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 8))
	var cases []*dgCase
	for range 60 {
		c := &dgCase{batch: randomDims(rng, 2, 3), rows: randomDims(rng, 1, 5), contr: randomDims(rng, 2, 12), cols: randomDims(rng, 1, 5)}
		if len(c.contr) == 0 {
			c.contr = []int{1 + rng.IntN(50)}
		}
		c.rows = append(c.rows, 8+rng.IntN(30))
		c.cols = append(c.cols, 8+rng.IntN(40))
		cases = append(cases, c)
	}
	// Large: blocks in every dimension, and a long contraction with few outputs (split).
	cases = append(cases,
		&dgCase{rows: []int{401}, contr: []int{300}, cols: []int{77}},
		&dgCase{rows: []int{33}, contr: []int{5000}, cols: []int{17}},
		&dgCase{batch: []int{2}, rows: []int{13}, contr: []int{7, 5}, cols: []int{4500}},
	)
	for _, c := range cases {
		nb, nr, nc := len(c.batch), len(c.rows), len(c.contr)
		c.lhsPerm = orderedPerm(rng, nb+nr+nc, [2]int{nb, nb + nr})
		c.rhsPerm = orderedPerm(rng, nb+nc+len(c.cols), [2]int{nb + nc, nb + nc + len(c.cols)})
		if prod(c.rows)*prod(c.cols)*prod(c.contr) < 1<<15 {
			c.contr[0] = (1<<15)/(prod(c.rows)*prod(c.cols)) + 1 // Large enough for the packed executor.
			if len(c.contr) > 1 {
				c.contr[0] = c.contr[0]/prod(c.contr[1:]) + 1
			}
		}
	}
	for _, cfg := range append([]string{"parallelism=1"}, gemmConfigs()...) {
		b, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			lhs := make([]float64, prod(c.batch)*prod(c.rows)*prod(c.contr))
			rhs := make([]float64, prod(c.batch)*prod(c.contr)*prod(c.cols))
			for i := range lhs {
				lhs[i] = float64(rng.IntN(7) - 3)
			}
			for i := range rhs {
				rhs[i] = float64(rng.IntN(7) - 3)
			}
			want := referenceDotGeneral(c, lhs, rhs)
			for _, dtype := range []dtypes.DType{dtypes.Float64, dtypes.Float32} {
				got := runDotGeneral(t, b, c, dtype, lhs, rhs)
				for i := range want {
					// Integer-valued inputs: exact in float64; float32 is exact below 2^24.
					if math.Abs(got[i]-want[i]) > 1e-9 {
						t.Fatalf("config %q dtype %s, %s:\noutput[%d]=%g, want %g", cfg, dtype, c, i, got[i], want[i])
					}
				}
			}
		}
		b.Finalize()
	}
}
