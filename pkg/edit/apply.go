package edit

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// apply.go: the edit itself, w' = w + alpha·n on chosen layers of a W+ code.

// Layers selects the ws of a W+ code an edit moves: indices From up to but not including To. The zero value
// means every layer. Editing only early layers changes coarse structure (pose-free shape, hair volume);
// late layers change colour and fine texture, as in StyleGAN.
type Layers struct {
	From, To int
}

// All reports whether l is the zero value, which selects every layer.
func (l Layers) All() bool { return l == Layers{} }

// String formats l as FROM:TO, or "all".
func (l Layers) String() string {
	switch {
	case l.All():
		return "all"
	case l.To < 0:
		return fmt.Sprintf("%d:", l.From)
	}
	return fmt.Sprintf("%d:%d", l.From, l.To)
}

// ParseLayers reads "all" (or "") or FROM:TO, either side optional: ":4" is 0:4 and "4:" is layer 4 to the
// last (kept as To = -1 until Apply knows the number of layers).
func ParseLayers(s string) (Layers, error) {
	if s == "" || s == "all" {
		return Layers{}, nil
	}
	from, to, ok := strings.Cut(s, ":")
	if !ok {
		return Layers{}, fmt.Errorf("edit: layers %q: want FROM:TO or all", s)
	}
	l := Layers{To: -1}
	var err error
	if from != "" {
		if l.From, err = strconv.Atoi(from); err != nil {
			return Layers{}, fmt.Errorf("edit: layers %q: %q is not a layer index", s, from)
		}
	}
	if to != "" {
		if l.To, err = strconv.Atoi(to); err != nil {
			return Layers{}, fmt.Errorf("edit: layers %q: %q is not a layer index", s, to)
		}
	}
	if l.From < 0 || (l.To >= 0 && l.To <= l.From) {
		return Layers{}, fmt.Errorf("edit: layers %q: want 0 <= FROM < TO", s)
	}
	return l, nil
}

// span returns the half-open layer range l selects among num layers.
func (l Layers) span(num int) (from, to int, err error) {
	from, to = l.From, l.To
	if l.All() || to < 0 {
		to = num
	}
	if l.All() {
		from = 0
	}
	if from < 0 || to > num || from >= to {
		return 0, 0, fmt.Errorf("edit: layers %s of a W+ code with %d layers", l, num)
	}
	return from, to, nil
}

// Apply returns a copy of the W+ code ws ([1, NumWS, WDim], as inversion writes latent.npy) with alpha·n
// added to each selected layer's w. n must have WDim values; it is used as given (unit directions make
// alpha a distance in W, InterFaceGAN's convention).
func Apply(ws *tensors.Tensor, n []float32, alpha float64, layers Layers) (*tensors.Tensor, error) {
	dims := ws.Shape().Dimensions
	if len(dims) != 3 || dims[0] != 1 {
		return nil, fmt.Errorf("edit: W+ code of shape %v, want [1, NumWS, WDim]", dims)
	}
	num, wdim := dims[1], dims[2]
	if len(n) != wdim {
		return nil, fmt.Errorf("edit: direction of %d values for a W+ code of w_dim %d", len(n), wdim)
	}
	if math.IsNaN(alpha) || math.IsInf(alpha, 0) {
		return nil, fmt.Errorf("edit: edit strength %v", alpha)
	}
	from, to, err := layers.span(num)
	if err != nil {
		return nil, err
	}
	data := tensors.MustCopyFlatData[float32](ws)
	for l := from; l < to; l++ {
		row := data[l*wdim : (l+1)*wdim]
		for j, v := range n {
			row[j] += float32(alpha * float64(v))
		}
	}
	return tensors.FromFlatDataAndDimensions(data, dims...), nil
}

// Broadcast returns w repeated on num layers as a W+ code [1, num, len(w)]: what the mapping network gives
// for one w, so a direction's latents and inverted W+ codes edit and render alike.
func Broadcast(w []float32, num int) *tensors.Tensor {
	data := make([]float32, 0, num*len(w))
	for range num {
		data = append(data, w...)
	}
	return tensors.FromFlatDataAndDimensions(data, 1, num, len(w))
}
