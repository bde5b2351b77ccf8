// Package shape evaluates dlib's 68-point face landmark model (an ensemble of regression trees, Kazemi and
// Sullivan, CVPR 2014) in pure Go. It replaces the landmark detector of EG3D's FFHQ preprocessing: the
// landmarks feed the crop (their 5-point summary) and the camera estimate (all 68, against a 3D template).
//
// The model is read from dlib's own serialization, shape_predictor_68_face_landmarks.dat from Debian's
// libdlib-data (CC0). Evaluation follows dlib's shape_predictor::operator(): start from the mean shape placed
// in the face box, and at each of the cascade's levels read a few hundred pixel intensities at points that
// move with the current shape estimate, then add the leaf vectors the level's trees select by comparing
// pairs of those intensities.
//
// Errors: Read returns ErrFormat (wrapped, with the byte offset) when the stream is not a dlib shape predictor.
package shape
