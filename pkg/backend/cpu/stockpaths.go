package cpu

import (
	"fmt"
	"strings"
)

// stockPaths lists the fast executors switched back to the stock (or previous) implementation with the backend
// option stock=NAME, so benchmarks can compare both in one process and tests can check one against the other.
type stockPaths struct {
	math      bool // Exp, Log, Log1p, Logistic, Tanh through float64 math (fastmath.go).
	simd      bool // fastmath.go's scalar Go loops instead of their vector versions (fastmath_amd64.s).
	reduce    bool // ReduceSum/Max/Min through the stock index iterator (exec_fast_reduce.go).
	shortRuns bool // Element-wise ops one run at a time, however short the runs (exec_fast.go).
	scatter   bool // The row ScatterSum scanning every index per worker (exec_fast_movement.go).
	transpose bool // Transpose through the stock index iterator (exec_fast_transpose.go).
	dotDirect bool // DotGeneral of small or batched small matrices through the stock executor (dotgeneral_direct.go).
}

// stockPathNames are the values of the option stock=.
const stockPathNames = "math|simd|reduce|shortruns|scatter|transpose|dotdirect|all"

func (s *stockPaths) set(name string) error {
	switch strings.ToLower(name) {
	case "math":
		s.math = true
	case "simd":
		s.simd = true
	case "reduce":
		s.reduce = true
	case "shortruns":
		s.shortRuns = true
	case "scatter":
		s.scatter = true
	case "transpose":
		s.transpose = true
	case "dotdirect":
		s.dotDirect = true
	case "all":
		*s = stockPaths{math: true, simd: true, reduce: true, shortRuns: true, scatter: true, transpose: true, dotDirect: true}
	default:
		return fmt.Errorf("stock=%q: want one of %s", name, stockPathNames)
	}
	return nil
}
