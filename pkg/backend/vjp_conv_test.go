package backend

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
)

// convSpec is a ConvGeneral configuration in channels-first layout unless axes is set.
type convSpec struct {
	name                          string
	input, kernel                 []int // Channels-first dims: [batch, channels, spatial...], [out, in, spatial...].
	strides, inDil, kDil          []int
	paddings                      [][2]int
	channelGroups, batchGroups    int
	axes                          *backends.ConvolveAxesConfig
	inputPhysical, kernelPhysical []int // Physical dims when axes is set.
}

func (c convSpec) conv(in []*Node) *Node {
	s := len(c.input) - 2
	axes := backends.ConvolveAxesConfig{InputBatch: 0, InputChannels: 1, KernelOutputChannels: 0, KernelInputChannels: 1,
		OutputBatch: 0, OutputChannels: 1}
	for a := range s {
		axes.InputSpatial = append(axes.InputSpatial, 2+a)
		axes.KernelSpatial = append(axes.KernelSpatial, 2+a)
		axes.OutputSpatial = append(axes.OutputSpatial, 2+a)
	}
	if c.axes != nil {
		axes = *c.axes
	}
	return ConvGeneral(in[0], in[1], axes, c.strides, c.paddings, c.inDil, c.kDil,
		max(c.channelGroups, 1), max(c.batchGroups, 1))
}

var convGradientCases = []convSpec{
	{name: "3x3 same padding", input: []int{2, 3, 5, 6}, kernel: []int{4, 3, 3, 3}, paddings: [][2]int{{1, 1}, {1, 1}}},
	{name: "even 4x4 kernel", input: []int{1, 2, 6, 7}, kernel: []int{3, 2, 4, 4}, paddings: [][2]int{{1, 2}, {2, 1}}},
	{name: "2x2 kernel no padding", input: []int{1, 2, 5, 4}, kernel: []int{2, 2, 2, 2}},
	{name: "stride 2 with remainder", input: []int{1, 2, 7, 8}, kernel: []int{2, 2, 3, 3}, strides: []int{2, 3},
		paddings: [][2]int{{1, 0}, {0, 1}}},
	{name: "kernel dilation", input: []int{1, 2, 7, 7}, kernel: []int{2, 2, 3, 2}, kDil: []int{2, 3}},
	{name: "input dilation (transposed conv)", input: []int{1, 2, 3, 4}, kernel: []int{2, 2, 3, 3},
		inDil: []int{2, 2}, paddings: [][2]int{{2, 2}, {1, 2}}},
	{name: "transposed conv with stride", input: []int{1, 2, 4, 3}, kernel: []int{2, 2, 4, 4},
		inDil: []int{2, 2}, strides: []int{2, 1}, paddings: [][2]int{{3, 3}, {2, 2}}},
	{name: "channel groups", input: []int{2, 4, 5, 5}, kernel: []int{6, 2, 3, 3}, channelGroups: 2,
		paddings: [][2]int{{1, 1}, {1, 1}}},
	{name: "depthwise", input: []int{1, 3, 5, 4}, kernel: []int{3, 1, 3, 2}, channelGroups: 3},
	{name: "batch groups", input: []int{4, 2, 5, 4}, kernel: []int{6, 2, 2, 3}, batchGroups: 2},
	{name: "negative padding", input: []int{1, 2, 7, 6}, kernel: []int{2, 2, 3, 3}, paddings: [][2]int{{-1, 2}, {1, -2}}},
	{name: "1D", input: []int{2, 3, 9}, kernel: []int{2, 3, 4}, strides: []int{2}, paddings: [][2]int{{1, 2}}},
	{name: "3D", input: []int{1, 2, 3, 4, 3}, kernel: []int{2, 2, 2, 3, 2}, paddings: [][2]int{{0, 1}, {1, 1}, {1, 0}}},
	{name: "channels-last layout", input: []int{1, 3, 5, 4}, kernel: []int{2, 3, 3, 2},
		paddings: [][2]int{{1, 1}, {0, 1}},
		axes: &backends.ConvolveAxesConfig{InputBatch: 0, InputSpatial: []int{1, 2}, InputChannels: 3,
			KernelSpatial: []int{0, 1}, KernelInputChannels: 2, KernelOutputChannels: 3,
			OutputBatch: 0, OutputSpatial: []int{1, 2}, OutputChannels: 3},
		inputPhysical: []int{1, 5, 4, 3}, kernelPhysical: []int{3, 2, 3, 2}},
}

// TestConvGeneralGradient checks the installed ConvGeneral VJP against finite differences, on the cpu engine.
func TestConvGeneralGradient(t *testing.T) {
	b := cpuBackend(t)
	rng := rand.New(rand.NewPCG(5, 6))
	for _, tc := range convGradientCases {
		t.Run(tc.name, func(t *testing.T) {
			inDims, kDims := tc.input, tc.kernel
			if tc.axes != nil {
				inDims, kDims = tc.inputPhysical, tc.kernelPhysical
			}
			err := gradientError(t, b, rng, tc.conv, randomTensor(rng, inDims...), randomTensor(rng, kDims...))
			if err > gradTolerance {
				t.Errorf("relative gradient error %.3g", err)
			}
		})
	}
}

// TestConvGeneralGradientRandom draws random configurations mixing every feature at once.
func TestConvGeneralGradientRandom(t *testing.T) {
	b := cpuBackend(t)
	rng := rand.New(rand.NewPCG(8, 9))
	for i := 0; i < 25; i++ {
		tc := randomConvSpec(rng)
		t.Run(fmt.Sprintf("%d %+v", i, tc), func(t *testing.T) {
			err := gradientError(t, b, rng, tc.conv, randomTensor(rng, tc.input...), randomTensor(rng, tc.kernel...))
			if err > gradTolerance {
				t.Errorf("relative gradient error %.3g", err)
			}
		})
	}
}

func randomConvSpec(rng *rand.Rand) convSpec {
	for {
		s := 1 + rng.IntN(2)
		c := convSpec{channelGroups: 1, batchGroups: 1}
		switch rng.IntN(3) {
		case 0:
			c.channelGroups = 1 + rng.IntN(2)
		case 1:
			c.batchGroups = 1 + rng.IntN(2)
		}
		groups := c.channelGroups * c.batchGroups
		c.input = []int{(1 + rng.IntN(2)) * c.batchGroups, (1 + rng.IntN(2)) * c.channelGroups}
		c.kernel = []int{(1 + rng.IntN(2)) * groups, c.input[1] / c.channelGroups}
		ok := true
		for range s {
			in, k := 2+rng.IntN(5), 1+rng.IntN(4)
			stride, inDil, kDil := 1+rng.IntN(2), 1+rng.IntN(2), 1+rng.IntN(2)
			pad := [2]int{rng.IntN(4) - 1, rng.IntN(4) - 1}
			effIn := (in-1)*inDil + 1 + pad[0] + pad[1]
			if (k-1)*kDil+1 > effIn {
				ok = false
			}
			c.input = append(c.input, in)
			c.kernel = append(c.kernel, k)
			c.strides = append(c.strides, stride)
			c.inDil = append(c.inDil, inDil)
			c.kDil = append(c.kDil, kDil)
			c.paddings = append(c.paddings, pad)
		}
		if ok {
			return c
		}
	}
}

// TestConvGeneralSecondOrder differentiates a convolution's gradient (as an R1 penalty does): the first
// gradient of a strided convolution is an input-dilated one, which GoMLX's own VJP cannot differentiate.
func TestConvGeneralSecondOrder(t *testing.T) {
	b := cpuBackend(t)
	rng := rand.New(rand.NewPCG(18, 19))
	for _, tc := range []convSpec{
		{name: "strided", input: []int{1, 2, 6, 5}, kernel: []int{3, 2, 3, 3}, strides: []int{2, 2},
			paddings: [][2]int{{1, 1}, {1, 1}}},
		{name: "channel groups, even kernel", input: []int{1, 4, 5, 5}, kernel: []int{4, 2, 2, 2}, channelGroups: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			firstGradient := func(in []*Node) *Node {
				loss := ReduceAllSum(Tanh(tc.conv(in)))
				return Gradient(loss, in[0])[0]
			}
			err := gradientError(t, b, rng, firstGradient, randomTensor(rng, tc.input...), randomTensor(rng, tc.kernel...))
			if err > 1e-5 { // Finite differences of a gradient through tanh: a little less accurate.
				t.Errorf("relative error %.3g", err)
			}
		})
	}
}
