// Package align turns a user's photo into EG3D's input: the face cropped the way EG3D's FFHQ preprocessing
// crops it, and the camera it was seen from (the paper's supp. A.1, "alignment and pose").
//
// The official pipeline (NVlabs/eg3d dataset_preprocessing/ffhq) detects five landmarks with MTCNN, fits
// Deep3DFaceRecon's 3D five-point template with a weak-perspective camera (POS), rescales the photo so a
// template unit spans 300 pixels, cuts 1024 pixels around the template's origin, keeps the central 700 and
// resizes them to 512; the camera comes from Deep3DFaceRecon's pose, scaled to radius 2.7 with the FFHQ
// intrinsics (focal 4.2647). Here:
//
//   - faces come from pigo's cascade and 68 landmarks from dlib's model (package faces and below);
//   - the crop is the same geometry on the landmarks' 5-point summary (CropTransform, Warp);
//   - the camera is a perspective-n-point fit of a 3D 68-landmark template placed in EG3D's world
//     (Template68, TemplateWorld, FitCamera): a frontal face gives camera.At(0, 0).
//
// Aligner.Image (and Photo for a file) runs everything and returns a Result with the aligned image, the
// camera, the landmarks, the transform and an overlay; Result.Save writes what `pmvi align` outputs.
// Aligner.Camera estimates the camera of an image that is already framed like EG3D's crop (a render), the
// pose metric's input.
//
// Errors: ErrUnreadable, ErrNoFace and ErrTinyFace, wrapped with details; several faces are not an error (the
// largest is aligned and Result.Warnings says so). Model files missing from faces.Dir give faces.ErrMissing.
package align
