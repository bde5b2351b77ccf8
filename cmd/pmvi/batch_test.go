package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/checkpoint/npy"
	"github.com/pmvi/pmvi/pkg/faces"
	"github.com/pmvi/pmvi/pkg/fimage"
	"github.com/pmvi/pmvi/pkg/shard"
	"gopkg.in/yaml.v3"
)

// batchHeads are the good images of the test dataset: Micro renders at known cameras.
var batchHeads = []struct {
	name       string
	seed       int
	yaw, pitch float64
}{{"head-a", 11, 0.2, 0}, {"head-b", 12, -0.25, 0.05}, {"head-c", 13, 0, -0.1}, {"head-d", 14, 0.3, 0.1}, {"head-e", 15, -0.1, 0}}

// batchDataset writes a folder of five Micro heads (PNGs, one as .npy) with their cameras in a dataset.json,
// and three bad images: a corrupt PNG and an array holding a NaN (both given cameras), and a blank photo
// without a camera, which is aligned, finding no face.
func batchDataset(t *testing.T, net string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "images")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var labelled []camera.Labelled
	for i, h := range batchHeads {
		tmp := t.TempDir()
		var stdout, stderr bytes.Buffer
		args := []string{"render", "--network", net, "--seed", fmt.Sprint(h.seed), "--yaw", fmt.Sprint(h.yaw), "--pitch", fmt.Sprint(h.pitch), "--deterministic", "--out", tmp}
		if code := run(args, &stdout, &stderr); code != 0 {
			t.Fatal(stderr.String())
		}
		file := h.name + ".png"
		if i == 2 {
			file = h.name + ".npy"
		}
		data, err := os.ReadFile(filepath.Join(tmp, "image"+filepath.Ext(file)))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, file), data, 0o644); err != nil {
			t.Fatal(err)
		}
		labelled = append(labelled, camera.Labelled{File: file, Camera: camera.At(h.yaw, h.pitch)})
	}
	if err := os.WriteFile(filepath.Join(dir, "corrupt.png"), []byte("\x89PNG\r\n\x1a\nnot really a PNG"), 0o644); err != nil {
		t.Fatal(err)
	}
	nan := make([]float32, 3*16*16)
	nan[100] = float32(math.NaN())
	if err := npy.WriteFloat32(filepath.Join(dir, "nan.npy"), nan, 1, 3, 16, 16); err != nil {
		t.Fatal(err)
	}
	if err := fimage.WritePNG(filepath.Join(dir, "noface.png"), fimage.New(3, 64, 64)); err != nil {
		t.Fatal(err)
	}
	labelled = append(labelled, camera.Labelled{File: "corrupt.png", Camera: camera.At(0, 0)}, camera.Labelled{File: "nan.npy", Camera: camera.At(0, 0)})
	if err := camera.WriteDataset(filepath.Join(dir, "dataset.json"), labelled); err != nil {
		t.Fatal(err)
	}
	return dir
}

// batchFailures are the bad images of batchDataset and what their errors must say.
func batchFailures() map[string][]string {
	noFace := []string{"no face found", "noface.png"}
	if _, err := faces.Path(faces.FaceFinder); err != nil {
		noFace = []string{"model file missing"} // alignment cannot even start without the face models
	}
	return map[string][]string{
		"corrupt": {"corrupt.png", "not a readable image"},
		"nan":     {"nan.npy", "NaN"},
		"noface":  noFace,
	}
}

// batchArgs are the settings every run of the tests uses: a few steps a stage, few pseudo views.
func batchArgs(net, images, out string) []string {
	return []string{"batch", "--network", net, "--images", images, "--out", out, "--steps", "2", "--pseudo-views", "4"}
}

func readResults(t *testing.T, out string) map[string]imageResult {
	t.Helper()
	rep, err := loadReport(out)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]imageResult{}
	for _, r := range rep.results {
		m[r.Name] = r
	}
	return m
}

// One process over the folder: every good image inverted and scored, each bad one recorded as failed with a
// message naming the file and the cause, the shard exiting 0; a rerun does nothing; the report lists all.
func TestBatchRecordsFailuresAndGoesOn(t *testing.T) {
	net := microNetwork(t)
	images := batchDataset(t, net)
	out := filepath.Join(t.TempDir(), "results")
	var stdout, stderr bytes.Buffer
	if code := run(batchArgs(net, images, out), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, stdout.String(), stderr.String())
	}
	t.Log(stdout.String())
	if !strings.Contains(stdout.String(), "5 inverted, 3 failed, 0 done earlier") {
		t.Errorf("summary line missing or wrong:\n%s", stdout.String())
	}
	res := readResults(t, out)
	if len(res) != 8 {
		t.Fatalf("%d results, want 8", len(res))
	}
	for _, h := range batchHeads {
		r := res[h.name]
		if r.Status != statusOK || r.Camera != "given" || len(r.Scores["ours"]) != 3 || len(r.Scores["pti"]) != 3 {
			t.Errorf("%s: %+v, want ok with 3 scores for ours and pti", h.name, r)
		}
		for _, f := range []string{"input.png", "render.png", "novel_views/04.png", "latent.npy", "losses.csv", "log.txt", "pseudo_views/03_blended.png"} {
			if !exists(filepath.Join(out, h.name, f)) {
				t.Errorf("%s/%s missing", h.name, f)
			}
		}
		for _, f := range []string{"generator.safetensors", "final.safetensors", "views", "pti.json"} {
			if exists(filepath.Join(out, h.name, f)) {
				t.Errorf("%s/%s kept without --keep-stages", h.name, f)
			}
		}
	}
	for name, want := range batchFailures() {
		r := res[name]
		for _, w := range want {
			if r.Status != statusFailed || !strings.Contains(r.Error, w) {
				t.Errorf("%s: status %s, error %q; want failed mentioning %q", name, r.Status, r.Error, w)
			}
		}
		if strings.Contains(r.Error, "--yaw") {
			t.Errorf("%s: the error names pmvi invert's flags: %s", name, r.Error)
		}
	}

	stdout.Reset()
	if code := run(batchArgs(net, images, out), &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "8 done earlier, 0 to do") {
		t.Errorf("rerun: exit %d:\n%s", code, stdout.String())
	}
	stdout.Reset()
	if code := run(append(batchArgs(net, images, out), "--retry-failed"), &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "0 inverted, 3 failed, 5 done earlier") {
		t.Errorf("--retry-failed: exit %d:\n%s", code, stdout.String())
	}
	stdout.Reset()
	if code := run(append(batchArgs(net, images, out), "--seed", "4"), &stdout, &stderr); code == 0 || !strings.Contains(stderr.String(), "other settings") {
		t.Errorf("other settings into the same folder: exit %d, %s", code, stderr.String())
	}

	stdout.Reset()
	if code := run(append(batchArgs(net, images, out), "--list", "--shard", "1/3"), &stdout, &stderr); code != 0 ||
		!strings.Contains(stdout.String(), "ok       head-a\n") || !strings.Contains(stdout.String(), "failed   noface\n") || strings.Contains(stdout.String(), "head-b") {
		t.Errorf("--list --shard 1/3: exit %d:\n%s", code, stdout.String())
	}

	stdout.Reset()
	if code := run([]string{"report", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("report: exit %d: %s", code, stderr.String())
	}
	md, err := os.ReadFile(filepath.Join(out, "table.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"5 ok, 3 failed", "## Failures (3)", "corrupt.png", "| ours − pti, per image |", "± is the 95% interval", "## Wall time"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("table.md lacks %q:\n%s", want, md)
		}
	}
	if !exists(filepath.Join(out, "contact_sheet.png")) {
		t.Error("no contact sheet")
	}

	// An image without a result (its shard still running, or stopped) is listed with its shard.
	if err := os.Remove(filepath.Join(out, "head-d", resultFile)); err != nil {
		t.Fatal(err)
	}
	stdout.Reset()
	if code := run([]string{"report", "--sheet", "0", out}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "1 not done yet (shards 0)") {
		t.Errorf("report with head-d unfinished: exit %d: %s", code, stdout.String())
	}
	md, _ = os.ReadFile(filepath.Join(out, "table.md"))
	if !strings.Contains(string(md), "## Not done yet (1)\n\nhead-d.") || !strings.Contains(string(md), "sbatch --array=0 ") {
		t.Errorf("table.md does not list head-d as not done:\n%s", md)
	}
}

// SIGTERM (a Slurm time limit, a Kubernetes eviction) stops the shard with a non-zero exit: the image in
// progress is not recorded as failed, and a rerun finishes the rest.
func TestBatchStopsOnSIGTERM(t *testing.T) {
	net := microNetwork(t)
	images := batchDataset(t, net)
	out := filepath.Join(t.TempDir(), "results")
	p := startShard(t, "shard", pmviCommand(batchArgs(net, images, out)))
	deadline := time.After(2 * time.Minute)
wait:
	for {
		select {
		case l := <-p.lines:
			if strings.Contains(l, "head-b: stage 1/4 w") {
				break wait
			}
		case <-deadline:
			t.Fatalf("no progress:\n%s", p.output())
		}
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err := p.wait()
	if err == nil || !strings.Contains(p.output(), "interrupted during") {
		t.Fatalf("after SIGTERM: %v, want a non-zero exit saying where it stopped:\n%s", err, p.output())
	}
	res := readResults(t, out)
	for name, r := range res {
		if strings.Contains(r.Error, "cancel") || strings.Contains(r.Error, "interrupt") {
			t.Errorf("%s was recorded as %s: %s", name, r.Status, r.Error)
		}
	}
	if len(res) >= 8 {
		t.Fatalf("all %d images recorded before SIGTERM took effect", len(res))
	}
	var stdout, stderr bytes.Buffer
	if code := run(batchArgs(net, images, out), &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), fmt.Sprintf("%d done earlier, %d to do", len(res), 8-len(res))) {
		t.Errorf("rerun: exit %d:\n%s", code, stdout.String())
	}
}

// deployReadme returns deploy/README.md, where README's "Whole datasets" paragraph sends readers.
func deployReadme(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "deploy", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// readmeShellLines returns the commands of a README section's sh blocks, comments cut and && chains split.
func readmeShellLines(section string) [][]string {
	var out [][]string
	in := false
	for _, line := range strings.Split(section, "\n") {
		switch {
		case strings.HasPrefix(line, "```sh"):
			in = true
		case strings.HasPrefix(line, "```"):
			in = false
		case in:
			if i := strings.Index(line, " #"); i >= 0 {
				line = line[:i]
			}
			for _, part := range strings.Split(line, "&&") {
				if f := strings.Fields(part); len(f) > 0 {
					out = append(out, f)
				}
			}
		}
	}
	return out
}

// readmeBatchCommands returns deploy/README.md's `pmvi batch` and `pmvi report` commands (without "pmvi") and the
// extra pmvi batch flags of its sbatch commands.
func readmeBatchCommands(t *testing.T) (batch, report [][]string, sbatchFlags [][]string) {
	t.Helper()
	for _, f := range readmeShellLines(deployReadme(t)) {
		switch {
		case f[0] == "pmvi" && len(f) > 1 && f[1] == "batch":
			batch = append(batch, f[1:])
		case f[0] == "pmvi" && len(f) > 1 && f[1] == "report":
			report = append(report, f[1:])
		case f[0] == "sbatch":
			i := slices.Index(f, "deploy/slurm/pmvi-batch.sbatch")
			if i < 0 {
				t.Fatalf("deploy/README.md runs sbatch on another script: %v", f)
			}
			sbatchFlags = append(sbatchFlags, f[i+1:])
		}
	}
	if len(batch) == 0 || len(report) == 0 || len(sbatchFlags) == 0 {
		t.Fatalf("deploy/README.md lacks pmvi batch, pmvi report or sbatch commands")
	}
	return batch, report, sbatchFlags
}

// substitute replaces README placeholders (and k8s paths) in args.
func substitute(args []string, repl map[string]string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		for from, to := range repl {
			a = strings.ReplaceAll(a, from, to)
		}
		out[i] = a
	}
	return out
}

// k8sJob reads the Indexed Job manifest.
func k8sJob(t *testing.T) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "deploy", "k8s", "pmvi-batch-job.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var job map[string]any
	if err := yaml.Unmarshal(data, &job); err != nil {
		t.Fatalf("pmvi-batch-job.yaml: %v", err)
	}
	return job
}

// dig follows keys (strings for maps, ints for lists) into a parsed YAML document.
func dig(v any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

// k8sContainer returns the manifest's pmvi container: its command and args, and its environment (a
// fieldRef'd variable holds its field path).
func k8sContainer(t *testing.T, job map[string]any) (argv []string, env map[string]string) {
	t.Helper()
	c := dig(job, "spec", "template", "spec", "containers", 0)
	for _, k := range []string{"command", "args"} {
		l, _ := dig(c, k).([]any)
		for _, a := range l {
			argv = append(argv, fmt.Sprint(a))
		}
	}
	env = map[string]string{}
	l, _ := dig(c, "env").([]any)
	for _, e := range l {
		name := fmt.Sprint(dig(e, "name"))
		if v := dig(e, "value"); v != nil {
			env[name] = fmt.Sprint(v)
		} else {
			env[name] = fmt.Sprint(dig(e, "valueFrom", "fieldRef", "fieldPath"))
		}
	}
	return argv, env
}

// The deployment files are what deploy/README.md says and what pmvi accepts: the Slurm script is valid bash whose array
// matches its shard count, the manifest is a batch/v1 Job in Indexed mode whose --shards is its completions,
// reading JOB_COMPLETION_INDEX, on a shared volume; every pmvi command in deploy/README.md, the manifest and deploy/README.md's
// sbatch lines parses with pmvi's flags.
func TestBatchDeployFiles(t *testing.T) {
	script := filepath.Join("..", "..", "deploy", "slurm", "pmvi-batch.sbatch")
	if out, err := exec.Command("bash", "-n", script).CombinedOutput(); err != nil {
		t.Fatalf("bash -n %s: %v\n%s", script, err, out)
	}
	src, err := os.ReadFile(script)
	if err != nil {
		t.Fatal(err)
	}
	array := regexp.MustCompile(`(?m)^#SBATCH --array=0-(\d+)$`).FindStringSubmatch(string(src))
	count := regexp.MustCompile(`PMVI_SHARDS=\$\{PMVI_SHARDS:-(\d+)\}`).FindStringSubmatch(string(src))
	if array == nil || count == nil || fmt.Sprint(atoiT(t, array[1])+1) != count[1] {
		t.Errorf("the script's #SBATCH --array=0-M and its default PMVI_SHARDS (M+1) disagree or are missing: %v %v", array, count)
	}

	job := k8sJob(t)
	for _, c := range []struct {
		keys []any
		want any
	}{
		{[]any{"apiVersion"}, "batch/v1"}, {[]any{"kind"}, "Job"}, {[]any{"spec", "completionMode"}, "Indexed"},
		{[]any{"spec", "template", "spec", "restartPolicy"}, "Never"},
	} {
		if got := dig(job, c.keys...); got != c.want {
			t.Errorf("manifest %v = %v, want %v", c.keys, got, c.want)
		}
	}
	completions, _ := dig(job, "spec", "completions").(int)
	parallelism, _ := dig(job, "spec", "parallelism").(int)
	if completions < 1 || parallelism < 1 || parallelism > completions {
		t.Errorf("manifest completions %d, parallelism %d: want 1 <= parallelism <= completions", completions, parallelism)
	}
	argv, env := k8sContainer(t, job)
	if len(argv) < 2 || argv[0] != "pmvi" || argv[1] != "batch" || !slices.Contains(argv, fmt.Sprintf("--shards=%d", completions)) {
		t.Errorf("the container runs %v: want pmvi batch ... --shards=%d (its completions)", argv, completions)
	}
	if env[shard.EnvK8sIndex] != "metadata.annotations['batch.kubernetes.io/job-completion-index']" {
		t.Errorf("the container's %s comes from %q, want the completion-index annotation", shard.EnvK8sIndex, env[shard.EnvK8sIndex])
	}
	mount, _ := dig(job, "spec", "template", "spec", "containers", 0, "volumeMounts", 0, "mountPath").(string)
	claim := dig(job, "spec", "template", "spec", "volumes", 0, "persistentVolumeClaim", "claimName")
	if mount == "" || claim == nil {
		t.Errorf("no PVC-backed volume mounted: mount %q, claim %v", mount, claim)
	}
	for _, a := range argv[2:] {
		if strings.HasPrefix(a, "--images=") || strings.HasPrefix(a, "--out=") || strings.HasPrefix(a, "--network=") {
			if p := a[strings.Index(a, "=")+1:]; !strings.HasPrefix(p, mount+"/") {
				t.Errorf("%s is not on the shared volume %s", a, mount)
			}
		}
	}

	parseBatch := func(args []string) error {
		fs, _ := newBatchFlags(io.Discard)
		return parse(fs, args)
	}
	if err := parseBatch(argv[2:]); err != nil {
		t.Errorf("the manifest's args %v: %v", argv[2:], err)
	}
	batch, report, sbatch := readmeBatchCommands(t)
	for _, args := range batch {
		if err := parseBatch(args[1:]); err != nil {
			t.Errorf("deploy/README.md: pmvi %s: %v", strings.Join(args, " "), err)
		}
	}
	for _, args := range sbatch {
		if err := parseBatch(args); err != nil {
			t.Errorf("deploy/README.md: sbatch ... %s: %v", strings.Join(args, " "), err)
		}
	}
	for _, args := range report {
		if _, err := parseReportArgs(args[1:], io.Discard); err != nil {
			t.Errorf("deploy/README.md: pmvi %s: %v", strings.Join(args, " "), err)
		}
	}
}

func atoiT(t *testing.T, s string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// shardProcess is a pmvi process of the test: the test binary running pmvi (TestMain), directly or through a
// script, with its output collected line by line.
type shardProcess struct {
	name   string
	cmd    *exec.Cmd
	mu     sync.Mutex
	stdout []string
	stderr []string
	lines  chan string // every stderr line, for a test waiting for one
	done   sync.WaitGroup
}

// cleanEnv is the test's environment without any shard variables, so that only what a test sets counts.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, e := range os.Environ() {
		name, _, _ := strings.Cut(e, "=")
		if strings.HasPrefix(name, "SLURM_") || name == shard.EnvK8sIndex || name == shard.EnvCount || name == mainEnv {
			continue
		}
		env = append(env, e)
	}
	return append(env, extra...)
}

func startShard(t *testing.T, name string, cmd *exec.Cmd) *shardProcess {
	t.Helper()
	p := &shardProcess{name: name, cmd: cmd, lines: make(chan string, 1000)}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	errp, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	read := func(r io.Reader, dst *[]string, ch chan string) {
		defer p.done.Done()
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			p.mu.Lock()
			*dst = append(*dst, sc.Text())
			p.mu.Unlock()
			if ch != nil {
				select {
				case ch <- sc.Text():
				default:
				}
			}
		}
	}
	p.done.Add(2)
	go read(out, &p.stdout, nil)
	go read(errp, &p.stderr, p.lines)
	return p
}

// wait waits for the process and returns its exit error.
func (p *shardProcess) wait() error {
	p.done.Wait()
	return p.cmd.Wait()
}

func (p *shardProcess) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.stdout, "\n") + "\n--- stderr\n" + strings.Join(p.stderr, "\n")
}

// pmviCommand runs pmvi with args in the test binary.
func pmviCommand(args []string, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = cleanEnv(append(env, mainEnv+"="+strings.Join(args, "\x1f"))...)
	return cmd
}

// imageLines returns the names in a shard's per-image lines ("[k/n] NAME ok|failed in ...").
var imageLine = regexp.MustCompile(`^\[\d+/\d+\] (\S+) (ok|failed) in `)

func imageLines(p *shardProcess) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var names []string
	for _, l := range p.stdout {
		if m := imageLine.FindStringSubmatch(l); m != nil {
			names = append(names, m[1])
		}
	}
	return names
}

// withoutColumns drops the named columns of a CSV without quoted commas in them.
func withoutColumns(t *testing.T, csv string, drop ...string) string {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(csv), "\n")
	header := strings.Split(lines[0], ",")
	var out []string
	for _, l := range lines {
		cells := strings.Split(l, ",")
		var keep []string
		for i, c := range cells {
			if i >= len(header) || !slices.Contains(drop, header[i]) {
				keep = append(keep, c)
			}
		}
		out = append(out, strings.Join(keep, ","))
	}
	return strings.Join(out, "\n")
}

// Three shards run at once as separate processes, each started the way deploy/README.md and deploy/ start them: shard 0
// by the Slurm script (array task 0), shard 1 by the Kubernetes manifest's command (completion index 1) and
// shard 2 by deploy/README.md's command line. Shard 1 is killed (SIGKILL) after its first image, in the middle of its
// second, and run again as Kubernetes would. Then: every image was done exactly once, the rerun resumed the
// interrupted image from its finished stages and left the finished one alone, each image was done by the
// shard that owns it, and deploy/README.md's pmvi report gives the table of one process over the whole folder.
func TestBatchShardsMatchOneProcess(t *testing.T) {
	net := microNetwork(t)
	images := batchDataset(t, net)
	tmp := t.TempDir()
	single, sharded := filepath.Join(tmp, "single"), filepath.Join(tmp, "sharded")
	fast := []string{"--steps", "2", "--pseudo-views", "4"}
	const n = 3
	batch, report, _ := readmeBatchCommands(t)
	readme := func(args []string, out string) []string {
		return substitute(args, map[string]string{"photos/": images, "results/": out, "ffhqrebalanced512-128.pkl": net, "/4": fmt.Sprintf("/%d", n)})
	}

	// One process over everything: deploy/README.md's command without its --shard.
	one := readme(batch[0], single)
	if i := slices.Index(one, "--shard"); i >= 0 {
		one = slices.Delete(one, i, i+2)
	}
	var stdout, stderr bytes.Buffer
	if code := run(append(one, fast...), &stdout, &stderr); code != 0 {
		t.Fatalf("one process: exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}

	// Shard 0: the Slurm script under bash, srun and pmvi standing in for the real ones.
	bin := t.TempDir()
	wrapper := filepath.Join(bin, "pmvi-test")
	os.WriteFile(filepath.Join(bin, "srun"), []byte("#!/bin/sh\nwhile [ \"${1#-}\" != \"$1\" ]; do shift; done\nexec \"$@\"\n"), 0o755) // srun's options dropped
	os.WriteFile(wrapper, []byte(fmt.Sprintf("#!/bin/sh\nIFS=$(printf '\\037')\n%s=\"$*\" exec %q -test.run='^$'\n", mainEnv, os.Args[0])), 0o755)
	slurm := exec.Command("bash", append([]string{filepath.Join("..", "..", "deploy", "slurm", "pmvi-batch.sbatch")}, fast...)...)
	slurm.Env = cleanEnv("PATH="+bin+":"+os.Getenv("PATH"), "PMVI="+wrapper, "MODEL="+net, "IMAGES="+images, "RESULTS="+sharded,
		"SLURM_ARRAY_TASK_ID=0", fmt.Sprintf("SLURM_ARRAY_TASK_COUNT=%d", n), "SLURM_ARRAY_TASK_MIN=0", fmt.Sprintf("SLURM_ARRAY_TASK_MAX=%d", n-1),
		fmt.Sprintf("%s=%d", shard.EnvCount, n))

	// Shard 1: the manifest's container command, its paths on the shared volume mapped to the test's.
	job := k8sJob(t)
	argv, env := k8sContainer(t, job)
	completions := fmt.Sprint(dig(job, "spec", "completions"))
	volume := map[string]string{"/data/photos": images, "/data/results": sharded, "/data/model/ffhqrebalanced512-128.pkl": net,
		"/data/cache": filepath.Dir(faces.Dir()), "--shards=" + completions: fmt.Sprintf("--shards=%d", n)}
	k8sArgs := append(substitute(argv[1:], volume), fast...)
	var k8sEnv []string
	for k, v := range env {
		if k == shard.EnvK8sIndex {
			v = "1" // what the completion-index annotation holds in pod 1
		}
		k8sEnv = append(k8sEnv, k+"="+substitute([]string{v}, volume)[0])
	}

	// Shard 2: deploy/README.md's command line as it stands (shard 0 of 4 there), for shard 2 of 3.
	readme2 := append(substitute(readme(batch[0], sharded), map[string]string{fmt.Sprintf("0/%d", n): fmt.Sprintf("2/%d", n)}), fast...)

	procs := []*shardProcess{
		startShard(t, "slurm 0", slurm),
		startShard(t, "k8s 1", pmviCommand(k8sArgs, k8sEnv...)),
		startShard(t, "readme 2", pmviCommand(readme2)),
	}
	killed := procs[1]
	// Wait for shard 1 to finish head-a and be in the middle of head-d (its pseudo views built), then kill it.
	deadline := time.After(2 * time.Minute)
wait:
	for {
		select {
		case l := <-killed.lines:
			if strings.Contains(l, "head-d: stage 3/4 pseudoviews") { // PTI is stored before stage 3 starts
				break wait
			}
		case <-deadline:
			t.Fatalf("shard 1 never reached head-d's stage 3:\n%s", killed.output())
		}
	}
	if err := killed.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed.wait()
	headA, err := os.ReadFile(filepath.Join(sharded, "head-a", resultFile))
	if err != nil {
		t.Fatalf("shard 1 was killed before head-a was recorded: %v\n%s", err, killed.output())
	}
	midway := !exists(filepath.Join(sharded, "head-d", resultFile))
	if !midway {
		t.Log("head-d finished before the kill landed: the resume of an image in progress is not exercised this time")
	}
	rerun := startShard(t, "k8s 1 again", pmviCommand(k8sArgs, k8sEnv...))
	for _, p := range append([]*shardProcess{procs[0], procs[2]}, rerun) {
		if err := p.wait(); err != nil {
			t.Fatalf("%s: %v\n%s", p.name, err, p.output())
		}
	}
	for _, p := range append(procs, rerun) {
		t.Logf("%s:\n%s", p.name, p.output())
	}

	// Each image done once, by its own shard; the rerun left head-a alone and resumed head-d.
	var all []string
	for _, p := range append(procs, rerun) {
		all = append(all, imageLines(p)...)
	}
	slices.Sort(all)
	want := []string{"corrupt", "head-a", "head-b", "head-c", "head-d", "head-e", "nan", "noface"}
	if !slices.Equal(all, want) {
		t.Errorf("images done by the shards: %v, want each of %v once", all, want)
	}
	doneEarlier := "1 done earlier" // head-a
	if !midway {
		doneEarlier = "2 done earlier"
	}
	if slices.Contains(imageLines(rerun), "head-a") || !strings.Contains(rerun.output(), doneEarlier) {
		t.Errorf("the rerun of shard 1 redid head-a or did not say %q:\n%s", doneEarlier, rerun.output())
	}
	if again, _ := os.ReadFile(filepath.Join(sharded, "head-a", resultFile)); !bytes.Equal(again, headA) {
		t.Error("the rerun rewrote head-a's result.json")
	}
	if midway {
		var rec struct {
			Stages []struct {
				Stage  string
				Loaded bool
			}
		}
		data, _ := os.ReadFile(filepath.Join(sharded, "head-d", "run.json"))
		if err := json.Unmarshal(data, &rec); err != nil || len(rec.Stages) != 4 || !rec.Stages[0].Loaded || !rec.Stages[1].Loaded {
			t.Errorf("head-d after the kill: stages %+v (%v); want W+ and PTI loaded from the killed run", rec.Stages, err)
		}
	}
	results := readResults(t, sharded)
	for k, name := range want {
		r := results[name]
		if wantShard := fmt.Sprintf("%d/%d", shard.Of(k, n), n); r.Shard != wantShard {
			t.Errorf("%s was done by shard %s, want %s", name, r.Shard, wantShard)
		}
	}
	for p, src := range map[*shardProcess]string{procs[0]: "SLURM_ARRAY_TASK_ID=0, PMVI_SHARDS=3", procs[1]: "JOB_COMPLETION_INDEX=1, --shards=3", procs[2]: "(--shard)"} {
		if !strings.Contains(p.output(), src) {
			t.Errorf("%s did not take its shard from %s:\n%s", p.name, src, p.output())
		}
	}

	// deploy/README.md's report over both folders: the same table but for who did what and when.
	tables := map[string]string{}
	for _, out := range []string{single, sharded} {
		stdout.Reset()
		if code := run(readme(report[0], out), &stdout, &stderr); code != 0 {
			t.Fatalf("report %s: exit %d: %s", out, code, stderr.String())
		}
		for _, f := range []string{"table.csv", "summary.csv"} {
			data, err := os.ReadFile(filepath.Join(out, f))
			if err != nil {
				t.Fatal(err)
			}
			tables[out+f] = withoutColumns(t, string(data), "shard", "seconds")
		}
	}
	for _, f := range []string{"table.csv", "summary.csv"} {
		if a, b := tables[single+f], tables[sharded+f]; a != b {
			t.Errorf("%s of the shards differs from one process's:\n%s\n--- one process:\n%s", f, b, a)
		}
	}
	if !strings.Contains(tables[sharded+"table.csv"], "head-a,ok,given") {
		t.Errorf("table.csv:\n%s", tables[sharded+"table.csv"])
	}
}

// The inputs of a batch: a folder's images sorted by name, with the cameras its dataset.json gives; every
// entry of a dataset.json given directly (nested files too); names that would share a result folder refused.
func TestBatchListsInputs(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"b.png", "a.jpg", "c.npy", "notes.txt", ".hidden.png", "sub/d.png"} {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755)
		os.WriteFile(filepath.Join(dir, f), nil, 0o644)
	}
	camera.WriteDataset(filepath.Join(dir, "dataset.json"), []camera.Labelled{{File: "b.png", Camera: camera.At(0.1, 0)}, {File: "sub/d.png", Camera: camera.At(0, 0)}})
	items, err := listInputs(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range items {
		got = append(got, fmt.Sprintf("%s:%v", it.Name, it.Camera != nil))
	}
	if want := []string{"a:false", "b:true", "c:false"}; !slices.Equal(got, want) {
		t.Errorf("folder: %v, want %v", got, want)
	}
	items, err = listInputs(filepath.Join(dir, "dataset.json"))
	if err != nil || len(items) != 2 || items[1].Name != "sub/d" || items[1].Path != filepath.Join(dir, "sub", "d.png") || items[1].Camera == nil {
		t.Errorf("dataset.json: %+v, %v", items, err)
	}

	for name, tt := range map[string]struct {
		files []string
		want  string
	}{
		"same name twice": {[]string{"x.png", "x.jpg"}, "share the result folder"},
		"no images":       {[]string{"readme.txt"}, "no images"},
	} {
		d := t.TempDir()
		for _, f := range tt.files {
			os.WriteFile(filepath.Join(d, f), nil, 0o644)
		}
		if _, err := listInputs(d); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error mentioning %q", name, err, tt.want)
		}
	}
	outside := filepath.Join(t.TempDir(), "dataset.json")
	camera.WriteDataset(outside, []camera.Labelled{{File: "../x.png", Camera: camera.At(0, 0)}})
	if _, err := listInputs(outside); err == nil || !strings.Contains(err.Error(), "outside") {
		t.Errorf("a dataset entry outside its folder: %v", err)
	}
	if _, err := listInputs(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "--images") {
		t.Errorf("a missing --images: %v", err)
	}
}
