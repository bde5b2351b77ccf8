package blend

import "github.com/pmvi/pmvi/pkg/fimage"

// Weight returns the alpha of the official blend: the mask eroded by opts.MaskErosion, times the coverage
// (nil: 1) eroded by opts.CoverageErosion, blurred with the opts.KernelSize Gaussian. Because the blur comes
// after the erosions, the weight reaches about 0.4 one pixel outside the mask and fades out over the
// kernel's radius (10 px officially), where V_i shows whatever the colour render holds there.
func Weight(mask, coverage *fimage.Image, opts Options) *fimage.Image {
	w := Erode(mask, opts.MaskErosion)
	if coverage != nil {
		c := Erode(coverage, opts.CoverageErosion)
		for i := range w.Pix {
			w.Pix[i] *= c.Pix[i]
		}
	}
	return Blur(w, opts.KernelSize, opts.Sigma)
}

// GaussianBlend returns the official pseudo view: alpha*V_i + (1-alpha)*generated, with alpha = Weight of
// the mask and coverage.
func GaussianBlend(l Layers, opts Options) (*fimage.Image, error) {
	if err := l.check(); err != nil {
		return nil, err
	}
	if err := opts.check(); err != nil {
		return nil, err
	}
	alpha := Weight(l.Mask, l.Coverage, opts)
	out := fimage.New(3, l.Visible.H, l.Visible.W)
	plane := len(alpha.Pix)
	for c := 0; c < 3; c++ {
		for i, a := range alpha.Pix {
			j := c*plane + i
			out.Pix[j] = a*l.Visible.Pix[j] + (1-a)*l.Generated.Pix[j]
		}
	}
	return out, nil
}
