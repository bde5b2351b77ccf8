package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// convCase is one random ConvGeneral configuration, in XLA's semantics.
type convCase struct {
	spatialRank                  int
	batch, inCh, outCh           int
	inSpatial, kSpatial          []int
	strides, inDil, kDil         []int
	paddings                     [][2]int
	channelGroups, batchGroups   int
	inPerm, kPerm, outPerm       []int // Axis permutations: logical (batch/out-ch, channel/in-ch, spatial...) -> physical.
	outShape                     []int // Logical output dims (batch, channels, spatial...).
	inputShape, kernelShape      shapes.Shape
	axes                         backends.ConvolveAxesConfig
	outputShapePhysical          []int
	effectiveIn, effectiveKernel []int
}

func (c *convCase) String() string {
	return fmt.Sprintf("batch=%d in=%d out=%d inSpatial=%v kernel=%v strides=%v pad=%v inDil=%v kDil=%v groups=%d/%d perms=%v/%v/%v",
		c.batch, c.inCh, c.outCh, c.inSpatial, c.kSpatial, c.strides, c.paddings, c.inDil, c.kDil,
		c.channelGroups, c.batchGroups, c.inPerm, c.kPerm, c.outPerm)
}

// randomConvCase draws a valid configuration; sizes are small and often odd.
func randomConvCase(rng *rand.Rand) *convCase {
	for {
		c := &convCase{spatialRank: 1 + rng.IntN(3)}
		s := c.spatialRank
		c.channelGroups, c.batchGroups = 1, 1
		switch rng.IntN(4) {
		case 0:
			c.channelGroups = 1 + rng.IntN(3)
		case 1:
			c.batchGroups = 1 + rng.IntN(3)
		}
		g := c.channelGroups * c.batchGroups
		c.batch = (1 + rng.IntN(2)) * c.batchGroups
		c.inCh = (1 + rng.IntN(3)) * c.channelGroups
		c.outCh = (1 + rng.IntN(5)) * g
		for a := 0; a < s; a++ {
			size := 1 + rng.IntN(7)
			if s == 3 {
				size = 1 + rng.IntN(4)
			}
			c.inSpatial = append(c.inSpatial, size)
			c.kSpatial = append(c.kSpatial, 1+rng.IntN(4))
			c.strides = append(c.strides, 1+rng.IntN(3))
			c.inDil = append(c.inDil, 1+rng.IntN(2)*rng.IntN(3))
			c.kDil = append(c.kDil, 1+rng.IntN(2)*rng.IntN(3))
			c.paddings = append(c.paddings, [2]int{rng.IntN(4) - 1, rng.IntN(4) - 1})
		}
		// Output dims, rejecting empty ones.
		ok := true
		c.outShape = []int{c.batch / c.batchGroups, c.outCh}
		for a := 0; a < s; a++ {
			effIn := (c.inSpatial[a]-1)*c.inDil[a] + 1 + c.paddings[a][0] + c.paddings[a][1]
			effK := (c.kSpatial[a]-1)*c.kDil[a] + 1
			if effK > effIn {
				ok = false
				break
			}
			c.outShape = append(c.outShape, (effIn-effK)/c.strides[a]+1)
		}
		if !ok {
			continue
		}
		c.inPerm, c.kPerm, c.outPerm = rng.Perm(s+2), rng.Perm(s+2), rng.Perm(s+2)
		inDims := append([]int{c.batch, c.inCh}, c.inSpatial...)
		kDims := append([]int{c.outCh, c.inCh / c.channelGroups}, c.kSpatial...)
		c.inputShape = shapes.Make(dtypes.Float64, permute(inDims, c.inPerm)...)
		c.kernelShape = shapes.Make(dtypes.Float64, permute(kDims, c.kPerm)...)
		c.outputShapePhysical = permute(c.outShape, c.outPerm)
		c.axes = backends.ConvolveAxesConfig{
			InputBatch: c.inPerm[0], InputChannels: c.inPerm[1], InputSpatial: c.inPerm[2:],
			KernelOutputChannels: c.kPerm[0], KernelInputChannels: c.kPerm[1], KernelSpatial: c.kPerm[2:],
			OutputBatch: c.outPerm[0], OutputChannels: c.outPerm[1], OutputSpatial: c.outPerm[2:],
		}
		return c
	}
}

// permute places logical dims at their physical axes: physical[perm[i]] = logical[i].
func permute(logical, perm []int) []int {
	physical := make([]int, len(logical))
	for i, axis := range perm {
		physical[axis] = logical[i]
	}
	return physical
}

// flatIndex of logical indices in a tensor whose logical axis i is at physical axis perm[i].
func flatIndex(logicalIdx, physicalDims, perm []int) int {
	physicalIdx := permute(logicalIdx, perm)
	idx := 0
	for axis, dim := range physicalDims {
		idx = idx*dim + physicalIdx[axis]
	}
	return idx
}

// referenceConv is a deliberately plain per-output-element ConvGeneral following XLA's definition.
func referenceConv(c *convCase, input, kernel []float64) []float64 {
	s := c.spatialRank
	out := make([]float64, shapes.Make(dtypes.Float64, c.outShape...).Size())
	groups := c.channelGroups * c.batchGroups
	outPerGroup := c.outCh / groups
	kIn := c.inCh / c.channelGroups
	outIdx := make([]int, s+2)
	for {
		ob, oc := outIdx[0], outIdx[1]
		grp := oc / outPerGroup
		ib := ob
		if c.batchGroups > 1 {
			ib = grp*c.outShape[0] + ob
		}
		var sum float64
		taps := make([]int, s)
	tapLoop:
		for {
			inSpatial := make([]int, s)
			valid := true
			for a := 0; a < s; a++ {
				pos := outIdx[2+a]*c.strides[a] - c.paddings[a][0] + taps[a]*c.kDil[a]
				if pos < 0 || pos > (c.inSpatial[a]-1)*c.inDil[a] || pos%c.inDil[a] != 0 {
					valid = false
					break
				}
				inSpatial[a] = pos / c.inDil[a]
			}
			if valid {
				for ic := 0; ic < kIn; ic++ {
					ch := ic
					if c.channelGroups > 1 {
						ch = grp*kIn + ic
					}
					x := input[flatIndex(append([]int{ib, ch}, inSpatial...), c.inputShape.Dimensions, c.inPerm)]
					w := kernel[flatIndex(append([]int{oc, ic}, taps...), c.kernelShape.Dimensions, c.kPerm)]
					sum += x * w
				}
			}
			for a := s - 1; a >= 0; a-- {
				taps[a]++
				if taps[a] < c.kSpatial[a] {
					continue tapLoop
				}
				taps[a] = 0
			}
			break
		}
		out[flatIndex(outIdx, c.outputShapePhysical, c.outPerm)] = sum
		axis := s + 1
		for ; axis >= 0; axis-- {
			outIdx[axis]++
			if outIdx[axis] < c.outShape[axis] {
				break
			}
			outIdx[axis] = 0
		}
		if axis < 0 {
			return out
		}
	}
}

// runConv executes ConvGeneral on the cpu backend with the given dtype, converting from/to float64.
func runConv(t *testing.T, b backends.Backend, c *convCase, dtype dtypes.DType, input, kernel []float64) []float64 {
	t.Helper()
	builder := b.Builder("conv")
	in, err := builder.Parameter("input", shapes.Make(dtype, c.inputShape.Dimensions...), nil)
	if err != nil {
		t.Fatal(err)
	}
	k, err := builder.Parameter("kernel", shapes.Make(dtype, c.kernelShape.Dimensions...), nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := builder.ConvGeneral(in, k, c.axes, c.strides, c.paddings, c.inDil, c.kDil, c.channelGroups, c.batchGroups)
	if err != nil {
		t.Fatalf("%s: %v", c, err)
	}
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
		t.Fatalf("%s: %v", c, err)
	}
	size := shapes.Make(dtype, c.outputShapePhysical...).Size()
	got := make([]float64, size)
	switch dtype {
	case dtypes.Float32:
		flat := make([]float32, size)
		if err := b.BufferToFlatData(outputs[0], flat); err != nil {
			t.Fatal(err)
		}
		for i, v := range flat {
			got[i] = float64(v)
		}
	case dtypes.Int32:
		flat := make([]int32, size)
		if err := b.BufferToFlatData(outputs[0], flat); err != nil {
			t.Fatal(err)
		}
		for i, v := range flat {
			got[i] = float64(v)
		}
	default:
		if err := b.BufferToFlatData(outputs[0], got); err != nil {
			t.Fatal(err)
		}
	}
	return got
}

// TestConvGeneralAgainstReference checks both convolution executors (the packed one for float32/float64, the
// direct loops kept from stock simplego for other dtypes, here int32) against referenceConv on random
// configurations: every layout, stride, padding (negative too), dilation, channel and batch grouping.
func TestConvGeneralAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for _, cfg := range append([]string{"", "parallelism=1", "ops_sequential"}, gemmConfigs()...) {
		b, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		for range 150 {
			c := randomConvCase(rng)
			input := make([]float64, c.inputShape.Size())
			kernel := make([]float64, c.kernelShape.Size())
			for i := range input {
				input[i] = float64(rng.IntN(7) - 3)
			}
			for i := range kernel {
				kernel[i] = float64(rng.IntN(7) - 3)
			}
			want := referenceConv(c, input, kernel)
			for _, dtype := range []dtypes.DType{dtypes.Float64, dtypes.Float32, dtypes.Int32} {
				got := runConv(t, b, c, dtype, input, kernel)
				for i := range want {
					if math.Abs(got[i]-want[i]) > 1e-9 {
						t.Fatalf("config %q dtype %s, %s:\noutput[%d]=%g, want %g", cfg, dtype, c, i, got[i], want[i])
					}
				}
			}
		}
		b.Finalize()
	}
}

// TestConvGeneralLargeContraction covers contractions (channels x kernel taps) longer than one convKC block and
// chunks of many output positions, which the small random cases above never reach.
func TestConvGeneralLargeContraction(t *testing.T) {
	for _, cfg := range gemmConfigs() {
		t.Run(cfg, func(t *testing.T) { testConvGeneralLargeContraction(t, cfg) })
	}
}

// gemmConfigs returns a backend configuration for each matrix-multiplication micro-kernel this CPU runs.
func gemmConfigs() []string {
	configs := []string{"gemm=go"}
	for _, k := range simdFloat32Kernels() {
		configs = append(configs, "gemm="+k.name)
	}
	return configs
}

func testConvGeneralLargeContraction(t *testing.T, cfg string) {
	b, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	rng := rand.New(rand.NewPCG(3, 5))
	for _, c := range []*convCase{
		{spatialRank: 2, batch: 2, inCh: 40, outCh: 7, inSpatial: []int{9, 13}, kSpatial: []int{3, 3},
			strides: []int{1, 1}, inDil: []int{1, 1}, kDil: []int{1, 1}, paddings: [][2]int{{1, 1}, {1, 1}},
			channelGroups: 1, batchGroups: 1},
		{spatialRank: 2, batch: 1, inCh: 3, outCh: 6, inSpatial: []int{30, 25}, kSpatial: []int{11, 9},
			strides: []int{2, 1}, inDil: []int{1, 1}, kDil: []int{1, 2}, paddings: [][2]int{{0, 3}, {2, 0}},
			channelGroups: 3, batchGroups: 1},
		{spatialRank: 1, batch: 2, inCh: 300, outCh: 5, inSpatial: []int{70}, kSpatial: []int{2},
			strides: []int{1}, inDil: []int{1}, kDil: []int{1}, paddings: [][2]int{{0, 0}},
			channelGroups: 1, batchGroups: 1},
	} {
		s := c.spatialRank
		c.outShape = []int{c.batch / c.batchGroups, c.outCh}
		for a := 0; a < s; a++ {
			effIn := (c.inSpatial[a]-1)*c.inDil[a] + 1 + c.paddings[a][0] + c.paddings[a][1]
			effK := (c.kSpatial[a]-1)*c.kDil[a] + 1
			c.outShape = append(c.outShape, (effIn-effK)/c.strides[a]+1)
		}
		identity := make([]int, s+2)
		for i := range identity {
			identity[i] = i
		}
		c.inPerm, c.kPerm, c.outPerm = identity, identity, identity
		c.inputShape = shapes.Make(dtypes.Float64, append([]int{c.batch, c.inCh}, c.inSpatial...)...)
		c.kernelShape = shapes.Make(dtypes.Float64, append([]int{c.outCh, c.inCh / c.channelGroups}, c.kSpatial...)...)
		c.outputShapePhysical = c.outShape
		c.axes = backends.ConvolveAxesConfig{InputBatch: 0, InputChannels: 1, InputSpatial: identity[2:],
			KernelOutputChannels: 0, KernelInputChannels: 1, KernelSpatial: identity[2:],
			OutputBatch: 0, OutputChannels: 1, OutputSpatial: identity[2:]}
		input := make([]float64, c.inputShape.Size())
		kernel := make([]float64, c.kernelShape.Size())
		for i := range input {
			input[i] = float64(rng.IntN(7) - 3)
		}
		for i := range kernel {
			kernel[i] = float64(rng.IntN(7) - 3)
		}
		want := referenceConv(c, input, kernel)
		for _, dtype := range []dtypes.DType{dtypes.Float64, dtypes.Float32} {
			got := runConv(t, b, c, dtype, input, kernel)
			for i := range want {
				if math.Abs(got[i]-want[i]) > 1e-9 {
					t.Fatalf("dtype %s, %s:\noutput[%d]=%g, want %g", dtype, c, i, got[i], want[i])
				}
			}
		}
	}
}
