package main

import (
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/pmvi/pmvi/internal/fixture"
)

// binaries are what a run executes, built with -tags xla: the name in the bundle and how go builds it.
var binaries = []struct{ Name, Pkg string }{
	{"pmvi", "./cmd/pmvi"},
	{"eg3d.test", "./pkg/eg3d"},
	{"invert.test", "./pkg/invert"},
	{"gpu", "./scripts/gpu"},
}

// buildFile is the bundle's record of how it was built.
const buildFile = "build.json"

// build compiles every binary into dir with tags (CGO_ENABLED=1 when they include xla: go-xla loads the
// plugin with dlopen through cgo) and records it in dir/build.json.
func build(dir, tags string, log io.Writer) (Build, error) {
	root, ok := fixture.ModuleRoot()
	if !ok {
		return Build{}, fmt.Errorf("no go.mod above %s: build from inside the pmvi checkout, or pass -bin with a prebuilt bundle", mustGetwd())
	}
	if _, err := exec.LookPath("go"); err != nil {
		return Build{}, fmt.Errorf("no go toolchain on PATH to build the binaries: build a bundle elsewhere with " +
			"`go run ./scripts/gpu -build-only -o DIR`, copy DIR here and run DIR/gpu")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Build{}, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Build{}, err
	}
	b := Build{Tags: tags, Time: time.Now().Format(time.RFC3339), Dir: abs, Seconds: map[string]float64{}}
	b.Host, _ = os.Hostname()
	b.Go = strings.TrimPrefix(strings.TrimSpace(runOutput(root, "go", "env", "GOVERSION")), "go version ")
	if b.Go == "" {
		b.Go = runtime.Version()
	}
	b.Commit = strings.TrimSpace(runOutput(root, "git", "rev-parse", "--short=12", "HEAD"))
	if b.Commit == "" {
		b.Commit = "unknown"
	} else if strings.TrimSpace(runOutput(root, "git", "status", "--porcelain", "--untracked-files=no")) != "" {
		b.Commit += "+uncommitted changes"
	}
	for _, bin := range binaries {
		args := []string{"build"}
		if strings.HasSuffix(bin.Name, ".test") {
			args = []string{"test", "-c"}
		}
		args = append(args, "-tags", tags, "-o", filepath.Join(abs, bin.Name), bin.Pkg)
		fmt.Fprintf(log, "build: go %s\n", strings.Join(args, " "))
		start := time.Now()
		cmd := exec.Command("go", args...)
		cmd.Dir = root
		cmd.Env = os.Environ()
		if hasTag(tags, "xla") {
			cmd.Env = append(cmd.Env, "CGO_ENABLED=1")
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			return b, fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		b.Seconds[bin.Name] = time.Since(start).Seconds()
	}
	data, err := json.MarshalIndent(b, "", " ")
	if err != nil {
		return b, err
	}
	return b, os.WriteFile(filepath.Join(abs, buildFile), data, 0o644)
}

// buildBundle builds the binaries into dir and copies the EG3D fixtures and the instructions beside them, for a
// GPU machine without Go.
func buildBundle(dir, tags, fixtures string, log io.Writer) error {
	if _, err := build(dir, tags, log); err != nil {
		return err
	}
	if fixtures == "" {
		fixtures, _ = lookupFixtures("")
	}
	if fixtures != "" {
		fmt.Fprintf(log, "bundle: copying the EG3D fixtures %s\n", fixtures)
		if err := copyTree(fixtures, filepath.Join(dir, "fixtures", "eg3d")); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(log, "bundle: EG3D fixtures not found: the parity and fixture cases will be reported not available")
	}
	run := `pmvi GPU bundle: binaries built with CGO_ENABLED=1 -tags ` + tags + ` (see build.json), the EG3D fixtures.

On the GPU machine (no Go needed):

  mkdir -p /opt/pjrt && ln -sf "$(python3 -c 'import jax_plugins.xla_cuda13 as m, os; print(os.path.dirname(m.__file__))')/xla_cuda_plugin.so" /opt/pjrt/pjrt_c_api_cuda_plugin.so
  export PJRT_PLUGIN_LIBRARY_PATH=/opt/pjrt
  # if the plugin does not load: add the Python environment's nvidia/*/lib folders to LD_LIBRARY_PATH
  GOMLX_BACKEND=xla:cuda ./gpu -out results/gpu-$(date +%F)

It writes results.json and results.md to -out (about ten minutes; -budget bounds it, -run REGEXP picks cases).
A dry run on the CPU engine: GOMLX_BACKEND=cpu ./gpu
`
	if err := os.WriteFile(filepath.Join(dir, "RUN.txt"), []byte(run), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(log, "bundle ready in %s: copy it to the GPU machine and follow %s\n", dir, filepath.Join(dir, "RUN.txt"))
	return nil
}

// findBundle returns the folder of prebuilt binaries: bin when given (it must hold them all), else this
// program's folder when it holds them (a bundle), else "".
func findBundle(bin string) (string, error) {
	has := func(dir string) error {
		for _, b := range binaries {
			if _, err := os.Stat(filepath.Join(dir, b.Name)); err != nil {
				return fmt.Errorf("-bin %s: no %s (build the bundle with `go run ./scripts/gpu -build-only -o DIR`)", dir, b.Name)
			}
		}
		return nil
	}
	if bin != "" {
		abs, err := filepath.Abs(bin)
		if err != nil {
			return "", err
		}
		return abs, has(abs)
	}
	if exe, err := os.Executable(); err == nil {
		if dir := filepath.Dir(exe); has(dir) == nil {
			return dir, nil
		}
	}
	return "", nil
}

// readBuild reads a bundle's build.json.
func readBuild(dir string) Build {
	b := Build{Dir: dir, Prebuilt: true, Go: "unknown", Commit: "unknown", Tags: "unknown"}
	if data, err := os.ReadFile(filepath.Join(dir, buildFile)); err == nil {
		_ = json.Unmarshal(data, &b)
	}
	b.Dir, b.Prebuilt, b.Seconds = dir, true, nil
	return b
}

// lookupFixtures returns the EG3D fixtures folder: flag, else $PMVI_FIXTURES, else the bundle's copy beside
// this program, else ../shared/fixtures/eg3d beside the checkout; "" when none holds tiny/G.pkl.
func lookupFixtures(flag string) (string, error) {
	ok := func(d string) bool {
		_, err := os.Stat(filepath.Join(d, "tiny", "G.pkl"))
		return err == nil
	}
	if flag != "" {
		abs, err := filepath.Abs(flag)
		if err != nil || !ok(abs) {
			return "", fmt.Errorf("-fixtures %s: no tiny/G.pkl there", flag)
		}
		return abs, nil
	}
	if d := os.Getenv("PMVI_FIXTURES"); d != "" && ok(d) {
		return filepath.Abs(d)
	}
	if exe, err := os.Executable(); err == nil {
		if d := filepath.Join(filepath.Dir(exe), "fixtures", "eg3d"); ok(d) {
			return d, nil
		}
	}
	if d, found := fixture.Lookup(); found && ok(d) {
		return filepath.Abs(d)
	}
	return "", nil
}

func copyTree(from, to string) error {
	return filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, path)
		if err != nil {
			return err
		}
		target := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}

func hasTag(tags, tag string) bool {
	for _, t := range strings.FieldsFunc(tags, func(r rune) bool { return r == ',' || r == ' ' }) {
		if t == tag {
			return true
		}
	}
	return false
}

// runOutput runs a command in dir and returns its standard output ("" on error).
func runOutput(dir, name string, args ...string) string {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return string(out)
}

func mustGetwd() string {
	wd, _ := os.Getwd()
	return wd
}
