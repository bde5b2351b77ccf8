package facescore

import (
	"fmt"
	"math"

	"github.com/pmvi/pmvi/pkg/align"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/fimage"
)

// PoseError is how far an estimated camera is from a target camera, in degrees.
type PoseError struct {
	// Yaw and Pitch are the absolute differences of camera.YawPitch.
	Yaw, Pitch float64
	// Angle is the angle between the two viewing directions.
	Angle float64
}

// CameraError compares two EG3D cameras.
func CameraError(estimated, target camera.Camera) PoseError {
	ey, ep := estimated.YawPitch()
	ty, tp := target.YawPitch()
	f, g := estimated.Forward(), target.Forward()
	dot := f[0]*g[0] + f[1]*g[1] + f[2]*g[2]
	deg := 180 / math.Pi
	return PoseError{
		Yaw:   math.Abs(math.Remainder(ey-ty, 2*math.Pi)) * deg,
		Pitch: math.Abs(ep-tp) * deg,
		Angle: math.Acos(max(-1, min(1, dot))) * deg,
	}
}

// Pose estimates the camera of rendered views for the pose metric.
type Pose struct {
	aligner *align.Aligner
	opt     align.Options
}

// NewPose loads the face detector and landmark model from faces.Dir.
func NewPose() (*Pose, error) {
	a, err := align.New()
	if err != nil {
		return nil, err
	}
	opt := align.DefaultOptions()
	opt.MinFaceSize = 32
	return &Pose{aligner: a, opt: opt}, nil
}

// Estimate returns the camera of a square view framed like EG3D's crop (a render at any resolution).
func (p *Pose) Estimate(view *fimage.Image) (camera.Camera, error) {
	c, _, _, err := p.aligner.Camera(view, p.opt)
	if err != nil {
		return camera.Camera{}, fmt.Errorf("facescore: pose: %w", err)
	}
	return c, nil
}

// Error estimates the camera of view and compares it with the camera it was rendered from.
func (p *Pose) Error(view *fimage.Image, target camera.Camera) (PoseError, error) {
	c, err := p.Estimate(view)
	if err != nil {
		return PoseError{}, err
	}
	return CameraError(c, target), nil
}

// MeanPoseError averages errors field by field; it returns the zero PoseError for no errors.
func MeanPoseError(errs []PoseError) PoseError {
	var m PoseError
	for _, e := range errs {
		m.Yaw += e.Yaw / float64(len(errs))
		m.Pitch += e.Pitch / float64(len(errs))
		m.Angle += e.Angle / float64(len(errs))
	}
	return m
}
