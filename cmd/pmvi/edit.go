package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/pmvi/pmvi/models"
	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/checkpoint/npy"
	"github.com/pmvi/pmvi/pkg/edit"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/figures"
	"github.com/pmvi/pmvi/pkg/fimage"
	"github.com/pmvi/pmvi/pkg/heads"
)

func runEdit(args []string, stdout, stderr io.Writer) error {
	const summary = "edit an inverted head along an attribute direction: w + alpha*n (InterFaceGAN, paper supp. A.2)"
	fs := newFlags("edit", summary, stderr)
	network := fs.String("network", "", "generator the latent belongs to: "+models.Names()+" (embedded), an official EG3D .pkl or a pmvi .safetensors (required)")
	latent := fs.String("latent", "", "the inverted W+ code: an inversion's latent.npy, shape [1, NumWS, WDim] (required)")
	generator := fs.String("generator", "", "the tuned generator to render with: an inversion's generator.safetensors (default: --network)")
	direction := fs.String("direction", "", "an attribute name (with an embedded --network; found from its training identities, cached in --out) or a direction .npy of shape [1, w_dim] or [w_dim] (InterFaceGAN's boundary files) (required)")
	alpha := fs.Float64("alpha", 0, "edit strength: the distance moved along the unit direction n in W")
	sigma := fs.Bool("sigma", false, "read --alpha in standard deviations of the latents along the direction (directions found by name, or files with pmvi's .json sidecar)")
	layers := fs.String("layers", "all", "layers of the W+ code to edit: all, or FROM:TO (half-open; either side optional)")
	yaw := fs.Float64("yaw", 0, "camera yaw offset from the frontal view, radians")
	pitch := fs.Float64("pitch", 0, "camera pitch offset from the frontal view, radians")
	orbit := fs.Bool("orbit", false, "also render the edited head along the paper's 30-view orbit, as a GIF")
	samples := fs.Int("samples", edit.TinyRecipe().Sampling.Count, "latents sampled to find a direction by name (the paper: 500,000)")
	condition := fs.String("condition", "", "attributes to hold fixed, comma-separated: a direction found by name is made orthogonal to theirs (InterFaceGAN's conditional editing)")
	out := fs.String("out", "", "output directory (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *network == "" || *latent == "" || *direction == "" || *out == "" {
		fmt.Fprintln(fs.Output(), "pmvi edit: --network, --latent, --direction and --out are required (-h for help)")
		return errUsage
	}
	if math.IsNaN(*alpha) || math.IsInf(*alpha, 0) {
		return fmt.Errorf("--alpha %v: want a finite strength", *alpha)
	}
	for name, v := range map[string]float64{"--yaw": *yaw, "--pitch": *pitch} {
		if math.IsNaN(v) || math.Abs(v) > math.Pi {
			return fmt.Errorf("%s %v: want radians in [-pi, pi]", name, v)
		}
	}
	span, err := edit.ParseLayers(*layers)
	if err != nil {
		return fmt.Errorf("--layers: %w", err)
	}
	byName := !strings.EqualFold(filepath.Ext(*direction), ".npy")
	if byName {
		if !models.IsEmbedded(*network) {
			return fmt.Errorf("--direction %s: directions by attribute name need an embedded --network (%s: their training identities carry ground truth); give a direction .npy for other networks", *direction, models.Names())
		}
		if !slices.Contains(heads.AttributeNames(), *direction) {
			return fmt.Errorf("--direction %s: unknown attribute (known: %s)", *direction, strings.Join(heads.AttributeNames(), ", "))
		}
		if *samples < 2 {
			return fmt.Errorf("--samples %d: want at least 2", *samples)
		}
	}
	var held []string
	if *condition != "" {
		if !byName {
			return fmt.Errorf("--condition %s: only directions found by attribute name can be conditioned; condition a direction file yourself", *condition)
		}
		for _, c := range strings.Split(*condition, ",") {
			c = strings.TrimSpace(c)
			if !slices.Contains(heads.AttributeNames(), c) {
				return fmt.Errorf("--condition: unknown attribute %q (known: %s)", c, strings.Join(heads.AttributeNames(), ", "))
			}
			if c != *direction {
				held = append(held, c)
			}
		}
	}

	g, err := models.Load(*network)
	if err != nil {
		return err
	}
	ws, err := readLatent(*latent, &g.Config)
	if err != nil {
		return err
	}
	tuned := g
	if *generator != "" {
		if tuned, err = eg3d.Load(*generator); err != nil {
			return err
		}
		if tuned.Config.WDim != g.Config.WDim || tuned.Config.NumWS() != g.Config.NumWS() {
			return fmt.Errorf("--generator %s takes [1 %d %d] latents, --network %s [1 %d %d]", *generator,
				tuned.Config.NumWS(), tuned.Config.WDim, *network, g.Config.NumWS(), g.Config.WDim)
		}
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	be, err := backend.New()
	if err != nil {
		return err
	}

	var dir *edit.Direction
	if byName {
		var h *edit.Heads
		if h, err = embeddedHeads(*network, &g.Config); err == nil {
			dir, err = namedDirection(be, g, h, *direction, held, *samples, *out, stdout)
		}
	} else {
		dir, err = edit.ReadDirection(*direction, g.Config.WDim)
	}
	if err != nil {
		return err
	}
	strength, tag := *alpha, strconv.FormatFloat(*alpha, 'f', -1, 64)
	if *sigma {
		if dir.Sigma <= 0 {
			return fmt.Errorf("--sigma: direction %s has no known spread (no .json sidecar with sigma); give --alpha as a distance in W", *direction)
		}
		strength *= dir.Sigma
		tag += "sigma"
	}

	r := eg3d.NewRunner(tuned, be)
	opts := eg3d.RenderOptions{Deterministic: true}
	edited, err := edit.Apply(ws, dir.Normal, strength, span)
	if err != nil {
		return err
	}
	view, err := r.Render(edited, camera.At(*yaw, *pitch), opts)
	if err != nil {
		return err
	}
	base := filepath.Join(*out, "edit_alpha"+tag)
	data := tensors.MustCopyFlatData[float32](edited)
	if err := errors.Join(npy.WriteFloat32(base+".npy", data, edited.Shape().Dimensions...), fimage.WritePNG(base+".png", view.Image)); err != nil {
		return err
	}
	files := []string{filepath.Base(base) + ".png", filepath.Base(base) + ".npy"}
	if *orbit {
		frames, err := edit.Orbit(r, ws, dir.Normal, strength, span, opts)
		if err != nil {
			return err
		}
		if err := figures.WriteGIF(base+"_orbit.gif", frames, 60*time.Millisecond); err != nil {
			return err
		}
		files = append(files, filepath.Base(base)+"_orbit.gif")
	}
	fmt.Fprintf(stdout, "moved %.4g along %s on layers %s; wrote %s to %s\n", strength, *direction, span, strings.Join(files, ", "), *out)
	return nil
}

// embeddedHeads returns an embedded model's training identities with their learned latents.
func embeddedHeads(network string, cfg *eg3d.Config) (*edit.Heads, error) {
	latents, err := models.LatentsOf(network)
	if err != nil {
		return nil, err
	}
	info, err := models.InfoOf(network)
	if err != nil {
		return nil, err
	}
	h, err := edit.NewHeads(latents, cfg.WDim, info.TrainIdentities)
	if err != nil {
		return nil, fmt.Errorf("embedded model's training latents: %w", err)
	}
	return h, nil
}

// namedDirection returns the direction of a head-world attribute for the generator g whose training
// identities are h, found with edit.TinyRecipe (conditioned on the attributes held, if any) the first time and
// cached in dir as direction_NAME.npy or direction_NAME_given_A+B.npy (with its .json sidecar).
func namedDirection(be backends.Backend, g *eg3d.Generator, h *edit.Heads, name string, held []string, samples int, dir string, stdout io.Writer) (*edit.Direction, error) {
	file := "direction_" + name
	if len(held) > 0 {
		file += "_given_" + strings.Join(held, "+")
	}
	path := filepath.Join(dir, file+".npy")
	if exists(path) {
		return edit.ReadDirection(path, g.Config.WDim)
	}
	rc := edit.TinyRecipe()
	rc.Sampling.Count = samples
	rc.ConditionOn = held
	dirs, err := h.Directions(be, g, []string{name}, rc)
	if err != nil {
		return nil, err
	}
	d := dirs[0]
	// The recipe's accuracy is near 1 by construction (its scorer is linear); the SVM on the identities' own
	// latents and true values says whether the model's W encodes the attribute at all.
	truth, err := h.GroundTruth(name)
	if err != nil {
		return nil, err
	}
	direct, err := edit.Find(truth, edit.TruthOptions())
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(stdout, "direction of %s: SVM accuracy %.3f on %d held-out samples (paper's recipe), %.3f on %d held-out training identities (how well W encodes it); cached in %s\n",
		name, d.TestAccuracy, d.Test, direct.TestAccuracy, direct.Test, path)
	return d, edit.WriteDirection(path, d)
}
