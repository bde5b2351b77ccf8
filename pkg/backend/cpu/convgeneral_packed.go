package cpu

// The fast ConvGeneral executor for float32 and float64: im2col fused into the packing of a blocked matrix
// multiplication, spread over the workers pool.
//
// For each group the convolution is the matrix product
//
//	out[o, (b, p)] = Σ_k W[o, k] · X[k, (b, p)],   k = (input channel c, kernel tap), p = output position,
//
// where X is the "im2col" matrix: X[(c, tap), (b, p)] is the input value the kernel tap sees at output position
// p of batch example b (zero in the padding). X is never materialized whole (for a 256-channel 3x3 conv on
// 256x256 it would be 600 MiB): each task packs only the columns of one chunk, straight from the input, into the
// panel layout of the micro-kernel (gemm.go). Batch examples are columns too, so a convolution with few output
// positions and a large batch (the kernel gradient, whose "batch" is the input channels) still fills the
// micro-kernel's tiles.
//
// All of ConvGeneral's generality lives in a per-axis lookup table (output position, kernel tap) -> input offset
// or -1, so strides, negative or positive padding, input and kernel dilations and any tensor layout cost nothing
// in the inner loops. Channel groups and batch groups (XLA semantics) only pick which slice of input, kernel and
// output channels a (group, chunk) unit reads and writes.
//
// Input dilation (a transposed convolution, and the gradients of strided ones) inserts holes that most taps of
// most output positions would multiply. Output positions are therefore split in phase classes: along each
// dilated axis, the positions whose taps land on real input values at the same tap indices. Each class is its
// own product with only those taps, so no multiplication by an inserted zero is ever done: a stride-2
// transposed 3x3 convolution costs a quarter of the zero-insertion form.

import (
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// convGeometry is the static plan of one ConvGeneral node, built once when the graph is built.
type convGeometry struct {
	spatialRank int
	outBatch    int  // Output batch size.
	groups      int  // Number of channel groups or batch groups (at most one of them is > 1).
	batchGroups bool // Whether groups are batch groups (else channel groups).
	cg, og      int  // Input channels read and output channels written per group.
	ks          int  // Number of kernel taps (product of the kernel spatial dimensions).
	np          int  // Number of output spatial positions.

	inBatchStride, inChStride     int
	kInChStride, kOutChStride     int
	outBatchStride, outChStride   int
	outSpatialDims, outSpatialStr []int

	// tables[a][o*kernelDim[a]+kk] is the input offset (index times stride) that output position o and kernel
	// tap kk reach along spatial axis a, or -1 when that lands in padding or in a hole of the input dilation.
	tables     [][]int
	kernelDims []int

	// tapOffsets[kpos] is the kernel offset of tap kpos (row-major over kernel spatial axes); tapCoords[kpos*S+a]
	// its coordinate on axis a.
	tapOffsets []int
	tapCoords  []int

	// classes partition the output positions by the taps that can reach real input values (one class, all
	// taps, without input dilation).
	classes []convClass
}

// convClass is a set of output positions that use the same kernel taps.
type convClass struct {
	taps      []int   // Tap indices (kpos) used, increasing.
	positions []int32 // Flat output spatial positions (row-major over the output spatial axes); nil: all.
	n         int     // Number of positions.
}

// newConvGeometry plans the convolution of input and kernel into output with the (normalized) params.
func newConvGeometry(input, kernel, output shapes.Shape, params *convNode) *convGeometry {
	axes := params.axes
	s := len(axes.InputSpatial)
	inStrides, kStrides, outStrides := input.Strides(), kernel.Strides(), output.Strides()
	g := &convGeometry{
		spatialRank:    s,
		outBatch:       output.Dim(axes.OutputBatch),
		groups:         max(params.channelGroupCount, params.batchGroupCount),
		batchGroups:    params.batchGroupCount > 1,
		cg:             kernel.Dim(axes.KernelInputChannels),
		inBatchStride:  inStrides[axes.InputBatch],
		inChStride:     inStrides[axes.InputChannels],
		kInChStride:    kStrides[axes.KernelInputChannels],
		kOutChStride:   kStrides[axes.KernelOutputChannels],
		outBatchStride: outStrides[axes.OutputBatch],
		outChStride:    outStrides[axes.OutputChannels],
	}
	g.og = output.Dim(axes.OutputChannels) / g.groups
	g.ks, g.np = 1, 1
	g.kernelDims = make([]int, s)
	g.outSpatialDims = make([]int, s)
	g.outSpatialStr = make([]int, s)
	g.tables = make([][]int, s)
	// Per axis: the phase of each output position and the taps valid for each phase.
	phaseOf := make([][]int, s)
	phaseTaps := make([][][]int, s)
	for a := range s {
		inDim := input.Dim(axes.InputSpatial[a])
		kDim := kernel.Dim(axes.KernelSpatial[a])
		outDim := output.Dim(axes.OutputSpatial[a])
		g.kernelDims[a], g.outSpatialDims[a] = kDim, outDim
		g.outSpatialStr[a] = outStrides[axes.OutputSpatial[a]]
		g.ks *= kDim
		g.np *= outDim
		stride, pad := params.strides[a], params.paddings[a][0]
		iDil, kDil := params.inputDilations[a], params.kernelDilations[a]
		dilatedIn := 0
		if inDim > 0 {
			dilatedIn = (inDim-1)*iDil + 1
		}
		table := make([]int, outDim*kDim)
		for o := range outDim {
			for kk := range kDim {
				pos := o*stride - pad + kk*kDil
				if pos < 0 || pos >= dilatedIn || pos%iDil != 0 {
					table[o*kDim+kk] = -1
				} else {
					table[o*kDim+kk] = pos / iDil * inStrides[axes.InputSpatial[a]]
				}
			}
		}
		g.tables[a] = table

		phaseOf[a] = make([]int, outDim)
		phaseTaps[a] = make([][]int, iDil)
		for ph := range iDil {
			for kk := range kDim {
				if (ph+kk*kDil)%iDil == 0 {
					phaseTaps[a][ph] = append(phaseTaps[a][ph], kk)
				}
			}
		}
		for o := range outDim {
			phaseOf[a][o] = ((o*stride-pad)%iDil + iDil) % iDil
		}
	}
	g.tapOffsets = make([]int, g.ks)
	g.tapCoords = make([]int, g.ks*s)
	for kpos := range g.ks {
		rem := kpos
		for a := s - 1; a >= 0; a-- {
			coord := rem % g.kernelDims[a]
			rem /= g.kernelDims[a]
			g.tapCoords[kpos*s+a] = coord
			g.tapOffsets[kpos] += coord * kStrides[axes.KernelSpatial[a]]
		}
	}
	g.classes = planConvClasses(g, params.inputDilations, phaseOf, phaseTaps)
	return g
}

// planConvClasses splits the output positions by the phase of each input-dilated axis.
func planConvClasses(g *convGeometry, inputDilations []int, phaseOf [][]int, phaseTaps [][][]int) []convClass {
	numPhases := 1
	for _, d := range inputDilations {
		numPhases *= d
	}
	if numPhases == 1 || g.np == 0 {
		taps := make([]int, g.ks)
		for i := range taps {
			taps[i] = i
		}
		return []convClass{{taps: taps, n: g.np}}
	}
	s := g.spatialRank
	// Class index of a position: mixed radix over the axes' phases.
	byClass := make([][]int32, numPhases)
	coords := make([]int, s)
	for p := range g.np {
		cls := 0
		for a := range s {
			cls = cls*inputDilations[a] + phaseOf[a][coords[a]]
		}
		byClass[cls] = append(byClass[cls], int32(p))
		for a := s - 1; a >= 0; a-- {
			coords[a]++
			if coords[a] < g.outSpatialDims[a] {
				break
			}
			coords[a] = 0
		}
	}
	var classes []convClass
	phases := make([]int, s)
	for cls, positions := range byClass {
		if len(positions) == 0 {
			continue
		}
		rem := cls
		for a := s - 1; a >= 0; a-- {
			phases[a] = rem % inputDilations[a]
			rem /= inputDilations[a]
		}
		// Taps: the product of the per-axis valid taps, as row-major kpos.
		taps := []int{0}
		for a := range s {
			var next []int
			for _, t := range taps {
				for _, kk := range phaseTaps[a][phases[a]] {
					next = append(next, t*g.kernelDims[a]+kk)
				}
			}
			taps = next
		}
		classes = append(classes, convClass{taps: taps, positions: positions, n: len(positions)})
	}
	return classes
}

// convKCBytes bounds a packed B micro-panel (kc rows of nr values), so it stays in L1 while every A panel of
// the group streams past it from L2; convChunkBytes bounds one packed B block (kc x chunk columns), which sets
// the chunk of columns a unit of work computes. Its accumulators (og x chunk) live in a per-task tile.
const (
	convKCBytes    = 24 << 10
	convChunkBytes = 128 << 10
)

// execConvPacked computes the convolution planned in g.
func execConvPacked[T float32 | float64](backend *Backend, g *convGeometry, input, kernel, output []T) {
	if len(output) == 0 {
		return
	}
	kern := kernelFor[T](backend)
	mr, nr := kern.mr, kern.nr
	var zero T
	elemSize := int(sizeOf(zero))
	kcMax := max(16, min(256, convKCBytes/(nr*elemSize)))

	// Pack the kernel of each class and group as A panels:
	// ap[panel][k*mr + r] = W[group*og + panel*mr + r, channel k/len(taps), tap taps[k%len(taps)]].
	numAPanels := (g.og + mr - 1) / mr
	type classPlan struct {
		k, aPanelSize int
		ap            []T // All groups: group grp at grp*numAPanels*aPanelSize.
		columns       int
		chunk, chunks int
	}
	plans := make([]classPlan, len(g.classes))
	workers := max(backend.workers.MaxParallelism(), 1)
	totalUnits := 0
	for ci, cls := range g.classes {
		p := &plans[ci]
		p.k = g.cg * len(cls.taps)
		p.aPanelSize = p.k * mr
		// The packed kernel is as large as the kernel: for a kernel gradient, that is an output gradient of up to
		// hundreds of MiB, so it comes from (and goes back to) the backend's buffers rather than the Go heap.
		apBuf := backend.getBuffer(dtypeOf[T](), max(g.groups*numAPanels*p.aPanelSize, 1))
		defer backend.putBuffer(apBuf)
		p.ap = apBuf.flat.([]T)[:g.groups*numAPanels*p.aPanelSize]
		clear(p.ap)                               // Zero rows pad the last panel.
		for grp := range g.groups * min(p.k, 1) { // No taps (every one lands in a hole): outputs are zeros.
			for o := range g.og {
				kOff := (grp*g.og + o) * g.kOutChStride
				dst := p.ap[(grp*numAPanels+o/mr)*p.aPanelSize+o%mr:]
				for c := range g.cg {
					cOff := kOff + c*g.kInChStride
					row := c * len(cls.taps)
					for t, kpos := range cls.taps {
						dst[(row+t)*mr] = kernel[cOff+g.tapOffsets[kpos]]
					}
				}
			}
		}
		p.columns = g.outBatch * cls.n
		p.chunk = max(nr, convChunkBytes/(max(min(p.k, kcMax), 1)*elemSize)/nr*nr)
		p.chunk = min(p.chunk, (p.columns+nr-1)/nr*nr)
		p.chunks = (p.columns + p.chunk - 1) / p.chunk
		totalUnits += g.groups * p.chunks
	}
	// Enough units of work to keep every worker busy: halve the chunks while there are too few.
	for totalUnits < 4*workers {
		totalUnits = 0
		changed := false
		for ci := range plans {
			p := &plans[ci]
			if p.chunk > 2*nr {
				p.chunk = (p.chunk / 2) / nr * nr
				p.chunks = (p.columns + p.chunk - 1) / p.chunk
				changed = true
			}
			totalUnits += g.groups * p.chunks
		}
		if !changed {
			break
		}
	}
	type unit struct{ class, grp, chunk int }
	units := make([]unit, 0, totalUnits)
	maxChunk := 0
	for ci, p := range plans {
		maxChunk = max(maxChunk, p.chunk)
		for grp := range g.groups {
			for ch := range p.chunks {
				units = append(units, unit{ci, grp, ch})
			}
		}
	}
	numTasks := min(len(units), 4*workers)
	backend.workers.ParallelFor(numTasks, func(task int) {
		s := newConvScratch[T](g, kern, maxChunk, kcMax)
		for _, u := range units[task*len(units)/numTasks : (task+1)*len(units)/numTasks] {
			p := &plans[u.class]
			groupA := p.ap[u.grp*numAPanels*p.aPanelSize : (u.grp+1)*numAPanels*p.aPanelSize]
			c0 := u.chunk * p.chunk
			convUnit(g, kern, s, &g.classes[u.class], input, groupA, output, u.grp, c0, min(c0+p.chunk, p.columns), p.k, kcMax)
		}
	})
}

// convScratch is one task's working memory.
type convScratch[T float32 | float64] struct {
	bp        []T     // Packed im2col rows [k0, k0+kc) of the chunk: bp[panel*kc*nr + (k-k0)*nr + c].
	acc       []T     // Accumulators: acc[o*ldc + j] for output channel o (of the group) and chunk column j.
	ldc       int     // Row stride of acc.
	rowStarts [][]int // rowStarts[a][j]: start of the table row of chunk column j on axis a.
	inBase    []int   // Input batch offset of chunk column j.
	outOffs   []int   // Output offset (batch and spatial) of chunk column j.
	// rowPanel[jp] is set when the columns of B panel jp (rank 2) are consecutive positions of one output row of
	// one batch example: then a tap whose first and last reads are valid and as far apart as the columns reads
	// a contiguous run of the input, copied whole.
	rowPanel []bool
}

func newConvScratch[T float32 | float64](g *convGeometry, kern *gemmKernel[T], chunk, kcMax int) *convScratch[T] {
	numAPanels := (g.og + kern.mr - 1) / kern.mr
	s := &convScratch[T]{
		bp:        make([]T, chunk*kcMax),
		acc:       make([]T, numAPanels*kern.mr*chunk),
		ldc:       chunk,
		rowStarts: make([][]int, g.spatialRank),
		inBase:    make([]int, chunk),
		outOffs:   make([]int, chunk),
		rowPanel:  make([]bool, (chunk+kern.nr-1)/kern.nr),
	}
	for a := range s.rowStarts {
		s.rowStarts[a] = make([]int, chunk)
	}
	return s
}

// convUnit computes columns [j0, j1) (batch example major, then the class's output positions) of group grp.
func convUnit[T float32 | float64](g *convGeometry, kern *gemmKernel[T], s *convScratch[T], cls *convClass,
	input, ap, output []T, grp, j0, j1, k, kcMax int) {
	n := j1 - j0
	rank := g.spatialRank
	mr, nr := kern.mr, kern.nr

	// Locate the chunk's columns: input batch offsets, table rows and output offsets.
	for j := range n {
		col := j0 + j
		b, q := col/cls.n, col%cls.n
		p := q
		if cls.positions != nil {
			p = int(cls.positions[q])
		}
		inBatch := b
		if g.batchGroups {
			inBatch = grp*g.outBatch + b
		}
		s.inBase[j] = inBatch * g.inBatchStride
		off := b * g.outBatchStride
		for a := rank - 1; a >= 0; a-- {
			coord := p % g.outSpatialDims[a]
			p /= g.outSpatialDims[a]
			s.rowStarts[a][j] = coord * g.kernelDims[a]
			off += coord * g.outSpatialStr[a]
		}
		s.outOffs[j] = off
	}

	if rank == 2 {
		for jp := 0; jp*nr < n; jp++ {
			j0, j1 := jp*nr, min(n, jp*nr+nr)
			same := true
			for j := j0 + 1; j < j1 && same; j++ {
				same = s.rowStarts[0][j] == s.rowStarts[0][j0] && s.inBase[j] == s.inBase[j0] &&
					s.rowStarts[1][j] == s.rowStarts[1][j-1]+g.kernelDims[1]
			}
			s.rowPanel[jp] = same
		}
	}

	inChBase := 0
	if !g.batchGroups {
		inChBase = grp * g.cg
	}
	numAPanels := (g.og + mr - 1) / mr
	aPanelSize := k * mr
	numBPanels := (n + nr - 1) / nr
	ldc := s.ldc
	acc := s.acc[:numAPanels*mr*ldc]
	clear(acc)

	for k0 := 0; k0 < k; k0 += kcMax {
		kc := min(kcMax, k-k0)
		bPanelSize := kc * nr
		bp := s.bp[:numBPanels*bPanelSize]
		convPackB(g, s, cls.taps, input, bp, bPanelSize, k0, kc, n, inChBase, nr)

		// Multiply: each B micro-panel (in L1) against every A panel of the group (the kc-slice of A stays in L2).
		for jp := range numBPanels {
			bPanel := bp[jp*bPanelSize : (jp+1)*bPanelSize]
			for ip := range numAPanels {
				kern.micro(kc, ap[ip*aPanelSize+k0*mr:], bPanel, acc[ip*mr*ldc+jp*nr:], ldc)
			}
		}
	}

	outBase := grp * g.og * g.outChStride
	for o := range g.og {
		rowBase := outBase + o*g.outChStride
		row := acc[o*ldc : o*ldc+n]
		for j, v := range row {
			output[rowBase+s.outOffs[j]] = v
		}
	}
}

// convPackB packs rows [k0, k0+kc) of the class's im2col matrix, for the n chunk columns located in s, as B
// panels of nr columns (zero past n): bp[panel*bPanelSize + (k-k0)*nr + c].
func convPackB[T float32 | float64](g *convGeometry, s *convScratch[T], taps []int, input, bp []T, bPanelSize, k0, kc, n, inChBase, nr int) {
	rank := g.spatialRank
	if n%nr != 0 {
		clear(bp[len(bp)-bPanelSize:])
	}
	ntaps := len(taps)
	for k := k0; k < k0+kc; k++ {
		c, kpos := k/ntaps, taps[k%ntaps]
		chOff := (inChBase + c) * g.inChStride
		tc := g.tapCoords[kpos*rank : kpos*rank+rank]
		for jp := 0; jp*nr < n; jp++ {
			j0, j1 := jp*nr, min(n, jp*nr+nr)
			dst := bp[jp*bPanelSize+(k-k0)*nr:][:j1-j0]
			inBase := s.inBase[j0:j1]
			switch rank {
			case 1:
				t0, rs0 := g.tables[0][tc[0]:], s.rowStarts[0][j0:j1]
				for j, r0 := range rs0 {
					var v T
					if o0 := t0[r0]; o0 >= 0 {
						v = input[inBase[j]+chOff+o0]
					}
					dst[j] = v
				}
			case 2:
				t0, rs0 := g.tables[0][tc[0]:], s.rowStarts[0][j0:j1]
				t1, rs1 := g.tables[1][tc[1]:], s.rowStarts[1][j0:j1]
				rs1 = rs1[:len(rs0)]
				inBase = inBase[:len(rs0)]
				if s.rowPanel[jp] {
					o0, first, last := t0[rs0[0]], t1[rs1[0]], t1[rs1[len(rs1)-1]]
					if o0 >= 0 && first >= 0 && last >= 0 && last-first == len(rs1)-1 {
						src := inBase[0] + chOff + o0 + first
						copy(dst, input[src:src+len(dst)])
						continue
					}
				}
				for j, r0 := range rs0 {
					var v T
					if o0, o1 := t0[r0], t1[rs1[j]]; o0 >= 0 && o1 >= 0 {
						v = input[inBase[j]+chOff+o0+o1]
					}
					dst[j] = v
				}
			default:
				for j := range dst {
					off := inBase[j] + chOff
					for a := range rank {
						o := g.tables[a][s.rowStarts[a][j0+j]+tc[a]]
						if o < 0 {
							off = -1
							break
						}
						off += o
					}
					var v T
					if off >= 0 {
						v = input[off]
					}
					dst[j] = v
				}
			}
		}
	}
}

// dtypeOf returns the dtype of T.
func dtypeOf[T float32 | float64]() dtypes.DType {
	var zero T
	if _, ok := any(zero).(float32); ok {
		return dtypes.Float32
	}
	return dtypes.Float64
}

// sizeOf returns the size in bytes of a float32 or float64.
func sizeOf[T float32 | float64](T) uintptr {
	var zero T
	switch any(zero).(type) {
	case float32:
		return 4
	default:
		return 8
	}
}
