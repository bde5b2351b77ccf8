package main

import (
	"bytes"
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
