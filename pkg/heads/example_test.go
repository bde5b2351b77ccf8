package heads_test

import (
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/heads"
)

// Render a seeded head from an EG3D camera and read its ground truth.
func ExampleRender() {
	s := heads.NewScene(7)
	s.Identity.Smile = 0.9 // attributes are plain fields
	v := heads.Render(s, camera.At(0.3, -0.1), 64)

	covered := 0.0
	for _, m := range v.Mask.Pix {
		covered += float64(m)
	}
	d := v.Depth.At(0, 32, 32) // distance along the centre ray, world units
	fmt.Printf("%.0f%% of the image is head; centre depth %.2f; corner depth %v\n",
		100*covered/float64(len(v.Mask.Pix)), d, v.Depth.At(0, 0, 0))
	fmt.Println("centre pixel shows", v.PartAt(32, 32))
	// Output:
	// 59% of the image is head; centre depth 2.46; corner depth +Inf
	// centre pixel shows skin
}

// Write disjoint train and test sets in EG3D's dataset layout.
func ExampleWriteDataset() {
	train, test := heads.Split(1, 4, 2)
	dir, _ := os.MkdirTemp("", "heads")
	defer os.RemoveAll(dir)
	for name, ids := range map[string][]uint64{"train": train, "test": test} {
		opts := heads.DefaultDatasetOptions(ids)
		opts.ViewsPerIdentity, opts.Size = 2, 32
		if err := heads.WriteDataset(filepath.Join(dir, name), opts, nil); err != nil {
			fmt.Println(err)
			return
		}
	}
	items, _ := camera.ReadDataset(filepath.Join(dir, "train", "dataset.json"))
	yaw, pitch := items[1].Camera.YawPitch()
	fmt.Println(len(items), "train images, the second", items[1].File, "at yaw, pitch within range:",
		math.Abs(yaw) <= 0.5 && math.Abs(pitch) <= 0.25)
	// Output:
	// 8 train images, the second 00000/img00000001.png at yaw, pitch within range: true
}
