package backend

import (
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"

	"github.com/pmvi/pmvi/pkg/backend/cpu"
)

// EnvVar is the environment variable that selects the backend, GoMLX's usual one.
const EnvVar = backends.ConfigEnvVar // "GOMLX_BACKEND"

// New returns the backend selected by $GOMLX_BACKEND, after installing the gradient fixes (InstallGradients).
//
// The value is "name" or "name:options":
//
//   - empty or unset: the pure-Go CPU engine of this project (package cpu), which is also what "cpu" and "go"
//     name. "go" is GoMLX's name for its pure-Go backend; here it gets the fixed fork, since stock simplego
//     lacks ops pmvi's graphs need. Options are cpu.New's (e.g. "cpu:parallelism=1").
//   - "xla", "xla:cuda", "xla:cpu" (or the aliases "stablehlo", "hlo", "shlo"): GoMLX's XLA backend with the
//     named PJRT plugin. It is only linked into binaries built with `-tags xla` (it needs cgo); plugins are
//     looked up as GoMLX does ($PJRT_PLUGIN_LIBRARY_PATH, the standard library paths) and never downloaded.
//
// Every call with the same configuration returns the same backend instance, shared by the whole process:
// GoMLX tensors that live on one backend instance cannot be used on another ("cannot use the same Tensor
// across backends"), so two packages that each call New must get one engine to pass tensors between them.
// A shared backend that someone finalized is replaced by a new one on the next call.
//
// Errors name what was asked for and why it is not available.
func New() (backends.Backend, error) {
	return NewWithConfig(os.Getenv(EnvVar))
}

// NewWithConfig is New with the configuration given instead of read from $GOMLX_BACKEND. Like New, it returns
// one shared instance per configuration ("", "cpu" and "go" with the same options are one configuration).
func NewWithConfig(config string) (backends.Backend, error) {
	InstallGradients()
	name, options, _ := strings.Cut(config, ":")
	key := config
	switch name {
	case "", cpu.BackendName, "go":
		key = cpu.BackendName + ":" + options
	}
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if b, ok := shared.backends[key]; ok && !b.IsFinalized() {
		return b, nil
	}
	b, err := newBackend(config, name, options)
	if err != nil {
		return nil, err
	}
	if shared.backends == nil {
		shared.backends = map[string]backends.Backend{}
	}
	shared.backends[key] = b
	return b, nil
}

// shared holds the process's backends, one per configuration (see New).
var shared struct {
	mu       sync.Mutex
	backends map[string]backends.Backend
}

// newBackend creates a backend instance.
func newBackend(config, name, options string) (backends.Backend, error) {
	switch name {
	case "", cpu.BackendName, "go":
		b, err := cpu.New(options)
		if err != nil {
			return nil, fmt.Errorf("backend: %s=%q: %w", EnvVar, config, err)
		}
		return b, nil
	case "xla", "stablehlo", "hlo", "shlo":
		return newXLA(config, options)
	default:
		return nil, fmt.Errorf("backend: %s=%q: unknown backend %q, want \"cpu\" (default), \"go\" or \"xla[:plugin]\"",
			EnvVar, config, name)
	}
}

// MustNew is New for tests and examples: it panics on error.
func MustNew() backends.Backend {
	b, err := New()
	if err != nil {
		panic(err)
	}
	return b
}

var installOnce sync.Once

// InstallGradients replaces or adds, in GoMLX's graph.VJPRegistration, the gradients this package fixes:
// DotGeneral and Dot (memory-lean textbook form), ConvGeneral (correct for every kernel size, stride, padding,
// dilation and grouping, and defined for input dilation), Gather (indices clamped as the forward pass clamps
// them), and the missing Rsqrt, Pad and Reverse. They are
// graph-level, so they apply to every backend, XLA included, with the same math.
//
// New calls it; call it directly only when building a backend by other means. It is idempotent and safe for
// concurrent use, but like any change to GoMLX's registry it must happen before gradients are being built.
func InstallGradients() {
	installOnce.Do(func() {
		reg := graph.VJPRegistration
		reg[graph.NodeTypeDotGeneral] = singleOutput(dotGeneralVJP)
		reg[graph.NodeTypeDot] = singleOutput(dotVJP)
		reg[graph.NodeTypeConvGeneral] = singleOutput(convGeneralVJP)
		reg[graph.NodeTypeGather] = singleOutput(gatherVJP)
		for nodeType, vjp := range map[graph.NodeType]graph.SingleOutputVJP{
			graph.NodeTypeRsqrt:   rsqrtVJP,
			graph.NodeTypePad:     padVJP,
			graph.NodeTypeReverse: reverseVJP,
		} {
			if _, found := reg[nodeType]; !found {
				reg[nodeType] = singleOutput(vjp)
			}
		}
	})
}

// singleOutput adapts a VJP of a single-output node to graph.VJP.
func singleOutput(vjp graph.SingleOutputVJP) graph.VJP {
	return func(node *graph.Node, vjpOutputs []*graph.Node, outputShape shapes.Shape) []*graph.Node {
		return vjp(node, vjpOutputs[0], outputShape)
	}
}
