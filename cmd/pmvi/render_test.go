package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pmvi/pmvi/pkg/checkpoint/npy"
	"github.com/pmvi/pmvi/pkg/eg3d"
)

// microNetwork writes a fresh Micro generator checkpoint and returns its path.
func microNetwork(t *testing.T) string {
	t.Helper()
	g, err := eg3d.New(eg3d.Micro(), 3)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "micro.safetensors")
	if err := g.Save(path); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRenderWritesOutputs(t *testing.T) {
	net := microNetwork(t)
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := run([]string{"render", "--network", net, "--seed", "5", "--yaw", "0.3", "--deterministic", "--out", out}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for file, shape := range map[string][]int{"image.npy": {1, 3, 16, 16}, "image_raw.npy": {1, 3, 8, 8}, "depth.npy": {1, 1, 8, 8}} {
		_, got, err := npy.ReadFloat32(filepath.Join(out, file))
		if err != nil {
			t.Fatal(err)
		}
		if !equalInts(got, shape) {
			t.Errorf("%s: shape %v, want %v", file, got, shape)
		}
	}
	for _, f := range []string{"image.png", "depth.png"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	// The same seed renders the same image, without any flag (rendering is deterministic by default); another
	// seed another one; --jitter another again.
	again := t.TempDir()
	run([]string{"render", "--network", net, "--seed", "5", "--yaw", "0.3", "--out", again}, &stdout, &stderr)
	jittered := t.TempDir()
	run([]string{"render", "--network", net, "--seed", "5", "--yaw", "0.3", "--jitter", "--out", jittered}, &stdout, &stderr)
	other := t.TempDir()
	run([]string{"render", "--network", net, "--seed", "6", "--yaw", "0.3", "--deterministic", "--out", other}, &stdout, &stderr)
	a, _, _ := npy.ReadFloat32(filepath.Join(out, "image.npy"))
	b, _, _ := npy.ReadFloat32(filepath.Join(again, "image.npy"))
	c, _, _ := npy.ReadFloat32(filepath.Join(other, "image.npy"))
	j, _, _ := npy.ReadFloat32(filepath.Join(jittered, "image.npy"))
	if !equalFloats(a, b) || equalFloats(a, c) {
		t.Error("renders are not a function of the seed")
	}
	if len(j) != len(a) || equalFloats(a, j) {
		t.Error("--jitter rendered the deterministic image")
	}
}

func TestRenderRejectsBadInput(t *testing.T) {
	net := microNetwork(t)
	dir := t.TempDir()
	badZ := filepath.Join(dir, "z.npy")
	npy.WriteFloat32(badZ, make([]float32, 7), 7)
	corrupt := filepath.Join(dir, "corrupt.pkl")
	os.WriteFile(corrupt, []byte("garbage"), 0o644)
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no out", []string{"--seed", "1"}, 2, "required"},
		{"seed and z", []string{"--network", net, "--seed", "1", "--z", badZ, "--out", dir}, 1, "exactly one"},
		{"wrong z size", []string{"--network", net, "--z", badZ, "--out", dir}, 1, "z_dim is 16"},
		{"missing network", []string{"--network", filepath.Join(dir, "none.pkl"), "--seed", "1", "--out", dir}, 1, "none.pkl"},
		{"corrupt network", []string{"--network", corrupt, "--seed", "1", "--out", dir}, 1, "corrupt.pkl"},
		{"bad yaw", []string{"--network", net, "--seed", "1", "--yaw", "9", "--out", dir}, 1, "--yaw"},
		{"unknown flag", []string{"--network", net, "--bogus"}, 2, "bogus"},
		{"stray argument", []string{"--network", net, "--seed", "1", "--out", dir, "extra"}, 2, "extra"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"render"}, tt.args...), &stdout, &stderr)
			msg := stderr.String()
			if code != tt.code || !strings.Contains(msg, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", code, msg, tt.code, tt.want)
			}
			if strings.Contains(msg, "goroutine") {
				t.Errorf("stderr has a panic trace: %s", msg)
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func equalFloats(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
