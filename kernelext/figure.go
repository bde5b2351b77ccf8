package kernelext

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"image"
	"image/gif"
	"path/filepath"
	"strings"
	"time"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/janpfeifer/gonb/gonbui"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/pmvi/pmvi/pkg/figures"
	"github.com/pmvi/pmvi/pkg/fimage"
)

// Format is how a Figure is encoded.
type Format string

const (
	PNG Format = "png" // a still picture
	GIF Format = "gif" // a looping animation
)

// Figure is an encoded picture, a PNG still or a GIF animation, ready to show inline (Show) and to write to
// a file (Save), so a notebook shows exactly what it commits under figures/.
type Figure struct {
	// Caption is shown under the figure in a notebook; empty means none.
	Caption string

	format Format
	data   []byte
	size   image.Point
}

// NewFigure encodes any image as a PNG figure.
func NewFigure(img image.Image, caption string) (*Figure, error) {
	data, err := figures.EncodePNG(img)
	if err != nil {
		return nil, fmt.Errorf("kernelext: %w", err)
	}
	return &Figure{Caption: caption, format: PNG, data: data, size: img.Bounds().Size()}, nil
}

// Image returns a 1-channel (grey) or 3-channel image in [-1, 1] as a figure.
func Image(img *fimage.Image, caption string) (*Figure, error) {
	if img == nil {
		return nil, fmt.Errorf("kernelext: image %q is nil", caption)
	}
	if img.C != 1 && img.C != 3 {
		return nil, fmt.Errorf("kernelext: image %q has %d channels, want 1 or 3", caption, img.C)
	}
	return NewFigure(img.ToNRGBA(), caption)
}

// Grid returns images laid out in rows and columns with labels, as figures.Grid draws them with its
// defaults (every image scaled to the tallest one's height, 4-pixel gaps, 14-pixel labels). rowLabels and
// colLabels may be nil. Build a figures.Grid and use NewFigure for other settings.
func Grid(rows [][]*fimage.Image, rowLabels, colLabels []string) (*Figure, error) {
	img, err := (&figures.Grid{Rows: rows, RowLabels: rowLabels, ColLabels: colLabels}).Draw()
	if err != nil {
		return nil, fmt.Errorf("kernelext: %w", err)
	}
	return NewFigure(img, "")
}

// CaptionedGrid is Grid with a caption under every image (captions[r][c], "" for none), e.g. each tile's
// PSNR against the ground truth in a figure that compares methods.
func CaptionedGrid(rows [][]*fimage.Image, captions [][]string, rowLabels, colLabels []string) (*Figure, error) {
	img, err := (&figures.Grid{Rows: rows, Captions: captions, RowLabels: rowLabels, ColLabels: colLabels}).Draw()
	if err != nil {
		return nil, fmt.Errorf("kernelext: %w", err)
	}
	return NewFigure(img, "")
}

// Depth returns a one-channel depth map painted with the Viridis colour map over its own finite range:
// near is yellow, far dark purple, no surface (NaN or infinity) black. The caption gets the range appended.
func Depth(depth *fimage.Image, caption string) (*Figure, error) {
	if depth == nil {
		return nil, fmt.Errorf("kernelext: depth map %q is nil", caption)
	}
	painted, err := figures.ColorizeDepth(depth, 0, 0)
	if err != nil {
		return nil, fmt.Errorf("kernelext: depth map %q: %w", caption, err)
	}
	near, far, _ := figures.DepthRange(depth)
	return Image(painted, strings.TrimSpace(fmt.Sprintf("%s (near %.3g yellow, far %.3g purple)", caption, near, far)))
}

// Tensor returns the images of a float32 tensor in EG3D's layout, NCHW [N, C, H, W] (N images side by side)
// or CHW [C, H, W], with C = 1 or 3 and values in [-1, 1]: a generator's output as it comes.
func Tensor(t *tensors.Tensor, caption string) (*Figure, error) {
	if t == nil {
		return nil, fmt.Errorf("kernelext: tensor %q is nil", caption)
	}
	shape := t.Shape()
	dims := shape.Dimensions
	if len(dims) == 3 {
		dims = append([]int{1}, dims...)
	}
	if len(dims) != 4 || (dims[1] != 1 && dims[1] != 3) || shape.DType != dtypes.Float32 {
		return nil, fmt.Errorf("kernelext: tensor %q is %s, want float32 [N, C, H, W] or [C, H, W] with C = 1 or 3", caption, shape)
	}
	flat, err := tensors.CopyFlatData[float32](t)
	if err != nil {
		return nil, fmt.Errorf("kernelext: tensor %q: %w", caption, err)
	}
	n, c, h, w := dims[0], dims[1], dims[2], dims[3]
	row := make([]*fimage.Image, n)
	for i := range row {
		if row[i], err = fimage.FromPix(c, h, w, flat[i*c*h*w:(i+1)*c*h*w]); err != nil {
			return nil, fmt.Errorf("kernelext: tensor %q: %w", caption, err)
		}
	}
	if n == 1 {
		return Image(row[0], caption)
	}
	fig, err := Grid([][]*fimage.Image{row}, nil, nil)
	if err != nil {
		return nil, err
	}
	fig.Caption = caption
	return fig, nil
}

// Plot returns a gonum plot drawn at w x h (e.g. 6*vg.Inch by 4*vg.Inch, 576x384 pixels).
func Plot(p *plot.Plot, w, h vg.Length) (*Figure, error) {
	img, err := figures.PlotImage(p, w, h, 0)
	if err != nil {
		return nil, fmt.Errorf("kernelext: %w", err)
	}
	return NewFigure(img, "")
}

// Animation returns frames as a looping GIF showing each for delay (see figures.Animation): an orbit
// around the reconstructed head, or an optimization's snapshots.
func Animation(frames []*fimage.Image, delay time.Duration, caption string) (*Figure, error) {
	g, err := figures.Animation(frames, delay)
	if err != nil {
		return nil, fmt.Errorf("kernelext: animation %q: %w", caption, err)
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, g); err != nil {
		return nil, fmt.Errorf("kernelext: animation %q: %w", caption, err)
	}
	return &Figure{Caption: caption, format: GIF, data: buf.Bytes(), size: g.Image[0].Rect.Size()}, nil
}

// Format returns how the figure is encoded.
func (f *Figure) Format() Format { return f.format }

// Bytes returns the encoded file: what Save writes.
func (f *Figure) Bytes() []byte { return f.data }

// Size returns the picture's width and height in pixels.
func (f *Figure) Size() (w, h int) { return f.size.X, f.size.Y }

// Save writes the figure to path atomically. The extension must match the format (.png or .gif), so a
// notebook cannot write a GIF named .png by mistake.
func (f *Figure) Save(path string) error {
	if ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(path), ".")); ext != string(f.format) {
		return fmt.Errorf("kernelext: saving a %s figure as %s: want the extension .%s", f.format, path, f.format)
	}
	if err := figures.WriteFile(path, f.data); err != nil {
		return fmt.Errorf("kernelext: %w", err)
	}
	return nil
}

// DataURI returns the figure as a data: URI, for an <img src=...> in hand-made HTML.
func (f *Figure) DataURI() string {
	return "data:image/" + string(f.format) + ";base64," + base64.StdEncoding.EncodeToString(f.data)
}

// HTML returns the figure as an HTML fragment: the picture, at its pixel size, with the caption under it.
func (f *Figure) HTML() string {
	var b strings.Builder
	fmt.Fprintf(&b, `<figure style="margin:4px 0"><img src="%s" width="%d" height="%d" alt="%s"/>`,
		f.DataURI(), f.size.X, f.size.Y, html.EscapeString(f.Caption))
	if f.Caption != "" {
		fmt.Fprintf(&b, `<figcaption style="font-size:90%%">%s</figcaption>`, html.EscapeString(f.Caption))
	}
	b.WriteString("</figure>")
	return b.String()
}

// Show displays the figure inline, then its caption. A PNG goes out as an image/png output, which every
// notebook viewer renders (also on code hosting sites); a GIF as HTML with a data URI, the one way Jupyter
// shows an animation. Outside a notebook Show does nothing: use Save.
func (f *Figure) Show() {
	if !gonbui.IsNotebook {
		return
	}
	if f.format == PNG {
		gonbui.DisplayPNG(f.data)
		if f.Caption != "" {
			gonbui.DisplayHTML(`<div style="font-size:90%">` + html.EscapeString(f.Caption) + `</div>`)
		}
	} else {
		gonbui.DisplayHTML(f.HTML())
	}
	gonbui.Sync()
}

// show displays the figure a constructor made, or returns its error.
func show(f *Figure, err error) error {
	if err != nil {
		return err
	}
	f.Show()
	return nil
}

// ShowImage shows a 1- or 3-channel image in [-1, 1] with a caption (see Image).
func ShowImage(img *fimage.Image, caption string) error { return show(Image(img, caption)) }

// ShowGrid shows images in labelled rows and columns (see Grid).
func ShowGrid(rows [][]*fimage.Image, rowLabels, colLabels []string) error {
	return show(Grid(rows, rowLabels, colLabels))
}

// ShowDepth shows a depth map in a colour map (see Depth).
func ShowDepth(depth *fimage.Image, caption string) error { return show(Depth(depth, caption)) }

// ShowTensor shows the images of an NCHW or CHW float32 tensor (see Tensor).
func ShowTensor(t *tensors.Tensor, caption string) error { return show(Tensor(t, caption)) }

// ShowPlot shows a gonum plot drawn at w x h (see Plot).
func ShowPlot(p *plot.Plot, w, h vg.Length) error { return show(Plot(p, w, h)) }

// ShowGIF shows frames as a looping animation (see Animation).
func ShowGIF(frames []*fimage.Image, delay time.Duration, caption string) error {
	return show(Animation(frames, delay, caption))
}
