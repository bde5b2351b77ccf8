package edit_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/pmvi/pmvi/pkg/edit"
)

// Find on latents scored by a hidden linear attribute (score = w[0] - w[1] plus noise) recovers its
// direction, (1, -1)/√2 in the first two coordinates, and tests it on held-out latents as the paper does.
func ExampleFind() {
	rng := rand.New(rand.NewPCG(1, 2))
	var set edit.Labelled
	for range 2000 {
		w := make([]float32, 8)
		for j := range w {
			w[j] = float32(rng.NormFloat64())
		}
		set.Latents = append(set.Latents, w)
		set.Scores = append(set.Scores, float64(w[0]-w[1])+0.1*rng.NormFloat64())
	}
	o := edit.PaperOptions()
	o.Keep = 0.05 // the top and bottom 100 latents
	d, err := edit.Find(set, o)
	if err != nil {
		panic(err)
	}
	fmt.Printf("direction %.1f %.1f ..., held-out accuracy %.2f on %d latents\n", d.Normal[0], d.Normal[1], d.TestAccuracy, d.Test)
	// Output: direction 0.7 -0.7 ..., held-out accuracy 1.00 on 60 latents
}
