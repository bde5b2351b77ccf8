package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// Results is what a run writes to results.json (and, as tables, results.md).
type Results struct {
	Name     string `json:"name"`
	Started  string `json:"started"`
	Finished string `json:"finished,omitempty"`
	// Device is the GPU's name from nvidia-smi, or "cpu (dry run)" / "cpu" where there is none.
	Device string `json:"device"`
	// GPUs are nvidia-smi's lines (name, memory, driver, compute capability), empty without nvidia-smi.
	GPUs []string `json:"gpus,omitempty"`
	CPU  string   `json:"cpu"`
	Host string   `json:"host"`
	// Backend is $GOMLX_BACKEND ("" is the CPU engine); BackendDescription is what the backend says of itself.
	Backend            string `json:"backend"`
	BackendDescription string `json:"backend_description,omitempty"`
	Size               string `json:"size"` // "full" or "tiny (dry run)".
	DryRun             bool   `json:"dry_run"`
	Go                 string `json:"go"` // This program's Go version.
	Build              Build  `json:"build"`
	Fixtures           string `json:"fixtures,omitempty"` // "" when not found.
	// Env holds the environment variables that decide how XLA runs.
	Env           map[string]string `json:"env"`
	BudgetSeconds float64           `json:"budget_seconds"`
	TotalSeconds  float64           `json:"total_seconds"`
	Cases         []*Case           `json:"cases"`
}

// Build says how the measured binaries were made.
type Build struct {
	Go       string             `json:"go"`
	Commit   string             `json:"commit"`
	Tags     string             `json:"tags"`
	Time     string             `json:"time"`
	Host     string             `json:"host"`
	Dir      string             `json:"dir"`
	Prebuilt bool               `json:"prebuilt"`          // A bundle built earlier (-bin), not by this run.
	Seconds  map[string]float64 `json:"seconds,omitempty"` // Build time of each binary, when this run built it.
}

// Case is one measurement or check.
type Case struct {
	Name string `json:"name"`
	Kind string `json:"kind"` // preflight, check, parity, network, step, invert.
	What string `json:"what"`
	// Status is "ok", "failed", "not available" (the binaries or fixtures lack it) or "skipped".
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"` // Why it is not ok.
	// Seconds is the case's time: the median of its runs, or for a step the mean step (see Statistic).
	Seconds    float64   `json:"seconds,omitempty"`
	Runs       int       `json:"runs,omitempty"`
	RunSeconds []float64 `json:"run_seconds,omitempty"`
	Statistic  string    `json:"statistic,omitempty"`
	// FirstSeconds is the warm-up run, compilation included (network cases).
	FirstSeconds float64 `json:"first_seconds,omitempty"`
	// WallSeconds is the whole case: process start, loading, compilation and every run.
	WallSeconds float64           `json:"wall_seconds"`
	PeakRSSMiB  float64           `json:"peak_rss_mib,omitempty"` // Of the worker process (host memory).
	Command     string            `json:"command,omitempty"`
	ExitCode    *int              `json:"exit_code,omitempty"`
	Output      []string          `json:"output,omitempty"` // The last lines of its output, or the lines that matter.
	Checks      []Check           `json:"checks,omitempty"` // Comparisons with the official outputs.
	Info        map[string]string `json:"info,omitempty"`
	Files       []string          `json:"files,omitempty"` // Files of the case copied into the results folder.
}

// Check is one comparison with a reference.
type Check struct {
	Name      string  `json:"name"`
	Measure   string  `json:"measure"` // "max |got-want|/max(1,|want|)", "relative L2", "|got-want|".
	Error     float64 `json:"error"`
	Tolerance float64 `json:"tolerance"`
	OK        bool    `json:"ok"`
}

func (r *Results) failedPreflight() bool {
	for _, c := range r.Cases {
		if c.Kind == "preflight" {
			return c.Status != "ok"
		}
	}
	return false
}

// write stores results.json and results.md in dir.
func (r *Results) write(dir string) error {
	data, err := json.MarshalIndent(r, "", " ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "results.json"), append(data, '\n'), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "results.md"), []byte(r.markdown()), 0o644)
}

func (r *Results) markdown() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("# pmvi on %s\n\n", r.Device)
	backend := r.Backend
	if backend == "" {
		backend = "(unset: the CPU engine)"
	}
	p("Started %s, %.0f s in all (budget %.0f s). `GOMLX_BACKEND=%s`", r.Started, r.TotalSeconds, r.BudgetSeconds, backend)
	if r.BackendDescription != "" {
		p(" (%s)", r.BackendDescription)
	}
	p(". Size: %s. Binaries: %s, tags `%s`, commit %s", r.Size, r.Build.Go, r.Build.Tags, r.Build.Commit)
	if r.Build.Prebuilt {
		p(", prebuilt on %s at %s", r.Build.Host, r.Build.Time)
	}
	p("; this program %s.\n\n", r.Go)
	for _, g := range r.GPUs {
		p("- GPU: %s\n", g)
	}
	p("- CPU: %s; host %s\n", r.CPU, r.Host)
	if r.Fixtures == "" {
		p("- EG3D fixtures: not found\n")
	} else {
		p("- EG3D fixtures: %s\n", r.Fixtures)
	}
	keys := make([]string, 0, len(r.Env))
	for k := range r.Env {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		p("- `%s=%s`\n", k, r.Env[k])
	}
	p("\n| case | status | time | runs | first run (compiles) | whole case | what |\n|---|---|---|---|---|---|---|\n")
	for _, c := range r.Cases {
		status := c.Status
		if c.Reason != "" && c.Status != "ok" {
			status += ": " + oneLine(c.Reason, 120)
		}
		p("| %s | %s | %s | %s | %s | %.1f s | %s |\n", cell(c.Name), cell(status),
			seconds(c.Seconds), count(c.Runs), seconds(c.FirstSeconds), c.WallSeconds, cell(c.What))
	}
	for _, c := range r.Cases {
		if len(c.Checks) == 0 {
			continue
		}
		p("\n## %s: against the official outputs\n\n| output | measure | error | tolerance | within |\n|---|---|---|---|---|\n", c.Name)
		for _, k := range c.Checks {
			p("| %s | %s | %.3g | %.3g | %v |\n", cell(k.Name), cell(k.Measure), k.Error, k.Tolerance, k.OK)
		}
	}
	p("\n## Details\n")
	for _, c := range r.Cases {
		p("\n### %s\n\n%s. Status %s", c.Name, c.What, c.Status)
		if c.Reason != "" {
			p(" (%s)", oneLine(c.Reason, 400))
		}
		p(".")
		if c.Statistic != "" {
			p(" Time: %s.", c.Statistic)
		}
		if c.PeakRSSMiB > 0 {
			p(" Peak host RSS %.0f MiB.", c.PeakRSSMiB)
		}
		p("\n")
		if c.Command != "" {
			p("\n    %s\n", c.Command)
		}
		if c.ExitCode != nil {
			p("\nExit status %d.\n", *c.ExitCode)
		}
		if len(c.Info) > 0 {
			keys := make([]string, 0, len(c.Info))
			for k := range c.Info {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			p("\n")
			for _, k := range keys {
				p("- %s: %s\n", k, c.Info[k])
			}
		}
		if len(c.Files) > 0 {
			p("\nFiles (%d): %s\n", len(c.Files), strings.Join(filesSummary(c.Files), ", "))
		}
		if len(c.Output) > 0 {
			p("\n```\n%s\n```\n", strings.Join(c.Output, "\n"))
		}
	}
	return b.String()
}

// filesSummary names each file, and each folder once with its count of files.
func filesSummary(files []string) []string {
	var out []string
	folders := map[string]int{}
	for _, f := range files {
		dir := filepath.Dir(f)
		if strings.Count(f, "/") > 1 {
			if folders[dir]++; folders[dir] == 1 {
				out = append(out, dir+"/")
			}
			continue
		}
		out = append(out, f)
	}
	for i, f := range out {
		if n := folders[strings.TrimSuffix(f, "/")]; n > 0 {
			out[i] = fmt.Sprintf("%s (%d files)", f, n)
		}
	}
	return out
}

// cell escapes a markdown table cell's pipes.
func cell(s string) string { return strings.ReplaceAll(s, "|", "\\|") }

func seconds(s float64) string {
	switch {
	case s == 0:
		return ""
	case s < 1e-3:
		return fmt.Sprintf("%.1f µs", s*1e6)
	case s < 1:
		return fmt.Sprintf("%.2f ms", s*1e3)
	default:
		return fmt.Sprintf("%.3f s", s)
	}
}

func count(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprint(n)
}

// oneLine shortens s to one line of at most n runes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		s = string(r[:n-1]) + "…"
	}
	return s
}

// machine fills in the device, CPU, host and environment.
func (r *Results) machine(dryRun bool) {
	r.Go = runtime.Version()
	r.Host, _ = os.Hostname()
	r.CPU = fmt.Sprintf("%d CPUs", runtime.NumCPU())
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				r.CPU = strings.TrimSpace(v) + ", " + r.CPU
				break
			}
		}
	}
	r.GPUs = nvidiaSMI()
	switch {
	case len(r.GPUs) > 0:
		r.Device, _, _ = strings.Cut(r.GPUs[0], ",")
		if len(r.GPUs) > 1 {
			r.Device += fmt.Sprintf(" (GPU 0 of %d)", len(r.GPUs))
		}
	case dryRun:
		r.Device = "cpu (dry run)"
	default:
		r.Device = "cpu"
	}
	r.Env = map[string]string{}
	for _, k := range []string{"GOMLX_BACKEND", "PJRT_PLUGIN_LIBRARY_PATH", "LD_LIBRARY_PATH", "XLA_FLAGS",
		"CUDA_VISIBLE_DEVICES", "GOPJRT_CUDA_CHECKS", "GOMAXPROCS", "PMVI_FIXTURES"} {
		if v, ok := os.LookupEnv(k); ok {
			r.Env[k] = v
		}
	}
}

// nvidiaSMI returns one line per GPU (name, memory, driver, compute capability), or nil without nvidia-smi.
func nvidiaSMI() []string {
	if _, err := exec.LookPath("nvidia-smi"); err != nil {
		return nil
	}
	for _, fields := range []string{"name,memory.total,driver_version,compute_cap", "name,memory.total,driver_version"} {
		out, err := exec.Command("nvidia-smi", "--query-gpu="+fields, "--format=csv,noheader").Output()
		if err != nil {
			continue
		}
		var gpus []string
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if line = strings.TrimSpace(line); line != "" {
				gpus = append(gpus, line)
			}
		}
		return gpus
	}
	return nil
}

// slug turns a device name into a folder name: "NVIDIA H100 80GB HBM3" -> "nvidia-h100-80gb-hbm3".
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

func defaultName(device string, dryRun bool, now time.Time) string {
	if dryRun {
		return "dryrun-" + now.Format("2006-01-02-1504")
	}
	return "gpu-" + slug(device) + "-" + now.Format("2006-01-02-1504")
}
