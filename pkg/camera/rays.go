package camera

import "math"

// Rays returns the world-space origin and unit direction of the ray through the centre of every pixel of a
// resolution x resolution image, as EG3D's RaySampler does. Both are flat [resolution*resolution*3] slices in
// pixel order m = row*resolution + col, row 0 at the top of the image.
func (c Camera) Rays(resolution int) (origins, directions []float32) {
	n := resolution * resolution
	origins = make([]float32, 3*n)
	directions = make([]float32, 3*n)
	o := c.Position()
	for row := 0; row < resolution; row++ {
		for col := 0; col < resolution; col++ {
			d := c.PixelDirection((float64(col)+0.5)/float64(resolution), (float64(row)+0.5)/float64(resolution))
			m := 3 * (row*resolution + col)
			for k := 0; k < 3; k++ {
				origins[m+k] = float32(o[k])
				directions[m+k] = float32(d[k])
			}
		}
	}
	return origins, directions
}

// PixelDirection returns the unit world-space direction of the ray through normalized image coordinates
// (u, v) in [0, 1]^2, u to the right and v down. It lifts the point with the intrinsics (skew included) to
// camera depth 1, maps it to the world and normalizes its offset from the camera centre, as EG3D does.
func (c Camera) PixelDirection(u, v float64) [3]float64 {
	k := c.Intrinsics
	fx, fy, cx, cy, sk := k[0], k[4], k[2], k[5], k[1]
	xl := (u - cx + cy*sk/fy - sk*v/fy) / fx
	yl := (v - cy) / fy
	m := c.CamToWorld
	d := [3]float64{
		m[0]*xl + m[1]*yl + m[2],
		m[4]*xl + m[5]*yl + m[6],
		m[8]*xl + m[9]*yl + m[10],
	}
	const eps = 1e-12 // torch.nn.functional.normalize's default
	norm := max(math.Sqrt(d[0]*d[0]+d[1]*d[1]+d[2]*d[2]), eps)
	return [3]float64{d[0] / norm, d[1] / norm, d[2] / norm}
}

// PointAtDepth returns the world point at distance depth along the ray through normalized image coordinates
// (u, v). EG3D's depth images hold exactly this distance, so it turns a depth map back into geometry.
func (c Camera) PointAtDepth(u, v, depth float64) [3]float64 {
	d := c.PixelDirection(u, v)
	o := c.Position()
	return [3]float64{o[0] + depth*d[0], o[1] + depth*d[1], o[2] + depth*d[2]}
}
