package export

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/pmvi/pmvi/internal/nprand"
	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/checkpoint/npy"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/fimage"
)

func TestTrajectory(t *testing.T) {
	for _, tt := range []struct {
		name string
		n    int
		ok   bool
	}{{"eval", 5, true}, {"orbit", 30, true}, {"12", 12, true}, {"0", 0, false}, {"spiral", 0, false}} {
		cams, err := Trajectory(tt.name, 0.35, 0.25)
		if (err == nil) != tt.ok || len(cams) != tt.n {
			t.Errorf("Trajectory(%q): %d cameras, %v; want %d (ok %v)", tt.name, len(cams), err, tt.n, tt.ok)
		}
	}
	if _, err := Trajectory("8", 3, 0.2); err == nil {
		t.Error("a yaw range of 3 rad was accepted")
	}
}

// The novel views written are the renders at the trajectory's cameras, and their cameras read back.
func TestNovelViewsWritesWhatItRendered(t *testing.T) {
	g, err := eg3d.New(eg3d.Micro(), 2)
	if err != nil {
		t.Fatal(err)
	}
	r := eg3d.NewRunner(g, backend.MustNew())
	cam := camera.At(0, 0)
	ws, err := r.Mapping(nprand.Randn(1, g.Config.ZDim), cam, 1)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cams, _ := Trajectory("eval", 0, 0)
	opts := eg3d.RenderOptions{Deterministic: true}
	views, err := NovelViews(dir, r, ws, cams, opts)
	if err != nil {
		t.Fatal(err)
	}
	pix, shape, err := npy.ReadFloat32(filepath.Join(dir, "novel_views.npy"))
	if err != nil || len(shape) != 4 || shape[0] != 5 || shape[1] != 3 {
		t.Fatalf("novel_views.npy shape %v, %v", shape, err)
	}
	size := 3 * shape[2] * shape[3]
	for i, v := range views {
		for k, p := range v.Image.Pix {
			if pix[i*size+k] != p {
				t.Fatalf("view %d differs from its render in novel_views.npy", i)
			}
		}
	}
	labelled, err := camera.ReadDataset(filepath.Join(dir, "novel_cameras.json"))
	if err != nil || len(labelled) != 5 {
		t.Fatalf("novel_cameras.json: %d, %v", len(labelled), err)
	}
	png, err := fimage.ReadImage(filepath.Join(dir, labelled[2].File))
	if err != nil || png.H != views[2].Image.H {
		t.Errorf("%s: %v", labelled[2].File, err)
	}
	if err := Orbit(dir, r, ws, opts); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(filepath.Join(dir, "orbit.gif")); err != nil || st.Size() < 100 {
		t.Errorf("orbit.gif: %v", err)
	}
	if got := Files(dir); len(got) != 6 {
		t.Errorf("Files: %v, want the six novel-view and orbit entries", got)
	}
}
