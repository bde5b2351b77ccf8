package align

// template.go: the 3D landmark template the crop and the camera are fitted to, in the units and frame of
// Deep3DFaceRecon's Basel face model (decimetres, origin near the face centroid, y up, the face looking
// towards +z), and its placement in EG3D's world.

// template5 holds Deep3DFaceRecon's standard five 3D landmarks (its load_lm3d over similarity_Lm3D_all.mat):
// image-left eye, image-right eye (each the mean of its two corners), nose tip, mouth corners.
var template5 = [5][3]float64{
	{-0.31148657, 0.29036078, 0.13377953},
	{0.30979887, 0.28972036, 0.13179526},
	{0.0032535, -0.04617932, 0.55244243},
	{-0.25216928, -0.38133916, 0.22405732},
	{0.2484662, -0.38128236, 0.22235769},
}

// Template5 returns the five 3D landmarks EG3D's crop is fitted to (Deep3DFaceRecon's lm3D_std).
func Template5() [5][3]float64 { return template5 }

// template68 is a 3D face with the 68 iBUG landmarks. The basel face model's 68 landmarks are not available
// here, so it is built from what is:
//   - x and y: dlib's mean shape (shape_predictor_68_face_landmarks.dat), made left-right symmetric and
//     fitted by scale and translation to template5's x and y (residual 0.01-0.03 dm; TestTemplateFromDlib
//     re-derives them from the model file);
//   - z: template5's depths for the eye-corner means, nose tip and mouth corners, and for the other points a
//     depth profile of an average adult face (nose-tip-to-ear 9.5 cm, nose-tip-to-eye-corner 4 cm,
//     chin 2 cm behind the nose tip), interpolated by hand.
//
// The jaw contour (0-16) is a silhouette on a photo, not a fixed point of the face, so the camera fit gives
// it a lower weight (see jawWeight).
var template68 = [68][3]float64{
	// Jaw, image-left ear to image-right ear.
	{-0.7128, 0.2822, -0.40}, {-0.7080, 0.0937, -0.33}, {-0.6878, -0.0941, -0.24}, {-0.6487, -0.2783, -0.12},
	{-0.5752, -0.4494, 0.00}, {-0.4624, -0.5977, 0.12}, {-0.3244, -0.7215, 0.23}, {-0.1722, -0.8209, 0.31},
	{0.0000, -0.8504, 0.34},
	{0.1722, -0.8209, 0.31}, {0.3244, -0.7215, 0.23}, {0.4624, -0.5977, 0.12}, {0.5752, -0.4494, 0.00},
	{0.6487, -0.2783, -0.12}, {0.6878, -0.0941, -0.24}, {0.7080, 0.0937, -0.33}, {0.7128, 0.2822, -0.40},
	// Brows, outer to inner, then inner to outer.
	{-0.5769, 0.4202, 0.03}, {-0.4885, 0.4997, 0.13}, {-0.3638, 0.5234, 0.21}, {-0.2347, 0.5050, 0.26},
	{-0.1138, 0.4548, 0.28},
	{0.1138, 0.4548, 0.28}, {0.2347, 0.5050, 0.26}, {0.3638, 0.5234, 0.21}, {0.4885, 0.4997, 0.13},
	{0.5769, 0.4202, 0.03},
	// Nose bridge (nasion to tip), then the nostril base.
	{0.0000, 0.3071, 0.24}, {0.0000, 0.1856, 0.33}, {0.0000, 0.0652, 0.43}, {0.0000, -0.0587, 0.5524},
	{-0.1447, -0.1425, 0.35}, {-0.0752, -0.1681, 0.40}, {0.0000, -0.1899, 0.43}, {0.0752, -0.1681, 0.40},
	{0.1447, -0.1425, 0.35},
	// Image-left eye: outer corner, upper lid, inner corner, lower lid.
	{-0.4335, 0.2919, 0.08}, {-0.3564, 0.3362, 0.15}, {-0.2638, 0.3349, 0.18}, {-0.1828, 0.2737, 0.1876},
	{-0.2695, 0.2583, 0.17}, {-0.3617, 0.2595, 0.14},
	// Image-right eye: inner corner, upper lid, outer corner, lower lid.
	{0.1828, 0.2737, 0.1876}, {0.2638, 0.3349, 0.18}, {0.3564, 0.3362, 0.15}, {0.4335, 0.2919, 0.08},
	{0.3617, 0.2595, 0.14}, {0.2695, 0.2583, 0.17},
	// Outer lips: left corner, upper lip to the right corner, lower lip back.
	{-0.2771, -0.3678, 0.2232}, {-0.1751, -0.3271, 0.32}, {-0.0719, -0.3060, 0.38}, {0.0000, -0.3237, 0.40},
	{0.0719, -0.3060, 0.38}, {0.1751, -0.3271, 0.32}, {0.2771, -0.3678, 0.2232}, {0.1784, -0.4675, 0.31},
	{0.0781, -0.5116, 0.35}, {0.0000, -0.5199, 0.36}, {-0.0781, -0.5116, 0.35}, {-0.1784, -0.4675, 0.31},
	// Inner lips.
	{-0.2345, -0.3732, 0.25}, {-0.0728, -0.3661, 0.35}, {0.0000, -0.3738, 0.37}, {0.0728, -0.3661, 0.35},
	{0.2345, -0.3732, 0.25}, {0.0742, -0.4202, 0.34}, {0.0000, -0.4292, 0.35}, {-0.0742, -0.4202, 0.34},
}

// Template68 returns the 3D 68-landmark template in Basel-face-model decimetres.
func Template68() [68][3]float64 { return template68 }

// World placement of the template. EG3D's crop makes one template decimetre span rescaleFactor/centreCrop
// of the aligned image's width at the template origin; an FFHQ camera (focal 4.2647 image widths, radius
// 2.7 around the world origin) sees the template origin at distance templateDepth, so one decimetre is
// worldPerDM world units. The origin sits on the optical axis of the frontal camera at z = templateZ, which
// is where pkg/heads puts the face centroid (EG3D's cameras were moved 0.161 towards the face).
const (
	templateZ     = 0.16
	templateDepth = 2.7 - templateZ
	ffhqFocal     = 4.2647
	worldPerDM    = rescaleFactor / centreCrop * templateDepth / ffhqFocal // 0.2553
)

// TemplateWorld returns template point p (decimetres) in EG3D world coordinates.
func TemplateWorld(p [3]float64) [3]float64 {
	return [3]float64{worldPerDM * p[0], worldPerDM * p[1], worldPerDM*p[2] + templateZ}
}
