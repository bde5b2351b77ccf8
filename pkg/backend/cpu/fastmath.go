package cpu

// Float32 transcendental functions for the unary executors, in float32 arithmetic: the stock loops convert every
// element to float64 and call the math package (math.Log1p alone was 11% of an EG3D inversion step, through the
// decoder's and ray marcher's softplus). Each uses the classic reduction of Cephes' single-precision library:
// exp as 2ⁿ·eʳ with |r| ≤ ln2/2 (Cody-Waite split of ln2), log as k·ln2 + log(m) with m in [√½, √2); log1p as
// log(1+x)·x/((1+x)-1), which cancels the rounding of 1+x (Goldberg's trick). Accuracy, measured against float64
// math over all float32 ranges in fastmath_test.go: within 2 ulp. Arguments where the reduction does not apply
// (NaN, ±Inf, overflow, results or arguments that are subnormal, log of zero or negatives) go to the float64 math
// package, so special values come out exactly as the stock executors give them.

import "math"

const (
	ln2Hi32  = 0.693359375    // ln2 rounded to 9 bits: n·ln2Hi is exact for |n| < 2⁸.
	ln2Lo32  = -2.12194440e-4 // ln2 - ln2Hi.
	log2e32  = 1.44269504088896341
	round32  = 12582912   // 1.5·2²³: adding it rounds a float32 of magnitude < 2²² to an integer.
	sqrtHalf = 0x3f3504f3 // Bits of √½ rounded.
	expMax32 = 87.0       // |x| bound of exp's fast path: 2ⁿ stays a normal float32.
	ln2F32   = float32(math.Ln2)
)

// exp32 returns eˣ.
func exp32(x float32) float32 {
	if !(x >= -expMax32 && x <= expMax32) { // NaN too.
		return float32(math.Exp(float64(x)))
	}
	return expCore32(x)
}

// expCore32 is eˣ for |x| ≤ expMax32.
func expCore32(x float32) float32 {
	t := x*log2e32 + round32
	n := int32(math.Float32bits(t)) - int32(math.Float32bits(round32))
	fn := t - round32
	r := x - fn*ln2Hi32 - fn*ln2Lo32
	p := float32(1.9875691500e-4)
	p = p*r + 1.3981999507e-3
	p = p*r + 8.3334519073e-3
	p = p*r + 4.1665795894e-2
	p = p*r + 1.6666665459e-1
	p = p*r + 5.0000001201e-1
	y := p*r*r + r + 1
	return math.Float32frombits(uint32(int32(math.Float32bits(y)) + n<<23))
}

// log32 returns ln x.
func log32(x float32) float32 {
	if !(x >= math.SmallestNonzeroFloat32*(1<<23) && x <= math.MaxFloat32) { // Subnormal, ≤ 0, +Inf, NaN.
		return float32(math.Log(float64(x)))
	}
	return logCore32(x)
}

// logCore32 is ln x for a normal, finite, positive x.
func logCore32(x float32) float32 {
	// x = 2ᵏ·m with m in [√½, √2): shift the bits so the exponent field counts from √½ instead of 1.
	ix := math.Float32bits(x) + (0x3f800000 - sqrtHalf)
	k := float32(int32(ix>>23) - 0x7f)
	f := math.Float32frombits(ix&0x007fffff+sqrtHalf) - 1
	z := f * f
	p := float32(7.0376836292e-2)
	p = p*f - 1.1514610310e-1
	p = p*f + 1.1676998740e-1
	p = p*f - 1.2420140846e-1
	p = p*f + 1.4249322787e-1
	p = p*f - 1.6668057665e-1
	p = p*f + 2.0000714765e-1
	p = p*f - 2.4999993993e-1
	p = p*f + 3.3333331174e-1
	y := p*f*z + k*ln2Lo32 - 0.5*z
	return f + y + k*ln2Hi32
}

// log1p32 returns ln(1+x).
func log1p32(x float32) float32 {
	u := 1 + x
	if u == 1 { // |x| below half an ulp of 1: ln(1+x) = x to float32 precision (keeps -0 and subnormals).
		return x
	}
	if !(u > 0 && u <= math.MaxFloat32) { // x ≤ -1, overflow, NaN.
		return float32(math.Log1p(float64(x)))
	}
	return logCore32(u) * (x / (u - 1))
}

// logistic32 returns 1/(1+e⁻ˣ), evaluated through e^-|x| so neither branch overflows.
func logistic32(x float32) float32 {
	if !(x >= -expMax32 && x <= expMax32) {
		return float32(logistic64(float64(x)))
	}
	e := expCore32(-abs32(x))
	num := float32(1)
	if x < 0 {
		num = e
	}
	return num / (1 + e)
}

func logistic64(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// tanh32 returns tanh x: an odd polynomial below |x| = 0.625 (where 1-2/(e²ˣ+1) would cancel), else through exp.
func tanh32(x float32) float32 {
	a := abs32(x)
	if !(a <= 9) { // tanh is ±1 to float32 precision; NaN.
		return float32(math.Tanh(float64(x)))
	}
	if a < 0x1p-12 { // x³/3 is below half an ulp of x (and -0 stays -0).
		return x
	}
	if a < 0.625 {
		z := x * x
		p := float32(-5.70498872745e-3)
		p = p*z + 2.06390887954e-2
		p = p*z - 5.37397155531e-2
		p = p*z + 1.33314422036e-1
		p = p*z - 3.33332819422e-1
		return x + x*z*p
	}
	t := 1 - 2/(expCore32(2*a)+1)
	return math.Float32frombits(math.Float32bits(t) | math.Float32bits(x)&(1<<31))
}

func abs32(x float32) float32 { return math.Float32frombits(math.Float32bits(x) &^ (1 << 31)) }

// The slice versions, the loops of the unary executors.

func expSlice32(in, out []float32) {
	out = out[:len(in)]
	for i, x := range in {
		out[i] = exp32(x)
	}
}

func logSlice32(in, out []float32) {
	out = out[:len(in)]
	for i, x := range in {
		out[i] = log32(x)
	}
}

func log1pSlice32(in, out []float32) {
	out = out[:len(in)]
	for i, x := range in {
		out[i] = log1p32(x)
	}
}

func logisticSlice32(in, out []float32) {
	out = out[:len(in)]
	for i, x := range in {
		out[i] = logistic32(x)
	}
}

func tanhSlice32(in, out []float32) {
	out = out[:len(in)]
	for i, x := range in {
		out[i] = tanh32(x)
	}
}

// signSlice32 is Sign as the stock executor defines it (NaN gives 0), with integer masks instead of branches
// on the data (the gradients of Abs and Max take signs of mixed-sign values, where branches mispredict).
func signSlice32(in, out []float32) {
	out = out[:len(in)]
	for i, x := range in {
		b := math.Float32bits(x)
		a := int32(b &^ (1 << 31))
		nonzero := uint32(-a >> 31)              // All ones when |x| > 0.
		notNaN := uint32((a - 0x7f800001) >> 31) // All ones when |x| ≤ +Inf.
		out[i] = math.Float32frombits((b&(1<<31) | 0x3f800000) & nonzero & notNaN)
	}
}

func absSlice32(in, out []float32) {
	out = out[:len(in)]
	for i, x := range in {
		out[i] = math.Float32frombits(math.Float32bits(x) &^ (1 << 31))
	}
}
