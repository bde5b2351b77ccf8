package notebooks

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/input"
	"github.com/go-rod/rod/lib/proto"

	"github.com/pmvi/pmvi/kernelext"
	"github.com/pmvi/pmvi/models"
	"github.com/pmvi/pmvi/pkg/blend"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/explore"
	"github.com/pmvi/pmvi/pkg/invert"
)

// The browser test opens notebooks/07-explorer.ipynb in classic Jupyter Notebook and headless Chromium, runs
// every cell, moves the explorer's controls with real input events, and checks that the Go side reacted
// with what the new settings must give: the state line the explorer prints (explore.View.Summary: the
// settings and a fingerprint of each picture) must equal what pkg/explore computes in this process for the
// same settings. It takes a screenshot of the explorer after the moves, and writes it to figures/explorer.png
// only with PMVI_WRITE_FIGURES=1: a test run leaves the repository as it was.
//
//	scripts/setup-notebooks.sh --browser
//	PMVI_BROWSER=1 go test ./notebooks/ -run 'TestExplorer(InBrowser|NegativeControl)$' -v -timeout 30m
//	PMVI_BROWSER=1 PMVI_WRITE_FIGURES=1 go test ./notebooks/ -run 'TestExplorerInBrowser$' -v   # refresh the figure
//	PMVI_BROWSER=1 PMVI_BROWSER_NEGATIVE=1 go test ./notebooks/ -run 'TestExplorerInBrowser$' -v   # must fail
//
// The negative mode unwires the yaw slider in the served copy of the notebook (it is shown, but Interact does
// not follow it), so the page cannot react to the drag and the test must fail; it shows that the test can.
// TestExplorerNegativeControl runs the test that way in a child process, and passes only when it fails at
// the drag, so every run of scripts/test.sh shows it. A control inside every run: the state must not change
// by itself before the first input. Each phase logs a "progress: " line (see scripts/testsummary).
//
// The test first opens the same explorer in this process, which computes stages 1 and 2 and the default
// stage 3 or reads them from the explorer's disk cache (explore.DefaultCacheDir), so the notebook reads them
// there too instead of computing them while the browser waits.

const (
	// negativeEnv set to "1" runs the test against a notebook whose yaw slider is not wired: it must fail.
	negativeEnv = "PMVI_BROWSER_NEGATIVE"
	// writeFiguresEnv set to "1" lets the test write figures/explorer.png (as pkg/align's figure test).
	writeFiguresEnv = "PMVI_WRITE_FIGURES"
)

// Labels and ranges of the explorer's controls (notebooks/07-explorer.ipynb, newControls).
const (
	yawLabel, yawMin, yawStep     = "novel view yaw (degrees)", -40.0, 5.0
	pitchLabel, pitchMin, pitchSt = "novel view pitch (degrees)", -20.0, 5.0
	blendLabel                    = "blend"
)

// Waits: the first run of the notebook builds its cells (about a minute with cold Go caches); a change of
// camera is a few renders; a change of blend also runs stage 3.
const (
	liveTimeout   = 8 * time.Minute
	cameraTimeout = 60 * time.Second
	stage3Timeout = 6 * time.Minute
)

// openExplorer opens the explorer notebook 07 opens: kernelext.OpenExplorer on the default network's first
// held-out head at the notebook's view (the test's first check fails when the two differ).
func openExplorer(t *testing.T) (*explore.Explorer, error) {
	return kernelext.OpenExplorer(models.DefaultName, 0, camera.At(0.25, -0.05), logSteps(t))
}

// logSteps logs every 20th step of a stage, and its last.
func logSteps(t *testing.T) invert.Callback {
	return func(s invert.Step) error {
		if s.Step%20 == 0 || s.Step == s.Steps {
			t.Logf("in-process explorer: %s step %d/%d, loss %.4g, %s", s.Stage, s.Step, s.Steps, s.Loss, s.Elapsed.Round(time.Second))
		}
		return nil
	}
}

// timeline records how long each phase took, for the log, and logs each phase as progress as it ends.
type timeline struct {
	t           *testing.T
	start, last time.Time
	lines       []string
}

func (tl *timeline) mark(what string) {
	now := time.Now()
	tl.lines = append(tl.lines, fmt.Sprintf("%-44s %6.1fs (at %6.1fs)", what, now.Sub(tl.last).Seconds(), now.Sub(tl.start).Seconds()))
	tl.t.Logf("progress: %s (at %.0fs)", what, now.Sub(tl.start).Seconds())
	tl.last = now
}

func TestExplorerInBrowser(t *testing.T) {
	requireBrowser(t)
	negative := os.Getenv(negativeEnv) == "1"
	ctx := testContext(t)
	tl := &timeline{t: t, start: time.Now(), last: time.Now()}
	if negative {
		t.Logf("progress: negative mode (%s=1): the yaw slider is not wired, so this run must fail", negativeEnv)
	}
	defer func() { t.Logf("timeline:\n%s", strings.Join(tl.lines, "\n")) }()

	// The explorer in this process: the reference for every check, and it fills the cache the notebook reads.
	ex, err := openExplorer(t)
	if err != nil {
		t.Fatal(err)
	}
	defaults := explore.DefaultSettings()
	if _, err := ex.Tune(ctx, defaults, logSteps(t)); err != nil {
		t.Fatal(err)
	}
	want, err := ex.Render(defaults)
	if err != nil {
		t.Fatal(err)
	}
	tl.mark(fmt.Sprintf("in-process explorer (cached: %v)", ex.Setup.Cached))

	r := newReaper()
	t.Cleanup(func() {
		start := time.Now()
		if left := r.cleanup(); len(left) > 0 {
			t.Errorf("processes still alive after the cleanup:\n%s", describeProcs(left))
		} else {
			t.Logf("cleanup: Jupyter, its kernel and Chromium ended in %.1fs; no process left", time.Since(start).Seconds())
		}
	})
	work, err := os.MkdirTemp("", "pmvi-browser-")
	if err != nil {
		t.Fatal(err)
	}
	r.removeAfter(work)
	nbDir := filepath.Join(work, "notebooks")
	if err := servedCopy(filepath.Join(nbDir, "07-explorer.ipynb"), "07-explorer.ipynb", negative); err != nil {
		t.Fatal(err)
	}
	j, err := startJupyter(ctx, r, nbDir, work)
	if err != nil {
		t.Fatal(err)
	}
	ws, err := startChromium(ctx, r, work)
	if err != nil {
		t.Fatal(err)
	}
	browser := rod.New().ControlURL(ws).Context(ctx)
	if err := browser.Connect(); err != nil {
		t.Fatal(err)
	}
	r.before(func() { _ = browser.Close() })
	tl.mark("jupyter and chromium started")

	p, err := browser.Page(proto.TargetCreateTarget{URL: j.notebookURL("07-explorer.ipynb")})
	if err != nil {
		t.Fatal(err)
	}
	pg := &page{p: p, ctx: ctx}
	r.before(func() {
		if t.Failed() {
			diagnose(t, pg, j)
		}
	})
	if err := pg.waitFor("the kernel", 90*time.Second, func() (bool, error) {
		res, err := p.Context(ctx).Eval(`() => !!(window.Jupyter && Jupyter.notebook && Jupyter.notebook.kernel && Jupyter.notebook.kernel.is_connected())`)
		return err == nil && res.Value.Bool(), nil
	}); err != nil {
		t.Fatal(err)
	}
	tl.mark("kernel connected")
	if _, err := p.Context(ctx).Eval(`() => { Jupyter.notebook.execute_all_cells(); return true }`); err != nil {
		t.Fatal(err)
	}

	// Wait until the explorer's controls are live and its first view is drawn.
	var marker []string
	if err := pg.waitFor("the explorer's live controls", liveTimeout, func() (bool, error) {
		text, err := pg.text()
		marker = liveMarker.FindStringSubmatch(text)
		return marker != nil, err
	}); err != nil {
		t.Fatal(err)
	}
	if marker[1] != marker[2] || marker[1] == "0" {
		t.Fatalf("the page says %q: want every control live", marker[0])
	}
	tl.mark("cells ran, " + marker[0])
	state, err := pg.waitState("the default view", cameraTimeout, func(f map[string]string) bool { return f["mean_final"] != "NaN" })
	if err != nil {
		t.Fatal(err)
	}
	if d := compareStates(state, want.Summary()); d != nil {
		t.Fatalf("the page's default view differs from this process's explorer (is openExplorer in step with the notebook?): %s\npage: %s\nwant: %s",
			strings.Join(d, "; "), state, want.Summary())
	}
	tl.mark("default view matches")

	// Control: nothing changes by itself.
	time.Sleep(2 * time.Second)
	if now, err := pg.state(); err != nil || now != state {
		t.Fatalf("the state changed without any input: %q -> %q (%v)", state, now, err)
	}

	// Stages 1 and 2 and the default stage 3 were read from the cache: no stage has reported a step yet.
	if n, err := pg.count(finishedStage); err != nil || n != 0 {
		t.Fatalf("before any input the page reports %d finished optimization stages (%v), want 0", n, err)
	}

	// 1. End on the blend list: Poisson. The pseudo view changes at once, then stage 3 runs for it (forgotten
	// first, so the kernel runs it whether or not an earlier test left it in the cache). This happens at the
	// default camera, on the side the input did not see, where the pseudo views shape the final generator
	// most: near the input's side the two blends' stage-3 views can be too alike for the check to tell apart
	// (at yaw 30, pitch 10 their means differed by 7e-5 with PMVI_NOTEBOOK_STEPS=3, against 3.3e-3 here).
	s := defaults
	s.Blend = blend.Poisson
	if err := ex.Forget(s); err != nil {
		t.Fatal(err)
	}
	el, err := pg.control(blendLabel)
	if err != nil {
		t.Fatal(err)
	}
	moved := time.Now()
	pos, err := pg.press(el, func() error { return nil }, input.End)
	if err != nil {
		t.Fatal(err)
	}
	if pos != int(blend.Poisson) {
		t.Fatalf("End on the blend list selected option %d, want %d (poisson)", pos, blend.Poisson)
	}
	pending, err := pg.waitState("the Poisson pseudo view", cameraTimeout, func(f map[string]string) bool { return f["blend"] == "poisson" })
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(field(pending, "mean_final")) {
		t.Fatalf("the page showed a stage-3 result for Poisson before running stage 3: %s", pending)
	}
	cheap, err := ex.Render(s)
	if err != nil {
		t.Fatal(err)
	}
	// The stage-3 fields are left out: the kernel may finish stage 3 (and this process read it) meanwhile.
	onPage, mine := without(pending, "mean_final", "psnr_final"), without(cheap.Summary(), "mean_final", "psnr_final")
	if d := compareStates(onPage, mine); d != nil {
		t.Fatalf("the Poisson pseudo view differs from this process's: %s\npage: %s\nwant: %s", strings.Join(d, "; "), onPage, mine)
	}
	tl.mark(fmt.Sprintf("keyboard: blend -> poisson, pseudo view in %.1fs", time.Since(moved).Seconds()))
	state = react(t, ex, pg, &want, s, "stage 3 with Poisson pseudo views", stage3Timeout, "mean_pseudo", "mean_final")
	tl.mark(fmt.Sprintf("stage 3 for poisson done %.1fs after the key", time.Since(moved).Seconds()))
	if n, err := pg.count(finishedStage); err != nil || n != 1 {
		t.Fatalf("after the blend change the page reports %d finished optimization stages (%v), want 1: stage 3", n, err)
	}

	// 2. Drag the yaw slider with the mouse.
	if el, err = pg.control(yawLabel); err != nil {
		t.Fatal(err)
	}
	moved = time.Now()
	if pos, err = pg.drag(el, 0.875, pg.synced(el, yawLabel, yawMin, yawStep)); err != nil {
		t.Fatal(err)
	}
	s.Yaw = yawMin + yawStep*float64(pos)
	if s.Yaw == defaults.Yaw {
		t.Fatalf("the drag left the yaw slider at %g degrees", s.Yaw)
	}
	state = react(t, ex, pg, &want, s, fmt.Sprintf("yaw dragged to %g", s.Yaw), cameraTimeout, "mean_truth", "mean_pti", "mean_final")
	tl.mark(fmt.Sprintf("mouse: yaw %g -> %g, reacted in %.1fs", defaults.Yaw, s.Yaw, time.Since(moved).Seconds()))

	// 3. Two arrow keys on the pitch slider.
	if el, err = pg.control(pitchLabel); err != nil {
		t.Fatal(err)
	}
	moved = time.Now()
	if pos, err = pg.press(el, pg.synced(el, pitchLabel, pitchMin, pitchSt), input.ArrowRight, input.ArrowRight); err != nil {
		t.Fatal(err)
	}
	before := s.Pitch
	s.Pitch = pitchMin + pitchSt*float64(pos)
	if s.Pitch != before+2*pitchSt {
		t.Fatalf("two right arrows moved the pitch slider from %g to %g degrees", before, s.Pitch)
	}
	state = react(t, ex, pg, &want, s, fmt.Sprintf("pitch keyed to %g", s.Pitch), cameraTimeout, "mean_truth", "mean_pti", "mean_final")
	tl.mark(fmt.Sprintf("keyboard: pitch %g -> %g, reacted in %.1fs", before, s.Pitch, time.Since(moved).Seconds()))
	t.Logf("final state: %s", state)

	// Camera moves re-render; they re-run nothing: stage 3 for Poisson is still the only stage that reported
	// steps in the page.
	if n, err := pg.count(finishedStage); err != nil || n != 1 {
		t.Errorf("after the camera moves the page reports %d finished optimization stages (%v), want 1: stage 3 for the blend change", n, err)
	}

	if t.Failed() || negative {
		return
	}
	shot, err := screenshot(pg)
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv(writeFiguresEnv) != "1" {
		t.Logf("screenshot taken (%d bytes); set %s=1 to write it to figures/explorer.png", len(shot), writeFiguresEnv)
		return
	}
	out := filepath.Join("..", "figures", "explorer.png")
	if err := os.WriteFile(out, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d bytes)", out, len(shot))
}

// TestExplorerNegativeControl runs TestExplorerInBrowser in a child process with PMVI_BROWSER_NEGATIVE=1 (the
// yaw slider shown but not wired) and passes only when that run fails where it must: the page drew the
// default view as this process computes it, then did not react to the yaw drag. A browser test that passed
// against a dead slider would check nothing.
func TestExplorerNegativeControl(t *testing.T) {
	requireBrowser(t)
	ctx := testContext(t)
	timeout := 20 * time.Minute
	if d, ok := t.Deadline(); ok {
		timeout = min(timeout, time.Until(d)-2*time.Minute)
	}
	t.Logf("progress: negative control: running TestExplorerInBrowser with the yaw slider unwired; it must fail")
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestExplorerInBrowser$", "-test.v", "-test.count=1",
		"-test.timeout="+timeout.String())
	cmd.Env = append(os.Environ(), browserEnv+"=1", negativeEnv+"=1", writeFiguresEnv+"=")
	// SIGTERM: the child's reaper stops its Jupyter, kernel and Chromium before it exits.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 30 * time.Second
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var lines []string
	sc := bufio.NewScanner(pipe)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		l := sc.Text()
		lines = append(lines, l)
		if _, p, ok := strings.Cut(l, ": progress: "); ok {
			t.Logf("progress: negative control: %s", p)
		}
	}
	err = cmd.Wait()
	// The child's lines are quoted with "| " so that its "--- FAIL" lines read as text, not as this test's.
	out := strings.Join(lines, "\n")
	quoted := "| " + strings.ReplaceAll(lastLines(out, 40), "\n", "\n| ")
	var exit *exec.ExitError
	switch {
	case err == nil:
		t.Fatalf("the browser test passed against a yaw slider that is not wired: it cannot tell a live explorer from a dead one\n%s", quoted)
	case !errors.As(err, &exit) || exit.ExitCode() != 1:
		t.Fatalf("the negative run did not end as a test failure (%v)\n%s", err, quoted)
	}
	for _, want := range []string{
		"--- FAIL: TestExplorerInBrowser",
		"default view matches",       // the page worked up to the drag
		"the explorer did not react", // and the check that failed is the reaction to it
		"waiting for yaw dragged to",
		"cleanup: Jupyter, its kernel and Chromium ended", // and nothing was left behind
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the negative run's output lacks %q: it failed for another reason than the unwired slider\n%s", want, quoted)
		}
	}
	if !t.Failed() {
		t.Logf("the negative run failed as it must, in %.0fs:\n%s", time.Since(start).Seconds(),
			"| "+strings.ReplaceAll(lastLines(grepLines(out, "did not react"), 3), "\n", "\n| "))
	}
}

// grepLines returns the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// react waits until the page shows settings s and checks that its pictures are what this process's explorer
// gives for s, and that they differ from the previous view's (*want) in each of the keys that must change,
// so that the check could tell the two apart. It stores the new reference in *want and returns the state.
func react(t *testing.T, ex *explore.Explorer, pg *page, want **explore.View, s explore.Settings, what string, timeout time.Duration, changed ...string) string {
	t.Helper()
	settings := parseState(s.String())
	state, err := pg.waitState(what, timeout, func(f map[string]string) bool {
		for k, v := range settings {
			if f[k] != v {
				return false
			}
		}
		return f["mean_final"] != "NaN"
	})
	if err != nil {
		t.Fatalf("the explorer did not react: %v", err)
	}
	next, err := ex.Render(s)
	if err != nil {
		t.Fatal(err)
	}
	if d := compareStates(state, next.Summary()); d != nil {
		t.Fatalf("%s: the page shows what these settings do not give: %s\npage: %s\nwant: %s", what, strings.Join(d, "; "), state, next.Summary())
	}
	for _, k := range changed {
		if a, b := field((*want).Summary(), k), field(next.Summary(), k); !(math.Abs(a-b) > 5*meanTol) {
			t.Errorf("%s: %s went from %g to %g only: the check cannot tell the two views apart", what, k, a, b)
		}
	}
	*want = next
	return state
}

// servedCopy writes the notebook src as the server will serve it, to path: its first cell points GoNB at
// this repository by absolute path (the copy lives outside it), and in negative mode the yaw slider is left
// out of the controls Interact follows.
func servedCopy(path, src string, negative bool) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	root, err := filepath.Abs("..")
	if err != nil {
		return err
	}
	edits := [][2]string{{"${GONB_DIR}/..", root}}
	if negative {
		edits = append(edits, [2]string{"kernelext.Control{c.Yaw, ", "kernelext.Control{"})
	}
	text := string(data)
	for _, e := range edits {
		if !strings.Contains(text, e[0]) {
			return fmt.Errorf("%s has no %q to replace: update the browser test", src, e[0])
		}
		text = strings.ReplaceAll(text, e[0], e[1])
	}
	if !json.Valid([]byte(text)) {
		return fmt.Errorf("the served copy of %s is not JSON after the edits (repository path %q)", src, root)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(text), 0o644)
}

// screenshot captures the explorer cell's outputs: its controls and the view.
func screenshot(pg *page) ([]byte, error) {
	if _, err := pg.str(`(id) => {
		const area = document.getElementById(id).closest(".cell").querySelector(".output_wrapper");
		area.id = "pmvi-explorer-outputs";
		return "";
	}`, stateID); err != nil {
		return nil, err
	}
	el, err := pg.p.Context(pg.ctx).Timeout(10 * time.Second).Element("#pmvi-explorer-outputs")
	if err != nil {
		return nil, err
	}
	if err := el.ScrollIntoView(); err != nil {
		return nil, err
	}
	return el.Screenshot(proto.PageCaptureScreenshotFormatPng, 0)
}

// diagnose logs what a failed run's page and server showed, and saves a screenshot of the page.
func diagnose(t *testing.T, pg *page, j *jupyter) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	dpg := &page{p: pg.p, ctx: ctx}
	if text, err := dpg.text(); err == nil {
		t.Logf("page outputs at the failure (last 60 lines):\n%s", lastLines(text, 60))
	}
	if shot, err := pg.p.Context(ctx).Screenshot(true, nil); err == nil {
		path := filepath.Join(os.TempDir(), "pmvi-explorer-failure.png")
		if os.WriteFile(path, shot, 0o644) == nil {
			t.Logf("screenshot of the failure: %s", path)
		}
	}
	t.Logf("jupyter log (last 30 lines):\n%s", j.logTail(30))
}
