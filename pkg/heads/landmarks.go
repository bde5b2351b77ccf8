package heads

// Landmarks are the five facial points EG3D's preprocessing aligns faces with (Deep3DFaceRecon's standard
// 3D landmarks: eye centres, nose tip, mouth corners), in world coordinates. Left and right are the
// subject's: the left eye is at +x, on the right of a frontal image. They are ground truth for alignment and
// pose code: project them with camera.Camera.Project (they may be hidden, e.g. by the nose at large yaw).
type Landmarks struct {
	LeftEye, RightEye, Nose, MouthLeft, MouthRight [3]float64
}

// Landmarks returns the identity's five alignment landmarks: the centres of the irises, the most forward
// point of the nose and the corners of the mouth on the skin surface.
func (id Identity) Landmarks() Landmarks {
	m := compile(Scene{Identity: id})
	eye := func(side float64) [3]float64 {
		c := m.eyeall.c
		c.x *= side
		return headToWorld(c.add(m.gazeDir(side).mul(m.eyeall.r)))
	}
	// surface returns the skin point straight behind (x, y) as seen from +z.
	surface := func(x, y float64) [3]float64 {
		p := vec3{x, y, sceneBox[1].z}
		for range 200 {
			h := m.dist(p)
			if h < hitEps {
				break
			}
			p.z -= h
		}
		return headToWorld(p)
	}
	// The corners of the mouth in head space: the inverse of mouthLocal at the ends of the mouth line.
	corner := func(side float64) [3]float64 {
		x := side * m.mouthHalfW * 0.95
		t := min(x*x/(m.mouthHalfW*m.mouthHalfW), 1.6)
		return surface(x*(1+0.1*m.smile), m.mouthY+m.smile*0.75*t)
	}
	return Landmarks{
		LeftEye:    eye(1),
		RightEye:   eye(-1),
		Nose:       surface(0, m.tip.c.y),
		MouthLeft:  corner(1),
		MouthRight: corner(-1),
	}
}
