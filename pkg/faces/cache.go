package faces

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// The files scripts/fetch-face-models.sh puts in Dir, relative to it.
const (
	FaceFinder     = "facefinder"                            // pigo's face cascade
	ShapePredictor = "shape_predictor_68_face_landmarks.dat" // dlib's 68-point model
	FeatureNet     = "faceplugin/fr_feature.onnx"            // 112x112 aligned face -> 512-d embedding
	PoseNet        = "faceplugin/fr_pose.onnx"               // 224x224 face -> yaw, pitch, roll bins
	LandmarkNet    = "faceplugin/fr_landmark.onnx"           // 64x64 grey face -> 68 points
	DetectNet      = "faceplugin/fr_detect.onnx"             // 320x240 image -> boxes and scores
	AstronautPhoto = "photos/astronaut.png"                  // public-domain sample photo (NASA)
	HopperPhoto    = "photos/grace_hopper_512x512.jpg"       // public-domain sample photo (US Navy)
)

// ErrMissing is returned (wrapped) by Path when a model file has not been fetched.
var ErrMissing = errors.New("faces: model file missing (run scripts/fetch-face-models.sh)")

// Dir returns the folder holding the face models: $PMVI_CACHE/faces, or ~/.cache/pmvi/faces when PMVI_CACHE
// is unset.
func Dir() string {
	if d := os.Getenv("PMVI_CACHE"); d != "" {
		return filepath.Join(d, "faces")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(".cache", "pmvi", "faces")
	}
	return filepath.Join(home, ".cache", "pmvi", "faces")
}

// Path returns the absolute path of a model file (one of the constants above) in Dir, or an error wrapping
// ErrMissing when it is not there.
func Path(name string) (string, error) {
	p := filepath.Join(Dir(), name)
	st, err := os.Stat(p)
	if err != nil || st.Size() == 0 {
		return "", fmt.Errorf("%w: %s", ErrMissing, p)
	}
	return p, nil
}
