package benchmark

import (
	"fmt"
	"image"
	"math"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/figures"
	"github.com/pmvi/pmvi/pkg/invert"
)

// CurveStat is one step of a method's curve over several cases: each quantity's mean and 95% interval.
type CurveStat struct {
	Step                int
	Stage               invert.Stage
	Input, Novel, Depth Stat
}

// CurveStats returns method m's curve over the cases that recorded it, step by step (the steps every case
// sampled the same way line up: same stage lengths and CurveEvery).
func CurveStats(results []*CaseResult, m Method) []CurveStat {
	type acc struct {
		stage               invert.Stage
		input, novel, depth []float64
	}
	by := map[int]*acc{}
	for _, r := range results {
		for _, p := range r.Curves[m] {
			a := by[p.Step]
			if a == nil {
				a = &acc{stage: p.Stage}
				by[p.Step] = a
			}
			a.input, a.novel, a.depth = append(a.input, p.InputPSNR), append(a.novel, p.NovelPSNR), append(a.depth, p.DepthMAE)
		}
	}
	var out []CurveStat
	for step, a := range by {
		out = append(out, CurveStat{Step: step, Stage: a.stage, Input: stat(a.input), Novel: stat(a.novel), Depth: stat(a.depth)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Step < out[j].Step })
	return out
}

// TradeoffPlot draws the texture-geometry trade-off (supp. Fig. 2) from the benchmark's curves: input-view
// and novel-view PSNR against steps from the start of the inversion (W+, then PTI, then each method's last
// stage), the mean over the cases with its 95% band, for each method that recorded a curve. The stages the
// methods share (W+ and PTI) are drawn with the first method only; the others start where PTI ended.
func TradeoffPlot(title string, results []*CaseResult, methods []Method) (*plot.Plot, error) {
	var series []figures.Series
	for _, m := range methods {
		curve := CurveStats(results, m)
		if len(curve) == 0 {
			continue
		}
		if len(series) > 0 { // the shared stages are drawn already: keep PTI's last point to join on
			var own []CurveStat
			for k, c := range curve {
				shared := c.Stage == invert.StageW || c.Stage == invert.StagePTI
				if !shared || (k+1 < len(curve) && curve[k+1].Stage != invert.StagePTI && curve[k+1].Stage != invert.StageW) {
					own = append(own, c)
				}
			}
			curve = own
		}
		k := len(series)
		in := figures.Series{Name: fmt.Sprintf("%s: input view", m), Color: figures.PaletteColor(k)}
		nv := figures.Series{Name: fmt.Sprintf("%s: novel views (vs truth)", m), Color: figures.PaletteColor(k + 1), Dashed: true}
		for _, c := range curve {
			in.X, in.Y = append(in.X, float64(c.Step)), append(in.Y, c.Input.Mean)
			in.Lo, in.Hi = append(in.Lo, c.Input.Mean-c.Input.CI95), append(in.Hi, c.Input.Mean+c.Input.CI95)
			nv.X, nv.Y = append(nv.X, float64(c.Step)), append(nv.Y, c.Novel.Mean)
			nv.Lo, nv.Hi = append(nv.Lo, c.Novel.Mean-c.Novel.CI95), append(nv.Hi, c.Novel.Mean+c.Novel.CI95)
		}
		series = append(series, in, nv)
	}
	if len(series) == 0 {
		return nil, fmt.Errorf("benchmark: no curves recorded for %v (run pmvi eval with --curve-every)", methods)
	}
	return figures.LinePlot(title, "optimization steps from the start (W+, PTI, then each method)", "PSNR (dB)", series...)
}

// Overfit reads a curve as the paper's supp. Fig. 2 reads PTI's: the input view's rise from the end of W+ to the
// end of the run, and how far the novel views (against the truth) ended below their best; with per-view PSNR
// recorded, the same for the views turned away from the input alone, which the five-view mean averages with
// views that look where the input looked.
type Overfit struct {
	W    Point // the last point of W+ (where PTI starts)
	Peak Point // the point with the best novel views
	Last Point // the run's last point
	// Far lists the evaluation views turned away from the input (FarViews) and FarPeak is the point where their
	// mean PSNR was best; Far is empty when the curve has no per-view PSNR (runs before view_psnr existed) or
	// the input camera is unknown (OverfitOf alone).
	Far     []int
	FarPeak Point
}

// FarFromInput is the angle between viewing directions (radians) from which an evaluation camera counts as
// turned away from the input camera: 0.3 rad, 17 degrees. For an input at yaw +0.25 that leaves out the frontal
// view and the view at yaw +0.35; for a frontal input, it keeps the two side views.
const FarFromInput = 0.3

// FarViews lists the poses (indices) whose viewing direction is at least minAngle radians from the input
// camera's at yaw, pitch.
func FarViews(poses []camera.Pose, yaw, pitch, minAngle float64) []int {
	dir := func(yaw, pitch float64) [3]float64 {
		return [3]float64{math.Cos(pitch) * math.Sin(yaw), math.Sin(pitch), math.Cos(pitch) * math.Cos(yaw)}
	}
	in := dir(yaw, pitch)
	var far []int
	for k, p := range poses {
		d := dir(p.Yaw, p.Pitch)
		cos := in[0]*d[0] + in[1]*d[1] + in[2]*d[2]
		if math.Acos(math.Min(1, cos)) >= minAngle {
			far = append(far, k)
		}
	}
	return far
}

// viewMean is the mean PSNR of p at views, NaN when p has no per-view PSNR for them.
func viewMean(p Point, views []int) float64 {
	if len(views) == 0 {
		return math.NaN()
	}
	var s float64
	for _, k := range views {
		if k >= len(p.ViewPSNR) {
			return math.NaN()
		}
		s += p.ViewPSNR[k]
	}
	return s / float64(len(views))
}

// OverfitOf finds the points of curve that Overfit reads; the curve must sample W+.
func OverfitOf(curve []Point) (Overfit, error) {
	var o Overfit
	seenW := false
	for k, p := range curve {
		if p.Stage == invert.StageW {
			o.W, seenW = p, true
		}
		if k == 0 || p.NovelPSNR > o.Peak.NovelPSNR {
			o.Peak = p
		}
	}
	if !seenW {
		return o, fmt.Errorf("benchmark: the curve has no W+ point (run pmvi eval with --curve-every smaller than the W+ steps)")
	}
	o.Last = curve[len(curve)-1]
	return o, nil
}

// Overfit reads method m's curve of the case (OverfitOf), with the far views of its input camera among the
// evaluation cameras when the curve recorded per-view PSNR.
func (r *CaseResult) Overfit(m Method) (Overfit, error) {
	curve := r.Curves[m]
	if len(curve) == 0 {
		return Overfit{}, fmt.Errorf("benchmark: case %d has no %s curve (run pmvi eval with --curve-every)", r.Case, m)
	}
	o, err := OverfitOf(curve)
	if err != nil {
		return o, fmt.Errorf("case %d, %s: %w", r.Case, m, err)
	}
	poses := camera.Evaluation()
	if len(o.Last.ViewPSNR) != len(poses) {
		return o, nil
	}
	o.Far = FarViews(poses, r.Yaw, r.Pitch, FarFromInput)
	best := math.Inf(-1)
	for _, p := range curve {
		if v := viewMean(p, o.Far); v > best {
			o.FarPeak, best = p, v
		}
	}
	return o, nil
}

// InputRise is how far the input view's PSNR rose after W+ (dB).
func (o Overfit) InputRise() float64 { return o.Last.InputPSNR - o.W.InputPSNR }

// NovelFall is how far the novel views' PSNR ended below its best (dB, >= 0).
func (o Overfit) NovelFall() float64 { return o.Peak.NovelPSNR - o.Last.NovelPSNR }

// FarFall is how far the far views' mean PSNR ended below its best (dB, >= 0; NaN without far views).
func (o Overfit) FarFall() float64 { return viewMean(o.FarPeak, o.Far) - viewMean(o.Last, o.Far) }

// DepthRise is how much the novel views' depth error grew after W+ (world units).
func (o Overfit) DepthRise() float64 { return o.Last.DepthMAE - o.W.DepthMAE }

// String says them in a line.
func (o Overfit) String() string {
	s := fmt.Sprintf("input view %.2f dB after W+ -> %.2f dB after %d more steps (%+.2f); novel views peak %.2f dB at step %d, end %.2f dB (%+.2f)",
		o.W.InputPSNR, o.Last.InputPSNR, o.Last.Step-o.W.Step, o.InputRise(), o.Peak.NovelPSNR, o.Peak.Step, o.Last.NovelPSNR, -o.NovelFall())
	if len(o.Far) > 0 && !math.IsNaN(o.FarFall()) {
		s += fmt.Sprintf("; the %d views turned away from the input peak %.2f dB at step %d, end %.2f dB (%+.2f)",
			len(o.Far), viewMean(o.FarPeak, o.Far), o.FarPeak.Step, viewMean(o.Last, o.Far), -o.FarFall())
	}
	return s
}

// ChangeStat is one step of a method's run after PTI: each case's change since the end of PTI, averaged over the
// cases with a paired 95% interval. The cases differ by several dB from one head to the next while one head's
// curve moves by tenths, so the paired change shows what the absolute curves' bands hide.
type ChangeStat struct {
	Step int // steps after the end of PTI
	// Input and Novel are the changes of the input view's and the five evaluation views' PSNR (dB); Far is the
	// change of the mean PSNR at the evaluation views turned away from each case's input (FarViews), with N = 0
	// when a case has no per-view PSNR.
	Input, Novel, Far Stat
}

// ChangeSincePTI returns method m's curve after PTI as each case's change since PTI's last point (the paired
// change), step by step; nil when m's curves end with PTI (PTI itself) or the cases recorded no curve.
func ChangeSincePTI(results []*CaseResult, m Method) []ChangeStat {
	type acc struct{ input, novel, far []float64 }
	by := map[int]*acc{}
	poses := camera.Evaluation()
	for _, r := range results {
		curve := r.Curves[m]
		end := -1
		for k, p := range curve {
			if p.Stage == invert.StagePTI {
				end = k
			}
		}
		if end < 0 {
			continue
		}
		base := curve[end]
		far := FarViews(poses, r.Yaw, r.Pitch, FarFromInput)
		for _, p := range curve[end+1:] {
			step := p.Step - base.Step
			a := by[step]
			if a == nil {
				a = &acc{}
				by[step] = a
			}
			a.input = append(a.input, p.InputPSNR-base.InputPSNR)
			a.novel = append(a.novel, p.NovelPSNR-base.NovelPSNR)
			a.far = append(a.far, viewMean(p, far)-viewMean(base, far))
		}
	}
	var out []ChangeStat
	for step, a := range by {
		out = append(out, ChangeStat{Step: step, Input: stat(a.input), Novel: stat(a.novel), Far: stat(a.far)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Step < out[j].Step })
	return out
}

// ChangePlot draws each method's run after PTI as the change since the end of PTI (ChangeSincePTI): input view,
// the five evaluation views and, when every case recorded per-view PSNR, the views turned away from the input,
// each with its paired 95% band. It reads the trade-off without the spread between heads: PTI-long's input view
// rising while its far views fall is supp. Fig. 2. The methods keep the colours TradeoffPlot gives them.
func ChangePlot(title string, results []*CaseResult, methods []Method) (*plot.Plot, error) {
	var series []figures.Series
	drawn := 0 // methods with a curve, as TradeoffPlot counts them for its colours
	for _, m := range methods {
		if len(CurveStats(results, m)) == 0 {
			continue
		}
		colorIn, colorNovel := figures.PaletteColor(2*drawn), figures.PaletteColor(2*drawn+1)
		drawn++
		change := ChangeSincePTI(results, m)
		if len(change) == 0 {
			continue
		}
		in := figures.Series{Name: fmt.Sprintf("%s: input view", m), Color: colorIn}
		nv := figures.Series{Name: fmt.Sprintf("%s: novel views (vs truth)", m), Color: colorNovel, Dashed: true}
		far := figures.Series{Name: fmt.Sprintf("%s: views >= %.0f° from the input", m, FarFromInput*180/math.Pi), Color: colorNovel, Dotted: true}
		allFar := true
		add := func(s *figures.Series, x float64, v Stat) {
			s.X, s.Y = append(s.X, x), append(s.Y, v.Mean)
			s.Lo, s.Hi = append(s.Lo, v.Mean-v.CI95), append(s.Hi, v.Mean+v.CI95)
		}
		// Every series starts at 0 at the end of PTI, where the change is 0 by definition.
		zero := Stat{}
		add(&in, 0, zero)
		add(&nv, 0, zero)
		add(&far, 0, zero)
		for _, c := range change {
			add(&in, float64(c.Step), c.Input)
			add(&nv, float64(c.Step), c.Novel)
			add(&far, float64(c.Step), c.Far)
			allFar = allFar && c.Far.N == c.Input.N
		}
		series = append(series, in, nv)
		if allFar {
			series = append(series, far)
		}
	}
	if len(series) == 0 {
		return nil, fmt.Errorf("benchmark: no curve of %v goes on after PTI (run pmvi eval with --curve-every and ptilong or ours)", methods)
	}
	return figures.LinePlot(title, "steps after the end of PTI", "change since the end of PTI (dB)", series...)
}

// TradeoffFigure draws the benchmark's trade-off figure: TradeoffPlot (the mean curves) and, when a method goes on
// after PTI, ChangePlot (the paired change since the end of PTI) beside it, each panel w x h at dpi dots per inch.
func TradeoffFigure(results []*CaseResult, methods []Method, w, h vg.Length, dpi int) (image.Image, error) {
	n := len(results)
	p, err := TradeoffPlot(fmt.Sprintf("texture-geometry trade-off, mean of %d heads (95%% bands)", n), results, methods)
	if err != nil {
		return nil, err
	}
	plots := []*plot.Plot{p}
	if c, err := ChangePlot(fmt.Sprintf("change since the end of PTI, paired over %d heads (95%% bands)", n), results, methods); err == nil {
		plots = append(plots, c)
	}
	return figures.PlotsInARow(plots, w*vg.Length(len(plots)), h, dpi)
}
