// Package facescore implements the face-model scores of the paper's evaluation (supp. B, Table 1): identity
// similarity, the cosine of ArcFace embeddings of the input and a rendered view after alignment (Identity,
// Cosine), and pose accuracy, the angle between the camera a view was rendered from and the camera estimated
// back from the rendered image (Pose, CameraError, MeanPoseError).
//
// The official protocol uses ArcFace and Deep3DFaceRecon; pmvi uses the stand-ins of package faces (an
// ArcFace-style ONNX embedding run through onnx-gomlx, dlib landmarks with a 3D template fit from package
// align), so its numbers compare methods measured here, not with the paper's. The scores live apart from
// package metrics so that the image and geometry metrics stay a leaf without face models or ONNX.
//
// NewIdentity and NewPose return faces.ErrMissing (wrapped) when the face models have not been fetched
// (scripts/fetch-face-models.sh).
package facescore
