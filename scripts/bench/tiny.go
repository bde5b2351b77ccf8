//go:build unix

package main

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/pmvi/pmvi/pkg/backend/cpu"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/eg3d"
)

// tinyInversion times one stage-1 inversion step of the embedded model (eg3d.Tiny, randomly initialized):
// synthesis at the front camera and the gradient of mean(image²) with respect to W+, the work of
// pkg/eg3d's BenchmarkTinyInversionStep.
// With -baseline, the baseline engine's runs alternate with these.
func (e *env) tinyInversion() (result, error) {
	cfg := eg3d.Tiny()
	step := func(be backends.Backend) (func() ([]*tensors.Tensor, error), error) {
		gen, err := eg3d.New(cfg, 0) // One per engine: a tensor lives on one backend; same seed, same weights.
		if err != nil {
			return nil, err
		}
		exec, err := context.NewExec(be, gen.Context.Reuse(), func(ctx *context.Context, ws, c *Node) []*Node {
			out := eg3d.Synthesis(ctx, &cfg, ws, c, eg3d.RenderOptions{Deterministic: true})
			loss := ReduceAllMean(Square(out.Image))
			return []*Node{loss, Gradient(loss, ws)[0]}
		})
		if err != nil {
			return nil, err
		}
		ws := tensors.FromFlatDataAndDimensions(make([]float32, cfg.NumWS()*cfg.WDim), 1, cfg.NumWS(), cfg.WDim)
		c := tensors.FromFlatDataAndDimensions(camera.At(0.1, 0).Label(), 1, camera.LabelSize)
		return func() ([]*tensors.Tensor, error) { return exec.Exec(ws, c) }, nil
	}
	run, err := step(e.cpu)
	if err != nil {
		return result{}, err
	}
	if e.baseline == nil {
		return e.time(run)
	}
	base, err := step(e.baseline)
	if err != nil {
		return result{}, err
	}
	return e.timeAlternating(run, base)
}

// timeAlternating is time for two functions whose runs alternate, so both see the same machine load; the
// second's figures go to Baseline.
func (e *env) timeAlternating(fn, base func() ([]*tensors.Tensor, error)) (result, error) {
	var rs [2]result
	var cpu [2][]float64
	fns := [2]func() ([]*tensors.Tensor, error){fn, base}
	rs[0].LoadAvg[0] = loadAvg()
	for i, f := range fns { // Warm-up: compilation.
		outs, err := f()
		if err != nil {
			return rs[0], err
		}
		rs[i].Checksum = checksum(outs)
		finalize(outs)
	}
	for range e.repeat {
		for i, f := range fns {
			start, startCPU := time.Now(), cpuTime()
			outs, err := f()
			if err != nil {
				return rs[0], err
			}
			rs[i].Runs = append(rs[i].Runs, time.Since(start).Seconds())
			cpu[i] = append(cpu[i], cpuTime()-startCPU)
			finalize(outs)
		}
	}
	for i := range rs {
		slices.Sort(cpu[i])
		rs[i].CPUSeconds = cpu[i][len(cpu[i])/2]
		sorted := slices.Clone(rs[i].Runs)
		slices.Sort(sorted)
		rs[i].Seconds = sorted[len(sorted)/2]
	}
	rs[0].LoadAvg[1] = loadAvg()
	rs[1].LoadAvg = rs[0].LoadAvg
	rs[0].Baseline = &rs[1]
	return rs[0], nil
}

// printOpStats prints the n op types and the n op kinds that took the most CPU time over runs executions, per
// execution, if the backend accounts them (option op_stats), and resets the accounting.
func printOpStats(be any, n, runs int) {
	b, ok := be.(*cpu.Backend)
	if !ok {
		return
	}
	stats := b.OpStats()
	b.ResetOpStats()
	slices.SortFunc(stats, func(a, b cpu.OpStat) int { return cmp.Compare(b.CPU, a.CPU) })
	runs = max(runs, 1)
	perRun := func(d time.Duration) float64 { return d.Seconds() * 1e3 / float64(runs) }
	var total, totalCPU time.Duration
	var bytes int64
	type sum struct {
		wall, cpu time.Duration
		calls     int
		bytes     int64
	}
	byOp := map[backends.OpType]*sum{}
	var ops []backends.OpType
	for _, s := range stats {
		total += s.Duration
		totalCPU += s.CPU
		bytes += s.Bytes * int64(s.Calls)
		t := byOp[s.Op]
		if t == nil {
			t = &sum{}
			byOp[s.Op] = t
			ops = append(ops, s.Op)
		}
		t.wall += s.Duration
		t.cpu += s.CPU
		t.calls += s.Calls
		t.bytes += s.Bytes * int64(s.Calls)
	}
	fmt.Printf("  ops: %d kinds; per run %.1f ms wall, %.1f ms CPU, %.0f MiB read and written\n", len(stats),
		perRun(total), perRun(totalCPU), float64(bytes)/float64(runs)/(1<<20))
	fmt.Println("   CPU ms     %    wall ms     MiB  calls  op")
	slices.SortFunc(ops, func(a, b backends.OpType) int { return cmp.Compare(byOp[b].cpu, byOp[a].cpu) })
	for i, op := range ops {
		if i == n {
			break
		}
		t := byOp[op]
		fmt.Printf("  %7.1f %5.1f%% %8.1f %7.0f %6d  %s\n", perRun(t.cpu), 100*t.cpu.Seconds()/totalCPU.Seconds(),
			perRun(t.wall), float64(t.bytes)/float64(runs)/(1<<20), t.calls/runs, op)
	}
	kinds := func(title string) {
		fmt.Println(title)
		fmt.Println("   CPU ms     %    wall ms     MiB  GB/s(CPU)  calls  op and shapes")
		for i, s := range stats {
			if i == n {
				break
			}
			moved := float64(s.Bytes) * float64(s.Calls) / float64(runs)
			fmt.Printf("  %7.1f %5.1f%% %8.1f %7.0f %9.1f %6d  %s %s\n", perRun(s.CPU), 100*s.CPU.Seconds()/totalCPU.Seconds(),
				perRun(s.Duration), moved/(1<<20), moved/max(perRun(s.CPU)/1e3, 1e-9)/1e9, s.Calls/runs, s.Op, s.Shape)
		}
	}
	kinds("  op kinds by CPU time:")
	slices.SortFunc(stats, func(a, b cpu.OpStat) int { return cmp.Compare(b.Bytes*int64(b.Calls), a.Bytes*int64(a.Calls)) })
	kinds("  op kinds by bytes read and written:")
}
