// Package metrics measures inversions on images and geometry, as the paper's evaluation (supp. B) does and, on
// the synthetic head world, against ground truth: image fidelity (PSNR, optionally masked; SSIM), novel-view
// fidelity (the same scores against a ground-truth novel view), depth error (DepthError) and 3D consistency
// between views through their own depth (Consistency). It works on fimage.Image values and cameras only.
//
// It is a leaf: no face models, no ONNX, no graphs. The identity and pose scores, which need face models,
// are in package facescore; LPIPS is in package lpips; the SSIM loss on graphs is in package invert.
//
// Mismatched sizes or channels and empty masks are errors, prefixed "metrics:", never panics.
package metrics
