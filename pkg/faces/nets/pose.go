package nets

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/backends"
	"github.com/pmvi/pmvi/pkg/faces"
	"github.com/pmvi/pmvi/pkg/fimage"
)

// PoseSize is the side of the face crop the pose network reads.
const PoseSize = 224

// poseBins is the number of 3-degree bins per angle; bin i is centred at 3i-99 degrees.
const poseBins = 66

// PoseNet regresses head yaw, pitch and roll with fr_pose.onnx (HopeNet's binned classification with an
// expectation over the bins).
type PoseNet struct{ net *network }

// LoadPoseNet reads fr_pose.onnx (faces.PoseNet) and compiles it for backend b.
func LoadPoseNet(b backends.Backend, path string) (*PoseNet, error) {
	n, err := loadNetwork(b, path)
	if err != nil {
		return nil, err
	}
	if len(n.output) != 3 {
		return nil, fmt.Errorf("nets: %s: %d outputs, want yaw, pitch and roll", path, len(n.output))
	}
	return &PoseNet{net: n}, nil
}

// Angles are a head pose in degrees, in the network's convention. Measured against known cameras (pkg/heads
// renders): Yaw has the sign of camera.YawPitch's yaw and reads about 25% low; Pitch grows with EG3D's pitch
// but with a large offset on synthetic heads, so it is a cross-check, not a camera.
type Angles struct{ Yaw, Pitch, Roll float64 }

// PoseCrop returns the square box the pose network should see for a face with landmarks l: the landmarks'
// bounds made square, then enlarged by half (a quarter on each side), as the package's JS does around its
// detector's box.
func PoseCrop(l *faces.Landmarks) faces.Box {
	b := l.Bounds()
	c := b.Centre()
	half := 0.75 * max(b.Width(), b.Height())
	return faces.Box{Min: faces.Point{X: c.X - half, Y: c.Y - half}, Max: faces.Point{X: c.X + half, Y: c.Y + half}}
}

// Estimate returns the pose of the face in box of img (RGB in [-1, 1]).
func (p *PoseNet) Estimate(img *fimage.Image, box faces.Box) (Angles, error) {
	if img.C != 3 {
		return Angles{}, fmt.Errorf("nets: pose input has %d channels, want 3", img.C)
	}
	crop := cropResize(img, box, PoseSize)
	mean := [3]float32{0.485, 0.456, 0.406}
	std := [3]float32{0.229, 0.224, 0.225}
	x := make([]float32, len(crop.Pix))
	plane := PoseSize * PoseSize
	for i, v := range crop.Pix {
		c := i / plane
		x[i] = ((v+1)/2 - mean[c]) / std[c]
	}
	outs, err := p.net.run(x, 1, 3, PoseSize, PoseSize)
	if err != nil {
		return Angles{}, err
	}
	var a [3]float64
	for k, o := range outs {
		if len(o) != poseBins {
			return Angles{}, fmt.Errorf("nets: pose output %d has %d bins, want %d", k, len(o), poseBins)
		}
		a[k] = expectation(o)
	}
	return Angles{Yaw: a[0], Pitch: a[1], Roll: a[2]}, nil
}

// expectation is the softmax-weighted mean of the bin centres, in degrees.
func expectation(logits []float32) float64 {
	mx := math.Inf(-1)
	for _, v := range logits {
		mx = max(mx, float64(v))
	}
	var sum, acc float64
	for i, v := range logits {
		e := math.Exp(float64(v) - mx)
		sum += e
		acc += e * float64(i)
	}
	return acc/sum*3 - 99
}

// cropResize resamples box of img to size x size (black outside), averaging subsamples when shrinking.
func cropResize(img *fimage.Image, box faces.Box, size int) *fimage.Image {
	var src, dst [5]faces.Point
	corners := func(b faces.Box) [5]faces.Point {
		return [5]faces.Point{b.Min, {X: b.Max.X, Y: b.Min.Y}, b.Max, {X: b.Min.X, Y: b.Max.Y}, b.Centre()}
	}
	src = corners(box)
	dst = corners(faces.Box{Max: faces.Point{X: float64(size), Y: float64(size)}})
	return warpSimilarity(img, src, dst, size)
}
