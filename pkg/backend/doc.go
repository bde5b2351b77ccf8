// Package backend picks the GoMLX backend pmvi runs on and makes every backend compute the same, correct
// gradients. It is the foundation under every graph in pmvi (EG3D generator, inversion losses, training);
// model code calls New (or MustNew) and never knows which backend it got.
//
// # Choosing a backend
//
// New reads GoMLX's usual $GOMLX_BACKEND: unset, "cpu" or "go" give this project's pure-Go CPU engine
// (package cpu, a fork of GoMLX's simplego), "xla[:plugin]" gives GoMLX's XLA backend with a PJRT plugin (CUDA
// on a GPU) in binaries built with `-tags xla`. The default build needs no cgo.
//
// New returns one shared backend instance per configuration, so tensors pass freely between the packages that
// each call it.
//
// # The CPU engine
//
// Package cpu runs pmvi's graphs on the CPU with fast kernels: packed matrix multiplications with assembly
// micro-kernels (AVX2/AVX-512) for convolutions (transposed ones without multiplying inserted zeros) and
// DotGeneral, parallel element-wise and gather/slice executors, and buffers returned to the system as soon as
// the executor is done with them. It computes what the graph says; the XLA backend runs the same graphs. See
// ../../scripts/bench for its figures next to PyTorch's.
//
// # Gradients
//
// GoMLX v0.26.0 differentiates some ops wrongly or wastefully, whatever the backend. InstallGradients (called
// by New) replaces those VJPs in graph.VJPRegistration with the standard forms:
//
//   - DotGeneral, Dot: dA = dC·Bᵀ, dB = Aᵀ·dC for any batch/contracting axes (GoMLX's materializes an m·k·n
//     tensor: 1.5 GiB for a 512³ matmul).
//   - ConvGeneral: the transpose rule of a general dilated convolution, right for even kernels, strides,
//     negative padding, input dilation (transposed convolutions) and batch groups.
//   - Gather: clamps start indices like the forward pass, so GatherSlices at the border has a gradient.
//   - Rsqrt, Pad, Reverse: missing upstream.
//
// Each workaround has a test in upstream_test.go that observes the upstream problem on the pinned GoMLX and
// fails once it is fixed, so the workaround can be dropped.
//
// Graph operations the models need beyond GoMLX's (ResizeBilinear) are not here but in package ops, built
// from GoMLX ops so that every backend serves them and model code need not import this package.
package backend
