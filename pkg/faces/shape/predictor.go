package shape

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/pmvi/pmvi/pkg/faces"
)

// Predictor is a cascade of regression-tree forests that refines a face shape from the mean shape.
type Predictor struct {
	// mean is the mean shape (x0, y0, x1, y1, ...) in box-normalized coordinates: (0, 0) is the box's
	// top-left pixel and (1, 1) its bottom-right pixel.
	mean []float32
	// levels holds the cascade, one level per pass over the image.
	levels []level
}

// level is one cascade level: where to read pixels (each an offset from an anchor landmark of the mean shape)
// and the trees that turn pixel differences into a shape update.
type level struct {
	anchors []int
	deltas  [][2]float32
	trees   []tree
}

// tree is a complete binary regression tree stored breadth first: node i has children 2i+1 (left, taken when
// the pixel difference exceeds the threshold) and 2i+2; the leaves follow the splits.
type tree struct {
	splits []split
	leaves [][]float32
}

type split struct {
	a, b   int
	thresh float32
}

// Load reads a dlib shape predictor file (e.g. shape_predictor_68_face_landmarks.dat).
func Load(path string) (*Predictor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("shape: %w", err)
	}
	defer f.Close()
	p, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", err, path)
	}
	return p, nil
}

// Read decodes a dlib shape predictor from r: a version (1), the mean shape, the forests, the anchor indices
// and the pixel offsets of every level.
func Read(r io.Reader) (*Predictor, error) {
	d := &decoder{r: bufio.NewReaderSize(r, 1<<20)}
	if v := d.int(4); d.err == nil && v != 1 {
		d.fail("version %d, want 1", v)
	}
	p := &Predictor{mean: d.column("mean shape")}
	if d.err == nil && (len(p.mean) == 0 || len(p.mean)%2 != 0) {
		d.fail("mean shape has %d values, want 2 per landmark", len(p.mean))
	}
	nLevels := d.count("forests", 1000)
	p.levels = make([]level, nLevels)
	for i := range p.levels {
		nTrees := d.count("forest", 1<<16)
		p.levels[i].trees = make([]tree, nTrees)
		for j := range p.levels[i].trees {
			t := &p.levels[i].trees[j]
			t.splits = make([]split, d.count("tree splits", 1<<16))
			for k := range t.splits {
				t.splits[k] = split{a: int(d.int(8)), b: int(d.int(8)), thresh: d.float()}
			}
			t.leaves = make([][]float32, d.count("tree leaves", 1<<17))
			for k := range t.leaves {
				t.leaves[k] = d.column("leaf")
				if d.err == nil && len(t.leaves[k]) != len(p.mean) {
					d.fail("leaf has %d values, want %d", len(t.leaves[k]), len(p.mean))
				}
			}
			if d.err == nil && len(t.leaves) != len(t.splits)+1 {
				d.fail("tree has %d splits and %d leaves, want one more leaf than splits", len(t.splits), len(t.leaves))
			}
			if d.err != nil {
				return nil, d.err
			}
		}
	}
	if n := d.count("anchor lists", 1000); d.err == nil && n != nLevels {
		d.fail("%d anchor lists for %d levels", n, nLevels)
	}
	for i := 0; i < nLevels && d.err == nil; i++ {
		p.levels[i].anchors = make([]int, d.count("anchors", 1<<16))
		for k := range p.levels[i].anchors {
			p.levels[i].anchors[k] = int(d.int(8))
		}
	}
	if n := d.count("delta lists", 1000); d.err == nil && n != nLevels {
		d.fail("%d delta lists for %d levels", n, nLevels)
	}
	for i := 0; i < nLevels && d.err == nil; i++ {
		p.levels[i].deltas = make([][2]float32, d.count("deltas", 1<<16))
		for k := range p.levels[i].deltas {
			p.levels[i].deltas[k] = [2]float32{d.float(), d.float()}
		}
	}
	if d.err == nil {
		if _, err := d.r.ReadByte(); err != io.EOF {
			d.fail("unexpected bytes after the model")
		}
	}
	if d.err != nil {
		return nil, d.err
	}
	return p, p.check()
}

// check validates the indices the trees and anchors hold, so Predict never indexes out of range.
func (p *Predictor) check() error {
	n := p.NumParts()
	for i, l := range p.levels {
		if len(l.anchors) != len(l.deltas) {
			return fmt.Errorf("%w: level %d has %d anchors and %d deltas", ErrFormat, i, len(l.anchors), len(l.deltas))
		}
		for _, a := range l.anchors {
			if a < 0 || a >= n {
				return fmt.Errorf("%w: level %d anchors landmark %d, want 0..%d", ErrFormat, i, a, n-1)
			}
		}
		for j, t := range l.trees {
			for _, s := range t.splits {
				if s.a < 0 || s.b < 0 || s.a >= len(l.anchors) || s.b >= len(l.anchors) {
					return fmt.Errorf("%w: level %d tree %d compares pixels %d and %d, want 0..%d", ErrFormat, i, j, s.a, s.b, len(l.anchors)-1)
				}
			}
		}
	}
	return nil
}

// NumParts returns the number of landmarks the model predicts (68 for dlib's face model).
func (p *Predictor) NumParts() int { return len(p.mean) / 2 }

// Levels returns the number of cascade levels.
func (p *Predictor) Levels() int { return len(p.levels) }

// Predict returns the landmarks of the face in box. The box plays the role of the face detector's box the
// model was trained with: dlib's HOG detector frames the face from the brows to the chin, roughly square.
// It panics if the model does not have 68 parts; use PredictParts for other models.
func (p *Predictor) Predict(img *faces.Gray, box faces.Box) faces.Landmarks {
	if p.NumParts() != 68 {
		panic(fmt.Sprintf("shape: Predict needs a 68-part model, this one has %d parts", p.NumParts()))
	}
	var l faces.Landmarks
	copy(l[:], p.PredictParts(img, box))
	return l
}

// PredictParts is Predict for a model with any number of parts.
func (p *Predictor) PredictParts(img *faces.Gray, box faces.Box) []faces.Point {
	shape := append([]float32(nil), p.mean...)
	// dlib's rectangle holds pixel indices (pixel centres at integers), both ends inclusive; our boxes are
	// continuous with pixel centres at half-integers.
	left, top := box.Min.X-0.5, box.Min.Y-0.5
	sx, sy := box.Width()-1, box.Height()-1
	toImage := func(x, y float32) (float64, float64) { return left + sx*float64(x), top + sy*float64(y) }
	var values []float32
	for _, l := range p.levels {
		// The similarity that best maps the mean shape onto the current one carries the pixel offsets along,
		// so the features follow the face's scale and rotation.
		a, b := similarity(p.mean, shape)
		values = values[:0]
		for i, anchor := range l.anchors {
			dx, dy := l.deltas[i][0], l.deltas[i][1]
			x := a*dx - b*dy + shape[2*anchor]
			y := b*dx + a*dy + shape[2*anchor+1]
			px, py := toImage(x, y)
			values = append(values, nearest(img, px, py))
		}
		for _, t := range l.trees {
			leaf := t.eval(values)
			for k, v := range leaf {
				shape[k] += v
			}
		}
	}
	out := make([]faces.Point, p.NumParts())
	for i := range out {
		x, y := toImage(shape[2*i], shape[2*i+1])
		out[i] = faces.Point{X: x + 0.5, Y: y + 0.5}
	}
	return out
}

// nearest returns the intensity of the pixel nearest to (x, y) in dlib's pixel-index coordinates, 0 outside.
func nearest(g *faces.Gray, x, y float64) float32 {
	// dlib converts the point to integers by rounding to the nearest.
	xi, yi := int(math.Floor(x+0.5)), int(math.Floor(y+0.5))
	if xi < 0 || yi < 0 || xi >= g.W || yi >= g.H {
		return 0
	}
	return float32(g.Pix[yi*g.W+xi])
}

func (t *tree) eval(values []float32) []float32 {
	i := 0
	for i < len(t.splits) {
		s := t.splits[i]
		if values[s.a]-values[s.b] > s.thresh {
			i = 2*i + 1
		} else {
			i = 2*i + 2
		}
	}
	return t.leaves[i-len(t.splits)]
}

// similarity returns the rotation-and-scale part [[a, -b], [b, a]] of the least-squares similarity transform
// from shape `from` to shape `to` (both x0, y0, x1, y1, ...), the 2x2 part of dlib's
// find_similarity_transform for shapes without reflection.
func similarity(from, to []float32) (a, b float32) {
	n := len(from) / 2
	var fx, fy, tx, ty float64
	for i := 0; i < n; i++ {
		fx += float64(from[2*i])
		fy += float64(from[2*i+1])
		tx += float64(to[2*i])
		ty += float64(to[2*i+1])
	}
	fx, fy, tx, ty = fx/float64(n), fy/float64(n), tx/float64(n), ty/float64(n)
	var dot, crs, norm float64
	for i := 0; i < n; i++ {
		ux, uy := float64(from[2*i])-fx, float64(from[2*i+1])-fy
		vx, vy := float64(to[2*i])-tx, float64(to[2*i+1])-ty
		dot += ux*vx + uy*vy
		crs += ux*vy - uy*vx
		norm += ux*ux + uy*uy
	}
	if norm == 0 {
		return 1, 0
	}
	return float32(dot / norm), float32(crs / norm)
}

// MeanBox returns the box whose mean shape best fits (least squares, scale and translation only) the given
// landmarks: the box the model would have been given for a face with these landmarks. Re-running Predict
// in it makes the result independent of which detector produced the first box.
func (p *Predictor) MeanBox(parts []faces.Point) faces.Box {
	n := min(len(parts), p.NumParts())
	var mx, my, px, py float64
	for i := 0; i < n; i++ {
		mx += float64(p.mean[2*i])
		my += float64(p.mean[2*i+1])
		px += parts[i].X
		py += parts[i].Y
	}
	mx, my, px, py = mx/float64(n), my/float64(n), px/float64(n), py/float64(n)
	var num, den float64
	for i := 0; i < n; i++ {
		ux, uy := float64(p.mean[2*i])-mx, float64(p.mean[2*i+1])-my
		num += ux*(parts[i].X-px) + uy*(parts[i].Y-py)
		den += ux*ux + uy*uy
	}
	s := num / den // pixels per box unit (the box spans s+1 pixels)
	left, top := px-s*mx, py-s*my
	return faces.Box{Min: faces.Point{X: left, Y: top}, Max: faces.Point{X: left + s + 1, Y: top + s + 1}}
}
