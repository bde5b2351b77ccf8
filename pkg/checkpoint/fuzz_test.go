package checkpoint

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/pmvi/pmvi/pkg/checkpoint/pickle"
)

// FuzzLoadNetwork checks that no input makes the network reader or the
// torch file reader panic. Run it with
//
//	go test ./pkg/checkpoint -run '^$' -fuzz FuzzLoadNetwork -fuzztime 60s -fuzzminimizetime 10x
//
// (Minimizing the large seeds takes minutes with the default setting.)
func FuzzLoadNetwork(f *testing.F) {
	f.Add(pickleBytes(4, syntheticNetwork(func(typ string, n int, raw []byte) any { return legacyStorage(typ, n, raw) })))
	storages := map[string][]byte{}
	pkl := pickleBytes(2, syntheticNetwork(func(typ string, n int, raw []byte) any {
		key := strconv.Itoa(len(storages))
		storages[key] = raw
		return persistentID{tuple("storage", pickle.Global{Module: "torch", Name: typ}, key, "cpu", int64(n))}
	}))
	f.Add(zipArchive(pkl, storages))
	f.Add(legacyStorage("HalfStorage", 2, []byte{0, 0x3c, 0, 0x40}).args[0].([]byte))
	if dir, err := os.Getwd(); err == nil {
		for ; dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
			if data, err := os.ReadFile(filepath.Join(dir, "..", "shared", "fixtures", "eg3d", "tiny", "G.pkl")); err == nil {
				f.Add(data[:12000])
				break
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		readNetwork(data, "G_ema")
		if v, err := decodeFile(data); err == nil {
			r := &tensorResolver{tensors: newTensorBuilder(), seen: map[any]bool{}}
			r.resolve(v, "")
		}
	})
}
