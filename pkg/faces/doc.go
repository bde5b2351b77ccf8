// Package faces locates the face models pmvi uses on real photos and defines the 68-point landmark layout they
// share. It stands in for the official EG3D preprocessing's models (MTCNN, Deep3DFaceRecon, ArcFace), which
// cannot be downloaded here, with the best equivalents the package registries serve:
//
//   - face boxes: pigo's pixel-intensity-comparison cascade (package detect);
//   - 68 landmarks: dlib's ensemble of regression trees, shape_predictor_68_face_landmarks.dat from Debian's
//     libdlib-data, evaluated in pure Go (package shape);
//   - identity embedding and head pose: the ONNX networks of the npm package faceplugin-face-recognition-js,
//     run with GoMLX through onnx-gomlx (package nets). Their origin and licence are undocumented: research
//     use only.
//
// scripts/fetch-face-models.sh puts every file in Dir (never in the repository). Code that needs a file calls
// Path, which returns ErrMissing, with the script to run, when the file is absent.
package faces
