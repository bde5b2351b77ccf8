// Package heads is a procedural 3D head world with exact ground truth: seeded identities rendered from any
// EG3D camera to colour, depth, coverage mask, normals and part labels. It stands in for FFHQ, which cannot
// be downloaded here, in two roles: training data for the tiny generator (DESIGN.md, "Embedded default
// model") and ground truth for evaluation. The paper could only estimate novel-view fidelity and geometry
// from single photos; with heads the test views and depth of every input are known exactly (Table 1's
// protocol on a synthetic benchmark), and the failure cases of the supplement (C.1, Fig. 3: a hand in front
// of the face, glasses, earrings, a hat, extreme poses) are Variants of the same identities.
//
// # World and framing
//
// Heads live in EG3D's world (pkg/camera): y up, the face looking towards +z, inside the [-0.5, 0.5]^3
// box EG3D renders (everything within |coordinate| <= 0.45 except the neck, cut at y = -0.49). They are
// framed as EG3D frames FFHQ: its crop (crop_images_in_the_wild.py) maps Deep3DFaceRecon's standard 3D
// landmarks to 300/700 of the image per unit around their origin, which puts the eye centres at
// (0.367, 0.376) and (0.633, 0.376) of the image, the mouth corners at v = 0.66 and the chin near 0.87,
// with the top of the head just above the top edge; its cameras put the face model's centroid at
// z = 0.16 (3dface2idr_mat.py). Internally a head is built in centimetres around that centroid at 0.0254
// world units per centimetre (model.go says why); TestEyesWhereEG3DPutsThem checks rendered irises against
// the targets (mean error 0.4%, max 0.9% of the image side).
//
// # Identities, attributes, variants
//
// NewIdentity(seed) draws an Identity: about 45 continuous parameters in [0, 1] (skull and face shape, jaw,
// nose, eyes and iris colour, brows, lips and smile, ears, neck, hair cap, length and fringe, beard, skin
// tone, glasses, lighting), correlated like a real population. Every parameter is an attribute with a
// snake_case name (AttributeNames, Attributes, WithAttribute) for editing. A Scene adds a Variant (Clean,
// Hand, Glasses, Earrings, Hat, Trinkets, ExtremePose) and a Background (Plain or Gradient), which is what
// makes the mask matter. Split draws disjoint train and test identity seeds; WriteDataset renders them in
// EG3D's dataset.json layout.
//
// # Rendering and ground truth
//
// A head is a signed distance function: ellipsoids, capsules, spheres and tori joined by smooth unions and
// carved by smooth differences (sockets, nostrils, the mouth), colours by region with soft transitions.
// Render sphere-traces it from the camera in pure Go: one cone per 4x4 tile skips empty space, secant steps
// finish grazing rays, and bisection keeps hits on the outer surface. Shading is a warm key light fixed to
// the head with a soft shadow, wrapped diffuse for skin, sky/ground ambient with occlusion from the
// distance field, and Blinn-Phong gloss (catchlights in the eyes). Pixels whose neighbours differ in
// coverage, depth or colour get four more rotated-grid samples: that is the anti-aliasing and the coverage
// mask. One 128x128 view with depth and mask takes 80-95 ms on one core of the (shared) development VM
// (BenchmarkRender128 with -cpu 1), RenderDepth about 40 ms; RenderViews and WriteDataset use every core.
//
// The View conventions:
//   - RGB: 3 channels in [-1, 1], EG3D's range.
//   - Depth: EG3D's image_depth, the distance along the pixel's ray from the camera centre (not camera z),
//     in world units; +Inf where the pixel shows only background. At an edge pixel it is the depth of the
//     centre sample, or of the nearest covering subsample when the centre misses.
//   - Mask: covered fraction of the pixel in [0, 1]; Mask > 0 exactly where Depth is finite.
//   - Normals: world-space unit normals at the depth sample, 0 on background.
//   - Parts: the Part at the depth sample (skin, hair, iris, lips, hand, glasses, ...), PartBackground else.
//
// Scene.Distance, Scene.DistanceFunc and Scene.Visible expose the distance field and ground-truth
// visibility of world points, and Identity.Landmarks the five alignment landmarks in 3D.
//
// Everything is deterministic: the same seed gives the same identity on every machine (a local splitmix64,
// not math/rand) and the same pixels on the same architecture; no result depends on goroutine scheduling.
//
// Errors: WriteDataset returns ErrNoIdentities when there is nothing to render, and errors prefixed
// "heads:" naming the option or file for everything else. Render panics only on a non-positive size.
package heads
