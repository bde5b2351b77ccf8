package align

import (
	"fmt"
	"math"

	"github.com/pmvi/pmvi/pkg/faces"
	"github.com/pmvi/pmvi/pkg/fimage"
)

// EG3D's in-the-wild crop (crop_images_in_the_wild.py over Deep3DFaceRecon's align_img): the photo is
// resized so that one unit of the 3D landmark template spans rescaleFactor pixels, cut to a
// paddedSize-square around the template origin, whose central centreCrop pixels are resized to OutputSize.
const (
	rescaleFactor = 300.0
	paddedSize    = 1024.0
	centreCrop    = 700.0
	// OutputSize is the side of the aligned image, EG3D's FFHQ resolution.
	OutputSize = 512
)

// Transform is the similarity that maps continuous pixel coordinates of the original photo to those of the
// aligned image: aligned = Scale*(original - Centre) + OutputSize/2. EG3D's crop is axis aligned: it keeps the
// head's roll, which the camera then carries.
type Transform struct {
	// Centre is the point of the photo that lands in the middle of the aligned image.
	Centre faces.Point
	// Scale is aligned pixels per photo pixel.
	Scale float64
	// Size is the side of the aligned image (OutputSize unless a caller asks otherwise).
	Size int
}

// Apply maps a photo point to the aligned image.
func (t Transform) Apply(p faces.Point) faces.Point {
	h := float64(t.Size) / 2
	return faces.Point{X: t.Scale*(p.X-t.Centre.X) + h, Y: t.Scale*(p.Y-t.Centre.Y) + h}
}

// Invert maps an aligned-image point back to the photo.
func (t Transform) Invert(p faces.Point) faces.Point {
	h := float64(t.Size) / 2
	return faces.Point{X: (p.X-h)/t.Scale + t.Centre.X, Y: (p.Y-h)/t.Scale + t.Centre.Y}
}

// Region returns the square of the photo that becomes the aligned image.
func (t Transform) Region() faces.Box {
	return faces.Box{Min: t.Invert(faces.Point{}), Max: t.Invert(faces.Point{X: float64(t.Size), Y: float64(t.Size)})}
}

// CropTransform computes EG3D's crop from five landmarks of a photo of the given height (in the order of
// faces.Landmarks.Five). Like Deep3DFaceRecon's POS, it fits a weak-perspective camera (an unconstrained 2x4
// affine map) from the 3D template's five points to the image points, takes the mean norm of its two
// rotation rows as the scale s and its translation t as the image of the template origin, then crops a
// square of centreCrop*s/rescaleFactor photo pixels around t.
//
// The official code flips y (y_up = height-1-y) before the fit and back afterwards with height-y_up, so its
// crop centre sits one photo pixel below the fitted origin; this is reproduced.
func CropTransform(five [5]faces.Point, height int) (Transform, error) {
	tmpl := Template5()
	// Normal equations of the 10x8 least-squares problem, solved as two independent 4-unknown problems
	// (x and y rows share the same design matrix [X Y Z 1]).
	var ata [4][4]float64
	var atx, aty [4]float64
	for i, p := range five {
		row := [4]float64{tmpl[i][0], tmpl[i][1], tmpl[i][2], 1}
		yUp := float64(height) - 1 - (p.Y - 0.5) // pixel index coordinates, y up
		xIdx := p.X - 0.5
		for a := 0; a < 4; a++ {
			for b := 0; b < 4; b++ {
				ata[a][b] += row[a] * row[b]
			}
			atx[a] += row[a] * xIdx
			aty[a] += row[a] * yUp
		}
	}
	kx, okx := solve4(ata, atx)
	ky, oky := solve4(ata, aty)
	if !okx || !oky {
		return Transform{}, fmt.Errorf("align: the five landmarks %v are degenerate (no weak-perspective fit)", five)
	}
	s := (math.Hypot(math.Hypot(kx[0], kx[1]), kx[2]) + math.Hypot(math.Hypot(ky[0], ky[1]), ky[2])) / 2
	if !(s >= 1) || math.IsInf(s, 0) { // below a pixel per decimetre there is no face to crop
		return Transform{}, fmt.Errorf("align: landmark fit has scale %.3g pixels per template unit, want at least 1 (degenerate landmarks)", s)
	}
	centre := faces.Point{X: kx[3] + 0.5, Y: float64(height) - ky[3] + 0.5}
	side := centreCrop * s / rescaleFactor // photo pixels that become the aligned image
	return Transform{Centre: centre, Scale: OutputSize / side, Size: OutputSize}, nil
}

// solve4 solves a 4x4 linear system by Gaussian elimination with partial pivoting.
func solve4(a [4][4]float64, b [4]float64) ([4]float64, bool) {
	for c := 0; c < 4; c++ {
		p := c
		for r := c + 1; r < 4; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[p][c]) {
				p = r
			}
		}
		if math.Abs(a[p][c]) < 1e-12 {
			return b, false
		}
		a[c], a[p] = a[p], a[c]
		b[c], b[p] = b[p], b[c]
		for r := c + 1; r < 4; r++ {
			f := a[r][c] / a[c][c]
			for k := c; k < 4; k++ {
				a[r][k] -= f * a[c][k]
			}
			b[r] -= f * b[c]
		}
	}
	var x [4]float64
	for r := 3; r >= 0; r-- {
		s := b[r]
		for k := r + 1; k < 4; k++ {
			s -= a[r][k] * x[k]
		}
		x[r] = s / a[r][r]
	}
	return x, true
}

// Padding says how the aligned image is filled where the crop reaches past the photo's edges.
type Padding int

const (
	// PadBlack fills with black, as PIL's crop in EG3D's preprocessing does.
	PadBlack Padding = iota
	// PadEdge repeats the nearest edge pixel.
	PadEdge
)

// String returns "black" or "edge".
func (p Padding) String() string {
	switch p {
	case PadBlack:
		return "black"
	case PadEdge:
		return "edge"
	}
	return fmt.Sprintf("Padding(%d)", int(p))
}

// Warp resamples the photo into the aligned image of transform t. Each output pixel averages n x n bilinear
// samples spread over its footprint in the photo (n = ceil(1/Scale), at most 8), so a large photo shrinks
// without aliasing, as the official resize does.
func Warp(photo *fimage.Image, t Transform, pad Padding) *fimage.Image {
	out := fimage.New(photo.C, t.Size, t.Size)
	n := int(math.Ceil(1 / t.Scale))
	n = min(max(n, 1), 8)
	w := float32(1) / float32(n*n)
	for y := 0; y < t.Size; y++ {
		for x := 0; x < t.Size; x++ {
			for c := 0; c < photo.C; c++ {
				var sum float32
				for j := 0; j < n; j++ {
					for i := 0; i < n; i++ {
						q := t.Invert(faces.Point{X: float64(x) + (float64(i)+0.5)/float64(n), Y: float64(y) + (float64(j)+0.5)/float64(n)})
						if pad == PadBlack && (q.X < 0 || q.Y < 0 || q.X > float64(photo.W) || q.Y > float64(photo.H)) {
							sum -= 1
							continue
						}
						sum += photo.Bilinear(c, q.X, q.Y)
					}
				}
				out.Set(c, y, x, sum*w)
			}
		}
	}
	return out
}
