package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pmvi/pmvi/models"
	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/fimage"
	"github.com/pmvi/pmvi/pkg/heads"
)

// config is a run's settings (the flags).
type config struct {
	Out, Bin, BuildDir, Tags, Size, Fixtures string
	BuildOnly                                bool
	Budget                                   time.Duration
	Repeat                                   int            // Timed runs of the network cases; 0: the size's.
	Filter                                   *regexp.Regexp // Nil: every case.
}

// runner holds a run's state.
type runner struct {
	cfg      config
	size     size
	sizeName string
	bin      string // Folder of the binaries.
	scratch  string // Temporary folder of the run.
	out      string // Results folder.
	fixtures string
	deadline time.Time
	res      *Results
	log      io.Writer
	// benchmarks are invert.test's benchmark names, listed once.
	benchmarks []string
}

// runAll measures every case and writes the results folder, updating it after each case so that a run cut
// short keeps what it measured. Its error is about the run itself (no binaries, no results folder); the
// cases' failures are in the results.
func runAll(cfg config, log io.Writer) (*Results, error) {
	start := time.Now()
	r := &runner{cfg: cfg, log: log}
	cfgBackend := os.Getenv(backend.EnvVar)
	r.sizeName = cfg.Size
	if r.sizeName == "auto" || r.sizeName == "" {
		r.sizeName = "full"
		if name, _, _ := strings.Cut(cfgBackend, ":"); name == "" || name == "cpu" || name == "go" {
			r.sizeName = "tiny"
		}
	}
	var ok bool
	if r.size, ok = sizes[r.sizeName]; !ok {
		return nil, fmt.Errorf("-size %q: want full, tiny or auto", cfg.Size)
	}
	budget := cfg.Budget
	if budget <= 0 {
		budget = r.size.Budget
	}
	r.deadline = start.Add(budget)
	dry := r.sizeName == "tiny"
	r.res = &Results{Started: start.Format(time.RFC3339), Backend: cfgBackend, DryRun: dry, BudgetSeconds: budget.Seconds()}
	r.res.Size = "full"
	if dry {
		r.res.Size = "tiny (dry run)"
	}
	r.res.machine(dry)
	var err error
	if r.fixtures, err = lookupFixtures(cfg.Fixtures); err != nil {
		return nil, err
	}
	r.res.Fixtures = r.fixtures
	r.res.Name = defaultName(r.res.Device, dry, start)
	r.out = cfg.Out
	if r.out == "" {
		r.out = filepath.Join("results", r.res.Name)
	} else {
		r.res.Name = filepath.Base(r.out)
	}
	if err := os.MkdirAll(r.out, 0o755); err != nil {
		return nil, err
	}
	if r.scratch, err = os.MkdirTemp("", "pmvi-gpu-"); err != nil {
		return nil, err
	}
	defer os.RemoveAll(r.scratch)

	// The binaries: a bundle, or built now.
	if r.bin, err = findBundle(cfg.Bin); err != nil {
		return nil, err
	}
	if r.bin != "" {
		r.res.Build = readBuild(r.bin)
		fmt.Fprintf(log, "gpu: prebuilt binaries in %s (%s, commit %s)\n", r.bin, r.res.Build.Go, r.res.Build.Commit)
	} else {
		r.bin = filepath.Join(r.scratch, "bin")
		if r.res.Build, err = build(r.bin, cfg.Tags, log); err != nil {
			return nil, err
		}
	}
	fmt.Fprintf(log, "gpu: device %s, GOMLX_BACKEND=%q, size %s, budget %s, results in %s\n",
		r.res.Device, cfgBackend, r.res.Size, budget, r.out)

	cases := r.cases()
	for i, c := range cases {
		if cfg.Filter != nil && !cfg.Filter.MatchString(c.Name) {
			continue
		}
		fmt.Fprintf(log, "[%d/%d] %s: ", i+1, len(cases), c.Name)
		caseStart := time.Now()
		timeout := min(r.size.Timeouts[c.Kind], time.Until(r.deadline))
		switch {
		case r.res.failedPreflight() && c.Kind != "check":
			c.Status, c.Reason = "skipped", "the backend failed its preflight"
		case timeout < 5*time.Second:
			c.Status, c.Reason = "skipped", fmt.Sprintf("time budget (-budget %s) spent", budget)
		default:
			c.run(r, c.Case, timeout)
		}
		c.WallSeconds = time.Since(caseStart).Seconds()
		if c.Status == "" {
			c.Status = "ok"
		}
		r.res.Cases = append(r.res.Cases, c.Case)
		fmt.Fprintln(log, summary(c.Case))
		r.res.TotalSeconds = time.Since(start).Seconds()
		if err := r.res.write(r.out); err != nil {
			return r.res, err
		}
	}
	r.res.Finished = time.Now().Format(time.RFC3339)
	r.res.TotalSeconds = time.Since(start).Seconds()
	fmt.Fprintf(log, "gpu: %.0f s; wrote %s and %s\n", r.res.TotalSeconds,
		filepath.Join(r.out, "results.json"), filepath.Join(r.out, "results.md"))
	return r.res, r.res.write(r.out)
}

func summary(c *Case) string {
	s := c.Status
	if c.Seconds > 0 {
		s += fmt.Sprintf(" %s", seconds(c.Seconds))
		if c.Runs > 0 {
			s += fmt.Sprintf(" (%d runs)", c.Runs)
		}
	}
	for _, k := range c.Checks {
		if !k.OK {
			s += fmt.Sprintf("; %s off by %.3g (tolerance %.3g)", k.Name, k.Error, k.Tolerance)
		}
	}
	if c.Reason != "" && c.Status != "ok" {
		s += ": " + oneLine(c.Reason, 200)
	}
	return s + fmt.Sprintf(" [%.1f s]", c.WallSeconds)
}

// plannedCase is a case and how to run it.
type plannedCase struct {
	*Case
	run func(r *runner, c *Case, timeout time.Duration)
}

// cases lists the run's cases in order: the backend first, then parity, the network, the steps, the full
// inversion, and the steps marked AfterInvert.
func (r *runner) cases() []plannedCase {
	dry := r.sizeName == "tiny"
	cs := []plannedCase{
		{&Case{Name: "preflight", Kind: "preflight", What: "create the backend and run one reduction on it"}, worker},
		{&Case{Name: "check/no-plugin error", Kind: "check",
			What: "pmvi with GOMLX_BACKEND=xla:cuda and an empty PJRT_PLUGIN_LIBRARY_PATH prints one clear error line"}, noPluginCheck},
		{&Case{Name: "parity/eg3d", Kind: "parity", What: "pkg/eg3d's parity tests against the official EG3D outputs"}, parity},
		{&Case{Name: "fixture/fwd", Kind: "network",
			What: "generator forward at the front camera: image, raw image, depth, opacity"}, worker},
		{&Case{Name: "fixture/fwd+bwd", Kind: "network",
			What: "generator forward and d mean(image·R)/d ws"}, worker},
	}
	steps := func(afterInvert bool) {
		for _, b := range stepBenchmarks {
			if b.AfterInvert != afterInvert {
				continue
			}
			c := &Case{Name: "step/" + strings.TrimPrefix(b.Bench, "Benchmark"), Kind: "step", What: b.What}
			if dry && !b.Dry {
				c.Status, c.Reason = "skipped", "not in the dry run"
				cs = append(cs, plannedCase{c, func(*runner, *Case, time.Duration) {}})
				continue
			}
			cs = append(cs, plannedCase{c, func(r *runner, c *Case, timeout time.Duration) { r.step(c, b.Bench, timeout) }})
		}
	}
	steps(false)
	cs = append(cs, plannedCase{&Case{Name: "invert/paper", Kind: "invert",
		What: fmt.Sprintf("one full `pmvi invert` at the paper preset, held-out head %d of the embedded model at yaw %.2f, pitch %.2f",
			heldOutHead.Index, heldOutHead.Yaw, heldOutHead.Pitch)}, invert})
	steps(true)
	return cs
}

// worker runs an in-process case in this program's xla build.
func worker(r *runner, c *Case, timeout time.Duration) {
	result := filepath.Join(r.scratch, strings.ReplaceAll(c.Name, "/", "_")+".json")
	repeat := r.size.FixtureRepeat
	if r.cfg.Repeat > 0 {
		repeat = r.cfg.Repeat
	}
	args := []string{"-worker", c.Name, "-result", result, "-size", r.sizeName, "-repeat", strconv.Itoa(repeat), "-fixtures", r.fixtures}
	p := r.exec(timeout, nil, filepath.Join(r.bin, "gpu"), args...)
	c.Command = p.command
	var got Case
	data, err := os.ReadFile(result)
	if err == nil {
		err = json.Unmarshal(data, &got)
	}
	if err != nil {
		c.Status, c.Reason, c.ExitCode, c.Output = "failed", p.failure(), p.exitCode, p.tail(20)
		return
	}
	what, kind := c.What, c.Kind
	*c = got
	c.What, c.Kind, c.Command, c.ExitCode = what, kind, p.command, p.exitCode
	if c.Name == "preflight" {
		r.res.BackendDescription = c.Info["description"]
	}
	if c.Status != "ok" {
		c.Output = p.tail(20)
	}
}

// noPluginCheck runs pmvi render with XLA asked for and no plugin to be found, and checks that it fails with
// one line saying what is missing.
func noPluginCheck(r *runner, c *Case, timeout time.Duration) {
	empty := filepath.Join(r.scratch, "no-plugins")
	if err := os.MkdirAll(empty, 0o755); err != nil {
		c.Status, c.Reason = "failed", err.Error()
		return
	}
	env := []string{backend.EnvVar + "=xla:cuda", "PJRT_PLUGIN_LIBRARY_PATH=" + empty}
	p := r.exec(timeout, env, filepath.Join(r.bin, "pmvi"), "render", "--network", "tiny", "--seed", "0",
		"--out", filepath.Join(r.scratch, "no-plugin-render"))
	c.Command = "GOMLX_BACKEND=xla:cuda PJRT_PLUGIN_LIBRARY_PATH=" + empty + " " + p.command
	c.ExitCode = p.exitCode
	lines := nonEmptyLines(p.stderr.String())
	c.Output = lines
	want := "PJRT_PLUGIN_LIBRARY_PATH"
	if r.res.Build.Tags != "unknown" && !hasTag(r.res.Build.Tags, "xla") {
		want = "built without it"
	}
	switch {
	case p.exitCode == nil || *p.exitCode == 0:
		c.Status, c.Reason = "failed", "pmvi did not fail: "+p.failure()
	case len(lines) != 1 || !strings.Contains(lines[0], want):
		c.Status, c.Reason = "failed", fmt.Sprintf("want one line of error naming %s, got %d lines", want, len(lines))
	}
}

// parity runs pkg/eg3d's parity tests.
func parity(r *runner, c *Case, timeout time.Duration) {
	args := []string{"-test.run", parityTests.Full, "-test.v", "-test.count=1"}
	if r.sizeName == "tiny" {
		args = []string{"-test.run", parityTests.Dry, "-test.v", "-test.count=1", "-test.short"}
	}
	if parityNote != "" {
		c.Info = map[string]string{"note": parityNote}
	}
	p := r.exec(timeout, nil, filepath.Join(r.bin, "eg3d.test"), args...)
	c.Command, c.ExitCode = p.command, p.exitCode
	var passed, failed, skipped int
	for _, line := range nonEmptyLines(p.stdout.String()) {
		t := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(t, "--- PASS"):
			passed++
		case strings.HasPrefix(t, "--- FAIL"):
			failed++
		case strings.HasPrefix(t, "--- SKIP"):
			skipped++
		case strings.Contains(t, "error") || strings.Contains(t, "skipping") || strings.HasPrefix(t, "FAIL") || strings.HasPrefix(t, "panic"):
		default:
			continue
		}
		if len(c.Output) < 120 {
			c.Output = append(c.Output, line)
		}
	}
	c.Seconds, c.Runs = p.seconds, passed
	c.Statistic = "the test binary's wall time; runs = tests and subtests passed"
	switch {
	case p.timedOut || !p.ran():
		c.Status, c.Reason = "failed", p.failure()
	case failed > 0 || p.exitCode == nil || *p.exitCode != 0:
		c.Status, c.Reason = "failed", fmt.Sprintf("%d failed, %d passed, %d skipped", failed, passed, skipped)
	case passed == 0:
		c.Status, c.Reason = "skipped", fmt.Sprintf("every test skipped (%d)", skipped)
	}
}

// benchLine matches a benchmark's result line and its s/step metric.
var (
	benchLine  = regexp.MustCompile(`^(Benchmark\S+?)(-\d+)?\s+(\d+)\s+(\S+) ns/op(.*)$`)
	stepMetric = regexp.MustCompile(`([0-9.eE+-]+) s/step`)
)

// step times one optimization step with one of pkg/invert's benchmarks.
func (r *runner) step(c *Case, bench string, timeout time.Duration) {
	if r.benchmarks == nil {
		list := r.exec(time.Minute, nil, filepath.Join(r.bin, "invert.test"), "-test.list", "^Benchmark")
		if list.err != nil {
			c.Status, c.Reason = "failed", "invert.test -test.list: "+list.failure()
			return
		}
		r.benchmarks = append(nonEmptyLines(list.stdout.String()), "") // Not nil: listed.
	}
	if !slices.Contains(r.benchmarks, bench) {
		c.Status, c.Reason = "not available", fmt.Sprintf("invert.test has no %s", bench)
		return
	}
	n, count := r.size.BenchTime, r.size.BenchCount
	p := r.exec(timeout, nil, filepath.Join(r.bin, "invert.test"), "-test.run", "^$", "-test.bench", "^"+bench+"$",
		"-test.benchtime", fmt.Sprintf("%dx", n), "-test.count", strconv.Itoa(count))
	c.Command, c.ExitCode = p.command, p.exitCode
	for _, line := range nonEmptyLines(p.stdout.String()) {
		m := benchLine.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil || m[1] != bench {
			continue
		}
		c.Output = append(c.Output, line)
		if s := stepMetric.FindStringSubmatch(m[5]); s != nil {
			if v, err := strconv.ParseFloat(s[1], 64); err == nil {
				c.RunSeconds = append(c.RunSeconds, v)
			}
		}
	}
	if p.err != nil || len(c.RunSeconds) == 0 {
		c.Status, c.Reason = "failed", p.failure()
		if p.err == nil {
			c.Reason = "no s/step in the benchmark's output"
		}
		c.Output = append(c.Output, p.tail(20)...)
		return
	}
	c.Seconds, c.Runs = median(c.RunSeconds), n*len(c.RunSeconds)
	c.Statistic = fmt.Sprintf("s/step of go test -bench: the mean of %d timed steps per run (the compiling first step excluded), median of %d run(s)",
		n, len(c.RunSeconds))
}

// invert renders the held-out head and runs pmvi invert on it.
func invert(r *runner, c *Case, timeout time.Duration) {
	image, err := writeHeldOutHead(filepath.Join(r.scratch, "held-out-head.png"))
	if err != nil {
		c.Status, c.Reason = "failed", err.Error()
		return
	}
	out := filepath.Join(r.scratch, "invert")
	args := make([]string, 0, len(invertCommand)+len(invertDryRunArgs))
	for _, a := range invertCommand {
		a = strings.NewReplacer("{image}", image, "{out}", out,
			"{yaw}", strconv.FormatFloat(heldOutHead.Yaw, 'g', -1, 64),
			"{pitch}", strconv.FormatFloat(heldOutHead.Pitch, 'g', -1, 64)).Replace(a)
		args = append(args, a)
	}
	if r.sizeName == "tiny" {
		args = append(args, invertDryRunArgs...)
	}
	p := r.exec(timeout, nil, filepath.Join(r.bin, "pmvi"), args...)
	c.Command, c.ExitCode = p.command, p.exitCode
	c.Seconds, c.Runs = p.seconds, 1
	c.Statistic = "wall time of the pmvi process: loading, compilation, every stage and writing"
	c.Output = collapseProgress(append(nonEmptyLines(p.stderr.String()), nonEmptyLines(p.stdout.String())...))
	if len(c.Output) > 60 {
		c.Output = c.Output[len(c.Output)-60:]
	}
	if p.err != nil {
		c.Status, c.Reason = "failed", p.failure()
	}
	// Keep the small outputs (images, JSON) with the results; the latents, tuned generators and the pseudo views
	// (90 images) stay behind.
	dst := filepath.Join(r.out, "invert")
	_ = filepath.WalkDir(out, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() {
			if d.Name() == "pseudo_views" {
				return filepath.SkipDir
			}
			return nil
		}
		ext := strings.ToLower(filepath.Ext(path))
		if info, err := d.Info(); err != nil || info.Size() > 2<<20 || (ext != ".png" && ext != ".json" && ext != ".gif" && ext != ".txt" && ext != ".csv") {
			return nil
		}
		rel, _ := filepath.Rel(out, path)
		if data, err := os.ReadFile(path); err == nil && os.MkdirAll(filepath.Dir(filepath.Join(dst, rel)), 0o755) == nil &&
			os.WriteFile(filepath.Join(dst, rel), data, 0o644) == nil {
			c.Files = append(c.Files, filepath.Join("invert", rel))
		}
		return nil
	})
	if data, err := os.ReadFile(image); err == nil && os.MkdirAll(dst, 0o755) == nil &&
		os.WriteFile(filepath.Join(dst, "input.png"), data, 0o644) == nil {
		c.Files = append(c.Files, filepath.Join("invert", "input.png"))
	}
}

// writeHeldOutHead renders the held-out head at the embedded model's resolution to path.
func writeHeldOutHead(path string) (string, error) {
	info, err := models.TinyInfo()
	if err != nil {
		return "", err
	}
	if heldOutHead.Index >= len(info.TestIdentities) {
		return "", fmt.Errorf("held-out head %d: the embedded model has %d", heldOutHead.Index, len(info.TestIdentities))
	}
	g, err := models.Tiny()
	if err != nil {
		return "", err
	}
	scene := heads.Scene{Identity: heads.NewIdentity(info.TestIdentities[heldOutHead.Index]), Background: heads.Plain(1, 1, 1)}
	view := heads.Render(scene, camera.At(heldOutHead.Yaw, heldOutHead.Pitch), g.Config.ImageResolution)
	return path, fimage.WritePNG(path, view.RGB)
}

// process is a finished subprocess.
type process struct {
	command        string
	stdout, stderr bytes.Buffer
	err            error
	exitCode       *int // Nil: it did not start.
	seconds        float64
	timedOut       bool
}

// exec runs a binary with the run's environment plus env, in the scratch folder, for at most timeout.
func (r *runner) exec(timeout time.Duration, env []string, name string, args ...string) *process {
	p := &process{command: strings.Join(append([]string{filepath.Base(name)}, args...), " ")}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = r.scratch
	cmd.Env = os.Environ()
	if r.fixtures != "" {
		cmd.Env = append(cmd.Env, "PMVI_FIXTURES="+r.fixtures)
	}
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout, cmd.Stderr = &p.stdout, &p.stderr
	cmd.WaitDelay = 10 * time.Second
	start := time.Now()
	p.err = cmd.Run()
	p.seconds = time.Since(start).Seconds()
	p.timedOut = ctx.Err() != nil
	if cmd.ProcessState != nil {
		code := cmd.ProcessState.ExitCode() // -1: killed by a signal (the timeout).
		p.exitCode = &code
	}
	return p
}

// ran tells whether the process started (and so has an exit code).
func (p *process) ran() bool { return p.exitCode != nil }

// failure says in a line how the process ended badly.
func (p *process) failure() string {
	if p.timedOut {
		return fmt.Sprintf("timed out after %.0f s", p.seconds)
	}
	var exit *exec.ExitError
	msg := "no error"
	if errors.As(p.err, &exit) && p.exitCode != nil && *p.exitCode >= 0 {
		msg = fmt.Sprintf("exit status %d", *p.exitCode)
	} else if p.err != nil {
		msg = p.err.Error()
	}
	if line := errorLine(p.stderr.String()); line != "" {
		msg += ": " + line
	}
	return msg
}

// errorLinePattern matches the lines that say why a program failed, ahead of the usage text or the stack that
// follows them.
var errorLinePattern = regexp.MustCompile(`^(flag provided|panic:|fatal|[Ee]rror|FAIL|pmvi [a-z-]+: |gpu: )`)

// errorLine returns the first line of output that says why a program failed, else its last line.
func errorLine(output string) string {
	lines := nonEmptyLines(output)
	for _, l := range lines {
		if errorLinePattern.MatchString(l) && !strings.HasSuffix(l, "(required)") {
			return l
		}
	}
	if len(lines) == 0 {
		return ""
	}
	return lines[len(lines)-1]
}

// tail returns the last n lines of the process's standard error (standard output when that is empty).
func (p *process) tail(n int) []string {
	lines := nonEmptyLines(p.stderr.String())
	if len(lines) == 0 {
		lines = nonEmptyLines(p.stdout.String())
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines
}

// progressBar matches a progress bar's line: what it counts, then the bar.
var progressBar = regexp.MustCompile(`^(.*?)\s*\[[=> -]*\]`)

// collapseProgress keeps the last line of each run of progress-bar lines counting the same thing (the stage's
// total steps and time), and every other line.
func collapseProgress(lines []string) []string {
	var kept []string
	for i, l := range lines {
		if m := progressBar.FindStringSubmatch(l); m != nil && i+1 < len(lines) {
			if n := progressBar.FindStringSubmatch(lines[i+1]); n != nil && n[1] == m[1] {
				continue
			}
		}
		kept = append(kept, l)
	}
	return kept
}

// nonEmptyLines splits output at newlines and carriage returns (progress bars), dropping blank lines.
func nonEmptyLines(s string) []string {
	var lines []string
	for _, l := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' }) {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, strings.TrimRight(l, " \t"))
		}
	}
	return lines
}
