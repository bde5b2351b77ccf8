package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pmvi/pmvi/pkg/train"
)

// Unusable training sizes are refused with a one-line message before any view is rendered.
func TestTrainTinyRejectsBadSizes(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no rays", []string{"--rays", "0"}, "0 rays"},
		{"batch over identities", []string{"--identities", "8", "--batch", "9"}, "batch 9"},
		{"one identity", []string{"--identities", "1", "--batch", "1"}, "1 identities"},
		{"no views", []string{"--views", "0"}, "0 views"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"train-tiny", "--dir", dir, "--out", dir + "/g.safetensors"}, tt.args...), &stdout, &stderr)
			msg := stderr.String()
			if code != 1 || !strings.Contains(msg, tt.want) || strings.Contains(msg, "goroutine") {
				t.Errorf("exit %d, stderr %q; want exit 1 mentioning %q", code, msg, tt.want)
			}
		})
	}
}

// The sidecar's command is the one that makes the model anywhere: this machine's folders are left out.
func TestWithoutPaths(t *testing.T) {
	got := strings.Join(withoutPaths([]string{"--preset", "small", "--dir", "/work/run/small", "--out=/x/small.safetensors", "--steps1", "20000", "-snapshot"}), " ")
	if want := "--preset small --steps1 20000"; got != want {
		t.Errorf("withoutPaths: %q, want %q", got, want)
	}
}

// A run's learning curve is drawn beside its CSV; a run without one draws nothing.
func TestWriteCurvePlot(t *testing.T) {
	dir := t.TempDir()
	if path, err := writeCurvePlot(dir); err != nil || path != "" {
		t.Fatalf("no curve: wrote %q, error %v; want nothing", path, err)
	}
	csv := "step,psnr_db,depth_error,learning_rate,time\n" +
		"1000,17.46,0.03,0.002,2026-12-07T09:40:00Z\n2000,19.29,0.02,0.002,2026-12-07T10:00:00Z\n3000,19.91,0.017,0.002,2026-12-07T10:20:00Z\n"
	if err := os.WriteFile(filepath.Join(dir, train.CurveFile), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	path, err := writeCurvePlot(dir)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if b := img.Bounds(); b.Dx() < 400 || b.Dy() < 200 {
		t.Errorf("%s is %v, want a readable plot", path, b)
	}
}
