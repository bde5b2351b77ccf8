// Package camera implements EG3D's camera conventions, the first input of every stage of the method: the
// 25-float camera label (a row-major 4x4 cam2world matrix followed by the row-major normalized 3x3 intrinsics),
// the look-at pose sampler that places a camera on a sphere around the head, the rays a camera casts through
// the pixels of an image, the trajectories used for novel views and evaluation, and EG3D's dataset.json.
//
// Conventions follow the official EG3D code (camera_utils.py, ray_sampler.py):
//   - World: y up, the face looks towards +z; cameras orbit the pivot (0, 0, 0.2) at radius 2.7.
//   - Camera: OpenCV style, x right, y down, z forward; image row 0 is the top of the image.
//   - Intrinsics are normalized by the image size, so one camera serves every resolution.
//   - Yaw and pitch are given as offsets from the frontal view (EG3D samples pi/2+yaw, pi/2+pitch).
//
// EG3D computes its focal length with the literal constants 3.14159 and 1.414 instead of pi and sqrt(2);
// FOVToIntrinsics keeps them so that labels match checkpoints and datasets made by the official code.
package camera
