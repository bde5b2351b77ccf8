package eg3d

import (
	"math"
	"sort"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pmvi/pmvi/pkg/backend"
)

// runGraph executes fn on a fresh context with the given seed for random draws.
func runGraph(t *testing.T, seed int64, fn any, args ...any) []*tensors.Tensor {
	t.Helper()
	ctx := context.New()
	if err := ctx.SetRNGStateFromSeed(seed); err != nil {
		t.Fatal(err)
	}
	exec, err := context.NewExecAny(backend.MustNew(), ctx, fn)
	if err != nil {
		t.Fatal(err)
	}
	outs, err := exec.Exec(args...)
	if err != nil {
		t.Fatal(err)
	}
	return outs
}

// Random importance quantiles must be sorted draws of U[0,1): the k-th of n order statistics has mean
// k/(n+1) and variance k(n+1-k)/((n+1)²(n+2)).
func TestRandomQuantilesAreSortedUniforms(t *testing.T) {
	const rays, n = 4000, 8
	outs := runGraph(t, 1, func(ctx *context.Context, dummy *Node) *Node {
		return quantiles(ctx, dummy.Graph(), 1, rays, n, false)
	}, float32(0))
	u := tensors.MustCopyFlatData[float32](outs[0])
	means := make([]float64, n)
	for r := 0; r < rays; r++ {
		row := u[r*n : (r+1)*n]
		if !sort.SliceIsSorted(row, func(i, j int) bool { return row[i] < row[j] }) || row[0] < 0 || row[n-1] >= 1 {
			t.Fatalf("ray %d quantiles %v not sorted in [0,1)", r, row)
		}
		for k, v := range row {
			means[k] += float64(v) / rays
		}
	}
	for k, m := range means {
		want := float64(k+1) / (n + 1)
		sd := math.Sqrt(want*(1-want)/(n+2)) / math.Sqrt(rays)
		if math.Abs(m-want) > 4*sd {
			t.Errorf("order statistic %d: mean %.4f, want %.4f ± %.4f", k+1, m, want, 4*sd)
		}
	}
}

// mergeSorted must produce each ray's sorted union and carry colours and densities along with their depths.
func TestMergeSortedCarriesValues(t *testing.T) {
	coarse := []float32{1, 2, 3, 4, 0.5, 0.6, 0.7, 0.8}
	fine := []float32{1, 2.5, 2.6, 5, 0.55, 0.9, 0.95, 0.99} // both lists sorted; ray 0 has a tie at 1
	outs := runGraph(t, 0, func(ctx *context.Context, c, f *Node) []*Node {
		// Colour and density encode the depth so the permutation can be checked.
		rgbC, rgbF := Stack([]*Node{c, Neg(c)}, -1), Stack([]*Node{f, Neg(f)}, -1)
		d, rgb, sigma := mergeSorted(c, f, rgbC, rgbF, MulScalar(c, 10), MulScalar(f, 10))
		return []*Node{d, rgb, sigma}
	}, tensors.FromFlatDataAndDimensions(coarse, 1, 2, 4), tensors.FromFlatDataAndDimensions(fine, 1, 2, 4))
	d := tensors.MustCopyFlatData[float32](outs[0])
	rgb := tensors.MustCopyFlatData[float32](outs[1])
	sigma := tensors.MustCopyFlatData[float32](outs[2])
	for r := 0; r < 2; r++ {
		want := append(append([]float32{}, coarse[4*r:4*r+4]...), fine[4*r:4*r+4]...)
		sort.Slice(want, func(i, j int) bool { return want[i] < want[j] })
		for i := 0; i < 8; i++ {
			k := 8*r + i
			if d[k] != want[i] || rgb[2*k] != d[k] || rgb[2*k+1] != -d[k] || sigma[k] != 10*d[k] {
				t.Errorf("ray %d sample %d: depth %v rgb (%v,%v) sigma %v, want depth %v with values following it", r, i, d[k], rgb[2*k], rgb[2*k+1], sigma[k], want[i])
			}
		}
	}
}

// Random rendering jitters samples, so images differ between draws, but stays close to the deterministic
// render, and its gradient exists.
func TestRandomRenderingIsNoisyDeterministic(t *testing.T) {
	cfg := Micro()
	g, err := New(cfg, 2)
	if err != nil {
		t.Fatal(err)
	}
	z := make([]float32, cfg.ZDim)
	z[0] = 1
	be := backend.MustNew() // variables live on one backend
	render := func(seed int64, det bool) []float32 {
		ctx := g.Context
		if err := ctx.SetRNGStateFromSeed(seed); err != nil {
			t.Fatal(err)
		}
		exec, err := context.NewExecAny(be, ctx.Reuse(), func(ctx *context.Context, z, c *Node) []*Node {
			o := Generate(ctx, &cfg, z, c, 1, RenderOptions{Deterministic: det})
			return []*Node{o.ImageRaw, Gradient(ReduceAllSum(o.ImageRaw), z)[0]}
		})
		if err != nil {
			t.Fatal(err)
		}
		outs, err := exec.Exec(tensors.FromFlatDataAndDimensions(z, 1, cfg.ZDim), labelTensor(cameraAt(0.2, 0)))
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range tensors.MustCopyFlatData[float32](outs[1]) {
			if math.IsNaN(float64(v)) {
				t.Fatal("gradient has NaN")
			}
		}
		return tensors.MustCopyFlatData[float32](outs[0])
	}
	det, a, b := render(0, true), render(1, false), render(2, false)
	diffAB, diffDet := 0.0, 0.0
	for i := range det {
		diffAB = math.Max(diffAB, math.Abs(float64(a[i]-b[i])))
		diffDet = math.Max(diffDet, math.Abs(float64(a[i]-det[i])))
	}
	if diffAB == 0 {
		t.Error("two random renders are identical")
	}
	if diffDet > 0.2 {
		t.Errorf("random render differs from the deterministic one by %v", diffDet)
	}
	t.Logf("max difference: between random draws %.3g, random vs deterministic %.3g", diffAB, diffDet)
}
