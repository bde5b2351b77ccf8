package edit

import (
	"errors"
	"fmt"
	"image"
	"strconv"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/eg3d"
	"github.com/pmvi/pmvi/pkg/figures"
	"github.com/pmvi/pmvi/pkg/fimage"
)

// figure.go: the editing figure (figures/editing.png): one head, edit strengths across, directions and
// views down.

// Figure lays out edits of one W+ code: a row per direction and view, a column per edit strength. Fill in
// the fields (EditingFigure gives the project's) and call Draw.
type Figure struct {
	// Directions to edit along, each giving len(Poses) rows.
	Directions []*Direction
	// Alphas are the edit strengths, one column each: distances in W, or multiples of each direction's
	// Sigma when InSigma is set (so that "2" is two standard deviations of the latents along any direction).
	Alphas  []float64
	InSigma bool
	// Poses are the views of each direction; the zero value of a pose is the frontal view.
	Poses []camera.Pose
	// Layers are the layers edited (the zero value: all).
	Layers Layers
	// Render are the rendering options (Deterministic for a reproducible figure).
	Render eg3d.RenderOptions
	// CellHeight is the height images are drawn at; zero keeps the generator's resolution.
	CellHeight int
}

// EditingFigure returns the layout of figures/editing.png: edit strengths -2 to +2 standard deviations of the
// latents along each direction, a frontal and a three-quarter view, deterministic rendering.
func EditingFigure(dirs ...*Direction) Figure {
	return Figure{
		Directions: dirs,
		Alphas:     []float64{-2, -1, 0, 1, 2},
		InSigma:    true,
		Poses:      []camera.Pose{{Yaw: 0}, {Yaw: 0.5}},
		Render:     eg3d.RenderOptions{Deterministic: true},
	}
}

// Images renders the figure's cells: rows[d*len(Poses)+v][a] is direction d seen from pose v at Alphas[a].
func (f *Figure) Images(r *eg3d.Runner, ws *tensors.Tensor) ([][]*fimage.Image, error) {
	if len(f.Directions) == 0 || len(f.Alphas) == 0 || len(f.Poses) == 0 {
		return nil, errors.New("edit: a figure needs at least one direction, edit strength and pose")
	}
	cams := camera.Cameras(f.Poses)
	rows := make([][]*fimage.Image, len(f.Directions)*len(f.Poses))
	for d, dir := range f.Directions {
		scale := 1.0
		if f.InSigma {
			if dir.Sigma <= 0 {
				return nil, fmt.Errorf("edit: direction %d (%q) has no known spread for edit strengths in sigmas", d, dir.Attribute)
			}
			scale = dir.Sigma
		}
		for _, a := range f.Alphas {
			views, err := Render(r, ws, dir.Normal, a*scale, f.Layers, cams, f.Render)
			if err != nil {
				return nil, err
			}
			for v, im := range views {
				rows[d*len(f.Poses)+v] = append(rows[d*len(f.Poses)+v], im.Image)
			}
		}
	}
	return rows, nil
}

// Draw renders the figure with r from the W+ code ws and returns it as one labelled picture.
func (f *Figure) Draw(r *eg3d.Runner, ws *tensors.Tensor) (*image.NRGBA, error) {
	rows, err := f.Images(r, ws)
	if err != nil {
		return nil, err
	}
	g := figures.Grid{Rows: rows, CellHeight: f.CellHeight}
	for _, dir := range f.Directions {
		name := dir.Attribute
		if name == "" {
			name = "direction"
		}
		for _, p := range f.Poses {
			label := fmt.Sprintf("%s, yaw %s", name, strconv.FormatFloat(p.Yaw, 'f', -1, 64))
			if p.Pitch != 0 {
				label += ", pitch " + strconv.FormatFloat(p.Pitch, 'f', -1, 64)
			}
			g.RowLabels = append(g.RowLabels, label)
		}
	}
	for _, a := range f.Alphas {
		label := "α = " + signed(a)
		if f.InSigma && a != 0 {
			label += "σ"
		}
		g.ColLabels = append(g.ColLabels, label)
	}
	return g.Draw()
}

// signed formats a with an explicit sign for non-zero values (+1, -1, 0).
func signed(a float64) string {
	s := strconv.FormatFloat(a, 'f', -1, 64)
	if a > 0 {
		s = "+" + s
	}
	return s
}
