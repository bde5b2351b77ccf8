package align

import (
	"errors"
	"fmt"
	"math"

	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/faces"
	"github.com/pmvi/pmvi/pkg/faces/detect"
	"github.com/pmvi/pmvi/pkg/faces/shape"
	"github.com/pmvi/pmvi/pkg/fimage"
)

// Errors returned (wrapped, with details) by Aligner.Image and Photo.
var (
	ErrUnreadable = errors.New("align: not a readable image")
	ErrNoFace     = errors.New("align: no face found")
	ErrTinyFace   = errors.New("align: face too small")
)

// Options tune alignment. Start from DefaultOptions.
type Options struct {
	// MinFaceSize is the smallest accepted face, in photo pixels between the outer eye corners times 2.5
	// (about the width of the face); smaller faces give ErrTinyFace, since upsampling them to 512 pixels
	// invents the detail inversion would fit.
	MinFaceSize float64
	// Padding fills the aligned image where the crop leaves the photo.
	Padding Padding
	// Detect tunes the face detector.
	Detect detect.Options
	// Refine is the number of times the landmark model is re-run in the box its own previous landmarks imply
	// (0 keeps the detector's box).
	Refine int
}

// DefaultOptions returns EG3D's black padding, faces at least 64 pixels wide, and two box refinements.
func DefaultOptions() Options {
	return Options{MinFaceSize: 64, Padding: PadBlack, Detect: detect.DefaultOptions(), Refine: 2}
}

// Result is an aligned photo: the EG3D input image and camera, and how they were found.
type Result struct {
	// Photo is the input image; Aligned the OutputSize x OutputSize EG3D crop of it.
	Photo, Aligned *fimage.Image
	// Camera is the estimated EG3D camera of Aligned (FFHQ intrinsics).
	Camera camera.Camera
	// Landmarks are the 68 points in the photo; AlignedLandmarks the same points in Aligned.
	Landmarks, AlignedLandmarks faces.Landmarks
	// Box is the detector's box of the chosen face; Faces every face found, largest first.
	Box   faces.Box
	Faces []detect.Face
	// Transform maps photo coordinates to Aligned.
	Transform Transform
	// Residual is the camera fit's RMS landmark error in Aligned pixels.
	Residual float64
	// Warnings say what the caller may want to know: several faces, a crop past the photo's edges.
	Warnings []string
}

// Aligner holds the face models. It is safe for concurrent use.
type Aligner struct {
	detector *detect.Detector
	shape    *shape.Predictor
}

// New loads the face detector and landmark model from faces.Dir (see scripts/fetch-face-models.sh).
func New() (*Aligner, error) {
	fp, err := faces.Path(faces.FaceFinder)
	if err != nil {
		return nil, err
	}
	sp, err := faces.Path(faces.ShapePredictor)
	if err != nil {
		return nil, err
	}
	d, err := detect.Load(fp)
	if err != nil {
		return nil, err
	}
	s, err := shape.Load(sp)
	if err != nil {
		return nil, err
	}
	return NewWith(d, s), nil
}

// NewWith returns an Aligner using the given models.
func NewWith(d *detect.Detector, s *shape.Predictor) *Aligner { return &Aligner{detector: d, shape: s} }

// Photo reads the image at path and aligns its largest face. It loads the models on each call; use New and
// Aligner.Photo to align many photos.
func Photo(path string, opt Options) (*Result, error) {
	a, err := New()
	if err != nil {
		return nil, err
	}
	return a.Photo(path, opt)
}

// Photo reads the image at path (PNG or JPEG) and aligns its largest face.
func (a *Aligner) Photo(path string, opt Options) (*Result, error) {
	img, err := fimage.ReadImage(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnreadable, err)
	}
	r, err := a.Image(img, opt)
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", err, path)
	}
	return r, nil
}

// Image aligns the largest face of a 3-channel image in [-1, 1].
func (a *Aligner) Image(img *fimage.Image, opt Options) (*Result, error) {
	if img == nil || img.C != 3 || img.W < 16 || img.H < 16 || len(img.Pix) != img.C*img.H*img.W {
		return nil, fmt.Errorf("%w: want a 3-channel image of at least 16x16 pixels", ErrUnreadable)
	}
	if err := img.CheckFinite("photo"); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnreadable, err)
	}
	l, found, err := a.Find(img, opt)
	if err != nil {
		return nil, err
	}
	r := &Result{Photo: img, Faces: found, Box: found[0].Box, Landmarks: l}
	if len(found) > 1 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%d faces found; aligned the largest (%.0f px wide)", len(found), found[0].Box.Width()))
	}
	t, err := CropTransform(r.Landmarks.Five(), img.H)
	if err != nil {
		return nil, err
	}
	r.Transform = t
	if reg := t.Region(); reg.Min.X < 0 || reg.Min.Y < 0 || reg.Max.X > float64(img.W) || reg.Max.Y > float64(img.H) {
		r.Warnings = append(r.Warnings, fmt.Sprintf("the crop reaches past the photo's edges; padded with %v", opt.Padding))
	}
	if s := 1 / t.Scale; s < 0.5 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("the face is upsampled %.1fx to %d pixels", 1/s, t.Size))
	}
	r.Aligned = Warp(img, t, opt.Padding)
	for i, p := range r.Landmarks {
		r.AlignedLandmarks[i] = t.Apply(p)
	}
	r.Camera, r.Residual, err = FitCamera(&r.AlignedLandmarks, t.Size)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// Find detects the faces of img and returns the 68 landmarks of the largest, with every face found (largest
// first). It returns ErrNoFace or ErrTinyFace (wrapped) when there is no usable face.
func (a *Aligner) Find(img *fimage.Image, opt Options) (faces.Landmarks, []detect.Face, error) {
	gray := faces.GrayFrom(img)
	found := a.detector.Detect(gray, opt.Detect)
	if len(found) == 0 {
		return faces.Landmarks{}, nil, fmt.Errorf("%w in a %dx%d image (detector windows from %d pixels)", ErrNoFace, img.W, img.H, opt.Detect.MinSize)
	}
	l := a.Landmarks(gray, found[0].Box, opt.Refine)
	width := 2.5 * l[faces.LeftEyeOuter].Dist(l[faces.RightEyeOuter])
	if width < opt.MinFaceSize {
		return faces.Landmarks{}, nil, fmt.Errorf("%w: %.0f pixels wide, want at least %.0f", ErrTinyFace, width, opt.MinFaceSize)
	}
	return l, found, nil
}

// Camera estimates the EG3D camera of an image that is already framed like EG3D's crop (a generator's
// render, a pkg/heads view, an aligned photo), from its landmarks, without cropping. It returns the camera,
// the landmarks and the fit's RMS residual in pixels.
func (a *Aligner) Camera(img *fimage.Image, opt Options) (camera.Camera, faces.Landmarks, float64, error) {
	if img == nil || img.C != 3 || img.W != img.H {
		return camera.Camera{}, faces.Landmarks{}, 0, fmt.Errorf("%w: want a square 3-channel image", ErrUnreadable)
	}
	// Two starts: the detector's largest face, and where the frontal template sits in EG3D's framing
	// (synthetic or unusual faces defeat the cascade, or fool it into a small false box, more often than
	// they defeat the landmark model). The landmarks the template fits better win.
	starts := []faces.Landmarks{a.Landmarks(faces.GrayFrom(img), a.framedBox(img.W), opt.Refine+1)}
	if l, _, err := a.Find(img, opt); err == nil {
		starts = append(starts, l)
	} else if !errors.Is(err, ErrNoFace) {
		return camera.Camera{}, faces.Landmarks{}, 0, err
	}
	var best camera.Camera
	var bestL faces.Landmarks
	bestRes := math.Inf(1)
	for _, l := range starts {
		c, res, err := FitCamera(&l, img.W)
		if err == nil && res < bestRes {
			best, bestL, bestRes = c, l, res
		}
	}
	if math.IsInf(bestRes, 1) {
		return camera.Camera{}, faces.Landmarks{}, 0, fmt.Errorf("%w: no camera fits the landmarks", ErrNoFace)
	}
	return best, bestL, bestRes, nil
}

// framedBox returns the box dlib's model expects for the frontal template seen by the frontal FFHQ camera
// in a size x size image, in detector terms (the inverse of detectorToShapeBox).
func (a *Aligner) framedBox(size int) faces.Box {
	cam := camera.At(0, 0)
	pts := make([]faces.Point, 68)
	for i, p := range template68 {
		x, y, _ := cam.Project(TemplateWorld(p), size, size)
		pts[i] = faces.Point{X: x, Y: y}
	}
	b := a.shape.MeanBox(pts)
	c := b.Centre()
	c.Y -= 0.05 / 0.9 * b.Height()
	half := b.Width() / 0.9 / 2
	return faces.Box{Min: faces.Point{X: c.X - half, Y: c.Y - half}, Max: faces.Point{X: c.X + half, Y: c.Y + half}}
}

// Landmarks predicts the 68 landmarks of the face in box, then re-runs the model refine times in the box
// its previous landmarks imply (the box dlib's detector would have drawn), so the result does not depend on
// the detector's framing.
func (a *Aligner) Landmarks(gray *faces.Gray, box faces.Box, refine int) faces.Landmarks {
	box = detectorToShapeBox(box)
	l := a.shape.Predict(gray, box)
	for i := 0; i < refine; i++ {
		l = a.shape.Predict(gray, a.shape.MeanBox(l[:]))
	}
	return l
}

// detectorToShapeBox maps a pigo box to the framing dlib's model expects. pigo's square is about 1.2 times
// the face's width and centred a little below the eyes; dlib's box is about 0.9 of that, a bit lower. The
// refinement in Landmarks removes what is left of the difference.
func detectorToShapeBox(b faces.Box) faces.Box {
	c := b.Centre()
	half := 0.45 * b.Width()
	c.Y += 0.05 * b.Height()
	return faces.Box{Min: faces.Point{X: c.X - half, Y: c.Y - half}, Max: faces.Point{X: c.X + half, Y: c.Y + half}}
}
