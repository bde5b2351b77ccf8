package backend

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// cpuBackend returns this package's default backend (the cpu engine) with the gradient fixes installed.
func cpuBackend(t testing.TB) backends.Backend {
	t.Helper()
	b, err := NewWithConfig("cpu")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// randomTensor returns a float64 tensor of the given dims with values uniform in [-1, 1).
func randomTensor(rng *rand.Rand, dims ...int) *tensors.Tensor {
	shape := shapes.Make(dtypes.Float64, dims...)
	values := make([]float64, shape.Size())
	for i := range values {
		values[i] = 2*rng.Float64() - 1
	}
	return tensors.FromFlatDataAndDimensions(values, dims...)
}

// gradientError compares the gradient GoMLX builds for fn at inputs against central finite differences, on
// the scalar loss Σ fn(inputs)·r for a fixed random r (so every output element's gradient path is exercised).
// It returns the largest error relative to the largest gradient magnitude, and fails the test if the graph
// cannot be built or run.
func gradientError(t *testing.T, b backends.Backend, rng *rand.Rand, fn func(inputs []*Node) *Node, inputs ...*tensors.Tensor) float64 {
	t.Helper()
	relErr, err := tryGradientError(b, rng, fn, inputs...)
	if err != nil {
		t.Fatal(err)
	}
	return relErr
}

// tryGradientError is gradientError returning the failure to build or run instead of failing a test.
func tryGradientError(b backends.Backend, rng *rand.Rand, fn func(inputs []*Node) *Node, inputs ...*tensors.Tensor) (relErr float64, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	output := MustNewExec(b, fn).MustExec(anys(inputs)...)[0]
	r := randomTensor(rng, output.Shape().Dimensions...)
	lossFn := func(in []*Node) *Node {
		return ReduceAllSum(Mul(fn(in), Const(in[0].Graph(), r)))
	}
	grads := MustNewExec(b, func(in []*Node) []*Node { return Gradient(lossFn(in), in...) }).MustExec(anys(inputs)...)
	lossExec := MustNewExec(b, lossFn)

	const eps = 1e-4
	var maxErr, maxGrad float64
	for i, input := range inputs {
		values := tensors.MustCopyFlatData[float64](input)
		analytic := tensors.MustCopyFlatData[float64](grads[i])
		for j := range values {
			saved := values[j]
			eval := func(v float64) float64 {
				values[j] = v
				in := append([]*tensors.Tensor(nil), inputs...)
				in[i] = tensors.FromFlatDataAndDimensions(values, input.Shape().Dimensions...)
				return lossExec.MustExec(anys(in)...)[0].Value().(float64)
			}
			numeric := (eval(saved+eps) - eval(saved-eps)) / (2 * eps)
			values[j] = saved
			maxErr = max(maxErr, math.Abs(numeric-analytic[j]))
			maxGrad = max(maxGrad, math.Abs(numeric))
		}
	}
	return maxErr / max(maxGrad, 1e-3), nil
}

func anys(ts []*tensors.Tensor) []any {
	out := make([]any, len(ts))
	for i, t := range ts {
		out[i] = t
	}
	return out
}

// gradTolerance is the largest relative error accepted from finite differences in float64.
const gradTolerance = 1e-6
