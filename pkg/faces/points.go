package faces

import "math"

// Point is a position in an image in continuous pixel coordinates: x to the right from the left edge, y down
// from the top edge, the centre of pixel (i, j) at (i+0.5, j+0.5), as camera.Project and fimage.Bilinear use.
type Point struct{ X, Y float64 }

// Add returns p+q.
func (p Point) Add(q Point) Point { return Point{p.X + q.X, p.Y + q.Y} }

// Sub returns p-q.
func (p Point) Sub(q Point) Point { return Point{p.X - q.X, p.Y - q.Y} }

// Scale returns s*p.
func (p Point) Scale(s float64) Point { return Point{s * p.X, s * p.Y} }

// Dist returns the distance between p and q.
func (p Point) Dist(q Point) float64 { return math.Hypot(p.X-q.X, p.Y-q.Y) }

// Mid returns the midpoint of p and q.
func Mid(p, q Point) Point { return Point{(p.X + q.X) / 2, (p.Y + q.Y) / 2} }

// Box is an axis-aligned rectangle in continuous pixel coordinates, Min inclusive, Max exclusive.
type Box struct{ Min, Max Point }

// Width returns the box width in pixels.
func (b Box) Width() float64 { return b.Max.X - b.Min.X }

// Height returns the box height in pixels.
func (b Box) Height() float64 { return b.Max.Y - b.Min.Y }

// Centre returns the centre of the box.
func (b Box) Centre() Point { return Mid(b.Min, b.Max) }

// Area returns the box area in square pixels.
func (b Box) Area() float64 { return b.Width() * b.Height() }

// IoU returns the intersection over union of two boxes.
func (b Box) IoU(o Box) float64 {
	w := min(b.Max.X, o.Max.X) - max(b.Min.X, o.Min.X)
	h := min(b.Max.Y, o.Max.Y) - max(b.Min.Y, o.Min.Y)
	if w <= 0 || h <= 0 {
		return 0
	}
	inter := w * h
	return inter / (b.Area() + o.Area() - inter)
}

// Landmarks are the 68 points of the iBUG 300-W layout (0-16 jaw from the image-left ear to the image-right
// ear, 17-26 brows, 27-35 nose, 36-47 eyes, 48-67 mouth), the layout of dlib's shape predictor and of the
// landmarks Deep3DFaceRecon and EG3D's preprocessing use.
type Landmarks [68]Point

// Indices of the iBUG points the 5-point layout is made of.
const (
	NoseTip          = 30
	LeftEyeOuter     = 36 // image-left eye (the subject's right)
	LeftEyeInner     = 39
	RightEyeInner    = 42
	RightEyeOuter    = 45
	LeftMouthCorner  = 48
	RightMouthCorner = 54
)

// Five returns the 5-point layout of Deep3DFaceRecon's extract_5p, in its order: image-left eye and
// image-right eye (each the midpoint of its two corners), nose tip, image-left and image-right mouth corner.
// EG3D's crop and its 3D landmark template use this layout.
func (l *Landmarks) Five() [5]Point {
	return [5]Point{
		Mid(l[LeftEyeOuter], l[LeftEyeInner]),
		Mid(l[RightEyeInner], l[RightEyeOuter]),
		l[NoseTip],
		l[LeftMouthCorner],
		l[RightMouthCorner],
	}
}

// Bounds returns the smallest box holding every landmark.
func (l *Landmarks) Bounds() Box {
	b := Box{Min: l[0], Max: l[0]}
	for _, p := range l[1:] {
		b.Min.X, b.Min.Y = min(b.Min.X, p.X), min(b.Min.Y, p.Y)
		b.Max.X, b.Max.Y = max(b.Max.X, p.X), max(b.Max.Y, p.Y)
	}
	return b
}
