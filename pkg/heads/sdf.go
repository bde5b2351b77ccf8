package heads

import "math"

// sdf.go: the signed-distance primitives and blends the head is built from. Everything here works in head
// space (centimetres, see model.go) and on a small value type so the inner loop allocates nothing.

// vec3 is a point or direction in head space.
type vec3 struct{ x, y, z float64 }

func (a vec3) add(b vec3) vec3             { return vec3{a.x + b.x, a.y + b.y, a.z + b.z} }
func (a vec3) sub(b vec3) vec3             { return vec3{a.x - b.x, a.y - b.y, a.z - b.z} }
func (a vec3) mul(s float64) vec3          { return vec3{a.x * s, a.y * s, a.z * s} }
func (a vec3) dot(b vec3) float64          { return a.x*b.x + a.y*b.y + a.z*b.z }
func (a vec3) length() float64             { return math.Sqrt(a.x*a.x + a.y*a.y + a.z*a.z) }
func (a vec3) mirror() vec3                { return vec3{math.Abs(a.x), a.y, a.z} }
func (a vec3) hadamard(b vec3) vec3        { return vec3{a.x * b.x, a.y * b.y, a.z * b.z} }
func (a vec3) lerp(b vec3, t float64) vec3 { return a.add(b.sub(a).mul(t)) }

func (a vec3) normalize() vec3 {
	n := a.length()
	if n == 0 {
		return a
	}
	return a.mul(1 / n)
}

func cross(a, b vec3) vec3 {
	return vec3{a.y*b.z - a.z*b.y, a.z*b.x - a.x*b.z, a.x*b.y - a.y*b.x}
}

// smin is the polynomial smooth minimum: min(a, b) with the crease rounded over a width k (k > 0).
func smin(a, b, k float64) float64 {
	h := max(k-math.Abs(a-b), 0)
	return min(a, b) - h*h*(0.25/k)
}

// smax is the smooth maximum, used for intersections and (with a negated operand) carving.
func smax(a, b, k float64) float64 { return -smin(-a, -b, k) }

func clamp(x, lo, hi float64) float64 { return max(lo, min(hi, x)) }

// smoothstep is the cubic Hermite step from 0 at e0 to 1 at e1 (e0 > e1 gives a falling step).
func smoothstep(e0, e1, x float64) float64 {
	t := clamp((x-e0)/(e1-e0), 0, 1)
	return t * t * (3 - 2*t)
}

func mix(a, b, t float64) float64 { return a + (b-a)*t }

// ellipsoid is an axis-aligned ellipsoid with precomputed inverse radii.
type ellipsoid struct {
	c          vec3 // centre
	inv, inv2  vec3 // 1/r and 1/r²
	rmin, rmax float64
}

func newEllipsoid(c, r vec3) ellipsoid {
	return ellipsoid{
		c:    c,
		inv:  vec3{1 / r.x, 1 / r.y, 1 / r.z},
		inv2: vec3{1 / (r.x * r.x), 1 / (r.y * r.y), 1 / (r.z * r.z)},
		rmin: min(r.x, r.y, r.z),
		rmax: max(r.x, r.y, r.z),
	}
}

// dist is Quilez's first-order distance estimate k0(k0-1)/k1, exact on the surface and close to it nearby,
// and for flat ellipsoids (lips, the mouth groove, the brow ridge) raised to the distance from the
// circumscribed sphere where that is larger: for them the estimate alone falls far below the true distance
// a few centimetres away, which would slow sphere tracing and let far parts blend in. Both are lower
// bounds of the true distance.
func (e *ellipsoid) dist(p vec3) float64 {
	qx, qy, qz := p.x-e.c.x, p.y-e.c.y, p.z-e.c.z
	ax, ay, az := qx*e.inv.x, qy*e.inv.y, qz*e.inv.z
	bx, by, bz := qx*e.inv2.x, qy*e.inv2.y, qz*e.inv2.z
	k0 := math.Sqrt(ax*ax + ay*ay + az*az)
	k1 := math.Sqrt(bx*bx + by*by + bz*bz)
	if k1 < 1e-9 {
		return -e.rmin
	}
	d := k0 * (k0 - 1) / k1
	if e.rmax > 1.6*e.rmin {
		d = max(d, math.Sqrt(qx*qx+qy*qy+qz*qz)-e.rmax)
	}
	return d
}

// sphere is a ball of radius r around c.
type sphere struct {
	c vec3
	r float64
}

func (s *sphere) dist(p vec3) float64 { return p.sub(s.c).length() - s.r }

// capsule is a segment a-b swept by a radius that goes linearly from ra at a to rb at b (a tapered capsule;
// the taper makes the estimate slightly inexact, harmless for the gentle tapers used here).
type capsule struct {
	a, ba  vec3
	inv    float64 // 1/|b-a|²
	ra, rb float64
}

func newCapsule(a, b vec3, ra, rb float64) capsule {
	ba := b.sub(a)
	return capsule{a: a, ba: ba, inv: 1 / ba.dot(ba), ra: ra, rb: rb}
}

func (c *capsule) dist(p vec3) float64 {
	pa := p.sub(c.a)
	h := clamp(pa.dot(c.ba)*c.inv, 0, 1)
	return pa.sub(c.ba.mul(h)).length() - (c.ra + (c.rb-c.ra)*h)
}

// frame is a rigid local frame: local = R (p - o), with the rows of R the local axes in head space.
type frame struct {
	o       vec3
	u, v, w vec3
}

func (f *frame) local(p vec3) vec3 {
	q := p.sub(f.o)
	return vec3{q.dot(f.u), q.dot(f.v), q.dot(f.w)}
}

// rotX returns the frame at o rotated by angle a about the x axis (positive a turns +y towards +z).
func rotX(o vec3, a float64) frame {
	s, c := math.Sincos(a)
	return frame{o: o, u: vec3{1, 0, 0}, v: vec3{0, c, s}, w: vec3{0, -s, c}}
}

// rotY returns the frame at o rotated by angle a about the y axis (positive a turns +z towards +x).
func rotY(o vec3, a float64) frame {
	s, c := math.Sincos(a)
	return frame{o: o, u: vec3{c, 0, -s}, v: vec3{0, 1, 0}, w: vec3{s, 0, c}}
}

// torusZ is the distance to a torus in the local xy plane (axis along local z), major radius R, tube r.
func torusZ(q vec3, R, r float64) float64 {
	a := hypot(q.x, q.y) - R
	return hypot(a, q.z) - r
}

// hypot is sqrt(a²+b²) without math.Hypot's overflow care, which the inner loop does not need.
func hypot(a, b float64) float64 { return math.Sqrt(a*a + b*b) }

// wave is a cheap smooth periodic function with period 2*pi and range [-1, 1], shaped like a sine: two
// parabolic arcs per period.
func wave(x float64) float64 {
	f := x/(2*math.Pi) + 0.25
	f -= math.Floor(f)
	// f in [0, 1): rise from -1 to 1 over the first half, fall back over the second.
	if f < 0.5 {
		t := 4*f - 1 // -1..1
		return t * (2 - math.Abs(t))
	}
	t := 3 - 4*f
	return t * (2 - math.Abs(t))
}
