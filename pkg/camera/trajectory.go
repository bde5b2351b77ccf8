package camera

import "math"

// Pose is a camera direction given as yaw and pitch offsets from the frontal view, in radians.
type Pose struct {
	Yaw, Pitch float64
}

// Camera returns the FFHQ rig's camera at p.
func (p Pose) Camera() Camera { return At(p.Yaw, p.Pitch) }

// Cameras returns the FFHQ rig's camera at each pose.
func Cameras(poses []Pose) []Camera {
	out := make([]Camera, len(poses))
	for i, p := range poses {
		out[i] = p.Camera()
	}
	return out
}

// Ellipse returns n poses on the closed elliptical path EG3D's gen_videos.py and HFGI3D's pseudo views
// follow: pose i has yaw yawAmp*sin(2*pi*i/n) and pitch pitchOffset + pitchAmp*cos(2*pi*i/n).
func Ellipse(n int, yawAmp, pitchAmp, pitchOffset float64) []Pose {
	poses := make([]Pose, n)
	for i := range poses {
		t := 2 * math.Pi * float64(i) / float64(n)
		poses[i] = Pose{Yaw: yawAmp * math.Sin(t), Pitch: pitchOffset + pitchAmp*math.Cos(t)}
	}
	return poses
}

// Orbit returns the official 30-view orbit of HFGI3D's pseudo multi-views (multi_views/triplane_pose_30.npy),
// which follows EG3D's gen_videos.py: LookAtPoseSampler(3.14/2 + 0.35*sin(2*3.14*k/30),
// 3.14/2 - 0.05 + 0.25*cos(2*3.14*k/30)). The official code writes 3.14 for pi; the poses keep it, so they
// sit 0.0008 rad off the symmetric path, as the official views do.
func Orbit() []Pose {
	const n, pi = 30, 3.14 // EG3D quirk: 3.14, not math.Pi
	off := pi/2 - math.Pi/2
	poses := make([]Pose, n)
	for k := range poses {
		t := 2 * pi * float64(k) / n
		poses[k] = Pose{Yaw: off + 0.35*math.Sin(t), Pitch: off - 0.05 + 0.25*math.Cos(t)}
	}
	return poses
}

// Grid returns nYaw x nPitch poses spanning [-yawRange, yawRange] x [-pitchRange, pitchRange] row by row
// (pitch outer, yaw inner). A count of 1 puts that axis at 0.
func Grid(nYaw, nPitch int, yawRange, pitchRange float64) []Pose {
	poses := make([]Pose, 0, nYaw*nPitch)
	for j := 0; j < nPitch; j++ {
		for i := 0; i < nYaw; i++ {
			poses = append(poses, Pose{Yaw: spread(i, nYaw, yawRange), Pitch: spread(j, nPitch, pitchRange)})
		}
	}
	return poses
}

func spread(i, n int, r float64) float64 {
	if n == 1 {
		return 0
	}
	return -r + 2*r*float64(i)/float64(n-1)
}

// Evaluation returns the paper's 3D-consistency protocol views (supp. B, after IBRNet): the canonical view and
// the four edge views of the trajectory with yaw in [-0.35, 0.35] and pitch in [-0.25, 0.25].
func Evaluation() []Pose {
	return []Pose{{0, 0}, {-0.35, 0}, {0.35, 0}, {0, -0.25}, {0, 0.25}}
}
