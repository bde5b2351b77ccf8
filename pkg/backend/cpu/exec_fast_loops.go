package cpu

// Inner loops of the float32 element-wise executors (exec_fast.go), one per op and operand pattern: vv (both
// operands run along the output), vs (rhs fixed), sv (lhs fixed). Written out so each is a plain loop.

import "github.com/gomlx/gomlx/backends"

// binaryLoopsFloat32 holds, per op, the vv, vs and sv loops.
var binaryLoopsFloat32 = map[backends.OpType][3]func(out, x, y []float32){
	backends.OpTypeAdd: {
		func(out, x, y []float32) {
			x, y = x[:len(out)], y[:len(out)]
			for i := range out {
				a, b := x[i], y[i]
				out[i] = a + b
			}
		},
		func(out, x, y []float32) {
			x, b := x[:len(out)], y[0]
			for i := range out {
				a := x[i]
				out[i] = a + b
			}
		},
		func(out, x, y []float32) {
			a, y := x[0], y[:len(out)]
			for i := range out {
				b := y[i]
				out[i] = a + b
			}
		},
	},
	backends.OpTypeSub: {
		func(out, x, y []float32) {
			x, y = x[:len(out)], y[:len(out)]
			for i := range out {
				a, b := x[i], y[i]
				out[i] = a - b
			}
		},
		func(out, x, y []float32) {
			x, b := x[:len(out)], y[0]
			for i := range out {
				a := x[i]
				out[i] = a - b
			}
		},
		func(out, x, y []float32) {
			a, y := x[0], y[:len(out)]
			for i := range out {
				b := y[i]
				out[i] = a - b
			}
		},
	},
	backends.OpTypeMul: {
		func(out, x, y []float32) {
			x, y = x[:len(out)], y[:len(out)]
			for i := range out {
				a, b := x[i], y[i]
				out[i] = a * b
			}
		},
		func(out, x, y []float32) {
			x, b := x[:len(out)], y[0]
			for i := range out {
				a := x[i]
				out[i] = a * b
			}
		},
		func(out, x, y []float32) {
			a, y := x[0], y[:len(out)]
			for i := range out {
				b := y[i]
				out[i] = a * b
			}
		},
	},
	backends.OpTypeDiv: {
		func(out, x, y []float32) {
			x, y = x[:len(out)], y[:len(out)]
			for i := range out {
				a, b := x[i], y[i]
				out[i] = a / b
			}
		},
		func(out, x, y []float32) {
			x, b := x[:len(out)], y[0]
			for i := range out {
				a := x[i]
				out[i] = a / b
			}
		},
		func(out, x, y []float32) {
			a, y := x[0], y[:len(out)]
			for i := range out {
				b := y[i]
				out[i] = a / b
			}
		},
	},
	backends.OpTypeMax: {
		func(out, x, y []float32) {
			x, y = x[:len(out)], y[:len(out)]
			for i := range out {
				a, b := x[i], y[i]
				out[i] = max(a, b)
			}
		},
		func(out, x, y []float32) {
			x, b := x[:len(out)], y[0]
			for i := range out {
				a := x[i]
				out[i] = max(a, b)
			}
		},
		func(out, x, y []float32) {
			a, y := x[0], y[:len(out)]
			for i := range out {
				b := y[i]
				out[i] = max(a, b)
			}
		},
	},
	backends.OpTypeMin: {
		func(out, x, y []float32) {
			x, y = x[:len(out)], y[:len(out)]
			for i := range out {
				a, b := x[i], y[i]
				out[i] = min(a, b)
			}
		},
		func(out, x, y []float32) {
			x, b := x[:len(out)], y[0]
			for i := range out {
				a := x[i]
				out[i] = min(a, b)
			}
		},
		func(out, x, y []float32) {
			a, y := x[0], y[:len(out)]
			for i := range out {
				b := y[i]
				out[i] = min(a, b)
			}
		},
	},
}

// compareLoopsFloat32 holds, per comparison, the vv, vs and sv loops.
var compareLoopsFloat32 = map[backends.OpType][3]func(out []bool, x, y []float32){
	backends.OpTypeGreaterOrEqual: {
		func(out []bool, x, y []float32) {
			x, y = x[:len(out)], y[:len(out)]
			for i := range out {
				out[i] = x[i] >= y[i]
			}
		},
		func(out []bool, x, y []float32) {
			x, b := x[:len(out)], y[0]
			for i := range out {
				out[i] = x[i] >= b
			}
		},
		func(out []bool, x, y []float32) {
			a, y := x[0], y[:len(out)]
			for i := range out {
				out[i] = a >= y[i]
			}
		},
	},
	backends.OpTypeGreaterThan: {
		func(out []bool, x, y []float32) {
			x, y = x[:len(out)], y[:len(out)]
			for i := range out {
				out[i] = x[i] > y[i]
			}
		},
		func(out []bool, x, y []float32) {
			x, b := x[:len(out)], y[0]
			for i := range out {
				out[i] = x[i] > b
			}
		},
		func(out []bool, x, y []float32) {
			a, y := x[0], y[:len(out)]
			for i := range out {
				out[i] = a > y[i]
			}
		},
	},
	backends.OpTypeLessOrEqual: {
		func(out []bool, x, y []float32) {
			x, y = x[:len(out)], y[:len(out)]
			for i := range out {
				out[i] = x[i] <= y[i]
			}
		},
		func(out []bool, x, y []float32) {
			x, b := x[:len(out)], y[0]
			for i := range out {
				out[i] = x[i] <= b
			}
		},
		func(out []bool, x, y []float32) {
			a, y := x[0], y[:len(out)]
			for i := range out {
				out[i] = a <= y[i]
			}
		},
	},
	backends.OpTypeLessThan: {
		func(out []bool, x, y []float32) {
			x, y = x[:len(out)], y[:len(out)]
			for i := range out {
				out[i] = x[i] < y[i]
			}
		},
		func(out []bool, x, y []float32) {
			x, b := x[:len(out)], y[0]
			for i := range out {
				out[i] = x[i] < b
			}
		},
		func(out []bool, x, y []float32) {
			a, y := x[0], y[:len(out)]
			for i := range out {
				out[i] = a < y[i]
			}
		},
	},
	backends.OpTypeEqual: {
		func(out []bool, x, y []float32) {
			x, y = x[:len(out)], y[:len(out)]
			for i := range out {
				out[i] = x[i] == y[i]
			}
		},
		func(out []bool, x, y []float32) {
			x, b := x[:len(out)], y[0]
			for i := range out {
				out[i] = x[i] == b
			}
		},
		func(out []bool, x, y []float32) {
			a, y := x[0], y[:len(out)]
			for i := range out {
				out[i] = a == y[i]
			}
		},
	},
	backends.OpTypeNotEqual: {
		func(out []bool, x, y []float32) {
			x, y = x[:len(out)], y[:len(out)]
			for i := range out {
				out[i] = x[i] != y[i]
			}
		},
		func(out []bool, x, y []float32) {
			x, b := x[:len(out)], y[0]
			for i := range out {
				out[i] = x[i] != b
			}
		},
		func(out []bool, x, y []float32) {
			a, y := x[0], y[:len(out)]
			for i := range out {
				out[i] = a != y[i]
			}
		},
	},
}
