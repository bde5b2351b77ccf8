package cpu

// The fast ConvGeneral executor for float32 and float64: im2col fused into the packing of a blocked matrix
// multiplication, spread over the workers pool.
//
// For each (output batch example, group) the convolution is the matrix product
//
//	out[o, p] = Σ_k W[o, k] · X[k, p],   k = (input channel c, kernel position), p = output position,
//
// where X is the "im2col" matrix: X[(c, kpos), p] is the input value the kernel tap kpos sees at output position
// p (zero in the padding and in the holes of an input dilation). X is never materialized whole (for a 64-channel
// 3x3 conv on 128x128 it would be 37 MiB per example): each task packs only the columns of one chunk of output
// positions, straight from the input, into the panel layout of gemmMicroKernel.
//
// All of ConvGeneral's generality lives in a per-axis lookup table (output position, kernel tap) -> input offset
// or -1, so strides, negative or positive padding, input and kernel dilations and any tensor layout cost nothing
// in the inner loops. Channel groups and batch groups (XLA semantics) only pick which slice of input, kernel and
// output channels a (batch, group) unit reads and writes.

import "github.com/gomlx/gomlx/pkg/core/shapes"

// convGeometry is the static plan of one ConvGeneral node, built once when the graph is built.
type convGeometry struct {
	spatialRank int
	outBatch    int  // Output batch size.
	groups      int  // Number of channel groups or batch groups (at most one of them is > 1).
	batchGroups bool // Whether groups are batch groups (else channel groups).
	cg, og      int  // Input channels read and output channels written per group.
	ks          int  // Number of kernel taps (product of the kernel spatial dimensions).
	k           int  // Contraction size: cg*ks.
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
	}
	g.k = g.cg * g.ks
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
	return g
}

// Blocking, for float32 (float64 uses half the columns per chunk):
//   - convKC: rows of the im2col matrix (kernel taps x channels) packed and multiplied at a time, so the slice
//     of the packed kernel in use (og x convKC) stays in L2 and a B micro-panel (convKC x gemmNR) in L1;
//   - convChunkBytes: size of one packed B block (convKC x chunk columns), which bounds the chunk of output
//     positions a unit of work computes. Its accumulators (og x chunk) live in a per-task tile.
const (
	convKC         = 256
	convChunkBytes = 128 << 10
)

// execConvPacked computes the convolution planned in g.
func execConvPacked[T float32 | float64](backend *Backend, g *convGeometry, input, kernel, output []T) {
	if len(output) == 0 {
		return
	}
	if g.k == 0 {
		clear(output)
		return
	}

	// Pack the kernel of each group as A panels: ap[group][panel][k*gemmMR + r] = W[group*og + panel*gemmMR + r, k].
	numAPanels := (g.og + gemmMR - 1) / gemmMR
	aPanelSize := g.k * gemmMR
	groupASize := numAPanels * aPanelSize
	ap := make([]T, g.groups*groupASize)
	for grp := range g.groups {
		for o := range g.og {
			kOff := (grp*g.og + o) * g.kOutChStride
			dst := ap[grp*groupASize+(o/gemmMR)*aPanelSize+o%gemmMR:]
			for c := range g.cg {
				cOff := kOff + c*g.kInChStride
				for kpos, tapOff := range g.tapOffsets {
					dst[(c*g.ks+kpos)*gemmMR] = kernel[cOff+tapOff]
				}
			}
		}
	}

	// Split the output positions in chunks, with enough units of work (batch example, group, chunk) to keep
	// every worker busy.
	var zero T
	elemSize := int(sizeOf(zero))
	chunk := max(gemmNR, convChunkBytes/(min(g.k, convKC)*elemSize)/gemmNR*gemmNR)
	workers := max(backend.workers.MaxParallelism(), 1)
	for chunk > 8*gemmNR && g.outBatch*g.groups*((g.np+chunk-1)/chunk) < 4*workers {
		chunk = max(gemmNR, (chunk/2)/gemmNR*gemmNR)
	}
	chunk = min(chunk, (g.np+gemmNR-1)/gemmNR*gemmNR)
	chunksPerImage := (g.np + chunk - 1) / chunk
	numUnits := g.outBatch * g.groups * chunksPerImage
	numTasks := min(numUnits, 4*workers)

	backend.workers.ParallelFor(numTasks, func(task int) {
		s := newConvScratch[T](g, chunk)
		for unit := task * numUnits / numTasks; unit < (task+1)*numUnits/numTasks; unit++ {
			ch := unit % chunksPerImage
			grp := (unit / chunksPerImage) % g.groups
			b := unit / (chunksPerImage * g.groups)
			convUnit(g, s, input, ap[grp*groupASize:(grp+1)*groupASize], output, b, grp, ch*chunk, min((ch+1)*chunk, g.np))
		}
	})
}

// convScratch is one task's working memory.
type convScratch[T float32 | float64] struct {
	bp        []T     // Packed im2col rows [k0, k0+kc) of the chunk: bp[panel*kc*gemmNR + (k-k0)*gemmNR + c].
	acc       []T     // Accumulators: acc[o*chunk + j] for output channel o (of the group) and chunk column j.
	rowStarts [][]int // rowStarts[a][j]: start of the table row of chunk column j on axis a.
	outOffs   []int   // Output spatial offset of chunk column j.
	coords    []int   // Odometer over output spatial coordinates.
	chunk     int
}

func newConvScratch[T float32 | float64](g *convGeometry, chunk int) *convScratch[T] {
	numAPanels := (g.og + gemmMR - 1) / gemmMR
	s := &convScratch[T]{
		bp:        make([]T, chunk*min(g.k, convKC)),
		acc:       make([]T, numAPanels*gemmMR*chunk),
		rowStarts: make([][]int, g.spatialRank),
		outOffs:   make([]int, chunk),
		coords:    make([]int, g.spatialRank),
		chunk:     chunk,
	}
	for a := range s.rowStarts {
		s.rowStarts[a] = make([]int, chunk)
	}
	return s
}

// convUnit computes output positions [p0, p1) of output batch example b and group grp.
func convUnit[T float32 | float64](g *convGeometry, s *convScratch[T], input, ap, output []T, b, grp, p0, p1 int) {
	n := p1 - p0
	rank := g.spatialRank

	// Locate the chunk's output positions: table rows and output offsets.
	rem := p0
	for a := rank - 1; a >= 0; a-- {
		s.coords[a] = rem % g.outSpatialDims[a]
		rem /= g.outSpatialDims[a]
	}
	for j := range n {
		off := 0
		for a := range rank {
			s.rowStarts[a][j] = s.coords[a] * g.kernelDims[a]
			off += s.coords[a] * g.outSpatialStr[a]
		}
		s.outOffs[j] = off
		for a := rank - 1; a >= 0; a-- {
			s.coords[a]++
			if s.coords[a] < g.outSpatialDims[a] {
				break
			}
			s.coords[a] = 0
		}
	}

	inBatch, inChBase := b, 0
	if g.batchGroups {
		inBatch = grp*g.outBatch + b
	} else {
		inChBase = grp * g.cg
	}
	numAPanels := (g.og + gemmMR - 1) / gemmMR
	aPanelSize := g.k * gemmMR
	numBPanels := (n + gemmNR - 1) / gemmNR
	acc := s.acc[:numAPanels*gemmMR*s.chunk]
	clear(acc)

	for k0 := 0; k0 < g.k; k0 += convKC {
		kc := min(convKC, g.k-k0)
		bPanelSize := kc * gemmNR
		bp := s.bp[:numBPanels*bPanelSize]
		convPackB(g, s, input, bp, bPanelSize, k0, kc, n, inBatch*g.inBatchStride, inChBase)

		// Multiply: each B micro-panel (in L1) against every A panel of the group (the kc-slice of A stays in L2).
		for jp := range numBPanels {
			bPanel := bp[jp*bPanelSize : (jp+1)*bPanelSize]
			for ip := range numAPanels {
				block := gemmMicroKernel(kc, ap[ip*aPanelSize+k0*gemmMR:], bPanel)
				for r := range gemmMR {
					row := acc[(ip*gemmMR+r)*s.chunk+jp*gemmNR:]
					for c := range gemmNR {
						row[c] += block[r*gemmNR+c]
					}
				}
			}
		}
	}

	outBase := b*g.outBatchStride + grp*g.og*g.outChStride
	for o := range g.og {
		rowBase := outBase + o*g.outChStride
		row := acc[o*s.chunk : o*s.chunk+n]
		for j, v := range row {
			output[rowBase+s.outOffs[j]] = v
		}
	}
}

// convPackB packs rows [k0, k0+kc) of the im2col matrix, for the n chunk columns located in s, as B panels of
// gemmNR columns (zero past n): bp[panel*bPanelSize + (k-k0)*gemmNR + c].
func convPackB[T float32 | float64](g *convGeometry, s *convScratch[T], input, bp []T, bPanelSize, k0, kc, n, batchOff, inChBase int) {
	rank := g.spatialRank
	if n%gemmNR != 0 {
		clear(bp[len(bp)-bPanelSize:])
	}
	for k := k0; k < k0+kc; k++ {
		c, kpos := k/g.ks, k%g.ks
		chOff := batchOff + (inChBase+c)*g.inChStride
		taps := g.tapCoords[kpos*rank : kpos*rank+rank]
		dst := bp[(k-k0)*gemmNR:]
		switch rank {
		case 1:
			t0, rs0 := g.tables[0][taps[0]:], s.rowStarts[0][:n]
			for j, r0 := range rs0 {
				var v T
				if o0 := t0[r0]; o0 >= 0 {
					v = input[chOff+o0]
				}
				dst[(j/gemmNR)*bPanelSize+j%gemmNR] = v
			}
		case 2:
			t0, rs0 := g.tables[0][taps[0]:], s.rowStarts[0][:n]
			t1, rs1 := g.tables[1][taps[1]:], s.rowStarts[1][:n]
			for j, r0 := range rs0 {
				var v T
				if o0, o1 := t0[r0], t1[rs1[j]]; o0 >= 0 && o1 >= 0 {
					v = input[chOff+o0+o1]
				}
				dst[(j/gemmNR)*bPanelSize+j%gemmNR] = v
			}
		default:
			for j := range n {
				off := chOff
				for a := range rank {
					o := g.tables[a][s.rowStarts[a][j]+taps[a]]
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
				dst[(j/gemmNR)*bPanelSize+j%gemmNR] = v
			}
		}
	}
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
