//go:build unix

package main

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pmvi/pmvi/internal/procmem"

	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego" // Stock simplego ("go:..."), the baseline of the kernels.
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/core/tensors/images"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/pmvi/pmvi/internal/fixture"
	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/checkpoint/npy"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/invert"
)

// result is one case's figures. Ref is the reference's time for the same work (0 when there is none).
type result struct {
	Name     string     `json:"name"`
	Seconds  float64    `json:"seconds"` // Median.
	Runs     []float64  `json:"runs"`
	GFLOPs   float64    `json:"gflop_per_s,omitempty"`
	PeakRSS  float64    `json:"peak_rss_mib,omitempty"` // Of the process during the case (VmHWM after a reset).
	Ref      float64    `json:"ref_seconds,omitempty"`
	RefName  string     `json:"ref,omitempty"`
	RefRSS   float64    `json:"ref_rss_mib,omitempty"`
	LoadAvg  [2]float64 `json:"load_avg"`
	Checksum float64    `json:"checksum"`
	// CPUSeconds is the median CPU time (user+system, all threads) of a run: on a shared machine it tells how much
	// work a run did when the wall time is inflated by other processes.
	CPUSeconds float64 `json:"cpu_seconds"`
	// Baseline is the same case on the -baseline engine, its runs alternating with these (cases that support it).
	Baseline *result `json:"baseline,omitempty"`
}

func (r result) print() {
	line := fmt.Sprintf("%-34s %8.3f s (cpu %7.2f s)", r.Name, r.Seconds, r.CPUSeconds)
	if r.GFLOPs > 0 {
		line += fmt.Sprintf(" %7.1f GFLOP/s", r.GFLOPs)
	}
	if r.PeakRSS > 0 {
		line += fmt.Sprintf("  peak RSS %6.0f MiB", r.PeakRSS)
	}
	if r.Ref > 0 {
		line += fmt.Sprintf("  | %s %.3f s: ratio %.2fx", r.RefName, r.Ref, r.Seconds/r.Ref)
		if r.RefRSS > 0 {
			line += fmt.Sprintf(", RSS %.0f MiB", r.RefRSS)
		}
	}
	line += fmt.Sprintf("  (load %.1f->%.1f)", r.LoadAvg[0], r.LoadAvg[1])
	fmt.Println(line)
	if b := r.Baseline; b != nil {
		fmt.Printf("%-34s %8.3f s (cpu %7.2f s)  runs alternating: this engine takes %.2fx the wall time, %.2fx the CPU time\n",
			"  baseline", b.Seconds, b.CPUSeconds, r.Seconds/b.Seconds, r.CPUSeconds/b.CPUSeconds)
	}
}

type env struct {
	repeat   int
	cpu      backends.Backend
	baseline backends.Backend // Nil unless -baseline.
	stock    backends.Backend
	gen      *eg3d.Generator
	dir      string
	timings  map[string]float64 // PyTorch medians by case name (timings.json).
	torchRSS float64
}

func newEnv(repeat int, config, baseline string) *env {
	be, err := backend.NewWithConfig(config)
	if err != nil {
		fatal(err)
	}
	var base backends.Backend
	if baseline != "" {
		if base, err = backend.NewWithConfig(baseline); err != nil {
			fatal(err)
		}
	}
	stock, err := backends.NewWithConfig("go:ops_sequential")
	if err != nil {
		fatal(err)
	}
	return &env{repeat: repeat, cpu: be, baseline: base, stock: stock}
}

// fixture loads the tiny network and the stored PyTorch timings once.
func (e *env) fixture() error {
	if e.gen != nil {
		return nil
	}
	dir, ok := fixture.Lookup()
	if !ok {
		return fmt.Errorf("EG3D fixtures not found (../shared/fixtures/eg3d beside the repository)")
	}
	gen, err := eg3d.Load(filepath.Join(dir, "tiny", "G.pkl"))
	if err != nil {
		return err
	}
	data, err := os.ReadFile(filepath.Join(dir, "tiny", "timings.json"))
	if err != nil {
		return err
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("timings.json: %w", err)
	}
	e.timings = map[string]float64{}
	for name, msg := range raw {
		var c struct {
			Median float64 `json:"median_s"`
		}
		if json.Unmarshal(msg, &c) == nil && c.Median > 0 {
			e.timings[name] = c.Median
		}
	}
	_ = json.Unmarshal(raw["max_rss_mib"], &e.torchRSS)
	e.gen, e.dir = gen, dir
	return nil
}

func (e *env) npy(name string) *tensors.Tensor {
	data, shape, err := npy.ReadFloat32(filepath.Join(e.dir, "tiny", name+".npy"))
	if err != nil {
		fatal(err)
	}
	return tensors.FromFlatDataAndDimensions(data, shape...)
}

type benchCase struct {
	name string
	fn   func(e *env) (result, error)
}

func cases() []benchCase {
	var cs []benchCase
	// Kernels at the shapes of the network's super-resolution module (SR block 0: 256 channels at 256x256) and
	// of the reference 64->64 3x3 conv; the stock engine only where it finishes in reasonable time.
	for _, k := range []struct {
		name           string
		in, out, h     int
		fwdbwd, stock  bool
		transposedConv bool
	}{
		{"conv3x3 64->64 128x128", 64, 64, 128, true, true, false},
		{"conv3x3 256->256 256x256 (SR b0)", 256, 256, 256, true, false, false},
		{"conv3x3 128->128 512x512 (SR b1)", 128, 128, 512, false, false, false},
		{"convT3x3 256->128 256->512 (SR b1)", 256, 128, 256, true, false, true},
	} {
		k := k
		for _, be := range []string{"cpu", "stock"} {
			if be == "stock" && !k.stock {
				continue
			}
			cs = append(cs, benchCase{fmt.Sprintf("%s/%s/fwd", be, k.name), func(e *env) (result, error) {
				return e.conv(be, k.in, k.out, k.h, k.transposedConv, false)
			}})
			if k.fwdbwd && be == "cpu" {
				cs = append(cs, benchCase{fmt.Sprintf("%s/%s/fwd+bwd", be, k.name), func(e *env) (result, error) {
					return e.conv(be, k.in, k.out, k.h, k.transposedConv, true)
				}})
			}
		}
	}
	for _, be := range []string{"cpu", "stock"} {
		cs = append(cs, benchCase{be + "/matmul 1024^3", func(e *env) (result, error) { return e.matmul(be, 1024, 1024, 1024) }})
		// The decoder's first layer: 2 passes x 128x128 rays x 48 samples x 3 planes... (points, 32) x (32, 64).
		cs = append(cs, benchCase{be + "/matmul 786432x32x64 (decoder)", func(e *env) (result, error) { return e.matmul(be, 786432, 32, 64) }})
	}
	// The inversion stages of the model without super-resolution, as the presets run them: the issue's
	// interactive bars are one W+ or PTI step <= 1.0 s and one stage-3 step <= 2.0 s on two cores.
	for _, st := range []struct {
		name  string
		stage invert.Stage
	}{{"W+", invert.StageW}, {"PTI", invert.StagePTI}, {"stage-3", invert.StageFinal}} {
		for _, patch := range []int{0, 64} {
			what := "whole 128x128 image (quick and paper presets)"
			if patch > 0 {
				what = fmt.Sprintf("%dx%d patch (explorer; notebooks 04, 08, 09)", patch, patch)
			}
			cs = append(cs, benchCase{fmt.Sprintf("small/%s step, %s", st.name, what), func(e *env) (result, error) { return e.smallStep(st.stage, patch) }})
		}
	}
	cs = append(cs,
		benchCase{"tiny/inversion step", func(e *env) (result, error) { return e.tinyInversion() }},
		benchCase{"fixture/fwd (image 512, SR)", func(e *env) (result, error) { return e.network(false, false) }},
		benchCase{"fixture/fwd+bwd (image_raw 128)", func(e *env) (result, error) { return e.network(true, true) }},
		benchCase{"fixture/fwd+bwd (image 512, SR)", func(e *env) (result, error) { return e.network(true, false) }},
	)
	return cs
}

func (e *env) backend(name string) backends.Backend {
	if name == "stock" {
		return e.stock
	}
	return e.cpu
}

func randomTensor(rng *rand.Rand, dims ...int) *tensors.Tensor {
	values := make([]float32, shapes.Make(dtypes.Float32, dims...).Size())
	for i := range values {
		values[i] = rng.Float32() - 0.5
	}
	return tensors.FromFlatDataAndDimensions(values, dims...)
}

// conv times a 3x3 "same" convolution in -> out channels on a 1 x in x h x h image, or (transposed) EG3D's
// stride-2 transposed convolution as pkg/eg3d writes it: zeros inserted with Pad, then a 3x3 convolution.
func (e *env) conv(be string, in, out, h int, transposed, backward bool) (result, error) {
	rng := rand.New(rand.NewPCG(1, 2))
	x, k := randomTensor(rng, 1, in, h, h), randomTensor(rng, out, in, 3, 3)
	oh := h
	macs := float64(in * out * 9 * h * h)
	if transposed {
		oh = 2*h + 1
	}
	r := randomTensor(rng, 1, out, oh, oh)
	conv := func(x, k *Node) *Node {
		if transposed {
			zero := ScalarZero(x.Graph(), x.DType())
			p := backends.PadAxis{Start: 2, End: 2, Interior: 1}
			x = Pad(x, zero, backends.PadAxis{}, backends.PadAxis{}, p, p)
			return Convolve(x, Reverse(k, 2, 3)).ChannelsAxis(images.ChannelsFirst).Strides(1).Done()
		}
		return Convolve(x, k).ChannelsAxis(images.ChannelsFirst).Strides(1).PadSame().Done()
	}
	var exec *Exec
	var err error
	flops := 2 * macs
	if backward {
		flops *= 3
		exec, err = NewExec(e.backend(be), func(x, k, r *Node) []*Node {
			loss := ReduceAllSum(Mul(conv(x, k), r))
			return append([]*Node{loss}, Gradient(loss, x, k)...)
		})
	} else {
		exec, err = NewExec(e.backend(be), func(x, k, r *Node) *Node { return Mul(ReduceAllSum(conv(x, k)), ReduceAllSum(r)) })
	}
	if err != nil {
		return result{}, err
	}
	res, err := e.time(func() ([]*tensors.Tensor, error) { return exec.Exec(x, k, r) })
	res.GFLOPs = flops / res.Seconds / 1e9
	return res, err
}

// matmul times an (m x k) · (k x n) float32 product.
func (e *env) matmul(be string, m, k, n int) (result, error) {
	rng := rand.New(rand.NewPCG(3, 4))
	x, y := randomTensor(rng, m, k), randomTensor(rng, k, n)
	exec, err := NewExec(e.backend(be), func(x, y *Node) *Node { return ReduceAllSum(MatMul(x, y)) })
	if err != nil {
		return result{}, err
	}
	res, err := e.time(func() ([]*tensors.Tensor, error) { return exec.Exec(x, y) })
	res.GFLOPs = 2 * float64(m*k*n) / res.Seconds / 1e9
	return res, err
}

// network times the fixture generator's synthesis at the front camera: forward (all outputs), or forward and
// the gradient of mean(out·R) with respect to ws as the parity test computes it, out being image_raw (raw) or
// the super-resolved image.
func (e *env) network(backward, raw bool) (result, error) {
	if err := e.fixture(); err != nil {
		return result{}, err
	}
	cfg := &e.gen.Config
	ws, c := e.npy("ws_psi1"), e.npy("c_front")
	opts := eg3d.RenderOptions{Deterministic: true}
	var exec *context.Exec
	var err error
	var args []any
	res := 512
	if raw {
		res = 128
	}
	if backward {
		exec, err = context.NewExec(e.cpu, e.gen.Context.Reuse(), func(ctx *context.Context, ws, c, r *Node) []*Node {
			out := eg3d.Synthesis(ctx, cfg, ws, c, opts)
			img := out.Image
			if raw {
				img = out.ImageRaw
			}
			loss := ReduceAllMean(Mul(img, r))
			return []*Node{loss, Gradient(loss, ws)[0]}
		})
		args = []any{ws, c, weightsR(3, res, res)}
	} else {
		exec, err = context.NewExec(e.cpu, e.gen.Context.Reuse(), func(ctx *context.Context, ws, c *Node) []*Node {
			out := eg3d.Synthesis(ctx, cfg, ws, c, opts)
			return []*Node{out.Image, out.ImageRaw, out.Depth, out.WeightsSum}
		})
		args = []any{ws, c}
	}
	if err != nil {
		return result{}, err
	}
	r, err := e.time(func() ([]*tensors.Tensor, error) { return exec.Exec(args...) })
	if err != nil {
		return r, err
	}
	// Reference: PyTorch CPU, official code, same machine kind (the stored timings; the raw-image backward was not
	// timed separately, so it has no reference).
	switch {
	case !backward:
		r.Ref, r.RefName = e.timings["tiny_forward"], "PyTorch"
	case !raw:
		r.Ref, r.RefName = e.timings["tiny_forward_backward"], "PyTorch"
	}
	if r.Ref > 0 {
		r.RefRSS = e.torchRSS
	}
	return r, nil
}

// weightsR is the fixtures' analytic loss weighting (see ../shared/fixtures/eg3d/README.md).
func weightsR(ch, h, w int) *tensors.Tensor {
	r := make([]float32, ch*h*w)
	for c := 0; c < ch; c++ {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				r[(c*h+y)*w+x] = float32(0.5 + math.Sin(6.2832*float64(x)/float64(w)+2.1*float64(c)+0.3)*math.Cos(9.4248*float64(y)/float64(h)-0.9*float64(c)))
			}
		}
	}
	return tensors.FromFlatDataAndDimensions(r, 1, ch, h, w)
}

// time runs fn once to warm up (compilation) and then e.repeat times, and returns the median wall time and
// the process's peak RSS over the timed runs.
func (e *env) time(fn func() ([]*tensors.Tensor, error)) (result, error) {
	var r result
	r.LoadAvg[0] = loadAvg()
	outs, err := fn()
	if err != nil {
		return r, err
	}
	r.Checksum = checksum(outs)
	finalize(outs)
	runtime.GC()
	procmem.ResetPeakRSS()
	var cpu []float64
	for range e.repeat {
		start, startCPU := time.Now(), cpuTime()
		outs, err := fn()
		if err != nil {
			return r, err
		}
		r.Runs = append(r.Runs, time.Since(start).Seconds())
		cpu = append(cpu, cpuTime()-startCPU)
		finalize(outs)
	}
	slices.Sort(cpu)
	r.CPUSeconds = cpu[len(cpu)/2]
	r.PeakRSS = procmem.PeakRSS()
	sorted := slices.Clone(r.Runs)
	slices.Sort(sorted)
	r.Seconds = sorted[len(sorted)/2]
	r.LoadAvg[1] = loadAvg()
	return r, nil
}

func checksum(outs []*tensors.Tensor) float64 {
	var s float64
	for _, t := range outs {
		if t.DType() == dtypes.Float32 {
			for _, v := range tensors.MustCopyFlatData[float32](t) {
				s += float64(v)
			}
		}
	}
	return s
}

func finalize(outs []*tensors.Tensor) {
	for _, t := range outs {
		t.FinalizeAll()
	}
}

// cpuTime returns the process's user+system CPU seconds so far.
func cpuTime() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

func loadAvg() float64 {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	v, _ := strconv.ParseFloat(strings.Fields(string(data))[0], 64)
	return v
}
