package benchmark

import (
	"math"
	"strings"
	"testing"

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
