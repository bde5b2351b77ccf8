package lpips

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	timage "github.com/gomlx/gomlx/pkg/core/tensors/images"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Model is an LPIPS network: a backbone and the five linear layers on its features.
//
// Its weights enter a graph as non-trainable variables of the context given to Features or Distance, in the
// scope "lpips/<net>" under it, named as in the state_dicts ("features.0"/"weight", "lin0.model.1"/"weight").
// They are created with the model's values on first use and reused afterwards, as GoMLX layers do: two
// different models used with one context need different scopes (ctx.In("metric"), ...).
type Model struct {
	Net Net

	values map[string]*tensors.Tensor // by state_dict name, float32, shapes as in Net.params
}

// NewUntrained returns a model of the given net with random weights drawn from seed: He-normal convolutions
// (std sqrt(2/fan_in)), zero biases, linear weights uniform in [0, 0.1). It is for tests only: its distances
// are meaningless as a perceptual metric. The same seed gives the same weights.
func NewUntrained(net Net, seed uint64) *Model {
	rng := rand.New(rand.NewPCG(seed, 0x6c70697073)) // "lpips"
	m := &Model{Net: net, values: map[string]*tensors.Tensor{}}
	for _, p := range net.params() {
		data := make([]float32, numel(p.shape))
		switch {
		case strings.HasSuffix(p.name, ".bias"):
			// zeros
		case strings.HasPrefix(p.name, "lin"):
			for i := range data {
				data[i] = float32(0.1 * rng.Float64())
			}
		default:
			std := math.Sqrt(2 / float64(p.shape[1]*p.shape[2]*p.shape[3]))
			for i := range data {
				data[i] = float32(std * rng.NormFloat64())
			}
		}
		m.values[p.name] = tensors.FromFlatDataAndDimensions(data, p.shape...)
	}
	return m
}

// Distance returns the LPIPS distance between the images a and b, shaped [N, 3, H, W] with values in [-1, 1],
// as an [N] vector: the lpips package's LPIPS(net)(a, b) (version 0.1) without its trailing 1x1 dimensions.
// It is differentiable with respect to both images, so it serves as a loss (average it over the batch).
//
// It panics (GoMLX style) if the shapes differ or are not [N, 3, H, W] with a floating-point dtype, or if
// the images are smaller than Net.MinSize.
func (m *Model) Distance(ctx *context.Context, a, b *Node) *Node {
	if !a.Shape().Equal(b.Shape()) {
		panic(fmt.Errorf("lpips.Distance: images have shapes %s and %s, want equal shapes", a.Shape(), b.Shape()))
	}
	checkImages("lpips.Distance", a)
	n := a.Shape().Dim(0)
	// One backbone pass over both images: half the convolutions calls, same arithmetic.
	features := m.Features(ctx, Concatenate([]*Node{a, b}, 0))
	fa := make([]*Node, len(features))
	fb := make([]*Node, len(features))
	for i, f := range features {
		fa[i] = SliceAxis(f, 0, AxisRange(0, n))
		fb[i] = SliceAxis(f, 0, AxisRange(n, 2*n))
	}
	lins := make([]*Node, len(features))
	for k := range lins {
		lins[k] = m.weight(ctx, a.Graph(), linName(k), a.DType())
	}
	return distance(fa, fb, lins)
}

// Features returns the backbone's feature maps LPIPS compares for images x [N, 3, H, W] in [-1, 1]: the
// input is first mapped by lpips's ScalingLayer, then run through the torchvision features up to each slice
// end (see Net.Channels for the channel counts). Spatial sizes follow PyTorch's arithmetic (floor).
//
// It panics (GoMLX style) if x is not [N, 3, H, W] with a floating-point dtype, or smaller than Net.MinSize.
func (m *Model) Features(ctx *context.Context, x *Node) []*Node {
	checkImages("lpips.Features", x)
	if h, w, minSize := x.Shape().Dim(2), x.Shape().Dim(3), m.Net.MinSize(); h < minSize || w < minSize {
		panic(fmt.Errorf("lpips: %dx%d images are too small for %v, which needs at least %dx%d (shape %s)",
			h, w, m.Net, minSize, minSize, x.Shape()))
	}
	g, dtype := x.Graph(), x.DType()
	weights := map[string]*Node{}
	for _, s := range m.Net.stages() {
		for _, c := range s.convs {
			weights[c.weightName()] = m.weight(ctx, g, c.weightName(), dtype)
			weights[c.biasName()] = m.weight(ctx, g, c.biasName(), dtype)
		}
	}
	return backbone(m.Net, scale(x), weights)
}

// checkImages panics unless x is a batch of floating-point RGB images, NCHW.
func checkImages(caller string, x *Node) {
	if x.Rank() != 4 || x.Shape().Dim(1) != 3 || !x.DType().IsFloat() {
		panic(fmt.Errorf("%s: images must be float [N,3,H,W], got shape %s", caller, x.Shape()))
	}
}

// weight returns the model tensor name as a node of g in dtype, through a non-trainable variable in
// ctx's scope lpips/<net>/<name up to its last dot>.
func (m *Model) weight(ctx *context.Context, g *Graph, name string, dtype dtypes.DType) *Node {
	value, ok := m.values[name]
	if !ok {
		panic(fmt.Errorf("lpips: model has no tensor %q", name)) // unreachable: Load and NewUntrained fill every param
	}
	dot := strings.LastIndexByte(name, '.')
	scoped := ctx.In("lpips").In(m.Net.String()).In(name[:dot]).Checked(false)
	v := scoped.GetVariable(name[dot+1:])
	if v == nil {
		v = scoped.VariableWithValue(name[dot+1:], value)
	} else if !v.Shape().Equal(value.Shape()) {
		panic(fmt.Errorf("lpips: variable %s/%s exists with shape %s, want %s: another model in the same scope?",
			scoped.Scope(), name[dot+1:], v.Shape(), value.Shape()))
	}
	v.SetTrainable(false)
	return ConvertDType(v.ValueGraph(g), dtype)
}

// Shift and scale of lpips's ScalingLayer: (x - shift) / scale maps [-1, 1] images to the backbone's
// ImageNet normalization.
var (
	scalingShift = [3]float64{-.030, -.088, -.188}
	scalingScale = [3]float64{.458, .448, .450}
)

// scale is lpips's ScalingLayer for NCHW images.
func scale(x *Node) *Node {
	g := x.Graph()
	shift := ConvertDType(Const(g, tensors.FromFlatDataAndDimensions(scalingShift[:], 1, 3, 1, 1)), x.DType())
	scale := ConvertDType(Const(g, tensors.FromFlatDataAndDimensions(scalingScale[:], 1, 3, 1, 1)), x.DType())
	return Div(Sub(x, shift), scale)
}

// backbone runs the torchvision features of net on x (already scaled) with the convolution weights by
// state_dict name, and returns the output of each stage (after its last ReLU).
func backbone(net Net, x *Node, weights map[string]*Node) []*Node {
	var outs []*Node
	for _, s := range net.stages() {
		if s.poolWindow > 0 {
			x = MaxPool(x).ChannelsAxis(timage.ChannelsFirst).Window(s.poolWindow).Strides(s.poolStride).NoPadding().Done()
		}
		for _, c := range s.convs {
			x = conv(x, weights[c.weightName()], weights[c.biasName()], c.stride, c.padding)
			x = Max(x, ZerosLike(x)) // ReLU
		}
		outs = append(outs, x)
	}
	return outs
}

// conv is torch's Conv2d: correlation of NCHW x with an OIHW kernel, symmetric zero padding, then the bias.
func conv(x, kernel, bias *Node, stride, padding int) *Node {
	out := kernel.Shape().Dim(0)
	y := Convolve(x, kernel).ChannelsAxis(timage.ChannelsFirst).Strides(stride).
		PaddingPerDim([][2]int{{padding, padding}, {padding, padding}}).Done()
	return Add(y, Reshape(bias, 1, out, 1, 1))
}

// unitNormalize is lpips's normalize_tensor: each pixel's feature vector divided by its Euclidean norm
// (over channels) plus 1e-10. The norm of an all-zero vector (a pixel every ReLU zeroed) is given a zero
// gradient where PyTorch's sqrt yields NaN; its value, 0, is the same.
func unitNormalize(f *Node) *Node {
	sumSq := ReduceAndKeep(Square(f), ReduceSum, 1)
	positive := GreaterThan(sumSq, ZerosLike(sumSq))
	norm := Where(positive, Sqrt(Where(positive, sumSq, OnesLike(sumSq))), ZerosLike(sumSq))
	return Div(f, AddScalar(norm, 1e-10))
}

// distance is LPIPS on feature maps: for each layer k, the squared difference of the unit-normalized
// features weighted per channel by lins[k] [1, C, 1, 1] (lpips's 1x1 convolution without bias), averaged over
// the pixels; summed over the layers. Result: [N].
func distance(fa, fb, lins []*Node) *Node {
	var total *Node
	for k := range fa {
		d := Square(Sub(unitNormalize(fa[k]), unitNormalize(fb[k])))
		layer := ReduceMean(ReduceSum(Mul(d, lins[k]), 1), 1, 2)
		if total == nil {
			total = layer
		} else {
			total = Add(total, layer)
		}
	}
	return total
}

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}
