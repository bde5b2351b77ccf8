package kernelext

import "testing"

func TestStepsOverride(t *testing.T) {
	for _, tt := range []struct {
		env  string
		n    int
		want bool
	}{{"", 0, false}, {"12", 12, true}, {"0", 0, false}, {"x", 0, false}} {
		t.Setenv(StepsEnv, tt.env)
		if n, ok := StepsOverride(); n != tt.n || ok != tt.want {
			t.Errorf("%s=%q: StepsOverride() = %d, %v; want %d, %v", StepsEnv, tt.env, n, ok, tt.n, tt.want)
		}
	}
}
