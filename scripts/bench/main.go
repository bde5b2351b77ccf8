//go:build unix

// Command bench times pmvi's CPU engine on the EG3D parity fixtures' tiny network and on the hot kernels at the
// network's shapes, and prints each figure next to its reference: the PyTorch CPU timings stored with the
// fixtures (tiny/timings.json, measured with the official code) and stock GoMLX simplego.
//
//	go run ./scripts/bench                      # everything, about 5 minutes on 2 cores
//	go run ./scripts/bench -run fixture/fwd     # only cases whose name contains the text
//	go run ./scripts/bench -cpuprofile cpu.out -run fixture/fwd+bwd
//	go run ./scripts/bench -json scripts/bench/results/today.json
//	go run ./scripts/bench -config cpu:gemm=avx2 -run cpu/conv
//	go run ./scripts/bench -run tiny -opstats 30   # where the embedded model's inversion step spends its time
//	go run ./scripts/bench -run tiny -baseline cpu:stock=all -repeat 7   # against the engine's older paths
//
// The machine is usually shared: every case reports the median of -repeat runs after one warm-up, and the
// load average before and after, so noisy figures can be recognized.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"
)

func main() {
	run := flag.String("run", "", "only run cases whose name contains this text")
	repeat := flag.Int("repeat", 3, "timed runs per case (median reported)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the timed runs to this file")
	memProfile := flag.String("memprofile", "", "write a heap profile at the end to this file")
	jsonOut := flag.String("json", "", "also write the results to this JSON file")
	config := flag.String("config", "cpu", "configuration of the pmvi backend (see backend.New), e.g. cpu:ops_parallel")
	baseline := flag.String("baseline", "", "a second engine configuration (e.g. cpu:stock=all) that cases marked so time too, alternating runs")
	opStats := flag.Int("opstats", 0, "print the N op kinds that took longest in each case (adds the backend option op_stats)")
	flag.Parse()
	if *opStats > 0 {
		sep := ":"
		if strings.Contains(*config, ":") {
			sep = ","
		}
		*config += sep + "op_stats"
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fatal(err)
		}
		defer pprof.StopCPUProfile()
	}

	env := newEnv(*repeat, *config, *baseline)
	fmt.Printf("pmvi CPU engine benchmark: %d CPUs, GOMAXPROCS %d, %s\n", runtime.NumCPU(), runtime.GOMAXPROCS(0), time.Now().Format(time.RFC3339))
	var results []result
	for _, c := range cases() {
		if *run != "" && !strings.Contains(c.name, *run) {
			continue
		}
		r, err := c.fn(env)
		if err != nil {
			fmt.Printf("%-40s FAILED: %v\n", c.name, err)
			continue
		}
		r.Name = c.name
		r.print()
		if *opStats > 0 {
			printOpStats(env.cpu, *opStats, *repeat+1) // The timed runs and the warm-up.
		}
		results = append(results, r)
	}
	if *memProfile != "" {
		f, err := os.Create(*memProfile)
		if err != nil {
			fatal(err)
		}
		if err := pprof.WriteHeapProfile(f); err != nil {
			fatal(err)
		}
		f.Close()
	}
	if *jsonOut != "" {
		data, err := json.MarshalIndent(map[string]any{"time": time.Now().Format(time.RFC3339), "cpus": runtime.NumCPU(), "results": results}, "", " ")
		if err != nil {
			fatal(err)
		}
		if err := os.WriteFile(*jsonOut, data, 0o644); err != nil {
			fatal(err)
		}
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}
