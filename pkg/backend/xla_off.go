//go:build !xla

package backend

import (
	"fmt"

	"github.com/gomlx/gomlx/backends"
)

// XLALinked tells whether this binary has GoMLX's XLA backend: false in the default, pure-Go build.
const XLALinked = false

// newXLA reports that this binary has no XLA backend: the default build stays pure Go (no cgo).
func newXLA(config, _ string) (backends.Backend, error) {
	return nil, fmt.Errorf("backend: %s=%q asks for XLA, but this binary was built without it: rebuild with "+
		"`CGO_ENABLED=1 go build -tags xla` (then a PJRT plugin, e.g. CUDA's, is needed at run time), or use \"cpu\"",
		EnvVar, config)
}
