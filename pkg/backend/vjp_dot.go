package backend

import (
	"slices"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX graph code reads best with the dot import.
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// GoMLX v0.26.0 differentiates DotGeneral (and Dot, for matrices) by broadcasting the incoming gradient against
// the other operand and reducing: for C = A·B with A [m,k], B [k,n] it materializes an [m,k,n] tensor (4 GiB and
// 12 s for 1024^3 on 2 cores). The overrides below use the textbook form, two more DotGenerals:
//
//	dA = dC · Bᵀ,  dB = Aᵀ · dC
//
// generalized to any batch and contracting axes, then transposed back to the operand's axis order. Same math on
// every backend, so installing them for XLA too only removes XLA's need to fuse the broadcast away.

// dotGeneralVJP is the VJP of DotGeneral with the textbook form.
func dotGeneralVJP(node, v *Node, _ shapes.Shape) []*Node {
	p := paramsOf(node)
	lhs, rhs := node.Inputs()[0], node.Inputs()[1]
	lhsContract, lhsBatch := p.Ints("lhsContractingAxes"), p.Ints("lhsBatchAxes")
	rhsContract, rhsBatch := p.Ints("rhsContractingAxes"), p.Ints("rhsBatchAxes")
	return []*Node{
		dotOperandGradient(v, lhs, lhsContract, lhsBatch, rhs, rhsContract, rhsBatch, true),
		dotOperandGradient(v, rhs, rhsContract, rhsBatch, lhs, lhsContract, lhsBatch, false),
	}
}

// dotOperandGradient returns the gradient of DotGeneral with respect to "this" operand, given v, the gradient of
// its output (axes: batch..., lhs cross..., rhs cross...), and the other operand. thisIsLHS tells which cross
// axes of v belong to this operand.
func dotOperandGradient(v, this *Node, thisContract, thisBatch []int, other *Node, otherContract, otherBatch []int, thisIsLHS bool) *Node {
	thisCross := crossAxes(this.Rank(), thisContract, thisBatch)
	otherCross := crossAxes(other.Rank(), otherContract, otherBatch)
	numBatch := len(thisBatch)

	// Axes of v: [batch..., lhs cross..., rhs cross...].
	vThisCross := make([]int, len(thisCross))
	vOtherCross := make([]int, len(otherCross))
	thisStart, otherStart := numBatch, numBatch+len(thisCross)
	if !thisIsLHS {
		thisStart, otherStart = numBatch+len(otherCross), numBatch
	}
	for i := range vThisCross {
		vThisCross[i] = thisStart + i
	}
	for i := range vOtherCross {
		vOtherCross[i] = otherStart + i
	}
	vBatch := make([]int, numBatch)
	for i := range vBatch {
		vBatch[i] = i
	}

	// grad = DotGeneral(v, other): contracts v's "other cross" axes with other's cross axes, keeps the batch.
	// Its axes: [batch..., this cross..., other's contracting axes in other's axis order].
	grad := DotGeneral(v, vOtherCross, vBatch, other, otherCross, otherBatch)

	// Transpose to this operand's axis order.
	otherContractSorted := slices.Sorted(slices.Values(otherContract))
	permutation := make([]int, this.Rank()) // permutation[thisAxis] = axis of grad.
	for i, axis := range thisBatch {
		permutation[axis] = i
	}
	for i, axis := range thisCross {
		permutation[axis] = numBatch + i
	}
	for i, axis := range thisContract {
		permutation[axis] = numBatch + len(thisCross) + slices.Index(otherContractSorted, otherContract[i])
	}
	if isIdentity(permutation) {
		return grad
	}
	return TransposeAllAxes(grad, permutation...)
}

// crossAxes returns the axes of an operand of the given rank that are neither contracting nor batch, in order.
func crossAxes(rank int, contract, batch []int) []int {
	var cross []int
	for axis := range rank {
		if !slices.Contains(contract, axis) && !slices.Contains(batch, axis) {
			cross = append(cross, axis)
		}
	}
	return cross
}

func isIdentity(permutation []int) bool {
	for i, axis := range permutation {
		if i != axis {
			return false
		}
	}
	return true
}

// dotVJP is the VJP of Dot (vector·vector, matrix·vector, matrix·matrix), through the same DotGeneral form.
func dotVJP(node, v *Node, _ shapes.Shape) []*Node {
	lhs, rhs := node.Inputs()[0], node.Inputs()[1]
	lhsContract := []int{lhs.Rank() - 1}
	return []*Node{
		dotOperandGradient(v, lhs, lhsContract, nil, rhs, []int{0}, nil, true),
		dotOperandGradient(v, rhs, []int{0}, nil, lhs, lhsContract, nil, false),
	}
}
