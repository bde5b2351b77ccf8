package cpu

import (
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/notimplemented"
	"github.com/pkg/errors"

	"sync"
)

// The generated files (gen_*.go) are frozen copies of upstream's generator output: upstream's generators live in
// its internal/ tree and cannot run here, so edit them by hand (keeping each family consistent).

// BackendName is the name to use in GOMLX_BACKEND (e.g. GOMLX_BACKEND=cpu) to select this backend.
// It differs from stock simplego's "go", so both can be linked into one binary (tests compare them).
const BackendName = "cpu"

func init() {
	backends.Register(BackendName, New)
}

// New constructs a new CPU backend. config is a comma-separated list of options: parallelism=N (worker goroutines;
// 0 disables intra-op parallelism), gemm=go|avx2|avx512 (the float32 matrix-multiplication micro-kernel; default
// the fastest the CPU runs), ops_sequential (default) / ops_parallel / ops_dynamic (how independent ops of one graph are
// scheduled: one after another in graph order, all at once, or stock simplego's parallel-while-alone), and the DotGeneral debugging options
// dotgeneral_small, dotgeneral_large, dotgeneral_check.
func New(config string) (backends.Backend, error) {
	b := newDefaultBackend()
	parts := strings.Split(config, ",")
	for _, part := range parts {
		key := part
		var value string
		if eqPos := strings.Index(part, "="); eqPos != -1 {
			key, value = part[0:eqPos], part[eqPos+1:]
		}
		switch key {
		case "parallelism":
			vInt, err := strconv.Atoi(value)
			if err != nil {
				return nil, errors.Wrapf(err, "invalid value for %q in cpu backend config: needs an int, got %q", key, value)
			}
			b.workers.SetMaxParallelism(vInt)
		case "dotgeneral_small":
			// This will force DotGeneral operation to use the version designed for smaller matrices.
			b.dotGeneralForceProblemSize = smallProblemSize
		case "dotgeneral_large":
			// This will force DotGeneral operation to use the version designed for large matrices.
			b.dotGeneralForceProblemSize = largeProblemSize
		case "dotgeneral_check":
			// This will force every DotGeneral operation to be executed with both versions and the outputs compared.
			// This is used exclusively for debugging purposes.
			b.dotGeneralForceProblemSize = checkProblemSize
		case "gemm":
			// The float32 matrix-multiplication micro-kernel: "go", "avx2" or "avx512" (default: the fastest this
			// CPU runs). Tests use it to check every kernel.
			if err := b.gemm.selectFloat32(value); err != nil {
				return nil, errors.Wrap(err, "cpu backend config")
			}
		case "ops_sequential":
			// This will force the ops to be executed sequentially.
			// The default is running parallel if it's the only thing executing, otherwise sequentially.
			b.opsExecutionType = opsExecutionSequential
		case "ops_dynamic":
			// Stock simplego's default: parallel while only one graph executes, else sequential.
			b.opsExecutionType = opsExecutionDynamic
		case "ops_parallel":
			// This will force the ops to be executed in parallel where possible.
			// The default is running parallel if it's the only thing executing, otherwise sequentially.
			b.opsExecutionType = opsExecutionParallel
		case "stock":
			// Switch a fast path off (for comparisons and tests): stock=math, stock=reduce, ... or stock=all.
			if err := b.stock.set(value); err != nil {
				return nil, errors.Wrap(err, "cpu backend config")
			}
		case "op_stats":
			// Time every op (sequential mode only); see Backend.OpStats.
			b.opStats = &opStats{}
		case "":
			// No-op, just skip.
		default:
			return nil, errors.Errorf("unknown configuration option %q for cpu backend -- valid configuration options are: "+
				"parallelism=#workers, gemm=go|avx2|avx512, dotgeneral_small, dotgeneral_large, dotgeneral_check, ops_sequential, ops_parallel, ops_dynamic, op_stats, stock="+stockPathNames+"; see code for documentation", key)
		}
	}
	return b, nil
}

func newDefaultBackend() *Backend {
	// Ops run one after another in graph order by default: every hot op spreads its own work over the workers,
	// and running independent ops at once (stock simplego's default) started many branches early and kept
	// their results alive: EG3D's forward+backward peaked at 2.6x the memory (8.8 GiB live instead of 3.4).
	b := &Backend{gemm: defaultGemmKernels(), opsExecutionType: opsExecutionSequential}
	b.workers.Initialize()
	return b
}

// Backend implements the backends.Backend interface.
type Backend struct {
	// bufferPools are a map to pools of buffers that can be reused.
	// The underlying type is map[bufferPoolKey]*sync.Pool.
	bufferPools sync.Map
	// large caches the system-mapped memory of large buffers (buffers_large.go).
	large   largeAllocator
	workers workersPool

	numLiveExecutions atomic.Int32

	// gemm holds the matrix-multiplication micro-kernels of the convolution and DotGeneral executors.
	gemm gemmKernels

	// dotGeneralForceProblemSize allows a DotGeneral algorithm to always be used.
	dotGeneralForceProblemSize dotGeneralProblemSizeType

	// opsExecutionType defines how to execute the ops of a computation.
	opsExecutionType opsExecutionType

	// stock lists the fast paths switched off (option stock=...).
	stock stockPaths

	// opStats times every op when not nil (option op_stats).
	opStats *opStats

	// isFinalized is true if the backend has been isFinalized.
	isFinalized bool
}

// Compile-time check that simplego.Backend implements backends.Backend.
var _ backends.Backend = &Backend{}

// Name returns the short name of the backend. E.g.: "xla" for the Xla/PJRT plugin.
func (b *Backend) Name() string {
	return "pmvi CPU (fork of SimpleGo)"
}

// String implement backends.Backend.
func (b *Backend) String() string { return BackendName }

// Description is a longer description of the Backend that can be used to pretty-print.
func (b *Backend) Description() string {
	return "pure-Go CPU backend: a fork of GoMLX simplego v0.26.0 with the ops, gradients and kernels pmvi needs"
}

// NumDevices return the number of devices available for this Backend.
func (b *Backend) NumDevices() int {
	return 1
}

// DeviceDescription returns a description of the device with the given deviceNum.
func (b *Backend) DeviceDescription(deviceNum backends.DeviceNum) string {
	return "device#0"
}

// Capabilities returns information about what is supported by this backend.
func (b *Backend) Capabilities() backends.Capabilities {
	return Capabilities
}

// Builder creates a new builder used to construct a named computation.
func (b *Backend) Builder(name string) backends.Builder {
	builder := &Builder{
		backend: b,
		name:    name,
	}
	// Set the "not implemented" custom message:
	builder.Builder.ErrFn = notImplementedError
	return builder
}

func notImplementedError(opType backends.OpType) error {
	return errors.Wrapf(notimplemented.NotImplementedError, "sorry, op %q not implemented in the cpu backend",
		opType)
}

// Finalize releases all the associated resources immediately, and makes the backend invalid.
func (b *Backend) Finalize() {
	b.isFinalized = true
	b.bufferPools.Clear()
	b.large.releaseAll()
}

// IsFinalized returns true if the backend has been isFinalized.
func (b *Backend) IsFinalized() bool {
	return b.isFinalized
}
