// Package invert implements the optimization stages of the paper (supp. A.1): stage 1 fits a W+ latent
// to the input image at its camera (the StyleGAN2/EG3D projector), stage 2 fine-tunes every generator
// parameter around that latent (PTI), and stage 3 fits the generator to the input view plus the pseudo
// multi-views. The density-regularization alternative of supp. D lives here too.
//
// Every stage takes an Options value (PaperOptions holds the paper's settings, QuickOptions a documented
// CPU-sized preset), reports each step to a callback (progress bars, live plots, snapshots), stops cleanly
// when its context is cancelled (returning what it has), and is deterministic for a given seed on one
// backend. Losses are pluggable weighted terms: MSE, SSIM, MS-SSIM and LPIPS (when its weights are given).
//
// Deviations from the official code (HFGI3D), each deliberate:
//   - Rendering during optimization is deterministic (no sample jitter) by default, so a run is a function
//     of its seed; Options.Render switches the official jitter back on.
//   - The default loss is MSE + MS-SSIM, which needs no downloaded weights; the paper's LPIPS terms are
//     used when the user supplies the LPIPS weight files.
//   - PTI's early stop is checked on the loss of the step just taken, after its update.
package invert
