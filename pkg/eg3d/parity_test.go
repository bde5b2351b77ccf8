package eg3d

import (
	"fmt"
	"math"
	"reflect"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Parity tests against the official EG3D code's outputs for the fixtures' tiny network (see
// ../shared/fixtures/eg3d/README.md). Tolerances are max absolute errors relative to max(1, |value|).

func TestConfigFromPickleIsFixturePreset(t *testing.T) {
	o := loadOfficial(t)
	if want := Fixture(); !reflect.DeepEqual(o.cfg, want) {
		t.Errorf("config read from G.pkl:\n%+v\nFixture() preset:\n%+v", o.cfg, want)
	}
}

func TestMappingParity(t *testing.T) {
	o := loadOfficial(t)
	for _, psi := range []float64{1, 0.7} {
		outs := o.run(t, func(ctx *context.Context, z, c *Node) *Node {
			return Mapping(ctx, &o.cfg, z, c, psi)
		}, o.npy(t, "z"), o.npy(t, "c_front"))
		assertClose(t, fmt.Sprintf("ws psi=%g", psi), outs[0], o.npy(t, fmt.Sprintf("ws_psi%g", psi)), 1e-5)
	}
}

func TestBackboneParity(t *testing.T) {
	o := loadOfficial(t)
	outs := o.run(t, func(ctx *context.Context, ws *Node) []*Node {
		var got []*Node
		planes := backboneBlocks(ctx, &o.cfg, ws, NoiseConst, func(res int, x, img *Node) {
			if res <= 64 {
				got = append(got, x, img)
			}
		})
		crop := Slice(planes, AxisRange(), AxisRange(), AxisRange(112, 144), AxisRange(112, 144))
		stride := Slice(planes, AxisRange(), AxisRange(), AxisRange().Stride(4), AxisRange().Stride(4))
		return append(got, stride, crop, ReduceSum(planes, 2, 3))
	}, o.npy(t, "ws_psi1"))
	i := 0
	for _, r := range []int{4, 8, 16, 32, 64} {
		assertClose(t, fmt.Sprintf("b%d x", r), outs[i], o.npy(t, fmt.Sprintf("backbone_b%d_x", r)), 1e-4)
		if r < 64 {
			assertClose(t, fmt.Sprintf("b%d img", r), outs[i+1], o.npy(t, fmt.Sprintf("backbone_b%d_img", r)), 1e-4)
		}
		i += 2
	}
	assertClose(t, "planes[::4, ::4]", outs[i], o.npy(t, "planes_stride4"), 1e-4)
	assertClose(t, "planes[112:144, 112:144]", outs[i+1], o.npy(t, "planes_crop"), 1e-4)
	// Sums over 65,536 values of order 10: compare relative to the sums' scale.
	sums := o.npy(t, "planes_channel_sums")
	scale := 0.0
	for _, v := range tensors.MustCopyFlatData[float32](sums) {
		scale = math.Max(scale, math.Abs(float64(v)))
	}
	assertClose(t, "planes channel sums", scaled(outs[i+2], 1/scale), scaled(sums, 1/scale), 5e-5)
}

func scaled(x *tensors.Tensor, s float64) *tensors.Tensor {
	d := tensors.MustCopyFlatData[float32](x)
	for i := range d {
		d[i] = float32(float64(d[i]) * s)
	}
	return tensors.FromFlatDataAndDimensions(d, x.Shape().Dimensions...)
}

func TestRaysParity(t *testing.T) {
	o := loadOfficial(t)
	for _, cam := range []string{"front", "side"} {
		outs := o.run(t, func(_ *context.Context, c *Node) []*Node {
			origins, dirs := Rays(c, 128)
			return []*Node{origins, dirs}
		}, o.npy(t, "c_"+cam))
		assertClose(t, cam+" ray origins", outs[0], o.npy(t, cam+"_ray_origins"), 1e-6)
		assertClose(t, cam+" ray directions", outs[1], o.npy(t, cam+"_ray_directions"), 1e-6)
	}
}

func TestDecoderProbeParity(t *testing.T) {
	o := loadOfficial(t)
	outs := o.run(t, func(ctx *context.Context, ws, points *Node) []*Node {
		planes := Backbone(ctx, &o.cfg, ws, NoiseConst)
		feats := SamplePlanes(planes, points, o.cfg.BoxWarp)
		rgb, sigma := Decode(ctx, &o.cfg, feats)
		return []*Node{feats, rgb, sigma}
	}, o.npy(t, "ws_psi1"), o.npy(t, "probe_points"))
	assertClose(t, "probe plane features", outs[0], o.npy(t, "probe_plane_features"), 1e-4)
	assertClose(t, "probe rgb", outs[1], o.npy(t, "probe_rgb"), 1e-5)
	assertClose(t, "probe sigma", outs[2], o.npy(t, "probe_sigma"), 1e-4)
}

func TestImportanceSamplerParity(t *testing.T) {
	o := loadOfficial(t)
	for _, cam := range []string{"front", "side"} {
		outs := o.run(t, func(ctx *context.Context, ray0, weights *Node) *Node {
			coarse := BroadcastToDims(Reshape(ray0, 1, 1, -1), 1, 256, 48)
			w := Reshape(weights, 1, 256, 47)
			g := ray0.Graph()
			fine := importanceDepths(ctx, g, coarse, w, 48, true)
			return Reshape(fine, 1, 16, 16, 48)
		}, o.npy(t, cam+"_depths_coarse_ray0"), o.npy(t, cam+"_coarse_weights_stride8"))
		assertClose(t, cam+" fine depths", outs[0], o.npy(t, cam+"_depths_fine_stride8"), 1e-5)
	}
}

func TestRenderParity(t *testing.T) {
	o := loadOfficial(t)
	for _, cam := range []string{"front", "side"} {
		t.Run(cam, func(t *testing.T) {
			outs := o.run(t, func(ctx *context.Context, ws, c *Node) []*Node {
				out := Synthesis(ctx, &o.cfg, ws, c, RenderOptions{Deterministic: true})
				var block0 *Node
				superResolution(ctx, &o.cfg, out.ImageRaw, out.Features, ws, func(i int, img *Node) {
					if i == 0 {
						block0 = img
					}
				})
				return []*Node{out.Features, out.ImageRaw, out.Depth, out.WeightsSum, block0, out.Image}
			}, o.npy(t, "ws_psi1"), o.npy(t, "c_"+cam))
			for i, name := range []string{"feature_image", "image_raw", "image_depth", "weights_sum", "sr_block0_img", "image"} {
				assertClose(t, cam+" "+name, outs[i], o.npy(t, cam+"_"+name), 1e-4)
			}
		})
	}
}
