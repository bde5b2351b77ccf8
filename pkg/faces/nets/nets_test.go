package nets

import (
	"os"
	"sync"
	"testing"

	"github.com/gomlx/onnx-gomlx/onnx"

	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/faces"
	"github.com/pmvi/pmvi/pkg/faces/detect"
	"github.com/pmvi/pmvi/pkg/faces/shape"
	"github.com/pmvi/pmvi/pkg/fimage"
)

func modelPath(t *testing.T, name string) string {
	t.Helper()
	p, err := faces.Path(name)
	if err != nil {
		t.Skip("face models not fetched (scripts/fetch-face-models.sh)")
	}
	return p
}

func opCounts(t *testing.T, data []byte) map[string]int {
	t.Helper()
	m, err := onnx.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, n := range m.Proto.Graph.Node {
		counts[n.OpType]++
	}
	return counts
}

// The rewrite removes every PRelu (five nodes each in its place) and gives every Slice its inputs.
func TestRewrite(t *testing.T) {
	for _, tt := range []struct{ file, op string }{{faces.FeatureNet, "PRelu"}, {faces.DetectNet, "Slice"}} {
		data, err := os.ReadFile(modelPath(t, tt.file))
		if err != nil {
			t.Fatal(err)
		}
		before := opCounts(t, data)
		out, err := rewrite(data)
		if err != nil {
			t.Fatal(err)
		}
		after := opCounts(t, out)
		switch tt.op {
		case "PRelu":
			n := before["PRelu"]
			if n == 0 || after["PRelu"] != 0 || after["Neg"] != before["Neg"]+n || after["Relu"] != before["Relu"]+2*n {
				t.Errorf("%s: PRelu %d -> %d, Neg %d -> %d, Relu %d -> %d; want every PRelu as Relu(x)-slope*Relu(-x)",
					tt.file, n, after["PRelu"], before["Neg"], after["Neg"], before["Relu"], after["Relu"])
			}
		case "Slice":
			m, _ := onnx.Parse(out)
			for _, node := range m.Proto.Graph.Node {
				if node.OpType == "Slice" && (len(node.Attribute) != 0 || len(node.Input) < 3) {
					t.Errorf("%s: Slice %q still has %d attributes and %d inputs", tt.file, node.Name, len(node.Attribute), len(node.Input))
				}
			}
			if before["Slice"] == 0 {
				t.Errorf("%s has no Slice to rewrite", tt.file)
			}
		}
	}
}

var (
	setupOnce sync.Once
	emb       *Embedder
	poseNet   *PoseNet
	setupErr  error
)

func nets(t *testing.T) (*Embedder, *PoseNet) {
	fp, pp := modelPath(t, faces.FeatureNet), modelPath(t, faces.PoseNet)
	setupOnce.Do(func() {
		b := backend.MustNew()
		if emb, setupErr = LoadEmbedder(b, fp); setupErr == nil {
			poseNet, setupErr = LoadPoseNet(b, pp)
		}
	})
	if setupErr != nil {
		t.Fatal(setupErr)
	}
	return emb, poseNet
}

// landmarks finds the 68 landmarks of the largest face of a sample photo.
func landmarks(t *testing.T, img *fimage.Image) faces.Landmarks {
	d, err := detect.Load(modelPath(t, faces.FaceFinder))
	if err != nil {
		t.Fatal(err)
	}
	s, err := shape.Load(modelPath(t, faces.ShapePredictor))
	if err != nil {
		t.Fatal(err)
	}
	g := faces.GrayFrom(img)
	found := d.Detect(g, detect.DefaultOptions())
	if len(found) == 0 {
		t.Fatal("no face in the sample photo")
	}
	b := found[0].Box
	c, half := b.Centre(), 0.45*b.Width()
	l := s.Predict(g, faces.Box{Min: faces.Point{X: c.X - half, Y: c.Y - half}, Max: faces.Point{X: c.X + half, Y: c.Y + half}})
	return s.Predict(g, s.MeanBox(l[:]))
}

// A face and its mirror image are the same person; the two sample photos are not. The pose network sees
// mirrored yaw and roll on the mirror image.
func TestEmbedAndPose(t *testing.T) {
	e, p := nets(t)
	var embs [][]float32
	var poses []Angles
	for _, name := range []string{faces.HopperPhoto, faces.AstronautPhoto} {
		img, err := fimage.ReadImage(modelPath(t, name))
		if err != nil {
			t.Fatal(err)
		}
		for _, im := range []*fimage.Image{img, img.Mirrored()} {
			l := landmarks(t, im)
			v, err := e.Embed(AlignArcFace(im, &l))
			if err != nil {
				t.Fatal(err)
			}
			embs = append(embs, v)
			a, err := p.Estimate(im, PoseCrop(&l))
			if err != nil {
				t.Fatal(err)
			}
			poses = append(poses, a)
		}
	}
	dot := func(a, b []float32) float64 {
		var s float64
		for i := range a {
			s += float64(a[i]) * float64(b[i])
		}
		return s
	}
	same1, same2 := dot(embs[0], embs[1]), dot(embs[2], embs[3])
	other := dot(embs[0], embs[2])
	t.Logf("cosine: hopper/mirror %.3f, astronaut/mirror %.3f, hopper/astronaut %.3f", same1, same2, other)
	if same1 < 0.8 || same2 < 0.8 || other > 0.4 {
		t.Errorf("cosines same %.3f %.3f, other %.3f; want same > 0.8 and other < 0.4", same1, same2, other)
	}
	for i := 0; i < 4; i += 2 {
		a, m := poses[i], poses[i+1]
		t.Logf("pose %+v, mirrored %+v", a, m)
		if abs(a.Yaw+m.Yaw) > 6 || abs(a.Pitch-m.Pitch) > 4 || abs(a.Yaw) > 15 {
			t.Errorf("pose %+v and mirrored %+v: want a near-frontal yaw that flips sign (±6°) and the same pitch (±4°)", a, m)
		}
	}
}

func TestEmbedRejectsSize(t *testing.T) {
	e, _ := nets(t)
	if _, err := e.Embed(fimage.New(3, 64, 64)); err == nil {
		t.Error("Embed of a 64x64 image: no error, want one")
	}
}

func abs(x float64) float64 { return max(x, -x) }
