package invert

import (
	"context"
	"testing"

	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/fimage"
	"github.com/pmvi/pmvi/pkg/metrics"
)

// Stage 3 fits the novel views it is given: with the generator's own renders of another latent as "pseudo
// views", their PSNR rises, while single-view PTI leaves them where they were.
func TestFinalFitsPseudoViews(t *testing.T) {
	be := backend.MustNew()
	g, err := eg3d.New(eg3d.Micro(), 21)
	if err != nil {
		t.Fatal(err)
	}
	cam := camera.At(0, 0)
	target := Target{Image: microTarget(t, be, g, 4, cam), Camera: cam}
	opts := quickTestOptions(40)
	w, err := inversion(be, g, target, opts, nil).ProjectW(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var views []PseudoView
	for _, p := range []camera.Pose{{Yaw: 0.3}, {Yaw: -0.3}, {Pitch: 0.2}} {
		c := p.Camera()
		mask := fimage.New(1, 16, 16)
		for i := range mask.Pix {
			mask.Pix[i] = float32(i % 2)
		}
		views = append(views, PseudoView{Camera: c, Image: microTarget(t, be, g, 9, c), Mask: mask})
	}
	psnr := func(gen *eg3d.Generator) float64 {
		r := eg3d.NewRunner(gen, be)
		total := 0.0
		for _, v := range views {
			imgs, err := r.Render(w.WS, v.Camera, opts.Render)
			if err != nil {
				t.Fatal(err)
			}
			p, _ := metrics.PSNR(imgs.Image, v.Image, nil)
			total += p / float64(len(views))
		}
		return total
	}
	before := psnr(g)
	opts.FinalSteps = 60
	steps := 0
	res, err := inversion(be, g, target, opts, func(s Step) error {
		steps++
		if s.Generator == nil || s.Terms["pseudo_mse"] == 0 {
			t.Fatalf("step %d reports no generator or pseudo loss: %+v", s.Step, s.Terms)
		}
		return nil
	}).Final(context.Background(), g, w.WS, views)
	if err != nil {
		t.Fatal(err)
	}
	after := psnr(res.Generator)
	if steps != 60 || !(after > before+1) {
		t.Errorf("%d steps; pseudo-view PSNR %.2f -> %.2f dB, want a clear rise", steps, before, after)
	}
	t.Logf("pseudo-view PSNR %.2f -> %.2f dB after 60 final steps (from %s)", before, after, res.From)
	if _, err := inversion(be, g, target, opts, nil).Final(context.Background(), g, w.WS, nil); err == nil {
		t.Error("Final accepted no pseudo views")
	}
}

// Density regularization keeps the field near the reference: with a large weight, the density moves less
// from the reference than without it while fitting a perturbed input.
func TestDensityRegHoldsTheField(t *testing.T) {
	be := backend.MustNew()
	g, _ := eg3d.New(eg3d.Micro(), 5)
	cam := camera.At(0.1, 0)
	img := microTarget(t, be, g, 3, cam)
	for i := range img.Pix {
		img.Pix[i] *= 0.5 // a target the latent cannot explain, so tuning changes the field
	}
	target := Target{Image: img, Camera: cam}
	opts := quickTestOptions(20)
	opts.DensitySteps, opts.DensityPoints = 40, 512
	w, err := inversion(be, g, target, opts, nil).ProjectW(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	drift := func(weight float64) float64 {
		o := opts
		o.DensityWeight = weight
		res, err := inversion(be, g, target, o, nil).DensityReg(context.Background(), g, g, w.WS)
		if err != nil {
			t.Fatal(err)
		}
		return res.History[len(res.History)-1].Terms["density"]
	}
	free, held := drift(0), drift(10)
	if !(held < free) {
		t.Errorf("density drift with weight 10: %v, without: %v; want less with the regularizer", held, free)
	}
	t.Logf("mean |sigma - sigma_ref| after 40 steps: %.4g without, %.4g with the regularizer", free, held)
}
