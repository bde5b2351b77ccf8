package invert

import (
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/pmvi/pmvi/pkg/camera"
)

// CameraRefinement configures the optimization of the input cameras jointly with the inversion (beyond the
// paper, which takes the estimated pose as exact): each camera may orbit the world origin by a yaw and a
// pitch, roll about its axis and, optionally, change its distance and focal length (camera.Adjustment), with
// gradients through the rays. A Gaussian prior keeps it near its estimate.
type CameraRefinement struct {
	// W refines the cameras during stage 1 (W+), PTI during stage 2 as well. Later stages use the refined
	// cameras (the pseudo views included).
	W, PTI bool
	// Radius and Focal also refine each camera's distance from the origin and its focal length.
	Radius, Focal bool
	// Prior is the standard deviation of the prior on the angles (radians; LogRadius and LogFocal use a
	// tenth of it), Weight its weight in the loss: Weight · Σ (angle/Prior)².
	Prior, Weight float64
	// Step is the largest change of an angle per step at the stage's peak learning rate (radians).
	Step float64
	// First is the number of stage-1 steps at the start in which only the cameras move (the latent stays at
	// w_avg): the average head's outline sets the pose before the latent can bend the head to a wrong one.
	First int
	// Warn is the angle (radians) beyond which a refined camera is reported as unreliable: a move that large
	// means the estimate was far off, or the inversion explained the image with the wrong pose.
	Warn float64
	// Search, when on, first moves each camera to the best yaw and pitch of a line search made before stage 1
	// (CameraSearch); stage 1's gradient steps go on from there.
	Search CameraSearch
}

// key describes the refinement for a stage key: the fields as they were before Search existed (so keys of
// stages made then still match), then the search when it is on.
func (c CameraRefinement) key() string {
	k := fmt.Sprintf("%+v", struct {
		W, PTI, Radius, Focal bool
		Prior, Weight         float64
		Step                  float64
		First                 int
		Warn                  float64
	}{c.W, c.PTI, c.Radius, c.Focal, c.Prior, c.Weight, c.Step, c.First, c.Warn})
	if c.Search.on() {
		k += fmt.Sprintf(" search=%+v", c.Search)
	}
	return k
}

// DefaultCameraRefinement refines yaw, pitch and roll for stage 1: a line search (DefaultCameraSearch) before
// it, then gradient steps of 0.01 rad at most within a prior of 10 degrees; it warns past 12 degrees.
func DefaultCameraRefinement() CameraRefinement {
	return CameraRefinement{W: true, Prior: 10 * math.Pi / 180, Weight: 1e-3, Step: 0.01, Warn: 12 * math.Pi / 180,
		Search: DefaultCameraSearch()}
}

// validate reports a setting that cannot be used.
func (c CameraRefinement) validate() error {
	if !c.W && !c.PTI {
		return nil
	}
	if !(c.Prior > 0) || c.Weight < 0 || !(c.Step > 0) || c.Warn < 0 {
		return fmt.Errorf("invert: camera refinement prior %g rad, weight %g, step %g rad, warning at %g rad: want positive prior and step, non-negative weight and warning", c.Prior, c.Weight, c.Step, c.Warn)
	}
	return c.Search.validate()
}

// refineCentre is the point the refined cameras orbit: the pivot EG3D's rigs aim at, so that a camera aimed at it
// stays aimed at it and a yaw or pitch change is the rig's own (camera.At's), the head staying where it is in the
// image. (Orbiting the world origin instead moves the image by about 0.7 pixel per degree at 128 pixels, which
// costs the input view more than the pose error it corrects: the refinement then barely moved.)
var refineCentre = camera.FFHQ().Pivot

// adjustmentSize is the number of adjustment parameters per camera: yaw, pitch, roll, log radius, log focal.
const adjustmentSize = 5

// cameraScope holds the refined cameras' variable in a stage's context.
const cameraScope, cameraName = "/invert", "camera_adjustment"

// refiner optimizes the adjustments of a stage's cameras: a variable [N, 5] stored divided by scale (so that
// Adam's step, about the learning rate, moves an angle by about Step), masked to the refined parameters.
type refiner struct {
	base  []camera.Camera
	opts  CameraRefinement
	scale float64
	v     *mlctx.Variable
}

// newRefiner adds the adjustment variable of the cameras to ctx, starting at start (nil: zero), for a stage
// whose peak learning rate is lr.
func newRefiner(ctx *mlctx.Context, base []camera.Camera, start []camera.Adjustment, opts CameraRefinement, lr float64) *refiner {
	r := &refiner{base: base, opts: opts, scale: opts.Step / lr}
	init := make([]float32, len(base)*adjustmentSize)
	for i, a := range start {
		for k, x := range []float64{a.Yaw, a.Pitch, a.Roll, a.LogRadius, a.LogFocal} {
			init[i*adjustmentSize+k] = float32(x / r.scale)
		}
	}
	r.v = ctx.InAbsPath(cameraScope).VariableWithValue(cameraName, tensors.FromFlatDataAndDimensions(init, len(base), adjustmentSize))
	r.v.SetTrainable(true)
	return r
}

// mask is 1 for the refined parameters.
func (r *refiner) mask() []float32 {
	m := []float32{1, 1, 1, 0, 0}
	if r.opts.Radius {
		m[3] = 1
	}
	if r.opts.Focal {
		m[4] = 1
	}
	return m
}

// adjustments returns the adjustments [N, 5] in the graph.
func (r *refiner) adjustments(g *Graph) *Node {
	m := Const(g, tensors.FromFlatDataAndDimensions(r.mask(), 1, adjustmentSize))
	return Mul(MulScalar(r.v.ValueGraph(g), r.scale), m)
}

// labels returns the refined cameras' labels [N, 25] (camera.Camera.Adjust about the origin, in the graph).
func (r *refiner) labels(g *Graph) *Node {
	n := len(r.base)
	a := r.adjustments(g)
	at := func(k int) *Node { return Reshape(SliceAxis(a, 1, AxisElem(k)), n, 1, 1) } // [N,1,1]
	var axes, pos, ky, kr, kf, intr []float32
	for _, c := range r.base {
		m := c.CamToWorld
		for i := 0; i < 3; i++ {
			axes = append(axes, float32(m[4*i]), float32(m[4*i+1]), float32(m[4*i+2]))
			pos = append(pos, float32(m[4*i+3]-refineCentre[i]))
		}
		ky = append(ky, cross([3]float64{0, 1, 0})...)
		kr = append(kr, cross([3]float64{m[0], m[4], m[8]})...)
		kf = append(kf, cross([3]float64{m[2], m[6], m[10]})...)
		for _, x := range c.Intrinsics {
			intr = append(intr, float32(x))
		}
	}
	mat := func(x []float32) *Node { return Const(g, tensors.FromFlatDataAndDimensions(x, n, 3, 3)) }
	eye := Const(g, tensors.FromFlatDataAndDimensions([]float32{1, 0, 0, 0, 1, 0, 0, 0, 1}, 1, 3, 3))
	// Rodrigues: R = I + sin(t) K + (1 - cos(t)) K², K the cross-product matrix of the unit axis.
	rot := func(k []float32, t *Node) *Node {
		K := mat(k)
		return Add(Add(eye, Mul(Sin(t), K)), Mul(OneMinus(Cos(t)), Einsum("nij,njk->nik", K, K)))
	}
	orbit := Einsum("nij,njk->nik", rot(ky, at(0)), rot(kr, at(1)))
	full := Einsum("nij,njk->nik", orbit, rot(kf, at(2)))
	newAxes := Einsum("nij,njk->nik", full, mat(axes))             // [N,3,3]
	p := Const(g, tensors.FromFlatDataAndDimensions(pos, n, 3, 1)) // position − centre
	centre := Const(g, tensors.FromFlatDataAndDimensions([]float32{float32(refineCentre[0]), float32(refineCentre[1]), float32(refineCentre[2])}, 1, 3, 1))
	newPos := Add(centre, Mul(Exp(at(3)), Einsum("nij,njk->nik", orbit, p))) // [N,3,1]
	top := Concatenate([]*Node{newAxes, newPos}, 2)                          // [N,3,4]
	bottom := BroadcastToDims(Const(g, tensors.FromFlatDataAndDimensions([]float32{0, 0, 0, 1}, 1, 1, 4)), n, 1, 4)
	c2w := Reshape(Concatenate([]*Node{top, bottom}, 1), n, 16)
	focal := Const(g, tensors.FromFlatDataAndDimensions([]float32{1, 0, 0, 0, 1, 0, 0, 0, 0}, 1, 9))
	k := Const(g, tensors.FromFlatDataAndDimensions(intr, n, 9))
	scale := AddScalar(Mul(focal, AddScalar(Exp(Reshape(at(4), n, 1)), -1)), 1) // exp(logF) on fx and fy
	return Concatenate([]*Node{c2w, Mul(k, scale)}, 1)
}

// prior returns the prior's loss term.
func (r *refiner) prior(g *Graph) *Node {
	s := r.opts.Prior
	w := Const(g, tensors.FromFlatDataAndDimensions([]float32{
		float32(1 / (s * s)), float32(1 / (s * s)), float32(1 / (s * s)), float32(100 / (s * s)), float32(100 / (s * s))}, 1, adjustmentSize))
	return MulScalar(ReduceAllSum(Mul(Square(r.adjustments(g)), w)), r.opts.Weight)
}

// result reads the refined adjustments and cameras back.
func (r *refiner) result() ([]camera.Adjustment, []camera.Camera, error) {
	t, err := r.v.Value()
	if err != nil {
		return nil, nil, fmt.Errorf("invert: reading the refined cameras: %w", err)
	}
	v := tensors.MustCopyFlatData[float32](t)
	mask := r.mask()
	adj := make([]camera.Adjustment, len(r.base))
	cams := make([]camera.Camera, len(r.base))
	for i := range r.base {
		x := func(k int) float64 { return float64(v[i*adjustmentSize+k]) * r.scale * float64(mask[k]) }
		adj[i] = camera.Adjustment{Yaw: x(0), Pitch: x(1), Roll: x(2), LogRadius: x(3), LogFocal: x(4)}
		cams[i] = r.base[i].Adjust(adj[i], refineCentre)
		if err := cams[i].Validate(); err != nil {
			return nil, nil, fmt.Errorf("invert: refined camera %d: %w", i, err)
		}
	}
	return adj, cams, nil
}

// cross returns the cross-product matrix of k, row-major.
func cross(k [3]float64) []float32 {
	return []float32{0, float32(-k[2]), float32(k[1]), float32(k[2]), 0, float32(-k[0]), float32(-k[1]), float32(k[0]), 0}
}

// RefinedCamera is what camera refinement found for one input view.
type RefinedCamera struct {
	// Label is the refined camera as EG3D's 25 floats.
	Label []float32 `json:"label"`
	// Adjustment is how far it moved from the estimate, and Degrees the angle it turned.
	Adjustment camera.Adjustment `json:"adjustment"`
	Degrees    float64           `json:"degrees"`
	// Warning is set when the move exceeded CameraRefinement.Warn.
	Warning string `json:"warning,omitempty"`
}

// Camera returns the refined camera.
func (r RefinedCamera) Camera() (camera.Camera, error) { return camera.FromLabel(r.Label) }

// refinedCameras describes refined cameras, with a warning for each that moved more than warn.
func refinedCameras(adj []camera.Adjustment, cams []camera.Camera, base []camera.Camera, warn float64) []RefinedCamera {
	out := make([]RefinedCamera, len(cams))
	for i, c := range cams {
		angle := camera.AngleBetween(base[i], c, refineCentre)
		out[i] = RefinedCamera{Label: c.Label(), Adjustment: adj[i], Degrees: angle * 180 / math.Pi}
		if warn > 0 && angle > warn {
			out[i].Warning = fmt.Sprintf("camera %d moved %.1f degrees from its estimate (more than %.0f): the estimate is far off or the inversion found another pose; check the input camera", i, angle*180/math.Pi, warn*180/math.Pi)
		}
	}
	return out
}
