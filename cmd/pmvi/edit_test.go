package main

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pmvi/pmvi/pkg/backend"
	"github.com/pmvi/pmvi/pkg/checkpoint/npy"
	"github.com/pmvi/pmvi/pkg/edit"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/heads"
	"github.com/pmvi/pmvi/pkg/train"
)

// editInputs writes a W+ code for the Micro network ([1, 6, 16]) and a unit direction in InterFaceGAN's
// layout ([1, 16]) with a sidecar giving its spread, and returns their paths.
func editInputs(t *testing.T) (latent, direction string) {
	t.Helper()
	dir := t.TempDir()
	cfg := eg3d.Micro()
	ws := make([]float32, cfg.NumWS()*cfg.WDim)
	for i := range ws {
		ws[i] = float32(math.Sin(float64(i))) * 0.3
	}
	latent = filepath.Join(dir, "latent.npy")
	if err := npy.WriteFloat32(latent, ws, 1, cfg.NumWS(), cfg.WDim); err != nil {
		t.Fatal(err)
	}
	n := make([]float32, cfg.WDim)
	n[3], n[7] = 0.6, -0.8
	direction = filepath.Join(dir, "boundary.npy")
	if err := edit.WriteDirection(direction, &edit.Direction{Attribute: "test", Normal: n, Sigma: 0.5}); err != nil {
		t.Fatal(err)
	}
	return latent, direction
}

// The edit moves exactly the chosen layers by alpha (times sigma) along the direction, and writes the
// edited latent, its render and, with --orbit, the orbit GIF.
func TestEditWritesOutputs(t *testing.T) {
	net := microNetwork(t)
	latent, direction := editInputs(t)
	tests := []struct {
		name  string
		flags []string
		files []string
		moved float64 // expected shift of value 3 on layer 0 (n[3] = 0.6)
		layer int     // a layer that must not move (-1: none)
	}{
		{"all layers", []string{"--alpha", "2"}, []string{"edit_alpha2.png", "edit_alpha2.npy"}, 1.2, -1},
		{"sigma units, first layers, orbit", []string{"--alpha", "-1.5", "--sigma", "--layers", "0:2", "--orbit", "--yaw", "0.3"},
			[]string{"edit_alpha-1.5sigma.png", "edit_alpha-1.5sigma.npy", "edit_alpha-1.5sigma_orbit.gif"}, -1.5 * 0.5 * 0.6, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			var stdout, stderr bytes.Buffer
			args := append([]string{"--network", net, "--latent", latent, "--direction", direction, "--out", out}, tt.flags...)
			if err := runEdit(args, &stdout, &stderr); err != nil {
				t.Fatalf("%v: %s", err, stderr.String())
			}
			for _, f := range tt.files {
				if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
					t.Errorf("%s missing or empty (%v); stdout %q", f, err, stdout.String())
				}
			}
			before, _, _ := npy.ReadFloat32(latent)
			after, shape, err := npy.ReadFloat32(filepath.Join(out, tt.files[1]))
			if err != nil || len(shape) != 3 || shape[1] != 6 || shape[2] != 16 {
				t.Fatalf("edited latent shape %v (%v), want [1 6 16]", shape, err)
			}
			if d := float64(after[3] - before[3]); math.Abs(d-tt.moved) > 1e-5 {
				t.Errorf("layer 0 moved by %v along the direction's 4th value, want %v", d, tt.moved)
			}
			if tt.layer >= 0 {
				if i := tt.layer*16 + 3; after[i] != before[i] {
					t.Errorf("layer %d moved outside --layers", tt.layer)
				}
			}
		})
	}
}

// Bad inputs give one-line errors that name the culprit.
func TestEditRejectsBadInput(t *testing.T) {
	net := microNetwork(t)
	latent, direction := editInputs(t)
	dir := t.TempDir()
	wide := filepath.Join(dir, "wide.npy")
	npy.WriteFloat32(wide, make([]float32, 32), 1, 32)
	bare := filepath.Join(dir, "bare.npy")
	n := make([]float32, 16)
	n[0] = 1
	npy.WriteFloat32(bare, n, 16)
	shortLatent := filepath.Join(dir, "short.npy")
	npy.WriteFloat32(shortLatent, make([]float32, 16), 1, 1, 16)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"direction shape", []string{"--network", net, "--latent", latent, "--direction", wide}, "[1 32]"},
		{"latent shape", []string{"--network", net, "--latent", shortLatent, "--direction", direction}, "[1 6 16]"},
		{"missing latent", []string{"--network", net, "--latent", filepath.Join(dir, "none.npy"), "--direction", direction}, "none.npy"},
		{"missing direction", []string{"--network", net, "--latent", latent, "--direction", filepath.Join(dir, "nope.npy")}, "nope.npy"},
		{"missing network", []string{"--network", filepath.Join(dir, "g.pkl"), "--latent", latent, "--direction", direction}, "g.pkl"},
		{"name needs tiny", []string{"--network", net, "--latent", latent, "--direction", "smile"}, "an embedded --network"},
		{"unknown attribute", []string{"--network", "tiny", "--latent", latent, "--direction", "charisma"}, "unknown attribute"},
		{"sigma unknown", []string{"--network", net, "--latent", latent, "--direction", bare, "--sigma", "--alpha", "1"}, "no known spread"},
		{"bad layers", []string{"--network", net, "--latent", latent, "--direction", direction, "--layers", "4:2"}, "layers"},
		{"layers past the end", []string{"--network", net, "--latent", latent, "--direction", direction, "--layers", "2:9"}, "6 layers"},
		{"unknown condition", []string{"--network", "tiny", "--latent", latent, "--direction", "smile", "--condition", "beard,charm"}, "charm"},
		{"condition a file", []string{"--network", net, "--latent", latent, "--direction", direction, "--condition", "beard"}, "attribute name"},
		{"bad yaw", []string{"--network", net, "--latent", latent, "--direction", direction, "--yaw", "7"}, "--yaw"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := runEdit(append(tt.args, "--out", t.TempDir()), &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("got %v, want a one-line error mentioning %q", err, tt.want)
			}
		})
	}
	var stdout, stderr bytes.Buffer
	if err := runEdit([]string{"--network", net}, &stdout, &stderr); !errors.Is(err, errUsage) || !strings.Contains(stderr.String(), "required") {
		t.Errorf("missing flags: %v, %q; want a usage error", err, stderr.String())
	}
}

// A direction by name is found from the identities' latents and ground truth once, then read from its
// cache in the output directory. The identities' latents here encode skin tone along the first axis, and the
// mapping network draws from their Gaussian, as the embedded model's does.
func TestEditNamedDirectionIsCached(t *testing.T) {
	cfg := eg3d.Micro()
	cfg.ZeroConditioning = true
	g, err := eg3d.New(cfg, 3)
	if err != nil {
		t.Fatal(err)
	}
	d := g.Config.WDim
	seeds, _ := heads.Split(5, 96, 0)
	latents := make([]float32, len(seeds)*d)
	for i, s := range seeds {
		tone, _ := heads.NewIdentity(s).Attribute("skin_tone")
		for j := range d {
			latents[i*d+j] = float32(math.Sin(float64(7*i+j))) * 0.1
		}
		latents[i*d] += float32(tone)
	}
	h, err := edit.NewHeads(latents, d, seeds)
	if err != nil {
		t.Fatal(err)
	}
	gauss, err := train.FitGaussian(latents, len(seeds), d)
	if err != nil {
		t.Fatal(err)
	}
	if err := train.SetMapping(g, gauss); err != nil {
		t.Fatal(err)
	}
	be := backend.MustNew()
	out := t.TempDir()
	var stdout bytes.Buffer
	first, err := namedDirection(be, g, h, "skin_tone", nil, 2000, out, &stdout)
	if err != nil {
		t.Fatal(err)
	}
	if first.Normal[0] < 0.9 || !strings.Contains(stdout.String(), "skin_tone") {
		t.Errorf("skin tone direction %v (want close to the first axis), report %q", first.Normal, stdout.String())
	}
	t.Log(strings.TrimSpace(stdout.String()))
	stdout.Reset()
	again, err := namedDirection(be, g, h, "skin_tone", nil, 2000, out, &stdout)
	if err != nil {
		t.Fatal(err)
	}
	if stdout.Len() != 0 || again.Normal[0] != first.Normal[0] || again.Sigma != first.Sigma {
		t.Errorf("second call recomputed (%q) or read back a different direction", stdout.String())
	}
	// Conditioned on hair length, the direction is a new one with its own cache file, and stays so on reading.
	stdout.Reset()
	held := []string{"hair_length"}
	cond, err := namedDirection(be, g, h, "skin_tone", held, 2000, out, &stdout)
	if err != nil {
		t.Fatal(err)
	}
	if stdout.Len() == 0 || !exists(filepath.Join(out, "direction_skin_tone_given_hair_length.npy")) {
		t.Errorf("conditioned direction came from the unconditioned cache (%q)", stdout.String())
	}
	read, err := namedDirection(be, g, h, "skin_tone", held, 2000, out, &stdout)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(read.ConditionedOn, held) || !slices.Equal(read.Normal, cond.Normal) {
		t.Errorf("cached conditioned direction reads back conditioned on %v", read.ConditionedOn)
	}
}
