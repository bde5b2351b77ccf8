package shape

import (
	"bytes"
	"errors"
	"math"
	"testing"

	"github.com/pmvi/pmvi/pkg/faces"
)

// encoder writes dlib's serialization, to build small models by hand.
type encoder struct{ bytes.Buffer }

func (e *encoder) int(v int64) {
	neg := byte(0)
	if v < 0 {
		neg, v = 0x80, -v
	}
	var b []byte
	for u := uint64(v); u != 0; u >>= 8 {
		b = append(b, byte(u))
	}
	e.WriteByte(byte(len(b)) | neg)
	e.Write(b)
}

func (e *encoder) float(f float32) { e.int(int64(math.Round(float64(f) * (1 << 20)))); e.int(-20) }

func (e *encoder) column(v ...float32) {
	e.int(-int64(len(v)))
	e.int(-1)
	for _, x := range v {
		e.float(x)
	}
}

// tinyModel has two parts at (0.25, 0.5) and (0.75, 0.5) of the box and one tree that moves part 0 right by
// 0.1 box widths when the pixel under part 0 is brighter than the one under part 1 by more than 10, and left
// by 0.1 otherwise.
func tinyModel(version int64) []byte {
	var e encoder
	e.int(version)
	e.column(0.25, 0.5, 0.75, 0.5)
	e.int(1) // levels
	e.int(1) // trees
	e.int(1) // splits
	e.int(0)
	e.int(1)
	e.float(10)
	e.int(2) // leaves
	e.column(0.1, 0, 0, 0)
	e.column(-0.1, 0, 0, 0)
	e.int(1) // anchor lists
	e.int(2)
	e.int(0)
	e.int(1)
	e.int(1) // delta lists
	e.int(2)
	for i := 0; i < 4; i++ {
		e.float(0)
	}
	return e.Bytes()
}

func TestPredictTinyModel(t *testing.T) {
	p, err := Read(bytes.NewReader(tinyModel(1)))
	if err != nil {
		t.Fatal(err)
	}
	if p.NumParts() != 2 || p.Levels() != 1 {
		t.Fatalf("model has %d parts and %d levels, want 2 and 1", p.NumParts(), p.Levels())
	}
	img := &faces.Gray{W: 11, H: 11, Pix: make([]uint8, 121)}
	box := faces.Box{Max: faces.Point{X: 11, Y: 11}} // dlib rectangle (0, 0)-(10, 10)
	// Part 0 reads pixel (2, 5) (index coordinates -0.5+10*0.25 = 2, 4.5 rounded up), part 1 pixel (7, 5).
	for _, tt := range []struct {
		name   string
		bright int
		want0  faces.Point
	}{
		{"dark", -1, faces.Point{X: 1.5, Y: 5}},
		{"bright under part 0", 5*11 + 2, faces.Point{X: 3.5, Y: 5}},
		{"bright under part 1", 5*11 + 7, faces.Point{X: 1.5, Y: 5}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clear(img.Pix)
			if tt.bright >= 0 {
				img.Pix[tt.bright] = 200
			}
			got := p.PredictParts(img, box)
			if got[0].Dist(tt.want0) > 1e-5 || got[1].Dist(faces.Point{X: 7.5, Y: 5}) > 1e-5 {
				t.Errorf("parts = %v, want [%v (7.5, 5)]", got, tt.want0)
			}
			// MeanBox of the mean shape's own placement gives the box back.
			if tt.bright < 0 {
				mean := []faces.Point{{X: 2.5, Y: 5}, {X: 7.5, Y: 5}}
				if b := p.MeanBox(mean); b.Min.Dist(box.Min) > 1e-9 || b.Max.Dist(box.Max) > 1e-9 {
					t.Errorf("MeanBox = %v, want %v", b, box)
				}
			}
		})
	}
}

func TestReadRejects(t *testing.T) {
	good := tinyModel(1)
	for _, tt := range []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"version 2", tinyModel(2)},
		{"truncated", good[:len(good)-3]},
		{"trailing bytes", append(append([]byte(nil), good...), 0)},
		{"text", []byte("shape predictor")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Read(bytes.NewReader(tt.data)); !errors.Is(err, ErrFormat) {
				t.Errorf("Read: error %v, want ErrFormat", err)
			}
		})
	}
}

// On the real model: the sample photo's landmarks form a face (eyes above the nose above the mouth, the jaw
// around them) whatever box of plausible size starts the prediction.
func TestRealModelOnPhoto(t *testing.T) {
	path, err := faces.Path(faces.ShapePredictor)
	if err != nil {
		t.Skip("face models not fetched (scripts/fetch-face-models.sh)")
	}
	p, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if p.NumParts() != 68 || p.Levels() != 15 {
		t.Fatalf("model has %d parts and %d levels, want 68 and 15", p.NumParts(), p.Levels())
	}
	img := syntheticFace()
	var first faces.Landmarks
	for i, box := range []faces.Box{
		{Min: faces.Point{X: 40, Y: 40}, Max: faces.Point{X: 160, Y: 160}},
		{Min: faces.Point{X: 30, Y: 45}, Max: faces.Point{X: 165, Y: 180}},
	} {
		l := p.Predict(img, box)
		for r := 0; r < 2; r++ {
			l = p.Predict(img, p.MeanBox(l[:]))
		}
		five := l.Five()
		if !(five[0].Y < five[2].Y && five[1].Y < five[2].Y && five[2].Y < five[3].Y && five[0].X < five[1].X) {
			t.Errorf("box %d: five points %v are not eyes above nose above mouth", i, five)
		}
		if i == 0 {
			first = l
			continue
		}
		// Refinement makes the result nearly independent of the starting box.
		var worst float64
		for k := range l {
			worst = max(worst, l[k].Dist(first[k]))
		}
		if worst > 4 {
			t.Errorf("landmarks moved up to %.1f px between starting boxes, want under 4", worst)
		}
	}
}

// syntheticFace draws a crude face (dark eyes, nostrils and mouth on a bright oval) in a 200x200 image.
func syntheticFace() *faces.Gray {
	g := &faces.Gray{W: 200, H: 200, Pix: make([]uint8, 200*200)}
	ellipse := func(cx, cy, rx, ry float64) func(x, y float64) bool {
		return func(x, y float64) bool { return sq((x-cx)/rx)+sq((y-cy)/ry) <= 1 }
	}
	face := ellipse(100, 105, 55, 72)
	dark := []func(x, y float64) bool{
		ellipse(78, 88, 9, 4), ellipse(122, 88, 9, 4), // eyes
		ellipse(76, 76, 14, 2.5), ellipse(124, 76, 14, 2.5), // brows
		ellipse(93, 120, 4, 2.5), ellipse(107, 120, 4, 2.5), // nostrils
		ellipse(100, 142, 18, 4), // mouth
	}
	for y := 0; y < 200; y++ {
		for x := 0; x < 200; x++ {
			v := uint8(40)
			if face(float64(x), float64(y)) {
				v = 190
				for _, d := range dark {
					if d(float64(x), float64(y)) {
						v = 50
					}
				}
			}
			g.Pix[y*200+x] = v
		}
	}
	return g
}

func sq(x float64) float64 { return x * x }
