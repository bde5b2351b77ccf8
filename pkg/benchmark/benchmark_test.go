package benchmark

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"gonum.org/v1/plot/vg"

	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/heads"
	"github.com/pmvi/pmvi/pkg/invert"
)

// The benchmark's mechanics on an untrained Micro generator: every method scored, curves sampled, results
// saved, loaded and summarized. (Its numbers mean nothing; the real ones come from the embedded model.)
func TestRunCaseAndSummarize(t *testing.T) {
	be, g, s := microSuite(t, 101, 102)
	opts := invert.QuickOptions()
	opts.WSteps, opts.PTISteps, opts.FinalSteps, opts.DensitySteps, opts.WAvgSamples = 6, 6, 6, 6, 32
	opts.DensityPoints = 64
	o := Options{Invert: opts, Methods: []Method{PTI, Ours, DensityReg, PTILong}, CurveEvery: 3}
	dir := t.TempDir()
	for i := 0; i < s.Len(); i++ {
		c, err := s.Case(i)
		if err != nil {
			t.Fatal(err)
		}
		r, err := RunCase(context.Background(), be, g, c, o, nil)
		if err != nil {
			t.Fatal(err)
		}
		// Curves every 3 steps of 6: W+ at 3 and 6, PTI at 9 and 12, the last tuning stage at 15 and 18.
		if len(r.Scores) != 4 || len(r.Curves[Ours]) != 6 || len(r.Curves[PTI]) != 4 || len(r.Curves[PTILong]) != 6 {
			t.Fatalf("case %d: %d scores, curves %d/%d/%d points", i, len(r.Scores), len(r.Curves[Ours]), len(r.Curves[PTI]), len(r.Curves[PTILong]))
		}
		if last := r.Curves[Ours][5]; last.Step != 18 || last.Stage != "final" || last.NovelPSNR != r.Scores[Ours].NovelPSNR || len(last.ViewPSNR) != len(c.Views) {
			t.Errorf("case %d: ours' curve ends at %+v, want step 18 of stage final scoring what the table scores (%.4f)", i, last, r.Scores[Ours].NovelPSNR)
		}
		for m, sc := range r.Scores {
			if math.IsNaN(sc.NovelPSNR) || sc.InputDepthMAE <= 0 {
				t.Errorf("case %d %s: scores %+v", i, m, sc)
			}
			mean := 0.0
			for _, p := range sc.ViewPSNR {
				mean += p / float64(len(sc.ViewPSNR))
			}
			if len(sc.ViewPSNR) != len(c.Views) || math.Abs(mean-sc.NovelPSNR) > 1e-9 {
				t.Errorf("case %d %s: per-view PSNR %v, mean %v, want %d views averaging %v", i, m, sc.ViewPSNR, mean, len(c.Views), sc.NovelPSNR)
			}
		}
		if err := Save(dir, r); err != nil {
			t.Fatal(err)
		}
	}
	results, err := Load(dir)
	if err != nil || len(results) != 2 {
		t.Fatalf("Load: %d results, %v", len(results), err)
	}
	table := Summarize(results, o.Methods)
	md := table.Markdown()
	if !strings.Contains(md, "| ours |") || !strings.Contains(md, "**") || strings.Count(table.CSV(), "\n") != 8 {
		t.Errorf("table:\n%s\n%s", md, table.CSV())
	}
	if want := results[0].Seconds + results[1].Seconds; want <= 0 || table.Seconds != want || !strings.Contains(md, "Wall time "+duration(want)+" in all") {
		t.Errorf("wall time %v s, cases took %v s; table:\n%s", table.Seconds, want, md)
	}
	// The paired difference from the baseline (PTI-long) is the mean of the per-case differences.
	want := 0.0
	for _, r := range results {
		want += (r.Scores[Ours].NovelPSNR - r.Scores[PTILong].NovelPSNR) / float64(len(results))
	}
	if got := table.Paired[Ours][2].Mean; math.Abs(got-want) > 1e-12 || !strings.Contains(md, "Paired differences from ptilong") {
		t.Errorf("paired novel-PSNR difference %v, want %v; table:\n%s", got, want, md)
	}
	if !strings.Contains(md, " ± ") || !strings.Contains(md, "Student's t") {
		t.Errorf("two cases without intervals:\n%s", md)
	}
	if one := Summarize(results[:1], o.Methods).Markdown(); strings.Contains(one, "±") || !strings.Contains(one, "1 case: no interval") {
		t.Errorf("one case shown with an interval:\n%s", one)
	}
	if alone := Summarize(results, []Method{PTI}).Markdown(); strings.Contains(alone, "**") {
		t.Errorf("one method's table marks a best:\n%s", alone)
	}
	if curve := MeanCurve(results, Ours); len(curve) != 6 || curve[0].Step != 3 || curve[0].Stage != invert.StageW || curve[5].Stage != "final" {
		t.Errorf("mean curve %+v", curve)
	}
	stats := CurveStats(results, PTILong)
	if len(stats) != 6 || stats[5].Step != 18 || stats[5].Stage != "ptilong" || stats[5].Novel.N != 2 {
		t.Errorf("curve stats %+v", stats)
	}
	if _, err := TradeoffPlot("trade-off", results, []Method{PTILong, Ours}); err != nil {
		t.Error(err)
	}
	if _, err := TradeoffPlot("trade-off", results, []Method{W}); err == nil {
		t.Error("a plot of a method without curves")
	}
	// PTI-long and ours go on after PTI: the figure has the change panel beside the curves; PTI alone has not.
	for _, tc := range []struct {
		ms     []Method
		panels int
	}{{[]Method{PTI, PTILong, Ours}, 2}, {[]Method{PTI}, 1}} {
		img, err := TradeoffFigure(results, tc.ms, 3*vg.Inch, 2*vg.Inch, 100)
		if err != nil || img.Bounds().Dx() != 300*tc.panels || img.Bounds().Dy() != 200 {
			t.Errorf("figure of %v: %v, err %v; want %d panels of 300x200", tc.ms, img.Bounds(), err, tc.panels)
		}
	}
	t.Log("\n" + md)
}

func TestDuration(t *testing.T) {
	for _, tc := range []struct {
		sec  float64
		want string
	}{{0, "0m00s"}, {59.6, "1m00s"}, {754, "12m34s"}, {3725, "1h02m"}, {6.5 * 3600, "6h30m"}} {
		if got := duration(tc.sec); got != tc.want {
			t.Errorf("duration(%v) = %q, want %q", tc.sec, got, tc.want)
		}
	}
}

func TestStat(t *testing.T) {
	s := stat([]float64{1, 2, 3, math.NaN()})
	// Standard deviation 1 over 3 cases: the half-width is t(0.975, 2 degrees of freedom) = 4.3027 (from a
	// t table) over sqrt(3), not the normal approximation's 1.96/sqrt(3).
	if s.N != 3 || s.Mean != 2 || math.Abs(s.CI95-4.302652729911275/math.Sqrt(3)) > 1e-9 {
		t.Errorf("stat = %+v", s)
	}
	if _, err := ParseMethods("pti,bogus"); err == nil {
		t.Error("unknown method accepted")
	}
}

// Method W scores the W+ code on the untuned generator, which is where stage 1's curve ends; stage 3 from the
// original generator (the official code's choice) is recorded as such.
func TestUntunedReference(t *testing.T) {
	be, g, s := microSuite(t, 101)
	opts := invert.QuickOptions()
	opts.WSteps, opts.PTISteps, opts.FinalSteps, opts.WAvgSamples = 6, 6, 3, 32
	opts.FinalFrom = invert.FromOriginal
	c, err := s.Case(0)
	if err != nil {
		t.Fatal(err)
	}
	r, err := RunCase(context.Background(), be, g, c, Options{Invert: opts, Methods: []Method{W, Ours}, CurveEvery: 3}, nil)
	if err != nil {
		t.Fatal(err)
	}
	w, pti := r.Scores[W], r.Scores[PTI]
	if _, ok := r.Scores[W]; !ok || w.InputPSNR == pti.InputPSNR || r.FinalFrom != "original" || r.Steps != "6/6/3" {
		t.Fatalf("scores %+v, final from %q, steps %q", r.Scores, r.FinalFrom, r.Steps)
	}
	if end := r.Curves[Ours][1]; end.Stage != "w" || end.InputPSNR != w.InputPSNR {
		t.Errorf("stage 1's curve ends at %+v, want W's input PSNR %.3f", end, w.InputPSNR)
	}
}

// microSuite returns an untrained Micro generator on white and the standard suite of the given heads for it.
func microSuite(t *testing.T, seeds ...uint64) (backends.Backend, *eg3d.Generator, *Suite) {
	t.Helper()
	cfg := eg3d.Micro()
	cfg.WhiteBackground = true
	g, err := eg3d.New(cfg, 4)
	if err != nil {
		t.Fatal(err)
	}
	return backend.MustNew(), g, Standard(g, seeds, heads.Clean)
}

// A perturbed input camera is given to the pipeline (its error recorded), refinement's result is scored as a
// pose error, and extra views reach the pipeline.
func TestPerturbedCameraAndExtraViews(t *testing.T) {
	be, g, s := microSuite(t, 101)
	opts := invert.QuickOptions()
	opts.WSteps, opts.PTISteps, opts.FinalSteps, opts.WAvgSamples = 4, 4, 4, 32
	opts.RefineCamera = invert.DefaultCameraRefinement()
	c, err := s.Case(0)
	if err != nil {
		t.Fatal(err)
	}
	r, err := RunCase(context.Background(), be, g, c, Options{Invert: opts, Methods: []Method{PTI}, Perturb: 0.1, Views: 3}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(r.GivenPoseError-0.1*180/math.Pi) > 0.6 || r.Views != 3 {
		t.Errorf("given pose error %.2f degrees (want about %.2f), %d views (want 3)", r.GivenPoseError, 0.1*180/math.Pi, r.Views)
	}
	if e, ok := r.PoseError[PTI]; !ok || !(e > 0) || e > 15 {
		t.Errorf("refined pose error %v (recorded %v)", e, ok)
	}
}

// Cells print means and intervals with one number of digits per quantity, and no interval that reaches past
// the quantity's range.
func TestCellFormats(t *testing.T) {
	ssim, psnr := columns[1], columns[0]
	for _, tt := range []struct {
		c    column
		s    Stat
		want string
	}{
		{psnr, Stat{Mean: 21.234, CI95: 0.456, N: 10}, "21.23 ± 0.46"},
		{psnr, Stat{Mean: 21.234, N: 1}, "21.23"},
		{ssim, Stat{Mean: 0.7, CI95: 0.05, N: 10}, "0.700 ± 0.050"},
		{ssim, Stat{Mean: 0.7, CI95: 0.5, N: 2}, "0.700 (interval wider than the range)"},
	} {
		if got := tt.c.cell(tt.s); got != tt.want {
			t.Errorf("%s %+v: %q, want %q", tt.c.name, tt.s, got, tt.want)
		}
	}
	if got := psnr.diff(Stat{Mean: 0.49, CI95: 0.2, N: 12}); got != "+0.49 ± 0.20" {
		t.Errorf("paired difference %q", got)
	}
}
