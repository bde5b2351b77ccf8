// Package cpu is pmvi's pure-Go CPU backend for GoMLX, registered as "cpu": a fork of GoMLX v0.26.0's
// backends/simplego (Apache-2.0, see LICENSE and README.md in this folder) that adds what simplego lacks for
// pmvi and fixes what it got wrong:
//
//   - no deadlock when ops run in parallel (workersPool.ParallelFor never waits for a pool slot);
//   - Pad, Reverse, DynamicSlice, DynamicUpdateSlice, SelectAndScatterMax/Min (the MaxPool gradient);
//   - ConvGeneral: strides and dilations default to 1, grouped/dilated/batch-grouped convolutions no longer
//     crash, batch groups read the right examples, and float32/float64 run a packed im2col + matrix
//     multiplication kernel over all cores (about 15x stock on a 64-channel 3x3 conv);
//   - Scatter: windows smaller than the operand land in the right place, out-of-range windows are skipped;
//   - executor panics are returned as errors instead of killing the process from a pool goroutine.
//
// Programs normally get it through package backend (backend.New), which also installs the gradient fixes.
package cpu
