package heads

import (
	"math"
	"testing"

	"github.com/pmvi/pmvi/pkg/camera"
)

func TestRenderDeterministic(t *testing.T) {
	cams := []camera.Camera{camera.At(-0.3, 0.1), camera.At(0.4, -0.2)}
	s := NewScene(42)
	serial := []*View{Render(s, cams[0], 64), Render(s, cams[1], 64)}
	again := Render(NewScene(42), cams[0], 64)
	par := RenderViews(s, cams, 64)
	for i, v := range serial {
		for name, pair := range map[string][2][]float32{
			"rgb":     {v.RGB.Pix, par[i].RGB.Pix},
			"depth":   {v.Depth.Pix, par[i].Depth.Pix},
			"mask":    {v.Mask.Pix, par[i].Mask.Pix},
			"normals": {v.Normals.Pix, par[i].Normals.Pix},
		} {
			if d := firstDiff(pair[0], pair[1]); d >= 0 {
				t.Errorf("view %d %s: RenderViews differs from Render at %d", i, name, d)
			}
		}
	}
	if d := firstDiff(serial[0].RGB.Pix, again.RGB.Pix); d >= 0 {
		t.Errorf("same seed rendered twice differs at %d", d)
	}
	for i, cam := range cams {
		depth, mask := RenderDepth(s, cam, 64)
		if d := firstDiff(depth.Pix, serial[i].Depth.Pix); d >= 0 {
			t.Errorf("view %d: RenderDepth depth differs from Render's at %d", i, d)
		}
		if d := firstDiff(mask.Pix, serial[i].Mask.Pix); d >= 0 {
			t.Errorf("view %d: RenderDepth mask differs from Render's at %d", i, d)
		}
	}
	other := Render(NewScene(43), cams[0], 64)
	if meanAbsDiff(serial[0].RGB.Pix, other.RGB.Pix) < 0.02 {
		t.Errorf("seeds 42 and 43 render (nearly) the same image")
	}
}

func firstDiff(a, b []float32) int {
	if len(a) != len(b) {
		return 0
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return i
		}
	}
	return -1
}

func meanAbsDiff(a, b []float32) float64 {
	s := 0.0
	for i := range a {
		s += math.Abs(float64(a[i] - b[i]))
	}
	return s / float64(len(a))
}

// TestMaskDepthNormals checks the View contract on every variant: mask in [0, 1] and > 0 exactly where depth
// is finite, depth within EG3D's ray range there, unit normals facing the camera on the foreground and zero
// on the background, background pixels coloured exactly as the background.
func TestMaskDepthNormals(t *testing.T) {
	bg := Gradient([3]float64{0.2, 0.4, 0.6}, [3]float64{0.8, 0.6, 0.4})
	for _, vr := range Variants() {
		t.Run(vr.String(), func(t *testing.T) {
			s := NewScene(7)
			s.Variant, s.Background = vr, bg
			cam := vr.Camera()
			const n = 64
			v := Render(s, cam, n)
			fg, partial := 0, 0
			for i, m := range v.Mask.Pix {
				d := float64(v.Depth.Pix[i])
				x, y := i%n, i/n
				switch {
				case m < 0 || m > 1 || math.IsNaN(float64(m)):
					t.Fatalf("mask (%d,%d) = %v, want [0, 1]", x, y, m)
				case (m > 0) != !math.IsInf(d, 1):
					t.Fatalf("pixel (%d,%d): mask %v but depth %v (mask > 0 must mean finite depth)", x, y, m, d)
				case m > 0 && (d < 2.25 || d > 3.3):
					t.Fatalf("pixel (%d,%d): depth %v outside EG3D's ray range [2.25, 3.3]", x, y, d)
				}
				nx, ny, nz := v.Normals.Pix[i], v.Normals.Pix[n*n+i], v.Normals.Pix[2*n*n+i]
				norm := math.Sqrt(float64(nx*nx + ny*ny + nz*nz))
				if m == 0 {
					if norm != 0 || v.PartAt(x, y) != PartBackground {
						t.Fatalf("background pixel (%d,%d) has normal length %v, part %v", x, y, norm, v.PartAt(x, y))
					}
					want := bg.at((float64(y) + 0.5) / n)
					for c := range 3 {
						if got := v.RGB.Pix[c*n*n+i]; math.Abs(float64(got)-(2*want[c]-1)) > 1e-6 {
							t.Fatalf("background pixel (%d,%d) channel %d = %v, want %v", x, y, c, got, 2*want[c]-1)
						}
					}
					continue
				}
				fg++
				if m < 1 {
					partial++
				}
				if math.Abs(norm-1) > 1e-4 {
					t.Fatalf("pixel (%d,%d): normal length %v, want 1", x, y, norm)
				}
				// The normal of a visible surface faces the camera (allowing grazing silhouette samples).
				p := cam.PointAtDepth((float64(x)+0.5)/n, (float64(y)+0.5)/n, d)
				o := cam.Position()
				toCam := [3]float64{o[0] - p[0], o[1] - p[1], o[2] - p[2]}
				if float64(nx)*toCam[0]+float64(ny)*toCam[1]+float64(nz)*toCam[2] < -0.25*d && m == 1 {
					t.Fatalf("pixel (%d,%d): normal %v faces away from the camera", x, y, [3]float32{nx, ny, nz})
				}
			}
			if fg < n*n/5 || partial == 0 {
				t.Errorf("%d foreground pixels, %d partially covered; want a head with anti-aliased edges", fg, partial)
			}
		})
	}
}

// TestMaskCoverage compares the adaptive coverage mask with a brute-force reference: 8x8 rays per pixel for
// every pixel near the silhouette (and a sample of the rest), the slow path image/draw's tests would use.
func TestMaskCoverage(t *testing.T) {
	s := NewScene(11)
	s.Variant = Earrings // thin hoops stress the edges
	cam := camera.At(0.35, 0.1)
	const n = 48
	depth, mask := RenderDepth(s, cam, n)
	tr := newTracer(s, cam, n, false)
	var sumErr, maxErr float64
	count := 0
	for y := range n {
		for x := range n {
			edge := false
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					xx, yy := min(max(x+dx, 0), n-1), min(max(y+dy, 0), n-1)
					edge = edge || math.IsInf(float64(depth.Pix[yy*n+xx]), 1) != math.IsInf(float64(depth.Pix[y*n+x]), 1)
				}
			}
			if !edge && (x+y)%7 != 0 {
				continue
			}
			hits := 0
			for j := range 8 {
				for i := range 8 {
					if _, ok := tr.march(tr.o, tr.dir(x, y, (float64(i)+0.5)/8-0.5, (float64(j)+0.5)/8-0.5), 0); ok {
						hits++
					}
				}
			}
			e := math.Abs(float64(mask.Pix[y*n+x]) - float64(hits)/64)
			sumErr += e
			maxErr = max(maxErr, e)
			count++
		}
	}
	mean := sumErr / float64(count)
	t.Logf("coverage vs 64-ray reference over %d pixels: mean abs error %.3f, max %.3f", count, mean, maxErr)
	if mean > 0.03 || maxErr > 0.4 {
		t.Errorf("coverage error mean %.3f max %.3f, want mean <= 0.03 and max <= 0.4 (5 samples per edge pixel)", mean, maxErr)
	}
}

// TestCullingMatchesFullEvaluation checks the fast distance (bounding spheres skip far parts) against the
// full evaluation, for every variant: equal just outside a surface (from 0.1 cm inside to 0.5 cm out),
// where hits, normals and shading are decided, and on the same side of it everywhere else.
func TestCullingMatchesFullEvaluation(t *testing.T) {
	r := newRNG(5)
	worst := 0.0
	var zero, one Identity
	for _, a := range attributes {
		*a.field(&one) = 1
	}
	for i, vr := range Variants() {
		// A sampled identity and, alternately, the extremes of every attribute.
		ids := []Identity{NewIdentity(uint64(vr) + 3), [2]Identity{zero, one}[i%2]}
		for _, id := range ids {
			m := compile(Scene{Identity: id, Variant: vr})
			lo, hi := sceneBox[0], sceneBox[1]
			near := 0
			for range 30000 {
				p := vec3{mix(lo.x, hi.x, r.float()), mix(lo.y, hi.y, r.float()), mix(lo.z, hi.z, r.float())}
				var ps parts
				full := m.eval(p, &ps, true)
				fast := m.dist(p)
				if full > -0.1 && full < 0.5 {
					near++
					worst = max(worst, math.Abs(fast-full))
					if math.Abs(fast-full) > 1e-9 {
						t.Fatalf("%v: at %+v culled distance %v, full %v", vr, p, fast, full)
					}
				} else if (fast > 0) != (full > 0) {
					t.Fatalf("%v: at %+v culled distance %v and full distance %v disagree on inside/outside", vr, p, fast, full)
				}
			}
			if near < 150 {
				t.Fatalf("%v: only %d samples near the surface", vr, near)
			}
		}
	}
	t.Logf("largest difference near a surface: %.2g cm", worst)
}

// TestSceneFitsEG3DBox checks that nothing crosses the faces of the scene box (the SDF is positive on them,
// apart from the neck cut flush with the bottom) and that the box lies in EG3D's [-0.5, 0.5]^3 rendering
// cube; and that the head, hair and accessories stay within |coordinate| <= 0.45 except the neck below.
func TestSceneFitsEG3DBox(t *testing.T) {
	lo, hi := headToWorld(sceneBox[0]), headToWorld(sceneBox[1])
	for k := range 3 {
		if lo[k] < -0.5 || hi[k] > 0.5 {
			t.Fatalf("scene box %v..%v leaves EG3D's cube", lo, hi)
		}
	}
	for _, vr := range Variants() {
		for seed := range uint64(6) {
			id := NewIdentity(seed)
			// Extreme identities push the box hardest.
			id.HairCap, id.HairLength, id.HeadLength, id.HeadWidth = 1, 1, 1, 1
			m := compile(Scene{Identity: id, Variant: vr})
			const steps = 40
			for i := 0; i <= steps; i++ {
				for j := 0; j <= steps; j++ {
					a, b := float64(i)/steps, float64(j)/steps
					for face := range 6 {
						p := boxFacePoint(face, a, b, sceneBox[0], sceneBox[1])
						if d := m.dist(p); d < -1e-9 && face != 2 {
							t.Fatalf("%v seed %d: geometry crosses the scene box at %+v (distance %v)", vr, seed, p, d)
						}
						inner := boxFacePoint(face, a, b, worldToHead([3]float64{-0.45, -0.45, -0.45}), worldToHead([3]float64{0.45, 0.45, 0.45}))
						if d := m.dist(inner); d < 0 && inner.y > m.chin.c.y-4 {
							t.Fatalf("%v seed %d: head geometry beyond |coordinate| 0.45 at world %v", vr, seed, headToWorld(inner))
						}
					}
				}
			}
		}
	}
}

// boxFacePoint returns the point (a, b) in [0, 1]^2 of face f of the box lo..hi (faces: -x +x -y +y -z +z).
func boxFacePoint(f int, a, b float64, lo, hi vec3) vec3 {
	p := vec3{mix(lo.x, hi.x, a), mix(lo.y, hi.y, b), mix(lo.z, hi.z, a)}
	switch f {
	case 0, 1:
		p.x = [2]float64{lo.x, hi.x}[f]
		p.z = mix(lo.z, hi.z, b)
		p.y = mix(lo.y, hi.y, a)
	case 2, 3:
		p.y = [2]float64{lo.y, hi.y}[f-2]
		p.z = mix(lo.z, hi.z, b)
	default:
		p.z = [2]float64{lo.z, hi.z}[f-4]
	}
	return p
}
