package cpu

// The fast Transpose executor for 4- and 8-byte dtypes. The permutation is simplified first (size-1 axes
// dropped, output axes that stay adjacent in the operand merged), then the output is written either as copies
// of contiguous runs (when its innermost axis is contiguous in the operand too), or as 2D transposes between
// its innermost axis and the operand's innermost one, in tiles that stay in cache, for every index of the other
// axes; over all workers. The stock executor moved one element at a time through an index iterator. Other
// dtypes go to it.

import (
	"unsafe"

	"github.com/gomlx/gomlx/backends"
)

func init() {
	setNodeExecutor(backends.OpTypeTranspose, priorityArch, execTransposeFast)
}

// transposeTile is the side of the square tiles of the 2D transposes.
const transposeTile = 32

// transposePlan is a simplified permutation: output axis a has dims[a] elements at operand stride strides[a].
type transposePlan struct {
	dims, strides []int
}

// newTransposePlan simplifies the permutation perm of an operand of dimensions inDims.
func newTransposePlan(inDims, perm []int) transposePlan {
	inStrides := make([]int, len(inDims))
	s := 1
	for a := len(inDims) - 1; a >= 0; a-- {
		inStrides[a] = s
		s *= inDims[a]
	}
	var p transposePlan
	for _, in := range perm {
		d, st := inDims[in], inStrides[in]
		if d == 1 {
			continue
		}
		if n := len(p.dims); n > 0 && p.strides[n-1] == st*d {
			p.dims[n-1] *= d // Adjacent in the operand too: one axis.
			p.strides[n-1] = st
			continue
		}
		p.dims = append(p.dims, d)
		p.strides = append(p.strides, st)
	}
	return p
}

// execTransposeFast is the Transpose executor.
func execTransposeFast(backend *Backend, node *Node, inputs []*Buffer, inputsOwned []bool) (*Buffer, error) {
	operand := inputs[0]
	elem := operand.shape.DType.Size()
	if backend.stock.transpose || (elem != 4 && elem != 8) || operand.shape.Size() < 2 {
		return execTranspose(backend, node, inputs, inputsOwned)
	}
	output := backend.getBufferForShape(node.shape)
	p := newTransposePlan(operand.shape.Dimensions, node.data.([]int))
	inB, outB := operand.mutableBytes(), output.mutableBytes()
	if elem == 4 {
		in := unsafe.Slice((*uint32)(unsafe.Pointer(unsafe.SliceData(inB))), len(inB)/4)
		out := unsafe.Slice((*uint32)(unsafe.Pointer(unsafe.SliceData(outB))), len(outB)/4)
		transposeElems(backend, p, in, out)
	} else {
		in := unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(inB))), len(inB)/8)
		out := unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(outB))), len(outB)/8)
		transposeElems(backend, p, in, out)
	}
	return output, nil
}

// transposeElems writes out, of the simplified shape p.dims, from in.
func transposeElems[E uint32 | uint64](backend *Backend, p transposePlan, in, out []E) {
	rank := len(p.dims)
	if rank <= 1 {
		copy(out, in)
		return
	}
	last := rank - 1
	if p.strides[last] == 1 {
		// Contiguous runs of dims[last] elements, at offsets set by the outer axes.
		n := p.dims[last]
		outer := len(out) / n
		parallelRange(backend, outer, max(1, 4096/n), func(lo, hi int) {
			off, idx := transposeOffset(p.dims[:last], p.strides[:last], lo)
			for r := lo; r < hi; r++ {
				copy(out[r*n:(r+1)*n], in[off:off+n])
				off = transposeNext(p.dims[:last], p.strides[:last], idx, off)
			}
		})
		return
	}
	// The output axis that is the operand's innermost (stride 1): c. Blocks of dims[c] x dims[last] for every
	// index of the other axes, transposed tile by tile.
	c := 0
	for a, st := range p.strides {
		if st == 1 {
			c = a
		}
	}
	dc, dl, sl := p.dims[c], p.dims[last], p.strides[last]
	// The other axes: their dims, operand strides and output strides.
	var odims, istr, ostr []int
	os := 1
	ostrides := make([]int, rank)
	for a := last; a >= 0; a-- {
		ostrides[a] = os
		os *= p.dims[a]
	}
	outStrideC := ostrides[c]
	for a := range last {
		if a != c {
			odims = append(odims, p.dims[a])
			istr = append(istr, p.strides[a])
			ostr = append(ostr, ostrides[a])
		}
	}
	blocks := 1
	for _, d := range odims {
		blocks *= d
	}
	tc, tl := (dc+transposeTile-1)/transposeTile, (dl+transposeTile-1)/transposeTile
	units := blocks * tc * tl
	parallelRange(backend, units, max(1, 1024/(dc*dl/(tc*tl)+1)), func(lo, hi int) {
		for u := lo; u < hi; u++ {
			blk, t := u/(tc*tl), u%(tc*tl)
			c0, l0 := (t/tl)*transposeTile, (t%tl)*transposeTile
			c1, l1 := min(c0+transposeTile, dc), min(l0+transposeTile, dl)
			inOff, outOff := 0, 0
			rem := blk
			for a := len(odims) - 1; a >= 0; a-- {
				i := rem % odims[a]
				rem /= odims[a]
				inOff += i * istr[a]
				outOff += i * ostr[a]
			}
			for ic := c0; ic < c1; ic++ {
				o := out[outOff+ic*outStrideC+l0 : outOff+ic*outStrideC+l1]
				src := inOff + ic + l0*sl
				for j := range o {
					o[j] = in[src+j*sl]
				}
			}
		}
	})
}

// transposeOffset returns the operand offset of flat index i over dims (row-major) and its multi-index.
func transposeOffset(dims, strides []int, i int) (int, []int) {
	idx := make([]int, len(dims))
	off := 0
	for a := len(dims) - 1; a >= 0; a-- {
		idx[a] = i % dims[a]
		i /= dims[a]
		off += idx[a] * strides[a]
	}
	return off, idx
}

// transposeNext advances the multi-index idx over dims by one and returns the new operand offset.
func transposeNext(dims, strides, idx []int, off int) int {
	for a := len(dims) - 1; a >= 0; a-- {
		idx[a]++
		off += strides[a]
		if idx[a] < dims[a] {
			return off
		}
		off -= dims[a] * strides[a]
		idx[a] = 0
	}
	return off
}
