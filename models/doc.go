// Package models ships the embedded generators, EG3D-family models trained by `pmvi train-tiny` on the procedural
// head world (package train), so every command, test and notebook has a generator without downloading anything:
//
//   - small (the default, eg3d.Small): 128-pixel volume rendering without super-resolution, so PTI's fit and its
//     distortion of the geometry show in the final image, as in the paper's EG3D;
//   - tiny (eg3d.Tiny): 64-pixel volume rendering and a super-resolution block, three times faster a step, kept
//     for fast tests (its super-resolution absorbs PTI's fit: results/pti-sr).
//
// Their weights and JSON sidecars (config, training command, seed, steps, final losses, commit, held-out test
// identities) are embedded in the binary, so Load works from any working directory.
package models
