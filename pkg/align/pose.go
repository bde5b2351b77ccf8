package align

import (
	"fmt"
	"math"

	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/faces"
)

// pose.go: the camera of an aligned image, found by perspective-n-point: the rigid pose of the 3D landmark
// template (in EG3D's world) whose projection through the FFHQ intrinsics best matches the 68 landmarks. It
// replaces Deep3DFaceRecon's pose regression of the official preprocessing; the world is the template's, so
// a frontal face gives the frontal FFHQ camera at radius 2.7.

// jawWeight is the weight of the jaw contour's residuals relative to the inner face's: the contour is where
// the cheek turns away from the camera, so it slides over the skin as the head turns.
const jawWeight = 0.3

// FitCamera returns the EG3D camera under which the 3D landmark template projects closest (weighted least
// squares in pixels) to landmarks given in the pixel coordinates of a size x size aligned image, and the
// root-mean-square residual in pixels. The intrinsics are the FFHQ rig's.
func FitCamera(l *faces.Landmarks, size int) (camera.Camera, float64, error) {
	var world [68][3]float64
	for i, p := range template68 {
		world[i] = TemplateWorld(p)
	}
	intr := camera.FFHQ().At(0, 0).Intrinsics
	obs := make([][2]float64, 68)
	for i, p := range l {
		obs[i] = [2]float64{p.X / float64(size), p.Y / float64(size)}
		if math.IsNaN(p.X) || math.IsNaN(p.Y) {
			return camera.Camera{}, 0, fmt.Errorf("align: landmark %d is NaN", i)
		}
	}
	best, bestErr := pnpState{}, math.Inf(1)
	// Start from the frontal camera and from cameras turned to either side: the template is not convex in
	// yaw, and a start on the right side avoids a local minimum for profile views.
	for _, yaw := range []float64{0, -0.6, 0.6} {
		s := stateFrom(camera.At(yaw, 0))
		s, e := s.refine(world[:], obs, intr)
		if e < bestErr {
			best, bestErr = s, e
		}
	}
	cam := camera.Camera{CamToWorld: best.camToWorld(), Intrinsics: intr}
	rms := bestErr * float64(size)
	if err := cam.Validate(); err != nil {
		return camera.Camera{}, 0, fmt.Errorf("align: camera fit failed: %w", err)
	}
	return cam, rms, nil
}

// pnpState is a rigid world-to-camera transform q = R*p + t.
type pnpState struct {
	r [9]float64
	t [3]float64
}

func stateFrom(c camera.Camera) pnpState {
	m := c.CamToWorld
	var s pnpState
	// R = rotation(cam2world)^T, t = -R*origin.
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			s.r[3*i+j] = m[4*j+i]
		}
	}
	o := [3]float64{m[3], m[7], m[11]}
	for i := 0; i < 3; i++ {
		s.t[i] = -(s.r[3*i]*o[0] + s.r[3*i+1]*o[1] + s.r[3*i+2]*o[2])
	}
	return s
}

func (s pnpState) camToWorld() [16]float64 {
	var m [16]float64
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			m[4*i+j] = s.r[3*j+i]
		}
		// origin = -R^T t
		m[4*i+3] = -(s.r[i]*s.t[0] + s.r[3+i]*s.t[1] + s.r[6+i]*s.t[2])
	}
	m[15] = 1
	return m
}

// residuals fills res with the weighted normalized-image residuals of the projections.
func (s pnpState) residuals(world [][3]float64, obs [][2]float64, k [9]float64, res []float64) {
	for i, p := range world {
		q := [3]float64{
			s.r[0]*p[0] + s.r[1]*p[1] + s.r[2]*p[2] + s.t[0],
			s.r[3]*p[0] + s.r[4]*p[1] + s.r[5]*p[2] + s.t[1],
			s.r[6]*p[0] + s.r[7]*p[1] + s.r[8]*p[2] + s.t[2],
		}
		w := 1.0
		if i <= 16 {
			w = jawWeight
		}
		z := max(q[2], 1e-6)
		res[2*i] = w * (k[0]*q[0]/z + k[1]*q[1]/z + k[2] - obs[i][0])
		res[2*i+1] = w * (k[4]*q[1]/z + k[5] - obs[i][1])
	}
}

// perturb returns the state moved by a rotation vector d[0:3] (applied on the camera side) and a
// translation d[3:6].
func (s pnpState) perturb(d [6]float64) pnpState {
	rv := rodrigues(d[0], d[1], d[2])
	var out pnpState
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			out.r[3*i+j] = rv[3*i]*s.r[j] + rv[3*i+1]*s.r[3+j] + rv[3*i+2]*s.r[6+j]
		}
		out.t[i] = rv[3*i]*s.t[0] + rv[3*i+1]*s.t[1] + rv[3*i+2]*s.t[2] + d[3+i]
	}
	return out
}

// refine runs Levenberg-Marquardt with a central-difference Jacobian and returns the state and its RMS
// residual in image widths.
func (s pnpState) refine(world [][3]float64, obs [][2]float64, k [9]float64) (pnpState, float64) {
	n := 2 * len(world)
	res, rp, rm := make([]float64, n), make([]float64, n), make([]float64, n)
	jac := make([][6]float64, n)
	cost := func(st pnpState, r []float64) float64 {
		st.residuals(world, obs, k, r)
		var c float64
		for _, v := range r {
			c += v * v
		}
		return c
	}
	c := cost(s, res)
	lambda := 1e-3
	const h = 1e-6
	for iter := 0; iter < 100; iter++ {
		for p := 0; p < 6; p++ {
			var d [6]float64
			d[p] = h
			s.perturb(d).residuals(world, obs, k, rp)
			d[p] = -h
			s.perturb(d).residuals(world, obs, k, rm)
			for i := range jac {
				jac[i][p] = (rp[i] - rm[i]) / (2 * h)
			}
		}
		var a [6][6]float64
		var g [6]float64
		for i := range jac {
			for p := 0; p < 6; p++ {
				g[p] += jac[i][p] * res[i]
				for q := 0; q < 6; q++ {
					a[p][q] += jac[i][p] * jac[i][q]
				}
			}
		}
		improved := false
		for try := 0; try < 10; try++ {
			var m [6][6]float64
			for p := range a {
				m[p] = a[p]
				m[p][p] += lambda * (a[p][p] + 1e-12)
			}
			var rhs [6]float64
			for p := range g {
				rhs[p] = -g[p]
			}
			d, ok := solve6(m, rhs)
			if !ok {
				lambda *= 10
				continue
			}
			next := s.perturb(d)
			if nc := cost(next, rp); nc < c {
				converged := c-nc < 1e-14*c
				s, c = next, nc
				copy(res, rp)
				lambda = max(lambda/10, 1e-9)
				improved = true
				if converged {
					return s, math.Sqrt(c / float64(len(world)))
				}
				break
			}
			lambda *= 10
		}
		if !improved {
			break
		}
	}
	return s, math.Sqrt(c / float64(len(world)))
}

// rodrigues returns the rotation matrix of rotation vector (x, y, z).
func rodrigues(x, y, z float64) [9]float64 {
	th := math.Sqrt(x*x + y*y + z*z)
	if th < 1e-12 {
		return [9]float64{1, -z, y, z, 1, -x, -y, x, 1}
	}
	kx, ky, kz := x/th, y/th, z/th
	c, s := math.Cos(th), math.Sin(th)
	v := 1 - c
	return [9]float64{
		c + kx*kx*v, kx*ky*v - kz*s, kx*kz*v + ky*s,
		ky*kx*v + kz*s, c + ky*ky*v, ky*kz*v - kx*s,
		kz*kx*v - ky*s, kz*ky*v + kx*s, c + kz*kz*v,
	}
}

// solve6 solves a 6x6 linear system by Gaussian elimination with partial pivoting.
func solve6(a [6][6]float64, b [6]float64) ([6]float64, bool) {
	const n = 6
	for c := 0; c < n; c++ {
		p := c
		for r := c + 1; r < n; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[p][c]) {
				p = r
			}
		}
		if math.Abs(a[p][c]) < 1e-300 {
			return b, false
		}
		a[c], a[p] = a[p], a[c]
		b[c], b[p] = b[p], b[c]
		for r := c + 1; r < n; r++ {
			f := a[r][c] / a[c][c]
			for k := c; k < n; k++ {
				a[r][k] -= f * a[c][k]
			}
			b[r] -= f * b[c]
		}
	}
	var x [6]float64
	for r := n - 1; r >= 0; r-- {
		s := b[r]
		for k := r + 1; k < n; k++ {
			s -= a[r][k] * x[k]
		}
		x[r] = s / a[r][r]
	}
	return x, true
}

// Roll returns the camera's rotation about its viewing axis in radians: the elevation of the camera's x axis
// (the image's rightward direction) above the world's horizontal plane. EG3D's look-at cameras have none.
func Roll(c camera.Camera) float64 {
	m := c.CamToWorld
	right := [3]float64{m[0], m[4], m[8]}
	return math.Asin(max(-1, min(1, right[1])))
}
