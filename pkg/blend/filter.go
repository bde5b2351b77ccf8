package blend

import (
	"math"
	"runtime"
	"sync"

	"github.com/pmvi/pmvi/pkg/fimage"
)

// Erode returns m with each pixel replaced by the minimum over the size x size square centred on it, per
// channel (size odd; 0 or 1 copies m). As with cv2.erode's default border, the square is clipped to the image,
// so the image's edges do not erode the mask.
func Erode(m *fimage.Image, size int) *fimage.Image {
	out := m.Clone()
	if size <= 1 {
		return out
	}
	r := size / 2
	tmp := fimage.New(m.C, m.H, m.W)
	for c := 0; c < m.C; c++ {
		src, mid, dst := m.Plane(c), tmp.Plane(c), out.Plane(c)
		parallel(m.H, func(lo, hi int) {
			q := make([]int, 0, m.W)
			for y := lo; y < hi; y++ {
				slidingMin(src[y*m.W:(y+1)*m.W], 1, mid[y*m.W:(y+1)*m.W], 1, m.W, r, q)
			}
		})
		parallel(m.W, func(lo, hi int) {
			q := make([]int, 0, m.H)
			for x := lo; x < hi; x++ {
				slidingMin(mid[x:], m.W, dst[x:], m.W, m.H, r, q)
			}
		})
	}
	return out
}

// slidingMin writes to dst[i*dstride] the minimum of src[j*sstride] for j in [i-r, i+r] clipped to [0, n),
// with a monotone queue of indices (each value enters and leaves once). q is scratch space.
func slidingMin(src []float32, sstride int, dst []float32, dstride int, n, r int, q []int) {
	q = q[:0]
	head := 0
	next := 0 // next index to enter the window
	for i := 0; i < n; i++ {
		for ; next <= min(i+r, n-1); next++ {
			v := src[next*sstride]
			for len(q) > head && src[q[len(q)-1]*sstride] >= v {
				q = q[:len(q)-1]
			}
			q = append(q, next)
		}
		for q[head] < i-r {
			head++
		}
		dst[i*dstride] = src[q[head]*sstride]
	}
}

// GaussianKernel returns the normalized 1-D Gaussian of the given odd size and sigma, as
// cv2.getGaussianKernel does for sigma > 0; sigma <= 0 takes OpenCVSigma(size).
func GaussianKernel(size int, sigma float64) []float64 {
	if sigma <= 0 {
		sigma = OpenCVSigma(size)
	}
	k := make([]float64, size)
	sum := 0.0
	for i := range k {
		x := float64(i) - float64(size-1)/2
		k[i] = math.Exp(-x * x / (2 * sigma * sigma))
		sum += k[i]
	}
	for i := range k {
		k[i] /= sum
	}
	return k
}

// Blur returns m convolved with a size x size Gaussian of the given sigma (sigma 0 derives it as OpenCV
// does), per channel, with cv2's default border: reflection without repeating the edge pixel
// (gfedcb|abcdefgh|gfedcba). Size 0 or 1 copies m.
func Blur(m *fimage.Image, size int, sigma float64) *fimage.Image {
	out := m.Clone()
	if size <= 1 {
		return out
	}
	k := GaussianKernel(size, sigma)
	r := size / 2
	tmp := fimage.New(m.C, m.H, m.W)
	for c := 0; c < m.C; c++ {
		src, mid, dst := m.Plane(c), tmp.Plane(c), out.Plane(c)
		parallel(m.H, func(lo, hi int) {
			for y := lo; y < hi; y++ {
				row := src[y*m.W : (y+1)*m.W]
				for x := 0; x < m.W; x++ {
					var s float64
					for j, w := range k {
						s += w * float64(row[reflect101(x+j-r, m.W)])
					}
					mid[y*m.W+x] = float32(s)
				}
			}
		})
		parallel(m.H, func(lo, hi int) {
			acc := make([]float64, m.W)
			for y := lo; y < hi; y++ {
				clear(acc)
				for j, w := range k {
					row := mid[reflect101(y+j-r, m.H)*m.W:]
					for x := range acc {
						acc[x] += w * float64(row[x])
					}
				}
				for x, v := range acc {
					dst[y*m.W+x] = float32(v)
				}
			}
		})
	}
	return out
}

// reflect101 maps an index outside [0, n) back inside by reflecting about the edge pixels.
func reflect101(i, n int) int {
	if n == 1 {
		return 0
	}
	for i < 0 || i >= n {
		if i < 0 {
			i = -i
		} else {
			i = 2*n - 2 - i
		}
	}
	return i
}

// parallel calls fn on contiguous ranges covering [0, n), one goroutine per range, and waits.
func parallel(n int, fn func(lo, hi int)) {
	parts := max(1, min(runtime.GOMAXPROCS(0), n))
	if parts == 1 {
		if n > 0 {
			fn(0, n)
		}
		return
	}
	var wg sync.WaitGroup
	for p := 0; p < parts; p++ {
		lo, hi := n*p/parts, n*(p+1)/parts
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
}
