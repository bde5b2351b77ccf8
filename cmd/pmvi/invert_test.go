package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/checkpoint/npy"
	"github.com/pmvi/pmvi/pkg/faces"
	"github.com/pmvi/pmvi/pkg/fimage"
)

func TestInvertWritesOutputsAndResumes(t *testing.T) {
	net := microNetwork(t)
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"render", "--network", net, "--seed", "2", "--yaw", "0.2", "--deterministic", "--out", dir}, &stdout, &stderr); code != 0 {
		t.Fatal(stderr.String())
	}
	out := filepath.Join(dir, "inv")
	args := []string{"invert", "--network", net, "--image", filepath.Join(dir, "image.npy"), "--yaw", "0.2", "--steps", "8", "--out", out}
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for file, shape := range map[string][]int{"latent.npy": {1, 6, 16}, "render.npy": {1, 3, 16, 16}} {
		_, got, err := npy.ReadFloat32(filepath.Join(out, file))
		if err != nil || !equalInts(got, shape) {
			t.Errorf("%s: shape %v (err %v), want %v", file, got, err, shape)
		}
	}
	csv, err := os.ReadFile(filepath.Join(out, "losses.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(string(csv), "\n"); lines != 1+8+8 || !strings.HasPrefix(string(csv), "stage,step,loss,lr,") {
		t.Errorf("losses.csv has %d lines, want a header and 16 steps:\n%s", lines, csv)
	}
	for _, f := range []string{"generator.safetensors", "render.png"} {
		if !exists(filepath.Join(out, f)) {
			t.Errorf("%s missing", f)
		}
	}
	// --resume skips both finished stages: no new loss rows.
	stderr.Reset()
	if code := run(append(args, "--resume"), &stdout, &stderr); code != 0 {
		t.Fatalf("resume: exit %d: %s", code, stderr.String())
	}
	csv2, _ := os.ReadFile(filepath.Join(out, "losses.csv"))
	if strings.Count(string(csv2), "\n") != 1 {
		t.Errorf("resumed run logged steps again:\n%s", csv2)
	}
}

func TestInvertRejectsBadInput(t *testing.T) {
	net := microNetwork(t)
	dir := t.TempDir()
	small := filepath.Join(dir, "small.npy")
	npy.WriteFloat32(small, make([]float32, 3*8*8), 1, 3, 8, 8)
	good := filepath.Join(dir, "good.npy")
	npy.WriteFloat32(good, make([]float32, 3*16*16), 1, 3, 16, 16)
	blank := filepath.Join(dir, "blank.png")
	fimage.WritePNG(blank, fimage.New(3, 64, 64))
	badCam := filepath.Join(dir, "cam.json")
	os.WriteFile(badCam, []byte("[1, 2, 3]"), 0o644)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"wrong size", []string{"--network", net, "--image", small, "--yaw", "0", "--out", dir}, "is 8x8"},
		{"array without pose", []string{"--network", net, "--image", good, "--out", dir}, "--yaw/--pitch"},
		{"photo without face", []string{"--network", net, "--image", blank, "--out", dir}, "face"},
		{"bad camera", []string{"--network", net, "--image", good, "--camera", badCam, "--out", dir}, "25"},
		{"bad stage", []string{"--network", net, "--image", good, "--stages", "w,xyz", "--out", dir}, "xyz"},
		{"pti without latent", []string{"--network", net, "--image", good, "--yaw", "0", "--stages", "pti", "--out", filepath.Join(dir, "empty")}, "latent.npy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"invert"}, tt.args...), &stdout, &stderr)
			if code == 0 || !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("exit %d, stderr %q, want an error mentioning %q", code, stderr.String(), tt.want)
			}
		})
	}
}

func TestAlignWritesCropCameraAndOverlay(t *testing.T) {
	photo := filepath.Join(faces.Dir(), "photos", "grace_hopper_512x512.jpg")
	if !exists(photo) {
		t.Skip("sample photos not fetched (scripts/fetch-face-models.sh)")
	}
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"align", "--image", photo, "--out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	items, err := camera.ReadDataset(filepath.Join(out, "dataset.json"))
	if err != nil || len(items) != 1 {
		t.Fatalf("dataset.json: %v, %d items", err, len(items))
	}
	img, err := fimage.ReadImage(filepath.Join(out, items[0].File))
	if err != nil || img.W != 512 || img.H != 512 {
		t.Fatalf("aligned image: %v %dx%d, want 512x512", err, img.W, img.H)
	}
	if yaw, pitch := items[0].Camera.YawPitch(); math.Abs(yaw) > 0.3 || math.Abs(pitch) > 0.3 {
		t.Errorf("a frontal portrait got camera yaw %.2f pitch %.2f", yaw, pitch)
	}
}
