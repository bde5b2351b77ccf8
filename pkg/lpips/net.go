package lpips

import (
	"fmt"
	"strings"
)

// Net is the backbone an LPIPS model measures features with.
type Net int

const (
	AlexNet Net = iota // torchvision's alexnet features; lpips's net='alex', the package's default
	VGG16              // torchvision's vgg16 features; lpips's net='vgg'
)

// String returns the lpips package's name of the net: "alex" or "vgg".
func (n Net) String() string {
	switch n {
	case AlexNet:
		return "alex"
	case VGG16:
		return "vgg"
	}
	return fmt.Sprintf("Net(%d)", int(n))
}

// ParseNet returns the Net named s: "alex" or "alexnet", "vgg" or "vgg16", in any case.
func ParseNet(s string) (Net, error) {
	switch strings.ToLower(s) {
	case "alex", "alexnet":
		return AlexNet, nil
	case "vgg", "vgg16":
		return VGG16, nil
	}
	return 0, fmt.Errorf("lpips: unknown net %q, want \"alex\" or \"vgg\"", s)
}

// Channels returns the channel counts of the five feature maps LPIPS compares (AlexNet relu1..relu5, VGG16
// relu1_2, relu2_2, relu3_3, relu4_3, relu5_3). It panics for an unknown Net.
func (n Net) Channels() []int {
	stages := n.stages()
	out := make([]int, len(stages))
	for i, s := range stages {
		out[i] = s.convs[len(s.convs)-1].out
	}
	return out
}

// MinSize is the smallest image side the net accepts: every pooling window and kernel must fit in its
// input (31 for AlexNet, 16 for VGG16).
func (n Net) MinSize() int {
	for size := 1; ; size++ {
		if n.sides(size) != nil {
			return size
		}
	}
}

// sides returns the side of each stage's output for an input side, by PyTorch's floor arithmetic, or nil if
// a window or kernel does not fit.
func (n Net) sides(size int) []int {
	var out []int
	for _, s := range n.stages() {
		if s.poolWindow > 0 {
			if size < s.poolWindow {
				return nil
			}
			size = (size-s.poolWindow)/s.poolStride + 1
		}
		for _, c := range s.convs {
			if size+2*c.padding < c.kernel {
				return nil
			}
			size = (size+2*c.padding-c.kernel)/c.stride + 1
		}
		out = append(out, size)
	}
	return out
}

// BackboneFile is the file name of torchvision's pretrained weights for the net, which the lpips package
// loads through torchvision.
func (n Net) BackboneFile() string {
	switch n {
	case AlexNet:
		return "alexnet-owt-7be5be79.pth"
	case VGG16:
		return "vgg16-397923af.pth"
	}
	return ""
}

// BackboneURL is where torchvision downloads BackboneFile from. pmvi never downloads it; the URL tells a user
// where to get it.
func (n Net) BackboneURL() string {
	return "https://download.pytorch.org/models/" + n.BackboneFile()
}

// LinearFile is the file name of the lpips v0.1 linear layers for the net, lpips/weights/v0.1/<LinearFile>
// in the lpips package (github.com/richzhang/PerceptualSimilarity, PyPI "lpips").
func (n Net) LinearFile() string {
	return n.String() + ".pth"
}

// convSpec is one torchvision Conv2d (followed by ReLU) of a features Sequential.
type convSpec struct {
	index                            int // position in features: weights are "features.<index>.weight"/".bias"
	in, out, kernel, stride, padding int
}

// stage is one LPIPS slice: optional max pooling, then convolutions, each followed by ReLU. Its output is
// one of the feature maps LPIPS compares.
type stage struct {
	poolWindow, poolStride int // max pooling before the convolutions (no padding, floor); 0 for none
	convs                  []convSpec
}

// stages returns the net's slices as lpips's pretrained_networks splits torchvision's features.
func (n Net) stages() []stage {
	switch n {
	case AlexNet:
		// features: Conv(3,64,11,s4,p2) ReLU MaxPool(3,2) Conv(64,192,5,p2) ReLU MaxPool(3,2) Conv(192,384,3,p1)
		// ReLU Conv(384,256,3,p1) ReLU Conv(256,256,3,p1) ReLU [MaxPool]; slices end at each ReLU.
		return []stage{
			{convs: []convSpec{{0, 3, 64, 11, 4, 2}}},
			{3, 2, []convSpec{{3, 64, 192, 5, 1, 2}}},
			{3, 2, []convSpec{{6, 192, 384, 3, 1, 1}}},
			{0, 0, []convSpec{{8, 384, 256, 3, 1, 1}}},
			{0, 0, []convSpec{{10, 256, 256, 3, 1, 1}}},
		}
	case VGG16:
		// features: blocks of 3x3 convs (padding 1) with ReLU, separated by MaxPool(2,2); slices end at
		// relu1_2, relu2_2, relu3_3, relu4_3 and relu5_3.
		return []stage{
			{convs: []convSpec{{0, 3, 64, 3, 1, 1}, {2, 64, 64, 3, 1, 1}}},
			{2, 2, []convSpec{{5, 64, 128, 3, 1, 1}, {7, 128, 128, 3, 1, 1}}},
			{2, 2, []convSpec{{10, 128, 256, 3, 1, 1}, {12, 256, 256, 3, 1, 1}, {14, 256, 256, 3, 1, 1}}},
			{2, 2, []convSpec{{17, 256, 512, 3, 1, 1}, {19, 512, 512, 3, 1, 1}, {21, 512, 512, 3, 1, 1}}},
			{2, 2, []convSpec{{24, 512, 512, 3, 1, 1}, {26, 512, 512, 3, 1, 1}, {28, 512, 512, 3, 1, 1}}},
		}
	}
	panic(fmt.Errorf("lpips: unknown net %v", n))
}

// param is one tensor of an LPIPS model, named as in the state_dict it is read from.
type param struct {
	name  string
	shape []int
}

// params lists the model's tensors: the backbone convolutions ("features.<i>.weight" [out,in,k,k] and
// ".bias" [out]) and the linear layers ("lin<k>.model.1.weight" [1,C,1,1]).
func (n Net) params() []param {
	var ps []param
	for _, s := range n.stages() {
		for _, c := range s.convs {
			ps = append(ps,
				param{c.weightName(), []int{c.out, c.in, c.kernel, c.kernel}},
				param{c.biasName(), []int{c.out}})
		}
	}
	for k, ch := range n.Channels() {
		ps = append(ps, param{linName(k), []int{1, ch, 1, 1}})
	}
	return ps
}

func (c convSpec) weightName() string { return fmt.Sprintf("features.%d.weight", c.index) }
func (c convSpec) biasName() string   { return fmt.Sprintf("features.%d.bias", c.index) }

// linName is the state_dict name of layer k's linear weights in lpips v0.1 files, whose NetLinLayer is
// Sequential(Dropout, Conv2d): the convolution is model.1.
func linName(k int) string { return fmt.Sprintf("lin%d.model.1.weight", k) }
