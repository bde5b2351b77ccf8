// Package explore holds the state of the hyperparameter explorer (notebooks/07-explorer): one inversion's
// expensive results, computed once, and cheap views of them for any setting of the controls.
//
// The paper's method (supp. A.1) has stages of very different cost. Stages 1 and 2 (W+ projection, PTI)
// take minutes on a CPU and depend on nothing a reader would slide; stage 3 (the pseudo-multi-view
// optimization) takes seconds per step and depends on the pseudo views (their count and blend) and its loss;
// a novel view is one render. New runs stages 1 and 2 (or reads them from a disk cache) and builds the input
// view's mesh; Explorer.Render returns a View for Settings: the ground truth, the PTI-tuned generator, the
// warped input, the pseudo view and the stage-3 generator, all seen from the settings' novel camera, with
// PSNRs against the truth. Explorer.Tune runs stage 3 for settings whose stage 3 has not run yet. So:
//
//	control                          recomputes
//	novel camera yaw, pitch          renders at the camera (cached by camera)
//	blend method, radius             the pseudo view's blend; stage 3, whose pseudo views change
//	pseudo views, stage-3 steps,     stage 3 (cached by Settings.Stage3)
//	loss weights (MSE, MS-SSIM,
//	occluded pixels)
//
// Results live in memory for the Explorer's life and, with Options.CacheDir, on disk: a GoNB cell is a new
// process each time it runs, and the notebook test, the browser test and a reader's session all reuse one
// inversion. Cache entries are keyed by a hash of the generator's weights, the input and every option they
// depend on, so a retrained model or a changed option never reads a stale result. Delete the folder
// (DefaultCacheDir, or $PMVI_EXPLORE_CACHE) to reclaim its space; each entry is about three times the size of
// the generator's weights plus one generator per stage-3 setting tried.
//
// The package knows nothing of notebooks: the notebook turns controls into Settings and a View into a
// figure (Grid) and a line of text (Summary, Timing). View.Summary lists the settings and a fingerprint of
// each picture (its mean), which the browser test compares with what this package computes in the test
// process for the same settings.
package explore
