package benchmark

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"gonum.org/v1/gonum/stat/distuv"
)

// Stat is a mean with the half-width of its 95% confidence interval (Student's t: benchmarks have few cases, where
// the normal approximation would claim intervals several times too narrow).
type Stat struct {
	Mean, CI95 float64
	N          int
}

// stat summarizes the finite values of xs.
func stat(xs []float64) Stat {
	var s, n float64
	for _, x := range xs {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			s += x
			n++
		}
	}
	if n == 0 {
		return Stat{Mean: math.NaN()}
	}
	mean := s / n
	var v float64
	for _, x := range xs {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			v += (x - mean) * (x - mean)
		}
	}
	ci := 0.0
	if n > 1 {
		t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: n - 1}.Quantile(0.975)
		ci = t * math.Sqrt(v/(n-1)/n)
	}
	return Stat{Mean: mean, CI95: ci, N: int(n)}
}

// column is one quantity of the table: how it is read from Scores, printed and bounded.
type column struct {
	name   string
	higher bool // higher is better
	get    func(Scores) float64
	// digits after the decimal point, for means and intervals alike; lo and hi bound the quantity (an
	// interval reaching past them says nothing and is not printed as if it did).
	digits int
	lo, hi float64
}

// Columns of the table, in order.
var columns = []column{
	{"input PSNR", true, func(s Scores) float64 { return s.InputPSNR }, 2, 0, math.Inf(1)},
	{"input SSIM", true, func(s Scores) float64 { return s.InputSSIM }, 3, -1, 1},
	{"novel PSNR", true, func(s Scores) float64 { return s.NovelPSNR }, 2, 0, math.Inf(1)},
	{"novel SSIM", true, func(s Scores) float64 { return s.NovelSSIM }, 3, -1, 1},
	{"input depth MAE", false, func(s Scores) float64 { return s.InputDepthMAE }, 4, 0, math.Inf(1)},
	{"novel depth MAE", false, func(s Scores) float64 { return s.NovelDepthMAE }, 4, 0, math.Inf(1)},
	{"consistency, true geometry dB", true, func(s Scores) float64 { return s.TrueConsistency }, 2, 0, math.Inf(1)},
	{"consistency, rendered depth dB (circular)", true, func(s Scores) float64 { return s.Consistency }, 2, 0, math.Inf(1)},
}

// cell formats a mean and its interval with the column's digits: no interval for one case, and "(interval
// wider than the range)" when mean ± interval leaves the quantity's range.
func (c column) cell(s Stat) string {
	mean := fmt.Sprintf("%.*f", c.digits, s.Mean)
	switch {
	case s.N < 2:
		return mean
	case s.Mean-s.CI95 < c.lo || s.Mean+s.CI95 > c.hi:
		return mean + " (interval wider than the range)"
	}
	return fmt.Sprintf("%s ± %.*f", mean, c.digits, s.CI95)
}

// diff formats a paired difference and its interval with the column's digits and a sign.
func (c column) diff(s Stat) string {
	if s.N < 2 {
		return fmt.Sprintf("%+.*f", c.digits, s.Mean)
	}
	return fmt.Sprintf("%+.*f ± %.*f", c.digits, s.Mean, c.digits, s.CI95)
}

// Table summarizes case results per method and metric.
type Table struct {
	Methods []Method
	Cases   int
	Stats   map[Method][]Stat // per column
	// Paired holds, for every method but the baseline (PTI-long or PTI when compared, else the first), the mean
	// and interval of its per-case difference from the baseline, per column: with few cases, methods whose
	// intervals overlap can still differ consistently on every case, which only paired differences show.
	Paired map[Method][]Stat
	// Seconds is the cases' total wall time (each case records its own; 0 when none did).
	Seconds float64
	// Curves holds, for every method whose cases recorded a curve that samples W+, the mean and interval over
	// the cases of each Overfit reading (curveReadings).
	Curves map[Method][]Stat
}

// curveReadings are what the table reads from each case's curve (Overfit), in order.
var curveReadings = []struct {
	name   string
	digits int
	get    func(Overfit) float64
}{
	{"input view rise after W+ dB", 2, Overfit.InputRise},
	{"novel views' fall below their best dB", 2, Overfit.NovelFall},
	{"far views' fall below their best dB", 2, Overfit.FarFall},
	{"novel depth MAE change after W+", 4, Overfit.DepthRise},
}

// Summarize builds the table of results, methods in the order given.
func Summarize(results []*CaseResult, methods []Method) Table {
	t := Table{Methods: methods, Cases: len(results), Stats: map[Method][]Stat{}}
	for _, r := range results {
		t.Seconds += r.Seconds
	}
	for _, m := range methods {
		for _, c := range columns {
			var xs []float64
			for _, r := range results {
				if s, ok := r.Scores[m]; ok {
					xs = append(xs, c.get(s))
				}
			}
			t.Stats[m] = append(t.Stats[m], stat(xs))
		}
	}
	for _, m := range methods {
		var os []Overfit
		for _, r := range results {
			if o, err := r.Overfit(m); err == nil {
				os = append(os, o)
			}
		}
		if len(os) == 0 {
			continue
		}
		if t.Curves == nil {
			t.Curves = map[Method][]Stat{}
		}
		for _, c := range curveReadings {
			var xs []float64
			for _, o := range os {
				xs = append(xs, c.get(o))
			}
			t.Curves[m] = append(t.Curves[m], stat(xs))
		}
	}
	if len(methods) < 2 {
		return t
	}
	t.Paired = map[Method][]Stat{}
	base := t.baseline()
	for _, m := range methods {
		if m == base {
			continue
		}
		for _, c := range columns {
			var ds []float64
			for _, r := range results {
				sm, ok1 := r.Scores[m]
				sb, ok2 := r.Scores[base]
				if ok1 && ok2 {
					ds = append(ds, c.get(sm)-c.get(sb))
				}
			}
			t.Paired[m] = append(t.Paired[m], stat(ds))
		}
	}
	return t
}

// Markdown renders the table with mean ± 95% interval; the best mean of each column is bold.
func (t Table) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "| method |")
	for _, c := range columns {
		arrow := "↑"
		if !c.higher {
			arrow = "↓"
		}
		fmt.Fprintf(&b, " %s %s |", c.name, arrow)
	}
	b.WriteString("\n|---|" + strings.Repeat("---|", len(columns)) + "\n")
	for _, m := range t.Methods {
		fmt.Fprintf(&b, "| %s |", m)
		for j, c := range columns {
			cell := c.cell(t.Stats[m][j])
			if len(t.Methods) > 1 && t.best(j, c.higher) == m { // bold marks the best of several
				cell = "**" + cell + "**"
			}
			fmt.Fprintf(&b, " %s |", cell)
		}
		b.WriteString("\n")
	}
	switch {
	case t.Cases == 1:
		b.WriteString("\n1 case: no interval, and one head says little about the method.\n")
		return b.String()
	case t.Cases < 5:
		fmt.Fprintf(&b, "\nOnly %d cases: ± is the 95%% interval of the mean (Student's t), wide with so few heads; read it as a first look, not a result.\n", t.Cases)
	default:
		fmt.Fprintf(&b, "\n%d cases; ± is the 95%% interval of the mean (Student's t).\n", t.Cases)
	}
	if t.Seconds > 0 {
		fmt.Fprintf(&b, "Wall time %s in all, %s a case.\n", duration(t.Seconds), duration(t.Seconds/float64(t.Cases)))
	}
	if len(t.Paired) > 0 {
		base := t.baseline()
		fmt.Fprintf(&b, "\nPaired differences from %s, case by case (an interval that excludes 0 is a consistent difference):\n\n| method − %s |", base, base)
		for _, c := range columns {
			fmt.Fprintf(&b, " %s |", c.name)
		}
		b.WriteString("\n|---|" + strings.Repeat("---|", len(columns)) + "\n")
		for _, m := range t.Methods {
			if m == base {
				continue
			}
			fmt.Fprintf(&b, "| %s |", m)
			for j, s := range t.Paired[m] {
				fmt.Fprintf(&b, " %s |", columns[j].diff(s))
			}
			b.WriteString("\n")
		}
	}
	if len(t.Curves) > 0 {
		fmt.Fprintf(&b, "\nRead from each case's curve (supp. Fig. 2), then averaged: far views are the evaluation views turned %.0f° or more from the input (empty for runs that did not record each view's PSNR):\n\n| method |", FarFromInput*180/math.Pi)
		for _, c := range curveReadings {
			fmt.Fprintf(&b, " %s |", c.name)
		}
		b.WriteString("\n|---|" + strings.Repeat("---|", len(curveReadings)) + "\n")
		for _, m := range t.Methods {
			if _, ok := t.Curves[m]; !ok {
				continue
			}
			fmt.Fprintf(&b, "| %s |", m)
			for j, s := range t.Curves[m] {
				cell := ""
				if !math.IsNaN(s.Mean) {
					cell = column{digits: curveReadings[j].digits}.diff(s)
				}
				fmt.Fprintf(&b, " %s |", cell)
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

// baseline is the method the others are paired with: PTI-long when compared (it optimizes as long as the
// method, without pseudo views: the fair baseline), else PTI, else the first.
func (t Table) baseline() Method {
	for _, m := range []Method{PTILong, PTI} {
		if slices.Contains(t.Methods, m) {
			return m
		}
	}
	return t.Methods[0]
}

// best returns the method with the best mean in column j.
func (t Table) best(j int, higher bool) Method {
	var best Method
	bv := math.Inf(-1)
	for _, m := range t.Methods {
		v := t.Stats[m][j].Mean
		if !higher {
			v = -v
		}
		if v > bv {
			best, bv = m, v
		}
	}
	return best
}

// CSV renders the table as comma-separated values: method, then mean and ci95 of each column.
func (t Table) CSV() string {
	var b strings.Builder
	b.WriteString("method")
	for _, c := range columns {
		n := strings.ReplaceAll(c.name, " ", "_")
		fmt.Fprintf(&b, ",%s,%s_ci95", n, n)
	}
	b.WriteString("\n")
	for _, m := range t.Methods {
		b.WriteString(string(m))
		for _, s := range t.Stats[m] {
			fmt.Fprintf(&b, ",%g,%g", s.Mean, s.CI95)
		}
		b.WriteString("\n")
	}
	for _, m := range t.Methods {
		if d, ok := t.Paired[m]; ok {
			fmt.Fprintf(&b, "%s-%s", m, t.baseline()) // the paired difference from the baseline
			for _, s := range d {
				fmt.Fprintf(&b, ",%g,%g", s.Mean, s.CI95)
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

// MeanCurve averages a method's curves over cases, step by step (steps all cases share; a case's NaN is left
// out of its step's mean).
func MeanCurve(results []*CaseResult, m Method) []Point {
	var out []Point
	for _, c := range CurveStats(results, m) {
		out = append(out, Point{Stage: c.Stage, Step: c.Step, InputPSNR: c.Input.Mean, NovelPSNR: c.Novel.Mean, DepthMAE: c.Depth.Mean})
	}
	return out
}

// PoseErrors summarizes the pose errors (degrees) of the camera the inversion was given and, when it refined
// it, of method m's refined camera, over the cases.
func PoseErrors(results []*CaseResult, m Method) (given, refined Stat) {
	var g, r []float64
	for _, c := range results {
		g = append(g, c.GivenPoseError)
		if e, ok := c.PoseError[m]; ok {
			r = append(r, e)
		}
	}
	return stat(g), stat(r)
}

// duration formats seconds as hours and minutes, or minutes and seconds under an hour.
func duration(sec float64) string {
	d := time.Duration(sec * float64(time.Second)).Round(time.Second)
	if d >= time.Hour {
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
}
