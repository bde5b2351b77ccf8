// Package nprand reproduces numpy.random.RandomState's legacy stream (MT19937 with the polar Box-Muller
// "gauss" of numpy's legacy distributions), so that `--seed N` gives the same latent z as the official
// EG3D scripts, which draw np.random.RandomState(N).randn(1, z_dim).
package nprand

import "math"

const n = 624

// State is one RandomState.
type State struct {
	key       [n]uint32
	pos       int
	hasGauss  bool
	gaussNext float64
}

// New seeds a state as RandomState(seed) does for an integer seed.
func New(seed uint32) *State {
	s := &State{}
	s.key[0] = seed
	for i := 1; i < n; i++ {
		prev := s.key[i-1]
		s.key[i] = 1812433253*(prev^(prev>>30)) + uint32(i)
	}
	s.pos = n
	return s
}

func (s *State) next32() uint32 {
	if s.pos >= n {
		s.generate()
	}
	y := s.key[s.pos]
	s.pos++
	y ^= y >> 11
	y ^= (y << 7) & 0x9d2c5680
	y ^= (y << 15) & 0xefc60000
	return y ^ (y >> 18)
}

func (s *State) generate() {
	const upper, lower, matrixA = 0x80000000, 0x7fffffff, 0x9908b0df
	for i := 0; i < n; i++ {
		y := (s.key[i] & upper) | (s.key[(i+1)%n] & lower)
		v := s.key[(i+397)%n] ^ (y >> 1)
		if y&1 != 0 {
			v ^= matrixA
		}
		s.key[i] = v
	}
	s.pos = 0
}

// Float64 returns a uniform double in [0, 1) with 53 random bits, as numpy's random_sample.
func (s *State) Float64() float64 {
	a, b := s.next32()>>5, s.next32()>>6
	return (float64(a)*67108864 + float64(b)) / 9007199254740992
}

// Normal returns a standard normal draw, as numpy's legacy gauss (polar method, pairs cached).
func (s *State) Normal() float64 {
	if s.hasGauss {
		s.hasGauss = false
		return s.gaussNext
	}
	for {
		x1, x2 := 2*s.Float64()-1, 2*s.Float64()-1
		r2 := x1*x1 + x2*x2
		if r2 < 1 && r2 != 0 {
			f := math.Sqrt(-2 * math.Log(r2) / r2)
			s.gaussNext, s.hasGauss = f*x1, true
			return f * x2
		}
	}
}

// Randn returns count normal draws as float32, as RandomState(seed).randn(...).astype(float32).
func Randn(seed uint32, count int) []float32 {
	s := New(seed)
	out := make([]float32, count)
	for i := range out {
		out[i] = float32(s.Normal())
	}
	return out
}
