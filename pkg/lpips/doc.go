// Package lpips is the LPIPS perceptual distance (Zhang et al., "The Unreasonable Effectiveness of Deep
// Features as a Perceptual Metric", CVPR 2018) in GoMLX, as the lpips package (version 0.1) computes it.
//
// In pmvi it is one of the pluggable losses of the inversion (W+ optimization, PTI and the final
// pseudo-multi-view optimization, package invert) and one of the fidelity metrics (package metrics). The
// StyleGAN2/EG3D projectors shrink images to 256x256 by area averaging before their perceptual loss; Downsample
// does that.
//
// For images a and b in [-1, 1] (NCHW), LPIPS maps both by a fixed affine ScalingLayer, runs a torchvision
// backbone (AlexNet or VGG16 features, eval mode) and takes five feature maps (AlexNet relu1..relu5, VGG16
// relu1_2..relu5_3). At each, feature vectors are unit-normalized over channels, their squared difference is
// weighted per channel by non-negative learned weights (a 1x1 convolution without bias) and averaged over the
// pixels; the five values are summed:
//
//	d(a, b) = Σ_l mean_hw Σ_c w_lc (f̂_lc(a) − f̂_lc(b))²,   f̂ = f / (‖f‖₂ + 1e-10)
//
// The weights are not in the repository and nothing is downloaded: Load reads the torchvision backbone
// (vgg16-397923af.pth, alexnet-owt-7be5be79.pth) and the lpips linear layers (lpips/weights/v0.1/vgg.pth,
// alex.pth) from paths the user supplies, or LoadFromEnv from the environment (PMVI_LPIPS_VGG,
// PMVI_LPIPS_VGG_LIN, ...; see Net.EnvVars). Without them LPIPS is unavailable and callers say so.
// NewUntrained builds a randomly initialized model for tests, which is meaningless as a metric.
//
// Model.Distance builds the distance into a graph (differentiable with respect to both images, so it is a
// loss); Metric computes it on host tensors. All graphs run on any backend; pmvi's backend package supplies the
// correct convolution and max-pooling gradients on CPU.
//
// Sentinel errors: ErrUnavailable (a weight file not supplied or not found).
package lpips
