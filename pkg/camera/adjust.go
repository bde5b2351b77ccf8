package camera

import "math"

// Adjustment is a small change of a camera, as camera refinement estimates it: the camera orbits a centre
// (the world origin, around which EG3D's rigs place their cameras) by Yaw about the world's vertical axis and
// by Pitch about its own right axis, turns by Roll about its viewing axis, moves LogRadius (natural log)
// further from the centre and zooms by LogFocal. The zero value changes nothing.
type Adjustment struct {
	Yaw, Pitch, Roll    float64
	LogRadius, LogFocal float64
}

// Angle returns how far the adjustment turns the camera's direction from the pivot, in radians (roll not
// counted: it does not move the camera).
func (a Adjustment) Angle() float64 {
	c := At(0, 0)
	return AngleBetween(c, c.Adjust(a, [3]float64{}), FFHQ().Pivot)
}

// AngleBetween returns the angle between the directions from pivot to the two cameras' centres, in radians:
// the pose error of a camera estimate.
func AngleBetween(a, b Camera, pivot [3]float64) float64 {
	u, v := sub(a.Position(), pivot), sub(b.Position(), pivot)
	dot := (u[0]*v[0] + u[1]*v[1] + u[2]*v[2]) / math.Sqrt((u[0]*u[0]+u[1]*u[1]+u[2]*u[2])*(v[0]*v[0]+v[1]*v[1]+v[2]*v[2]))
	return math.Acos(max(-1, min(1, dot)))
}

// Adjust returns c changed by a about centre. For EG3D's rigs, the world origin keeps the camera on the rig's
// sphere but turns it off the pivot it aimed at; the pivot keeps it aimed there, so a yaw or pitch change is
// then the rig's own view of the head (invert's camera refinement orbits the pivot):
//
//	O = Rot(y, Yaw) · Rot(right, Pitch)     (axes: world y, c's right axis)
//	position' = centre + exp(LogRadius) · O (position − centre),  axes' = O · Rot(forward, Roll) · axes
//	fx' = exp(LogFocal) fx,  fy' = exp(LogFocal) fy
//
// invert's camera refinement computes the same in its graphs (tested against this).
func (c Camera) Adjust(a Adjustment, centre [3]float64) Camera {
	pivot := centre
	m := c.CamToWorld
	right := [3]float64{m[0], m[4], m[8]}
	forward := [3]float64{m[2], m[6], m[10]}
	orbit := mul3(rotation([3]float64{0, 1, 0}, a.Yaw), rotation(right, a.Pitch))
	r := mul3(orbit, rotation(forward, a.Roll))
	var axes [9]float64 // rows of R·A, A's columns the camera axes
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			for k := 0; k < 3; k++ {
				axes[3*i+j] += r[3*i+k] * m[4*k+j]
			}
		}
	}
	o := sub(c.Position(), pivot)
	s := math.Exp(a.LogRadius)
	var out Camera
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			out.CamToWorld[4*i+j] = axes[3*i+j]
		}
		out.CamToWorld[4*i+3] = pivot[i] + s*(orbit[3*i]*o[0]+orbit[3*i+1]*o[1]+orbit[3*i+2]*o[2])
	}
	out.CamToWorld[15] = 1
	out.Intrinsics = c.Intrinsics
	f := math.Exp(a.LogFocal)
	out.Intrinsics[0] *= f
	out.Intrinsics[4] *= f
	return out
}

// rotation returns the row-major 3x3 rotation by angle t about the unit axis k (Rodrigues' formula).
func rotation(k [3]float64, t float64) [9]float64 {
	s, c := math.Sin(t), math.Cos(t)
	K := [9]float64{0, -k[2], k[1], k[2], 0, -k[0], -k[1], k[0], 0}
	K2 := mul3(K, K)
	var r [9]float64
	for i := range r {
		r[i] = s*K[i] + (1-c)*K2[i]
	}
	r[0], r[4], r[8] = r[0]+1, r[4]+1, r[8]+1
	return r
}

func mul3(a, b [9]float64) [9]float64 {
	var out [9]float64
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			for k := 0; k < 3; k++ {
				out[3*i+j] += a[3*i+k] * b[3*k+j]
			}
		}
	}
	return out
}
