package camera

import "math"

// Rig places cameras the way EG3D's LookAtPoseSampler does: on a sphere of Radius around Pivot, looking at
// the pivot, with a vertical field of view of FOVDegrees.
type Rig struct {
	Pivot      [3]float64
	Radius     float64
	FOVDegrees float64
}

// FFHQ returns the rig of EG3D's FFHQ models (pivot (0, 0, 0.2), radius 2.7, 18.837 degrees).
func FFHQ() Rig {
	return Rig{Pivot: [3]float64{0, 0, 0.2}, Radius: 2.7, FOVDegrees: 18.837}
}

// At returns the camera of the FFHQ rig at the given yaw and pitch offsets from the frontal view, in radians.
// Positive yaw moves the camera to the subject's left (the face turns to the image's right); positive pitch
// moves the camera down.
func At(yaw, pitch float64) Camera { return FFHQ().At(yaw, pitch) }

// At returns the camera of rig r at the given yaw and pitch offsets from the frontal view, in radians.
func (r Rig) At(yaw, pitch float64) Camera {
	return Camera{
		CamToWorld: LookAt(math.Pi/2+yaw, math.Pi/2+pitch, r.Pivot, r.Radius),
		Intrinsics: FOVToIntrinsics(r.FOVDegrees),
	}
}

// LookAt returns the row-major cam2world matrix of EG3D's LookAtPoseSampler.sample(horizontal, vertical,
// pivot, radius) without noise: horizontal is the azimuth (pi/2 is frontal), vertical the polar angle from +y
// (pi/2 is level). As in EG3D, the camera sits at radius around the world origin and looks at pivot.
func LookAt(horizontal, vertical float64, pivot [3]float64, radius float64) [16]float64 {
	const eps = 1e-5 // EG3D clamps the polar angle away from the poles
	vertical = min(max(vertical, eps), math.Pi-eps)
	theta := horizontal
	phi := math.Acos(1 - 2*vertical/math.Pi)
	origin := [3]float64{
		radius * math.Sin(phi) * math.Cos(math.Pi-theta),
		radius * math.Cos(phi),
		radius * math.Sin(phi) * math.Sin(math.Pi-theta),
	}
	forward := normalize(sub(pivot, origin))
	return camToWorld(forward, origin)
}

// camToWorld builds EG3D's create_cam2world_matrix: the camera looks along forward with world +y as the up
// hint; its x axis (right) is -(up x forward) so that image y points down.
func camToWorld(forward, origin [3]float64) [16]float64 {
	up := [3]float64{0, 1, 0}
	right := normalize(cross(up, forward))
	right = [3]float64{-right[0], -right[1], -right[2]}
	up = normalize(cross(forward, right))
	return [16]float64{
		right[0], up[0], forward[0], origin[0],
		right[1], up[1], forward[1], origin[1],
		right[2], up[2], forward[2], origin[2],
		0, 0, 0, 1,
	}
}

// FOVToIntrinsics returns EG3D's normalized intrinsics for a vertical field of view in degrees. The focal
// length is 1/(tan(fov*3.14159/360)*1.414), with EG3D's literal constants kept on purpose.
func FOVToIntrinsics(fovDegrees float64) [9]float64 {
	f := float64(float32(1 / (math.Tan(fovDegrees*3.14159/360) * 1.414)))
	return [9]float64{f, 0, 0.5, 0, f, 0.5, 0, 0, 1}
}

// YawPitch inverts At for a camera that looks at pivot from the origin-centred sphere: it returns the yaw and
// pitch offsets from the frontal view. It is how pose errors are measured.
func (c Camera) YawPitch() (yaw, pitch float64) {
	o := c.Position()
	r := math.Sqrt(o[0]*o[0] + o[1]*o[1] + o[2]*o[2])
	phi := math.Acos(max(-1, min(1, o[1]/r)))
	vertical := math.Pi / 2 * (1 - math.Cos(phi))
	theta := math.Pi - math.Atan2(o[2], o[0])
	yaw = math.Remainder(theta-math.Pi/2, 2*math.Pi)
	return yaw, vertical - math.Pi/2
}

func sub(a, b [3]float64) [3]float64 { return [3]float64{a[0] - b[0], a[1] - b[1], a[2] - b[2]} }

func cross(a, b [3]float64) [3]float64 {
	return [3]float64{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]}
}

func normalize(a [3]float64) [3]float64 {
	n := math.Sqrt(a[0]*a[0] + a[1]*a[1] + a[2]*a[2])
	return [3]float64{a[0] / n, a[1] / n, a[2] / n}
}
