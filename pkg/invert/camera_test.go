package invert

import (
	"math"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/camera"
)

// The refiner's cameras in the graph are camera.Camera.Adjust's (the reference), for every parameter, and its
// gradient with respect to the adjustments matches finite differences.
func TestRefinerMatchesAdjust(t *testing.T) {
	base := []camera.Camera{camera.At(0.2, -0.1), camera.At(-0.4, 0.15)}
	start := []camera.Adjustment{{Yaw: 0.05, Pitch: -0.03, Roll: 0.02, LogRadius: 0.04, LogFocal: -0.05}, {Yaw: -0.1, Pitch: 0.07, Roll: -0.04, LogRadius: -0.02, LogFocal: 0.03}}
	opts := CameraRefinement{W: true, Radius: true, Focal: true, Prior: 0.1, Weight: 1, Step: 0.01}
	ctx := mlctx.New()
	r := newRefiner(ctx, base, start, opts, 0.01)
	exec, err := mlctx.NewExec(backend.MustNew(), ctx, func(ctx *mlctx.Context, dummy *Node) []*Node {
		labels := r.labels(dummy.Graph())
		// A scalar of the labels whose gradient to the adjustments is checked below.
		w := Const(dummy.Graph(), tensors.FromFlatDataAndDimensions(weightsFor(2*camera.LabelSize), 2, camera.LabelSize))
		f := ReduceAllSum(Mul(labels, w))
		return []*Node{labels, f, Gradient(f, r.v.ValueGraph(dummy.Graph()))[0]}
	})
	if err != nil {
		t.Fatal(err)
	}
	outs, err := exec.Exec(float32(0))
	if err != nil {
		t.Fatal(err)
	}
	got := tensors.MustCopyFlatData[float32](outs[0])
	for i, c := range base {
		want := c.Adjust(start[i], refineCentre).Label()
		for k := range want {
			if math.Abs(float64(got[i*camera.LabelSize+k]-want[k])) > 2e-6 {
				t.Fatalf("camera %d label[%d]: graph %v, Adjust %v", i, k, got[i*camera.LabelSize+k], want[k])
			}
		}
	}
	// Finite differences of the same scalar through Adjust (float64), per adjustment parameter.
	grad := tensors.MustCopyFlatData[float32](outs[2])
	value := func(adj []camera.Adjustment) float64 {
		w := weightsFor(2 * camera.LabelSize)
		s := 0.0
		for i, c := range base {
			for k, x := range c.Adjust(adj[i], refineCentre).Label() {
				s += float64(x) * float64(w[i*camera.LabelSize+k])
			}
		}
		return s
	}
	const eps = 1e-3
	for i := range base {
		for k := 0; k < adjustmentSize; k++ {
			up, down := append([]camera.Adjustment{}, start...), append([]camera.Adjustment{}, start...)
			*param(&up[i], k) += eps
			*param(&down[i], k) -= eps
			fd := (value(up) - value(down)) / (2 * eps) * r.scale // the variable is the adjustment / scale
			if g := float64(grad[i*adjustmentSize+k]); math.Abs(g-fd) > 2e-3*math.Max(1, math.Abs(fd)) {
				t.Errorf("camera %d parameter %d: gradient %.5f, finite differences %.5f", i, k, g, fd)
			}
		}
	}
}

func weightsFor(n int) []float32 {
	w := make([]float32, n)
	for i := range w {
		w[i] = float32(math.Sin(float64(i)*1.7) + 0.3)
	}
	return w
}

func param(a *camera.Adjustment, k int) *float64 {
	return [...]*float64{&a.Yaw, &a.Pitch, &a.Roll, &a.LogRadius, &a.LogFocal}[k]
}

// Stage keys of runs made before CameraSearch existed still match: without a search, the refinement's key is
// what fmt wrote for the struct then.
func TestCameraRefinementKeyWithoutSearch(t *testing.T) {
	for _, tc := range []struct {
		c    CameraRefinement
		want string
	}{
		{CameraRefinement{}, "{W:false PTI:false Radius:false Focal:false Prior:0 Weight:0 Step:0 First:0 Warn:0}"},
		{CameraRefinement{W: true, Focal: true, Prior: 0.5, Weight: 1e-3, Step: 0.01, First: 5, Warn: 0.2},
			"{W:true PTI:false Radius:false Focal:true Prior:0.5 Weight:0.001 Step:0.01 First:5 Warn:0.2}"},
	} {
		if got := tc.c.key(); got != tc.want {
			t.Errorf("key %q, want %q", got, tc.want)
		}
	}
	if k := DefaultCameraRefinement().key(); !strings.Contains(k, " search={After:0.2 ") {
		t.Errorf("the default refinement's key %q does not name its search", k)
	}
}
