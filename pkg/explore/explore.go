package explore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/fimage"
	"github.com/pmvi/pmvi/pkg/heads"
	"github.com/pmvi/pmvi/pkg/invert"
	"github.com/pmvi/pmvi/pkg/mesh"
	"github.com/pmvi/pmvi/pkg/pseudoview"
)

// explore.go: the explorer's state, stages 1 and 2 once, and the caches that make a control's change cheap.

// Input is what the explorer inverts: an image at its camera, and the ground truth at other cameras when it
// is known (a synthetic head; not a photo).
type Input struct {
	invert.Target
	// Name says what the input is, for summaries ("held-out head 17").
	Name string
	// Truth renders the true view from a camera at the image's size; nil when unknown.
	Truth func(camera.Camera) (*fimage.Image, error)
}

// Head returns a synthetic head seen from cam at size x size pixels as an input, with its exact ground truth
// at every other camera (package heads renders both).
func Head(scene heads.Scene, cam camera.Camera, size int) Input {
	return Input{
		Target: invert.Target{Image: heads.Render(scene, cam, size).RGB, Camera: cam},
		Name:   fmt.Sprintf("head %d (%s)", scene.Identity.Seed, scene.Variant),
		Truth: func(c camera.Camera) (*fimage.Image, error) {
			return heads.Render(scene, c, size).RGB, nil
		},
	}
}

// Options are the explorer's fixed settings: everything the controls do not change.
type Options struct {
	// Invert configures stages 1 and 2 (steps, rates, losses, seed), rendering and the pseudo views' mesh
	// and visibility (PseudoViews, for 512-pixel images, scaled to the input's size). Its stage-3 fields,
	// trajectory and blend are replaced by Settings.
	Invert invert.Options
	// CacheDir keeps the results of stages 1, 2 and 3 between runs (a notebook re-runs a cell as a new
	// process), keyed by the generator's weights, the input and the settings they depend on. Empty keeps
	// them in memory only.
	CacheDir string
}

// DefaultOptions returns invert.QuickOptions with 60 W+ and 60 PTI steps, so that stages 1 and 2 take a few
// minutes on a laptop CPU with the embedded 128x128 model, cached in DefaultCacheDir.
//
// For a generator without super-resolution every step fits a random 64x64 patch (a quarter of a whole
// image's cost), so that stage 3 re-runs within the time a slider move can wait.
func DefaultOptions() Options {
	o := invert.QuickOptions()
	o.WSteps, o.PTISteps, o.Patch = 60, 60, 64
	return Options{Invert: o, CacheDir: DefaultCacheDir()}
}

// Setup says how the explorer got stages 1 and 2.
type Setup struct {
	// Cached is true when they were read from the cache directory instead of computed.
	Cached bool
	// W and PTI are the stages' run times (when they were computed, for a cached result).
	W, PTI time.Duration
	// WLoss and PTILoss are their last steps' losses.
	WLoss, PTILoss float64
	// Load is the time New took.
	Load time.Duration
}

// Explorer holds one inversion's expensive results (W+, the PTI-tuned generator and its depth, the mesh
// of the input view, every stage-3 run so far) and renders views of it for Settings. Its methods are safe
// for concurrent use; they serialize.
type Explorer struct {
	// Setup reports how stages 1 and 2 were obtained.
	Setup Setup

	be     backends.Backend
	in     Input
	opts   Options
	size   int
	ws     *tensors.Tensor
	tuned  *eg3d.Generator // stage 2's
	pti    *eg3d.Runner
	warper *pseudoview.Warper
	store  *store // nil without a cache

	mu     sync.Mutex
	truth  map[camera.Camera]*fimage.Image
	render map[camera.Camera]*fimage.Image // the PTI generator's
	warps  map[camera.Camera]*mesh.Rendering
	finals map[Settings]*final // by Settings.Stage3
}

// final is one stage-3 run.
type final struct {
	runner *eg3d.Runner
	// took is the run's time (0 when unknown); loss its last step's loss (0 for zero steps).
	took time.Duration
	loss float64
	// renders caches its renders by camera.
	renders map[camera.Camera]*fimage.Image
}

// New inverts in with g through stages 1 and 2 (W+ and PTI), or reads their results from opts.CacheDir when
// an earlier run left them there, and builds the mesh of the input view from the tuned generator's depth.
// Steps are reported to cb. The generator is not changed.
func New(ctx context.Context, be backends.Backend, g *eg3d.Generator, in Input, opts Options, cb invert.Callback) (*Explorer, error) {
	start := time.Now()
	if in.Image == nil {
		return nil, errors.New("explore: input has no image")
	}
	key, err := inversionKey(g, in.Target, opts.Invert)
	if err != nil {
		return nil, err
	}
	e := &Explorer{
		be: be, in: in, opts: opts, size: in.Image.H, store: newStore(opts.CacheDir, key),
		truth: map[camera.Camera]*fimage.Image{}, render: map[camera.Camera]*fimage.Image{},
		warps: map[camera.Camera]*mesh.Rendering{}, finals: map[Settings]*final{},
	}
	o := opts.Invert
	p := &invert.Pipeline{Inversion: invert.Inversion{Backend: be, Generator: g, Target: in.Target, Options: o, Progress: cb}}
	if e.store != nil {
		p.Workspace = e.store.Workspace
	}
	res, err := p.Run(ctx, invert.MethodPTI)
	if err != nil {
		return nil, err
	}
	computed := false
	for _, st := range res.Record.Stages {
		if !st.Loaded {
			computed = true
			e.store.setTook(string(st.Stage), time.Duration(st.Seconds*float64(time.Second)))
		}
	}
	w, pt := res.W, res.PTI
	e.ws, e.tuned = w.WS, pt.Generator
	e.Setup = Setup{Cached: !computed, W: e.store.took("w"), PTI: e.store.took("pti"), WLoss: lastLoss(w.History), PTILoss: lastLoss(pt.History)}
	e.pti = eg3d.NewRunner(e.tuned, be)
	imgs, err := e.pti.Render(e.ws, in.Camera, o.Render)
	if err != nil {
		return nil, err
	}
	e.render[in.Camera] = imgs.Image
	po := o.PseudoViews.Scale(float64(e.size) / 512)
	depth, err := invert.MeshDepth(in.Target, &g.Config, imgs)
	if err != nil {
		return nil, err
	}
	if e.warper, err = pseudoview.NewWarper(in.Image, in.Camera, depth, po); err != nil {
		return nil, fmt.Errorf("explore: %w", err)
	}
	e.Setup.Load = time.Since(start)
	return e, nil
}

func lastLoss(h []invert.Record) float64 {
	if len(h) == 0 {
		return 0
	}
	return h[len(h)-1].Loss
}

// Input returns what the explorer inverts.
func (e *Explorer) Input() Input { return e.in }

// WS returns the W+ code stage 1 found, [1, NumWS, WDim].
func (e *Explorer) WS() *tensors.Tensor { return e.ws }

// Tuned returns the PTI-tuned generator (stage 2's); do not change it.
func (e *Explorer) Tuned() *eg3d.Generator { return e.tuned }

// Ready reports whether stage 3 for s has run (in this process or, with a cache, in an earlier one), so
// that Render shows its result without waiting.
func (e *Explorer) Ready(s Settings) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return s.Steps == 0 || e.finals[s.Stage3()] != nil || e.storedLocked(s)
}

// storedLocked reports whether the cache holds stage 3's result for s. e.mu is held.
func (e *Explorer) storedLocked(s Settings) bool {
	name := finalName(e.opts.Invert, s)
	return e.store.has(name+".safetensors") && e.store.has(name+".json")
}

// Tune runs stage 3 for s, the pseudo-multi-view optimization starting from the PTI-tuned generator on
// s.Views pseudo views blended as s says, unless it ran before; steps are reported to cb. It reports
// whether it ran. Cancelling ctx stops the run and keeps nothing of it.
func (e *Explorer) Tune(ctx context.Context, s Settings, cb invert.Callback) (ran bool, err error) {
	if err := s.Validate(); err != nil {
		return false, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if f, err := e.finalLocked(s); f != nil || err != nil {
		return false, err
	}
	o := e.opts.Invert
	o.FinalSteps, o.FinalFrom, o.FinalLoss, o.OccludedWeight = s.Steps, invert.FromTuned, s.Losses(), s.Occluded
	name := finalName(e.opts.Invert, s)
	res, err := e.store.final(name, func() (*invert.FinalResult, error) {
		var views []invert.PseudoView
		for _, c := range s.Trajectory() {
			v, err := e.pseudoViewLocked(c, s)
			if err != nil {
				return nil, err
			}
			views = append(views, invert.PseudoView{Camera: c, Image: v.Blended, Mask: v.Mask})
		}
		t := time.Now()
		in := invert.Inversion{Backend: e.be, Generator: e.tuned, Target: e.in.Target, Options: o, Progress: cb}
		res, err := in.Final(ctx, e.tuned, e.ws, views)
		if err == nil {
			e.store.setTook(name, time.Since(t))
		}
		return res, err
	})
	if err != nil {
		return false, err
	}
	e.finals[s.Stage3()] = &final{runner: eg3d.NewRunner(res.Generator, e.be), took: e.store.took(name), loss: lastLoss(res.History)}
	return true, nil
}

// Forget drops stage 3's result for s from memory and from the cache, so that the next Tune for s runs it
// again (to time it, or after changing the code).
func (e *Explorer) Forget(s Settings) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.finals, s.Stage3())
	if e.store == nil {
		return nil
	}
	name := finalName(e.opts.Invert, s)
	for _, f := range []string{name + ".json", name + ".safetensors", "timing-" + name + ".json"} {
		if err := os.Remove(filepath.Join(e.store.Dir, f)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("explore: %w", err)
		}
	}
	return nil
}

// finalLocked returns stage 3's result for s from memory or the cache, or nil when it has not run. With zero
// steps it is the PTI generator. e.mu is held.
func (e *Explorer) finalLocked(s Settings) (*final, error) {
	if s.Steps == 0 {
		return &final{runner: e.pti, renders: e.render}, nil
	}
	if f := e.finals[s.Stage3()]; f != nil {
		return f, nil
	}
	if !e.storedLocked(s) {
		return nil, nil
	}
	name := finalName(e.opts.Invert, s)
	res, err := e.store.final(name, func() (*invert.FinalResult, error) {
		return nil, fmt.Errorf("explore: stage 3 %s vanished from the cache %s", name, e.store.Dir)
	})
	if err != nil {
		return nil, err
	}
	f := &final{runner: eg3d.NewRunner(res.Generator, e.be), took: e.store.took(name), loss: lastLoss(res.History)}
	e.finals[s.Stage3()] = f
	return f, nil
}

// pseudoViewLocked returns the pseudo view at c blended as s says. e.mu is held.
func (e *Explorer) pseudoViewLocked(c camera.Camera, s Settings) (*pseudoview.View, error) {
	gen, err := e.renderLocked(e.pti, e.render, c)
	if err != nil {
		return nil, err
	}
	r, ok := e.warps[c]
	if !ok {
		if r, err = e.warper.Warp(c); err != nil {
			return nil, fmt.Errorf("explore: %w", err)
		}
		e.warps[c] = r
	}
	v := &pseudoview.View{Camera: c, Visible: r.Visible, Mask: r.Mask, Coverage: r.Coverage, Generated: gen}
	v.Blended, v.Stats, err = blendLayers(v, s.BlendOptions(e.size))
	if err != nil {
		return nil, err
	}
	return v, nil
}

// renderLocked renders r's image at c through the cache m (nil: no cache). e.mu is held.
func (e *Explorer) renderLocked(r *eg3d.Runner, m map[camera.Camera]*fimage.Image, c camera.Camera) (*fimage.Image, error) {
	if img, ok := m[c]; ok {
		return img, nil
	}
	imgs, err := r.Render(e.ws, c, e.opts.Invert.Render)
	if err != nil {
		return nil, err
	}
	if m != nil {
		m[c] = imgs.Image
	}
	return imgs.Image, nil
}

// truthLocked returns the ground truth at c, or nil when the input has none. e.mu is held.
func (e *Explorer) truthLocked(c camera.Camera) (*fimage.Image, error) {
	if e.in.Truth == nil {
		return nil, nil
	}
	if img, ok := e.truth[c]; ok {
		return img, nil
	}
	img, err := e.in.Truth(c)
	if err != nil {
		return nil, fmt.Errorf("explore: ground truth: %w", err)
	}
	e.truth[c] = img
	return img, nil
}
