package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

// The README's first command, at two steps a stage: every figure is written and every PSNR it prints is a
// real number of a plausible size.
func TestDemoWritesFigures(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs every stage of an inversion")
	}
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"demo", "--steps", "2", "--out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, name := range []string{"input.png", "demo-stages.png", "demo-pseudo-views.png", "demo-novel-views.png", "demo-orbit.gif"} {
		if st, err := os.Stat(filepath.Join(out, name)); err != nil || st.Size() < 1000 {
			t.Errorf("%s: missing or nearly empty (%v)", name, err)
		}
	}
	psnrs := regexp.MustCompile(`(\d+\.\d+) dB`).FindAllStringSubmatch(stdout.String(), -1)
	if len(psnrs) != 5 { // input view after W+, PTI, ours; novel views of PTI and ours
		t.Fatalf("printed %d PSNRs, want 5:\n%s", len(psnrs), stdout.String())
	}
	for _, m := range psnrs {
		if p, _ := strconv.ParseFloat(m[1], 64); p < 8 || p > 60 {
			t.Errorf("PSNR %s dB out of any plausible range:\n%s", m[1], stdout.String())
		}
	}
}
