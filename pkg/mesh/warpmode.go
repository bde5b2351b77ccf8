package mesh

import (
	"fmt"
	"strings"
)

// WarpMode selects how the input's texture is carried to novel views.
type WarpMode int

const (
	// Triangles rasterizes the textured mesh (z-buffer, perspective-correct interpolation): sharp, watertight
	// and exact on the surface. The default.
	Triangles WarpMode = iota
	// Points splats a point cloud sampled on the mesh, as the official code does with pytorch3d (1M points,
	// radius 2 px): for comparison with the official pseudo views.
	Points
)

// String returns "triangles" or "points".
func (w WarpMode) String() string {
	switch w {
	case Triangles:
		return "triangles"
	case Points:
		return "points"
	}
	return fmt.Sprintf("WarpMode(%d)", int(w))
}

// ParseWarpMode parses "triangles" or "points" (case-insensitive).
func ParseWarpMode(s string) (WarpMode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "triangles":
		return Triangles, nil
	case "points":
		return Points, nil
	}
	return 0, fmt.Errorf("mesh: unknown warp mode %q, want triangles or points", s)
}
