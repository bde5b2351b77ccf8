// Package kernelext shows pmvi's pictures, numbers and progress inline in GoNB notebooks, and lets a reader
// change hyperparameters with sliders. It is the only package that knows about displays: pkg/ returns
// images and tensors, and the notebooks under notebooks/ hand them to kernelext.
//
// Everything degrades without a notebook front end, so the same cell code runs in a test, a CLI and a
// notebook: the Show functions do nothing (text ones print to standard output), Progress prints throttled
// lines to standard error, and controls return their defaults at once. Figures can always be written to
// files with Figure.Save; the encoders themselves (labelled grids, depth colour map, GIF, plots) live in
// pkg/figures, which needs no GoNB.
//
// # Showing things
//
// Each picture has a constructor returning a *Figure (an encoded PNG or GIF) and a Show shorthand:
//
//	Image / ShowImage        a 1- or 3-channel *fimage.Image in [-1, 1]
//	Grid / ShowGrid          rows of images with row and column labels (the paper's comparison figures)
//	Depth / ShowDepth        a depth map in the Viridis colour map (near yellow, far purple)
//	Tensor / ShowTensor      a float32 NCHW or CHW tensor, e.g. a generator's output
//	Plot / ShowPlot          a gonum/plot plot
//	Animation / ShowGIF      frames as a looping GIF (an orbit)
//	ShowText, ShowMarkdown, ShowHTML
//
// Use the constructor to both show and save: fig.Show(); err = fig.Save("../figures/x.png"). An Output is
// one area of a cell replaced on each update, for pictures that change while the cell runs.
//
// # Progress
//
// NewProgress returns a display whose Step method is an invert.Callback and whose Train method takes
// pkg/train's reports: in a notebook one output updated in place (bar, step, loss terms, ETA, a thumbnail of
// the latest snapshot), at most four times a second.
//
// # Controls
//
// NewSlider and NewSelect return hyperparameter controls; Interact redraws when they change. They are live
// GoNB widgets only when a browser can drive them, which a program cannot detect reliably, so it is opt-in:
// set PMVI_INTERACTIVE=1 for the kernel (see Interactive). Otherwise (nbconvert, CI, a committed notebook's
// outputs) they show their defaults as text and never block. In a live notebook, Interact keeps the cell
// running to follow the controls until the reader interrupts it (the stop button).
//
// # Notebook cells
//
// The first cell of every notebook makes GoNB build against this repository's module and pins GoNB's own
// version (its "latest" lookup is refused by the module proxy here):
//
//	!*go mod edit -require=github.com/pmvi/pmvi@v0.0.0 -replace=github.com/pmvi/pmvi=${GONB_DIR}/.. && go get github.com/janpfeifer/gonb@v0.11.1
//
// Put the imports in one cell of declarations (GoNB remembers them for later cells), not in the cells that
// run code. A cell that shows a W+ inversion's progress and its result beside the input, and saves the figure
// (must is github.com/janpfeifer/must, whose panics fail the notebook test):
//
//	%%
//	p := kernelext.NewProgress("W+ inversion")
//	res := must.M1(invert.ProjectW(ctx, be, g, target, opts, losses, p.Step))
//	wplus := must.M1(renderAt(g, res.WS, target.Camera)) // a helper from an earlier cell
//	fig := must.M1(kernelext.Grid([][]*fimage.Image{{target.Image, wplus}}, nil, []string{"input", "W+"}))
//	fig.Show()
//	must.M(fig.Save("../figures/01-wplus.png"))
//
// And an explorer cell: headless it draws the defaults once; live it redraws on every move.
//
//	%%
//	yaw := kernelext.NewSlider("yaw (degrees)", -60, 60, 5, 20)
//	method := kernelext.NewSelect("blend", []string{"gaussian", "poisson"}, "poisson")
//	out := kernelext.NewOutput()
//	must.M(kernelext.Interact(func() error {
//		img, err := renderNovelView(yaw.Value(), method.Value())
//		if err != nil {
//			return err
//		}
//		fig, err := kernelext.Image(img, fmt.Sprintf("yaw %g, %s blend", yaw.Value(), method.Value()))
//		if err != nil {
//			return err
//		}
//		out.Show(fig)
//		return nil
//	}, yaw, method))
//
// The Show functions wait until the notebook has their output (gonbui.Sync), so nothing shown at the end
// of a cell is lost. notebooks/notebooks_test.go executes every notebook headless and fails on a panic or
// any other runtime error in a cell.
package kernelext
