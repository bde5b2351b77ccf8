// Package npy reads and writes NumPy .npy files (format versions 1 to 3, C
// order), the interchange format of pmvi's parity fixtures: the expected
// tensors made with the official EG3D code (shared/fixtures/eg3d/tiny/*.npy)
// and the arrays that tests and notebooks write for comparison.
//
// ReadFloat32 and WriteFloat32 cover the common case; Array, Decode and
// Encode give the dtype and the raw bytes. Fortran-order arrays, structured
// dtypes and object arrays are errors, not guesses. Writes are atomic (a
// temporary file renamed into place). Errors of files that end early wrap
// io.ErrUnexpectedEOF.
package npy
