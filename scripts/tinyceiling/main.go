// Command tinyceiling measures how far the embedded model is from what its own pieces could reach on the head
// world, to guide the choice of the Tiny preset (the embedded-model issue asks for 25 dB on training identities
// at held-out cameras; the shipped model gives 21.1 dB). On training identity -id it measures, at six held-out
// cameras (yaw within ±0.5, pitch within ±0.25):
//
//   - the upsampling ceiling: the exact head rendered at the neural resolution and bilinearly upsampled to
//     the image resolution, against the exact image;
//   - the shipped model: its final image, its raw neural rendering (against the area-downsampled truth) and
//     that raw rendering bilinearly upsampled;
//   - free triplanes: the identity's triplanes optimized directly (no backbone, no latent) together with the
//     shipped decoder, at plane and neural resolution 64 and 128. Any generator that uses this decoder and
//     renderer does at best this well on one identity, so it bounds what training the backbone can buy;
//   - the generator fitting the same identity alone (its latent, backbone and decoder trainable, everything
//     else as in phase 1 of pmvi train-tiny), to compare how fast it fits with free triplanes.
//
// Fits use the training recipe's rays (2048 random rays a step from 24 views like the training views) and
// Adam after a 25-step warm-up.
//
//	go run ./scripts/tinyceiling -out results/tiny-ceiling   # about 10 minutes on 2 cores
//	go run ./scripts/tinyceiling -out results/tiny-ceiling -replot
//
// It writes curves.csv, summary.txt and ceiling.png into -out.
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
	"github.com/pmvi/pmvi/models"
	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/figures"
	"github.com/pmvi/pmvi/pkg/fimage"
	"github.com/pmvi/pmvi/pkg/heads"
	"github.com/pmvi/pmvi/pkg/metrics"
	"github.com/pmvi/pmvi/pkg/train"
	"gonum.org/v1/plot/vg"
)

func main() {
	out := flag.String("out", "results/tiny-ceiling", "output directory")
	id := flag.Int("id", 0, "training identity (index into the shipped model's training identities)")
	steps := flag.Int("steps", 400, "optimization steps of each fit")
	every := flag.Int("every", 50, "score every n steps")
	rays := flag.Int("rays", 2048, "random rays a step")
	replot := flag.Bool("replot", false, "only redraw ceiling.png from -out's curves.csv")
	flag.Parse()
	var err error
	if *replot {
		err = plotFrom(*out)
	} else {
		err = run(*out, *id, *steps, *every, *rays)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tinyceiling:", err)
		os.Exit(1)
	}
}

// fit names one optimization: what is trainable and at which resolution the triplanes live.
type fit struct {
	name string
	free bool // free triplanes and decoder; otherwise latent, backbone and decoder
	res  int  // plane and neural resolution
	rate float64
}

func run(out string, index, steps, every, rays int) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	info, err := models.TinyInfo()
	if err != nil {
		return err
	}
	latents, err := models.TinyLatents()
	if err != nil {
		return err
	}
	if index < 0 || index >= len(info.TrainIdentities) {
		return fmt.Errorf("-id %d: the model has %d training identities", index, len(info.TrainIdentities))
	}
	g, err := models.Tiny()
	if err != nil {
		return err
	}
	be := backend.MustNew()
	seed := info.TrainIdentities[index]
	w := latents[index*g.Config.WDim : (index+1)*g.Config.WDim]
	views := heldOutViews(seed, 6, g.Config.ImageResolution)
	var summary strings.Builder
	fmt.Fprintf(&summary, "training identity %d (seed %d), %d held-out cameras, PSNR in dB against the head world\n", index, seed, len(views))

	up, err := upsamplingCeiling(views, g.Config.NeuralResolution)
	if err != nil {
		return err
	}
	fmt.Fprintf(&summary, "exact %d-px render bilinearly upsampled to %d: %.2f\n", g.Config.NeuralResolution, g.Config.ImageResolution, up)
	final, raw, rawUp, err := shipped(g, be, w, views)
	if err != nil {
		return err
	}
	fmt.Fprintf(&summary, "shipped model: final %.2f, raw %.2f at %d px, raw upsampled %.2f\n", final, raw, g.Config.NeuralResolution, rawUp)
	fmt.Print(summary.String())

	fits := []fit{
		{name: "free triplanes 64", free: true, res: 64, rate: 1e-2},
		{name: "free triplanes 128", free: true, res: 128, rate: 1e-2},
		{name: "generator 64", res: 64, rate: 1e-3},
	}
	var rows []row
	for i := range fits {
		f := &fits[i]
		start := time.Now()
		r, err := runFit(be, f, w, seed, views, steps, every, rays)
		if err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
		took := time.Since(start)
		rows = append(rows, r...)
		last := r[len(r)-1]
		line := fmt.Sprintf("%s after %d steps: %.2f at %d px, %.2f at %d px (%s)\n", f.name, last.step, last.psnrNR, f.res,
			last.psnrImage, g.Config.ImageResolution, took.Round(time.Second))
		fmt.Print(line)
		summary.WriteString(line)
	}
	if err := writeCSV(filepath.Join(out, "curves.csv"), rows); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "summary.txt"), []byte(summary.String()), 0o644); err != nil {
		return err
	}
	return plotFrom(out)
}

// view is a held-out camera and the exact image of the identity from it.
type view struct {
	cam   camera.Camera
	truth *fimage.Image
}

// heldOutViews draws n cameras from the range the embedded-model test uses and renders identity seed from
// them at res pixels, once for every fit.
func heldOutViews(seed uint64, n, res int) []view {
	rng := rand.New(rand.NewPCG(99, 2))
	scene := heads.Scene{Identity: heads.NewIdentity(seed), Background: heads.Plain(1, 1, 1)}
	views := make([]view, n)
	for i := range views {
		cam := camera.At((2*rng.Float64()-1)*0.5, (2*rng.Float64()-1)*0.25)
		views[i] = view{cam: cam, truth: heads.Render(scene, cam, res).RGB}
	}
	return views
}

// upsamplingCeiling is the mean PSNR of the exact nr-pixel images bilinearly upsampled to full size.
func upsamplingCeiling(views []view, nr int) (float64, error) {
	var sum float64
	for _, v := range views {
		res := v.truth.H
		low, err := v.truth.Downsample(res / nr)
		if err != nil {
			return 0, err
		}
		p, err := metrics.PSNR(low.Resize(res, res), v.truth, nil)
		if err != nil {
			return 0, err
		}
		sum += p
	}
	return sum / float64(len(views)), nil
}

// shipped scores the shipped model's renders of latent w.
func shipped(g *eg3d.Generator, be backends.Backend, w []float32, views []view) (final, raw, rawUp float64, err error) {
	cfg := &g.Config
	ws := make([]float32, 0, cfg.NumWS()*cfg.WDim)
	for i := 0; i < cfg.NumWS(); i++ {
		ws = append(ws, w...)
	}
	r := eg3d.NewRunner(g, be)
	n := float64(len(views))
	for _, v := range views {
		img, err := r.Render(tensors.FromFlatDataAndDimensions(ws, 1, cfg.NumWS(), cfg.WDim), v.cam, eg3d.RenderOptions{Deterministic: true})
		if err != nil {
			return 0, 0, 0, err
		}
		a, b, c, err := score(img.Image, img.ImageRaw, v.truth)
		if err != nil {
			return 0, 0, 0, err
		}
		final, raw, rawUp = final+a/n, raw+b/n, rawUp+c/n
	}
	return final, raw, rawUp, nil
}

// score returns the PSNR of the final image (nil: skipped), of the raw rendering against the downsampled
// truth and of the raw rendering upsampled to the truth's size.
func score(final, raw, truth *fimage.Image) (f, r, up float64, err error) {
	if final != nil {
		if f, err = metrics.PSNR(final, truth, nil); err != nil {
			return
		}
	}
	low, err := truth.Downsample(truth.H / raw.H)
	if err != nil {
		return
	}
	if r, err = metrics.PSNR(raw, low, nil); err != nil {
		return
	}
	up, err = metrics.PSNR(raw.Resize(truth.H, truth.W), truth, nil)
	return
}

// row is one line of curves.csv.
type row struct {
	fit               string
	step              int
	psnrNR, psnrImage float64
}

// runFit optimizes one identity as f says and scores it every `every` steps.
func runFit(be backends.Backend, f *fit, w []float32, seed uint64, views []view, steps, every, rays int) ([]row, error) {
	g, err := models.Tiny() // a fresh copy of the shipped weights for every fit
	if err != nil {
		return nil, err
	}
	cfg := g.Config
	ctx := g.Context
	// The jittered depth samples draw from the context's random state: seeded, so a rerun repeats the curves.
	if err := ctx.SetRNGStateFromSeed(int64(seed)); err != nil {
		return nil, err
	}
	wVar := ctx.InAbsPath("/ceiling").VariableWithValue("w", tensors.FromFlatDataAndDimensions(append([]float32(nil), w...), 1, cfg.WDim))
	backbone := func(ctx *mlctx.Context, gr *graph.Graph) *graph.Node {
		wn := wVar.ValueGraph(gr)
		ws := graph.BroadcastToDims(graph.ExpandAxes(wn, 1), 1, cfg.NumWS(), cfg.WDim)
		return eg3d.Backbone(ctx, &cfg, ws, eg3d.NoiseConst)
	}
	var planesVar *mlctx.Variable
	if f.free {
		init, err := mlctx.NewExec(be, ctx, func(ctx *mlctx.Context, dummy *graph.Node) *graph.Node {
			return backbone(ctx, dummy.Graph())
		})
		if err != nil {
			return nil, err
		}
		planes, err := init.Exec(float32(0))
		if err != nil {
			return nil, err
		}
		p, err := upsamplePlanes(planes[0], f.res)
		if err != nil {
			return nil, err
		}
		planesVar = ctx.InAbsPath("/ceiling").VariableWithValue("planes", p)
	}
	cfg.PlaneResolution, cfg.NeuralResolution = f.res, f.res
	for v := range ctx.IterVariables() {
		v.SetTrainable(false)
	}
	for _, p := range cfg.Params() {
		scope, name := eg3d.ParamScope(p.Name)
		keep := strings.HasPrefix(p.Name, "decoder.") || (!f.free && !p.Buffer && !strings.HasPrefix(p.Name, "superresolution.") && !strings.HasPrefix(p.Name, "mapping."))
		if keep {
			ctx.GetVariableByScopeAndName(scope, name).SetTrainable(true)
		}
	}
	if f.free {
		planesVar.SetTrainable(true)
	} else {
		wVar.SetTrainable(true)
	}
	planesOf := func(ctx *mlctx.Context, gr *graph.Graph) *graph.Node {
		if f.free {
			return planesVar.ValueGraph(gr)
		}
		return backbone(ctx, gr)
	}
	opt := optimizers.Adam().Betas(0.9, 0.99).Epsilon(1e-8).LearningRate(1).Done()
	lr := optimizers.LearningRateVar(ctx, dtypes.Float32, f.rate)
	step, err := mlctx.NewExec(be, ctx, func(ctx *mlctx.Context, origins, dirs, rgb *graph.Node) *graph.Node {
		r := eg3d.Render(ctx, &cfg, planesOf(ctx, origins.Graph()), origins, dirs, eg3d.RenderOptions{})
		loss := graph.ReduceAllMean(graph.Square(graph.Sub(graph.SliceAxis(r.Features, 2, graph.AxisRange(0, 3)), rgb)))
		opt.UpdateGraph(ctx, loss.Graph(), loss)
		return loss
	})
	if err != nil {
		return nil, err
	}
	render, err := mlctx.NewExec(be, ctx, func(ctx *mlctx.Context, origins, dirs *graph.Node) *graph.Node {
		r := eg3d.Render(ctx, &cfg, planesOf(ctx, origins.Graph()), origins, dirs, eg3d.RenderOptions{Deterministic: true})
		rgb := graph.Reshape(graph.SliceAxis(r.Features, 2, graph.AxisRange(0, 3)), 1, f.res, f.res, 3)
		return graph.TransposeAllDims(rgb, 0, 3, 1, 2) // [1, 3, res, res], as eg3d.ToImage wants
	})
	if err != nil {
		return nil, err
	}
	do := train.DefaultOptions().Data // the shipped model's training views, at this fit's neural resolution
	do.NR = f.res
	data := train.RenderIdentity(seed, do)
	evaluate := func(i int) (row, error) {
		var nr, im float64
		for _, v := range views {
			img, err := renderRaw(render, v.cam, f.res)
			if err != nil {
				return row{}, err
			}
			_, a, b, err := score(nil, img, v.truth)
			if err != nil {
				return row{}, err
			}
			nr, im = nr+a/float64(len(views)), im+b/float64(len(views))
		}
		return row{fit: f.name, step: i, psnrNR: nr, psnrImage: im}, nil
	}
	var rows []row
	rng := rand.New(rand.NewPCG(seed, 0xce11))
	for i := 0; i <= steps; i++ {
		if i%every == 0 {
			r, err := evaluate(i)
			if err != nil {
				return nil, err
			}
			fmt.Printf("  %-20s step %4d: %.2f dB at %d px, %.2f dB upsampled\n", f.name, i, r.psnrNR, f.res, r.psnrImage)
			rows = append(rows, r)
		}
		if i == steps {
			break
		}
		// A short warm-up, as in training: Adam's first steps are full-size in every coordinate.
		if err := lr.SetValue(tensors.FromScalar(float32(f.rate * min(1, float64(i+1)/25)))); err != nil {
			return nil, err
		}
		if _, err := step.Exec(randomRays(rng, data, f.res, rays)...); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// upsamplePlanes resizes triplanes [1, C, P, P] to res x res (bilinear, per channel).
func upsamplePlanes(t *tensors.Tensor, res int) (*tensors.Tensor, error) {
	dims := t.Shape().Dimensions
	c, p := dims[1], dims[2]
	flat := tensors.MustCopyFlatData[float32](t)
	if p == res {
		return tensors.FromFlatDataAndDimensions(flat, 1, c, p, p), nil
	}
	img, err := fimage.FromPix(c, p, p, flat)
	if err != nil {
		return nil, err
	}
	return tensors.FromFlatDataAndDimensions(img.Resize(res, res).Pix, 1, c, res, res), nil
}

// randomRays draws n random pixels of random views: origins, directions and colours [1, n, 3].
func randomRays(rng *rand.Rand, data train.Identity, nr, n int) []any {
	origins := make([]float32, 0, n*3)
	dirs := make([]float32, 0, n*3)
	rgb := make([]float32, 0, n*3)
	for j := 0; j < n; j++ {
		v := &data.Views[rng.IntN(len(data.Views))]
		o := v.Camera.Position()
		p := rng.IntN(nr * nr)
		d := v.Camera.PixelDirection((float64(p%nr)+0.5)/float64(nr), (float64(p/nr)+0.5)/float64(nr))
		origins = append(origins, float32(o[0]), float32(o[1]), float32(o[2]))
		dirs = append(dirs, float32(d[0]), float32(d[1]), float32(d[2]))
		rgb = append(rgb, v.Raw[p], v.Raw[nr*nr+p], v.Raw[2*nr*nr+p])
	}
	t := func(x []float32) *tensors.Tensor { return tensors.FromFlatDataAndDimensions(x, 1, n, 3) }
	return []any{t(origins), t(dirs), t(rgb)}
}

// renderRaw renders the colour of every pixel of cam at nr x nr.
func renderRaw(render *mlctx.Exec, cam camera.Camera, nr int) (*fimage.Image, error) {
	origins, dirs := cam.Rays(nr)
	outs, err := render.Exec(tensors.FromFlatDataAndDimensions(origins, 1, nr*nr, 3), tensors.FromFlatDataAndDimensions(dirs, 1, nr*nr, 3))
	if err != nil {
		return nil, err
	}
	return eg3d.ToImage(outs[0])
}

// writeCSV writes the curves, one row per fit and scored step.
func writeCSV(path string, rows []row) error {
	var b strings.Builder
	b.WriteString("fit,step,psnr_neural,psnr_image\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "%s,%d,%.4f,%.4f\n", r.fit, r.step, r.psnrNR, r.psnrImage)
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// plotFrom draws ceiling.png from dir's curves.csv and the two reference levels in its summary.txt.
func plotFrom(dir string) error {
	raw, err := os.ReadFile(filepath.Join(dir, "curves.csv"))
	if err != nil {
		return err
	}
	sum, err := os.ReadFile(filepath.Join(dir, "summary.txt"))
	if err != nil {
		return err
	}
	var series []figures.Series
	byName := map[string]int{}
	last := 0.0
	for i, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		if i == 0 {
			continue
		}
		var r row
		f := strings.Split(line, ",")
		if len(f) != 4 {
			return fmt.Errorf("%s line %d: %d fields, want 4", filepath.Join(dir, "curves.csv"), i+1, len(f))
		}
		if _, err := fmt.Sscanf(f[1]+" "+f[2]+" "+f[3], "%d %g %g", &r.step, &r.psnrNR, &r.psnrImage); err != nil {
			return fmt.Errorf("%s line %d: %w", filepath.Join(dir, "curves.csv"), i+1, err)
		}
		k, ok := byName[f[0]]
		if !ok {
			k = len(series)
			byName[f[0]] = k
			name := f[0]
			if strings.HasSuffix(name, " 64") {
				name += ", bilinear to 128 px"
			}
			series = append(series, figures.Series{Name: name})
		}
		series[k].X = append(series[k].X, float64(r.step))
		series[k].Y = append(series[k].Y, r.psnrImage)
		last = max(last, float64(r.step))
	}
	for _, ref := range []struct{ prefix, name string }{
		{"exact 64-px render bilinearly upsampled to 128: ", "exact 64-px render, upsampled"},
		{"shipped model: final ", "shipped model (its latent)"},
	} {
		var v float64
		for _, line := range strings.Split(string(sum), "\n") {
			if strings.HasPrefix(line, ref.prefix) {
				fmt.Sscanf(strings.TrimPrefix(line, ref.prefix), "%g", &v)
			}
		}
		if v > 0 {
			series = append(series, figures.Series{Name: ref.name, X: []float64{0, last}, Y: []float64{v, v}, Dashed: true})
		}
	}
	p, err := figures.LinePlot("One training identity at held-out cameras", "optimization steps on this identity alone", "PSNR at 128 px (dB)", series...)
	if err != nil {
		return err
	}
	return p.Save(7*vg.Inch, 4.5*vg.Inch, filepath.Join(dir, "ceiling.png"))
}
