package explore

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/pmvi/pmvi/internal/atomicfile"
	"github.com/pmvi/pmvi/pkg/checkpoint/safetensors"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/invert"
)

// cache.go: stage results on disk, so that a notebook cell (a new process each run) or a test finds what an
// earlier run computed. Each inversion is an invert.Workspace in a folder named by a hash of everything it
// depends on; stage-3 runs are stored in it under names hashed from their settings.

// CacheDirEnv names the environment variable that overrides DefaultCacheDir.
const CacheDirEnv = "PMVI_EXPLORE_CACHE"

// cacheVersion changes whenever what the folders hold, or how they are keyed, changes.
const cacheVersion = "pmvi-explore/1"

// DefaultCacheDir returns $PMVI_EXPLORE_CACHE when set, otherwise pmvi/explore in the user's cache folder
// (~/.cache/pmvi/explore on Linux), or "" (no disk cache) when there is none.
func DefaultCacheDir() string {
	if d := os.Getenv(CacheDirEnv); d != "" {
		return d
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "pmvi", "explore")
}

// inversionKey hashes what stages 1 and 2 depend on: the generator's weights and config, the input image
// and camera, and the options of stages 1 and 2 and of rendering.
func inversionKey(g *eg3d.Generator, t invert.Target, o invert.Options) (string, error) {
	f, err := g.Safetensors()
	if err != nil {
		return "", fmt.Errorf("explore: hashing the generator: %w", err)
	}
	h := sha256.New()
	fmt.Fprintln(h, cacheVersion)
	if err := safetensors.Encode(h, f); err != nil {
		return "", fmt.Errorf("explore: hashing the generator: %w", err)
	}
	fmt.Fprintf(h, "\n%d %d %d\n", t.Image.C, t.Image.H, t.Image.W)
	binary.Write(h, binary.LittleEndian, t.Image.Pix)
	binary.Write(h, binary.LittleEndian, t.Camera.Label())
	fmt.Fprintf(h, "\nseed=%d render=%+v patch=%d\n", o.Seed, o.Render, o.Patch)
	fmt.Fprintf(h, "w: steps=%d lr=%v ramp=%v,%v avg=%d noise=%v,%v optnoise=%v noisereg=%v loss=%+v\n",
		o.WSteps, o.WLearningRate, o.WRampUp, o.WRampDown, o.WAvgSamples, o.WNoise, o.WNoiseRamp, o.OptimizeNoise,
		o.NoiseRegularization, o.WLoss)
	fmt.Fprintf(h, "pti: steps=%d lr=%v stop=%v loss=%+v\n", o.PTISteps, o.PTILearningRate, o.PTIStopLoss, o.PTILoss)
	return hex.EncodeToString(h.Sum(nil))[:24], nil
}

// finalName names stage 3's result for s in the inversion's workspace, from a hash of what it depends on
// beyond stages 1 and 2: the pseudo views' mesh and visibility, the learning rate and s.Stage3.
func finalName(o invert.Options, s Settings) string {
	pv := o.PseudoViews
	h := sha256.New()
	fmt.Fprintln(h, cacheVersion)
	fmt.Fprintf(h, "mesh=%+v visibility=%+v warp=%v splat=%+v lr=%v seed=%d render=%+v\n",
		pv.Mesh, pv.Visibility, pv.Warp, pv.Splat, o.FinalLearningRate, o.Seed, o.Render)
	fmt.Fprintln(h, s.Stage3())
	return "final-" + hex.EncodeToString(h.Sum(nil))[:16]
}

// store is an inversion's folder in the cache; a nil *store keeps nothing.
type store struct {
	invert.Workspace
}

// newStore returns the folder of the inversion with key under dir, or nil when dir is "".
func newStore(dir, key string) *store {
	if dir == "" {
		return nil
	}
	return &store{invert.Workspace{Dir: filepath.Join(dir, key)}}
}

// has reports whether the folder holds file.
func (s *store) has(file string) bool {
	if s == nil {
		return false
	}
	_, err := os.Stat(filepath.Join(s.Dir, file))
	return err == nil
}

// timing is what the cache keeps beside a stage's result that invert.Workspace does not: how long it took.
type timing struct {
	Seconds float64 `json:"seconds"`
}

// took returns the run time recorded for the result name, 0 when none was.
func (s *store) took(name string) time.Duration {
	if s == nil {
		return 0
	}
	data, err := os.ReadFile(filepath.Join(s.Dir, "timing-"+name+".json"))
	if err != nil {
		return 0
	}
	var t timing
	if json.Unmarshal(data, &t) != nil {
		return 0
	}
	return time.Duration(t.Seconds * float64(time.Second))
}

// setTook records the run time of the result name (atomically; a failure only loses the timing).
func (s *store) setTook(name string, d time.Duration) {
	if s == nil {
		return
	}
	data, _ := json.Marshal(timing{Seconds: d.Seconds()}) // a float always marshals
	if os.MkdirAll(s.Dir, 0o755) != nil {
		return
	}
	path := filepath.Join(s.Dir, "timing-"+name+".json")
	atomicfile.WriteBytes(path, data) // only a timing: a failed write costs nothing
}

// final returns the stage-3 result stored as name, or compute's (stored unless it failed).
func (s *store) final(name string, compute func() (*invert.FinalResult, error)) (*invert.FinalResult, error) {
	if s == nil {
		return compute()
	}
	return s.Final(name, name, compute) // the name is a hash of the settings: it is the key
}
