// Package mesh turns the depth the tuned generator renders at the input view into a textured triangle mesh and
// renders what the input view saw of it from novel cameras: steps 4 and 5 of the paper's pipeline (supp. A.1,
// "mesh and visibility" and "visible part").
//
// The steps, in the order pseudo multi-views use them:
//
//  1. FromDepth lifts a depth map (up-sampled to Options.Resolution; the official code goes 128 -> 1024) into a
//     world-space grid mesh through the input camera, and drops the "rubber-sheet" triangles that a grid
//     stretches across depth discontinuities (Options.MaxStretch), so silhouettes do not smear into novel views.
//  2. Mesh.See rasterizes the mesh into a z-buffer at the input view (VisibilityOptions.Resolution, official 512),
//     marks each vertex visible when it lies within VisibilityOptions.Threshold (official 1/512 world units) of
//     the front surface the z-buffer holds along its ray, and gives visible vertices the input image's colour
//     there. Triangles whose three vertices are visible carry texture.
//  3. Mesh.Render rasterizes the mesh at any EG3D camera (z-buffer, top-left fill rule, perspective-correct
//     barycentrics) into a Rendering: the visible texture V_i, its mask M_i, the coverage of the whole mesh
//     (used by the official blending) and the depth.
//
// The official code renders point splats instead of triangles: Mesh.Sample draws a point cloud (1M points,
// area-weighted), PointCloud.See tests visibility with the official point z-buffer and PointCloud.Render
// composites the splats the way pytorch3d's point renderer does (radius 2 px, 16 points per pixel). WarpMode
// selects between the two.
//
// Deviations from the official code (github.com/jiaxinxie97/HFGI3D, multi_views/generate_multi_views.py), on
// purpose:
//   - EG3D's depth is the distance along the ray from the camera centre. The official code treats it as camera
//     z-depth and unprojects with K = 4.2647*W and no half-pixel offset, which stretches the mesh radially (up to
//     1.4% at the corners) and shifts it by half a mesh pixel. Here each vertex is camera.PointAtDepth of its
//     pixel centre, which puts it exactly where EG3D's renderer put the surface.
//   - The official mesh keeps every triangle (max_cos = 1); here MaxStretch drops stretched ones (beyond 87
//     degrees by default). Zero restores the official behaviour.
//   - The official visibility test compares each of 1M sampled points with the nearest point in its 512-grid
//     pixel. On a mesh built from the input's own depth nothing is hidden (it is a height field seen from its
//     own camera), so what that test really removes is steep surface, whose points spread in depth within a
//     pixel: it is how the official code hides its rubber sheets. Mesh.See instead finds the surface along each
//     vertex's own ray (exact where the z-buffer holds a triangle covering the vertex), so it marks hidden only
//     what is hidden, and MaxStretch removes the rubber sheets explicitly. PointCloud.See keeps the official
//     test for the point-splat mode.
//   - The official visibility test rounds projections to the nearest pixel (half a pixel off EG3D's pixel
//     centres); here pixel i covers [i, i+1) with its centre at i+0.5, as everywhere else in the project.
//   - Back faces are drawn (no culling), as the official splats are.
//   - Images stay float: no uint8 truncation between steps.
//
// Errors name the input and what was expected, prefixed "mesh: ". Rendering is parallel over goroutines and
// deterministic: the result does not depend on the number of workers.
package mesh
