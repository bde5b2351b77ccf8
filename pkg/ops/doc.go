// Package ops holds the graph operations pmvi's models need beyond GoMLX's, written with GoMLX ops only so
// every backend (the pure-Go CPU engine and XLA alike) runs them and differentiates them exactly. Model code
// (package eg3d and what builds on it) imports ops, never package backend, which the programs choose.
//
//   - ResizeBilinear: PyTorch's F.interpolate(mode='bilinear', align_corners=False, antialias=...) for NCHW
//     images, as two constant resampling matrices, so its gradient is exact everywhere. EG3D's
//     super-resolution module resizes its input with it.
//
// Like GoMLX's own ops, they panic while the graph is built, with the offending shape in the message.
package ops
