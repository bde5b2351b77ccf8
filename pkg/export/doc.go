// Package export writes what an inversion produced for the people and programs that use it (the paper's
// output: "faithful novel views"): the novel views of the final generator along a camera trajectory the user
// names, as an array and as PNGs, with their cameras as EG3D labels and their depth; an orbit GIF; and the
// pseudo multi-views the method optimized on, so a reader can look at what stage 3 was shown.
//
// Layout of an output folder (all arrays NCHW float32, images in [-1, 1] as EG3D's):
//
//	novel_views.npy        [N, 3, H, W]   the final generator at the trajectory's cameras
//	novel_views/NN.png
//	novel_cameras.json     {"labels": [["novel_views/NN.png", [25 floats]], ...]}  (EG3D's dataset.json)
//	novel_depth.npy        [N, 1, h, w]   ray distance at the neural rendering's resolution
//	novel_depth/NN.png     depth colourized (near yellow, far purple)
//	orbit.gif              the official orbit's path, 40 frames
//	pseudo_views/NN_{visible,mask,blended}.png   V_i, M_i and the pseudo view (method "ours")
package export
