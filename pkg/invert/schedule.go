package invert

import "math"

// ProjectorLR is the learning rate of the StyleGAN2/EG3D projector at fraction t of the run: a linear
// warm-up over rampUp (so step 0 has rate 0), the peak, then a cosine ramp-down over the last rampDown.
func ProjectorLR(peak, t, rampUp, rampDown float64) float64 {
	r := math.Min(1, (1-t)/rampDown)
	r = 0.5 - 0.5*math.Cos(r*math.Pi)
	if rampUp > 0 {
		r *= math.Min(1, t/rampUp)
	}
	return peak * r
}

// ProjectorNoise is the scale of the noise added to W at fraction t of the run: wStd·initial·(1 − t/ramp)²,
// zero after the ramp.
func ProjectorNoise(wStd, initial, t, ramp float64) float64 {
	return wStd * initial * math.Pow(math.Max(0, 1-t/ramp), 2)
}
