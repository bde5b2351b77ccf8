package kernelext_test

import (
	"fmt"
	"os"
	"time"

	"github.com/pmvi/pmvi/kernelext"
	"github.com/pmvi/pmvi/pkg/fimage"
	"github.com/pmvi/pmvi/pkg/invert"
)

// Outside a notebook a Progress prints text lines; here every update, to standard output.
func ExampleProgress() {
	p := kernelext.NewProgress("inversion")
	p.Text, p.Interval = os.Stdout, -1
	for i := 1; i <= 3; i++ {
		p.Step(invert.Step{Stage: invert.StageW, Step: i, Steps: 3, Loss: 0.3 / float64(i),
			Terms: map[string]float64{"mse": 0.2 / float64(i)}, Elapsed: time.Duration(i) * time.Second})
	}
	// Output:
	// inversion: w 1/3  33%  loss 0.3 (mse 0.2)  1s, ETA 2s
	// inversion: w 2/3  67%  loss 0.15 (mse 0.1)  2s, ETA 1s
	// inversion: w 3/3 100%  loss 0.1 (mse 0.06667)  3s, ETA 0s
}

// Headless, a slider is its default value and Interact draws once.
func ExampleInteract() {
	yaw := kernelext.NewSlider("yaw (degrees)", -60, 60, 5, 20)
	method := kernelext.NewSelect("blend", []string{"gaussian", "poisson"}, "poisson")
	err := kernelext.Interact(func() error {
		fmt.Printf("render at yaw %g with %s blending\n", yaw.Value(), method.Value())
		return nil
	}, yaw, method)
	fmt.Println("done:", err)
	// Output:
	// render at yaw 20 with poisson blending
	// done: <nil>
}

// A figure is shown inline in a notebook and saved the same way everywhere.
func ExampleGrid() {
	input, result := fimage.New(3, 64, 64), fimage.New(3, 64, 64)
	fig, err := kernelext.Grid([][]*fimage.Image{{input, result}}, nil, []string{"input", "result"})
	if err != nil {
		panic(err)
	}
	fig.Show() // nothing outside a notebook
	w, h := fig.Size()
	fmt.Println(fig.Format(), w, h)
	// Output:
	// png 140 93
}
