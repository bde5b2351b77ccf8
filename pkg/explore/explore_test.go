package explore

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/blend"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/heads"
	"github.com/pmvi/pmvi/pkg/invert"
)

// microOptions are stages 1 and 2 small enough for a test with the Micro generator (16x16 images).
func microOptions(dir string) Options {
	o := invert.QuickOptions()
	o.WSteps, o.PTISteps, o.WAvgSamples = 4, 4, 16
	return Options{Invert: o, CacheDir: dir}
}

func microInput() Input {
	return Head(heads.Scene{Identity: heads.NewIdentity(3), Background: heads.Plain(1, 1, 1)}, camera.At(0.25, -0.05), 16)
}

// The explorer computes stages 1 and 2 once, runs stage 3 only for settings it has not seen, re-renders
// (not re-tunes) for a camera change, and a second explorer on the same cache folder reads every result
// back and shows exactly the same pictures.
func TestExplorerCachesStages(t *testing.T) {
	be := backend.MustNew()
	g, err := eg3d.New(eg3d.Micro(), 5)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx := context.Background()
	steps := map[invert.Stage]int{}
	count := func(s invert.Step) error { steps[s.Stage]++; return nil }
	e, err := New(ctx, be, g, microInput(), microOptions(dir), count)
	if err != nil {
		t.Fatal(err)
	}
	if e.Setup.Cached || steps[invert.StageW] != 4 || steps[invert.StagePTI] != 4 {
		t.Fatalf("first explorer: cached %v, %v steps, want computed with 4 W+ and 4 PTI steps", e.Setup.Cached, steps)
	}

	s := DefaultSettings()
	s.Steps = 3
	if e.Ready(s) {
		t.Fatal("stage 3 ready before it ran")
	}
	v, err := e.Render(s)
	if err != nil {
		t.Fatal(err)
	}
	if v.Final != nil || v.PTI == nil || v.Pseudo == nil || v.Truth == nil || !math.IsNaN(v.PSNR.Final) {
		t.Fatalf("view before stage 3: final %v (want nil), PTI %v, pseudo %v, truth %v", v.Final != nil, v.PTI != nil, v.Pseudo != nil, v.Truth != nil)
	}
	if ran, err := e.Tune(ctx, s, count); err != nil || !ran || steps[invert.StageFinal] != 3 {
		t.Fatalf("Tune: ran %v, err %v, %d stage-3 steps; want a run of 3", ran, err, steps[invert.StageFinal])
	}
	first, err := e.Render(s)
	if err != nil {
		t.Fatal(err)
	}
	if first.Final == nil || math.IsNaN(first.PSNR.Final) {
		t.Fatal("no stage-3 render after Tune")
	}

	// A camera change renders, it does not tune.
	turned := s
	turned.Yaw, turned.Pitch = 15, 5
	if !e.Ready(turned) {
		t.Error("stage 3 not ready after a camera change")
	}
	if ran, err := e.Tune(ctx, turned, count); err != nil || ran {
		t.Errorf("Tune after a camera change: ran %v, err %v; want the cached run", ran, err)
	}
	tv, err := e.Render(turned)
	if err != nil {
		t.Fatal(err)
	}
	if Mean(tv.Truth) == Mean(first.Truth) || Mean(tv.Final) == Mean(first.Final) {
		t.Error("the truth or the stage-3 render did not change with the camera")
	}
	want := heads.Render(heads.Scene{Identity: heads.NewIdentity(3), Background: heads.Plain(1, 1, 1)}, turned.Camera(), 16).RGB
	if !slices.Equal(tv.Truth.Pix, want.Pix) {
		t.Error("the truth is not the head rendered at the novel camera")
	}

	// Every stage-3 setting, and the blend (it makes the pseudo views), needs its own run.
	for name, change := range map[string]func(*Settings){
		"blend":    func(s *Settings) { s.Blend = blend.Poisson },
		"radius":   func(s *Settings) { s.Radius++ },
		"views":    func(s *Settings) { s.Views++ },
		"steps":    func(s *Settings) { s.Steps++ },
		"mse":      func(s *Settings) { s.MSE /= 2 },
		"msssim":   func(s *Settings) { s.MSSSIM = 0 },
		"occluded": func(s *Settings) { s.Occluded = 0.5 },
	} {
		c := s
		change(&c)
		if e.Ready(c) {
			t.Errorf("changing %s: stage 3 still ready", name)
		}
	}
	poisson := s
	poisson.Blend = blend.Poisson
	pv, err := e.Render(poisson)
	if err != nil {
		t.Fatal(err)
	}
	if pv.Final != nil || Mean(pv.Pseudo) == Mean(first.Pseudo) || Mean(pv.PTI) != Mean(first.PTI) {
		t.Errorf("Poisson blend: final %v (want none yet), pseudo mean %v vs %v (want changed), PTI %v vs %v (want same)",
			pv.Final != nil, Mean(pv.Pseudo), Mean(first.Pseudo), Mean(pv.PTI), Mean(first.PTI))
	}

	// A new explorer (a notebook cell run again) reads everything back from the cache.
	clear(steps)
	again, err := New(ctx, be, g, microInput(), microOptions(dir), count)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Setup.Cached || len(steps) != 0 {
		t.Fatalf("second explorer: cached %v after %v steps, want read from the cache", again.Setup.Cached, steps)
	}
	if a, b := tensors.MustCopyFlatData[float32](again.WS()), tensors.MustCopyFlatData[float32](e.WS()); !slices.Equal(a, b) {
		t.Error("W+ read from the cache differs")
	}
	if !again.Ready(s) {
		t.Fatal("stage 3 not found in the cache")
	}
	second, err := again.Render(s)
	if err != nil {
		t.Fatal(err)
	}
	if second.Summary() != first.Summary() {
		t.Errorf("cached explorer shows\n%s\nwant\n%s", second.Summary(), first.Summary())
	}
	if second.Stage3 != first.Stage3 || second.Stage3Loss != first.Stage3Loss {
		t.Errorf("cached stage 3 reports %v, loss %v; the run took %v, loss %v", second.Stage3, second.Stage3Loss, first.Stage3, first.Stage3Loss)
	}
	t.Logf("%s\n%s", first.Summary(), first.Timing())

	// Forget makes the next Tune run stage 3 again.
	if err := again.Forget(s); err != nil {
		t.Fatal(err)
	}
	if again.Ready(s) {
		t.Error("stage 3 still ready after Forget")
	}
	clear(steps)
	if ran, err := again.Tune(ctx, s, count); err != nil || !ran || steps[invert.StageFinal] != 3 {
		t.Errorf("Tune after Forget: ran %v, err %v, %d steps; want a run of 3", ran, err, steps[invert.StageFinal])
	}

	// Another generator (a retrained model) must not read this cache.
	other, err := eg3d.New(eg3d.Micro(), 6)
	if err != nil {
		t.Fatal(err)
	}
	clear(steps)
	if o, err := New(ctx, be, other, microInput(), microOptions(dir), count); err != nil || o.Setup.Cached {
		t.Errorf("another generator: err %v, cached %v; want a fresh inversion", err, o != nil && o.Setup.Cached)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("cache holds %d inversions, want 2 (one per generator)", len(entries))
	}
}

// Zero stage-3 steps shows the PTI result as the final one, without running anything.
func TestZeroStepsIsPTI(t *testing.T) {
	be := backend.MustNew()
	g, err := eg3d.New(eg3d.Micro(), 5)
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(context.Background(), be, g, microInput(), microOptions(""), nil)
	if err != nil {
		t.Fatal(err)
	}
	s := DefaultSettings()
	s.Steps = 0
	ran, err := e.Tune(context.Background(), s, func(invert.Step) error { t.Error("a step ran"); return nil })
	if err != nil || ran {
		t.Fatalf("Tune with 0 steps: ran %v, err %v", ran, err)
	}
	v, err := e.Render(s)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(v.Final.Pix, v.PTI.Pix) {
		t.Error("with 0 steps the final render differs from PTI's")
	}
}

// A cancelled stage 3 keeps nothing: the next Tune runs it again.
func TestTuneCancelled(t *testing.T) {
	be := backend.MustNew()
	g, err := eg3d.New(eg3d.Micro(), 5)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	e, err := New(context.Background(), be, g, microInput(), microOptions(dir), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := DefaultSettings()
	s.Steps = 5
	_, err = e.Tune(ctx, s, func(st invert.Step) error {
		if st.Step == 2 {
			cancel()
		}
		return nil
	})
	if err == nil {
		t.Fatal("cancelled Tune returned no error")
	}
	if e.Ready(s) {
		t.Error("a cancelled run counts as done")
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, "*", "final-*")); len(matches) != 0 {
		t.Errorf("a cancelled run left %v in the cache", matches)
	}
}

func TestSettings(t *testing.T) {
	s := DefaultSettings()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	text := s.String()
	if text != "yaw=-20 pitch=0 blend=gaussian radius=3 views=6 steps=10 mse=1 msssim=1 occluded=1" {
		t.Errorf("String() = %q", text)
	}
	c := Settings{Yaw: 12.5, Pitch: -5, Blend: blend.Poisson, Radius: 0, Views: 30, Steps: 0, MSE: 0, MSSSIM: 0.25, Occluded: 0.5}
	back, err := ParseSettings(c.String())
	if err != nil || back != c {
		t.Errorf("ParseSettings(%q) = %+v, %v; want %+v", c.String(), back, err, c)
	}
	for _, bad := range []string{"yaw", "colour=red", "views=six", "blend=median"} {
		if _, err := ParseSettings(bad); err == nil {
			t.Errorf("ParseSettings(%q) accepted it", bad)
		}
	}
	for name, change := range map[string]func(*Settings){
		"yaw":      func(s *Settings) { s.Yaw = 120 },
		"nan":      func(s *Settings) { s.Pitch = math.NaN() },
		"radius":   func(s *Settings) { s.Radius = -1 },
		"views":    func(s *Settings) { s.Views = OrbitViews + 1 },
		"no views": func(s *Settings) { s.Views = 0 },
		"steps":    func(s *Settings) { s.Steps = -1 },
		"no loss":  func(s *Settings) { s.MSE, s.MSSSIM = 0, 0 },
		"occluded": func(s *Settings) { s.Occluded = -1 },
		"method":   func(s *Settings) { s.Blend = blend.Method(7) },
	} {
		b := DefaultSettings()
		change(&b)
		if err := b.Validate(); err == nil {
			t.Errorf("%s: %v validated", name, b)
		}
	}
}

// Radius 10 at 512 pixels is the official blend; the radius scales the kernel, sigma and falloff together.
func TestBlendOptions(t *testing.T) {
	s := DefaultSettings()
	s.Radius = 10
	if got, want := s.BlendOptions(512), blend.Official(); got != want {
		t.Errorf("radius 10 at 512 px: %+v, want the official %+v", got, want)
	}
	s.Radius, s.Blend = 3, blend.Poisson
	o := s.BlendOptions(128)
	if o.Method != blend.Poisson || o.KernelSize != 7 || math.Abs(o.Sigma-1.05) > 1e-12 || o.Falloff != 3 || o.CoverageErosion != 13 {
		t.Errorf("radius 3 at 128 px: %+v", o)
	}
}

func TestTrajectory(t *testing.T) {
	orbit := camera.Cameras(camera.Orbit())
	s := DefaultSettings()
	s.Views = OrbitViews
	if !slices.Equal(s.Trajectory(), orbit) {
		t.Error("30 views are not the official orbit")
	}
	s.Views = 6
	got := s.Trajectory()
	for i, k := range []int{0, 5, 10, 15, 20, 25} {
		if got[i] != orbit[k] {
			t.Errorf("view %d of 6 is not orbit view %d", i, k)
		}
	}
}

// Summary is the settings followed by a fingerprint of each picture and the PSNRs, as key=value pairs.
func TestSummary(t *testing.T) {
	be := backend.MustNew()
	g, err := eg3d.New(eg3d.Micro(), 5)
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(context.Background(), be, g, microInput(), microOptions(""), nil)
	if err != nil {
		t.Fatal(err)
	}
	s := DefaultSettings()
	v, err := e.Render(s)
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Fields(v.Summary())
	want := strings.Fields(s.String())
	if !slices.Equal(fields[:len(want)], want) {
		t.Errorf("Summary starts %q, want the settings %q", fields[:len(want)], want)
	}
	rest := map[string]string{}
	for _, f := range fields[len(want):] {
		k, val, _ := strings.Cut(f, "=")
		rest[k] = val
	}
	if got := rest["mean_truth"]; got != fmt.Sprintf("%.5f", Mean(v.Truth)) {
		t.Errorf("mean_truth=%s, want %.5f", got, Mean(v.Truth))
	}
	if rest["mean_final"] != "NaN" || rest["psnr_final"] != "NaN" {
		t.Errorf("before stage 3: mean_final=%s psnr_final=%s, want NaN", rest["mean_final"], rest["psnr_final"])
	}
	if len(rest) != 7 {
		t.Errorf("Summary has %d fields after the settings, want 7: %v", len(rest), rest)
	}
	rows, rowLabels, colLabels := Grid(v, v)
	if len(rows) != 2 || len(rows[0]) != len(colLabels) || rowLabels[0] != "yaw -20, pitch 0" || rows[0][5] != nil {
		t.Errorf("Grid: %d rows of %d for %d columns, labels %q; stage-3 cell %v", len(rows), len(rows[0]), len(colLabels), rowLabels, rows[0][5] != nil)
	}
}

func ExampleSettings_String() {
	s := DefaultSettings()
	s.Yaw, s.Blend = 30, blend.Poisson
	fmt.Println(s)
	back, err := ParseSettings("yaw=30 blend=poisson")
	fmt.Println(back == s, err)
	// Output:
	// yaw=30 pitch=0 blend=poisson radius=3 views=6 steps=10 mse=1 msssim=1 occluded=1
	// true <nil>
}
