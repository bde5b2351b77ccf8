package pseudoview

import (
	"fmt"
	"math"
	"testing"

	"github.com/pmvi/pmvi/pkg/blend"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/fimage"
	"github.com/pmvi/pmvi/pkg/mesh"
	"github.com/pmvi/pmvi/pkg/mesh/meshtest"
)

// BenchmarkBuild times the whole of Build: mesh, visibility and the 30 official orbit views (warp and blend),
// with a generator that costs nothing. The depth is a quarter of the image's size, as EG3D's 128x128 is of
// its 512x512 images, and covers the whole frame as EG3D's does (the background at the far end of its ray
// range, 3.3), so the mesh has EG3D's full triangle count (2M at 1024 rows).
//
//	go test ./pkg/pseudoview -run XXX -bench Build -benchtime 1x -cpu 2
func BenchmarkBuild(b *testing.B) {
	for _, bc := range []struct {
		size   int
		preset string
		warp   mesh.WarpMode
		method blend.Method
	}{
		{512, "paper", mesh.Triangles, blend.Gaussian},
		{512, "paper", mesh.Triangles, blend.Poisson},
		{512, "quick", mesh.Triangles, blend.Gaussian},
		{512, "paper", mesh.Points, blend.Gaussian},
		{128, "paper", mesh.Triangles, blend.Gaussian},
		{128, "paper", mesh.Triangles, blend.Poisson},
	} {
		name := fmt.Sprintf("%d/%s/%v/%v", bc.size, bc.preset, bc.warp, bc.method)
		b.Run(name, func(b *testing.B) {
			scene := meshtest.Head()
			in := camera.At(0, 0)
			input, _ := scene.Render(in, bc.size, bc.size)
			_, depth := scene.Render(in, bc.size/4, bc.size/4)
			for i, d := range depth.Pix {
				if math.IsInf(float64(d), 1) {
					depth.Pix[i] = 3.3
				}
			}
			gen := input.Clone()
			render := func(camera.Camera) (*fimage.Image, error) { return gen, nil }
			opts := PaperOptions()
			if bc.preset == "quick" {
				opts = QuickOptions()
			}
			opts = opts.Scale(float64(bc.size) / 512)
			opts.Warp, opts.Blend.Method = bc.warp, bc.method
			views := Orbit()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := Build(render, input, in, depth, views, opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
