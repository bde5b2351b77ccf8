// Package fimage holds float32 images in planar channel-height-width order, the form in which every stage
// outside the generator's graph exchanges pictures: the head world's renders and depth maps, the warped
// visible texture V_i and its mask M_i, blends, pseudo views and metrics inputs.
//
// Colour images use EG3D's range [-1, 1], so a generator output tensor [1, 3, H, W] is an Image without
// conversion; depth maps and masks are one-channel images in their own units. Conversion to and from the
// standard library's image types (and PNG) maps [-1, 1] to 0..255.
package fimage
