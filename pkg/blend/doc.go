// Package blend joins the two halves of a pseudo view: the input's texture warped to a novel view (V_i, where
// its mask M_i says the input saw the surface) and the tuned generator's render of that view (everything
// else). It is step 6 of the paper's pipeline (supp. A.1): "blend visible and occluded parts with a smoothed
// boundary: Gaussian kernel of radius 10, or Poisson blending".
//
// Two methods, chosen with Options.Method:
//
//   - Gaussian, the official code's (multi_views/generate_multi_views.py): erode M_i with a 3x3 square, erode
//     the mesh's coverage with a 51x51 square (this cuts the frame that parallax leaves uncovered), multiply,
//     blur with a 21x21 Gaussian of sigma 3.5 (the paper's "radius 10"; OpenCV derives sigma 3.5 from the
//     size) and use the result as the alpha of V_i over the generator's render.
//   - Poisson, the paper's alternative, which the official code does not contain: gradient-domain blending
//     that keeps the input's texture exactly where the eroded mask holds it and clones the generator's render
//     into the rest, so its gradients (its content) stay while its values meet V_i at the seam. The difference
//     at the seam fades into the generator's part over Options.Falloff pixels (a screened Poisson equation).
//     The equation is solved per channel with conjugate gradients preconditioned by an aggregation multigrid
//     V-cycle. See PoissonBlend for why the texture, not the generator's render, is kept.
//
// The official code's 8-bit steps are left out: images stay float, and the imageio min-max stretch the
// official blur mask goes through when it never reaches 1 is not reproduced.
//
// Errors name the image and what was expected, prefixed "blend: "; ErrEmptyMask reports a Poisson blend with
// nothing to clone.
package blend
