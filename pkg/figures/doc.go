// Package figures turns pmvi's images and numbers into pictures a reader can look at: labelled image grids
// with a caption per image (the paper's comparison figures), depth maps in a colour map with a colour bar in
// world units, looping orbit GIFs with a palette fitted to each frame, and gonum/plot charts whose tick
// labels carry no needless decimals and whose legend never covers a curve, with writers for PNG and GIF.
//
// It knows nothing about notebooks: the CLI (`pmvi figures`) can write its figures with it, and package
// kernelext shows the same encodings inline in a GoNB notebook. Everything here is deterministic, so a
// figure written twice from the same inputs is byte for byte the same file.
//
// Images come in as *fimage.Image (colour in EG3D's [-1, 1], one-channel images as grey) and go out as
// standard library images or encoded bytes.
//
// Errors: ErrNoImages when a grid or an animation has nothing to draw; every other error names the image
// (row and column, or frame) and what was expected.
package figures
