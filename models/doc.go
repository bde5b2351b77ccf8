// Package models ships the embedded default generator: a small EG3D-family model (eg3d.Tiny) trained by
// `pmvi train-tiny` on the procedural head world (package train), so every command, test and notebook has a
// generator without downloading anything. Its weights and their JSON sidecar (config, training command, seed,
// steps, final losses, commit, held-out test identities) are embedded in the binary, so Tiny works from any
// working directory.
package models
