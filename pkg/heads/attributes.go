package heads

import (
	"fmt"
	"math"
)

// attribute names one Identity field for editing: the attribute-direction work (InterFaceGAN-style) scores
// and edits identities by these names.
type attribute struct {
	name  string
	field func(*Identity) *float64
}

// attributes lists every parameter in a fixed order (struct order), the order AttributeNames returns.
var attributes = [...]attribute{
	{"head_width", func(id *Identity) *float64 { return &id.HeadWidth }},
	{"head_length", func(id *Identity) *float64 { return &id.HeadLength }},
	{"face_length", func(id *Identity) *float64 { return &id.FaceLength }},
	{"face_width", func(id *Identity) *float64 { return &id.FaceWidth }},
	{"jaw_width", func(id *Identity) *float64 { return &id.JawWidth }},
	{"chin_size", func(id *Identity) *float64 { return &id.ChinSize }},
	{"cheeks", func(id *Identity) *float64 { return &id.Cheeks }},
	{"brow_ridge", func(id *Identity) *float64 { return &id.BrowRidge }},
	{"nose_length", func(id *Identity) *float64 { return &id.NoseLength }},
	{"nose_width", func(id *Identity) *float64 { return &id.NoseWidth }},
	{"nose_projection", func(id *Identity) *float64 { return &id.NoseProjection }},
	{"nose_bridge", func(id *Identity) *float64 { return &id.NoseBridge }},
	{"nose_tip", func(id *Identity) *float64 { return &id.NoseTip }},
	{"eye_spacing", func(id *Identity) *float64 { return &id.EyeSpacing }},
	{"eye_size", func(id *Identity) *float64 { return &id.EyeSize }},
	{"eye_tilt", func(id *Identity) *float64 { return &id.EyeTilt }},
	{"eye_depth", func(id *Identity) *float64 { return &id.EyeDepth }},
	{"iris_hue", func(id *Identity) *float64 { return &id.IrisHue }},
	{"gaze", func(id *Identity) *float64 { return &id.Gaze }},
	{"brow_thickness", func(id *Identity) *float64 { return &id.BrowThickness }},
	{"brow_height", func(id *Identity) *float64 { return &id.BrowHeight }},
	{"brow_arch", func(id *Identity) *float64 { return &id.BrowArch }},
	{"mouth_width", func(id *Identity) *float64 { return &id.MouthWidth }},
	{"lip_fullness", func(id *Identity) *float64 { return &id.LipFullness }},
	{"lip_redness", func(id *Identity) *float64 { return &id.LipRedness }},
	{"smile", func(id *Identity) *float64 { return &id.Smile }},
	{"ear_size", func(id *Identity) *float64 { return &id.EarSize }},
	{"ear_protrusion", func(id *Identity) *float64 { return &id.EarProtrusion }},
	{"neck_width", func(id *Identity) *float64 { return &id.NeckWidth }},
	{"hair_cap", func(id *Identity) *float64 { return &id.HairCap }},
	{"hair_length", func(id *Identity) *float64 { return &id.HairLength }},
	{"fringe", func(id *Identity) *float64 { return &id.Fringe }},
	{"hair_part", func(id *Identity) *float64 { return &id.HairPart }},
	{"hair_darkness", func(id *Identity) *float64 { return &id.HairDarkness }},
	{"hair_red", func(id *Identity) *float64 { return &id.HairRed }},
	{"beard", func(id *Identity) *float64 { return &id.Beard }},
	{"skin_tone", func(id *Identity) *float64 { return &id.SkinTone }},
	{"skin_redness", func(id *Identity) *float64 { return &id.SkinRedness }},
	{"glasses", func(id *Identity) *float64 { return &id.Glasses }},
	{"cloth_hue", func(id *Identity) *float64 { return &id.ClothHue }},
	{"light_yaw", func(id *Identity) *float64 { return &id.LightYaw }},
	{"light_pitch", func(id *Identity) *float64 { return &id.LightPitch }},
	{"light_intensity", func(id *Identity) *float64 { return &id.LightIntensity }},
	{"ambient", func(id *Identity) *float64 { return &id.Ambient }},
	{"light_warmth", func(id *Identity) *float64 { return &id.LightWarmth }},
}

// AttributeNames returns the names of all identity attributes, in a fixed order.
func AttributeNames() []string {
	names := make([]string, len(attributes))
	for i, a := range attributes {
		names[i] = a.name
	}
	return names
}

// Attributes returns every attribute of id by name, each in [0, 1].
func (id Identity) Attributes() map[string]float64 {
	out := make(map[string]float64, len(attributes))
	for _, a := range attributes {
		out[a.name] = *a.field(&id)
	}
	return out
}

// Attribute returns the named attribute of id.
func (id Identity) Attribute(name string) (float64, error) {
	for _, a := range attributes {
		if a.name == name {
			return *a.field(&id), nil
		}
	}
	return 0, fmt.Errorf("heads: unknown attribute %q (see AttributeNames)", name)
}

// WithAttribute returns id with the named attribute set to v, which must lie in [0, 1].
func (id Identity) WithAttribute(name string, v float64) (Identity, error) {
	if math.IsNaN(v) || v < 0 || v > 1 {
		return id, fmt.Errorf("heads: attribute %q = %v, want a value in [0, 1]", name, v)
	}
	for _, a := range attributes {
		if a.name == name {
			*a.field(&id) = v
			return id, nil
		}
	}
	return id, fmt.Errorf("heads: unknown attribute %q (see AttributeNames)", name)
}

// Validate reports the first attribute of id outside [0, 1], so hand-edited identities fail early.
func (id Identity) Validate() error {
	for _, a := range attributes {
		if v := *a.field(&id); math.IsNaN(v) || v < 0 || v > 1 {
			return fmt.Errorf("heads: attribute %q = %v, want a value in [0, 1]", a.name, v)
		}
	}
	return nil
}
