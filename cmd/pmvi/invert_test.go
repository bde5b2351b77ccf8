package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/checkpoint/npy"
	"github.com/pmvi/pmvi/pkg/faces"
	"github.com/pmvi/pmvi/pkg/fimage"
	"github.com/pmvi/pmvi/pkg/invert"
)

// pmvi invert runs the paper's whole method and writes what a user keeps; run again on the same folder, it
// loads every stage instead of recomputing it.
func TestInvertWritesOutputsAndResumes(t *testing.T) {
	net := microNetwork(t)
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"render", "--network", net, "--seed", "2", "--yaw", "0.2", "--deterministic", "--out", dir}, &stdout, &stderr); code != 0 {
		t.Fatal(stderr.String())
	}
	out := filepath.Join(dir, "inv")
	args := []string{"invert", "--network", net, "--image", filepath.Join(dir, "image.npy"), "--yaw", "0.2", "--steps", "4", "--out", out}
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for file, shape := range map[string][]int{"latent.npy": {1, 6, 16}, "render.npy": {1, 3, 16, 16},
		"novel_views.npy": {5, 3, 16, 16}, "novel_depth.npy": {5, 1, 8, 8}} {
		_, got, err := npy.ReadFloat32(filepath.Join(out, file))
		if err != nil || !equalInts(got, shape) {
			t.Errorf("%s: shape %v (err %v), want %v", file, got, err, shape)
		}
	}
	cams, err := camera.ReadDataset(filepath.Join(out, "novel_cameras.json"))
	if err != nil || len(cams) != 5 {
		t.Fatalf("novel_cameras.json: %d cameras, %v", len(cams), err)
	}
	if yaw, _ := cams[1].Camera.YawPitch(); math.Abs(yaw+0.35) > 1e-6 {
		t.Errorf("second evaluation camera at yaw %.3f, want -0.35", yaw)
	}
	csv, err := os.ReadFile(filepath.Join(out, "losses.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(string(csv), "\n"); lines != 1+4+4+4 || !strings.HasPrefix(string(csv), "stage,step,loss,") {
		t.Errorf("losses.csv has %d lines, want a header and 12 steps:\n%s", lines, csv)
	}
	for _, f := range []string{"generator.safetensors", "final.safetensors", "render.png", "orbit.gif", "run.json",
		"novel_views/04.png", "novel_depth/00.png", "pseudo_views/00_visible.png", "pseudo_views/29_blended.png"} {
		if !exists(filepath.Join(out, f)) {
			t.Errorf("%s missing", f)
		}
	}
	// The same command again loads every stage: no progress lines, the same losses.
	stderr.Reset()
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("rerun: exit %d: %s", code, stderr.String())
	}
	if strings.Contains(stderr.String(), "final") {
		t.Errorf("the rerun ran stages again:\n%s", stderr.String())
	}
	csv2, _ := os.ReadFile(filepath.Join(out, "losses.csv"))
	if string(csv2) != string(csv) {
		t.Errorf("the rerun's losses.csv differs")
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
		{"bad stage", []string{"--network", net, "--image", good, "--stages", "w,xyz", "--out", dir}, "w,xyz"},
		{"stages without w", []string{"--network", net, "--image", good, "--yaw", "0", "--stages", "pti", "--out", dir}, "no method's chain"},
		{"bad method", []string{"--network", net, "--image", good, "--yaw", "0", "--method", "magic", "--out", dir}, "magic"},
		{"bad preset", []string{"--network", net, "--image", good, "--yaw", "0", "--preset", "fast", "--out", dir}, "quick or paper"},
		{"bad trajectory", []string{"--network", net, "--image", good, "--yaw", "0", "--trajectory", "spiral", "--out", dir}, "spiral"},
		{"patches with super-resolution", []string{"--network", net, "--image", good, "--yaw", "0", "--patch", "8", "--out", dir}, "super-resolution"},
		{"no such network", []string{"--network", filepath.Join(dir, "none.pkl"), "--image", good, "--yaw", "0", "--out", dir}, "none.pkl"},
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

// mainEnv makes the test binary run pmvi itself (TestMain), so a test can start, and kill, a real process.
const mainEnv = "PMVI_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if args := os.Getenv(mainEnv); args != "" {
		os.Exit(run(strings.Split(args, "\x1f"), os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// kill -9 during stage 3, then the same command again: W+, PTI and the pseudo views are loaded, not
// recomputed, and the novel views equal an uninterrupted run's exactly (every stage is deterministic, and a
// stage either finished and was stored whole or is run again from its start).
func TestInvertResumesAfterKill(t *testing.T) {
	net := microNetwork(t)
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"render", "--network", net, "--seed", "4", "--yaw", "-0.2", "--deterministic", "--out", dir}, &stdout, &stderr); code != 0 {
		t.Fatal(stderr.String())
	}
	args := func(out string) []string {
		return []string{"invert", "--network", net, "--image", filepath.Join(dir, "image.npy"), "--yaw", "-0.2", "--steps", "4,4,300", "--out", out}
	}
	whole, killed := filepath.Join(dir, "whole"), filepath.Join(dir, "killed")
	if code := run(args(whole), &stdout, &stderr); code != 0 {
		t.Fatalf("uninterrupted run: exit %d: %s", code, stderr.String())
	}

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), mainEnv+"="+strings.Join(args(killed), "\x1f"))
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	seen := make([]byte, 0, 4096)
	buf := make([]byte, 256)
	for !bytes.Contains(seen, []byte("4/4 final")) {
		n, err := pipe.Read(buf)
		if err != nil {
			t.Fatalf("the process ended before stage 3 (%v):\n%s", err, seen)
		}
		seen = append(seen, buf[:n]...)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no chance to save anything
		t.Fatal(err)
	}
	cmd.Wait()
	if exists(filepath.Join(killed, "final.json")) {
		t.Fatal("the killed run finished stage 3 before the kill; give stage 3 more steps")
	}

	if code := run(args(killed), &stdout, &stderr); code != 0 {
		t.Fatalf("rerun after kill: exit %d: %s", code, stderr.String())
	}
	var rec invert.RunRecord
	data, err := os.ReadFile(filepath.Join(killed, "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatal(err)
	}
	for _, s := range rec.Stages {
		if s.Loaded != (s.Stage != invert.StageFinal) {
			t.Errorf("after the kill, stage %s loaded=%v; want w, pti and pseudoviews loaded, final recomputed", s.Stage, s.Loaded)
		}
	}
	a, _, err := npy.ReadFloat32(filepath.Join(whole, "novel_views.npy"))
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := npy.ReadFloat32(filepath.Join(killed, "novel_views.npy"))
	if err != nil {
		t.Fatal(err)
	}
	worst := 0.0
	for i := range a {
		worst = math.Max(worst, math.Abs(float64(a[i]-b[i])))
	}
	if len(a) != len(b) || worst != 0 {
		t.Errorf("novel views after kill and rerun differ from the uninterrupted run's by up to %g", worst)
	}
}

// Two photos of one subject with their cameras, inverted together with camera refinement: one run, both views
// fitted, the refined cameras written as an EG3D dataset.json.
func TestInvertTwoViewsWithCameraRefinement(t *testing.T) {
	net := microNetwork(t)
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	var images []string
	for i, yaw := range []string{"0.2", "-0.3"} {
		sub := filepath.Join(dir, fmt.Sprint(i))
		if code := run([]string{"render", "--network", net, "--seed", "3", "--yaw", yaw, "--out", sub}, &stdout, &stderr); code != 0 {
			t.Fatal(stderr.String())
		}
		images = append(images, "--image", filepath.Join(sub, "image.npy"))
	}
	out := filepath.Join(dir, "inv")
	args := append(append([]string{"invert", "--network", net}, images...), "--yaw", "0.2,-0.3", "--refine-camera", "w,pti",
		"--steps", "3", "--pseudo-views", "3", "--orbit=false", "--out", out)
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	cams, err := camera.ReadDataset(filepath.Join(out, "refined_cameras.json"))
	if err != nil || len(cams) != 2 {
		t.Fatalf("refined_cameras.json: %d cameras, %v", len(cams), err)
	}
	if yaw, _ := cams[1].Camera.YawPitch(); math.Abs(yaw+0.3) > 0.05 {
		t.Errorf("the second view's refined camera is at yaw %.3f, its estimate -0.3: refinement at 3 steps moved it too far", yaw)
	}
	var rec invert.RunRecord
	data, _ := os.ReadFile(filepath.Join(out, "run.json"))
	if err := json.Unmarshal(data, &rec); err != nil || rec.Views != 2 || len(rec.Cameras) != 2 {
		t.Errorf("run.json: %d views, %d refined cameras (%v); want 2 and 2", rec.Views, len(rec.Cameras), err)
	}
	if !strings.Contains(stdout.String(), "refined camera 1: moved") {
		t.Errorf("the command did not say how far the cameras moved:\n%s", stdout.String())
	}
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"--yaw", "0.1,0.2,0.3"}, "3 values for 2 images"},
		{[]string{"--yaw", "0.1,0.2", "--refine-camera", "w,sideways"}, "sideways"},
		{[]string{"--yaw", "0.1,0.2", "--refine-camera", "focal"}, "name the stages"},
	} {
		stderr.Reset()
		args := append(append(append([]string{"invert", "--network", net}, images...), bad.args...), "--out", out)
		if code := run(args, &stdout, &stderr); code == 0 || !strings.Contains(stderr.String(), bad.want) {
			t.Errorf("%v: exit %d, stderr %q; want an error mentioning %q", bad.args, code, stderr.String(), bad.want)
		}
	}
}
