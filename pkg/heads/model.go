package heads

import "math"

// model.go: compile turns a Scene (identity parameters in [0, 1]) into the precomputed primitives the ray
// marcher evaluates. It is the only place where attributes become centimetres.
//
// Head space is world space shifted and scaled: centimetres, origin at the centroid of the face (the origin
// of the Basel face model that EG3D's preprocessing centres its crops on), y up, the face looking towards +z.
// EG3D's FFHQ cameras were derived from Deep3DFaceRecon poses with world = 0.27 x the face model's decimetres,
// and the camera then moved 0.161 closer (3dface2idr_mat.py); the face centroid therefore sits near
// z = 0.16 in world units and the head appears 2.7/2.54 larger than the crop geometry alone would say. We put
// the centroid at (0, 0, 0.16) and use 0.0254 world units per centimetre (0.27 x 2.54/2.7 per decimetre), so
// that the frontal FFHQ camera frames the average head as EG3D's crop frames the average face.

const (
	worldPerCM = 0.0254 // world units per head-space centimetre
	centroidZ  = 0.16   // world z of the head-space origin
	// boxBottom is the lowest head-space y of any geometry: the neck and collar are cut there so the scene
	// stays inside EG3D's [-0.5, 0.5]^3 rendering box (y = -0.49 in world units).
	boxBottom = -0.49 / worldPerCM
)

// Earring hoops: radius and tube radius, cm.
const hoopR, hoopTube = 1.1, 0.17

// sceneBox is the head-space box that holds every part of every variant, checked by a test; rays are
// clipped to it before marching.
var sceneBox = [2]vec3{{-14.5, boxBottom, -23.5}, {14.5, 17.5, 12.5}}

// model is a compiled scene. Parts that come in pairs are stored for the +x side and evaluated at |x|.
type model struct {
	// Skull and face.
	cranium, faceMass, muzzle, chin, browRidge ellipsoid
	jawTaper, taperTop, taperBottom            float64   // face width at the chin (fraction), taper span
	cheek, cheekbone                           ellipsoid // +x side
	neck, collar                               capsule

	// Eyes (+x side): orbit hollow, eyelid shell, almond-shaped opening (in a tilted frame), eyeball.
	socket      ellipsoid
	lid, eyeall sphere
	almond      frame
	almondR     vec3
	eyeBound    sphere

	// Nose.
	bridge    capsule
	tip       sphere
	ala       sphere    // +x side
	nostril   ellipsoid // +x side
	noseBound sphere

	// Mouth, in a frame warped by the smile (see mouthLocal).
	mouthY, mouthHalfW, smile, open float64
	upperLip, lowerLip, groove      ellipsoid // in mouth coordinates
	teeth                           ellipsoid
	mouthBound                      sphere

	// Ears (+x side) in the ear frame.
	ear                 frame
	pinna, concha, lobe ellipsoid
	earBound            sphere
	lobeBottom          vec3

	// Hair.
	hairCap                       ellipsoid
	hairFront, hairSlope, hairBow float64
	thick, taper                  float64 // hair thickness; the fraction of it that thins out at the hairline
	fringeDrop, partTilt          float64
	hasLong, tucked               bool
	longBottom, longCZ            float64
	longRX, longRZ, shell         float64

	// Accessories.
	glasses, sunglasses bool
	rim                 vec3 // centre of the +x rim
	rimR, rimTube       float64
	bridgeBar, arm      capsule
	hand                bool
	palm                frame
	palmR               vec3
	fingers             [5]capsule
	forearm             capsule
	handBound           sphere
	earrings            bool
	hoop                vec3 // centre of the +x hoop
	hat                 bool
	hatFrame            frame
	crown, brim         ellipsoid

	bounds bounds // bounding spheres for culling, see eval
	look   look   // colours and light, see material.go
}

// centred maps an attribute in [0, 1] to [-1, 1].
func centred(a float64) float64 { return 2*a - 1 }

// compile builds the model of a scene.
func compile(s Scene) *model {
	id := s.Identity
	m := &model{}

	hw, hl := centred(id.HeadWidth), centred(id.HeadLength)
	fl, fw := centred(id.FaceLength), centred(id.FaceWidth)
	jw, cs := centred(id.JawWidth), centred(id.ChinSize)
	smile := id.Smile
	m.smile = smile

	// Skull: an ellipsoid whose front is the forehead and whose top is the vertex 14.5 cm above the
	// centroid (eyes at 2.9 cm, vertex about 11.5 cm above the pupils).
	crR := vec3{7.5 + 0.5*hw, 9.3, 9.7 + 0.5*hl}
	m.cranium = newEllipsoid(vec3{0, 5.3, 2.75 - crR.z}, crR)
	// The mid and lower face: one ellipsoid narrowed towards the chin (a taper of x below the cheekbones, so
	// the jaw width sets the outline), a muzzle the lips sit on, the chin, soft cheeks and cheekbones.
	m.faceMass = newEllipsoid(vec3{1.9, -1.2 - 0.4*fl, -2.3}, vec3{5.0 + 0.4*fw, 7.4 + 0.6*fl, 5.5})
	m.jawTaper = 0.68 + 0.12*jw
	m.taperTop, m.taperBottom = -2.5, -8.4-0.6*fl
	m.muzzle = newEllipsoid(vec3{0, -3.5 - 0.4*fl, 1.0}, vec3{2.9, 2.4, 2.6})
	chinY := -7.4 - 0.6*fl
	m.chin = newEllipsoid(vec3{0, chinY, 1.7 + 0.35*cs}, vec3{2.6 + 0.4*cs, 1.3, 1.4})
	m.cheek = newEllipsoid(vec3{3.3 + 0.25*fw, -0.2 + 0.55*smile, 0.6 + 0.3*centred(id.Cheeks) + 0.35*smile},
		vec3{2.4, 2.2, 2.2})
	m.cheekbone = newEllipsoid(vec3{4.7 + 0.4*fw, 1.6, -0.6}, vec3{1.8, 1.3, 2.4})
	br := centred(id.BrowRidge)
	m.browRidge = newEllipsoid(vec3{0, 4.5, 1.1 + 0.25*br}, vec3{5.4, 1.3, 1.7 + 0.2*br})
	nw := 5.0 + 0.7*centred(id.NeckWidth)
	m.neck = newCapsule(vec3{0, -3.5, -5.8}, vec3{0, boxBottom - 2, -4.6}, nw, nw+0.4)
	m.collar = newCapsule(vec3{0, -13.5, -5.0}, vec3{0, boxBottom - 2, -4.6}, nw+0.7, nw+1.2)

	// Eyes: eyeball centre 1.2 cm behind the cornea apex (z 1.9), opening 2.7 x 1.0 cm.
	ex := 3.1 + 0.3*centred(id.EyeSpacing)
	ed := centred(id.EyeDepth)
	eyeR := 1.22
	eyeC := vec3{ex, 2.9, 0.5 - 0.25*ed}
	m.eyeall = sphere{c: eyeC, r: eyeR}
	m.lid = sphere{c: eyeC, r: eyeR + 0.13}
	m.socket = newEllipsoid(vec3{ex, 3.05, 1.75 - 0.2*ed}, vec3{2.0, 1.45, 1.1 + 0.2*ed})
	openH := (0.44 + 0.12*centred(id.EyeSize)) * (1 - 0.18*smile)
	m.almondR = vec3{1.3 + 0.08*centred(id.EyeSize), openH, 1.0}
	tilt := 0.12 * centred(id.EyeTilt) // outer corner up for positive tilt
	ac := vec3{ex, 2.93, eyeC.z + eyeR}
	st, ct := math.Sincos(tilt)
	m.almond = frame{o: ac, u: vec3{ct, st, 0}, v: vec3{-st, ct, 0}, w: vec3{0, 0, 1}}
	m.eyeBound = sphere{c: vec3{ex, 3.0, 1.2}, r: 3.0}

	// Nose: bridge from the nasion to just above the tip, tip, wings and nostrils.
	nl, nwid, np := centred(id.NoseLength), centred(id.NoseWidth), centred(id.NoseProjection)
	nb, nt := centred(id.NoseBridge), centred(id.NoseTip)
	tip := vec3{0, -0.5 - 0.5*nl, 4.75 + 0.45*np}
	m.tip = sphere{c: tip, r: 0.8 + 0.12*nt}
	m.bridge = newCapsule(vec3{0, 3.1, 1.85 + 0.25*nb}, vec3{0, tip.y + 0.75, tip.z - 0.3}, 0.5+0.1*nb, 0.62+0.06*nwid)
	m.ala = sphere{c: vec3{1.22 + 0.22*nwid, tip.y - 0.42, tip.z - 1.3}, r: 0.62 + 0.06*nwid}
	m.nostril = newEllipsoid(vec3{0.55 + 0.12*nwid, tip.y - 0.78, tip.z - 0.6}, vec3{0.36, 0.16, 0.42})
	m.noseBound = sphere{c: vec3{0, 0.9, 3.0}, r: 4.6}

	// Mouth: corners at (±2.5, -3.8) as in the 3D landmarks EG3D aligns to; the smile lifts and pulls back
	// the corners (a warp of the mouth coordinates) and, above 0.55, parts the lips over the teeth.
	m.mouthY = -3.8 - 0.45*fl
	m.mouthHalfW = 2.35 + 0.3*centred(id.MouthWidth)
	m.open = 0.42 * smoothstep(0.55, 1, smile)
	lf := centred(id.LipFullness)
	hwm := m.mouthHalfW
	m.upperLip = newEllipsoid(vec3{0, 0.48 + 0.5*m.open, 3.3}, vec3{hwm * 0.95, 0.48 + 0.1*lf, 0.8 + 0.1*lf})
	m.lowerLip = newEllipsoid(vec3{0, -0.58 - 0.5*m.open, 3.15}, vec3{hwm * 0.85, 0.58 + 0.12*lf, 0.82 + 0.1*lf})
	m.groove = newEllipsoid(vec3{0, 0, 3.9}, vec3{hwm * 1.02, 0.05 + m.open, 1.1})
	m.teeth = newEllipsoid(vec3{0, 0.05, 2.85}, vec3{hwm * 0.78, 0.05 + 1.05*m.open, 0.95})
	m.mouthBound = sphere{c: vec3{0, m.mouthY, 3.2}, r: hwm + 1.8}

	// Ears: a pinna with a concha bowl and a lobe, hinged at the front edge and turned out by the protrusion.
	es := 0.92 + 0.16*centred(id.EarSize)
	prot := 0.18 + 0.3*id.EarProtrusion
	sa, ca := math.Sincos(prot)
	earO := vec3{7.0 + 0.5*hw, 1.5, -5.2}
	m.ear = frame{o: earO, u: vec3{ca, 0, sa}, v: vec3{0, 1, 0}, w: vec3{sa, 0, -ca}}
	m.pinna = newEllipsoid(vec3{0.1, 0.2, 1.45}, vec3{0.5, 3.0 * es, 1.8 * es})
	m.concha = newEllipsoid(vec3{0.62, 0, 1.35}, vec3{0.42, 1.7 * es, 1.05 * es})
	m.lobe = newEllipsoid(vec3{0.05, -2.45 * es, 1.0}, vec3{0.42, 0.75, 0.65})
	lobeLocal := vec3{0.05, -2.45*es - 0.7, 1.0}
	m.lobeBottom = earO.add(m.ear.u.mul(lobeLocal.x)).add(m.ear.v.mul(lobeLocal.y)).add(m.ear.w.mul(lobeLocal.z))
	m.earBound = sphere{c: earO.add(m.ear.w.mul(1.4)), r: 4.0}

	// Hair: a cap (the skull grown by the hair thickness, cut by a hairline surface) and, for longer hair, a
	// curtain hanging down the back and the sides of the face.
	thick := 0.25 + 1.5*id.HairCap
	m.hairCap = newEllipsoid(m.cranium.c.add(vec3{0, 0.35 * thick, -0.1 * thick}), crR.add(vec3{thick + 0.4, thick, thick}))
	m.hairFront = 9.1 + 1.2*max(0, 0.35-id.HairCap)/0.35
	m.hairSlope = 0.72
	m.hairBow = -0.02
	m.fringeDrop = 4.3 * id.Fringe
	m.partTilt = 0.5 * centred(id.HairPart)
	m.tucked = s.Variant.hasEarrings()
	m.thick = thick
	m.taper = 0.5 * (1 - id.Fringe)
	if id.HairLength > 0.25 {
		m.hasLong = true
		m.longBottom = 4 - 24*(id.HairLength-0.25)/0.75
		m.longCZ = m.cranium.c.z + 0.3
		m.longRX, m.longRZ = crR.x+thick, crR.z+thick
		m.shell = 0.4 + 0.3*thick // half the thickness of the curtain
	}

	// Accessories.
	m.glasses = id.Glasses >= 0.5 || s.Variant.hasSunglasses()
	m.sunglasses = s.Variant.hasSunglasses()
	m.rim = vec3{ex + 0.1, 2.85, 3.6}
	m.rimR, m.rimTube = 2.0, 0.13
	if m.sunglasses {
		m.rimTube = 0.22
	}
	m.bridgeBar = newCapsule(vec3{0, 3.35, 3.75}, vec3{m.rim.x - m.rimR*1.1, 3.15, 3.65}, m.rimTube, m.rimTube)
	m.arm = newCapsule(vec3{m.rim.x + m.rimR*1.1, 3.1, 3.4}, vec3{earO.x + 0.9, 3.5, earO.z - 0.5}, 0.15, 0.15)

	m.hand = s.Variant.hasHand()
	if m.hand {
		th := 0.5 // fingers point up and towards the subject's left
		sth, cth := math.Sincos(th)
		P := vec3{3.0, -6.6, 7.6}
		m.palm = frame{o: P, u: vec3{cth, sth, 0}, v: vec3{-sth, cth, 0}, w: vec3{0, 0, 1}}
		m.palmR = vec3{4.0, 4.6, 1.25}
		lens := [4]float64{3.6, 4.1, 3.9, 3.1}
		for i := range 4 {
			base := P.add(m.palm.u.mul(-2.7 + 1.8*float64(i))).add(m.palm.v.mul(3.6))
			tipP := base.add(m.palm.v.mul(lens[i])).add(vec3{0, 0, -0.9})
			m.fingers[i] = newCapsule(base, tipP, 0.85, 0.72)
		}
		tb := P.add(m.palm.u.mul(3.2)).add(m.palm.v.mul(-1.0))
		m.fingers[4] = newCapsule(tb, tb.add(m.palm.u.mul(1.6)).add(m.palm.v.mul(3.0)).add(vec3{0, 0, -0.8}), 0.95, 0.8)
		m.forearm = newCapsule(P.sub(m.palm.v.mul(4)), P.sub(m.palm.v.mul(24)).add(vec3{0, 0, -2}), 2.6, 3.2)
		m.handBound = sphere{c: P.add(m.palm.v.mul(2)), r: 9.5}
	}

	m.earrings = s.Variant.hasEarrings()
	m.hoop = m.lobeBottom.add(vec3{0.1, -hoopR + 0.1, 0})

	m.hat = s.Variant.hasHat()
	if m.hat {
		m.hatFrame = rotX(vec3{0, 4.6, m.cranium.c.z}, -0.27)
		add := 0.6*thick + 0.7
		m.crown = newEllipsoid(vec3{0, 0.5, 0}, vec3{crR.x + add, 11.2, crR.z + add})
		m.brim = newEllipsoid(vec3{0, 1.2, 0.8}, vec3{crR.x + 5.5, 0.22, crR.z + 6.0})
	}

	m.look = newLook(id)
	m.compileBounds()
	return m
}

// compileBounds sets the bounding spheres eval culls with. Each must contain its part(s) entirely.
func (m *model) compileBounds() {
	b := &m.bounds
	face := ellipsoidBound(m.faceMass)
	face.c.x = 0
	face.r += m.faceMass.c.x + 0.5 // the face is evaluated at a smooth |x| around an off-centre ellipsoid
	b.face = face
	b.muzzle = ellipsoidBound(m.muzzle)
	b.browRidge = ellipsoidBound(m.browRidge)
	b.cheekbone = ellipsoidBound(m.cheekbone)
	b.cheek = ellipsoidBound(m.cheek)
	b.chin = ellipsoidBound(m.chin)
	b.neckTop = m.neck.a.y + m.neck.ra
	b.collarTop = m.collar.a.y + m.collar.ra
	b.eye = bound(m.eyeBound)
	b.nose = bound(m.noseBound)
	b.mouth = bound(m.mouthBound)
	b.ear = bound(m.earBound)
	b.hand = bound(m.handBound)
	b.glasses = bound{c: vec3{4.5, 3.2, -0.5}, r: 7.5}
	b.earring = bound{c: m.hoop, r: hoopR + hoopTube}
	b.hat = bound{c: m.hatFrame.o, r: 20}
}

// worldToHead maps a world point to head space.
func worldToHead(p [3]float64) vec3 {
	return vec3{p[0] / worldPerCM, p[1] / worldPerCM, (p[2] - centroidZ) / worldPerCM}
}

// headToWorld maps a head-space point to world coordinates.
func headToWorld(p vec3) [3]float64 {
	return [3]float64{p.x * worldPerCM, p.y * worldPerCM, p.z*worldPerCM + centroidZ}
}

// distWorld is the scene SDF in world units at a world point.
func (m *model) distWorld(p [3]float64) float64 { return m.dist(worldToHead(p)) * worldPerCM }
