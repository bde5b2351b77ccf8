//go:build !amd64

package cpu

import "github.com/gomlx/gomlx/backends"

// simdUnaryFloat32 returns nil: there are no vector versions of the fastmath.go loops on this architecture.
func simdUnaryFloat32() map[string]func(in, out []float32) { return nil }

// addRows reports false: there are no vector row loops on this architecture.
func addRows(dst, src []float32, rows []int32, runLen int) bool { return false }

// binaryRuns, broadcastRuns and sumColumns report false: there are no vector run loops on this architecture.
func binaryRuns(op backends.OpType, v int, out, x, y []float32, b *ewBlock) bool { return false }

func broadcastRuns(fill bool, out, in []uint32, b *ewBlock) bool { return false }

func sumColumns(out, in []float32, rows, reduced, inner int) bool { return false }

// hasAVX2 is false: no vector loops.
var hasAVX2 = false
