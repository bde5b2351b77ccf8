//go:build !xla

package backend

import (
	"fmt"

	"github.com/gomlx/gomlx/backends"
)

// newXLA reports that this binary has no XLA backend: the default build stays pure Go (no cgo).
func newXLA(config, _ string) (backends.Backend, error) {
	return nil, fmt.Errorf("backend: %s=%q asks for XLA, but this binary was built without it: rebuild with "+
		"`-tags xla` (needs cgo and a PJRT plugin, e.g. CUDA's), or use \"cpu\"", EnvVar, config)
}
