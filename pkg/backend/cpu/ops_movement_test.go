package cpu

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// execOp builds a one-op graph on a fresh cpu backend and returns its output as []int32 (inputs are int32 so
// values are exact and the byte-level executors see a 4-byte element).
func execOp(t *testing.T, build func(b backends.Builder, x backends.Op) (backends.Op, error), dims []int, values []int32) ([]int32, []int) {
	t.Helper()
	be, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	defer be.Finalize()
	builder := be.Builder("op")
	x, err := builder.Parameter("x", shapes.Make(dtypes.Int32, dims...), nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := build(builder, x)
	if err != nil {
		t.Fatal(err)
	}
	exec, err := builder.Compile([]backends.Op{out}, nil)
	if err != nil {
		t.Fatal(err)
	}
	in, err := be.BufferFromFlatData(0, values, shapes.Make(dtypes.Int32, dims...))
	if err != nil {
		t.Fatal(err)
	}
	outputs, err := exec.Execute([]backends.Buffer{in}, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	shape, err := be.BufferShape(outputs[0])
	if err != nil {
		t.Fatal(err)
	}
	got := make([]int32, shape.Size())
	if err := be.BufferToFlatData(outputs[0], got); err != nil {
		t.Fatal(err)
	}
	return got, shape.Dimensions
}

// unflatten returns the multi-index of flat index i in dims.
func unflatten(i int, dims []int) []int {
	idx := make([]int, len(dims))
	for a := len(dims) - 1; a >= 0; a-- {
		idx[a] = i % dims[a]
		i /= dims[a]
	}
	return idx
}

func flatten(idx, dims []int) int {
	i := 0
	for a, d := range dims {
		i = i*d + idx[a]
	}
	return i
}

func randomInput(rng *rand.Rand) ([]int, []int32) {
	rank := rng.IntN(4)
	dims := make([]int, rank)
	size := 1
	for a := range dims {
		dims[a] = rng.IntN(5)
		if rng.IntN(4) > 0 {
			dims[a] = 1 + rng.IntN(4)
		}
		size *= dims[a]
	}
	values := make([]int32, size)
	for i := range values {
		values[i] = int32(i + 1)
	}
	return dims, values
}

func TestPadAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for range 200 {
		dims, values := randomInput(rng)
		config := make([]backends.PadAxis, len(dims))
		for a := range config {
			config[a] = backends.PadAxis{Start: rng.IntN(5) - 2, End: rng.IntN(5) - 2, Interior: rng.IntN(3)}
			if n := config[a].Start + config[a].End + dims[a] + max(dims[a]-1, 0)*config[a].Interior; n < 0 {
				config[a].End -= n
			}
		}
		got, outDims := execOp(t, func(b backends.Builder, x backends.Op) (backends.Op, error) {
			fill, err := b.Constant([]int32{-7})
			if err != nil {
				return nil, err
			}
			return b.Pad(x, fill, config...)
		}, dims, values)
		for i, v := range got {
			idx := unflatten(i, outDims)
			want := int32(-7)
			inIdx := make([]int, len(dims))
			inside := true
			for a, o := range idx {
				rel := o - config[a].Start
				step := config[a].Interior + 1
				if rel < 0 || rel%step != 0 || rel/step >= dims[a] {
					inside = false
					break
				}
				inIdx[a] = rel / step
			}
			if inside {
				want = values[flatten(inIdx, dims)]
			}
			if v != want {
				t.Fatalf("Pad(%v, %+v): output%v = %d, want %d", dims, config, idx, v, want)
			}
		}
	}
}

func TestReverseAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	for range 100 {
		dims, values := randomInput(rng)
		var axes []int
		for a := range dims {
			if rng.IntN(2) == 0 {
				axes = append(axes, a)
			}
		}
		got, _ := execOp(t, func(b backends.Builder, x backends.Op) (backends.Op, error) {
			return b.Reverse(x, axes...)
		}, dims, values)
		for i, v := range got {
			idx := unflatten(i, dims)
			for _, a := range axes {
				idx[a] = dims[a] - 1 - idx[a]
			}
			if want := values[flatten(idx, dims)]; v != want {
				t.Fatalf("Reverse(%v, %v): output[%d] = %d, want %d", dims, axes, i, v, want)
			}
		}
	}
}

func TestDynamicSliceAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for range 100 {
		dims, values := randomInput(rng)
		starts := make([]int, len(dims))
		sizes := make([]int, len(dims))
		for a := range dims {
			starts[a] = rng.IntN(7) - 2
			sizes[a] = rng.IntN(dims[a] + 1)
		}
		startOps := func(b backends.Builder) []backends.Op {
			var ops []backends.Op
			for _, s := range starts {
				op, err := b.Constant([]int64{int64(s)})
				if err != nil {
					t.Fatal(err)
				}
				ops = append(ops, op)
			}
			return ops
		}
		clamped := make([]int, len(dims))
		for a := range dims {
			clamped[a] = min(max(starts[a], 0), dims[a]-sizes[a])
		}
		name := fmt.Sprintf("dims=%v starts=%v sizes=%v", dims, starts, sizes)

		got, _ := execOp(t, func(b backends.Builder, x backends.Op) (backends.Op, error) {
			return b.DynamicSlice(x, startOps(b), sizes)
		}, dims, values)
		for i, v := range got {
			idx := unflatten(i, sizes)
			for a := range idx {
				idx[a] += clamped[a]
			}
			if want := values[flatten(idx, dims)]; v != want {
				t.Fatalf("DynamicSlice %s: output[%d] = %d, want %d", name, i, v, want)
			}
		}

		// DynamicUpdateSlice: write -(slice) back at the same starts.
		got, _ = execOp(t, func(b backends.Builder, x backends.Op) (backends.Op, error) {
			slice, err := b.DynamicSlice(x, startOps(b), sizes)
			if err != nil {
				return nil, err
			}
			neg, err := b.Neg(slice)
			if err != nil {
				return nil, err
			}
			return b.DynamicUpdateSlice(x, neg, startOps(b))
		}, dims, values)
		for i, v := range got {
			idx := unflatten(i, dims)
			want := values[i]
			inBox := true
			for a := range idx {
				if idx[a] < clamped[a] || idx[a] >= clamped[a]+sizes[a] {
					inBox = false
				}
			}
			if inBox {
				want = -want
			}
			if v != want {
				t.Fatalf("DynamicUpdateSlice %s: output%v = %d, want %d", name, idx, v, want)
			}
		}
	}
}

func TestSelectAndScatterAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for range 100 {
		rank := 1 + rng.IntN(3)
		dims := make([]int, rank)
		window := make([]int, rank)
		strides := make([]int, rank)
		paddings := make([][2]int, rank)
		windowsDims := make([]int, rank)
		for a := range dims {
			dims[a] = 1 + rng.IntN(5)
			window[a] = 1 + rng.IntN(3)
			strides[a] = 1 + rng.IntN(2)
			paddings[a] = [2]int{rng.IntN(2), rng.IntN(2)}
			if window[a] > dims[a]+paddings[a][0]+paddings[a][1] {
				window[a] = 1
			}
			windowsDims[a] = (dims[a]+paddings[a][0]+paddings[a][1]-window[a])/strides[a] + 1
		}
		size := shapes.Make(dtypes.Int32, dims...).Size()
		values := make([]int32, size)
		for i, p := range rng.Perm(size) {
			values[i] = int32(p) // Distinct values: no ties.
		}
		numWindows := shapes.Make(dtypes.Int32, windowsDims...).Size()
		for _, isMax := range []bool{true, false} {
			got, _ := execOp(t, func(b backends.Builder, x backends.Op) (backends.Op, error) {
				source, err := b.Iota(shapes.Make(dtypes.Int32, numWindows), 0)
				if err != nil {
					return nil, err
				}
				if source, err = b.Reshape(source, windowsDims...); err != nil {
					return nil, err
				}
				if isMax {
					return b.SelectAndScatterMax(x, source, window, strides, paddings)
				}
				return b.SelectAndScatterMin(x, source, window, strides, paddings)
			}, dims, values)
			want := make([]int32, size)
			for w := range numWindows {
				wIdx := unflatten(w, windowsDims)
				best := -1
				for o := range shapes.Make(dtypes.Int32, window...).Size() {
					off := unflatten(o, window)
					pos := make([]int, rank)
					inside := true
					for a := range pos {
						pos[a] = wIdx[a]*strides[a] - paddings[a][0] + off[a]
						inside = inside && pos[a] >= 0 && pos[a] < dims[a]
					}
					if !inside {
						continue
					}
					f := flatten(pos, dims)
					if best < 0 || (isMax && values[f] > values[best]) || (!isMax && values[f] < values[best]) {
						best = f
					}
				}
				if best >= 0 {
					want[best] += int32(w)
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("SelectAndScatter(max=%v) dims=%v window=%v strides=%v paddings=%v:\ngot  %v\nwant %v",
					isMax, dims, window, strides, paddings, got, want)
			}
		}
	}
}
