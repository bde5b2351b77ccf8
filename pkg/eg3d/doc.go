// Package eg3d is the EG3D generator (Chan et al., CVPR 2022) in GoMLX: the 3D-aware GAN whose inversion the
// paper studies (supp. A.1 step 1). It computes what NVlabs' official PyTorch code computes, number for number:
//
//	z, c ──mapping──▶ ws ──StyleGAN2 backbone──▶ triplanes ──┐
//	c ──rays──▶ stratified + importance samples ──plane sampling──▶ OSG decoder ──▶ volume rendering
//	   ──▶ feature image (its first 3 channels: image_raw), depth, weights sum
//	   ──super-resolution(ws)──▶ image
//
// Each piece is a function of a *context.Context scope and *graph.Node values, with its arithmetic in a plain
// function of weight nodes so parity tests can feed the official tensors straight in. Variables carry the
// official parameter names (scope "/backbone/mapping/fc0", variable "weight" for "backbone.mapping.fc0.weight"),
// so checkpoints map 1:1 (see Params and LoadCheckpoint).
//
// Where the official code has a quirk, it is reproduced and marked "EG3D quirk" in a comment: the triplane
// projection reads (x,y), (x,z) and (z,x) instead of (z,y); the camera label is scaled by c_scale (0 when
// the key is absent); the importance sampler only ever reaches the first 46 of 47 bins.
//
// Deviations, all documented where they occur: modulated convolutions always run the non-fused path
// (mathematically identical to the fused grouped convolution the official code uses at inference); importance
// sampling in random mode draws sorted uniforms directly (the same distribution as EG3D's torch.rand, which it
// sorts afterwards anyway), because GoMLX has no sort.
package eg3d
