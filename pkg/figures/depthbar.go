package figures

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"

	"github.com/pmvi/pmvi/pkg/fimage"
)

// A depth map with its key: the map in Viridis beside a vertical colour bar whose ticks read in world units.

// barOutline is the colour of the bar's frame and tick marks.
var barOutline = color.NRGBA{0x55, 0x55, 0x55, 0xff}

// ColorizeDepthWithBar returns depth painted as ColorizeDepth paints it (near and far likewise; both zero:
// the map's own finite range), scaled to height pixels (0: the map's height), with a vertical colour bar on
// its right whose tick labels give depth in the map's own units (world units for EG3D and the head world),
// larger depths higher up, labelled with TickLabels. The labels' size follows the height: 9 pixels at 64 or
// less, up to 14. The result is a 3-channel image in [-1, 1] of the given height, ready for a Grid or
// fimage.WritePNG. It returns ColorizeDepth's errors, and an error for a negative height.
func ColorizeDepthWithBar(depth *fimage.Image, near, far float32, height int) (*fimage.Image, error) {
	if height < 0 {
		return nil, fmt.Errorf("figures: depth bar height %d, want 0 (the map's) or more", height)
	}
	if depth.C == 1 && near == 0 && far == 0 {
		var ok bool
		if near, far, ok = DepthRange(depth); !ok {
			return nil, fmt.Errorf("figures: depth map (%dx%d) has no finite value", depth.W, depth.H)
		}
	}
	painted, err := ColorizeDepth(depth, near, far)
	if err != nil {
		return nil, err
	}
	if height == 0 {
		height = depth.H
	}
	m := scaleToHeight(painted.ToNRGBA(), height)

	face, err := labelFace(min(14, max(9, float64(height)/10)))
	if err != nil {
		return nil, fmt.Errorf("figures: label font: %w", err)
	}
	defer face.Close()
	metrics := face.Metrics()
	ascent, descent := metrics.Ascent.Ceil(), metrics.Descent.Ceil()

	// The bar stands inset by half a label at either end, so the end ticks' labels fit in the picture.
	lo, hi := float64(min(near, far)), float64(max(near, far))
	barTop, barBottom := (ascent+1)/2+1, height-(ascent+1)/2-1
	ticks, labels := barTicks(lo, hi, barBottom-barTop, ascent+descent)
	pad, barW, tickLen := max(3, height/32), max(6, height/16), 3
	labelW := 0
	for _, l := range labels {
		labelW = max(labelW, textWidth(face, l))
	}
	barX := m.Rect.Dx() + pad
	width := barX + barW + tickLen + 2 + labelW + pad
	out := image.NewNRGBA(image.Rect(0, 0, width, height))
	draw.Draw(out, out.Rect, image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(out, m.Rect, m, image.Point{}, draw.Src)

	// y maps a depth to its row on the bar; the bar's rows take the colour ColorizeDepth gives their depth.
	y := func(v float64) int {
		if hi == lo {
			return (barTop + barBottom) / 2
		}
		return min(barBottom, max(barTop, barBottom-int(math.Round((v-lo)/(hi-lo)*float64(barBottom-barTop)))))
	}
	for row := barTop; row <= barBottom; row++ {
		t := 0.5 // a flat range is one mid colour, as in ColorizeDepth
		if far != near && barBottom > barTop {
			v := lo + float64(barBottom-row)/float64(barBottom-barTop)*(hi-lo)
			t = (float64(far) - v) / float64(far-near)
		}
		draw.Draw(out, image.Rect(barX, row, barX+barW, row+1), image.NewUniform(Viridis(t)), image.Point{}, draw.Src)
	}
	frame := []image.Rectangle{
		image.Rect(barX-1, barTop-1, barX+barW+1, barTop), image.Rect(barX-1, barBottom+1, barX+barW+1, barBottom+2),
		image.Rect(barX-1, barTop-1, barX, barBottom+2), image.Rect(barX+barW, barTop-1, barX+barW+1, barBottom+2),
	}
	for i, v := range ticks {
		ty := y(v)
		frame = append(frame, image.Rect(barX+barW, ty, barX+barW+tickLen, ty+1))
		drawText(out, face, labelColor, barX+barW+tickLen+2, ty+(ascent-descent)/2, labels[i])
	}
	for _, r := range frame {
		draw.Draw(out, r, image.NewUniform(barOutline), image.Point{}, draw.Src)
	}
	return fimage.FromImage(out), nil
}

// barTicks returns the depths to mark on a bar from lo to hi that is span pixels long, and their labels:
// TidyTicks' labelled ticks, thinned until labels lineH pixels tall do not touch, or lo and hi rounded
// alone (lo alone for a flat range or a bar shorter than a label) when fewer than two remain.
func barTicks(lo, hi float64, span, lineH int) ([]float64, []string) {
	if hi <= lo {
		return []float64{lo}, TickLabels([]float64{lo})
	}
	var major []float64
	for _, t := range (TidyTicks{}).Ticks(lo, hi) {
		if t.Label != "" && t.Value >= lo && t.Value <= hi {
			major = append(major, t.Value)
		}
	}
	pixels := func(v float64) float64 { return v / (hi - lo) * float64(span) }
	for step := 1; step < len(major); step++ {
		var kept []float64
		for i := 0; i < len(major); i += step {
			kept = append(kept, major[i])
		}
		if len(kept) < 2 {
			break
		}
		if pixels(kept[1]-kept[0]) >= float64(lineH) {
			return kept, TickLabels(kept)
		}
	}
	// Two decimals more than the range's order of magnitude: 2.41 and 3.09 for a range of 0.68.
	scale := math.Pow10(max(0, 1-int(math.Floor(math.Log10(hi-lo)))))
	ends := []float64{math.Round(lo*scale) / scale, math.Round(hi*scale) / scale}
	if pixels(hi-lo) < float64(lineH) {
		ends = ends[:1]
	}
	return ends, TickLabels(ends)
}
