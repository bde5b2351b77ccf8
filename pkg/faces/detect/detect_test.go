package detect

import (
	"strings"
	"testing"

	"github.com/pmvi/pmvi/pkg/faces"
	"github.com/pmvi/pmvi/pkg/fimage"
)

func TestUnpackRejects(t *testing.T) {
	for _, data := range [][]byte{nil, []byte("short"), make([]byte, 64)} {
		if _, err := Unpack(data, "bad"); err == nil || !strings.Contains(err.Error(), "bad") {
			t.Errorf("Unpack(%d bytes): error %v, want one naming the file", len(data), err)
		}
	}
}

// The sample portrait has one face, found where its eyes are, and a blank image has none.
func TestDetectPortrait(t *testing.T) {
	cp, err := faces.Path(faces.FaceFinder)
	if err != nil {
		t.Skip("face models not fetched (scripts/fetch-face-models.sh)")
	}
	pp, err := faces.Path(faces.HopperPhoto)
	if err != nil {
		t.Skip("sample photos not fetched (scripts/fetch-face-models.sh)")
	}
	d, err := Load(cp)
	if err != nil {
		t.Fatal(err)
	}
	img, err := fimage.ReadImage(pp)
	if err != nil {
		t.Fatal(err)
	}
	found := d.Detect(faces.GrayFrom(img), DefaultOptions())
	if len(found) != 1 {
		t.Fatalf("found %d faces, want 1: %+v", len(found), found)
	}
	// Her eyes are near (200, 190) and (315, 190) in the 512x512 photo; the box must hold both and be
	// face-sized.
	b := found[0].Box
	for _, eye := range []faces.Point{{X: 200, Y: 190}, {X: 315, Y: 190}} {
		if eye.X < b.Min.X || eye.X > b.Max.X || eye.Y < b.Min.Y || eye.Y > b.Max.Y {
			t.Errorf("box %v misses the eye at %v", b, eye)
		}
	}
	if b.Width() < 150 || b.Width() > 300 {
		t.Errorf("box is %.0f px wide, want a face-sized 150-300", b.Width())
	}
	if n := len(d.Detect(faces.GrayFrom(fimage.New(3, 300, 300)), DefaultOptions())); n != 0 {
		t.Errorf("blank image: %d faces, want 0", n)
	}
}
