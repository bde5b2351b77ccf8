// Package pseudoview builds the paper's pseudo multi-views (supp. A.1 steps 4-6): from the depth the
// PTI-tuned generator renders at the input camera it builds a mesh (pkg/mesh), finds which vertices the
// input view sees and gives them the input's colours, renders that visible texture V_i and its mask M_i at
// each camera of a trajectory, renders the same cameras with the tuned generator for the occluded rest, and
// blends the two (pkg/blend). The result supervises the final optimization (stage 3) together with the input.
//
// The generator comes in as a RenderFunc, so this package does not depend on pkg/eg3d: any function that
// renders a camera at the input image's size will do (the tuned EG3D, the tiny model, or a stand-in in tests).
//
// Trajectories are plain camera lists. The official one is Orbit (30 views: yaw pi/2 + 0.35 sin, pitch
// pi/2 - 0.05 + 0.25 cos, with EG3D's 3.14 for pi); camera.Ellipse and camera.Grid make others of any count
// and range.
//
// Build runs everything for a trajectory; NewWarper keeps the mesh and its texture for warping camera after
// camera (a notebook slider, say), and package blend blends a warp with any generator render.
//
// PaperOptions holds the official settings (512x512 images, 128x128 depth up-sampled to a 1024-row mesh,
// visibility z-buffer 512 with threshold 1/512, Gaussian 21x21 blend) and QuickOptions a preset for CPUs and
// notebooks (mesh at the image's resolution). Options.Scale adapts either to other image sizes. Where the
// mesh and blend steps deviate from the official code, their package docs say how and why: in short, depth
// is unprojected as EG3D's ray distance (the official code takes it for camera z), stretched triangles are
// dropped, and the Poisson blend, absent from the official code, keeps the input's texture and adapts the
// generator's part to it.
//
// Speed (BenchmarkBuild: mesh, visibility and the 30 orbit views, generator excluded; GOMAXPROCS=2 on a
// shared 2-core Xeon under a load average of about 6 from other jobs, so wall times are roughly 1.7x the CPU
// times): 512x512 with PaperOptions (2M triangles) 6.7 s wall, 4.1 s CPU, with Poisson 21.5 s wall, 12.7 s
// CPU; QuickOptions 2.9 s wall; the official point splats 69 s wall; 128x128 0.5 s (Gaussian) and 1.6 s
// (Poisson).
package pseudoview
