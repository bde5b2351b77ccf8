package kernelext

import (
	"errors"
	"testing"
	"time"
)

func TestInteractive(t *testing.T) {
	for _, tc := range []struct {
		notebook bool
		env      string
		live     bool
		wait     time.Duration
	}{
		{false, "1", false, 0}, // never outside a notebook
		{true, "", false, 0},
		{true, "0", false, 0},
		{true, "false", false, 0},
		{true, "1", true, DefaultWireTimeout},
		{true, "true", true, DefaultWireTimeout},
		{true, "3s", true, 3 * time.Second},
		{true, "0s", false, 0},
		{true, "yes please", true, DefaultWireTimeout},
	} {
		live, wait := interactive(tc.notebook, tc.env)
		if live != tc.live || wait != tc.wait {
			t.Errorf("interactive(%v, %q) = %v, %v; want %v, %v", tc.notebook, tc.env, live, wait, tc.live, tc.wait)
		}
	}
}

// TestControlsHeadless checks that outside a live notebook controls return their defaults at once, their
// change channels are closed, and Interact draws once and returns.
func TestControlsHeadless(t *testing.T) {
	t.Setenv(InteractiveEnv, "1") // ignored: this is no notebook
	start := time.Now()
	lr := NewSlider("learning rate", 0.001, 0.1, 0.001, 0.01)
	clamped := NewSlider("steps", 10, 500, 10, 900)
	method := NewSelect("blend", []string{"gaussian", "poisson"}, "poisson")
	if lr.Value() != 0.01 || clamped.Value() != 500 || method.Value() != "poisson" || method.Index() != 1 {
		t.Errorf("values %v, %v, %q (%d); want 0.01, 500 (clamped), poisson (1)", lr.Value(), clamped.Value(), method.Value(), method.Index())
	}
	if lr.Live() || method.Live() {
		t.Error("a control is live outside a notebook")
	}
	for v := range lr.Changes() {
		t.Errorf("static slider delivered a change %v", v)
	}
	for v := range method.Changes() {
		t.Errorf("static select delivered a change %q", v)
	}
	calls := 0
	if err := Interact(func() error { calls++; return nil }, lr, method); err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Errorf("render called %d times, want 1", calls)
	}
	boom := errors.New("boom")
	if err := Interact(func() error { return boom }, lr); err != boom {
		t.Errorf("Interact returned %v, want render's error", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("headless controls took %v", d)
	}
}

func TestControlArgumentsPanic(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func()
	}{
		{"empty range", func() { NewSlider("x", 1, 1, 0.1, 1) }},
		{"zero step", func() { NewSlider("x", 0, 1, 0, 0.5) }},
		{"NaN bound", func() { NewSlider("x", 0, nan(), 0.1, 0.5) }},
		{"no options", func() { NewSelect("x", nil, "a") }},
		{"default not an option", func() { NewSelect("x", []string{"a", "b"}, "c") }},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", tc.name)
				}
			}()
			tc.make()
		}()
	}
}

func nan() float64 { var z float64; return z / z }

func TestSliderPositions(t *testing.T) {
	s := &Slider{min: 0.1, max: 1, step: 0.1}
	if s.positions() != 9 {
		t.Fatalf("positions %d, want 9", s.positions())
	}
	for _, tc := range []struct {
		p    int
		want float64
	}{{0, 0.1}, {3, 0.4}, {9, 1}, {12, 1}, {-1, 0.1}} {
		if got := s.at(tc.p); got != tc.want {
			t.Errorf("at(%d) = %v, want %v", tc.p, got, tc.want)
		}
	}
	for _, tc := range []struct {
		v    float64
		want int
	}{{0.1, 0}, {0.44, 3}, {0.46, 4}, {5, 9}} {
		if got := s.position(tc.v); got != tc.want {
			t.Errorf("position(%v) = %d, want %d", tc.v, got, tc.want)
		}
	}
}

// TestInteractRedrawsLive drives controls as the front end would (set) and checks that Interact redraws
// with the new values and that Changes delivers them.
func TestInteractRedrawsLive(t *testing.T) {
	yaw := &Slider{label: "yaw", min: -60, max: 60, step: 5, value: 0}
	yaw.live = true
	method := &Select{label: "blend", options: []string{"gaussian", "poisson"}}
	method.live = true
	changes := yaw.Changes()

	seen := make(chan string, 10)
	stop := errors.New("stop")
	done := make(chan error, 1)
	go func() {
		calls := 0
		done <- Interact(func() error {
			calls++
			seen <- method.Value() + " " + formatFloat(yaw.Value())
			if calls == 3 {
				return stop
			}
			return nil
		}, yaw, method)
	}()
	expect := func(want string) {
		t.Helper()
		select {
		case got := <-seen:
			if got != want {
				t.Errorf("render saw %q, want %q", got, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no render for %q", want)
		}
	}
	expect("gaussian 0")
	yaw.set(yaw.at(yaw.position(30)))
	expect("gaussian 30")
	select {
	case v := <-changes:
		if v != 30 {
			t.Errorf("Changes delivered %v, want 30", v)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Changes delivered nothing")
	}
	method.set(1)
	expect("poisson 30")
	select {
	case err := <-done:
		if err != stop {
			t.Errorf("Interact returned %v, want render's error", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Interact did not return render's error")
	}
}
