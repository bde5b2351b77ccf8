// Package metrics measures inversions as the paper's evaluation does (supp. B) and, on the synthetic head
// world, against ground truth: image fidelity (PSNR; SSIM and LPIPS live with the losses in package invert
// and package lpips), novel-view fidelity, depth error, 3D consistency, pose error and identity similarity.
package metrics
