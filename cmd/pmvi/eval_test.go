package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Bad benchmark settings are refused with a one-line message naming the flag, before any case runs.
func TestEvalRejectsBadInput(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no out", nil, 2, "--out is required"},
		{"unknown method", []string{"--methods", "pti,magic"}, 1, "magic"},
		{"two step counts", []string{"--steps", "150,1000"}, 1, "W,PTI,FINAL"},
		{"bad preset", []string{"--preset", "fast"}, 1, "quick or paper"},
		{"file network without sidecar", []string{"--network", "x.pkl"}, 1, "sidecar"},
		{"negative steps", []string{"--steps", "150,-1,300"}, 1, `"-1"`},
		{"final from", []string{"--final-from", "scratch"}, 1, "tuned or original"},
		{"too many cases", []string{"--cases", "9999"}, 1, "--cases 9999"},
		{"bad shard", []string{"--shard", "3/2"}, 1, "shard"},
		{"shard count without an index", []string{"--shards", "4"}, 1, "without a shard index"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if tt.name != "no out" {
				args = append(args, "--out", dir)
			}
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"eval"}, args...), &stdout, &stderr)
			msg := stderr.String()
			if code != tt.code || !strings.Contains(msg, tt.want) || strings.Contains(msg, "goroutine") {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", code, msg, tt.code, tt.want)
			}
		})
	}
}

// A results directory remembers its settings (eval.json): rerunning into it with others would skip its
// finished cases and tabulate them as the new run's, so it is refused, as is a directory of cases that
// carry no record of theirs; the same settings go on where the directory stopped.
func TestEvalRefusesMixedSettings(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs a one-step case")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "bench")
	args := []string{"eval", "--network", "tiny", "--cases", "1", "--methods", "w", "--steps", "1", "--out", out}
	var stdout, stderr bytes.Buffer
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("first run: exit %d: %s", code, stderr.String())
	}
	stdout.Reset()
	stderr.Reset()
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("same settings again: exit %d: %s", code, stderr.String())
	}
	stderr.Reset()
	other := append(slices.Clone(args[:len(args)-4]), "--steps", "2", "--out", out)
	if code := run(other, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "other settings") || !strings.Contains(stderr.String(), `"steps":"2,2,2"`) {
		t.Errorf("other steps into the same directory: exit %d, stderr %q; want a refusal naming both settings", code, stderr.String())
	}
	// Cases from before eval.json existed.
	old := filepath.Join(dir, "old")
	if err := os.MkdirAll(old, 0o755); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(out, "case_000.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(old, "case_000.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	stderr.Reset()
	if code := run(append(slices.Clone(args[:len(args)-1]), old), &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "settings are unknown") {
		t.Errorf("cases without eval.json: exit %d, stderr %q; want a refusal", code, stderr.String())
	}
}
