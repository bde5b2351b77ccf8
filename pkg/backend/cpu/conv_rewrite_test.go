package cpu

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// rewriteCase is Slice(Pad(ConvGeneral(Pad(x, 0, inPad), kernel), 0, crop), slice): every rewrite of
// conv_rewrite.go at once.
type rewriteCase struct {
	conv   *convCase
	inPad  []backends.PadAxis // Per input axis (logical order: batch, channels, spatial...).
	crop   []backends.PadAxis // Per output axis, non-positive.
	starts []int              // Slice of the cropped output, per output axis (logical order).
	limits []int
	steps  []int
}

// buildRewriteCase builds the case's graph for dtype and returns its output shape, whether the final node is a
// ConvGeneral (i.e. every rewrite applied), and the output.
func runRewriteCase(t *testing.T, b backends.Backend, rc *rewriteCase, dtype dtypes.DType, input, kernel []float64) ([]int, bool, []float64, bool) {
	t.Helper()
	c := rc.conv
	builder := b.Builder("rewrite")
	in, err := builder.Parameter("input", shapes.Make(dtype, c.inputShape.Dimensions...), nil)
	if err != nil {
		t.Fatal(err)
	}
	k, err := builder.Parameter("kernel", shapes.Make(dtype, c.kernelShape.Dimensions...), nil)
	if err != nil {
		t.Fatal(err)
	}
	var zeroFlat any
	switch dtype {
	case dtypes.Float32:
		zeroFlat = []float32{0}
	case dtypes.Float64:
		zeroFlat = []float64{0}
	default:
		zeroFlat = []int32{0}
	}
	zero, err := builder.Constant(zeroFlat)
	if err != nil {
		t.Fatal(err)
	}
	padded, err := builder.Pad(in, zero, permutePads(rc.inPad, c.inPerm)...)
	if err != nil {
		return nil, false, nil, false
	}
	out, err := builder.ConvGeneral(padded, k, c.axes, c.strides, c.paddings, nil, c.kDil, c.channelGroups, c.batchGroups)
	if err != nil {
		return nil, false, nil, false
	}
	out, err = builder.Pad(out, zero, permutePads(rc.crop, c.outPerm)...)
	if err != nil {
		return nil, false, nil, false
	}
	outShape, _ := builder.OpShape(out)
	starts, limits, steps := permute(rc.starts, c.outPerm), permute(rc.limits, c.outPerm), permute(rc.steps, c.outPerm)
	for axis, d := range outShape.Dimensions {
		if limits[axis] > d || starts[axis] >= limits[axis] {
			return nil, false, nil, false
		}
	}
	out, err = builder.Slice(out, starts, limits, steps)
	if err != nil {
		t.Fatal(err)
	}
	isConv := out.(*Node).opType == backends.OpTypeConvGeneral
	outShape, _ = builder.OpShape(out)
	exec, err := builder.Compile([]backends.Op{out}, nil)
	if err != nil {
		t.Fatal(err)
	}
	toBuffer := func(values []float64, shape shapes.Shape) backends.Buffer {
		var flat any
		switch dtype {
		case dtypes.Float32:
			f := make([]float32, len(values))
			for i, v := range values {
				f[i] = float32(v)
			}
			flat = f
		case dtypes.Int32:
			f := make([]int32, len(values))
			for i, v := range values {
				f[i] = int32(v)
			}
			flat = f
		default:
			flat = values
		}
		buf, err := b.BufferFromFlatData(0, flat, shapes.Make(dtype, shape.Dimensions...))
		if err != nil {
			t.Fatal(err)
		}
		return buf
	}
	outputs, err := exec.Execute([]backends.Buffer{toBuffer(input, c.inputShape), toBuffer(kernel, c.kernelShape)}, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]float64, outShape.Size())
	switch dtype {
	case dtypes.Float32:
		flat := make([]float32, len(got))
		_ = b.BufferToFlatData(outputs[0], flat)
		for i, v := range flat {
			got[i] = float64(v)
		}
	case dtypes.Int32:
		flat := make([]int32, len(got))
		_ = b.BufferToFlatData(outputs[0], flat)
		for i, v := range flat {
			got[i] = float64(v)
		}
	default:
		_ = b.BufferToFlatData(outputs[0], got)
	}
	return outShape.Dimensions, isConv, got, true
}

// permutePads reorders per-logical-axis pads to physical axes.
func permutePads(logical []backends.PadAxis, perm []int) []backends.PadAxis {
	physical := make([]backends.PadAxis, len(logical))
	for i, axis := range perm {
		physical[axis] = logical[i]
	}
	return physical
}

// TestConvRewrites checks that folding a zero Pad into a convolution's input (transposed convolutions) and a
// crop or strided slice into its output computes what the unrewritten graph computes: float32 and float64
// (rewritten) against int32 (no rewrite, the stock loops that TestConvGeneralAgainstReference checks), on random
// shapes, layouts, groupings, paddings, interior paddings and slices.
func TestConvRewrites(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 4))
	b, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	done, rewritten := 0, 0
	for done < 150 {
		c := randomConvCase(rng)
		s := c.spatialRank
		c.inDil = slices.Repeat([]int{1}, s)
		rc := &rewriteCase{conv: c, inPad: make([]backends.PadAxis, s+2), crop: make([]backends.PadAxis, s+2)}
		// Output dims of the padded conv, to draw valid crops and slices.
		outDims := []int{c.batch / c.batchGroups, c.outCh}
		for a := range s {
			p := backends.PadAxis{Start: rng.IntN(4) - 1, End: rng.IntN(4) - 1, Interior: rng.IntN(3)}
			rc.inPad[2+a] = p
			padded := c.inSpatial[a] + p.Start + p.End + max(c.inSpatial[a]-1, 0)*p.Interior
			eff := padded + c.paddings[a][0] + c.paddings[a][1] - ((c.kSpatial[a]-1)*c.kDil[a] + 1)
			if padded <= 0 || eff < 0 {
				outDims = nil
				break
			}
			outDims = append(outDims, eff/c.strides[a]+1)
		}
		if outDims == nil {
			continue
		}
		rc.starts, rc.limits, rc.steps = make([]int, s+2), slices.Clone(outDims), slices.Repeat([]int{1}, s+2)
		for a := range s {
			d := outDims[2+a]
			crop := backends.PadAxis{Start: -rng.IntN(2), End: -rng.IntN(2)}
			if d+crop.Start+crop.End <= 0 {
				crop = backends.PadAxis{}
			}
			rc.crop[2+a] = crop
			d += crop.Start + crop.End
			rc.starts[2+a] = rng.IntN(d)
			rc.limits[2+a] = rc.starts[2+a] + 1 + rng.IntN(d-rc.starts[2+a])
			rc.steps[2+a] = 1 + rng.IntN(3)
		}
		input := make([]float64, c.inputShape.Size())
		kernel := make([]float64, c.kernelShape.Size())
		for i := range input {
			input[i] = float64(rng.IntN(7) - 3)
		}
		for i := range kernel {
			kernel[i] = float64(rng.IntN(7) - 3)
		}
		wantDims, _, want, ok := runRewriteCase(t, b, rc, dtypes.Int32, input, kernel)
		if !ok {
			continue
		}
		done++
		for _, dtype := range []dtypes.DType{dtypes.Float32, dtypes.Float64} {
			dims, isConv, got, ok := runRewriteCase(t, b, rc, dtype, input, kernel)
			if !ok || !slices.Equal(dims, wantDims) {
				t.Fatalf("%s, pads %v, crop %v, slice %v:%v:%v: %s graph has shape %v, int32 %v", c, rc.inPad, rc.crop,
					rc.starts, rc.limits, rc.steps, dtype, dims, wantDims)
			}
			if isConv {
				rewritten++
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("%s, pads %v, crop %v, slice %v:%v:%v: %s output[%d]=%g, want %g", c, rc.inPad, rc.crop,
						rc.starts, rc.limits, rc.steps, dtype, i, got[i], want[i])
				}
			}
		}
	}
	// Almost every case must have been rewritten down to one convolution (batch/channel slices never happen here).
	if rewritten < 2*done*9/10 {
		t.Errorf("only %d of %d graphs were rewritten to a single convolution", rewritten, 2*done)
	}
}
