package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/pmvi/pmvi/internal/procmem"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/pmvi/pmvi/models"
	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/checkpoint/npy"
	"github.com/pmvi/pmvi/pkg/eg3d"
)

// runWorker runs one in-process case on the backend $GOMLX_BACKEND selects and writes it, as JSON, to
// resultFile. An error in the case is part of the result; runWorker's own error is only about writing it.
func runWorker(name, size string, repeat int, fixtures, resultFile string) error {
	c := &Case{Name: name, Info: map[string]string{}}
	var err error
	switch name {
	case "preflight":
		err = preflight(c)
	case "fixture/fwd":
		err = network(c, size == "full", fixtures, repeat, false)
	case "fixture/fwd+bwd":
		err = network(c, size == "full", fixtures, repeat, true)
	default:
		err = fmt.Errorf("unknown worker case %q", name)
	}
	if err != nil {
		c.Status, c.Reason = "failed", err.Error()
	} else if c.Status == "" {
		c.Status = "ok"
	}
	c.PeakRSSMiB = procmem.PeakRSS()
	data, jerr := json.Marshal(c)
	if jerr != nil {
		return jerr
	}
	if resultFile == "" {
		_, werr := os.Stdout.Write(append(data, '\n'))
		return werr
	}
	return os.WriteFile(resultFile, data, 0o644)
}

// preflight creates the backend and runs one small graph on it, so that a missing plugin or a broken driver
// shows once, first, in one line.
func preflight(c *Case) error {
	c.Info["xla_linked"] = strconv.FormatBool(backend.XLALinked)
	be, err := backend.New()
	if err != nil {
		return err
	}
	c.Info["backend"] = be.Name()
	c.Info["description"] = be.Description()
	c.Info["devices"] = strconv.Itoa(be.NumDevices())
	for i := range be.NumDevices() {
		c.Info[fmt.Sprintf("device %d", i)] = be.DeviceDescription(backends.DeviceNum(i))
	}
	start := time.Now()
	exec, err := NewExec(be, func(g *Graph) *Node {
		return ReduceAllSum(IotaFull(g, shapes.Make(dtypes.Float32, 1000))) // 0 + 1 + ... + 999.
	})
	if err != nil {
		return err
	}
	defer exec.Finalize()
	outs, err := exec.Exec()
	if err != nil {
		return err
	}
	if got := tensors.MustCopyFlatData[float32](outs[0])[0]; got != 499500 {
		return fmt.Errorf("sum of 0..999 on %s gave %v, want 499500", be.Name(), got)
	}
	c.Seconds, c.Runs, c.Statistic = time.Since(start).Seconds(), 1, "compile and run one reduction"
	return nil
}

// network times the generator's synthesis at the front camera: forward (image, raw image, depth, opacity), or
// forward and the gradient of mean(image·R) with respect to ws, R being the fixtures' analytic weighting. Full:
// the EG3D fixture network, compared with the official outputs; otherwise the embedded model (dry run).
func network(c *Case, full bool, fixtures string, repeat int, backward bool) error {
	var gen *eg3d.Generator
	var ws, cam *tensors.Tensor
	var err error
	if full {
		if fixtures == "" {
			c.Status, c.Reason = "not available", "EG3D fixtures not found (-fixtures, $PMVI_FIXTURES or ../shared/fixtures/eg3d)"
			return nil
		}
		if gen, err = eg3d.Load(filepath.Join(fixtures, "tiny", "G.pkl")); err != nil {
			return err
		}
		if ws, err = readNPY(fixtures, "ws_psi1"); err != nil {
			return err
		}
		if cam, err = readNPY(fixtures, "c_front"); err != nil {
			return err
		}
		c.Info["network"] = "EG3D fixture network (tiny/G.pkl), ws_psi1 at c_front"
	} else {
		if gen, err = models.Tiny(); err != nil {
			return err
		}
		cfg := gen.Config
		ws = tensors.FromFlatDataAndDimensions(make([]float32, cfg.NumWS()*cfg.WDim), 1, cfg.NumWS(), cfg.WDim)
		cam = tensors.FromFlatDataAndDimensions(camera.At(0.1, 0).Label(), 1, camera.LabelSize)
		c.Info["network"] = "the embedded model (dry-run size), ws = 0 at yaw 0.1"
	}
	cfg := &gen.Config
	res := cfg.ImageResolution
	c.Info["image"] = fmt.Sprintf("%dx%d, neural rendering %dx%d, %d+%d samples per ray", res, res,
		cfg.NeuralResolution, cfg.NeuralResolution, cfg.DepthSamples, cfg.ImportanceSamples)
	be, err := backend.New()
	if err != nil {
		return err
	}
	opts := eg3d.RenderOptions{Deterministic: true}
	var exec *context.Exec
	args := []any{ws, cam}
	if backward {
		// Outputs: loss (read back each run, so the run has finished), d loss/d ws.
		exec, err = context.NewExec(be, gen.Context.Reuse(), func(ctx *context.Context, ws, c, r *Node) []*Node {
			loss := ReduceAllMean(Mul(eg3d.Synthesis(ctx, cfg, ws, c, opts).Image, r))
			return []*Node{loss, Gradient(loss, ws)[0]}
		})
		args = append(args, weightsR(3, res, res))
	} else {
		// Outputs: the image's sum (read back each run), image, image_raw, depth, weights_sum.
		exec, err = context.NewExec(be, gen.Context.Reuse(), func(ctx *context.Context, ws, c *Node) []*Node {
			out := eg3d.Synthesis(ctx, cfg, ws, c, opts)
			return []*Node{ReduceAllSum(out.Image), out.Image, out.ImageRaw, out.Depth, out.WeightsSum}
		})
	}
	if err != nil {
		return err
	}
	defer exec.Finalize()
	run := func() ([]*tensors.Tensor, error) {
		outs, err := exec.Exec(args...)
		if err != nil {
			return nil, err
		}
		_ = tensors.MustCopyFlatData[float32](outs[0]) // Waits for the device.
		return outs, nil
	}
	start := time.Now()
	first, err := run()
	if err != nil {
		return err
	}
	c.FirstSeconds = time.Since(start).Seconds()
	for range max(repeat, 1) {
		start := time.Now()
		outs, err := run()
		if err != nil {
			return err
		}
		c.RunSeconds = append(c.RunSeconds, time.Since(start).Seconds())
		for _, t := range outs {
			t.FinalizeAll()
		}
	}
	c.Runs, c.Seconds = len(c.RunSeconds), median(c.RunSeconds)
	c.Statistic = fmt.Sprintf("median of %d runs after one warm-up run (compilation), the result read back to the host each run", c.Runs)
	if full {
		err = compareWithOfficial(c, fixtures, first, backward)
	}
	for _, t := range first {
		t.FinalizeAll()
	}
	return err
}

// compareWithOfficial adds the checks of outs against the official EG3D outputs stored with the fixtures,
// with pkg/eg3d's parity tolerances (TestRenderParity, TestGradientParity).
func compareWithOfficial(c *Case, fixtures string, outs []*tensors.Tensor, backward bool) error {
	if backward {
		loss := float64(tensors.MustCopyFlatData[float32](outs[0])[0])
		const officialLoss = -0.12809626758098602 // TestGradientParity's, for the 512-px image.
		d := math.Abs(loss - officialLoss)
		c.Checks = append(c.Checks, Check{Name: "loss mean(image·R)", Measure: "|got-want|", Error: d, Tolerance: 1e-5, OK: d <= 1e-5})
		want, err := readNPY(fixtures, "grad_ws_image")
		if err != nil {
			return err
		}
		e := relativeL2(outs[1], want)
		c.Checks = append(c.Checks, Check{Name: "d loss/d ws", Measure: "relative L2", Error: e, Tolerance: 1e-3, OK: e <= 1e-3})
		return nil
	}
	for i, name := range []string{"image", "image_raw", "image_depth", "weights_sum"} {
		want, err := readNPY(fixtures, "front_"+name)
		if err != nil {
			return err
		}
		e := maxError(outs[i+1], want)
		c.Checks = append(c.Checks, Check{Name: name, Measure: "max |got-want|/max(1,|want|)", Error: e, Tolerance: 1e-4, OK: e <= 1e-4})
	}
	return nil
}

// maxError is the largest |got-want|/max(1,|want|) (+Inf for NaN or a shape mismatch), as pkg/eg3d's assertClose.
func maxError(got, want *tensors.Tensor) float64 {
	if !slices.Equal(got.Shape().Dimensions, want.Shape().Dimensions) {
		return math.Inf(1)
	}
	g, w := tensors.MustCopyFlatData[float32](got), tensors.MustCopyFlatData[float32](want)
	worst := 0.0
	for i := range g {
		d := math.Abs(float64(g[i])-float64(w[i])) / math.Max(1, math.Abs(float64(w[i])))
		if math.IsNaN(d) {
			return math.Inf(1)
		}
		worst = math.Max(worst, d)
	}
	return worst
}

// relativeL2 is ‖got − want‖ / ‖want‖ (+Inf for NaN or a size mismatch).
func relativeL2(got, want *tensors.Tensor) float64 {
	g, w := tensors.MustCopyFlatData[float32](got), tensors.MustCopyFlatData[float32](want)
	if len(g) != len(w) {
		return math.Inf(1)
	}
	var num, den float64
	for i := range g {
		d := float64(g[i]) - float64(w[i])
		num += d * d
		den += float64(w[i]) * float64(w[i])
	}
	if e := math.Sqrt(num / den); !math.IsNaN(e) {
		return e
	}
	return math.Inf(1)
}

// weightsR is the fixtures' analytic weighting R[b,ch,y,x] = 0.5 + sin(6.2832x/W + 2.1ch + 0.3)·cos(9.4248y/H
// - 0.9ch) (../shared/fixtures/eg3d/README.md), computed in float64 and rounded to float32.
func weightsR(ch, h, w int) *tensors.Tensor {
	r := make([]float32, ch*h*w)
	for c := range ch {
		for y := range h {
			for x := range w {
				r[(c*h+y)*w+x] = float32(0.5 + math.Sin(6.2832*float64(x)/float64(w)+2.1*float64(c)+0.3)*math.Cos(9.4248*float64(y)/float64(h)-0.9*float64(c)))
			}
		}
	}
	return tensors.FromFlatDataAndDimensions(r, 1, ch, h, w)
}

func readNPY(fixtures, name string) (*tensors.Tensor, error) {
	data, shape, err := npy.ReadFloat32(filepath.Join(fixtures, "tiny", name+".npy"))
	if err != nil {
		return nil, err
	}
	return tensors.FromFlatDataAndDimensions(data, shape...), nil
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
