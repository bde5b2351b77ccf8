package kernelext

import (
	"context"
	"fmt"
	"html"
	"os"
	"time"

	"github.com/pmvi/pmvi/models"
	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/blend"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/explore"
	"github.com/pmvi/pmvi/pkg/heads"
	"github.com/pmvi/pmvi/pkg/invert"
)

// explorer.go: the widget plumbing of notebook 07 (the explorer), so the notebook reads as what it shows.

// OpenExplorer inverts held-out head index of the embedded model network, seen from cam, through stages 1
// and 2 with explore.DefaultOptions (every stage capped by PMVI_NOTEBOOK_STEPS in smoke runs), or reads them
// from the explorer's cache; cb gets the steps.
func OpenExplorer(network string, index int, cam camera.Camera, cb invert.Callback) (*explore.Explorer, error) {
	g, err := models.Load(network)
	if err != nil {
		return nil, err
	}
	head, err := HeldOutHead(network, index, heads.Clean, cam)
	if err != nil {
		return nil, err
	}
	be, err := backend.New()
	if err != nil {
		return nil, err
	}
	o := explore.DefaultOptions()
	if n, ok := StepsOverride(); ok {
		o.Invert = o.Invert.WithSteps(n)
	}
	return explore.New(context.Background(), be, g, explore.Head(head.Scene, cam, g.Config.ImageResolution), o, cb)
}

// ExplorerControls are the explorer's sliders and drop-down list.
type ExplorerControls struct {
	Yaw, Pitch, Radius, Views, Steps, MSE, MSSSIM, Occluded *Slider
	Blend                                                   *Select
	changed                                                 chan struct{} // signalled after any move
}

// NewExplorerControls shows the controls, set to s. Unless PMVI_INTERACTIVE says otherwise, the first
// control waits up to 5 s for a browser to wire it; if none does, every control is static (headless runs).
func NewExplorerControls(s explore.Settings) *ExplorerControls {
	if os.Getenv(InteractiveEnv) == "" {
		os.Setenv(InteractiveEnv, "5s")
	}
	// Narrow sliders, each on its label's line.
	ShowHTML(`<style>div[id^="pmvi_slider_"] input[type=range] {display: inline-block; width: 300px; vertical-align: middle}</style>`)
	c := &ExplorerControls{Yaw: NewSlider("novel view yaw (degrees)", -40, 40, 5, s.Yaw)}
	if !c.Yaw.Live() {
		os.Setenv(InteractiveEnv, "0") // no browser: the others need not wait for one
	}
	c.Pitch = NewSlider("novel view pitch (degrees)", -20, 20, 5, s.Pitch)
	c.Blend = NewSelect("blend", []string{"gaussian", "poisson"}, s.Blend.String())
	c.Radius = NewSlider("blend radius (pixels)", 0, 8, 1, float64(s.Radius))
	c.Views = NewSlider("pseudo views", 1, explore.OrbitViews, 1, float64(s.Views))
	c.Steps = NewSlider("stage-3 steps", 0, 40, 5, float64(s.Steps))
	c.MSE = NewSlider("MSE weight", 0, 2, 0.25, s.MSE)
	c.MSSSIM = NewSlider("MS-SSIM weight", 0, 2, 0.25, s.MSSSIM)
	c.Occluded = NewSlider("occluded-pixel weight", 0, 1, 0.25, s.Occluded)
	c.changed = make(chan struct{}, 1)
	signal := func() {
		select {
		case c.changed <- struct{}{}:
		default:
		}
	}
	for _, sl := range []*Slider{c.Yaw, c.Pitch, c.Radius, c.Views, c.Steps, c.MSE, c.MSSSIM, c.Occluded} {
		go func() {
			for range sl.Changes() {
				signal()
			}
		}()
	}
	go func() {
		for range c.Blend.Changes() {
			signal()
		}
	}()
	return c
}

// All returns every control.
func (c *ExplorerControls) All() []Control {
	return []Control{c.Yaw, c.Pitch, c.Blend, c.Radius, c.Views, c.Steps, c.MSE, c.MSSSIM, c.Occluded}
}

// Live counts the live controls.
func (c *ExplorerControls) Live() int {
	n := 0
	for _, x := range c.All() {
		if x.Live() {
			n++
		}
	}
	return n
}

// Settings reads the controls.
func (c *ExplorerControls) Settings() explore.Settings {
	method, _ := blend.ParseMethod(c.Blend.Value())
	return explore.Settings{Yaw: c.Yaw.Value(), Pitch: c.Pitch.Value(), Blend: method, Radius: int(c.Radius.Value()),
		Views: int(c.Views.Value()), Steps: int(c.Steps.Value()), MSE: c.MSE.Value(), MSSSIM: c.MSSSIM.Value(),
		Occluded: c.Occluded.Value()}
}

// untilStage3Changes returns a context that ends when the controls no longer ask for s's stage 3.
func (c *ExplorerControls) untilStage3Changes(s explore.Settings) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-c.changed:
				if c.Settings().Stage3() != s.Stage3() {
					cancel()
					return
				}
			}
		}
	}()
	return ctx, cancel
}

// RunExplorer shows the explorer for the controls and redraws whenever one of follow moves: at once what is
// cheap or cached, then stage 3 when it has not run for the setting (cancelled if a stage-3 control moves
// meanwhile). With no live control it draws the defaults and then a grid of the novel view at three yaws,
// and returns; a live explorer runs until the cell is stopped.
func RunExplorer(ex *explore.Explorer, c *ExplorerControls, follow ...Control) error {
	out := NewOutput()
	p := NewProgress("stage 3")
	if err := Interact(func() error { return drawExplorer(ex, c, out, p) }, follow...); err != nil {
		return err
	}
	// Reached only without live controls: a live explorer runs until it is stopped.
	s := c.Settings()
	var views []*explore.View
	for _, yaw := range []float64{-30, 0, 30} {
		s.Yaw = yaw
		v, err := ex.Render(s)
		if err != nil {
			return err
		}
		views = append(views, v)
	}
	return ShowGrid(explore.Grid(views...))
}

// drawExplorer shows the explorer for the controls' settings in out, running stage 3 (progress in p) when
// needed.
func drawExplorer(ex *explore.Explorer, c *ExplorerControls, out *Output, p *Progress) error {
	time.Sleep(150 * time.Millisecond) // a drag moves a slider step by step: draw once for the burst
	s := c.Settings()
	if err := s.Validate(); err != nil {
		out.Text(err.Error()) // e.g. both loss weights at 0: say so and wait for the next move
		return nil
	}
	v, err := ex.Render(s)
	if err != nil {
		return err
	}
	if err := ShowExplorerView(out, v); err != nil || v.Final != nil {
		return err
	}
	ctx, cancel := c.untilStage3Changes(s)
	defer cancel()
	if _, err := ex.Tune(ctx, s, p.Step); err != nil {
		if ctx.Err() != nil {
			return nil // a control moved: Interact draws again with the new settings
		}
		return err
	}
	if v, err = ex.Render(s); err != nil {
		return err
	}
	return ShowExplorerView(out, v)
}

// ShowExplorerView replaces out with v: its PSNRs against the truth, where the time went, the pictures, and
// the settings with the fingerprints of the pictures (a line with id explorer-state, which the browser test
// reads).
func ShowExplorerView(out *Output, v *explore.View) error {
	fig, err := Grid(explore.Grid(v))
	if err != nil {
		return err
	}
	out.HTML(fmt.Sprintf(`<div style="font:13px sans-serif">PSNR against the truth: PTI %.2f dB, pseudo view %.2f dB, stage 3 %.2f dB. %s</div>`,
		v.PSNR.PTI, v.PSNR.Pseudo, v.PSNR.Final, html.EscapeString(v.Timing())) + fig.HTML() +
		fmt.Sprintf(`<div id="explorer-state" style="font:10px monospace;color:#666">%s</div>`, html.EscapeString(v.Summary())))
	return nil
}
