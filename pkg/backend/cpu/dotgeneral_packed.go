package cpu

// The fast DotGeneral executor for float32 and float64: a GotoBLAS/BLIS-style blocked matrix multiplication
// that packs its operands straight from their layouts (any order of batch, cross and contracting axes, no
// transposed copies) and runs the micro-kernels of gemm.go over all workers.
//
// For each batch index the product is C[i, j] = Σ_k A[i, k]·B[k, j] with A the lhs (cross x contracting) and B the
// rhs (contracting x cross); C is the node's [batch, lhsCross, rhsCross] output. Units of work are blocks of
// (batch, rows, columns); when they are too few to keep every worker busy and the contraction is long (weight
// gradients: a few hundred outputs summed over a million points) the contraction is split instead, each part
// accumulating into its own copy of C, summed at the end.

import "github.com/gomlx/gomlx/pkg/core/shapes"

// dgIndex maps a flat index over a list of axes to the offset of that element: i*stride when the axes are
// contiguous in memory (after merging), else table[i].
type dgIndex struct {
	n      int
	stride int
	table  []int
}

func (x *dgIndex) offset(i int) int {
	if x.table == nil {
		return i * x.stride
	}
	return x.table[i]
}

// newDGIndex builds the index over axes (in order, the last one varying fastest) of shape.
func newDGIndex(shape shapes.Shape, axes []int) dgIndex {
	strides := shape.Strides()
	// Merge runs of axes that are contiguous (outer stride = inner stride x inner dim), from the innermost.
	type axisRun struct{ dim, stride int }
	var runs []axisRun
	for i := len(axes) - 1; i >= 0; i-- {
		dim, stride := shape.Dimensions[axes[i]], strides[axes[i]]
		if dim == 1 {
			continue
		}
		if n := len(runs); n > 0 && runs[n-1].stride*runs[n-1].dim == stride {
			runs[n-1].dim *= dim
			continue
		}
		runs = append(runs, axisRun{dim, stride})
	}
	total := 1
	for _, axis := range axes {
		total *= shape.Dimensions[axis]
	}
	switch len(runs) {
	case 0:
		return dgIndex{n: total, stride: 0}
	case 1:
		return dgIndex{n: total, stride: runs[0].stride}
	}
	table := make([]int, total)
	// runs[0] is the innermost.
	for i := range table {
		rem, off := i, 0
		for _, r := range runs {
			off += (rem % r.dim) * r.stride
			rem /= r.dim
		}
		table[i] = off
	}
	return dgIndex{n: total, table: table}
}

// dgPlan is the packed-GEMM view of a DotGeneral node.
type dgPlan struct {
	batch, m, n, k              int
	lhsBatch, lhsRows, lhsContr dgIndex
	rhsBatch, rhsContr, rhsCols dgIndex
}

// newDGPlan builds the packed-GEMM view of a DotGeneral of lhs and rhs with params.
func newDGPlan(lhs, rhs shapes.Shape, params *dotGeneralNodeData) *dgPlan {
	cross := func(shape shapes.Shape, contracting, batch []int) []int {
		used := make([]bool, shape.Rank())
		for _, a := range contracting {
			used[a] = true
		}
		for _, a := range batch {
			used[a] = true
		}
		var axes []int
		for a := range shape.Rank() {
			if !used[a] {
				axes = append(axes, a)
			}
		}
		return axes
	}
	p := &dgPlan{
		lhsBatch: newDGIndex(lhs, params.lhsBatchAxes),
		lhsRows:  newDGIndex(lhs, cross(lhs, params.lhsContractingAxes, params.lhsBatchAxes)),
		lhsContr: newDGIndex(lhs, params.lhsContractingAxes),
		rhsBatch: newDGIndex(rhs, params.rhsBatchAxes),
		rhsContr: newDGIndex(rhs, params.rhsContractingAxes),
		rhsCols:  newDGIndex(rhs, cross(rhs, params.rhsContractingAxes, params.rhsBatchAxes)),
	}
	p.batch, p.m, p.k, p.n = p.lhsBatch.n, p.lhsRows.n, p.lhsContr.n, p.rhsCols.n
	return p
}

// usePackedDotGeneral says whether the packed executor suits the problem: it needs matrices, not
// matrix-vector products (whose tiles would be mostly padding) or a batch of tiny products.
func usePackedDotGeneral(params *dotGeneralNodeData) bool {
	m, n, k := params.lhsCrossSize, params.rhsCrossSize, params.contractingSize
	return m >= 8 && n >= 8 && m*n*k >= 1<<15
}

// Blocking: kc rows of the contraction per packed block; mc rows of A per packed A block (in L2); nc columns
// of B per packed B block.
const (
	dgKC = 256
	dgMC = 192
	dgNC = 4096
)

// execDotGeneralPacked computes output = lhs·rhs as planned in p.
func execDotGeneralPacked[T float32 | float64](backend *Backend, p *dgPlan, lhs, rhs, output []T) {
	clear(output)
	if p.k == 0 || len(output) == 0 {
		return
	}
	kern := kernelForShape[T](backend, p.m, p.n, p.k)
	mr, nr := kern.mr, kern.nr
	mc := max(mr, dgMC/mr*mr)
	nc := max(nr, dgNC/nr*nr)
	mBlocks, nBlocks := (p.m+mc-1)/mc, (p.n+nc-1)/nc
	units := p.batch * mBlocks * nBlocks
	workers := max(backend.workers.MaxParallelism(), 1)

	// Split the contraction when the output blocks are too few for the workers.
	kSplit := 1
	if units < 2*workers && p.k >= 4*dgKC {
		kSplit = min(2*workers/units+1, p.k/dgKC)
	}
	kPart := (p.k + kSplit - 1) / kSplit
	kPart = (kPart + dgKC - 1) / dgKC * dgKC
	kSplit = (p.k + kPart - 1) / kPart
	partials := make([][]T, kSplit)
	partials[0] = output
	for s := 1; s < kSplit; s++ {
		partials[s] = make([]T, len(output))
	}

	items := units * kSplit
	numTasks := min(items, 4*workers)
	backend.workers.ParallelFor(numTasks, func(task int) {
		var s dgScratch[T]
		for item := task * items / numTasks; item < (task+1)*items/numTasks; item++ {
			split, unit := item/units, item%units
			nb := unit % nBlocks
			mb := (unit / nBlocks) % mBlocks
			b := unit / (nBlocks * mBlocks)
			i0, i1 := mb*mc, min((mb+1)*mc, p.m)
			j0, j1 := nb*nc, min((nb+1)*nc, p.n)
			k0, k1 := split*kPart, min((split+1)*kPart, p.k)
			out := partials[split][b*p.m*p.n:]
			dgBlock(kern, p, &s, lhs, rhs, out, b, i0, i1, j0, j1, k0, k1)
		}
	})
	for s := 1; s < kSplit; s++ {
		for i, v := range partials[s] {
			output[i] += v
		}
	}
}

// dgScratch is one task's packing buffers, grown on demand.
type dgScratch[T float32 | float64] struct{ ap, bp []T }

func grow[T float32 | float64](buf []T, n int) []T {
	if cap(buf) < n {
		return make([]T, n)
	}
	return buf[:n]
}

// dgBlock adds A[i0:i1, k0:k1]·B[k0:k1, j0:j1] of batch index b to out (that batch's C, row stride p.n).
func dgBlock[T float32 | float64](kern *gemmKernel[T], p *dgPlan, s *dgScratch[T], lhs, rhs, out []T, b, i0, i1, j0, j1, k0, k1 int) {
	mr, nr := kern.mr, kern.nr
	rows, cols := i1-i0, j1-j0
	numAPanels, numBPanels := (rows+mr-1)/mr, (cols+nr-1)/nr
	kcMax := min(dgKC, k1-k0)
	s.ap = grow(s.ap, numAPanels*mr*kcMax)
	s.bp = grow(s.bp, numBPanels*nr*kcMax)
	ap, bp := s.ap, s.bp
	var tile [12 * 32]T // Edge tiles (largest micro-kernel: 12x32).
	lhsBase, rhsBase := p.lhsBatch.offset(b), p.rhsBatch.offset(b)
	for kk := k0; kk < k1; kk += dgKC {
		kc := min(dgKC, k1-kk)
		dgPackA(p, lhs, ap, lhsBase, i0, rows, kk, kc, mr)
		dgPackB(p, rhs, bp, rhsBase, j0, cols, kk, kc, nr)
		for jp := range numBPanels {
			bPanel := bp[jp*kc*nr : (jp+1)*kc*nr]
			jj := j0 + jp*nr
			for ip := range numAPanels {
				aPanel := ap[ip*kc*mr : (ip+1)*kc*mr]
				ii := i0 + ip*mr
				if ii+mr <= i1 && jj+nr <= j1 {
					kern.micro(kc, aPanel, bPanel, out[ii*p.n+jj:], p.n)
					continue
				}
				t := tile[:mr*nr]
				clear(t)
				kern.micro(kc, aPanel, bPanel, t, nr)
				for r := range min(mr, i1-ii) {
					row := out[(ii+r)*p.n+jj:]
					for c := range min(nr, j1-jj) {
						row[c] += t[r*nr+c]
					}
				}
			}
		}
	}
}

// dgPackA packs A[i0:i0+rows, k0:k0+kc] in panels of mr rows: ap[panel*kc*mr + k*mr + r], zero past rows.
func dgPackA[T float32 | float64](p *dgPlan, lhs, ap []T, base, i0, rows, k0, kc, mr int) {
	numPanels := (rows + mr - 1) / mr
	ap = ap[:numPanels*kc*mr]
	if rows%mr != 0 {
		clear(ap[(numPanels-1)*kc*mr:])
	}
	contr := &p.lhsContr
	for i := range rows {
		dst := ap[(i/mr)*kc*mr+i%mr:]
		rowOff := base + p.lhsRows.offset(i0+i)
		if contr.table == nil {
			src, step := rowOff+k0*contr.stride, contr.stride
			for k := range kc {
				dst[k*mr] = lhs[src+k*step]
			}
		} else {
			for k := range kc {
				dst[k*mr] = lhs[rowOff+contr.table[k0+k]]
			}
		}
	}
}

// dgPackB packs B[k0:k0+kc, j0:j0+cols] in panels of nr columns: bp[panel*kc*nr + k*nr + c], zero past cols.
func dgPackB[T float32 | float64](p *dgPlan, rhs, bp []T, base, j0, cols, k0, kc, nr int) {
	numPanels := (cols + nr - 1) / nr
	bp = bp[:numPanels*kc*nr]
	if cols%nr != 0 {
		clear(bp[(numPanels-1)*kc*nr:])
	}
	cIdx := &p.rhsCols
	for k := range kc {
		rowOff := base + p.rhsContr.offset(k0+k)
		for jp := range numPanels {
			c0, c1 := jp*nr, min(cols, jp*nr+nr)
			dst := bp[jp*kc*nr+k*nr:][:c1-c0]
			if cIdx.table == nil {
				if cIdx.stride == 1 {
					copy(dst, rhs[rowOff+j0+c0:rowOff+j0+c1])
					continue
				}
				src := rowOff + (j0+c0)*cIdx.stride
				for c := range dst {
					dst[c] = rhs[src+c*cIdx.stride]
				}
			} else {
				for c := range dst {
					dst[c] = rhs[rowOff+cIdx.table[j0+c0+c]]
				}
			}
		}
	}
}
