package eg3d

import (
	"math"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pmvi/pmvi/internal/fixture"
	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/checkpoint"
	"github.com/pmvi/pmvi/pkg/checkpoint/npy"
)

// officialNet is the fixtures' tiny network, loaded once for all parity tests.
type officialNet struct {
	dir string
	cfg Config
	ctx *context.Context
	be  backends.Backend
}

var (
	officialOnce sync.Once
	official     *officialNet
	officialErr  error
)

func loadOfficial(t *testing.T) *officialNet {
	t.Helper()
	dir := fixture.Dir(t)
	officialOnce.Do(func() {
		net, err := checkpoint.LoadEG3D(filepath.Join(dir, "tiny", "G.pkl"))
		if err != nil {
			officialErr = err
			return
		}
		cfg, err := ConfigFromNetwork(net)
		if err != nil {
			officialErr = err
			return
		}
		ctx, err := LoadContext(&cfg, NetworkSource{net})
		if err != nil {
			officialErr = err
			return
		}
		be, err := backend.New() // GOMLX_BACKEND: the parity checks run on whichever backend is chosen (scripts/gpu runs them on XLA)
		if err != nil {
			officialErr = err
			return
		}
		official = &officialNet{dir: dir, cfg: cfg, ctx: ctx, be: be}
	})
	if officialErr != nil {
		t.Fatal(officialErr)
	}
	return official
}

// npyFile reads a fixture array.
func (o *officialNet) npy(t *testing.T, name string) *tensors.Tensor {
	t.Helper()
	data, shape, err := npy.ReadFloat32(filepath.Join(o.dir, "tiny", name+".npy"))
	if err != nil {
		t.Fatal(err)
	}
	return tensors.FromFlatDataAndDimensions(data, shape...)
}

// run executes fn on the official network's context and returns its outputs.
func (o *officialNet) run(t *testing.T, fn any, args ...any) []*tensors.Tensor {
	t.Helper()
	exec, err := context.NewExecAny(o.be, o.ctx.Reuse(), fn)
	if err != nil {
		t.Fatal(err)
	}
	defer exec.Finalize()
	outs, err := exec.Exec(args...)
	if err != nil {
		t.Fatal(err)
	}
	return outs
}

// assertClose compares got with want element by element: it fails when the largest absolute difference
// exceeds tol times max(1, |want|) and logs the error reached either way.
func assertClose(t *testing.T, name string, got, want *tensors.Tensor, tol float64) {
	t.Helper()
	if !slices.Equal(got.Shape().Dimensions, want.Shape().Dimensions) {
		t.Errorf("%s: shape %v, want %v", name, got.Shape().Dimensions, want.Shape().Dimensions)
		return
	}
	g, w := tensors.MustCopyFlatData[float32](got), tensors.MustCopyFlatData[float32](want)
	worst, at := 0.0, 0
	for i := range g {
		d := math.Abs(float64(g[i])-float64(w[i])) / math.Max(1, math.Abs(float64(w[i])))
		if math.IsNaN(d) {
			d = math.Inf(1)
		}
		if d > worst {
			worst, at = d, i
		}
	}
	if worst > tol {
		t.Errorf("%s: max error %.3g at %d (got %g, want %g), tolerance %g", name, worst, at, g[at], w[at], tol)
	} else {
		t.Logf("%s: max error %.3g (tolerance %g)", name, worst, tol)
	}
}
