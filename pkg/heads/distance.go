package heads

import "math"

// distance.go: the scene's signed distance function in head space. One function serves the ray marcher
// (which only needs the distance, so groups of parts far from the point are skipped) and the shader (which
// passes a *parts to receive the distance to every material, with nothing skipped).

// parts holds the distance from a point to the surface of each material of the scene.
type parts struct {
	skin, eye, teeth, hair, cloth     float64
	hand, glasses, lens, earring, hat float64
}

// far stands in for the distance to a part a scene does not have.
const far = 1e3

// dist returns the signed distance from head-space point p to the scene, in centimetres.
func (m *model) dist(p vec3) float64 { return m.eval(p, nil, false) }

// eval returns the scene distance at p and, if out is not nil, the distance to each material's surface.
// Unless full is set, parts whose bounding sphere is farther than their blend radius plus the current
// distance are skipped (a smooth union or carve only acts within its blend radius of the surface, so they
// cannot change the result), tested on squared distances so a skipped part costs a few multiplications; a
// skipped part's entry in out is then only a lower bound (or far), which still ranks it correctly as not
// the nearest. With full set everything is evaluated, the reference the culling is tested against.
func (m *model) eval(p vec3, out *parts, full bool) float64 {
	pm := p.mirror()
	b := &m.bounds

	// Skull, face, muzzle, brow ridge, cheeks, chin and neck.
	d := m.cranium.dist(p)
	if full || b.face.near(p, 2.4+math.Abs(d)) {
		d = smin(d, m.faceDist(p), 2.4)
	}
	if full || b.muzzle.near(p, 1.8+math.Abs(d)) {
		d = smin(d, m.muzzle.dist(p), 1.8)
	}
	if full || b.browRidge.near(p, 1.2+math.Abs(d)) {
		d = smin(d, m.browRidge.dist(p), 1.2)
	}
	if full || b.cheekbone.near(pm, 1.8+math.Abs(d)) {
		d = smin(d, m.cheekbone.dist(pm), 1.8)
	}
	if full || b.cheek.near(pm, 2.2+math.Abs(d)) {
		d = smin(d, m.cheek.dist(pm), 2.2)
	}
	if full || b.chin.near(p, 2.2+math.Abs(d)) {
		d = smin(d, m.chin.dist(p), 2.2)
	}
	if full || p.y-b.neckTop < 1.6+math.Abs(d) {
		d = smin(d, max(m.neck.dist(p), boxBottom-p.y), 1.6)
	}

	// Eyes: hollow the orbit, lay an eyelid shell over the eyeball, cut the almond opening, add the ball.
	eye := far
	if full || b.eye.near(pm, 1.0+math.Abs(d)) {
		d = smax(d, -m.socket.dist(pm), 0.9)
		d = smin(d, m.lid.dist(pm), 0.35)
		d = smax(d, -m.almondDist(pm), 0.06)
		eye = m.eyeall.dist(pm)
	}

	// Nose.
	if full || b.nose.near(p, 0.8+math.Abs(d)) {
		n := smin(m.bridge.dist(p), m.tip.dist(p), 0.6)
		n = smin(n, m.ala.dist(pm), 0.45)
		d = smin(d, n, 0.7)
		d = smax(d, -m.nostril.dist(pm), 0.15)
	}

	// Mouth: lips blend into the skin, the groove between them is carved (wide open when smiling) and the
	// teeth sit behind it.
	teeth := far
	if full || b.mouth.near(p, 0.5+math.Abs(d)) {
		q := m.mouthLocal(p)
		lips := smin(m.upperLip.dist(q), m.lowerLip.dist(q), 0.2)
		d = smin(d, lips, 0.5)
		d = smax(d, -m.groove.dist(q), 0.12)
		if m.open > 0.01 {
			teeth = m.teeth.dist(q)
		}
	}

	// Ears.
	if full || b.ear.near(pm, 0.6+math.Abs(d)) {
		d = smin(d, m.earDist(pm), 0.5)
	}

	skin := d
	res := min(skin, eye, teeth)

	hair := m.hairDist(p, full)
	res = smin(res, hair, 0.3)

	cloth := far
	if full || p.y-b.collarTop < res {
		cloth = max(m.collar.dist(p), boxBottom-p.y)
		res = min(res, cloth)
	}

	hand, glasses, lens, earring, hat := far, far, far, far, far
	if m.hand {
		hand = m.handDist(p, full)
		res = min(res, hand)
	}
	if m.glasses && (full || b.glasses.near(pm, res)) {
		glasses, lens = m.glassesDist(pm)
		res = min(res, glasses, lens)
	}
	if m.earrings && (full || b.earring.near(pm, res)) {
		earring = m.earringDist(pm)
		res = min(res, earring)
	}
	if m.hat && (full || b.hat.near(p, res)) {
		hat = m.hatDist(p)
		res = min(res, hat)
	}
	if out != nil {
		*out = parts{skin: skin, eye: eye, teeth: teeth, hair: hair, cloth: cloth,
			hand: hand, glasses: glasses, lens: lens, earring: earring, hat: hat}
	}
	return res
}

// bound is a bounding sphere.
type bound struct {
	c vec3
	r float64
}

// near reports whether p is closer than margin to the sphere (squared distances: no square root).
func (b *bound) near(p vec3, margin float64) bool {
	q := p.sub(b.c)
	s := b.r + margin
	return q.dot(q) < s*s
}

// ellipsoidBound returns the sphere around e's centre through its farthest point.
func ellipsoidBound(e ellipsoid) bound {
	return bound{c: e.c, r: 1 / min(e.inv.x, e.inv.y, e.inv.z)}
}

// bounds holds the bounding spheres eval culls with; see compileBounds.
type bounds struct {
	face, muzzle, browRidge, cheekbone, cheek, chin bound
	eye, nose, mouth, ear                           bound
	hand, glasses, earring, hat                     bound
	neckTop, collarTop                              float64 // highest y of the neck and collar
}

// faceDist is the distance to the face ellipsoid narrowed towards the chin: x is divided by a width factor
// falling from 1 at the cheekbones to jawTaper at the chin, and the distance is scaled back by that factor so
// it stays a lower bound.
func (m *model) faceDist(p vec3) float64 {
	w := mix(1, m.jawTaper, smoothstep(m.taperTop, m.taperBottom, p.y))
	// An ellipsoid centred off the midline, evaluated at a smooth |x|: the union of it and its mirror image
	// without a crease, a face flatter in front than one ellipsoid.
	x := p.x / w
	return m.faceMass.dist(vec3{math.Sqrt(x*x + 1.5), p.y, p.z}) * w
}

// almondDist is the distance to the almond-shaped eye opening (+x eye).
func (m *model) almondDist(pm vec3) float64 {
	q := m.almond.local(pm)
	// Narrow the almond towards its corners so the opening is pointed, not elliptical.
	r := m.almondR
	t := clamp(q.x/r.x, -1, 1)
	ry := r.y * (1 - 0.25*t*t)
	e := ellipsoid{inv: vec3{1 / r.x, 1 / ry, 1 / r.z}, inv2: vec3{1 / (r.x * r.x), 1 / (ry * ry), 1 / (r.z * r.z)},
		rmin: ry, rmax: max(r.x, r.z)}
	return e.dist(q)
}

// mouthLocal maps p into mouth coordinates: origin at the mouth line, x stretched and the corners lifted
// and pulled back by the smile.
func (m *model) mouthLocal(p vec3) vec3 {
	x := p.x / (1 + 0.1*m.smile)
	t := min(x*x/(m.mouthHalfW*m.mouthHalfW), 1.6)
	return vec3{x, p.y - m.mouthY - m.smile*0.75*t, p.z + m.smile*0.5*t}
}

// earDist is the distance to the +x ear: pinna minus the concha bowl, plus the lobe.
func (m *model) earDist(pm vec3) float64 {
	q := m.ear.local(pm)
	e := smax(m.pinna.dist(q), -m.concha.dist(q), 0.25)
	return smin(e, m.lobe.dist(q), 0.4)
}

// hairline returns how far below the hairline p is (positive below, where there is no hair).
func (m *model) hairline(p vec3) float64 {
	front := smoothstep(-3.5, 1.0, p.z)
	y := m.hairFront + m.hairSlope*(min(p.z, 2)-2) + m.hairBow*p.x*p.x - m.fringeDrop*front + m.partTilt*p.x*front
	y += 0.18 * wave(1.7*p.x+0.6*p.z) // an irregular hairline, not a ruled edge
	return (y - p.y) * 0.75
}

// hairCapBound is a lower bound of the distance to the hair cap's ellipsoid (its bounding sphere).
func (m *model) hairCapBound(p vec3) float64 {
	return p.sub(m.hairCap.c).length() - 1/min(m.hairCap.inv.x, m.hairCap.inv.y, m.hairCap.inv.z)
}

// hairDist is the distance to the hair: the cap above the hairline and, for longer hair, the curtain.
func (m *model) hairDist(p vec3, full bool) float64 {
	// Lower bounds first: the cap lies inside the grown skull and above the hairline, the curtain between
	// its bottom and y = 5 and behind its front cut. Far from both, return the bound.
	hl := m.hairline(p)
	capLow := max(hl, m.hairCapBound(p))
	tubeLow := far
	if m.hasLong {
		tubeLow = max(p.y-5, m.longBottom-p.y, p.z+1.3)
	}
	if !full && min(capLow, tubeLow) > 2 {
		return min(capLow, tubeLow) - 0.5 // the final smooth union lowers by at most 0.3
	}
	// The hair thins out over the last 3 cm above the hairline, so there is no helmet-like ledge (unless the
	// fringe is cut straight).
	d := smax(m.hairCap.dist(p)+m.thick*m.taper*smoothstep(-3, 0, hl), hl, 0.7)
	// Leave the ears free: the hairline goes round them.
	pm := p.mirror()
	d = smax(d, 3.4-pm.sub(m.earBound.c.add(vec3{0, 0.6, 0})).length(), 1.5)
	if !m.hasLong {
		return d
	}
	// The curtain flares a little below the ears and curls in at its ends.
	flare := 0.05*max(0, 3-p.y) - 0.9*smoothstep(m.longBottom+3, m.longBottom, p.y)
	rx, rz := m.longRX+flare, m.longRZ+flare
	qx, qz := p.x, p.z-m.longCZ
	k0 := hypot(qx/rx, qz/rz)
	k1 := hypot(qx/(rx*rx), qz/(rz*rz))
	c := -min(rx, rz)
	if k1 > 1e-9 {
		c = k0 * (k0 - 1) / k1
	}
	// A shell, not a solid, so the cut at the front shows the thickness of a layer of hair, not a block.
	c = math.Abs(c+m.shell) - m.shell
	c = smax(c, m.longBottom-p.y, 1.5)
	c = smax(c, p.y-5, 2)
	zc := -1.3 - 4.5*smoothstep(-3.5, -9.5, p.y)
	if m.tucked {
		zc = mix(-1.3, -8.5, smoothstep(6, 3, p.y))
	}
	c = smax(c, p.z-zc, 1.2)
	return smin(d, c, 1.2)
}

// handDist is the distance to the raised hand and forearm. The palm and fingers are skipped where their
// bounding sphere is farther than the blend radius beyond the forearm (the smooth union is then the forearm).
func (m *model) handDist(p vec3, full bool) float64 {
	const k = 1.5
	arm := m.forearm.dist(p)
	if !full && !m.bounds.hand.near(p, arm+k) {
		return arm
	}
	q := m.palm.local(p)
	palm := newEllipsoid(vec3{}, m.palmR)
	d := palm.dist(q)
	for i := range m.fingers {
		d = smin(d, m.fingers[i].dist(p), 0.5)
	}
	return smin(d, arm, k)
}

// glassesDist returns the distance to the frames and to the (dark) lenses, evaluated at the mirrored point.
func (m *model) glassesDist(pm vec3) (frame, lens float64) {
	q := pm.sub(m.rim)
	q.x /= 1.1 // slightly wider than tall
	frame = torusZ(q, m.rimR, m.rimTube)
	frame = min(frame, m.bridgeBar.dist(pm))
	frame = min(frame, m.arm.dist(pm))
	lens = far
	if m.sunglasses {
		lens = max(hypot(q.x, q.y)-m.rimR, math.Abs(q.z)-0.06)
	}
	return frame, lens
}

// earringDist is the distance to the gold hoops hanging from the lobes.
func (m *model) earringDist(pm vec3) float64 {
	q := pm.sub(m.hoop)
	// The hoop hangs in the ear's plane: its axis is the ear normal, close enough to x.
	a := hypot(q.y, q.z) - hoopR
	return hypot(a, q.x) - hoopTube
}

// hatDist is the distance to the hat: a crown over the skull and a brim.
func (m *model) hatDist(p vec3) float64 {
	q := m.hatFrame.local(p)
	crown := smax(m.crown.dist(q), 1.0-q.y, 0.3)
	return min(crown, m.brim.dist(q))
}
