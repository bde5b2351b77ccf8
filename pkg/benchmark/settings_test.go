package benchmark

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRecordSettings(t *testing.T) {
	quick := Settings{Network: "small", Methods: "pti", Variant: "clean", Preset: "quick", Steps: "150,1000,0", CurveEvery: 50, Views: 1}
	other := quick
	other.Network = "tiny"
	for _, tc := range []struct {
		name    string
		prepare func(dir string) // what the directory holds before RecordSettings(dir, quick)
		wantErr string           // "" when RecordSettings must accept the directory
	}{
		{"empty directory", func(string) {}, ""},
		{"the same settings", func(dir string) { must(t, RecordSettings(dir, quick)) }, ""},
		{"other settings", func(dir string) { must(t, RecordSettings(dir, other)) }, `"network":"tiny"`},
		{"cases without eval.json", func(dir string) {
			must(t, os.WriteFile(filepath.Join(dir, "case_000.json"), []byte("{}"), 0o644))
		}, "made by an older pmvi"},
		{"corrupt eval.json", func(dir string) {
			must(t, os.WriteFile(filepath.Join(dir, SettingsFile), []byte("{network"), 0o644))
		}, SettingsFile},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.prepare(dir)
			err := RecordSettings(dir, quick)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("RecordSettings: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("RecordSettings: got error %v, want one naming %q", err, tc.wantErr)
			case tc.wantErr != "":
				return
			}
			got, ok, err := ReadSettings(dir)
			if err != nil || !ok || got != quick {
				t.Fatalf("ReadSettings = %+v, %v, %v; want %+v", got, ok, err, quick)
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	dir := t.TempDir()
	if got := Describe(dir); !strings.Contains(got, "before it recorded its settings") {
		t.Errorf("Describe(no eval.json) = %q", got)
	}
	s := Settings{Network: "small", Preset: "quick", Steps: "150,150,150", Patch: 64, Perturb: 6, RefineCamera: "w", Views: 1}
	must(t, RecordSettings(dir, s))
	got := Describe(dir)
	for _, want := range []string{"network small", "preset quick", "150,150,150", "64x64 patches", "perturbed 6°", "refined during w"} {
		if !strings.Contains(got, want) {
			t.Errorf("Describe = %q, missing %q", got, want)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
