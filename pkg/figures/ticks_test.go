package figures

import (
	"math"
	"slices"
	"testing"
)

func TestTickLabels(t *testing.T) {
	for _, tc := range []struct {
		values []float64
		want   []string
	}{
		{[]float64{0, 50, 100}, []string{"0", "50", "100"}},
		{[]float64{0, 250, 500}, []string{"0", "250", "500"}},
		{[]float64{0, 0.5, 1}, []string{"0.0", "0.5", "1.0"}},
		{[]float64{0, 0.15, 0.3}, []string{"0.00", "0.15", "0.30"}},
		{[]float64{0.1, 0.2, 0.1 + 0.2}, []string{"0.1", "0.2", "0.3"}}, // 0.30000000000000004 is 0.3
		{[]float64{20, 22.5, 25}, []string{"20.0", "22.5", "25.0"}},
		{[]float64{-1, -0.0, 1}, []string{"-1", "0", "1"}},
		{[]float64{-0.5, -1e-17, 0.5}, []string{"-0.5", "0.0", "0.5"}}, // a rounding error's zero keeps no sign
		{[]float64{0.001, 0.002, 0.003}, []string{"0.001", "0.002", "0.003"}},
		{[]float64{0, 1e-7, 2e-7}, []string{"0", "1e-07", "2e-07"}},
		{[]float64{0, 1e9, 2e9}, []string{"0", "1e+09", "2e+09"}},
		{[]float64{1.5e9, 2e9}, []string{"1.5e+09", "2.0e+09"}},
		{[]float64{42}, []string{"42"}},
		{[]float64{2.75}, []string{"2.75"}},
		{nil, []string{}},
		{[]float64{1, math.NaN()}, []string{"1", "NaN"}},
	} {
		if got := TickLabels(tc.values); !slices.Equal(got, tc.want) {
			t.Errorf("TickLabels(%v) = %q, want %q", tc.values, got, tc.want)
		}
	}
}

// TidyTicks keeps gonum's tick places and relabels the labelled (major) ones.
func TestTidyTicks(t *testing.T) {
	for _, tc := range []struct {
		min, max float64
		want     []string
	}{
		{0, 500, []string{"0", "250", "500"}}, // gonum: 0.00, 250.00, 500.00
		{0, 1, []string{"0.0", "0.5", "1.0"}},
		{19.5, 23.2, []string{"20", "21", "22", "23"}},
	} {
		var got []string
		minor := 0
		for _, tk := range (TidyTicks{}).Ticks(tc.min, tc.max) {
			if tk.Label == "" {
				minor++
				continue
			}
			got = append(got, tk.Label)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("[%v, %v]: labels %q, want %q", tc.min, tc.max, got, tc.want)
		}
		if minor == 0 {
			t.Errorf("[%v, %v]: no minor ticks kept", tc.min, tc.max)
		}
	}
}
