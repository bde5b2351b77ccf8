package figures

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
)

// Tick labels with no needless decimals: 0, 250, 500 rather than gonum's 0.00, 250.00, 500.00.

const (
	// maxTickDecimals is the most decimals TickLabels writes in fixed notation; values that need more
	// (or are 1e7 or larger) are written in exponent notation.
	maxTickDecimals = 6
	// largeTick is the magnitude from which TickLabels writes exponents: 1e+07 rather than 10000000.
	largeTick = 1e7
)

// TickLabels returns a label for each of values, ticks of one axis: all with the same, fewest decimals that
// write every value exactly (to a millionth of the smallest gap between two values) and tell them apart,
// so 0, 50, 100 and 0.0, 0.5, 1.0 and 0.00, 0.25, 0.50. Values of 1e7 or more, or that need more than 6
// decimals, are written in exponent notation with the fewest significant digits that do the same (0, 1e-07,
// 2e-07). Zero is never written with a minus sign; NaN and infinities are written as strconv writes them.
func TickLabels(values []float64) []string {
	finite := make([]float64, 0, len(values))
	big := 0.0
	for _, v := range values {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			finite = append(finite, v)
			big = max(big, math.Abs(v))
		}
	}
	slices.Sort(finite)
	gap := math.Inf(1)
	for i := 1; i < len(finite); i++ {
		if d := finite[i] - finite[i-1]; d > 0 {
			gap = min(gap, d)
		}
	}
	tol := 1e-6 * gap
	if math.IsInf(gap, 1) { // fewer than two distinct values
		tol = 1e-9 * max(big, 1)
	}
	if big < largeTick {
		for d := 0; d <= maxTickDecimals; d++ {
			if labels, ok := tickLabels(values, 'f', d, tol); ok {
				return labels
			}
		}
	}
	for p := 1; p <= 16; p++ {
		if labels, ok := tickLabels(values, 'e', p-1, tol); ok {
			return labels
		}
	}
	labels, _ := tickLabels(values, 'g', -1, math.Inf(1))
	return labels
}

// tickLabels writes values in format fmt with precision prec, and reports whether every finite label reads
// back within tol of its value and the labels of different values differ.
func tickLabels(values []float64, fmt byte, prec int, tol float64) ([]string, bool) {
	labels := make([]string, len(values))
	seen := map[string]float64{}
	ok := true
	for i, v := range values {
		l := strconv.FormatFloat(v, fmt, prec, 64)
		back, err := strconv.ParseFloat(l, 64)
		if err == nil && back == 0 {
			l = strings.TrimPrefix(l, "-") // -0.00 reads as 0.00
			if fmt == 'e' {
				l = "0" // not 0e+00
			}
		}
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			if err != nil || math.Abs(back-v) > tol {
				ok = false
			}
			if w, dup := seen[l]; dup && w != v {
				ok = false
			}
			seen[l] = v
		}
		labels[i] = l
	}
	return labels, ok
}

// TidyTicks is a plot.Ticker that places ticks where gonum's plot.DefaultTicks does and labels them with
// TickLabels: the fewest decimals that tell them apart. The zero value is ready to use, e.g.
// p.X.Tick.Marker = figures.TidyTicks{}.
type TidyTicks struct{}

// Ticks returns the ticks of an axis from min to max (min < max, as gonum's axes ensure).
func (TidyTicks) Ticks(min, max float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(min, max)
	var major []float64
	for _, t := range ticks {
		if t.Label != "" {
			major = append(major, t.Value)
		}
	}
	labels := TickLabels(major)
	k := 0
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = labels[k]
			k++
		}
	}
	return ticks
}
