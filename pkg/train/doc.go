// Package train trains the embedded default generator (package models) on the procedural head world of
// package heads, because no pretrained EG3D weights can be downloaded here.
//
// It is a multi-view supervised auto-decoder rather than a GAN: every training identity owns a latent w,
// and the generator (the eg3d Tiny architecture) learns to render each identity from many cameras, supervised
// by the head world's colour, coverage mask and depth. Two phases follow the DESIGN's advice for two CPU
// cores: phase 1 trains latents, backbone, triplanes and decoder on random subsets of rays (NeRF style) at
// the neural-rendering resolution; phase 2 trains the super-resolution block on full feature images with the
// rest frozen. Finally a Gaussian is fitted to the learned latents and the mapping network is set to map
// z to it (an affine map written into EG3D's two leaky-ReLU layers, all in their linear regime), so that
// G.mapping(z) gives plausible w for random z and w_avg is the Gaussian's mean, as inversion expects.
//
// Runs checkpoint every few minutes and resume where they stopped; the rendered training views are cached
// on disk, so a restarted run does not render them again.
package train
