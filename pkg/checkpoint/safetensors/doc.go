// Package safetensors reads and writes the safetensors format, in which pmvi
// stores its own checkpoints: the embedded tiny generator, and the
// generators tuned by PTI and by the final pseudo-multi-view optimization.
//
// A file is an 8-byte little-endian header length, a JSON header mapping
// each tensor name to its dtype, shape and data offsets (plus an optional
// "__metadata__" map of strings), then the raw little-endian tensor data.
// Reading checks what the reference implementation checks: known dtypes, and
// offsets that match each shape and tile the data exactly. Write is atomic
// (a temporary file, synced, renamed into place), so that a long run
// interrupted while checkpointing keeps its previous checkpoint. Errors of
// files that end early wrap io.ErrUnexpectedEOF.
package safetensors
