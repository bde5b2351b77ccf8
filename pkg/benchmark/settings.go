package benchmark

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pmvi/pmvi/internal/atomicfile"
)

// SettingsFile is the file in a results directory that records what its cases were run with.
const SettingsFile = "eval.json"

// Settings are what a results directory's cases were run with (`pmvi eval`'s flags). A rerun, or another
// shard, with other settings is refused: it would skip the finished cases and tabulate them as its own.
type Settings struct {
	Network      string  `json:"network"`
	Methods      string  `json:"methods"`
	Variant      string  `json:"variant"`
	Preset       string  `json:"preset"`
	Steps        string  `json:"steps"`
	Patch        int     `json:"patch"`
	Seed         int64   `json:"seed"`
	Perceptual   string  `json:"perceptual"`
	CurveEvery   int     `json:"curve_every"`
	FinalFrom    string  `json:"final_from"`
	Perturb      float64 `json:"perturb_deg"`
	Views        int     `json:"views"`
	RefineCamera string  `json:"refine_camera"`
}

// String says in one line what a reader needs to place the results: the network, preset, step counts and the
// settings that differ from the defaults.
func (s Settings) String() string {
	parts := []string{"network " + s.Network, "preset " + s.Preset}
	if s.Steps != "" {
		parts = append(parts, "steps (W+,PTI,final) "+s.Steps)
	}
	if s.Patch > 0 {
		parts = append(parts, fmt.Sprintf("%dx%d patches", s.Patch, s.Patch))
	}
	if s.Variant != "" && s.Variant != "clean" {
		parts = append(parts, "variant "+s.Variant)
	}
	if s.Perturb != 0 {
		parts = append(parts, fmt.Sprintf("camera perturbed %g°", s.Perturb))
	}
	if s.RefineCamera != "" {
		parts = append(parts, "camera refined during "+s.RefineCamera)
	}
	if s.Views > 1 {
		parts = append(parts, fmt.Sprintf("%d input views", s.Views))
	}
	return strings.Join(parts, ", ")
}

// ReadSettings reads dir's eval.json. ok is false, with no error, when there is none: the directory holds
// nothing yet, or was made by a pmvi older than eval.json, whose settings are unknown.
func ReadSettings(dir string) (s Settings, ok bool, err error) {
	p := filepath.Join(dir, SettingsFile)
	data, err := os.ReadFile(p)
	if os.IsNotExist(err) {
		return s, false, nil
	}
	if err != nil {
		return s, false, err
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return s, false, fmt.Errorf("benchmark: %s: %w", p, err)
	}
	return s, true, nil
}

// RecordSettings writes s to dir's eval.json, refusing a directory whose cases were made with other settings
// (or whose cases carry no record of theirs).
func RecordSettings(dir string, s Settings) error {
	p := filepath.Join(dir, SettingsFile)
	old, ok, err := ReadSettings(dir)
	switch {
	case err != nil:
		return err
	case ok && old != s:
		a, _ := json.Marshal(old)
		b, _ := json.Marshal(s)
		return fmt.Errorf("%s records other settings than this run's, and its finished cases would be tabulated as this run's:\n  there: %s\n  here:  %s\nuse another --out, or delete the directory to start over", p, a, b)
	case ok:
		return nil
	}
	if cases, _ := filepath.Glob(filepath.Join(dir, "case_*.json")); len(cases) > 0 {
		return fmt.Errorf("%s holds cases without %s (made by an older pmvi): their settings are unknown; use another --out, or delete them", dir, SettingsFile)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	data, err := json.MarshalIndent(s, "", " ")
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(p, data)
}

// Describe says in one line what made the results in dir, for a notebook or a report to print above them.
func Describe(dir string) string {
	s, ok, err := ReadSettings(dir)
	switch {
	case err != nil:
		return err.Error()
	case !ok:
		return fmt.Sprintf("%s: no %s, so made by a pmvi before it recorded its settings (see results/README.md)", dir, SettingsFile)
	}
	return fmt.Sprintf("%s: %s", dir, s)
}
