package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/pmvi/pmvi/internal/fixture"
	"github.com/pmvi/pmvi/models"
	"github.com/pmvi/pmvi/pkg/benchmark"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/checkpoint/npy"
	"github.com/pmvi/pmvi/pkg/faces"
	"github.com/pmvi/pmvi/pkg/fimage"
	"github.com/pmvi/pmvi/pkg/heads"
	"github.com/pmvi/pmvi/pkg/metrics"
)

// One pipeline, not two: a held-out head saved as a PNG and inverted by pmvi invert at its true camera gives
// novel views whose PSNR against the head world's truth equals what pmvi eval records for that head with the
// same settings, to 0.01 dB. (A few steps a stage by default; PMVI_LONG=1 runs the quick preset itself.)
func TestInvertOfAPNGEqualsTheBenchmark(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: inverts a head twice")
	}
	steps := []string{"--steps", "6"}
	if os.Getenv("PMVI_LONG") == "1" {
		steps = []string{"--preset", "quick"}
	}
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	eval := append([]string{"eval", "--network", models.DefaultName, "--cases", "1", "--methods", "ours", "--out", filepath.Join(dir, "eval")}, steps...)
	if code := run(eval, &stdout, &stderr); code != 0 {
		t.Fatalf("eval: exit %d: %s", code, stderr.String())
	}
	data, err := os.ReadFile(benchmark.CasePath(filepath.Join(dir, "eval"), 0))
	if err != nil {
		t.Fatal(err)
	}
	var rec benchmark.CaseResult
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatal(err)
	}

	g, err := models.Load(models.DefaultName)
	if err != nil {
		t.Fatal(err)
	}
	info, err := models.InfoOf(models.DefaultName)
	if err != nil {
		t.Fatal(err)
	}
	c, err := benchmark.Standard(g, info.TestIdentities[:1], heads.Clean).Case(0)
	if err != nil {
		t.Fatal(err)
	}
	png := filepath.Join(dir, "head.png")
	if err := fimage.WritePNG(png, c.Input.RGB); err != nil {
		t.Fatal(err)
	}
	yaw, pitch := c.Camera.YawPitch()
	if d := camera.At(yaw, pitch).Label(); !equalFloats(d, c.Camera.Label()) {
		t.Fatal("the case's camera is not At(yaw, pitch); pass it another way")
	}
	inv := append([]string{"invert", "--network", models.DefaultName, "--image", png,
		"--yaw", strconv.FormatFloat(yaw, 'g', -1, 64), "--pitch", strconv.FormatFloat(pitch, 'g', -1, 64),
		"--trajectory", "eval", "--orbit=false", "--out", filepath.Join(dir, "inv")}, steps...)
	if code := run(inv, &stdout, &stderr); code != 0 {
		t.Fatalf("invert: exit %d: %s", code, stderr.String())
	}
	views, shape, err := npy.ReadFloat32(filepath.Join(dir, "inv", "novel_views.npy"))
	if err != nil {
		t.Fatal(err)
	}
	n, size := shape[0], shape[1]*shape[2]*shape[3]
	psnr := 0.0
	for i := 0; i < n; i++ {
		img, err := fimage.FromPix(shape[1], shape[2], shape[3], views[i*size:(i+1)*size])
		if err != nil {
			t.Fatal(err)
		}
		p, err := metrics.PSNR(img, c.Truth[i].RGB, nil)
		if err != nil {
			t.Fatal(err)
		}
		psnr += p / float64(n)
	}
	want := rec.Scores[benchmark.Ours].NovelPSNR
	t.Logf("novel-view PSNR: pmvi invert %.4f dB, pmvi eval %.4f dB", psnr, want)
	if math.Abs(psnr-want) > 0.01 {
		t.Errorf("pmvi invert's novel views score %.4f dB, pmvi eval recorded %.4f dB for the same head", psnr, want)
	}
}

// The whole method on a network in NVIDIA's pickle format (the parity fixtures' G.pkl, a 512-pixel EG3D with
// super-resolution), one step a stage and two pseudo views.
func TestInvertRunsEveryStageOnAnOfficialPickle(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: a 512-pixel EG3D on the CPU")
	}
	pkl := filepath.Join(fixture.Dir(t), "tiny", "G.pkl")
	dir := t.TempDir()
	cam := camera.At(0.2, 0)
	png := filepath.Join(dir, "head.png")
	if err := fimage.WritePNG(png, heads.Render(heads.NewScene(11), cam, 512).RGB); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	args := []string{"invert", "--network", pkl, "--image", png, "--yaw", "0.2", "--steps", "1", "--pseudo-views", "2",
		"--trajectory", "1", "--orbit=false", "--out", filepath.Join(dir, "inv")}
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	checkRun(t, filepath.Join(dir, "inv"), 512)
}

// A photo without a camera is aligned, its camera estimated, and every stage run.
func TestInvertAlignsAPhotoAndRunsEveryStage(t *testing.T) {
	photo := filepath.Join(faces.Dir(), "photos", "grace_hopper_512x512.jpg")
	if !exists(photo) {
		t.Skip("sample photos not fetched (scripts/fetch-face-models.sh)")
	}
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	args := []string{"invert", "--network", "tiny", "--image", photo, "--steps", "2", "--pseudo-views", "3",
		"--orbit=false", "--out", dir}
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !exists(filepath.Join(dir, "aligned.png")) {
		t.Error("no aligned.png")
	}
	checkRun(t, dir, 128)
}

// checkRun checks that dir holds a finished run of method ours with images of size x size.
func checkRun(t *testing.T, dir string, size int) {
	t.Helper()
	var rec struct {
		Method string `json:"method"`
		Stages []struct {
			Stage string `json:"stage"`
		} `json:"stages"`
	}
	data, err := os.ReadFile(filepath.Join(dir, "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Method != "ours" || len(rec.Stages) != 4 {
		t.Errorf("run.json: method %q with %d stages, want ours with 4", rec.Method, len(rec.Stages))
	}
	_, shape, err := npy.ReadFloat32(filepath.Join(dir, "novel_views.npy"))
	if err != nil || shape[2] != size || shape[3] != size {
		t.Errorf("novel_views.npy: shape %v, %v; want %dx%d views", shape, err, size, size)
	}
	for _, f := range []string{"final.safetensors", "pseudo_views/01_blended.png"} {
		if !exists(filepath.Join(dir, f)) {
			t.Errorf("%s missing", f)
		}
	}
}
