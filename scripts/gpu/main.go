// Command gpu measures pmvi on a lent GPU in one command and about ten minutes, and writes what it saw to a
// results folder (results.json and results.md, with the device's name): the EG3D parity tests, the fixture
// network's forward and forward+backward (compared with the official outputs), the optimization steps of
// pkg/invert's benchmarks, and one full `pmvi invert` at the paper preset on a held-out head.
//
// Everything it measures runs in binaries built with `CGO_ENABLED=1 -tags xla` (pmvi, the test binaries of
// pkg/eg3d and pkg/invert, and this program as the worker of the in-process cases), one process per case, so
// an XLA client never holds the GPU's memory while another case runs. This program itself only orchestrates.
//
// On a machine with Go, an NVIDIA GPU and a CUDA PJRT plugin (README, "Running on a GPU"):
//
//	export PJRT_PLUGIN_LIBRARY_PATH=/opt/pjrt    # the folder holding pjrt_c_api_cuda_plugin.so
//	GOMLX_BACKEND=xla:cuda go run ./scripts/gpu  # writes results/gpu-<device>-<date>/
//
// A GPU machine without Go: build the bundle here (binaries, the EG3D fixtures, RUN.txt), copy it, run it there:
//
//	go run ./scripts/gpu -build-only -o /tmp/pmvi-gpu
//	GOMLX_BACKEND=xla:cuda /tmp/pmvi-gpu/gpu -out results/gpu-h100     # on the GPU machine
//
// A dry run, the same cases at tiny sizes on the CPU engine (minutes; TestDryRun runs it):
//
//	GOMLX_BACKEND=cpu go run ./scripts/gpu
//
// -run REGEXP keeps only the cases whose name matches; -budget bounds the whole run (cases that would start
// past it are reported "skipped"). Nothing a case does aborts the others: a failure is recorded with its exit
// status and the tail of its output.
package main

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"time"
)

// ======================================================================================================
// What is measured. Edit these tables to add or change cases; everything else follows them.
// ======================================================================================================

// stepBenchmarks are the optimization steps timed with pkg/invert's benchmarks (`go test -bench` through the
// invert.test binary). Each reports s/step: the mean of the timed steps, the compiling first one excluded. A
// name the test binary does not have is reported "not available", not as a failure, so benchmarks can be
// listed here before they exist. Dry: also in the dry run (tiny sizes). AfterInvert: run after the full
// inversion, so that a run short of time drops these (the slowest to compile) first.
var stepBenchmarks = []stepBenchmark{
	{Bench: "BenchmarkTinyWStep", What: "W+ step (stage 1), embedded model", Dry: true},
	{Bench: "BenchmarkTinyPTIStep", What: "PTI step (stage 2), embedded model", Dry: true},
	{Bench: "BenchmarkTinyFinalStep", What: "stage-3 step (input + pseudo views), embedded model", Dry: true},
	{Bench: "BenchmarkSmallWStep", What: "W+ step, small preset (128-px triplanes and rendering)"},
	{Bench: "BenchmarkSmallPTIStep", What: "PTI step, small preset"},
	{Bench: "BenchmarkSmallFinalStep", What: "stage-3 step, small preset"},
	{Bench: "BenchmarkFixtureWStep", What: "W+ step, EG3D fixture network (512 px with super-resolution)", AfterInvert: true},
	{Bench: "BenchmarkFixturePTIStep", What: "PTI step, EG3D fixture network", AfterInvert: true},
}

// invertCommand is the full inversion's `pmvi` command line. {image}, {yaw}, {pitch} and {out} are filled in;
// the dry run appends invertDryRunArgs. The CLI is being reworked: a command it refuses is recorded (exit
// status, output tail), not fatal.
var invertCommand = []string{"invert", "--network", "tiny", "--image", "{image}", "--yaw", "{yaw}", "--pitch", "{pitch}",
	"--preset", "paper", "--out", "{out}"}

// invertDryRunArgs cut the dry run's inversion to two steps per stage (W+, PTI, stage 3).
var invertDryRunArgs = []string{"--steps", "2,2,2"}

// heldOutHead is the inverted head: the embedded model's held-out identity of this index (models/tiny/tiny.json),
// rendered by pkg/heads at this camera.
var heldOutHead = struct {
	Index      int
	Yaw, Pitch float64
}{Index: 0, Yaw: 0.2, Pitch: 0}

// parityTests selects pkg/eg3d's parity tests (-test.run patterns): all of them on a GPU; in the dry run the
// fast ones, with -test.short.
var parityTests = struct{ Full, Dry string }{
	Full: "Parity",
	Dry:  "^Test(Mapping|Backbone|Rays|DecoderProbe|ImportanceSampler)Parity$",
}

// parityNote is printed with the parity tests' results; empty when there is nothing to say.
const parityNote = "pkg/eg3d's parity tests pick their own engine (loadOfficial calls backend.NewWithConfig(\"cpu\")), " +
	"so they check the CPU engine whatever GOMLX_BACKEND says; fixture/fwd and fixture/fwd+bwd compare the " +
	"selected backend with the same official outputs"

// sizes are the repeat counts and per-case time limits of a full (GPU) run and of the dry run.
var sizes = map[string]size{
	"full": {FixtureRepeat: 10, BenchTime: 20, BenchCount: 1, Budget: 9*time.Minute + 30*time.Second,
		Timeouts: map[string]time.Duration{"preflight": 2 * time.Minute, "check": 30 * time.Second, "parity": 3 * time.Minute,
			"network": 3 * time.Minute, "step": 2 * time.Minute, "invert": 5 * time.Minute}},
	"tiny": {FixtureRepeat: 2, BenchTime: 1, BenchCount: 1, Budget: 4 * time.Minute,
		Timeouts: map[string]time.Duration{"preflight": time.Minute, "check": 30 * time.Second, "parity": 2 * time.Minute,
			"network": time.Minute, "step": 90 * time.Second, "invert": 75 * time.Second}},
}

// ======================================================================================================

type stepBenchmark struct {
	Bench string // Benchmark function in pkg/invert.
	What  string // What one step is.
	Dry   bool   // Run in the dry run too.
	// AfterInvert runs it after the full inversion instead of before.
	AfterInvert bool
}

// size is how much of everything a run does.
type size struct {
	FixtureRepeat int                      // Timed runs of each network case, after one warm-up.
	BenchTime     int                      // Steps timed per benchmark run (-test.benchtime Nx).
	BenchCount    int                      // Benchmark runs (-test.count); the median is reported.
	Budget        time.Duration            // Default of -budget.
	Timeouts      map[string]time.Duration // Per case kind.
}

func main() {
	var cfg config
	flag.StringVar(&cfg.Out, "out", "", "results folder (default results/<gpu-device-date> or results/dryrun-<date>)")
	flag.StringVar(&cfg.Bin, "bin", "", "folder of prebuilt binaries (default: this program's folder when it holds them, else build them)")
	flag.BoolVar(&cfg.BuildOnly, "build-only", false, "only build the bundle (binaries, fixtures, RUN.txt) into -o")
	flag.StringVar(&cfg.BuildDir, "o", "", "with -build-only: the bundle's folder")
	flag.StringVar(&cfg.Tags, "tags", "xla", "build tags of the binaries")
	flag.StringVar(&cfg.Size, "size", "auto", "full, tiny (dry run) or auto: tiny when GOMLX_BACKEND is the CPU engine")
	flag.StringVar(&cfg.Fixtures, "fixtures", "", "EG3D fixtures folder (default: $PMVI_FIXTURES, the bundle's, or ../shared/fixtures/eg3d)")
	flag.DurationVar(&cfg.Budget, "budget", 0, "time limit of the whole run (default 9m30s full, 4m dry run)")
	run := flag.String("run", "", "only the cases whose name matches this regular expression")
	worker := flag.String("worker", "", "internal: run one in-process case and write it to -result")
	result := flag.String("result", "", "internal: the worker's result file")
	flag.IntVar(&cfg.Repeat, "repeat", 0, "timed runs of the network cases (default 10 full, 2 dry run)")
	flag.Parse()
	if *worker != "" {
		if err := runWorker(*worker, cfg.Size, cfg.Repeat, cfg.Fixtures, *result); err != nil {
			fmt.Fprintln(os.Stderr, "gpu:", err)
			os.Exit(1)
		}
		return
	}
	if *run != "" {
		re, err := regexp.Compile(*run)
		if err != nil {
			fmt.Fprintln(os.Stderr, "gpu: -run:", err)
			os.Exit(2)
		}
		cfg.Filter = re
	}
	if cfg.BuildOnly {
		if cfg.BuildDir == "" {
			fmt.Fprintln(os.Stderr, "gpu: -build-only needs -o DIR")
			os.Exit(2)
		}
		if err := buildBundle(cfg.BuildDir, cfg.Tags, cfg.Fixtures, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "gpu:", err)
			os.Exit(1)
		}
		return
	}
	res, err := runAll(cfg, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gpu:", err)
		os.Exit(1)
	}
	if res.failedPreflight() {
		fmt.Fprintln(os.Stderr, "gpu: the backend failed its preflight:", res.Cases[0].Reason)
		os.Exit(1)
	}
}
