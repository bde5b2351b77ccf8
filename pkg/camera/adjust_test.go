package camera

import (
	"math"
	"testing"
)

// Adjusting a rig camera's yaw about the origin moves it along the rig; pitch and yaw turn it by their angles;
// roll keeps the position; the result is a valid camera; zero changes nothing.
func TestAdjust(t *testing.T) {
	rig := FFHQ()
	var origin [3]float64
	c := At(0.2, -0.1)
	if d := c.Adjust(Adjustment{}, origin); !close(d.Label(), c.Label(), 1e-6) {
		t.Error("the zero adjustment changed the camera")
	}
	// Yaw about the world's vertical axis through the origin: the rig's yaw (the camera then looks at the
	// pivot turned with it, 0.03 units from the pivot itself).
	got, want := At(0.1, 0.05).Adjust(Adjustment{Yaw: 0.15}, origin), At(0.25, 0.05)
	if p, q := got.Position(), want.Position(); math.Abs(p[0]-q[0])+math.Abs(p[1]-q[1])+math.Abs(p[2]-q[2]) > 1e-9 {
		t.Errorf("yaw 0.15 from yaw 0.1 puts the camera at %v, want At(0.25, 0.05)'s %v", p, q)
	}
	for _, a := range []Adjustment{{Pitch: 0.1}, {Roll: 0.2}, {Yaw: -0.1, Pitch: 0.05, Roll: 0.03, LogRadius: 0.1, LogFocal: -0.1}} {
		d := c.Adjust(a, origin)
		if err := d.Validate(); err != nil {
			t.Errorf("%+v: %v", a, err)
		}
		turned := AngleBetween(c, d, rig.Pivot)
		want := math.Hypot(a.Yaw*math.Cos(0.1), a.Pitch) // yaw about the vertical turns less away from level
		if math.Abs(turned-want) > 0.01 {
			t.Errorf("%+v turns the camera by %.4f rad, want about %.4f", a, turned, want)
		}
	}
	if d := c.Adjust(Adjustment{Roll: 0.3}, origin); AngleBetween(c, d, origin) > 1e-6 {
		t.Error("roll moved the camera")
	}
	if a := (Adjustment{Yaw: 0.1}).Angle(); math.Abs(a-0.1) > 0.01 {
		t.Errorf("Angle of a 0.1 rad yaw: %.4f", a)
	}
}

func close(a, b []float32, tol float64) bool {
	for i := range a {
		if math.Abs(float64(a[i]-b[i])) > tol {
			return false
		}
	}
	return true
}
