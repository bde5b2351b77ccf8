package eg3d

import (
	. "github.com/gomlx/gomlx/pkg/core/graph"
)

// Rays is EG3D's RaySampler in the graph: for camera labels c [B, 25] it returns the origins and unit
// directions [B, res*res, 3] of the rays through the pixel centres of a res x res image, pixel m = row*res+col,
// row 0 at the top (camera y points down). It matches camera.Camera.Rays, computed on the device.
func Rays(c *Node, res int) (origins, directions *Node) {
	g := c.Graph()
	u := make([]float32, res*res)
	v := make([]float32, res*res)
	for row := 0; row < res; row++ {
		for col := 0; col < res; col++ {
			u[row*res+col] = float32((float64(col) + 0.5) / float64(res))
			v[row*res+col] = float32((float64(row) + 0.5) / float64(res))
		}
	}
	return RaysThrough(c, Const(g, u), Const(g, v))
}

// RaysThrough returns the rays of cameras c [B, 25] through the image points u, v [M] (normalized image
// coordinates in [0, 1], x to the right and y down, as EG3D's pixel centres (col+0.5)/res): origins and unit
// directions [B, M, 3]. Rays is RaysThrough at every pixel centre.
func RaysThrough(c, u, v *Node) (origins, directions *Node) {
	b := c.Shape().Dimensions[0]
	camToWorld := Reshape(SliceAxis(c, 1, AxisRange(0, 16)), b, 4, 4)
	k := SliceAxis(c, 1, AxisRange(16, 25))
	at := func(i int) *Node { return Reshape(SliceAxis(k, 1, AxisElem(i)), b, 1) } // [B,1]
	fx, sk, cx, fy, cy := at(0), at(1), at(2), at(4), at(5)

	un := Reshape(ConvertDType(u, c.DType()), 1, -1)
	vn := Reshape(ConvertDType(v, c.DType()), 1, -1)
	// Lift to camera depth 1, intrinsics skew included (EG3D's x_lift, y_lift).
	xl := Div(Sub(Add(Sub(un, cx), Div(Mul(cy, sk), fy)), Div(Mul(sk, vn), fy)), fx)
	yl := Div(Sub(vn, cy), fy)
	ones := OnesLike(xl)
	cam := Stack([]*Node{xl, yl, ones, ones}, -1) // [B, M, 4]
	world := Einsum("bij,bmj->bmi", SliceAxis(camToWorld, 1, AxisRange(0, 3)), cam)
	o := Reshape(SliceAxis(SliceAxis(camToWorld, 1, AxisRange(0, 3)), 2, AxisElem(3)), b, 1, 3)
	d := Sub(world, o)
	norm := MaxScalar(Sqrt(ReduceAndKeep(Square(d), ReduceSum, -1)), 1e-12)
	directions = Div(d, norm)
	origins = BroadcastToShape(o, directions.Shape())
	return origins, directions
}
