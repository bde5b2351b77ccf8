package main

import (
	"bytes"
	"strings"
	"testing"
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
