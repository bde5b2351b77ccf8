// The notebook test executes every notebook in this folder top to bottom, headless, with Jupyter's
// nbconvert and the GoNB kernel, and fails on any cell that failed at run time.
//
// GoNB (v0.11.1) reports a panic, os.Exit(1), log.Fatal or a failing !command as a successful cell, with
// only a line "exit status N" (or "signal: ...") at the end of the cell's standard error, and goes on with
// the next cells; so nbconvert's exit status is not enough, and this test reads the executed notebook:
// an output of type "error" (compile errors) or such a line on standard error fails the notebook, naming
// the cell.
//
//	scripts/setup-notebooks.sh                          # once: nbconvert, gonb, goimports
//	PMVI_NOTEBOOKS=1 go test ./notebooks/ -v -timeout 60m
//	PMVI_NOTEBOOKS=1 PMVI_NOTEBOOKS_UPDATE=1 go test ./notebooks/ -run 'TestNotebooks$' -timeout 60m
//
// The second form writes each executed notebook back in place when it passed, so the committed notebooks
// keep their outputs (the figures) for readers; nothing else in these tests writes into the repository (the
// notebooks cache their stages under the git-ignored out/, and write figures/ only outside a smoke run, see
// kernelext.SaveFigure). As each notebook starts and ends the test logs a "progress: " line, which go test -v
// shows at once and scripts/testsummary prints live, so a long run says which notebook it is on.
//
// Without PMVI_NOTEBOOKS=1 the Jupyter tests skip, so a plain `go test ./...` stays fast; with it, missing
// tools (nbconvert, gonb, goimports, the gonb kernel spec) fail them. testdata/ holds the harness's own
// notebooks (a smoke test of kernelext and a deliberately broken notebook); they are not product notebooks
// and never updated in place.
package notebooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

const (
	// enableEnv must be "1" for the tests that run Jupyter.
	enableEnv = "PMVI_NOTEBOOKS"
	// updateEnv set to "1" writes passing executed notebooks back over the originals.
	updateEnv = "PMVI_NOTEBOOKS_UPDATE"
	// cellTimeout bounds one cell's run (nbconvert has no limit by default). A notebook's cells run one stage or
	// method each; the longest, W+, PTI, pseudo views and stage 3 of the quick preset on the small model's whole
	// 128x128 images, took 26 minutes on two cores beside other work (notebook 03).
	cellTimeout = 60 * time.Minute
)

// runtimeFailure matches the line GoNB appends to a cell's standard error when the cell's program (or a
// !command) failed.
var runtimeFailure = regexp.MustCompile(`(?m)^(exit status \d+|signal: [\w ]+)$`)

// failure is one failed cell of an executed notebook.
type failure struct {
	Cell   int    // index among all cells, markdown included, as Jupyter counts them
	Source string // the cell's first line
	What   string // the error or the standard error's last lines
}

func (f failure) String() string {
	return fmt.Sprintf("cell %d (%s):\n%s", f.Cell, f.Source, indent(f.What))
}

// notebook is the part of an .ipynb file the test reads.
type notebook struct {
	Cells []struct {
		CellType string           `json:"cell_type"`
		Source   multiline        `json:"source"`
		Outputs  []notebookOutput `json:"outputs"`
	} `json:"cells"`
}

type notebookOutput struct {
	OutputType string                     `json:"output_type"`
	Name       string                     `json:"name"` // stream: "stdout" or "stderr"
	Text       multiline                  `json:"text"`
	EName      string                     `json:"ename"`
	EValue     string                     `json:"evalue"`
	Traceback  []string                   `json:"traceback"`
	Data       map[string]json.RawMessage `json:"data"`
}

// multiline is nbformat's text: one string or a list of strings to join.
type multiline string

func (m *multiline) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*m = multiline(s)
		return nil
	}
	var parts []string
	if err := json.Unmarshal(b, &parts); err != nil {
		return fmt.Errorf("notebook text is neither a string nor a list of strings: %w", err)
	}
	*m = multiline(strings.Join(parts, ""))
	return nil
}

// scan returns the failed cells of an executed notebook.
func scan(data []byte) ([]failure, error) {
	var nb notebook
	if err := json.Unmarshal(data, &nb); err != nil {
		return nil, fmt.Errorf("not a notebook: %w", err)
	}
	var failures []failure
	for i, c := range nb.Cells {
		if c.CellType != "code" {
			continue
		}
		first := firstLine(string(c.Source))
		var stderr strings.Builder
		for _, o := range c.Outputs {
			switch {
			case o.OutputType == "error":
				what := o.EName + ": " + o.EValue
				if len(o.Traceback) > 0 {
					what += "\n" + strings.Join(o.Traceback, "\n")
				}
				failures = append(failures, failure{i, first, stripANSI(what)})
			case o.OutputType == "stream" && o.Name == "stderr":
				stderr.WriteString(string(o.Text))
			}
		}
		if runtimeFailure.MatchString(stderr.String()) {
			failures = append(failures, failure{i, first, stripANSI(lastLines(stderr.String(), 20))})
		}
	}
	return failures, nil
}

// execute runs the notebook at path with nbconvert and returns the executed notebook's bytes. The kernel
// starts in the notebook's folder (GoNB's GONB_DIR). nbconvert and everything it started are killed when
// ctx ends.
func execute(ctx context.Context, path string) ([]byte, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	out, err := os.MkdirTemp("", "pmvi-notebook-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(out)
	name := filepath.Base(abs)
	cmd := exec.CommandContext(ctx, python(), "-m", "nbconvert", "--to", "notebook", "--execute", "--allow-errors",
		fmt.Sprintf("--ExecutePreprocessor.timeout=%d", int(cellTimeout.Seconds())),
		"--ExecutePreprocessor.kernel_name=gonb",
		"--ExecutePreprocessor.record_timing=False", // no timestamps: re-executing a notebook changes only what it shows
		"--output-dir", out, "--output", name, abs)
	cmd.Dir = filepath.Dir(abs)
	cmd.Env = append(os.Environ(), "PATH="+toolPath())
	// Own process group, so the kernel and the cell programs die with nbconvert.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	log, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("nbconvert %s: %w\n%s", name, err, lastLines(string(log), 30))
	}
	data, err := os.ReadFile(filepath.Join(out, name))
	if err != nil {
		return nil, fmt.Errorf("nbconvert %s wrote no notebook: %w\n%s", name, err, lastLines(string(log), 30))
	}
	return data, nil
}

// python returns the interpreter that has Jupyter's modules: Debian's, not another python3 on PATH.
func python() string {
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		return "/usr/bin/python3"
	}
	return "python3"
}

// toolPath returns PATH with Go's bin folder first: the GoNB kernel runs gonb and goimports from PATH.
func toolPath() string {
	path := os.Getenv("PATH")
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		if gopath := strings.TrimSpace(string(out)); gopath != "" {
			path = filepath.Join(strings.Split(gopath, string(os.PathListSeparator))[0], "bin") + string(os.PathListSeparator) + path
		}
	}
	return path
}

// requireJupyter skips the test unless PMVI_NOTEBOOKS=1, and fails it when the tools are missing then.
func requireJupyter(t *testing.T) {
	t.Helper()
	if os.Getenv(enableEnv) != "1" {
		t.Skipf("set %s=1 to execute notebooks with Jupyter (scripts/setup-notebooks.sh installs it)", enableEnv)
	}
	if err := exec.Command(python(), "-c", "import nbconvert, nbclient").Run(); err != nil {
		t.Fatalf("%s=1 but %s has no nbconvert/nbclient (run scripts/setup-notebooks.sh): %v", enableEnv, python(), err)
	}
	for _, tool := range []string{"gonb", "goimports"} {
		if _, err := lookPath(tool); err != nil {
			t.Fatalf("%s=1 but %s is not on PATH or in $(go env GOPATH)/bin (run scripts/setup-notebooks.sh)", enableEnv, tool)
		}
	}
	if err := gonbKernel(); err != nil {
		t.Fatalf("%s=1 but %v", enableEnv, err)
	}
}

// gonbKernel returns an error when Jupyter has no kernel named gonb (gonb --install writes its spec).
func gonbKernel() error {
	out, err := exec.Command(python(), "-c", "from jupyter_client.kernelspec import KernelSpecManager; KernelSpecManager().get_kernel_spec('gonb')").CombinedOutput()
	if err != nil {
		return fmt.Errorf("jupyter has no gonb kernel (run scripts/setup-notebooks.sh, or gonb --install): %v\n%s", err, lastLines(string(out), 3))
	}
	return nil
}

func lookPath(tool string) (string, error) {
	for _, dir := range filepath.SplitList(toolPath()) {
		p := filepath.Join(dir, tool)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", errors.New("not found")
}

// testContext returns a context that ends a minute before the test's deadline, so a hung notebook is killed
// and reported instead of the whole test binary being killed.
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	if d, ok := t.Deadline(); ok {
		ctx, cancel = context.WithDeadline(context.Background(), d.Add(-time.Minute))
	}
	t.Cleanup(cancel)
	return ctx
}

// TestNotebooks executes every notebooks/*.ipynb and fails on any failed cell.
func TestNotebooks(t *testing.T) {
	requireJupyter(t)
	paths, err := filepath.Glob("*.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Skip("no notebooks/*.ipynb yet")
	}
	ctx := testContext(t)
	for i, path := range paths {
		t.Run(strings.TrimSuffix(path, ".ipynb"), func(t *testing.T) {
			t.Logf("progress: executing %s (%d of %d)...", path, i+1, len(paths))
			start := time.Now()
			executed, err := execute(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			failures, err := scan(executed)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			for _, f := range failures {
				t.Errorf("%s: %s", path, f)
			}
			t.Logf("progress: %s executed in %.1fs, %d failed cells", path, time.Since(start).Seconds(), len(failures))
			if len(failures) == 0 && os.Getenv(updateEnv) == "1" {
				if err := os.WriteFile(path, executed, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("%s: updated in place with its outputs", path)
			}
		})
	}
}

// TestHarnessCatchesFailures runs testdata/broken.ipynb, whose cells panic, do not compile and exit with
// status 3, and checks that each is reported, and nothing else.
func TestHarnessCatchesFailures(t *testing.T) {
	requireJupyter(t)
	t.Log("progress: executing testdata/broken.ipynb, whose failures must be reported...")
	executed, err := execute(testContext(t), filepath.Join("testdata", "broken.ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	failures, err := scan(executed)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]string{3: "exit status 2", 4: "undefinedFunction", 5: "exit status 3"}
	got := map[int]string{}
	for _, f := range failures {
		got[f.Cell] = f.What
		t.Logf("reported: %s", f)
	}
	for cell, text := range want {
		if !strings.Contains(got[cell], text) {
			t.Errorf("cell %d: reported %q, want a failure mentioning %q", cell, got[cell], text)
		}
	}
	if len(got) != len(want) {
		t.Errorf("failed cells %v, want exactly %v", keys(got), keys(want))
	}
	if !strings.Contains(string(executed), "deliberately broken") || !strings.Contains(string(executed), "still runs after the failures") {
		t.Error("executed notebook lacks the panic message or the last cell's output")
	}
}

// TestSmokeNotebook runs testdata/smoke.ipynb, which uses every kind of kernelext display, and checks that
// it passes and that the outputs hold what each cell shows.
func TestSmokeNotebook(t *testing.T) {
	requireJupyter(t)
	t.Log("progress: executing testdata/smoke.ipynb...")
	start := time.Now()
	executed, err := execute(testContext(t), filepath.Join("testdata", "smoke.ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("smoke notebook executed in %.1fs", time.Since(start).Seconds())
	failures, err := scan(executed)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range failures {
		t.Errorf("%s", f)
	}
	var nb notebook
	if err := json.Unmarshal(executed, &nb); err != nil {
		t.Fatal(err)
	}
	pngs := 0
	var text strings.Builder
	for _, c := range nb.Cells {
		for _, o := range c.Outputs {
			if _, ok := o.Data["image/png"]; ok {
				pngs++
			}
			text.WriteString(string(o.Text))
			if h, ok := o.Data["text/html"]; ok {
				var s multiline
				if err := json.Unmarshal(h, &s); err == nil {
					text.WriteString(string(s))
				}
			}
		}
	}
	// image, depth, grid, plot
	if pngs != 4 {
		t.Errorf("%d PNG outputs, want 4 (image, depth, grid, plot)", pngs)
	}
	for _, want := range []string{
		"a test picture",                                     // a caption
		"near 2.2 yellow, far 2.69 purple",                   // the depth map's range
		`src="data:image/gif;base64,R0lGOD`,                  // the GIF, inline
		"&#10003; w: 40 steps, loss 0.025",                   // progress: the final state of stage w
		"&#10003; pti: 40 steps",                             // and of stage pti, in the same output
		"<b>learning rate</b> = 0.01",                        // the static slider
		"drawn with learning rate 0.01 and poisson blending", // Interact drew once with the defaults
		"interact returned; live: false false",
		"no front end wired the slider within 2s: yaw stays 20", // PMVI_INTERACTIVE without a browser
		"slider fell back: live=false value=20, within true",
		"smoke: done",
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("outputs lack %q", want)
		}
	}
}

func TestScan(t *testing.T) {
	const executed = `{"cells": [
 {"cell_type": "markdown", "source": "# title"},
 {"cell_type": "code", "source": ["%%\n", "fmt.Println(1)"], "outputs": [
  {"output_type": "stream", "name": "stdout", "text": "exit status 1\n"}]},
 {"cell_type": "code", "source": "%%\npanic(\"x\")", "outputs": [
  {"output_type": "stream", "name": "stderr", "text": ["panic: x\n", "\n", "goroutine 1 [running]:\n", "exit status 2\n"]}]},
 {"cell_type": "code", "source": "undefined()", "outputs": [
  {"output_type": "error", "ename": "ERROR", "evalue": "failed to run", "traceback": ["\u001b[7m[[ Cell [3] ]]\u001b[0m undefined: undefined"]}]},
 {"cell_type": "code", "source": "!sleep 100", "outputs": [
  {"output_type": "stream", "name": "stderr", "text": "signal: killed\n"}]},
 {"cell_type": "code", "source": "%%\nlog.Print(\"the exit status 1 of a command\")", "outputs": [
  {"output_type": "stream", "name": "stderr", "text": "the exit status 1 of a command\n"}]}
]}`
	failures, err := scan([]byte(executed))
	if err != nil {
		t.Fatal(err)
	}
	want := []failure{
		{2, `panic("x")`, "panic: x\n\ngoroutine 1 [running]:\nexit status 2"},
		{3, "undefined()", "ERROR: failed to run\n[[ Cell [3] ]] undefined: undefined"},
		{4, "!sleep 100", "signal: killed"},
	}
	if fmt.Sprint(failures) != fmt.Sprint(want) {
		t.Errorf("failures:\n%v\nwant:\n%v", failures, want)
	}
	if _, err := scan([]byte("not json")); err == nil {
		t.Error("scan accepted a file that is no notebook")
	}
}

// firstLine returns the first line of a cell's source that says something: not blank, not GoNB's "%%".
func firstLine(src string) string {
	for _, l := range strings.Split(src, "\n") {
		if l = strings.TrimSpace(l); l != "" && l != "%%" {
			return l
		}
	}
	return ""
}

// ansiEscape matches terminal colour codes, which GoNB puts around cell references in tracebacks.
var ansiEscape = regexp.MustCompile(`\x1b\[[0-9;]*m`)

func stripANSI(s string) string { return ansiEscape.ReplaceAllString(s, "") }

// lastLines returns the last n lines of s, without the final newline.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func indent(s string) string { return "\t" + strings.ReplaceAll(s, "\n", "\n\t") }

func keys(m map[int]string) []int {
	var ks []int
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}
