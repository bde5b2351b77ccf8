// Package benchmark is the synthetic benchmark of the method (paper supp. B, Table 1 and supp. Fig. 2, with
// ground truth instead of estimates): held-out heads of the procedural world, each seen from an input camera,
// inverted by PTI alone, by pseudo-multi-view optimization ("ours") and by density regularization, and scored
// against the head world's exact novel views and depth at the paper's evaluation trajectory (the canonical view
// and the four edge views of yaw ±0.35, pitch ±0.25).
//
// Each case writes its own result file, so a run can be interrupted, resumed, or split into shards that
// Merge combines into a Table 1-style table with means and 95% intervals.
package benchmark
