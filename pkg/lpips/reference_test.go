package lpips

import (
	"math"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// A deliberately simple per-pixel LPIPS in float64, written from the definition (lpips.LPIPS.forward with
// torchvision's layers), to check the graph against: loops, no batching, no GoMLX.

// refImage is one image or feature map, CHW.
type refImage struct {
	c, h, w int
	v       []float64
}

func (x refImage) at(c, y, i int) float64 { return x.v[(c*x.h+y)*x.w+i] }

// refConvReLU is torch's Conv2d (cross-correlation, zero padding) followed by ReLU.
func refConvReLU(x refImage, kernel, bias []float32, out, k, stride, pad int) refImage {
	h := (x.h+2*pad-k)/stride + 1
	w := (x.w+2*pad-k)/stride + 1
	y := refImage{out, h, w, make([]float64, out*h*w)}
	for o := range out {
		for oy := range h {
			for ox := range w {
				sum := float64(bias[o])
				for c := range x.c {
					for ky := range k {
						for kx := range k {
							iy, ix := oy*stride-pad+ky, ox*stride-pad+kx
							if iy < 0 || iy >= x.h || ix < 0 || ix >= x.w {
								continue
							}
							sum += float64(kernel[((o*x.c+c)*k+ky)*k+kx]) * x.at(c, iy, ix)
						}
					}
				}
				y.v[(o*h+oy)*w+ox] = max(sum, 0)
			}
		}
	}
	return y
}

// refMaxPool is torch's MaxPool2d without padding, floor mode.
func refMaxPool(x refImage, win, stride int) refImage {
	h, w := (x.h-win)/stride+1, (x.w-win)/stride+1
	y := refImage{x.c, h, w, make([]float64, x.c*h*w)}
	for c := range x.c {
		for oy := range h {
			for ox := range w {
				m := math.Inf(-1)
				for ky := range win {
					for kx := range win {
						m = max(m, x.at(c, oy*stride+ky, ox*stride+kx))
					}
				}
				y.v[(c*h+oy)*w+ox] = m
			}
		}
	}
	return y
}

// refFeatures scales x and runs the backbone, returning each stage's output.
func refFeatures(m *Model, x refImage) []refImage {
	shift := []float64{-.030, -.088, -.188}
	scale := []float64{.458, .448, .450}
	s := refImage{x.c, x.h, x.w, make([]float64, len(x.v))}
	for i, v := range x.v {
		c := i / (x.h * x.w)
		s.v[i] = (v - shift[c]) / scale[c]
	}
	var outs []refImage
	for _, st := range m.Net.stages() {
		if st.poolWindow > 0 {
			s = refMaxPool(s, st.poolWindow, st.poolStride)
		}
		for _, c := range st.convs {
			s = refConvReLU(s, m.float32s(c.weightName()), m.float32s(c.biasName()), c.out, c.kernel, c.stride, c.padding)
		}
		outs = append(outs, s)
	}
	return outs
}

// refDistance is LPIPS between two images.
func refDistance(m *Model, a, b refImage) float64 {
	fa, fb := refFeatures(m, a), refFeatures(m, b)
	var total float64
	for k := range fa {
		lin := m.float32s(linName(k))
		x, y := fa[k], fb[k]
		var layer float64
		for p := range x.h * x.w {
			var na, nb float64
			for c := range x.c {
				na += x.v[c*x.h*x.w+p] * x.v[c*x.h*x.w+p]
				nb += y.v[c*y.h*y.w+p] * y.v[c*y.h*y.w+p]
			}
			na, nb = math.Sqrt(na)+1e-10, math.Sqrt(nb)+1e-10
			for c := range x.c {
				d := x.v[c*x.h*x.w+p]/na - y.v[c*y.h*y.w+p]/nb
				layer += float64(lin[c]) * d * d
			}
		}
		total += layer / float64(x.h*x.w)
	}
	return total
}

func (m *Model) float32s(name string) []float32 {
	return tensors.MustCopyFlatData[float32](m.values[name])
}
