package heads

import "math"

// shade.go: the light model. One warm key light fixed to the head, a sky/ground ambient term, ambient
// occlusion from the distance field (cavities: sockets, nostrils, mouth corners, under the chin), a soft
// shadow of the key light (the nose shadow reads as relief), wrapped diffuse for skin and Blinn-Phong gloss.
//
// Every term is view-independent: gloss and sheen are computed for the frontal viewing direction, not the
// actual camera, so a surface point has one colour from every camera. EG3D's decoder has no view-direction
// input and pseudo views copy colours from the input camera to others, so the ground truth must not change
// with the viewpoint (a real head's highlights would, and no generator or warp here could follow them).

// frontal is the direction the frontal camera looks along, in head space.
var frontal = vec3{0, 0, -1}

// light is the part of the shading that needs extra distance queries: ambient occlusion and the key
// light's shadow. ao < 0 means not computed yet.
type light struct{ ao, shadow float64 }

// shadePoint returns the display colour (sRGB in [0, 1]) and part of hit point p with unit normal n, and the
// occlusion and shadow it used (computed unless lt supplies them).
func (m *model) shadePoint(p, n vec3, lt light) ([3]float64, Part, light) {
	s := m.material(p)
	l := &m.look
	L := l.light
	ndl := n.dot(L)
	if lt.ao < 0 {
		lt.ao = m.occlusion(p, n)
		lt.shadow = 1
		if ndl > -s.wrap {
			lt.shadow = m.softShadow(p.add(n.mul(0.02)), L)
		}
	}
	ao, shadow := lt.ao, lt.shadow
	diff := max(0, (ndl+s.wrap)/(1+s.wrap))
	hemi := 0.7 + 0.3*n.y
	h := L.sub(frontal).normalize()
	spec := s.spec * math.Pow(max(0, n.dot(h)), s.shininess) * shadow * smoothstep(-0.1, 0.2, ndl)
	// A little Fresnel sheen at grazing angles.
	rim := 0.05 * math.Pow(1-max(0, -n.dot(frontal)), 4) * ao
	var out [3]float64
	for c := range 3 {
		light := l.key[c]*diff*shadow + l.sky[c]*hemi*ao
		v := s.albedo[c]*light + l.key[c]*spec + rim
		out[c] = toDisplay(v)
	}
	return out, s.part, lt
}

// toDisplay tone-maps a linear value with a soft shoulder and applies the sRGB-like gamma 1/2.2.
func toDisplay(v float64) float64 {
	if v > 0.8 {
		v = 0.8 + 0.2*math.Tanh((v-0.8)/0.2)
	}
	return math.Pow(clamp(v, 0, 1), 1/2.2)
}

// occlusion estimates ambient occlusion from how much the distance falls short of the offset along the
// normal at three heights.
func (m *model) occlusion(p, n vec3) float64 {
	occ := 0.0
	w := 1.0
	for _, h := range [...]float64{0.25, 0.7, 1.6} {
		d := m.dist(p.add(n.mul(h)))
		occ += w * (h - d) / h
		w *= 0.6
	}
	return clamp(1-0.45*occ, 0.15, 1)
}

// softShadow marches towards the light and returns the penumbra estimate min(k d / t), a cheap soft shadow.
func (m *model) softShadow(o, L vec3) float64 {
	res := 1.0
	t := 0.25
	for range 7 {
		h := m.dist(o.add(L.mul(t)))
		res = min(res, 6*h/t)
		if res < 0.02 {
			return 0
		}
		t += clamp(h, 0.3, 3)
		if t > 10 {
			break
		}
	}
	return smoothstep(0, 1, res)
}
