package train

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/pmvi/pmvi/internal/atomicfile"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/heads"
	"github.com/pmvi/pmvi/pkg/metrics"
)

// CurveFile is the learning curve a run writes into its directory.
const CurveFile = "curve.csv"

// RerenderScore is how well a generator re-renders its training identities from their learned latents at
// cameras it was not trained on.
type RerenderScore struct {
	// PSNR is the mean PSNR in dB of the final images against the head world's, DepthError the mean absolute
	// depth error (world units) on the head, over every identity and camera.
	PSNR, DepthError float64
}

// ScoreRerendering renders ids identities, drawn with a fixed seed from seeds (latents holds row i for
// seeds[i], WDim values each), at views cameras each with yaw in [-0.5, 0.5] and pitch in [-0.25, 0.25],
// deterministically, and compares them with the head world on a white background. The draws depend only on
// the counts, so every caller (the learning curve, the models' tests) scores the same views.
func ScoreRerendering(r *eg3d.Runner, latents []float32, seeds []uint64, ids, views int) (RerenderScore, error) {
	cfg := &r.Gen.Config
	if len(latents) != len(seeds)*cfg.WDim {
		return RerenderScore{}, fmt.Errorf("train: %d latent values for %d identities of %d dims", len(latents), len(seeds), cfg.WDim)
	}
	rng := rand.New(rand.NewPCG(99, 1))
	var score RerenderScore
	n := float64(ids * views)
	for k := 0; k < ids; k++ {
		i := rng.IntN(len(seeds))
		scene := heads.Scene{Identity: heads.NewIdentity(seeds[i]), Background: heads.Plain(1, 1, 1)}
		ws := broadcastW(latents[i*cfg.WDim:(i+1)*cfg.WDim], cfg.NumWS())
		for v := 0; v < views; v++ {
			cam := camera.At((2*rng.Float64()-1)*0.5, (2*rng.Float64()-1)*0.25)
			out, err := r.Render(ws, cam, eg3d.RenderOptions{Deterministic: true})
			if err != nil {
				return score, err
			}
			truth := heads.Render(scene, cam, cfg.ImageResolution)
			p, err := metrics.PSNR(out.Image, truth.RGB, nil)
			if err != nil {
				return score, fmt.Errorf("train: identity %d: %w", seeds[i], err)
			}
			depth, mask := heads.RenderDepth(scene, cam, cfg.NeuralResolution)
			d, _, err := metrics.DepthError(out.Depth, depth, mask)
			if err != nil {
				return score, fmt.Errorf("train: identity %d: %w", seeds[i], err)
			}
			score.PSNR += p / n
			score.DepthError += d / n
		}
	}
	return score, nil
}

// broadcastW returns w repeated for every synthesis layer: the ws [1, numWS, len(w)] of one latent.
func broadcastW(w []float32, numWS int) *tensors.Tensor {
	ws := make([]float32, 0, numWS*len(w))
	for i := 0; i < numWS; i++ {
		ws = append(ws, w...)
	}
	return tensors.FromFlatDataAndDimensions(ws, 1, numWS, len(w))
}

// CurvePoint is one row of a run's learning curve.
type CurvePoint struct {
	Step int
	RerenderScore
	// LearningRate is the network's rate at that step; Time when the point was measured.
	LearningRate float64
	Time         time.Time
}

// ReadCurve reads the learning curve of the run in dir (none yet is an empty curve).
func ReadCurve(dir string) ([]CurvePoint, error) {
	path := filepath.Join(dir, CurveFile)
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	defer f.Close()
	var curve []CurvePoint
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		if line == 1 {
			continue // header
		}
		fields := strings.Split(sc.Text(), ",")
		if len(fields) != 5 {
			return nil, fmt.Errorf("train: %s line %d: %d fields, want 5", path, line, len(fields))
		}
		var p CurvePoint
		var errs [5]error
		p.Step, errs[0] = strconv.Atoi(fields[0])
		p.PSNR, errs[1] = strconv.ParseFloat(fields[1], 64)
		p.DepthError, errs[2] = strconv.ParseFloat(fields[2], 64)
		p.LearningRate, errs[3] = strconv.ParseFloat(fields[3], 64)
		p.Time, errs[4] = time.Parse(time.RFC3339, fields[4])
		for _, e := range errs {
			if e != nil {
				return nil, fmt.Errorf("train: %s line %d: %w", path, line, e)
			}
		}
		curve = append(curve, p)
	}
	return curve, sc.Err()
}

// writeCurve writes curve to dir atomically.
func writeCurve(dir string, curve []CurvePoint) error {
	return atomicfile.Write(filepath.Join(dir, CurveFile), func(w io.Writer) error {
		fmt.Fprintln(w, "step,psnr_db,depth_error,learning_rate,time")
		for _, p := range curve {
			fmt.Fprintf(w, "%d,%.4f,%.5f,%.6g,%s\n", p.Step, p.PSNR, p.DepthError, p.LearningRate, p.Time.UTC().Format(time.RFC3339))
		}
		return nil
	})
}

// recordCurve scores the run's current state after step done of phase 1 and adds the point to the curve,
// replacing points at or after done (left by a run that was killed before its next checkpoint).
func (s *session) recordCurve(done int) error {
	latents, err := s.latentValues()
	if err != nil {
		return err
	}
	trainSeeds, _ := heads.Split(s.o.SplitSeed, s.o.Identities, s.o.TestIdentities)
	g := &eg3d.Generator{Config: s.o.Config, Context: s.ctx}
	score, err := ScoreRerendering(eg3d.NewRunner(g, s.be), latents, trainSeeds, s.o.CurveIdentities, s.o.CurveViews)
	if err != nil {
		return fmt.Errorf("train: learning curve at step %d: %w", done, err)
	}
	curve, err := ReadCurve(s.o.Dir)
	if err != nil {
		return err
	}
	kept := curve[:0]
	for _, p := range curve {
		if p.Step < done {
			kept = append(kept, p)
		}
	}
	kept = append(kept, CurvePoint{Step: done, RerenderScore: score, LearningRate: phase1Rate(s.o, done-1), Time: time.Now()})
	return writeCurve(s.o.Dir, kept)
}
