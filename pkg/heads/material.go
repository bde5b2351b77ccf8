package heads

import "math"

// material.go: what the surface is made of at a hit point (albedo, gloss and part label), with soft
// transitions between regions so colour edges are band-limited in 3D, not only by supersampling.

// Part labels what a pixel shows. Parts are ground truth for segmentation-style checks: where the hand
// covers the face, where the eyes are.
type Part uint8

const (
	PartBackground Part = iota // no surface: the pixel shows the background
	PartSkin
	PartHair
	PartSclera // white of the eye
	PartIris   // iris and pupil
	PartLips
	PartBrow
	PartMouth // teeth and the inside of the mouth
	PartCloth
	PartHand
	PartGlasses // frames and lenses
	PartEarring
	PartHat
)

var partNames = [...]string{"background", "skin", "hair", "sclera", "iris", "lips", "brow", "mouth", "cloth",
	"hand", "glasses", "earring", "hat"}

func (p Part) String() string {
	if int(p) < len(partNames) {
		return partNames[p]
	}
	return "part?"
}

// look holds an identity's colours (linear RGB) and light.
type look struct {
	skin, lip, brow, hair, iris, sclera, teeth, mouth, cloth, hat, lash, stubble [3]float64
	beard, cheekRed                                                              float64
	browY, browArch, browHalf                                                    float64
	gazeX                                                                        float64
	light                                                                        vec3
	key, sky                                                                     [3]float64
}

func srgbToLinear(c [3]float64) [3]float64 {
	return [3]float64{math.Pow(c[0], 2.2), math.Pow(c[1], 2.2), math.Pow(c[2], 2.2)}
}

// ramp interpolates linearly between colour stops spread evenly over [0, 1].
func ramp(t float64, stops ...[3]float64) [3]float64 {
	t = clamp(t, 0, 1) * float64(len(stops)-1)
	i := min(int(t), len(stops)-2)
	f := t - float64(i)
	a, b := stops[i], stops[i+1]
	return [3]float64{mix(a[0], b[0], f), mix(a[1], b[1], f), mix(a[2], b[2], f)}
}

func mix3(a, b [3]float64, t float64) [3]float64 {
	return [3]float64{mix(a[0], b[0], t), mix(a[1], b[1], t), mix(a[2], b[2], t)}
}

func scale3(a [3]float64, s float64) [3]float64 { return [3]float64{a[0] * s, a[1] * s, a[2] * s} }

func mul3(a, b [3]float64) [3]float64 { return [3]float64{a[0] * b[0], a[1] * b[1], a[2] * b[2]} }

func newLook(id Identity) look {
	var l look
	skin := ramp(id.SkinTone,
		[3]float64{0.96, 0.8, 0.7}, [3]float64{0.87, 0.66, 0.53}, [3]float64{0.66, 0.45, 0.32}, [3]float64{0.36, 0.23, 0.16})
	red := 0.05 * centred(id.SkinRedness)
	skin = [3]float64{clamp(skin[0]+red, 0, 1), clamp(skin[1]-red*0.6, 0, 1), clamp(skin[2]-red*0.4, 0, 1)}
	l.skin = srgbToLinear(skin)
	l.cheekRed = 0.1 + 0.15*id.SkinRedness
	lipPale := [3]float64{skin[0] * 0.88, skin[1] * 0.6, skin[2] * 0.6}
	lipRed := [3]float64{min(1, skin[0]*0.85+0.07), skin[1] * 0.4, skin[2] * 0.45}
	l.lip = srgbToLinear(mix3(lipPale, lipRed, id.LipRedness))

	hair := ramp(id.HairDarkness,
		[3]float64{0.86, 0.72, 0.47}, [3]float64{0.6, 0.43, 0.26}, [3]float64{0.3, 0.2, 0.12}, [3]float64{0.07, 0.055, 0.05})
	hair = mix3(hair, [3]float64{0.62, 0.25, 0.1}, id.HairRed*(1-0.7*id.HairDarkness))
	l.hair = srgbToLinear(hair)
	// Brows are darker than the hair, markedly so for fair hair, so they always read.
	l.brow = srgbToLinear(mix3(hair, [3]float64{0.12, 0.08, 0.06}, 0.45))
	l.lash = srgbToLinear([3]float64{0.05, 0.04, 0.04})
	l.stubble = srgbToLinear(mix3(mul3(skin, [3]float64{0.55, 0.55, 0.6}), hair, 0.3))
	l.beard = id.Beard

	l.iris = srgbToLinear(ramp(id.IrisHue,
		[3]float64{0.28, 0.15, 0.07}, [3]float64{0.45, 0.3, 0.13}, [3]float64{0.36, 0.46, 0.25}, [3]float64{0.3, 0.5, 0.72}))
	l.sclera = srgbToLinear([3]float64{0.9, 0.87, 0.84})
	l.teeth = srgbToLinear([3]float64{0.92, 0.89, 0.8})
	l.mouth = srgbToLinear([3]float64{0.3, 0.08, 0.08})
	l.cloth = srgbToLinear(hsv(id.ClothHue, 0.45, 0.5))
	l.hat = srgbToLinear(hsv(id.ClothHue+0.45, 0.55, 0.42))

	l.browY = 4.35 + 0.5*centred(id.BrowHeight)
	l.browArch = 0.15 + 0.35*id.BrowArch
	l.browHalf = 0.22 + 0.14*id.BrowThickness
	l.gazeX = 0.12 * centred(id.Gaze)

	yaw := 1.3 * centred(id.LightYaw) // azimuth in [-1.3, 1.3] rad, 0 frontal
	pitch := 0.15 + 0.55*id.LightPitch
	sp, cp := math.Sincos(pitch)
	sy, cy := math.Sincos(yaw)
	l.light = vec3{sy * cp, sp, cy * cp}
	intensity := 1.0 + 0.35*centred(id.LightIntensity)
	w := 0.08 * centred(id.LightWarmth)
	l.key = scale3([3]float64{1 + w, 1, 1 - w}, intensity)
	amb := 0.34 + 0.1*centred(id.Ambient)
	l.sky = scale3([3]float64{1 - w*0.5, 1, 1 + w*0.5}, amb)
	return l
}

// surface describes the material at a hit point.
type surface struct {
	albedo          [3]float64
	spec, shininess float64
	wrap            float64 // diffuse wrap (soft terminator of skin)
	part            Part
}

// material returns the material at head-space hit point p.
func (m *model) material(p vec3) surface {
	var ds parts
	m.eval(p, &ds, false)
	l := &m.look
	// The nearest part is the surface; skin and hair blend where the hairline meets the skin.
	best, which := ds.skin, PartSkin
	for _, c := range [...]struct {
		d float64
		p Part
	}{{ds.hair, PartHair}, {ds.eye, PartSclera}, {ds.teeth, PartMouth}, {ds.cloth, PartCloth},
		{ds.hand, PartHand}, {ds.glasses, PartGlasses}, {ds.lens, PartGlasses}, {ds.earring, PartEarring},
		{ds.hat, PartHat}} {
		if c.d < best {
			best, which = c.d, c.p
		}
	}
	switch which {
	case PartSkin, PartHair:
		t := smoothstep(-0.12, 0.12, ds.skin-ds.hair)
		s := m.skinMaterial(p)
		if t <= 0 {
			return s
		}
		h := m.hairMaterial(p)
		if t >= 1 {
			return h
		}
		s.albedo = mix3(s.albedo, h.albedo, t)
		s.spec = mix(s.spec, h.spec, t)
		if t > 0.5 {
			s.part = PartHair
		}
		return s
	case PartSclera:
		return m.eyeMaterial(p)
	case PartMouth:
		return surface{albedo: l.teeth, spec: 0.25, shininess: 40, part: PartMouth}
	case PartCloth:
		return surface{albedo: l.cloth, spec: 0.02, shininess: 8, wrap: 0.2, part: PartCloth}
	case PartHand:
		return surface{albedo: l.skin, spec: 0.06, shininess: 20, wrap: 0.35, part: PartHand}
	case PartGlasses:
		if ds.lens < ds.glasses {
			return surface{albedo: [3]float64{0.01, 0.012, 0.015}, spec: 0.9, shininess: 180, part: PartGlasses}
		}
		return surface{albedo: [3]float64{0.02, 0.02, 0.025}, spec: 0.5, shininess: 60, part: PartGlasses}
	case PartEarring:
		return surface{albedo: [3]float64{0.8, 0.55, 0.18}, spec: 0.9, shininess: 50, part: PartEarring}
	default: // PartHat
		return surface{albedo: l.hat, spec: 0.02, shininess: 8, wrap: 0.2, part: PartHat}
	}
}

// skinMaterial paints the skin: lips, the dark line and inside of the mouth, nostrils, brows, lash lines,
// cheek colour and stubble.
func (m *model) skinMaterial(p vec3) surface {
	l := &m.look
	pm := p.mirror()
	s := surface{albedo: l.skin, spec: 0.07, shininess: 18, wrap: 0.35, part: PartSkin}

	// Cheeks and nose tip are redder.
	cheek := smoothstep(2.6, 0.3, pm.sub(m.cheek.c).length()) + 0.6*smoothstep(1.4, 0.2, p.sub(m.tip.c).length())
	s.albedo = mul3(s.albedo, [3]float64{1 + l.cheekRed*cheek*0.6, 1 - l.cheekRed*cheek*0.5, 1 - l.cheekRed*cheek*0.4})

	// Stubble: below a line from the sideburn to the outside of the mouth corner, and the moustache.
	if l.beard > 0 {
		s.albedo = mix3(s.albedo, l.stubble, m.beardWeight(p, pm)*(0.3+0.45*l.beard))
	}

	// Lips and the line between them; the inside of an open mouth is dark.
	if m.mouthBound.dist(p) < 0.5 {
		q := m.mouthLocal(p)
		lips := min(m.upperLip.dist(q), m.lowerLip.dist(q))
		w := smoothstep(0.18, -0.04, lips)
		s.albedo = mix3(s.albedo, l.lip, w)
		s.spec, s.shininess = mix(s.spec, 0.2, w), mix(s.shininess, 40, w)
		if w > 0.5 {
			s.part = PartLips
		}
		g := m.groove.dist(q)
		if dm := smoothstep(0.1, 0.0, g); dm > 0 {
			s.albedo = mix3(s.albedo, l.mouth, dm)
			if dm > 0.5 {
				s.part = PartMouth
			}
		}
	}

	// Nostrils.
	if n := smoothstep(0.12, 0.0, m.nostril.dist(pm)); n > 0 {
		s.albedo = mix3(s.albedo, scale3(l.mouth, 0.4), n)
	}

	// Lash lines at the lid margins: dark above, a softer line below.
	if m.eyeBound.dist(pm) < 0.5 {
		a := m.almondDist(pm)
		q := m.almond.local(pm)
		if w := smoothstep(0.16, 0.0, math.Abs(a)) * smoothstep(-0.1, 0.15, q.y+0.05); w > 0 {
			s.albedo = mix3(s.albedo, l.lash, w)
		}
		if w := smoothstep(0.1, 0.0, math.Abs(a)) * smoothstep(0.1, -0.15, q.y); w > 0 {
			s.albedo = mix3(s.albedo, scale3(l.lash, 3), 0.5*w)
		}
	}

	// Brows: an arched band above each eye, tapering towards the temple.
	if p.z > -2 && pm.x < 5.8 && p.y > 2.8 && p.y < 6.5 {
		ex := m.eyeall.c.x
		t := (pm.x - (ex - 2.0)) / 4.4 // 0 at the inner end, 1 at the outer end
		arch := l.browArch * 4 * t * (1 - t)
		cy := l.browY + arch - 0.25*t
		half := l.browHalf * (1.15 - 0.55*t)
		d := math.Abs(p.y-cy) - half
		w := smoothstep(0.1, -0.06, d) * smoothstep(-0.05, 0.08, t) * smoothstep(1.05, 0.9, t)
		if w > 0 {
			s.albedo = mix3(s.albedo, l.brow, 0.92*w)
			if w > 0.5 {
				s.part = PartBrow
			}
		}
	}
	return s
}

// beardWeight is how much stubble covers skin point p (pm its mirror): the jaw, chin and upper lip, never
// the lips, fading down the neck.
func (m *model) beardWeight(p, pm vec3) float64 {
	line := -3.0 + (pm.x-3.3)*1.55 // through the mouth corner's outside and the sideburn
	w := smoothstep(0.5, -0.5, p.y-line)
	tip := m.tip.c.y
	w = max(w, smoothstep(2.9, 2.3, pm.x)*smoothstep(tip-0.75, tip-1.25, p.y))
	w *= smoothstep(-6.5, -4.5, p.z) * smoothstep(m.chin.c.y-4, m.chin.c.y-1.5, p.y) * smoothstep(7.0, 6.2, pm.x)
	if w == 0 {
		return 0
	}
	q := m.mouthLocal(p)
	w *= smoothstep(0.0, 0.25, min(m.upperLip.dist(q), m.lowerLip.dist(q)))
	return w
}

// hairMaterial shades hair with faint strands so it reads as hair, not as a helmet.
func (m *model) hairMaterial(p vec3) surface {
	phi := math.Atan2(p.x, p.z-m.cranium.c.z)
	strand := 0.9 + 0.1*math.Sin(phi*40+2.5*math.Sin(p.y*0.9)+1.7*math.Sin(phi*7))
	return surface{albedo: scale3(m.look.hair, strand), spec: 0.09, shininess: 10, wrap: 0.15, part: PartHair}
}

// gazeDir returns the unit direction the eye on side sign(side) of the face (+1 the subject's left, at +x)
// looks in, in head space: both eyes turn together by the Gaze attribute and converge slightly.
func (m *model) gazeDir(side float64) vec3 {
	const converge = 0.05
	return vec3{-converge*side + m.look.gazeX, -0.03, 1}.normalize()
}

// eyeMaterial paints the eyeball: sclera, iris with a dark limbal ring and radial fibres, pupil.
func (m *model) eyeMaterial(p vec3) surface {
	pm := p.mirror()
	c := m.eyeall.c
	d := pm.sub(c).mul(1 / m.eyeall.r)
	side := 1.0
	if p.x < 0 {
		side = -1
	}
	g := m.gazeDir(side)
	g.x *= side // into mirrored coordinates
	cosA := d.dot(g)
	r := math.Sqrt(max(0, 1-cosA*cosA)) * m.eyeall.r // distance from the gaze axis, cm
	s := surface{albedo: m.look.sclera, spec: 0.8, shininess: 140, part: PartSclera}
	if cosA <= 0 {
		return s
	}
	const irisR, pupilR = 0.58, 0.22
	if r < irisR+0.04 {
		phi := math.Atan2(d.y, d.x)
		fibre := 0.85 + 0.2*math.Sin(phi*13+r*9) + 0.25*smoothstep(pupilR+0.2, pupilR, r)
		iris := scale3(m.look.iris, fibre)
		iris = mix3(iris, scale3(m.look.iris, 0.25), smoothstep(irisR-0.12, irisR, r)) // limbal ring
		iris = mix3(iris, [3]float64{0.01, 0.01, 0.012}, smoothstep(pupilR+0.03, pupilR-0.03, r))
		w := smoothstep(irisR+0.04, irisR-0.02, r)
		s.albedo = mix3(s.albedo, iris, w)
		if w > 0.5 {
			s.part = PartIris
		}
	}
	return s
}
