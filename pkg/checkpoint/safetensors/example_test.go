package safetensors_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/pmvi/pmvi/pkg/checkpoint/safetensors"
)

func ExampleWrite() {
	dir, _ := os.MkdirTemp("", "ckpt")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "G_pti.safetensors")

	f := &safetensors.File{Metadata: map[string]string{"stage": "pti", "steps": "350"}}
	if err := f.AddFloat32("backbone.mapping.w_avg", []float32{0.5, -1, 2}, 3); err != nil {
		panic(err)
	}
	if err := safetensors.Write(path, f); err != nil {
		panic(err)
	}

	g, err := safetensors.Read(path)
	if err != nil {
		panic(err)
	}
	wAvg, err := g.Float32("backbone.mapping.w_avg", 3)
	fmt.Println(wAvg, err, g.Metadata["stage"])
	// Output: [0.5 -1 2] <nil> pti
}
