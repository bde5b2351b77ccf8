package backend

import (
	"fmt"
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

func TestDotGeneralGradient(t *testing.T) {
	b := cpuBackend(t)
	rng := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name                  string
		lhsDims, rhsDims      []int
		lhsContract, lhsBatch []int
		rhsContract, rhsBatch []int
	}{
		{"matmul", []int{3, 4}, []int{4, 5}, []int{1}, nil, []int{0}, nil},
		{"matmul transposed operands", []int{4, 3}, []int{5, 4}, []int{0}, nil, []int{1}, nil},
		{"batched", []int{2, 3, 4}, []int{2, 4, 5}, []int{2}, []int{0}, []int{1}, []int{0}},
		{"batch axis last, two contractions", []int{3, 2, 4, 2}, []int{4, 3, 5, 2}, []int{2, 0}, []int{3}, []int{0, 1}, []int{3}},
		{"contract everything", []int{3, 4}, []int{4, 3}, []int{0, 1}, nil, []int{1, 0}, nil},
		{"outer product", []int{3}, []int{4}, nil, nil, nil, nil},
		{"two batch axes swapped", []int{2, 3, 4, 5}, []int{3, 2, 5, 1}, []int{3}, []int{0, 1}, []int{2}, []int{1, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := gradientError(t, b, rng, func(in []*Node) *Node {
				return DotGeneral(in[0], tc.lhsContract, tc.lhsBatch, in[1], tc.rhsContract, tc.rhsBatch)
			}, randomTensor(rng, tc.lhsDims...), randomTensor(rng, tc.rhsDims...))
			if err > gradTolerance {
				t.Errorf("relative gradient error %.3g", err)
			}
		})
	}
}

func TestDotGradient(t *testing.T) {
	b := cpuBackend(t)
	rng := rand.New(rand.NewPCG(3, 4))
	for _, dims := range [][2][]int{
		{{5}, {5}},       // vector · vector
		{{3, 5}, {5}},    // matrix · vector
		{{3, 5}, {5, 2}}, // matrix · matrix
	} {
		t.Run(fmt.Sprint(dims), func(t *testing.T) {
			err := gradientError(t, b, rng, func(in []*Node) *Node { return Dot(in[0], in[1]) },
				randomTensor(rng, dims[0]...), randomTensor(rng, dims[1]...))
			if err > gradTolerance {
				t.Errorf("relative gradient error %.3g", err)
			}
		})
	}
	// MatMul and Einsum go through DotGeneral (with broadcasting / transposes around it).
	for name, fn := range map[string]func(in []*Node) *Node{
		"MatMul broadcast": func(in []*Node) *Node { return MatMul(in[0], in[1]) },
		"Einsum":           func(in []*Node) *Node { return Einsum("bij,bjk->bki", in[0], in[1]) },
	} {
		t.Run(name, func(t *testing.T) {
			inputs := []*tensors.Tensor{randomTensor(rng, 2, 3, 4), randomTensor(rng, 2, 4, 3)}
			if name == "MatMul broadcast" {
				inputs[1] = randomTensor(rng, 4, 3)
			}
			if err := gradientError(t, b, rng, fn, inputs...); err > gradTolerance {
				t.Errorf("relative gradient error %.3g", err)
			}
		})
	}
}
