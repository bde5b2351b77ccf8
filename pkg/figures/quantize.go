package figures

import (
	"cmp"
	"image"
	"image/color"
	"math"
	"slices"
)

// Palette fitting for GIF frames: each frame gets up to 256 colours chosen for that frame's own pixels, by a
// variance-minimizing median cut refined with k-means, so a smooth render keeps steps of a level or two where
// one palette spread over every frame (or over the whole colour cube) leaves visible bands.

const (
	// maxPaletteColors is the most colours a GIF frame can hold.
	maxPaletteColors = 256
	// maxFitColors bounds the distinct colours a palette is fitted to; a frame with more is binned coarser
	// (keeping each bin's mean colour) so large frames stay fast. Pixels are still mapped by their exact colour.
	maxFitColors = 1 << 15
	// kMeansRounds is the most k-means rounds that refine the median cut's palette; each lowers the squared
	// error, and rounds stop early once no colour changes cluster.
	kMeansRounds = 4
)

// entry is one colour of a frame with the number of pixels it stands for.
type entry struct {
	c [3]float64 // the colour, 0-255 per channel (the mean of its pixels once colours are binned)
	n float64    // pixels
}

// framePalette returns a palette of at most n colours (n in [1, 256]; other values mean 256) for the pixels
// of m: all of m's distinct colours, sorted, when it has n or fewer, so such frames are kept exactly;
// otherwise the means of n clusters found by a median cut that always splits the cluster with the largest
// squared error where the split lowers it most, refined by a few k-means rounds. The result depends only on
// m's pixels.
func framePalette(m *image.NRGBA, n int) color.Palette {
	if n < 1 || n > maxPaletteColors {
		n = maxPaletteColors
	}
	entries := colorCounts(m)
	if len(entries) <= n {
		pal := make(color.Palette, len(entries))
		for i, e := range entries {
			pal[i] = color.NRGBA{uint8(e.c[0]), uint8(e.c[1]), uint8(e.c[2]), 0xff}
		}
		return pal
	}
	entries = coarsen(entries, maxFitColors)
	centres := kMeans(entries, medianCut(entries, n), kMeansRounds)
	pal := make(color.Palette, 0, len(centres))
	seen := map[color.NRGBA]bool{}
	for _, c := range centres {
		p := color.NRGBA{round8(c[0]), round8(c[1]), round8(c[2]), 0xff}
		if !seen[p] {
			seen[p] = true
			pal = append(pal, p)
		}
	}
	return pal
}

// round8 rounds v to the nearest 8-bit level.
func round8(v float64) uint8 { return uint8(math.Round(min(255, max(0, v)))) }

// pack returns the 24-bit key of an 8-bit colour.
func pack(r, g, b uint8) uint32 { return uint32(r)<<16 | uint32(g)<<8 | uint32(b) }

// colorCounts returns the distinct colours of m with their pixel counts, sorted by colour.
func colorCounts(m *image.NRGBA) []entry {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	counts := map[uint32]int{}
	for y := range h {
		row := m.Pix[y*m.Stride : y*m.Stride+4*w]
		for x := 0; x < len(row); x += 4 {
			counts[pack(row[x], row[x+1], row[x+2])]++
		}
	}
	keys := make([]uint32, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.Sort(keys) // map order is random: sort so palettes (and a GIF's bytes) are deterministic
	out := make([]entry, len(keys))
	for i, k := range keys {
		out[i] = entry{[3]float64{float64(k >> 16), float64(k >> 8 & 0xff), float64(k & 0xff)}, float64(counts[k])}
	}
	return out
}

// coarsen returns entries merged into bins of 2, 4, 8, ... levels a channel, the first size that leaves at
// most limit of them; each bin is the weighted mean of its colours. Entries already within limit are
// returned as they are.
func coarsen(entries []entry, limit int) []entry {
	for shift := uint(1); len(entries) > limit && shift < 8; shift++ {
		bins := map[uint32]*entry{}
		var keys []uint32
		for _, e := range entries {
			k := pack(uint8(e.c[0])>>shift, uint8(e.c[1])>>shift, uint8(e.c[2])>>shift)
			b, ok := bins[k]
			if !ok {
				b = &entry{}
				bins[k] = b
				keys = append(keys, k)
			}
			for c := range 3 {
				b.c[c] += e.c[c] * e.n
			}
			b.n += e.n
		}
		slices.Sort(keys)
		merged := make([]entry, len(keys))
		for i, k := range keys {
			b := bins[k]
			merged[i] = entry{[3]float64{b.c[0] / b.n, b.c[1] / b.n, b.c[2] / b.n}, b.n}
		}
		entries = merged
	}
	return entries
}

// cluster is a box of the median cut: a run of entries with their total weight, sums and squared error.
type cluster struct {
	e   []entry
	n   float64    // pixels
	sum [3]float64 // channel sums over pixels
	sq  float64    // sum over pixels and channels of the squared value
	err float64    // sum over pixels of the squared distance to the cluster's mean
}

func newCluster(e []entry) cluster {
	c := cluster{e: e}
	for _, x := range e {
		c.n += x.n
		for k := range 3 {
			c.sum[k] += x.c[k] * x.n
			c.sq += x.c[k] * x.c[k] * x.n
		}
	}
	c.err = squaredError(c.n, c.sum, c.sq)
	return c
}

// squaredError is the squared error about the mean of n pixels with channel sums sum and sum of squares sq.
func squaredError(n float64, sum [3]float64, sq float64) float64 {
	if n == 0 {
		return 0
	}
	return max(0, sq-(sum[0]*sum[0]+sum[1]*sum[1]+sum[2]*sum[2])/n)
}

func (c cluster) mean() [3]float64 { return [3]float64{c.sum[0] / c.n, c.sum[1] / c.n, c.sum[2] / c.n} }

// levelStats accumulates the pixels of one 8-bit level of a channel.
type levelStats struct {
	n, sq float64
	sum   [3]float64
}

// split cuts c in two between two levels of one channel: the channel and the place that leave the least
// squared error in the halves. Entries keep their order within each half. ok is false when no cut exists (all
// entries share one level in every channel). split reorders c.e.
func (c cluster) split() (lo, hi cluster, ok bool) {
	var levels [256]levelStats
	bestCh, bestLevel, bestErr := -1, 0, math.Inf(1)
	for ch := range 3 {
		levels = [256]levelStats{}
		first, last := 255, 0
		for _, x := range c.e {
			l := int(x.c[ch])
			first, last = min(first, l), max(last, l)
			s := &levels[l]
			s.n += x.n
			for k := range 3 {
				s.sum[k] += x.c[k] * x.n
				s.sq += x.c[k] * x.c[k] * x.n
			}
		}
		var left levelStats
		for l := first; l < last; l++ { // cut after level l
			s := &levels[l]
			if s.n == 0 {
				continue
			}
			left.n, left.sq = left.n+s.n, left.sq+s.sq
			for k := range 3 {
				left.sum[k] += s.sum[k]
			}
			rest := [3]float64{c.sum[0] - left.sum[0], c.sum[1] - left.sum[1], c.sum[2] - left.sum[2]}
			if e := squaredError(left.n, left.sum, left.sq) + squaredError(c.n-left.n, rest, c.sq-left.sq); e < bestErr {
				bestCh, bestLevel, bestErr = ch, l, e
			}
		}
	}
	if bestCh < 0 {
		return cluster{}, cluster{}, false
	}
	// A stable partition: entries at or below the cut first.
	above := make([]entry, 0, len(c.e))
	cut := 0
	for _, x := range c.e {
		if int(x.c[bestCh]) <= bestLevel {
			c.e[cut] = x
			cut++
		} else {
			above = append(above, x)
		}
	}
	copy(c.e[cut:], above)
	return newCluster(c.e[:cut]), newCluster(c.e[cut:]), true
}

// medianCut returns the means of at most n clusters of entries, made by splitting, again and again, the
// cluster with the largest squared error (see split). Splitting by error rather than by channel range puts
// the colours where the pixels are: a face's many skin tones get many entries, a few stray pixels few.
// medianCut reorders entries.
func medianCut(entries []entry, n int) [][3]float64 {
	clusters := []cluster{newCluster(entries)}
	final := []bool{false} // final[i]: clusters[i] cannot be split
	for len(clusters) < n {
		best := -1
		for i, c := range clusters {
			if !final[i] && c.err > 0 && (best < 0 || c.err > clusters[best].err) {
				best = i
			}
		}
		if best < 0 {
			break // every cluster is one colour (or one level in every channel)
		}
		lo, hi, ok := clusters[best].split()
		if !ok {
			final[best] = true
			continue
		}
		clusters[best] = lo
		clusters = append(clusters, hi)
		final = append(final, false)
	}
	centres := make([][3]float64, len(clusters))
	for i, c := range clusters {
		centres[i] = c.mean()
	}
	return centres
}

// kMeans refines centres by Lloyd's k-means over the weighted entries for at most rounds rounds, stopping
// once no entry changes centre. A centre left with no entry keeps its place.
func kMeans(entries []entry, centres [][3]float64, rounds int) [][3]float64 {
	assign := make([]int, len(entries))
	for i := range assign {
		assign[i] = -1
	}
	for range rounds {
		idx := newNearest(centres)
		changed := false
		for i, e := range entries {
			if k := idx.find(e.c); k != assign[i] {
				assign[i], changed = k, true
			}
		}
		if !changed {
			break
		}
		sums := make([][4]float64, len(centres))
		for i, e := range entries {
			s := &sums[assign[i]]
			for k := range 3 {
				s[k] += e.c[k] * e.n
			}
			s[3] += e.n
		}
		next := make([][3]float64, len(centres))
		for k, s := range sums {
			next[k] = centres[k]
			if s[3] > 0 {
				next[k] = [3]float64{s[0] / s[3], s[1] / s[3], s[2] / s[3]}
			}
		}
		centres = next
	}
	return centres
}

// nearest finds the closest of a set of colours (in squared RGB distance) quickly: the colours are sorted
// along the channel in which they spread most, and a search walks outwards from the query's place along
// that channel until the distance along it alone exceeds the best found.
type nearest struct {
	ch    int
	c     [][3]float64 // the colours, sorted by channel ch
	key   []float64    // key[i] is c[i][ch]
	index []int        // index[i] is c[i]'s position in the set given to newNearest
}

func newNearest(colors [][3]float64) *nearest {
	var lo, hi [3]float64
	for k := range 3 {
		lo[k], hi[k] = math.Inf(1), math.Inf(-1)
	}
	for _, c := range colors {
		for k := range 3 {
			lo[k], hi[k] = min(lo[k], c[k]), max(hi[k], c[k])
		}
	}
	nr := &nearest{index: make([]int, len(colors))}
	for k := range 3 {
		if hi[k]-lo[k] > hi[nr.ch]-lo[nr.ch] {
			nr.ch = k
		}
	}
	for i := range nr.index {
		nr.index[i] = i
	}
	slices.SortStableFunc(nr.index, func(a, b int) int { return cmp.Compare(colors[a][nr.ch], colors[b][nr.ch]) })
	nr.c, nr.key = make([][3]float64, len(colors)), make([]float64, len(colors))
	for i, j := range nr.index {
		nr.c[i], nr.key[i] = colors[j], colors[j][nr.ch]
	}
	return nr
}

// find returns the position, in the set given to newNearest, of the colour closest to q; on a tie, the
// earliest in that set.
func (nr *nearest) find(q [3]float64) int {
	dist := func(i int) float64 {
		d0, d1, d2 := q[0]-nr.c[i][0], q[1]-nr.c[i][1], q[2]-nr.c[i][2]
		return d0*d0 + d1*d1 + d2*d2
	}
	start, _ := slices.BinarySearch(nr.key, q[nr.ch])
	best, bestD := -1, math.Inf(1)
	try := func(i int) {
		if d := dist(i); best < 0 || d < bestD || (d == bestD && nr.index[i] < nr.index[best]) {
			best, bestD = i, d
		}
	}
	for i := start; i < len(nr.c); i++ {
		if d := nr.key[i] - q[nr.ch]; d*d > bestD {
			break
		}
		try(i)
	}
	for i := start - 1; i >= 0; i-- {
		if d := q[nr.ch] - nr.key[i]; d*d > bestD {
			break
		}
		try(i)
	}
	return nr.index[best]
}

// paletted returns m with each pixel the nearest colour of pal. No dithering: with a palette fitted to the
// frame the steps on a smooth render are a level or two, and dithering noise differs from frame to frame,
// which flickers when an orbit plays and makes the GIF several times larger.
func paletted(m *image.NRGBA, pal color.Palette) *image.Paletted {
	colors := make([][3]float64, len(pal))
	for i, c := range pal {
		n := color.NRGBAModel.Convert(c).(color.NRGBA)
		colors[i] = [3]float64{float64(n.R), float64(n.G), float64(n.B)}
	}
	idx := newNearest(colors)
	w, h := m.Rect.Dx(), m.Rect.Dy()
	out := image.NewPaletted(image.Rect(0, 0, w, h), pal)
	memo := map[uint32]uint8{} // renders repeat colours: the background, flat regions
	for y := range h {
		row := m.Pix[y*m.Stride:]
		for x := range w {
			r, g, b := row[4*x], row[4*x+1], row[4*x+2]
			key := pack(r, g, b)
			i, ok := memo[key]
			if !ok {
				i = uint8(idx.find([3]float64{float64(r), float64(g), float64(b)}))
				memo[key] = i
			}
			out.Pix[y*out.Stride+x] = i
		}
	}
	return out
}
