package pseudoview_test

import (
	"fmt"
	"math"

	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/fimage"
	"github.com/pmvi/pmvi/pkg/mesh/meshtest"
	"github.com/pmvi/pmvi/pkg/pseudoview"
)

// Pseudo views of an analytic head for three cameras of the official orbit, at 128x128 with a 32x32 depth:
// how much of each view the input's texture covers.
// The "generator" here renders the head exactly; a tuned EG3D's render goes in its place.
func ExampleBuild() {
	head := meshtest.Head()
	in := camera.At(0, 0)
	input, _ := head.Render(in, 128, 128)
	_, depth := head.Render(in, 32, 32)
	generator := func(cam camera.Camera) (*fimage.Image, error) {
		img, _ := head.Render(cam, 128, 128)
		return img, nil
	}
	opts := pseudoview.QuickOptions().Scale(128.0 / 512)
	orbit := pseudoview.Orbit()
	views, err := pseudoview.Build(generator, input, in, depth, []camera.Camera{orbit[0], orbit[7], orbit[22]}, opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, v := range views {
		yaw, pitch := v.Camera.YawPitch()
		yaw, pitch = math.Round(yaw*100)/100+0, math.Round(pitch*100)/100+0
		var seen float32
		for _, m := range v.Mask.Pix {
			seen += m
		}
		fmt.Printf("view %d (yaw %+.2f, pitch %+.2f): the input saw %.0f%% of it\n", i, yaw, pitch, 100*seen/float32(len(v.Mask.Pix)))
	}
	// Output:
	// view 0 (yaw +0.00, pitch +0.20): the input saw 65% of it
	// view 1 (yaw +0.35, pitch -0.02): the input saw 60% of it
	// view 2 (yaw -0.35, pitch -0.08): the input saw 60% of it
}
