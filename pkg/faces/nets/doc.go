// Package nets runs the face networks of the npm package faceplugin-face-recognition-js 0.0.1 with GoMLX
// (through onnx-gomlx, on pmvi's backend, so on a GPU too): an ArcFace-style identity embedding (the stand-in
// for the ArcFace model of the paper's identity metric) and a HopeNet-style head-pose regressor (a check on
// the landmark camera fit, and the stand-in for Deep3DFaceRecon's pose in the pose metric).
//
// Two layers of the files are not in onnx-gomlx v0.3.4; Load rewrites them in the model's graph before
// conversion: PRelu becomes Relu(x) - slope*Relu(-x), and opset-9 Slice (starts, ends and axes as
// attributes) gets them as constant inputs, the later opsets' form.
//
// The weights' origin and licence are undocumented (the package says MIT for its code): research use only.
// On the CPU backend a forward pass takes on the order of a second, so these networks serve metrics and
// set-up, not per-step losses.
package nets
