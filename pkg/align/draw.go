package align

import (
	"math"

	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/faces"
	"github.com/pmvi/pmvi/pkg/fimage"
)

// draw.go: the overlay that shows what alignment found: the landmarks, the crop square and the estimated
// head axes, drawn into a copy of the photo.

// Colours of the overlay, in [-1, 1].
var (
	colourLandmark = [3]float32{0.2, 1, 0.2}
	colourBox      = [3]float32{1, 1, 0}
	colourDetect   = [3]float32{0, 0.6, 1}
	colourAxes     = [3][3]float32{{1, -0.8, -0.8}, {-0.8, 1, -0.8}, {-0.6, -0.6, 1}} // x red, y green, z blue
)

// Overlay draws r's detector box (blue), crop square (yellow), landmarks (green) and head axes (red x to the
// subject's left, green y up, blue z out of the face, 0.3 world units long from the template origin) into a
// copy of the photo.
func (r *Result) Overlay() *fimage.Image {
	out := r.Photo.Clone()
	thick := max(1, int(math.Round(float64(min(out.W, out.H))/300)))
	drawBox(out, r.Box, colourDetect, thick)
	region := r.Transform.Region()
	drawBox(out, region, colourBox, thick)
	for _, p := range r.Landmarks {
		drawDot(out, p, 1.5*float64(thick), colourLandmark)
	}
	origin, axes := r.axes(0.3)
	for i, a := range axes {
		drawLine(out, origin, a, colourAxes[i], thick)
	}
	return out
}

// axes returns the photo positions of the template origin and of the ends of the three world axes of the
// given length drawn from it, projected through r's camera.
func (r *Result) axes(length float64) (faces.Point, [3]faces.Point) {
	o := TemplateWorld([3]float64{})
	project := func(p [3]float64) faces.Point {
		x, y, _ := r.Camera.Project(p, r.Transform.Size, r.Transform.Size)
		return r.Transform.Invert(faces.Point{X: x, Y: y})
	}
	var ends [3]faces.Point
	for i := range ends {
		p := o
		p[i] += length
		ends[i] = project(p)
	}
	return project(o), ends
}

// ProjectAxes is like the overlay's axes, for any camera seen in a size x size image: the image positions
// of the template origin and of the ends of the world x, y and z axes of the given length drawn from it.
func ProjectAxes(c camera.Camera, size int, length float64) (faces.Point, [3]faces.Point) {
	r := Result{Camera: c, Transform: Transform{Centre: faces.Point{X: float64(size) / 2, Y: float64(size) / 2}, Scale: 1, Size: size}}
	return r.axes(length)
}

func paint(img *fimage.Image, x, y int, c [3]float32) {
	if x < 0 || y < 0 || x >= img.W || y >= img.H {
		return
	}
	for ch := 0; ch < min(img.C, 3); ch++ {
		img.Set(ch, y, x, c[ch])
	}
}

func drawDot(img *fimage.Image, p faces.Point, radius float64, c [3]float32) {
	r := int(math.Ceil(radius))
	cx, cy := int(math.Floor(p.X)), int(math.Floor(p.Y))
	for dy := -r; dy <= r; dy++ {
		for dx := -r; dx <= r; dx++ {
			if float64(dx*dx+dy*dy) <= radius*radius+0.5 {
				paint(img, cx+dx, cy+dy, c)
			}
		}
	}
}

func drawLine(img *fimage.Image, a, b faces.Point, c [3]float32, thick int) {
	n := int(math.Ceil(max(math.Abs(b.X-a.X), math.Abs(b.Y-a.Y)))) + 1
	if n > 1<<16 {
		return // a wildly off-screen projection; nothing sensible to draw
	}
	for i := 0; i <= n; i++ {
		t := float64(i) / float64(n)
		p := faces.Point{X: a.X + t*(b.X-a.X), Y: a.Y + t*(b.Y-a.Y)}
		drawDot(img, p, float64(thick)/2, c)
	}
}

// DrawBox draws the outline of box b into img with the given colour (in [-1, 1]) and line width.
func DrawBox(img *fimage.Image, b faces.Box, c [3]float32, thick int) { drawBox(img, b, c, thick) }

// DrawLandmarks draws each point as a dot of the given radius.
func DrawLandmarks(img *fimage.Image, pts []faces.Point, radius float64, c [3]float32) {
	for _, p := range pts {
		drawDot(img, p, radius, c)
	}
}

// DrawAxes draws head axes (x red, y green, z blue) from origin to the three ends.
func DrawAxes(img *fimage.Image, origin faces.Point, ends [3]faces.Point, thick int) {
	for i, e := range ends {
		drawLine(img, origin, e, colourAxes[i], thick)
	}
}

func drawBox(img *fimage.Image, b faces.Box, c [3]float32, thick int) {
	tl, br := b.Min, b.Max
	tr, bl := faces.Point{X: br.X, Y: tl.Y}, faces.Point{X: tl.X, Y: br.Y}
	drawLine(img, tl, tr, c, thick)
	drawLine(img, tr, br, c, thick)
	drawLine(img, br, bl, c, thick)
	drawLine(img, bl, tl, c, thick)
}

// Figure lays out one row per result: the photo with the overlay (scaled to OutputSize rows), then the
// aligned image with its landmarks and the estimated head axes. Rows are OutputSize pixels tall.
func Figure(results ...*Result) *fimage.Image {
	const h = OutputSize
	type row struct{ left, right *fimage.Image }
	var rows []row
	width := 0
	for _, r := range results {
		ov := r.Overlay()
		w := int(math.Round(float64(ov.W) * h / float64(ov.H)))
		left := ov.Resize(h, w)
		if ov.H > 2*h { // shrink large photos without aliasing
			left = Warp(ov, Transform{Centre: faces.Point{X: float64(ov.W) / 2, Y: float64(ov.H) / 2}, Scale: float64(h) / float64(ov.H), Size: max(w, h)}, PadEdge).Resize(h, w)
		}
		right := r.Aligned.Clone()
		DrawLandmarks(right, r.AlignedLandmarks[:], 2.5, colourLandmark)
		o, e := ProjectAxes(r.Camera, r.Transform.Size, 0.3)
		DrawAxes(right, o, e, 3)
		rows = append(rows, row{left, right})
		width = max(width, w+8+right.W)
	}
	out := fimage.New(3, len(rows)*h+(len(rows)-1)*8, width)
	for i := range out.Pix {
		out.Pix[i] = 1 // white gutters
	}
	for i, r := range rows {
		blit(out, r.left, 0, i*(h+8))
		blit(out, r.right, r.left.W+8, i*(h+8))
	}
	return out
}

func blit(dst, src *fimage.Image, x0, y0 int) {
	for c := 0; c < 3; c++ {
		for y := 0; y < src.H && y0+y < dst.H; y++ {
			for x := 0; x < src.W && x0+x < dst.W; x++ {
				dst.Set(c, y0+y, x0+x, src.At(c, y, x))
			}
		}
	}
}
