package checkpoint_test

import (
	"fmt"
	"log"

	"github.com/pmvi/pmvi/pkg/checkpoint"
)

// Reading the official generator: tensors by name with their expected
// shapes, the configuration stored in the file, and a module's attributes.
func ExampleLoadEG3D() {
	g, err := checkpoint.LoadEG3D("ffhqrebalanced512-128.pkl")
	if err != nil {
		log.Fatal(err)
	}
	wAvg, err := g.Tensor("backbone.mapping.w_avg", 512)
	if err != nil {
		log.Fatal(err) // e.g. checkpoint: x.pkl: G_ema "backbone.mapping.w_avg": shape [256], want [512]
	}
	fmt.Println(wAvg.Float32()[:4])
	fmt.Println(g.NeuralRenderingResolution, g.RenderingKwargs["ray_start"], g.InitKwargs["channel_base"])

	conv, err := g.Module("backbone.synthesis.b4.conv1")
	if err != nil {
		log.Fatal(err)
	}
	gain, err := conv.Float("act_gain")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(conv.Class, gain)
}
