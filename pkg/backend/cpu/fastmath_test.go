package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// ulpDiff returns how many float32 steps got is from want (float64, rounded to float32 first): 0 when equal,
// both NaN, or equal infinities.
func ulpDiff(got float32, want float64) float64 {
	w := float32(want)
	switch {
	case got == w || (got != got && w != w):
		return 0
	case got != got || w != w || math.IsInf(float64(got), 0) || math.IsInf(float64(w), 0):
		return math.Inf(1)
	}
	// The ordered integer line of float32s: negative floats map below zero.
	ord := func(f float32) int64 {
		b := int64(math.Float32bits(f))
		if b&(1<<31) != 0 {
			return -(b &^ (1 << 31))
		}
		return b
	}
	return math.Abs(float64(ord(got) - ord(w)))
}

// mathCases are the float32 functions checked against float64 math, each with the ulp budget it must meet and
// the argument range its fast path covers (the rest is checked too, as special values).
var mathCases = []struct {
	name    string
	f32     func(float32) float32
	slice   func(in, out []float32)
	f64     func(float64) float64
	lo, hi  float64
	maxUlps float64
}{
	{"exp", exp32, expSlice32, math.Exp, -104, 89, 1},
	{"log", log32, logSlice32, math.Log, 0, 1e38, 1},
	{"log1p", log1p32, log1pSlice32, math.Log1p, -1, 1e38, 2},
	{"logistic", logistic32, logisticSlice32, logistic64, -104, 104, 2},
	{"tanh", tanh32, tanhSlice32, math.Tanh, -10, 10, 2},
}

// specialArgs are the arguments every function is checked at.
var specialArgs = []float32{
	0, float32(math.Copysign(0, -1)), 1, -1, 0.5, -0.5, 2, 1e-45, -1e-45, 1e-38, 1.1754944e-38, 1e-30, -1e-30,
	1e-8, -1e-8, 5.9604645e-08, -5.9604645e-08, 0.625, -0.625, 0.6249999, 9, -9, 87, -87, 87.00001, -87.00001,
	88.72283, 88.72284, 89, -103.97, -103.98, -104, 1e10, -1e10, math.MaxFloat32, -math.MaxFloat32,
	float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), -0.99999994, -0.9999999, 0.70710677,
	0.7071068, 1.4142135, 1.4142137,
}

func TestFastMathAccuracy(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	n := 2_000_000
	if testing.Short() {
		n = 200_000
	}
	for _, c := range mathCases {
		t.Run(c.name, func(t *testing.T) {
			args := append([]float32(nil), specialArgs...)
			for range n {
				// Uniform over the range, and log-uniform magnitudes (every exponent) of both signs.
				args = append(args, float32(c.lo+(c.hi-c.lo)*rng.Float64()))
				m := math.Float32frombits(rng.Uint32() &^ (1 << 31))
				if rng.IntN(2) == 0 {
					m = -m
				}
				args = append(args, m)
			}
			// Every float32 in the interval around 0 where reductions switch branches.
			for b := math.Float32bits(0.5); b <= math.Float32bits(0.75); b += 97 {
				args = append(args, math.Float32frombits(b), -math.Float32frombits(b))
			}
			impls := map[string]func(in, out []float32){"go": c.slice}
			if f := simdUnaryFloat32()[c.name]; f != nil {
				impls["simd"] = f
			}
			for impl, fn := range impls {
				// Misaligned starts and lengths that are not a multiple of 8 exercise the vector loops' tails.
				in := args[3:]
				out := make([]float32, len(in))
				fn(in, out)
				worst, worstArg := 0.0, float32(0)
				for i, x := range in {
					if impl == "go" && math.Float32bits(c.f32(x)) != math.Float32bits(out[i]) && !(out[i] != out[i]) {
						t.Fatalf("%s(%g): scalar %g, slice %g", c.name, x, c.f32(x), out[i])
					}
					if d := ulpDiff(out[i], c.f64(float64(x))); d > worst {
						worst, worstArg = d, x
					}
				}
				t.Logf("%s/%s: %d arguments, worst %g ulp at %g", c.name, impl, len(in), worst, worstArg)
				if worst > c.maxUlps {
					t.Errorf("%s/%s: %g ulp at x=%g (want %g), budget %g", c.name, impl, worst, worstArg,
						float32(c.f64(float64(worstArg))), c.maxUlps)
				}
			}
		})
	}
}

func TestFastMathSpecialValues(t *testing.T) {
	// Special values must come out as the stock (float64 math) executors give them: bit for bit.
	stock := map[string]func(in, out []float32){
		"exp": execExpGeneric[float32], "log": execLogGeneric[float32], "log1p": execLog1pGeneric[float32],
		"logistic": execLogisticGeneric[float32], "tanh": execTanhGeneric[float32],
	}
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	args := []float32{inf, -inf, nan, 0, float32(math.Copysign(0, -1)), -1, -2, 1e-45, -1e-45, 100, -200}
	// Each special value in every lane position of a group of 8, among ordinary values.
	var all []float32
	for _, x := range args {
		for lane := range 8 {
			group := []float32{0.5, -0.25, 3, 1, 2, 0.125, 7, 0.75}
			group[lane] = x
			all = append(all, group...)
		}
	}
	for _, c := range mathCases {
		impls := map[string]func(in, out []float32){"go": c.slice}
		if f := simdUnaryFloat32()[c.name]; f != nil {
			impls["simd"] = f
		}
		for impl, fn := range impls {
			got, want := make([]float32, len(all)), make([]float32, len(all))
			fn(all, got)
			stock[c.name](all, want)
			for i, x := range all {
				if !slices.Contains(args, x) && !(x != x) {
					continue
				}
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(got[i] != got[i] && want[i] != want[i]) {
					t.Errorf("%s/%s(%g) = %g, stock %g", c.name, impl, x, got[i], want[i])
				}
			}
		}
	}
}

func TestSignAbsSlice32(t *testing.T) {
	nan := float32(math.NaN())
	args := []float32{-2, -1e-45, float32(math.Copysign(0, -1)), 0, 1e-45, 3, nan, float32(math.Inf(-1))}
	for len(args) < 21 { // Lengths past a group of 8, and not a multiple of 8: the vector loop's tail.
		args = append(args, args...)
	}
	args = args[:21]
	got, want := make([]float32, len(args)), make([]float32, len(args))
	execSignGeneric(args, want)
	impls := map[string]func(in, out []float32){"go": signSlice32}
	if f := simdUnaryFloat32()["sign"]; f != nil {
		impls["simd"] = f
	}
	for impl, fn := range impls {
		fn(args, got)
		for i := range args {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Errorf("%s: sign(%g) = %g, stock %g", impl, args[i], got[i], want[i])
			}
		}
	}
	absSlice32(args, got)
	execAbsGeneric(args, want)
	for i := range args {
		if got[i] != want[i] && !(got[i] != got[i] && want[i] != want[i]) {
			t.Errorf("abs(%g) = %g, stock %g", args[i], got[i], want[i])
		}
	}
}

func BenchmarkFastMath(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	in, out := make([]float32, 1<<16), make([]float32, 1<<16)
	for i := range in {
		in[i] = float32(rng.NormFloat64() * 4)
	}
	pos := make([]float32, len(in))
	for i, x := range in {
		pos[i] = float32(math.Abs(float64(x))) + 1e-3
	}
	for _, c := range []struct {
		name        string
		fast, stock func(in, out []float32)
		args        []float32
	}{
		{"exp", expSlice32, execExpGeneric[float32], in},
		{"log", logSlice32, execLogGeneric[float32], pos},
		{"log1p", log1pSlice32, execLog1pGeneric[float32], pos},
		{"logistic", logisticSlice32, execLogisticGeneric[float32], in},
		{"tanh", tanhSlice32, execTanhGeneric[float32], in},
		{"sign", signSlice32, execSignGeneric[float32], in},
		{"abs", absSlice32, execAbsGeneric[float32], in},
	} {
		for _, v := range []struct {
			kind string
			fn   func(in, out []float32)
		}{{"fast", c.fast}, {"stock", c.stock}} {
			b.Run(fmt.Sprintf("%s/%s", c.name, v.kind), func(b *testing.B) {
				for range b.N {
					v.fn(c.args, out)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(in)), "ns/elem")
			})
		}
	}
}
