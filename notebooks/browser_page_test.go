package notebooks

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/input"
	"github.com/go-rod/rod/lib/proto"
)

// browser_page_test.go: reading and driving the explorer's page: the state line the notebook prints, its
// controls found by label, and real mouse and keyboard input.

// stateID is the id of the element in which the explorer's cell writes explore.View.Summary.
const stateID = "explorer-state"

// page drives one notebook page.
type page struct {
	p   *rod.Page
	ctx context.Context
}

// str evaluates a JavaScript function returning a string.
func (pg *page) str(js string, args ...any) (string, error) {
	res, err := pg.p.Context(pg.ctx).Eval(js, args...)
	if err != nil {
		return "", err
	}
	return res.Value.Str(), nil
}

// state returns the explorer's state line ("" before it exists).
func (pg *page) state() (string, error) {
	return pg.str(`(id) => { const e = document.getElementById(id); return e ? e.textContent : "" }`, stateID)
}

// text returns every cell output's text, in page order.
func (pg *page) text() (string, error) {
	return pg.str(`() => [...document.querySelectorAll(".output_area")].map(e => e.innerText).join("\n")`)
}

// cellFailure returns the first failed cell's output in the page: an error output (a compile error) or a
// standard error stream ending like GoNB's report of a failed program. "" when none failed.
func (pg *page) cellFailure() (string, error) {
	outs, err := pg.str(`() => [...document.querySelectorAll(".output_error, .output_stderr")].map(e => e.innerText).join("\n----\n")`)
	if err != nil || outs == "" {
		return "", err
	}
	for _, o := range strings.Split(outs, "\n----\n") {
		if runtimeFailure.MatchString(o) || strings.Contains(o, "panic:") {
			return o, nil
		}
	}
	// Compile errors are error outputs; they carry no "exit status".
	errs, err := pg.str(`() => [...document.querySelectorAll(".output_error")].map(e => e.innerText).join("\n")`)
	return errs, err
}

// waitFor polls cond every 100 ms until it holds, a cell fails, or timeout passes; what names the wait in
// errors.
func (pg *page) waitFor(what string, timeout time.Duration, cond func() (bool, error)) error {
	deadline := time.Now().Add(timeout)
	for {
		ok, err := cond()
		if err != nil {
			return fmt.Errorf("waiting for %s: %w", what, err)
		}
		if ok {
			return nil
		}
		if f, err := pg.cellFailure(); err == nil && f != "" {
			return fmt.Errorf("waiting for %s: a cell failed:\n%s", what, lastLines(f, 30))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("waiting for %s: not within %s", what, timeout)
		}
		select {
		case <-pg.ctx.Done():
			return fmt.Errorf("waiting for %s: %w", what, pg.ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// waitState waits until the state line satisfies ok and returns it.
func (pg *page) waitState(what string, timeout time.Duration, ok func(fields map[string]string) bool) (string, error) {
	var last string
	err := pg.waitFor(what, timeout, func() (bool, error) {
		s, err := pg.state()
		last = s
		return err == nil && s != "" && ok(parseState(s)), err
	})
	if err != nil {
		return last, fmt.Errorf("%w; the page shows %q", err, last)
	}
	return last, nil
}

// control returns the input or select element of the kernelext control labelled label.
func (pg *page) control(label string) (*rod.Element, error) {
	id, err := pg.str(`(label) => {
		for (const d of document.querySelectorAll('div[id^="pmvi_slider_"], div[id^="pmvi_select_"]')) {
			const b = d.querySelector("b");
			const el = d.querySelector("input, select");
			if (b && el && b.textContent === label) return el.id;
		}
		return "";
	}`, label)
	if err != nil {
		return nil, err
	}
	if id == "" {
		return nil, fmt.Errorf("no live control labelled %q in the page", label)
	}
	return pg.p.Context(pg.ctx).Timeout(10 * time.Second).Element("#" + id)
}

// position returns a control's value in the DOM: the slider's step position or the selected option's index.
func position(el *rod.Element) (int, error) {
	res, err := el.Eval(`function() { return String(this.value) }`)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(res.Value.Str())
}

// drag moves a range slider's thumb with the mouse: press on the thumb, move to fraction (0 to 1) of the
// track, release. After each event that can change the value it calls settled, which waits until the kernel
// has the slider's new value (see synced). It returns the slider's position afterwards.
func (pg *page) drag(el *rod.Element, fraction float64, settled func() error) (int, error) {
	box, err := settledBox(el)
	if err != nil {
		return 0, err
	}
	res, err := el.Eval(`function() { return [Number(this.value), Number(this.max)].join(" ") }`)
	if err != nil {
		return 0, err
	}
	var cur, top float64
	if _, err := fmt.Sscan(res.Value.Str(), &cur, &top); err != nil || top <= 0 {
		return 0, fmt.Errorf("slider value/max %q", res.Value.Str())
	}
	// Chromium's thumb is about 16 px wide: its centre travels the track less 8 px at each end.
	const half = 8
	x := func(f float64) float64 { return box.X + half + f*(box.Width-2*half) }
	y := box.Y + box.Height/2
	m := pg.p.Context(pg.ctx).Mouse
	if err := m.MoveTo(proto.Point{X: x(cur / top), Y: y}); err != nil {
		return 0, err
	}
	if err := m.Down(proto.InputMouseButtonLeft, 1); err != nil {
		return 0, err
	}
	if err := settled(); err != nil {
		return 0, err
	}
	if err := m.MoveTo(proto.Point{X: x(fraction), Y: y}); err != nil {
		return 0, err
	}
	if err := settled(); err != nil {
		return 0, err
	}
	if err := m.Up(proto.InputMouseButtonLeft, 1); err != nil {
		return 0, err
	}
	return position(el)
}

// settledBox scrolls el into view and returns its box once two reads 100 ms apart agree (the page may still
// be scrolling or laying out pictures that just arrived).
func settledBox(el *rod.Element) (*proto.DOMRect, error) {
	if err := el.ScrollIntoView(); err != nil {
		return nil, err
	}
	var last *proto.DOMRect
	for range 50 {
		shape, err := el.Shape()
		if err != nil {
			return nil, err
		}
		box := shape.Box()
		if last != nil && *box == *last {
			return box, nil
		}
		last = box
		time.Sleep(100 * time.Millisecond)
	}
	return nil, fmt.Errorf("the element's position did not settle within 5s")
}

// sliderShows waits until the value kernelext shows beside the slider labelled label (which the Go side
// writes when it receives a move) reads want: the move reached the kernel.
func (pg *page) sliderShows(label, want string) error {
	return pg.waitFor(fmt.Sprintf("the kernel to receive %s = %s", label, want), 10*time.Second, func() (bool, error) {
		got, err := pg.str(`(label) => {
			for (const d of document.querySelectorAll('div[id^="pmvi_slider_"]')) {
				const b = d.querySelector("b");
				const v = document.getElementById(d.id + "_value");
				if (b && v && b.textContent === label) return v.textContent;
			}
			return "";
		}`, label)
		return got == want, err
	})
}

// press focuses a control and types keys on the keyboard, calling settled (see drag) after each; it
// returns the control's position afterwards.
func (pg *page) press(el *rod.Element, settled func() error, keys ...input.Key) (int, error) {
	if err := el.Focus(); err != nil {
		return 0, err
	}
	for _, k := range keys {
		if err := pg.p.Context(pg.ctx).Keyboard.Type(k); err != nil {
			return 0, err
		}
		if err := settled(); err != nil {
			return 0, err
		}
	}
	return position(el)
}

// synced returns a settled function for drag and press: it waits until the value the kernel shows beside
// the slider labelled label is the one at the slider's position in the page (min + position*step).
//
// Input goes one event at a time because GoNB v0.11.1 hands each value from the page to the kernel on a
// goroutine of its own (gonbui/comms.dispatchValueUpdates), so two values sent within a few milliseconds
// can arrive in either order and the kernel may keep the older one: a real fast drag can leave the
// explorer one step behind the thumb. The label kernelext writes shows the value the kernel holds.
func (pg *page) synced(el *rod.Element, label string, min, step float64) func() error {
	return func() error {
		pos, err := position(el)
		if err != nil {
			return err
		}
		return pg.sliderShows(label, strconv.FormatFloat(min+step*float64(pos), 'g', -1, 64))
	}
}

// parseState splits a state line into its key=value pairs.
func parseState(s string) map[string]string {
	out := map[string]string{}
	for _, f := range strings.Fields(s) {
		if k, v, ok := strings.Cut(f, "="); ok {
			out[k] = v
		}
	}
	return out
}

// Tolerances for comparing the page's state with this process's: the means are printed with 5 decimals, the
// PSNRs with 2; the renders are the same computation on the same backend, so only the rounding differs.
const (
	meanTol = 2e-5
	psnrTol = 0.015
)

// compareStates returns what differs between two state lines: settings exactly, the pictures' means and
// PSNRs within the tolerances (NaN only matches NaN).
func compareStates(got, want string) []string {
	g, w := parseState(got), parseState(want)
	var diffs []string
	for k, wv := range w {
		gv, ok := g[k]
		switch {
		case !ok:
			diffs = append(diffs, k+" missing")
		case strings.HasPrefix(k, "mean_") || strings.HasPrefix(k, "psnr_"):
			tol := meanTol
			if strings.HasPrefix(k, "psnr_") {
				tol = psnrTol
			}
			if !near(gv, wv, tol) {
				diffs = append(diffs, fmt.Sprintf("%s=%s, want %s", k, gv, wv))
			}
		case gv != wv:
			diffs = append(diffs, fmt.Sprintf("%s=%s, want %s", k, gv, wv))
		}
	}
	if len(g) != len(w) {
		diffs = append(diffs, fmt.Sprintf("%d fields, want %d", len(g), len(w)))
	}
	return diffs
}

// without returns a state line without the fields named keys.
func without(state string, keys ...string) string {
	var kept []string
	for _, f := range strings.Fields(state) {
		k, _, _ := strings.Cut(f, "=")
		if !slices.Contains(keys, k) {
			kept = append(kept, f)
		}
	}
	return strings.Join(kept, " ")
}

// near reports whether two printed numbers agree within tol; NaN agrees only with NaN.
func near(a, b string, tol float64) bool {
	x, errA := strconv.ParseFloat(a, 64)
	y, errB := strconv.ParseFloat(b, 64)
	if errA != nil || errB != nil {
		return false
	}
	if math.IsNaN(x) || math.IsNaN(y) {
		return math.IsNaN(x) && math.IsNaN(y)
	}
	return math.Abs(x-y) <= tol
}

// field returns a state line's number for key (NaN when absent).
func field(state, key string) float64 {
	v, err := strconv.ParseFloat(parseState(state)[key], 64)
	if err != nil {
		return math.NaN()
	}
	return v
}

// finishedStage is how kernelext.Progress reports a finished stage ("✓ final: 10 steps, ...").
const finishedStage = "\u2713 "

// count returns how many times text occurs in the cells' outputs.
func (pg *page) count(text string) (int, error) {
	all, err := pg.text()
	return strings.Count(all, text), err
}

// liveMarker matches the line the explorer's cell prints once its controls exist.
var liveMarker = regexp.MustCompile(`explorer: (\d+) of (\d+) controls live`)
