// Package evalrun reopens a finished pmvi eval run for the measurement scripts (viewscores, pseudofit): its
// settings (eval.json), its case results, the network that made them and the held-out heads they inverted, so a
// script can render each case's stored stages against the same ground truth.
package evalrun

import (
	"fmt"

	"github.com/pmvi/pmvi/models"
	"github.com/pmvi/pmvi/pkg/benchmark"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/heads"
)

// Run is a results directory of pmvi eval, reopened.
type Run struct {
	Settings  benchmark.Settings
	Results   []*benchmark.CaseResult
	Generator *eg3d.Generator
	// Suite holds the held-out heads up to the highest case number the results hold.
	Suite *benchmark.Suite
}

// Open reads dir's eval.json and case files, and loads the network they name.
func Open(dir string) (*Run, error) {
	s, ok, err := benchmark.ReadSettings(dir)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%s has no %s: which network made it is unknown", dir, benchmark.SettingsFile)
	}
	results, err := benchmark.Load(dir)
	if err != nil {
		return nil, err
	}
	g, err := models.Load(s.Network)
	if err != nil {
		return nil, err
	}
	info, err := models.InfoOf(s.Network)
	if err != nil {
		return nil, err
	}
	v, err := heads.ParseVariant(s.Variant)
	if err != nil {
		return nil, err
	}
	n := 0
	for _, r := range results {
		n = max(n, r.Case+1)
	}
	if n > len(info.TestIdentities) {
		return nil, fmt.Errorf("%s: case %d, but %s has %d held-out heads", dir, n-1, s.Network, len(info.TestIdentities))
	}
	return &Run{Settings: s, Results: results, Generator: g, Suite: benchmark.Standard(g, info.TestIdentities[:n], v)}, nil
}
