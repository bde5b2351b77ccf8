package lpips

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/pmvi/pmvi/pkg/backend"
)

func testBackend(t testing.TB) backends.Backend {
	t.Helper()
	b, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// testImages returns n smooth random RGB images of side size in [-1, 1] (sums of random sinusoids), float64,
// flat NCHW.
func testImages(rng *rand.Rand, n, size int) []float64 {
	v := make([]float64, n*3*size*size)
	for i := range n * 3 {
		fx, fy, fx2, fy2 := rng.Float64()*0.6, rng.Float64()*0.6, rng.Float64()*1.5, rng.Float64()*1.5
		phase, phase2 := rng.Float64()*6.3, rng.Float64()*6.3
		for y := range size {
			for x := range size {
				v[i*size*size+y*size+x] = 0.5*math.Sin(fx*float64(x)+fy*float64(y)+phase) +
					0.3*math.Cos(fx2*float64(x)-fy2*float64(y)+phase2) + 0.1*(2*rng.Float64()-1)
			}
		}
	}
	return v
}

// refImages splits flat NCHW values into reference images.
func refImages(v []float64, n, size int) []refImage {
	out := make([]refImage, n)
	for i := range n {
		out[i] = refImage{3, size, size, v[i*3*size*size : (i+1)*3*size*size]}
	}
	return out
}

// TestArchitecture checks the layer tables against torchvision's and lpips's: channel counts, the state_dict
// names of the convolutions, and the feature map shapes (PyTorch's floor arithmetic) for several image sizes,
// building graphs of two shapes in one context.
func TestArchitecture(t *testing.T) {
	b := testBackend(t)
	cases := []struct {
		net      Net
		channels []int
		convs    []int // indices in torchvision's features
		sizes    []int
	}{
		{AlexNet, []int{64, 192, 384, 256, 256}, []int{0, 3, 6, 8, 10}, []int{31, 67}},
		{VGG16, []int{64, 128, 256, 512, 512}, []int{0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28}, []int{16, 40}},
	}
	for _, tc := range cases {
		t.Run(tc.net.String(), func(t *testing.T) {
			if got := tc.net.Channels(); !slices.Equal(got, tc.channels) {
				t.Errorf("Channels() = %v, want %v", got, tc.channels)
			}
			var convs []int
			for _, p := range tc.net.params() {
				var i int
				if _, err := fmt.Sscanf(p.name, "features.%d.weight", &i); err == nil {
					convs = append(convs, i)
				}
			}
			if !slices.Equal(convs, tc.convs) {
				t.Errorf("convolutions at features %v, want %v", convs, tc.convs)
			}
			m := NewUntrained(tc.net, 1)
			ctx := context.New()
			exec := context.MustNewExec(b, ctx, func(ctx *context.Context, x *Node) []*Node { return m.Features(ctx, x) })
			for _, size := range tc.sizes {
				outs := exec.MustExec(tensors.FromShape(shapesOf(2, size)))
				side := size
				for k, st := range tc.net.stages() {
					if st.poolWindow > 0 {
						side = (side-st.poolWindow)/st.poolStride + 1
					}
					for _, c := range st.convs {
						side = (side+2*c.padding-c.kernel)/c.stride + 1
					}
					want := []int{2, tc.channels[k], side, side}
					if got := outs[k].Shape().Dimensions; !slices.Equal(got, want) {
						t.Errorf("%dx%d input: layer %d shape %v, want %v", size, size, k, got, want)
					}
				}
			}
			if min := tc.net.MinSize(); min != tc.sizes[0] {
				t.Errorf("MinSize() = %d, want %d", min, tc.sizes[0])
			}
			small := tc.sizes[0] - 1
			if _, err := exec.Exec(tensors.FromShape(shapesOf(1, small))); err == nil || !strings.Contains(err.Error(), "too small") {
				t.Errorf("%dx%d images: err = %v, want a panic saying they are too small", small, small, err)
			}
			n := 0
			for v := range ctx.IterVariables() {
				n++
				if v.Trainable || !strings.HasPrefix(v.Scope(), "/lpips/"+tc.net.String()+"/") {
					t.Errorf("variable %s/%s: trainable %v, want a non-trainable variable under /lpips/%v", v.Scope(), v.Name(), v.Trainable, tc.net)
				}
			}
			if want := 2 * len(tc.convs); n != want { // Features uses the backbone only
				t.Errorf("context holds %d variables, want %d", n, want)
			}
		})
	}
}

// TestDistanceMatchesReference compares Distance, in float64, with the per-pixel reference for a batch of
// two image pairs.
func TestDistanceMatchesReference(t *testing.T) {
	b := testBackend(t)
	for _, tc := range []struct {
		net  Net
		size int
	}{{AlexNet, 35}, {VGG16, 17}} {
		t.Run(tc.net.String(), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, uint64(tc.net)))
			m := NewUntrained(tc.net, 2)
			x, y := testImages(rng, 2, tc.size), testImages(rng, 2, tc.size)
			got := distances(t, b, m, x, y, 2, tc.size)
			rx, ry := refImages(x, 2, tc.size), refImages(y, 2, tc.size)
			for i := range 2 {
				want := refDistance(m, rx[i], ry[i])
				if rel := math.Abs(got[i]-want) / want; rel > 1e-10 {
					t.Errorf("pair %d: distance %.15g, reference %.15g (relative error %.2g)", i, got[i], want, rel)
				} else {
					t.Logf("pair %d: distance %.12g, reference %.12g (relative error %.2g)", i, got[i], want, rel)
				}
			}
		})
	}
}

// distances runs Distance in float64 through a Metric on flat NCHW values.
func distances(t *testing.T, b backends.Backend, m *Model, x, y []float64, n, size int) []float64 {
	t.Helper()
	metric, err := m.NewMetric(b)
	if err != nil {
		t.Fatal(err)
	}
	d, err := metric.Distance(tensors.FromFlatDataAndDimensions(x, n, 3, size, size), tensors.FromFlatDataAndDimensions(y, n, 3, size, size))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestDistanceProperties checks, in float32 on untrained nets, what any LPIPS satisfies: zero for identical
// images, strict growth with the level of a fixed white-noise pattern added to an image, symmetry.
func TestDistanceProperties(t *testing.T) {
	b := testBackend(t)
	const size = 32
	levels := []float32{0, 0.03, 0.1, 0.3}
	for _, net := range []Net{AlexNet, VGG16} {
		t.Run(net.String(), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(11, uint64(net)))
			base := testImages(rng, 1, size)
			noise := make([]float64, len(base)) // white, uniform in [-1, 1)
			for i := range noise {
				noise[i] = 2*rng.Float64() - 1
			}
			n := len(levels)
			clean := make([]float32, 0, n*len(base))
			noisy := make([]float32, 0, n*len(base))
			for _, s := range levels {
				for i, v := range base {
					clean = append(clean, float32(v))
					noisy = append(noisy, float32(v)+s*float32(noise[i]))
				}
			}
			metric, err := NewUntrained(net, 4).NewMetric(b)
			if err != nil {
				t.Fatal(err)
			}
			x := tensors.FromFlatDataAndDimensions(clean, n, 3, size, size)
			y := tensors.FromFlatDataAndDimensions(noisy, n, 3, size, size)
			d, err := metric.Distance(x, y)
			if err != nil {
				t.Fatal(err)
			}
			back, err := metric.Distance(y, x)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("noise levels %v: distances %.6g", levels, d)
			if math.Abs(d[0]) > 1e-6 {
				t.Errorf("distance of identical images = %g, want 0", d[0])
			}
			for i := 1; i < n; i++ {
				if !(d[i] > d[i-1]) {
					t.Errorf("distance at noise %g = %g, not above %g at noise %g", levels[i], d[i], d[i-1], levels[i-1])
				}
				if math.Abs(back[i]-d[i]) > 1e-6*d[i] {
					t.Errorf("noise %g: d(x,y) = %g but d(y,x) = %g", levels[i], d[i], back[i])
				}
			}
			for _, bad := range []struct{ x, y *tensors.Tensor }{
				{x, tensors.FromShape(shapesOf(1, size))},
				{tensors.FromShape(shapesOf(1, net.MinSize()-1)), tensors.FromShape(shapesOf(1, net.MinSize()-1))},
			} {
				if _, err := metric.Distance(bad.x, bad.y); err == nil {
					t.Errorf("Metric.Distance accepted shapes %s and %s", bad.x.Shape(), bad.y.Shape())
				}
			}
		})
	}
}

// TestGradient checks the gradient of Distance with respect to both images against central finite
// differences in float64, along its own direction and random ones, and that it is exactly zero (not NaN) at
// a == b.
func TestGradient(t *testing.T) {
	b := testBackend(t)
	for _, tc := range []struct {
		net     Net
		n, size int
	}{{AlexNet, 2, 32}, {VGG16, 1, 24}} {
		t.Run(tc.net.String(), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(13, uint64(tc.net)))
			m := NewUntrained(tc.net, 6)
			ctx := context.New()
			loss := func(ctx *context.Context, a, c *Node) *Node { return ReduceAllSum(m.Distance(ctx, a, c)) }
			lossExec := context.MustNewExec(b, ctx, loss)
			gradExec := context.MustNewExec(b, ctx, func(ctx *context.Context, a, c *Node) []*Node {
				return Gradient(loss(ctx, a, c), a, c)
			})
			dims := []int{tc.n, 3, tc.size, tc.size}
			x, y := testImages(rng, tc.n, tc.size), testImages(rng, tc.n, tc.size)
			eval := func(x, y []float64) float64 {
				out := lossExec.MustExec(tensors.FromFlatDataAndDimensions(x, dims...), tensors.FromFlatDataAndDimensions(y, dims...))
				return out[0].Value().(float64)
			}
			grads := gradExec.MustExec(tensors.FromFlatDataAndDimensions(x, dims...), tensors.FromFlatDataAndDimensions(y, dims...))
			gx, gy := tensors.MustCopyFlatData[float64](grads[0]), tensors.MustCopyFlatData[float64](grads[1])

			// Errors are relative to the gradient's norm, the largest a unit direction can see: a directional
			// derivative near zero (a direction almost orthogonal to the gradient) would inflate its own.
			var gradNorm float64
			for i := range gx {
				gradNorm += gx[i]*gx[i] + gy[i]*gy[i]
			}
			gradNorm = math.Sqrt(gradNorm)
			const eps = 1e-6
			worst := 0.0
			// The gradient's own direction (where the derivative is ‖grad‖: checks magnitude), then random ones
			// (nearly orthogonal to it in this many dimensions: check orientation).
			for dir := range 3 {
				u, v := make([]float64, len(x)), make([]float64, len(y))
				var norm, analytic float64
				for i := range u {
					if dir == 0 {
						u[i], v[i] = gx[i], gy[i]
					} else {
						u[i], v[i] = rng.NormFloat64(), rng.NormFloat64()
					}
					norm += u[i]*u[i] + v[i]*v[i]
				}
				norm = math.Sqrt(norm)
				xp, xm, yp, ym := slices.Clone(x), slices.Clone(x), slices.Clone(y), slices.Clone(y)
				for i := range u {
					u[i] /= norm
					v[i] /= norm
					analytic += gx[i]*u[i] + gy[i]*v[i]
					xp[i] += eps * u[i]
					xm[i] -= eps * u[i]
					yp[i] += eps * v[i]
					ym[i] -= eps * v[i]
				}
				numeric := (eval(xp, yp) - eval(xm, ym)) / (2 * eps)
				rel := math.Abs(numeric-analytic) / gradNorm
				worst = max(worst, rel)
				t.Logf("direction %d: analytic %.10g, finite difference %.10g, error/‖grad‖ %.2g (‖grad‖ %.3g)", dir, analytic, numeric, rel, gradNorm)
			}
			if worst > 1e-6 || math.IsNaN(worst) {
				t.Errorf("largest error of directional derivatives %.3g of the gradient norm, want <= 1e-6", worst)
			}

			// float32, as the inversion runs it: the same gradient to float32 accuracy.
			grads32 := gradExec.MustExec(tensors.FromFlatDataAndDimensions(toFloat32(x), dims...), tensors.FromFlatDataAndDimensions(toFloat32(y), dims...))
			var diff float64
			for k, g64 := range [][]float64{gx, gy} {
				for i, v := range tensors.MustCopyFlatData[float32](grads32[k]) {
					diff += (float64(v) - g64[i]) * (float64(v) - g64[i])
				}
			}
			if rel := math.Sqrt(diff) / gradNorm; rel > 1e-3 || math.IsNaN(rel) {
				t.Errorf("float32 gradient differs from float64 by %.3g of its norm, want <= 1e-3", rel)
			} else {
				t.Logf("float32 gradient: relative difference %.2g from float64", rel)
			}

			// At a == b the distance is at its minimum: zero gradient, and no NaN from the norm of dead pixels.
			at := gradExec.MustExec(tensors.FromFlatDataAndDimensions(x, dims...), tensors.FromFlatDataAndDimensions(x, dims...))
			for k, g := range at {
				for i, v := range tensors.MustCopyFlatData[float64](g) {
					if v != 0 {
						t.Fatalf("gradient %d at a == b: element %d is %g, want 0", k, i, v)
					}
				}
			}
		})
	}
}

func shapesOf(n, size int) shapes.Shape { return shapes.Make(dtypes.Float32, n, 3, size, size) }

func toFloat32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}
