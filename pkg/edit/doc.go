// Package edit edits inverted heads along attribute directions, as the paper does with its inversions
// (supp. A.2, after InterFaceGAN): a linear SVM separates latents with much and little of an attribute, its
// unit normal n is the attribute's direction in W, and an edit is w + alpha·n, rendered by the tuned
// generator from any camera.
//
// Finding a direction follows the paper's recipe: Sample many latents at the canonical view, Score each for
// the attribute, and Find keeps the highest- and lowest-scored (the paper: 10,000 each of 500,000), trains
// the SVM (dual coordinate descent, as LIBLINEAR) on a random 70% of them and reports its accuracy on the
// other 30%. The score is pluggable: any Scorer of latents. For the embedded tiny model, trained on the
// procedural head world, HeadsRecipe learns the scorer from the training identities, whose latents and
// ground-truth attributes are known, and Heads.GroundTruth with TruthOptions tests how well W encodes an
// attribute at all. For official weights, directions computed elsewhere load from InterFaceGAN's boundary
// files (ReadDirection: a .npy of shape [1, w_dim]).
//
// Editing (Apply, Render, Orbit) moves the inverted W+ code on all layers or a chosen range. Only the latent
// changes, so every view of the edited head comes from one set of triplanes and stays 3D-consistent.
// To check that an edit does what it says on the rendered image rather than in W, a Probe (ridge regression
// on pixels, fitted on renders with known attributes: the generator's renders of its training identities,
// Heads.Renders, or the head world's own, HeadsViews) reads the attributes off the renders along a Sweep of
// edit strengths. Figure lays out the editing figure (figures/editing.png).
//
// Errors: ErrOneClass when the classes to separate are not two. Every other error names the input and what
// was expected.
package edit
