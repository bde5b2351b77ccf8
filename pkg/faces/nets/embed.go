package nets

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/backends"
	"github.com/pmvi/pmvi/pkg/faces"
	"github.com/pmvi/pmvi/pkg/fimage"
)

// EmbedSize is the side of the aligned face the embedding network reads, and EmbedDim its output length.
const (
	EmbedSize = 112
	EmbedDim  = 512
)

// arcFace5 is the ArcFace alignment template for a 112x112 face (insightface's, also in the package's
// fr_feature.js): eye centres, nose tip, mouth corners.
var arcFace5 = [5]faces.Point{
	{X: 38.2946, Y: 51.6963}, {X: 73.5318, Y: 51.5014}, {X: 56.0252, Y: 71.7366},
	{X: 41.5493, Y: 92.3655}, {X: 70.7299, Y: 92.2041},
}

// Embedder computes identity embeddings with fr_feature.onnx.
type Embedder struct{ net *network }

// LoadEmbedder reads fr_feature.onnx (faces.FeatureNet) and compiles it for backend b.
func LoadEmbedder(b backends.Backend, path string) (*Embedder, error) {
	n, err := loadNetwork(b, path)
	if err != nil {
		return nil, err
	}
	return &Embedder{net: n}, nil
}

// ArcFacePoints returns the five points the ArcFace template is defined on, from 68 landmarks: the centres
// of the two eyes (mean of their six points), the nose tip and the mouth corners.
func ArcFacePoints(l *faces.Landmarks) [5]faces.Point {
	eye := func(from int) faces.Point {
		var p faces.Point
		for i := from; i < from+6; i++ {
			p = p.Add(l[i])
		}
		return p.Scale(1.0 / 6)
	}
	return [5]faces.Point{eye(36), eye(42), l[faces.NoseTip], l[faces.LeftMouthCorner], l[faces.RightMouthCorner]}
}

// AlignArcFace warps the face with landmarks l out of img into the 112x112 ArcFace crop: the similarity
// transform that best maps its five points onto the template (least squares), bilinear, with supersampling
// when the face is larger than the crop.
func AlignArcFace(img *fimage.Image, l *faces.Landmarks) *fimage.Image {
	return warpSimilarity(img, ArcFacePoints(l), arcFace5, EmbedSize)
}

// Embed returns the L2-normalized embedding of a 112x112 RGB face in [-1, 1] aligned with AlignArcFace.
func (e *Embedder) Embed(face *fimage.Image) ([]float32, error) {
	if face.C != 3 || face.H != EmbedSize || face.W != EmbedSize {
		return nil, fmt.Errorf("nets: embedding input is %dx%dx%d, want 3x%dx%d (use AlignArcFace)", face.C, face.H, face.W, EmbedSize, EmbedSize)
	}
	// The network was trained on (p-127)/128 of 8-bit RGB; our [-1, 1] is (p-127.5)/127.5.
	x := make([]float32, len(face.Pix))
	for i, v := range face.Pix {
		x[i] = ((v+1)*127.5 - 127) / 128
	}
	outs, err := e.net.run(x, 1, 3, EmbedSize, EmbedSize)
	if err != nil {
		return nil, err
	}
	v := outs[0]
	if len(v) != EmbedDim {
		return nil, fmt.Errorf("nets: embedding has %d values, want %d", len(v), EmbedDim)
	}
	return normalize(v), nil
}

func normalize(v []float32) []float32 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	n := float32(math.Sqrt(s))
	out := make([]float32, len(v))
	if n == 0 {
		return out
	}
	for i, x := range v {
		out[i] = x / n
	}
	return out
}

// warpSimilarity resamples img so that points src land on dst in a size x size output.
func warpSimilarity(img *fimage.Image, src, dst [5]faces.Point, size int) *fimage.Image {
	// Least-squares similarity dst = [a -b; b a] src + t, inverted to sample the source.
	var ms, md faces.Point
	for i := range src {
		ms, md = ms.Add(src[i].Scale(0.2)), md.Add(dst[i].Scale(0.2))
	}
	var dot, crs, norm float64
	for i := range src {
		u, v := src[i].Sub(ms), dst[i].Sub(md)
		dot += u.X*v.X + u.Y*v.Y
		crs += u.X*v.Y - u.Y*v.X
		norm += u.X*u.X + u.Y*u.Y
	}
	a, b := dot/norm, crs/norm
	det := a*a + b*b
	inv := func(p faces.Point) faces.Point { // src = R^-1 (p - md) + ms
		q := p.Sub(md)
		return faces.Point{X: (a*q.X+b*q.Y)/det + ms.X, Y: (-b*q.X+a*q.Y)/det + ms.Y}
	}
	n := min(max(int(math.Ceil(1/math.Sqrt(det))), 1), 8)
	out := fimage.New(img.C, size, size)
	w := float32(1) / float32(n*n)
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			for c := 0; c < img.C; c++ {
				var s float32
				for j := 0; j < n; j++ {
					for i := 0; i < n; i++ {
						q := inv(faces.Point{X: float64(x) + (float64(i)+0.5)/float64(n), Y: float64(y) + (float64(j)+0.5)/float64(n)})
						if q.X < 0 || q.Y < 0 || q.X > float64(img.W) || q.Y > float64(img.H) {
							s -= 1 // black outside, as OpenCV's warpAffine
							continue
						}
						s += img.Bilinear(c, q.X, q.Y)
					}
				}
				out.Set(c, y, x, s*w)
			}
		}
	}
	return out
}
