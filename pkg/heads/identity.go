package heads

import "math"

// Identity is one person of the head world: every continuous parameter of the face, hair, skin and lighting.
// All parameters are in [0, 1] (0 and 1 are the extremes of a plausible adult, 0.5 the average) and have a
// snake_case name in AttributeNames, so an edit reads id.Smile = 0.9 or id.WithAttribute("smile", 0.9).
// Geometry depends only on these fields, never on Seed, so an edited identity renders as edited.
//
// The zero Identity is a valid but extreme person (everything at its minimum); use NewIdentity or Average.
type Identity struct {
	// Seed is the seed NewIdentity was called with. It is a name, not an input: rendering ignores it.
	Seed uint64

	// Skull and face shape.
	HeadWidth, HeadLength, FaceLength, FaceWidth float64
	JawWidth, ChinSize, Cheeks, BrowRidge        float64

	// Nose.
	NoseLength, NoseWidth, NoseProjection, NoseBridge, NoseTip float64

	// Eyes: spacing, size of the opening, tilt of the opening, depth of the sockets, iris colour (0 dark brown,
	// 0.35 hazel, 0.6 green, 1 blue) and where the eyes look (0.5 straight ahead).
	EyeSpacing, EyeSize, EyeTilt, EyeDepth, IrisHue, Gaze float64

	// Brows.
	BrowThickness, BrowHeight, BrowArch float64

	// Mouth: width, lip fullness, lip colour, and the smile (0 neutral; above 0.55 the lips part and show teeth).
	MouthWidth, LipFullness, LipRedness, Smile float64

	// Ears and neck.
	EarSize, EarProtrusion, NeckWidth float64

	// Hair: Cap is the volume of the hair on the skull (0 shaved, 1 thick), Length runs from cropped (0) to
	// below the shoulders (1), Fringe from a high hairline (0) to bangs down to the brows (1), Part shifts the
	// fringe to one side; Darkness runs from blond to black and Red adds red.
	HairCap, HairLength, Fringe, HairPart, HairDarkness, HairRed float64

	// Beard is stubble shading on the jaw, chin and upper lip (0 none).
	Beard float64

	// Skin: tone from light (0) to dark (1) and redness of cheeks and lips.
	SkinTone, SkinRedness float64

	// Glasses are thin clear-lens frames, worn when Glasses >= 0.5.
	Glasses float64

	// Cloth is the hue of the shirt at the bottom of the frame.
	ClothHue float64

	// Lighting, fixed to the head (the same for every view of the identity, as a real capture): key light
	// azimuth (0 from the subject's right, 1 from the left), elevation, intensity, ambient level, warmth.
	LightYaw, LightPitch, LightIntensity, Ambient, LightWarmth float64
}

// Average returns the identity with every parameter at 0.5 (no glasses, a half smile of 0.5 is a closed-mouth
// smile), the centre of the distribution NewIdentity samples.
func Average() Identity {
	var id Identity
	for _, a := range attributes {
		*a.field(&id) = 0.5
	}
	id.Glasses = 0
	id.Beard = 0
	return id
}

// NewIdentity returns the identity of a seed. It is deterministic: the same seed gives the same identity on
// every machine and Go version (the generator is a local splitmix64, not math/rand).
//
// Parameters are drawn around the average with correlations a real population has (a latent sex-like
// variable moves jaw, brow ridge, hair length and beard together), so the world is varied but coherent:
// the tiny generator trained on it should see one distribution, not independent sliders.
func NewIdentity(seed uint64) Identity {
	r := newRNG(seed)
	m := r.float() // masculinity-like latent; not an attribute, it only correlates the draws
	male := m > 0.5
	around := func(mean, spread float64) float64 { return clamp(mean+spread*r.centred(), 0, 1) }
	sexed := func(female, maleMean, spread float64) float64 {
		if male {
			return around(maleMean, spread)
		}
		return around(female, spread)
	}
	id := Identity{Seed: seed}
	id.HeadWidth = around(0.5, 0.35)
	id.HeadLength = around(0.5, 0.35)
	id.FaceLength = sexed(0.42, 0.6, 0.35)
	id.FaceWidth = around(0.5, 0.4)
	id.JawWidth = sexed(0.35, 0.68, 0.35)
	id.ChinSize = sexed(0.4, 0.62, 0.4)
	id.Cheeks = around(0.5, 0.45)
	id.BrowRidge = sexed(0.3, 0.7, 0.3)

	id.NoseLength = around(0.5, 0.4)
	id.NoseWidth = around(0.5, 0.45)
	id.NoseProjection = around(0.5, 0.4)
	id.NoseBridge = around(0.5, 0.45)
	id.NoseTip = around(0.5, 0.45)

	id.EyeSpacing = around(0.5, 0.35)
	id.EyeSize = sexed(0.58, 0.45, 0.35)
	id.EyeTilt = around(0.5, 0.4)
	id.EyeDepth = around(0.5, 0.45)
	id.IrisHue = clamp(r.float()*r.float()*1.4, 0, 1) // brown is the most common
	id.Gaze = around(0.5, 0.25)

	id.BrowThickness = sexed(0.4, 0.65, 0.35)
	id.BrowHeight = around(0.5, 0.4)
	id.BrowArch = sexed(0.62, 0.38, 0.35)

	id.MouthWidth = around(0.5, 0.4)
	id.LipFullness = sexed(0.6, 0.42, 0.4)
	id.LipRedness = sexed(0.62, 0.38, 0.4)
	id.Smile = clamp(r.float()*1.1-0.05, 0, 1)

	id.EarSize = around(0.5, 0.4)
	id.EarProtrusion = around(0.45, 0.5)
	id.NeckWidth = sexed(0.38, 0.65, 0.3)

	id.HairCap = around(0.55, 0.5)
	if male {
		id.HairCap *= 0.8 // short hair lies flatter
	}
	if male {
		id.HairLength = clamp(0.25*r.float()+0.05*r.centred(), 0, 1)
	} else {
		id.HairLength = clamp(0.35+0.65*r.float(), 0, 1)
	}
	id.Fringe = clamp(r.float()*r.float()*1.3, 0, 1)
	id.HairPart = r.float()
	id.HairDarkness = clamp(math.Sqrt(r.float())*1.05, 0, 1) // dark hair is the most common
	id.HairRed = clamp(r.float()*r.float()*r.float()*1.5, 0, 1)
	if male && r.float() < 0.45 {
		id.Beard = 0.3 + 0.7*r.float()
	}
	id.SkinTone = r.float()
	id.SkinRedness = around(0.45, 0.45)
	if r.float() < 0.18 {
		id.Glasses = 1
	}
	id.ClothHue = r.float()

	id.LightYaw = around(0.5, 0.6)
	id.LightPitch = around(0.5, 0.5)
	id.LightIntensity = around(0.5, 0.4)
	id.Ambient = around(0.5, 0.4)
	id.LightWarmth = around(0.5, 0.5)
	return id
}

// rng is splitmix64: tiny, fast, and fixed forever, so identities never change with the Go version.
type rng struct{ s uint64 }

func newRNG(seed uint64) *rng { return &rng{s: mix64(seed ^ 0x6a09e667f3bcc909)} }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	return mix64(r.s)
}

// float returns a uniform value in [0, 1).
func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

// centred returns a value in (-1, 1) peaked at 0 (the mean of two uniforms, rescaled: a triangle).
func (r *rng) centred() float64 { return r.float() + r.float() - 1 }

// mix64 is splitmix64's finalizer, a bijection of uint64.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Split returns the identity seeds of a train and a test set drawn from seed. The two sets are disjoint by
// construction for any sizes: train seeds are mix64(base+2i) and test seeds mix64(base+2i+1) with the
// bijection mix64, so no train seed can equal a test seed. Growing nTrain or nTest keeps the earlier seeds.
func Split(seed uint64, nTrain, nTest int) (train, test []uint64) {
	base := mix64(seed) &^ 1 // even, so base+2i and base+2i+1 never coincide (wrapping keeps parity)
	train = make([]uint64, max(nTrain, 0))
	for i := range train {
		train[i] = mix64(base + 2*uint64(i))
	}
	test = make([]uint64, max(nTest, 0))
	for i := range test {
		test[i] = mix64(base + 2*uint64(i) + 1)
	}
	return train, test
}
