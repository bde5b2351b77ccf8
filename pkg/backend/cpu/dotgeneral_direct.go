package cpu

// The DotGeneral executor for float32 and float64 products too small for the packed one (dotgeneral_packed.go):
// matrix-vector products, and batches of small matrices (EG3D's importance sampler multiplies 4096 pairs of
// 1x16 and 16x47 matrices). Plain loops over the operands in place, split over workers by batch and row; the
// stock executor first copied both operands to a blocked layout.
//
// Each output element is its products summed in order of the contraction index, starting from 0, whichever
// loop computes it: the results do not depend on the layout or the number of workers.

// execDotGeneralDirect computes output = lhs·rhs as planned in p.
func execDotGeneralDirect[T float32 | float64](backend *Backend, p *dgPlan, lhs, rhs, output []T) {
	units := p.batch * p.m
	if units == 0 || p.n == 0 {
		return
	}
	work := units * p.n * max(p.k, 1)
	tasks := 1
	if work >= 1<<16 {
		tasks = min(units, 4*max(backend.workers.MaxParallelism(), 1))
	}
	// Along the output row, the rhs advances by cols.stride when its columns are evenly spaced.
	cols := &p.rhsCols
	axpy := cols.table == nil && cols.stride == 1
	do := func(task int) {
		for u := task * units / tasks; u < (task+1)*units/tasks; u++ {
			b, i := u/p.m, u%p.m
			out := output[u*p.n : (u+1)*p.n]
			clear(out)
			aRow := p.lhsBatch.offset(b) + p.lhsRows.offset(i)
			bBase := p.rhsBatch.offset(b)
			if axpy {
				for k := range p.k {
					a := lhs[aRow+p.lhsContr.offset(k)]
					row := rhs[bBase+p.rhsContr.offset(k):]
					row = row[:len(out)]
					for j := range out {
						out[j] += a * row[j]
					}
				}
				continue
			}
			for j := range out {
				bCol := bBase + cols.offset(j)
				var sum T
				for k := range p.k {
					sum += lhs[aRow+p.lhsContr.offset(k)] * rhs[bCol+p.rhsContr.offset(k)]
				}
				out[j] = sum
			}
		}
	}
	if tasks == 1 {
		do(0)
		return
	}
	backend.workers.ParallelFor(tasks, do)
}
