package camera

import (
	"fmt"
	"math"
)

// LabelSize is the number of floats in an EG3D camera label: 16 for cam2world and 9 for the intrinsics.
const LabelSize = 25

// Camera is one EG3D camera: where it is (CamToWorld) and how it projects (Intrinsics).
type Camera struct {
	// CamToWorld is the row-major 4x4 matrix taking camera coordinates (x right, y down, z forward) to world
	// coordinates; its last column holds the camera position.
	CamToWorld [16]float64
	// Intrinsics is the row-major 3x3 matrix of focal lengths and principal point, normalized so that the image
	// spans [0, 1] in both directions.
	Intrinsics [9]float64
}

// Label returns the camera as the 25 floats EG3D's mapping network and renderer take.
func (c Camera) Label() []float32 {
	out := make([]float32, LabelSize)
	for i, v := range c.CamToWorld {
		out[i] = float32(v)
	}
	for i, v := range c.Intrinsics {
		out[16+i] = float32(v)
	}
	return out
}

// FromLabel parses a 25-float EG3D camera label and checks that it describes a camera: finite values, a
// rigid cam2world (orthonormal rotation, last row 0 0 0 1) and pinhole intrinsics with positive focal lengths.
func FromLabel(label []float32) (Camera, error) {
	if len(label) != LabelSize {
		return Camera{}, fmt.Errorf("camera: label has %d values, want %d (16 cam2world + 9 intrinsics)", len(label), LabelSize)
	}
	var c Camera
	for i := range c.CamToWorld {
		c.CamToWorld[i] = float64(label[i])
	}
	for i := range c.Intrinsics {
		c.Intrinsics[i] = float64(label[16+i])
	}
	return c, c.Validate()
}

// Validate reports whether c is a usable EG3D camera, naming the first field that is not.
func (c Camera) Validate() error {
	for i, v := range c.CamToWorld {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("camera: cam2world[%d] = %v, want a finite value", i, v)
		}
	}
	for i, v := range c.Intrinsics {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("camera: intrinsics[%d] = %v, want a finite value", i, v)
		}
	}
	m := c.CamToWorld
	if math.Abs(m[12])+math.Abs(m[13])+math.Abs(m[14])+math.Abs(m[15]-1) > 1e-4 {
		return fmt.Errorf("camera: cam2world last row is %v, want [0 0 0 1]", m[12:16])
	}
	const tol = 1e-3 // float32 labels written by other tools are orthonormal to about 1e-6
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			dot := m[i]*m[j] + m[4+i]*m[4+j] + m[8+i]*m[8+j]
			want := 0.0
			if i == j {
				want = 1
			}
			if math.Abs(dot-want) > tol {
				return fmt.Errorf("camera: cam2world rotation columns %d and %d have dot product %.4g, want %g (not a rigid transform)", i, j, dot, want)
			}
		}
	}
	k := c.Intrinsics
	if k[0] <= 0 || k[4] <= 0 {
		return fmt.Errorf("camera: focal lengths fx=%g fy=%g, want positive (normalized intrinsics)", k[0], k[4])
	}
	if k[3] != 0 || k[6] != 0 || k[7] != 0 || math.Abs(k[8]-1) > 1e-6 {
		return fmt.Errorf("camera: intrinsics last rows are %v, want [0 fy cy 0 0 1] form", k[3:9])
	}
	if k[0] > 1e3 || k[2] < -10 || k[2] > 10 || k[5] < -10 || k[5] > 10 {
		return fmt.Errorf("camera: intrinsics fx=%g cx=%g cy=%g look like pixel units, want normalized (cx, cy near 0.5)", k[0], k[2], k[5])
	}
	return nil
}

// Position returns the camera centre in world coordinates.
func (c Camera) Position() [3]float64 {
	return [3]float64{c.CamToWorld[3], c.CamToWorld[7], c.CamToWorld[11]}
}

// Forward returns the unit viewing direction (the camera's +z axis) in world coordinates.
func (c Camera) Forward() [3]float64 {
	return [3]float64{c.CamToWorld[2], c.CamToWorld[6], c.CamToWorld[10]}
}

// WorldToCamera maps a world point to camera coordinates (x right, y down, z forward).
func (c Camera) WorldToCamera(p [3]float64) [3]float64 {
	m := c.CamToWorld
	d := [3]float64{p[0] - m[3], p[1] - m[7], p[2] - m[11]}
	// The rotation is orthonormal, so its inverse is its transpose.
	return [3]float64{
		m[0]*d[0] + m[4]*d[1] + m[8]*d[2],
		m[1]*d[0] + m[5]*d[1] + m[9]*d[2],
		m[2]*d[0] + m[6]*d[1] + m[10]*d[2],
	}
}

// Project maps a world point to continuous pixel coordinates of a width x height image (x to the right from the
// left edge, y down from the top edge, pixel centres at half-integers) and its camera-space depth z. Points
// behind the camera get z <= 0 and must be discarded by the caller.
func (c Camera) Project(p [3]float64, width, height int) (x, y, z float64) {
	q := c.WorldToCamera(p)
	k := c.Intrinsics
	u := (k[0]*q[0] + k[1]*q[1]) / q[2]
	v := k[4] * q[1] / q[2]
	return (u + k[2]) * float64(width), (v + k[5]) * float64(height), q[2]
}
