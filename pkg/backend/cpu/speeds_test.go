package cpu

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// TestKernelSpeeds prints, for the executors this package speeds up, the time of the fast path next to the
// path it replaced (a backend option switches it back), at EG3D's shapes. The machine is usually shared, so
// the runs of the two alternate and each figure is the minimum over the runs, wall and CPU time (all threads).
// It only runs when PMVI_KERNEL_SPEEDS is set (e.g. PMVI_KERNEL_SPEEDS=1 go test -run KernelSpeeds -v);
// PMVI_KERNEL_SPEEDS=Log1p runs the cases whose name contains the text.
func TestKernelSpeeds(t *testing.T) {
	filter := os.Getenv("PMVI_KERNEL_SPEEDS")
	if filter == "" {
		t.Skip("set PMVI_KERNEL_SPEEDS=1 to time the kernels")
	}
	if filter == "1" {
		filter = ""
	}
	f32 := func(dims ...int) shapes.Shape { return shapes.Make(dtypes.Float32, dims...) }
	type speedCase struct {
		name    string
		configs [2]string // Fast, old.
		build   func(bld backends.Builder, p []backends.Op) (backends.Op, error)
		inputs  []shapes.Shape
		fill    func(*rand.Rand, *Buffer)
	}
	unary := func(op backends.OpType) func(bld backends.Builder, p []backends.Op) (backends.Op, error) {
		return func(bld backends.Builder, p []backends.Op) (backends.Op, error) {
			switch op {
			case backends.OpTypeExp:
				return bld.Exp(p[0])
			case backends.OpTypeLog:
				return bld.Log(p[0])
			case backends.OpTypeLog1p:
				return bld.Log1p(p[0])
			case backends.OpTypeLogistic:
				return bld.Logistic(p[0])
			case backends.OpTypeTanh:
				return bld.Tanh(p[0])
			case backends.OpTypeSign:
				return bld.Sign(p[0])
			default:
				return bld.Abs(p[0])
			}
		}
	}
	normal := func(scale float64, abs bool) func(*rand.Rand, *Buffer) {
		return func(rng *rand.Rand, buf *Buffer) {
			for i := range buf.flat.([]float32) {
				v := rng.NormFloat64() * scale
				if abs && v < 0 {
					v = -v
				}
				buf.flat.([]float32)[i] = float32(v)
			}
		}
	}
	hidden := f32(98304, 32) // The decoder's hidden layer: 2 passes x 64x64 rays x 24 samples, 32 features.
	var cases []speedCase
	for _, c := range []struct {
		op   backends.OpType
		fill func(*rand.Rand, *Buffer)
	}{
		{backends.OpTypeExp, normal(3, false)}, {backends.OpTypeLog, normal(3, true)},
		{backends.OpTypeLog1p, normal(0.3, true)}, {backends.OpTypeLogistic, normal(3, false)},
		{backends.OpTypeTanh, normal(3, false)}, {backends.OpTypeSign, normal(3, false)},
		{backends.OpTypeAbs, normal(3, false)},
	} {
		cases = append(cases, speedCase{fmt.Sprintf("%s %s", c.op, hidden), [2]string{"", "stock=math"}, unary(c.op), []shapes.Shape{hidden}, c.fill})
	}
	if cpuHasSIMDMath := len(simdUnaryFloat32()) > 0; cpuHasSIMDMath {
		for _, op := range []backends.OpType{backends.OpTypeExp, backends.OpTypeLog1p, backends.OpTypeLogistic} {
			cases = append(cases, speedCase{fmt.Sprintf("%s %s vs scalar Go", op, hidden), [2]string{"", "stock=simd"}, unary(op), []shapes.Shape{hidden}, normal(0.3, true)})
		}
	}
	reduce := func(axes ...int) func(bld backends.Builder, p []backends.Op) (backends.Op, error) {
		return func(bld backends.Builder, p []backends.Op) (backends.Op, error) { return bld.ReduceSum(p[0], axes...) }
	}
	for _, c := range []struct {
		dims, axes []int
	}{{[]int{1, 98304, 4, 16}, []int{2}}, {[]int{1, 3, 98304, 16}, []int{1}}, {[]int{1, 32, 128, 128}, []int{0, 2, 3}}, {[]int{98304, 32}, []int{0}}} {
		cases = append(cases, speedCase{fmt.Sprintf("ReduceSum %v %v", c.dims, c.axes), [2]string{"", "stock=reduce"}, reduce(c.axes...), []shapes.Shape{f32(c.dims...)}, nil})
	}
	taps := f32(1, 98304, 4, 16)
	cases = append(cases,
		speedCase{"Mul [1,98304,4,16] x [1,98304,4,1]", [2]string{"", "stock=shortruns"}, func(bld backends.Builder, p []backends.Op) (backends.Op, error) {
			return bld.Mul(p[0], p[1])
		}, []shapes.Shape{taps, f32(1, 98304, 4, 1)}, nil},
		speedCase{"BroadcastInDim [1,98304,4,1] -> [1,98304,4,16]", [2]string{"", "stock=shortruns"}, func(bld backends.Builder, p []backends.Op) (backends.Op, error) {
			return bld.BroadcastInDim(p[0], taps, []int{0, 1, 2, 3})
		}, []shapes.Shape{f32(1, 98304, 4, 1)}, nil},
		speedCase{"BroadcastInDim [1,98304,1,16] -> [1,98304,4,16]", [2]string{"", "stock=shortruns"}, func(bld backends.Builder, p []backends.Op) (backends.Op, error) {
			return bld.BroadcastInDim(p[0], taps, []int{0, 1, 2, 3})
		}, []shapes.Shape{f32(1, 98304, 1, 16)}, nil},
	)
	dot := func(lc, lb, rc, rb []int) func(bld backends.Builder, p []backends.Op) (backends.Op, error) {
		return func(bld backends.Builder, p []backends.Op) (backends.Op, error) {
			return bld.DotGeneral(p[0], lc, lb, p[1], rc, rb)
		}
	}
	for _, c := range []struct {
		name           string
		lhs, rhs       shapes.Shape
		lc, lb, rc, rb []int
	}{
		{"[98304,32]x[17,32]", f32(98304, 32), f32(17, 32), []int{1}, nil, []int{1}, nil},
		{"[98304,32]x[32,16]", f32(98304, 32), f32(32, 16), []int{1}, nil, []int{0}, nil},
		{"[98304,16]x[32,16]", f32(98304, 16), f32(32, 16), []int{1}, nil, []int{1}, nil},
	} {
		cases = append(cases, speedCase{"DotGeneral " + c.name + " vs AVX-512 only", [2]string{"", "gemm=avx512"}, dot(c.lc, c.lb, c.rc, c.rb), []shapes.Shape{c.lhs, c.rhs}, nil})
	}
	cases = append(cases,
		speedCase{"DotGeneral batched 4096 x [1,16]x[16,47]", [2]string{"", "stock=dotdirect"}, dot([]int{2}, []int{1}, []int{2}, []int{1}),
			[]shapes.Shape{f32(1, 4096, 16), f32(1, 4096, 16, 47)}, nil},
		speedCase{"DotGeneral batched 4096 x [16,1]x[1,47]", [2]string{"", "stock=dotdirect"}, dot(nil, []int{1}, nil, []int{1}),
			[]shapes.Shape{f32(1, 4096, 16), f32(1, 4096, 47)}, nil},
	)
	transpose := func(perm ...int) func(bld backends.Builder, p []backends.Op) (backends.Op, error) {
		return func(bld backends.Builder, p []backends.Op) (backends.Op, error) { return bld.Transpose(p[0], perm...) }
	}
	cases = append(cases,
		speedCase{"Transpose [1,4096,48,16] [0 1 3 2]", [2]string{"", "stock=transpose"}, transpose(0, 1, 3, 2), []shapes.Shape{f32(1, 4096, 48, 16)}, nil},
		speedCase{"Transpose [1,3,64,64,16] [0 1 4 2 3]", [2]string{"", "stock=transpose"}, transpose(0, 1, 4, 2, 3), []shapes.Shape{f32(1, 3, 64, 64, 16)}, nil},
		speedCase{"Transpose [512,512,32] [1 0 2]", [2]string{"", "stock=transpose"}, transpose(1, 0, 2), []shapes.Shape{f32(512, 512, 32)}, nil},
	)
	scatter := func(bld backends.Builder, p []backends.Op) (backends.Op, error) {
		return bld.ScatterSum(p[0], p[1], p[2], 1, []int{1}, []int{0}, []int{0}, false, false)
	}
	cases = append(cases, speedCase{"ScatterSum 393216 rows of 16 into [12288,16]", [2]string{"", "stock=scatter"}, scatter,
		[]shapes.Shape{f32(12288, 16), shapes.Make(dtypes.Int32, 393216, 1), f32(393216, 16)},
		func(rng *rand.Rand, buf *Buffer) {
			if idx, ok := buf.flat.([]int32); ok {
				for i := range idx {
					idx[i] = int32(rng.IntN(12288))
				}
				return
			}
			fillRandom(rng, buf)
		}})

	const runs = 15
	fmt.Printf("%-58s %21s %21s %8s\n", "case", "fast: wall / CPU ms", "old: wall / CPU ms", "speedup")
	for _, c := range cases {
		if filter != "" && !strings.Contains(c.name, filter) {
			continue
		}
		var execs [2]func() time.Duration
		for v, config := range c.configs {
			be, err := New(config)
			if err != nil {
				t.Fatal(err)
			}
			defer be.Finalize()
			bk := be.(*Backend)
			bld := be.Builder(c.name)
			var params []backends.Op
			var inputs []backends.Buffer
			rng := rand.New(rand.NewPCG(1, 2))
			for i, s := range c.inputs {
				p, err := bld.Parameter(fmt.Sprintf("p%d", i), s, nil)
				if err != nil {
					t.Fatal(err)
				}
				params = append(params, p)
				buf := bk.getBufferForShape(s)
				fill := c.fill
				if fill == nil {
					fill = fillRandom
				}
				fill(rng, buf)
				inputs = append(inputs, buf)
			}
			out, err := c.build(bld, params)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			exec, err := bld.Compile([]backends.Op{out}, nil)
			if err != nil {
				t.Fatal(err)
			}
			execs[v] = func() time.Duration {
				outs, err := exec.Execute(inputs, nil, 0)
				if err != nil {
					t.Fatal(err)
				}
				bk.putBuffer(outs[0].(*Buffer))
				return 0
			}
		}
		var wall, cpu [2][]time.Duration
		for r := range runs + 1 {
			for v := range 2 {
				start, startCPU := time.Now(), processCPUTime()
				execs[v]()
				if r > 0 { // The first is a warm-up.
					wall[v] = append(wall[v], time.Since(start))
					cpu[v] = append(cpu[v], processCPUTime()-startCPU)
				}
			}
		}
		ms := func(d []time.Duration) float64 { return slices.Min(d).Seconds() * 1e3 }
		fmt.Printf("%-58s %9.2f / %9.2f %9.2f / %9.2f %7.1fx\n", c.name, ms(wall[0]), ms(cpu[0]), ms(wall[1]), ms(cpu[1]), ms(cpu[1])/ms(cpu[0]))
	}
}
