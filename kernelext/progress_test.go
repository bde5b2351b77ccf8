package kernelext

import (
	"strings"
	"testing"
	"time"

	"github.com/pmvi/pmvi/pkg/fimage"
	"github.com/pmvi/pmvi/pkg/invert"
	"github.com/pmvi/pmvi/pkg/train"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// textProgress returns a Progress printing to a buffer, as outside a notebook, on a fake clock.
func textProgress(title string) (*Progress, *strings.Builder, *fakeClock) {
	var out strings.Builder
	clock := &fakeClock{t: time.Unix(0, 0)}
	p := &Progress{Title: title, Text: &out, now: clock.now}
	return p, &out, clock
}

// notebookProgress returns a Progress that records its notebook updates, on a fake clock.
func notebookProgress(title string) (*Progress, *[]string, *fakeClock) {
	var shown []string
	clock := &fakeClock{t: time.Unix(0, 0)}
	p := &Progress{Title: title, notebook: true, id: "pmvi_progress_test", now: clock.now,
		html: func(id, fragment string) {
			if id != "pmvi_progress_test" {
				panic("update of another output: " + id)
			}
			shown = append(shown, fragment)
		}}
	return p, &shown, clock
}

func TestProgressThrottlesText(t *testing.T) {
	p, out, clock := textProgress("inversion")
	// 10 steps of stage w, 300 ms apart, then 3 of pti: the default text interval is 2 s.
	for i := 1; i <= 10; i++ {
		p.Step(invert.Step{Stage: invert.StageW, Step: i, Steps: 10, Loss: 1 / float64(i),
			Terms: map[string]float64{"mse": 0.5 / float64(i), "lpips": 0.25}, Elapsed: time.Duration(i) * 300 * time.Millisecond})
		clock.advance(300 * time.Millisecond)
	}
	for i := 1; i <= 3; i++ {
		p.Step(invert.Step{Stage: invert.StagePTI, Step: i, Steps: 3, Loss: 0.1, Elapsed: time.Duration(i) * time.Second})
		clock.advance(300 * time.Millisecond)
	}
	want := []string{
		"inversion: w 1/10  10%  loss 1 (lpips 0.25, mse 0.5)  300ms, ETA 2.7s",        // first step of a stage
		"inversion: w 8/10  80%  loss 0.125 (lpips 0.25, mse 0.0625)  2.4s, ETA 600ms", // 2.1 s after it
		"inversion: w 10/10 100%  loss 0.1 (lpips 0.25, mse 0.05)  3s, ETA 0s",         // the last step
		"inversion: pti 1/3  33%  loss 0.1  1s, ETA 2s",                                // a new stage
		"inversion: pti 3/3 100%  loss 0.1  3s, ETA 0s",
	}
	got := strings.Split(strings.TrimSpace(out.String()), "\n")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestProgressIntervals(t *testing.T) {
	for _, tc := range []struct {
		name     string
		interval time.Duration
		want     int // lines for 100 steps 10 ms apart
	}{
		{"default text interval (2 s)", 0, 1 + 1},     // first and last only: the run lasts 1 s
		{"100 ms", 100 * time.Millisecond, 1 + 9 + 1}, // first, one per 100 ms, last
		{"every update", -1, 100},
	} {
		p, out, clock := textProgress("")
		p.Interval = tc.interval
		for i := 1; i <= 100; i++ {
			clock.advance(10 * time.Millisecond)
			p.Update(Update{Stage: "s", Step: i, Steps: 100})
		}
		if got := strings.Count(out.String(), "\n"); got != tc.want {
			t.Errorf("%s: %d lines, want %d", tc.name, got, tc.want)
		}
	}
}

func TestProgressTrainPhases(t *testing.T) {
	p, out, _ := textProgress("")
	p.Train(train.Progress{Phase: 0, Step: 1, Steps: 64, Elapsed: time.Second, ETA: 63 * time.Second})
	p.Train(train.Progress{Phase: 1, Step: 1, Steps: 2000, Loss: 0.5, Terms: map[string]float64{"rgb": 0.4}, Elapsed: 2 * time.Second, ETA: time.Hour})
	want := "render views 1/64   2%  1s, ETA 1m3s\nphase 1 1/2000   0%  loss 0.5 (rgb 0.4)  2s, ETA 1h0m0s\n"
	if out.String() != want {
		t.Errorf("got:\n%swant:\n%s", out.String(), want)
	}
}

func TestProgressNotebookUpdatesOneOutput(t *testing.T) {
	p, shown, clock := notebookProgress("PTI")
	snap := fimage.New(3, 32, 32)
	for i := 1; i <= 20; i++ {
		s := invert.Step{Stage: invert.StagePTI, Step: i, Steps: 20, Loss: 0.01, Elapsed: time.Duration(i) * 50 * time.Millisecond}
		if i == 3 {
			s.Render = snap // arrives on a throttled step
		}
		p.Step(s)
		clock.advance(50 * time.Millisecond)
	}
	// 50 ms apart, 250 ms interval: steps 1, 6, 11, 16 and the last.
	if len(*shown) != 5 {
		t.Fatalf("%d updates, want 5", len(*shown))
	}
	first, second, last := (*shown)[0], (*shown)[1], (*shown)[4]
	for _, want := range []string{"<b>PTI</b>", "1/20 (5%)", "loss 0.01"} {
		if !strings.Contains(first, want) {
			t.Errorf("first update lacks %q: %s", want, first)
		}
	}
	if strings.Contains(first, "data:image/png") {
		t.Error("first update shows a snapshot before any arrived")
	}
	if !strings.Contains(second, `<img src="data:image/png;base64,`) {
		t.Error("the snapshot of throttled step 3 is not shown with the next update")
	}
	if !strings.Contains(last, "&#10003; pti: 20 steps, loss 0.01, 1s") || strings.Contains(last, "20/20") {
		t.Errorf("last update should list the finished stage without a bar: %s", last)
	}
}

func TestProgressETAFromStep(t *testing.T) {
	p, out, _ := textProgress("")
	p.Step(invert.Step{Stage: invert.StageFinal, Step: 25, Steps: 100, Elapsed: 10 * time.Second})
	if !strings.Contains(out.String(), "10s, ETA 30s") {
		t.Errorf("line %q, want elapsed 10s and ETA 30s (invert.Step.ETA)", out.String())
	}
}
