// Package checkpoint reads the official EG3D network pickles and PyTorch
// checkpoints in pure Go, without Python and without executing anything.
//
// It is the first step of every experiment in pmvi: the inversion (W+
// optimization, PTI, the pseudo-multi-view optimization) starts from a
// pretrained EG3D generator, and LoadEG3D reads the released
// ffhqrebalanced512-128.pkl (or the fixture made with the official code) into
// a Network: every parameter and buffer of G_ema by its official state_dict
// name ("backbone.mapping.fc0.weight", "backbone.mapping.w_avg", ...) with
// shape and dtype, the tensor attribute renderer.plane_axes, the non-tensor
// attributes of every submodule (gains, clamps, resolutions), and the
// constructor and rendering kwargs stored in the file, so that package eg3d
// builds the model the file describes.
//
// The formats read:
//
//   - EG3D network pickles: a dict of networks, each pickled as a tree of
//     persistent-class records (torch_utils.persistence) and plain torch
//     modules, whose tensors hold storages saved as legacy torch.save blobs
//     (torch.storage._load_from_bytes).
//   - torch.save files: the zip format (PyTorch 1.6 and later: data.pkl plus
//     one file per storage) and the legacy format. LoadTorch returns their
//     contents; LoadNetwork reads a network from either.
//
// Only an allow-list of torch functions is interpreted (the tensor and
// parameter rebuild functions, storage loading, EG3D's persistent-class
// records, numpy scalars); every other class or function stays an inert
// value (see package pickle), and an unknown function where a tensor or a
// module must be is an error naming it. Storages of float32, float16,
// bfloat16, float64, int64, int32, int16, int8, uint8 and bool are read;
// floating-point tensors are converted to float32 on load (Tensor.DType
// keeps the stored type).
//
// Errors name the file, the network and the tensor or module concerned, e.g.
//
//	checkpoint: G.pkl: G_ema "backbone.synthesis.b4.conv1.weight": shape [64,64,3,3], want [64,32,3,3]
//
// The error of a file that ends early wraps pickle.ErrTruncated.
//
// Our own checkpoints use package safetensors; test data uses package npy.
package checkpoint
