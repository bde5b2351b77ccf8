package train

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/pmvi/pmvi/internal/atomicfile"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/heads"
)

// View is one training view of an identity, at two resolutions.
type View struct {
	Camera camera.Camera
	// Image is the colour at the image resolution, 3 x Res x Res bytes (planar RGB).
	Image []uint8
	// Raw, Mask and Depth are at the neural-rendering resolution NR: Raw the colour in [-1, 1] (3 planes,
	// the image area-averaged), Mask the coverage in [0, 1], Depth the ray distance (0 where no head).
	Raw, Mask, Depth []float32
}

// Identity is the training data of one head.
type Identity struct {
	Seed  uint64
	Views []View
}

// DataOptions say which views to render.
type DataOptions struct {
	// Res is the image resolution and NR the neural-rendering resolution (Res a multiple of NR).
	Res, NR int
	// Views per identity, with yaw and pitch offsets drawn uniformly within ±YawRange and ±PitchRange.
	Views                int
	YawRange, PitchRange float64
	// Background is the scene background (the model composites onto white, so white by default).
	Background heads.Background
}

// viewPoses draws the cameras of one identity's views, deterministically from its seed.
func viewPoses(seed uint64, o DataOptions) []camera.Pose {
	rng := rand.New(rand.NewPCG(seed, 0x76696577)) // "view"
	poses := make([]camera.Pose, o.Views)
	for i := range poses {
		poses[i] = camera.Pose{Yaw: (2*rng.Float64() - 1) * o.YawRange, Pitch: (2*rng.Float64() - 1) * o.PitchRange}
	}
	return poses
}

// RenderIdentity renders the training views of the identity of seed.
func RenderIdentity(seed uint64, o DataOptions) Identity {
	scene := heads.Scene{Identity: heads.NewIdentity(seed), Background: o.Background}
	id := Identity{Seed: seed}
	for _, p := range viewPoses(seed, o) {
		cam := p.Camera()
		v := heads.Render(scene, cam, o.Res)
		depth, mask := heads.RenderDepth(scene, cam, o.NR)
		view := View{Camera: cam, Image: make([]uint8, 3*o.Res*o.Res), Mask: mask.Pix, Depth: depth.Pix}
		for i, x := range v.RGB.Pix {
			view.Image[i] = uint8(math.Round(math.Min(255, math.Max(0, (float64(x)+1)*127.5))))
		}
		for i, d := range view.Depth {
			if math.IsInf(float64(d), 0) {
				view.Depth[i] = 0
			}
		}
		raw, err := v.RGB.Downsample(o.Res / o.NR)
		if err != nil {
			panic(err) // Options.Validate checked that Res is a multiple of NR
		}
		view.Raw = raw.Pix
		id.Views = append(id.Views, view)
	}
	return id
}

// LoadOrRender returns the identities of seeds, reading each from its cache file in dir when present
// and rendering (and caching) it otherwise, on all cores. progress is called as identities become ready.
func LoadOrRender(dir string, seeds []uint64, o DataOptions, progress func(done, total int)) ([]Identity, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	out := make([]Identity, len(seeds))
	errs := make([]error, len(seeds))
	var mu sync.Mutex
	done := 0
	work := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				out[i], errs[i] = loadOrRenderOne(dir, seeds[i], o)
				mu.Lock()
				done++
				if progress != nil {
					progress(done, len(seeds))
				}
				mu.Unlock()
			}
		}()
	}
	for i := range seeds {
		work <- i
	}
	close(work)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// cacheFile names an identity's cache by everything that determines its content.
func cacheFile(dir string, seed uint64, o DataOptions) string {
	return filepath.Join(dir, fmt.Sprintf("id%d_r%d_n%d_v%d_y%.3f_p%.3f_bg%.2f-%.2f-%.2f.gob", seed, o.Res, o.NR, o.Views,
		o.YawRange, o.PitchRange, o.Background.Top[0], o.Background.Top[1], o.Background.Top[2]))
}

func loadOrRenderOne(dir string, seed uint64, o DataOptions) (Identity, error) {
	path := cacheFile(dir, seed, o)
	if data, err := os.ReadFile(path); err == nil {
		var id Identity
		if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&id); err == nil && len(id.Views) == o.Views {
			return id, nil
		}
		// A damaged cache file (e.g. an interrupted write) is rendered again.
	}
	id := RenderIdentity(seed, o)
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(id); err != nil {
		return Identity{}, fmt.Errorf("train: encoding identity %d: %w", seed, err)
	}
	if err := atomicfile.WriteBytes(path, buf.Bytes()); err != nil {
		return Identity{}, fmt.Errorf("train: %w", err)
	}
	return id, nil
}
