package heads

import (
	"testing"

	"github.com/pmvi/pmvi/pkg/camera"
)

// BenchmarkRender128 renders one 128x128 view (colour, depth, mask, normals, parts). Run it on one core:
//
//	go test ./pkg/heads -run '^$' -bench Render -cpu 1
func BenchmarkRender128(b *testing.B) {
	s := NewScene(1)
	cam := camera.At(0.3, -0.1)
	for b.Loop() {
		Render(s, cam, 128)
	}
}

// BenchmarkRenderDepth128 renders the depth and mask of one 128x128 view, without shading.
func BenchmarkRenderDepth128(b *testing.B) {
	s := NewScene(1)
	cam := camera.At(0.3, -0.1)
	for b.Loop() {
		RenderDepth(s, cam, 128)
	}
}
