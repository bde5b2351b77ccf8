package benchmark

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/invert"
)

func TestOverfitOf(t *testing.T) {
	pt := func(stage invert.Stage, step int, in, novel float64) Point {
		return Point{Stage: stage, Step: step, InputPSNR: in, NovelPSNR: novel}
	}
	for _, tc := range []struct {
		name            string
		curve           []Point
		rise, fall      float64
		peakStep        int
		wantErrContains string
	}{
		{"PTI over-fits", []Point{pt(invert.StageW, 50, 20, 19), pt(invert.StageW, 100, 22, 20), pt(invert.StagePTI, 150, 25, 20.5),
			pt(invert.StagePTI, 200, 27, 20.2), pt(invert.StagePTI, 250, 28, 19.4)}, 6, 1.1, 150, ""},
		{"novel views still rising", []Point{pt(invert.StageW, 50, 20, 19), pt(invert.StagePTI, 100, 21, 19.5)}, 1, 0, 100, ""},
		{"peak during W+", []Point{pt(invert.StageW, 50, 20, 21), pt(invert.StagePTI, 100, 24, 20)}, 4, 1, 50, ""},
		{"no W+ point", []Point{pt(invert.StagePTI, 50, 20, 19)}, 0, 0, 0, "no W+ point"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := OverfitOf(tc.curve)
			if tc.wantErrContains != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErrContains) {
					t.Fatalf("OverfitOf: error %v, want one saying %q", err, tc.wantErrContains)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(o.InputRise()-tc.rise) > 1e-12 || math.Abs(o.NovelFall()-tc.fall) > 1e-12 || o.Peak.Step != tc.peakStep {
				t.Errorf("rise %v, fall %v, peak at %d; want %v, %v, %d (%v)", o.InputRise(), o.NovelFall(), o.Peak.Step, tc.rise, tc.fall, tc.peakStep, o)
			}
		})
	}
}

func TestFarViews(t *testing.T) {
	poses := camera.Evaluation() // frontal, yaw -0.35, yaw +0.35, pitch -0.25, pitch +0.25
	for _, tc := range []struct {
		name       string
		yaw, pitch float64
		want       []int
	}{
		{"frontal input: the two side views", 0, 0, []int{1, 2}},
		{"input turned right: the left view and both pitched views", 0.25, 0, []int{1, 3, 4}},
		{"input turned left and up: all but the right view", -0.3, 0.1, []int{0, 2, 3, 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := FarViews(poses, tc.yaw, tc.pitch, FarFromInput); !slices.Equal(got, tc.want) {
				t.Errorf("FarViews(yaw %v, pitch %v) = %v, want %v", tc.yaw, tc.pitch, got, tc.want)
			}
		})
	}
}

// A case whose five-view mean barely falls while the views turned away from the input fall by 2 dB: the far
// reading finds their own peak and fall, and the table reports both.
func TestCaseOverfitFarViews(t *testing.T) {
	pt := func(stage invert.Stage, step int, in float64, views ...float64) Point {
		var mean float64
		for _, v := range views {
			mean += v / float64(len(views))
		}
		return Point{Stage: stage, Step: step, InputPSNR: in, NovelPSNR: mean, DepthMAE: float64(step) / 1000, ViewPSNR: views}
	}
	r := &CaseResult{Case: 3, Yaw: 0.25, Curves: map[Method][]Point{PTI: {
		pt(invert.StageW, 50, 20, 22, 20, 22, 20, 20),
		pt(invert.StagePTI, 100, 24, 23, 21, 23, 21, 21),
		pt(invert.StagePTI, 150, 27, 25, 19, 28, 19, 19.5), // far views (1, 3, 4) fell 1.83 below step 100's
	}}}
	o, err := r.Overfit(PTI)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(o.Far, []int{1, 3, 4}) || o.FarPeak.Step != 100 {
		t.Fatalf("far views %v peak at %d, want [1 3 4] at 100", o.Far, o.FarPeak.Step)
	}
	if want := 21 - (19+19+19.5)/3; math.Abs(o.FarFall()-want) > 1e-9 || math.Abs(o.NovelFall()) > 1e-9 {
		t.Errorf("far fall %v (want %v), five-view fall %v (want 0: the mean still rose)", o.FarFall(), want, o.NovelFall())
	}
	if !strings.Contains(o.String(), "3 views turned away") || math.Abs(o.DepthRise()-0.1) > 1e-12 {
		t.Errorf("String %q, depth rise %v", o, o.DepthRise())
	}
	if _, err := r.Overfit(Ours); err == nil || !strings.Contains(err.Error(), "no ours curve") {
		t.Errorf("a method without a curve: error %v", err)
	}

	// Without per-view PSNR (runs before view_psnr) the far reading is empty, not zero.
	old := &CaseResult{Curves: map[Method][]Point{PTI: {{Stage: invert.StageW, Step: 50, NovelPSNR: 20}, {Stage: invert.StagePTI, Step: 100, NovelPSNR: 19}}}}
	if o, err := old.Overfit(PTI); err != nil || len(o.Far) != 0 || !math.IsNaN(o.FarFall()) {
		t.Errorf("no view_psnr: far %v, fall %v, err %v", o.Far, o.FarFall(), err)
	}

	table := Summarize([]*CaseResult{r, r}, []Method{PTI})
	md := table.Markdown()
	if got := table.Curves[PTI][2].Mean; math.Abs(got-o.FarFall()) > 1e-9 || !strings.Contains(md, "far views' fall below their best dB") {
		t.Errorf("table's far fall %v, want %v:\n%s", got, o.FarFall(), md)
	}
}

func TestChangeSincePTI(t *testing.T) {
	pt := func(stage invert.Stage, step int, in float64, views ...float64) Point {
		var mean float64
		for _, v := range views {
			mean += v / float64(len(views))
		}
		return Point{Stage: stage, Step: step, InputPSNR: in, NovelPSNR: mean, ViewPSNR: views}
	}
	// Two heads several dB apart whose PTI-long runs move the same way: the input view up, the far views
	// (1, 3, 4 for an input at yaw +0.25) down.
	a := &CaseResult{Yaw: 0.25, Curves: map[Method][]Point{PTILong: {
		pt(invert.StageW, 50, 20, 22, 20, 22, 20, 20),
		pt(invert.StagePTI, 100, 24, 23, 21, 23, 21, 21),
		pt(invert.StagePTILong, 150, 26, 23, 20, 24, 20, 20),
	}}}
	b := &CaseResult{Yaw: 0.25, Curves: map[Method][]Point{PTILong: {
		pt(invert.StageW, 50, 27, 28, 27, 28, 27, 27),
		pt(invert.StagePTI, 100, 30, 29, 28, 29, 28, 28),
		pt(invert.StagePTILong, 150, 31, 29, 27.5, 29.5, 27.5, 27.5),
	}}}
	change := ChangeSincePTI([]*CaseResult{a, b}, PTILong)
	if len(change) != 1 || change[0].Step != 50 {
		t.Fatalf("change %+v, want one point 50 steps after PTI", change)
	}
	c := change[0]
	near := func(s Stat, mean float64, n int) bool { return math.Abs(s.Mean-mean) < 1e-9 && s.N == n }
	if !near(c.Input, 1.5, 2) || !near(c.Far, -0.75, 2) || !near(c.Novel, -0.3, 2) {
		t.Errorf("change %+v: want input +1.5, far views -0.75, five views -0.3", c)
	}
	// Paired: the heads' 7 dB apart do not widen the interval; the changes' spread (2 vs 1 dB) does.
	if want := stat([]float64{2, 1}).CI95; math.Abs(c.Input.CI95-want) > 1e-9 {
		t.Errorf("input change interval %v, want %v (the per-head changes' own)", c.Input.CI95, want)
	}
	if got := ChangeSincePTI([]*CaseResult{a, b}, PTI); got != nil {
		t.Errorf("PTI's own curve has no change after PTI: %+v", got)
	}
	// Without per-view PSNR (runs before view_psnr) the far views' change is empty, not zero.
	old := &CaseResult{Curves: map[Method][]Point{PTILong: {{Stage: invert.StagePTI, Step: 100}, {Stage: invert.StagePTILong, Step: 150, InputPSNR: 1}}}}
	if c := ChangeSincePTI([]*CaseResult{old}, PTILong); len(c) != 1 || c[0].Far.N != 0 || c[0].Input.Mean != 1 {
		t.Errorf("no view_psnr: change %+v", c)
	}
	if _, err := ChangePlot("change", []*CaseResult{a, b}, []Method{PTI, PTILong}); err != nil {
		t.Error(err)
	}
	if _, err := ChangePlot("change", []*CaseResult{a, b}, []Method{PTI}); err == nil {
		t.Error("a change plot of PTI alone, which stops at the end of PTI")
	}
}
