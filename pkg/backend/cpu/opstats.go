package cpu

// Per-op timing, for finding what a graph spends its time on: with the option op_stats, every op executed in
// sequential mode is timed and accounted under its kind (op type, operand and output shapes, and the axes or
// permutation it was given), so a model's step can be broken down without a sampling profiler.

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gomlx/gomlx/backends"
)

// OpStat is what the ops of one kind took over the executions since the last ResetOpStats.
type OpStat struct {
	Op    backends.OpType
	Shape string // "output <- inputs" shapes, then the op's axes or permutation where it has them.
	Calls int
	// Bytes is the memory an execution of one of these ops reads and writes: its operands' and output's sizes.
	Bytes    int64
	Duration time.Duration // Total wall time over all calls.
	// CPU is the process's CPU time (all threads) over all calls: on a shared machine it is what the op cost
	// when the wall time is inflated by other processes (Linux only; 0 elsewhere).
	CPU time.Duration
}

// opStats accumulates OpStat by kind; nil unless the backend was created with op_stats.
type opStats struct {
	mu    sync.Mutex
	kinds map[string]*OpStat
}

// OpStats returns the accounted op kinds, longest total duration first. It is empty unless the backend was
// created with the option op_stats.
func (b *Backend) OpStats() []OpStat {
	if b.opStats == nil {
		return nil
	}
	b.opStats.mu.Lock()
	defer b.opStats.mu.Unlock()
	var stats []OpStat
	for _, s := range b.opStats.kinds {
		stats = append(stats, *s)
	}
	slices.SortFunc(stats, func(a, b OpStat) int {
		return cmp.Or(cmp.Compare(b.Duration, a.Duration), strings.Compare(a.Shape, b.Shape))
	})
	return stats
}

// ResetOpStats forgets what OpStats has accounted so far.
func (b *Backend) ResetOpStats() {
	if b.opStats == nil {
		return
	}
	b.opStats.mu.Lock()
	b.opStats.kinds = nil
	b.opStats.mu.Unlock()
}

// add accounts one execution of node that took wall time d and CPU time cpu.
func (s *opStats) add(node *Node, d, cpu time.Duration) {
	var sb strings.Builder
	sb.WriteString(node.shape.String())
	bytes := int64(node.shape.Memory())
	sb.WriteString(" <-")
	for _, in := range node.inputs {
		sb.WriteByte(' ')
		sb.WriteString(in.shape.String())
		bytes += int64(in.shape.Memory())
	}
	switch node.opType {
	case backends.OpTypeReshape, backends.OpTypeIdentity:
		bytes = 0 // Views of their operand: nothing moves.
	}
	switch data := node.data.(type) {
	case []int:
		fmt.Fprintf(&sb, " %v", data)
	case *gatherNode:
		fmt.Fprintf(&sb, " slice %v", data.sliceSizes)
	}
	key := node.opType.String() + " " + sb.String()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.kinds == nil {
		s.kinds = map[string]*OpStat{}
	}
	st := s.kinds[key]
	if st == nil {
		st = &OpStat{Op: node.opType, Shape: sb.String(), Bytes: bytes}
		s.kinds[key] = st
	}
	st.Calls++
	st.Duration += d
	st.CPU += cpu
}
