package heads

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestNewIdentityDeterministicAndInRange(t *testing.T) {
	seen := map[Identity]bool{}
	sums := map[string]float64{}
	const n = 400
	for seed := range uint64(n) {
		id := NewIdentity(seed)
		if id != NewIdentity(seed) {
			t.Fatalf("seed %d: two calls give different identities", seed)
		}
		if err := id.Validate(); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if seen[id] {
			t.Fatalf("seed %d repeats an earlier identity", seed)
		}
		seen[id] = true
		for k, v := range id.Attributes() {
			sums[k] += v
		}
	}
	// A coherent but varied population: every attribute varies, and averages stay away from the extremes.
	for _, name := range AttributeNames() {
		mean := sums[name] / n
		if mean < 0.03 || mean > 0.97 {
			t.Errorf("attribute %q has mean %.2f over %d identities: degenerate", name, mean, n)
		}
	}
}

func TestAttributes(t *testing.T) {
	names := AttributeNames()
	if len(names) != len(attributes) || !slices.Contains(names, "smile") || !slices.Contains(names, "glasses") {
		t.Fatalf("AttributeNames = %v", names)
	}
	set := map[string]bool{}
	for _, n := range names {
		if set[n] || n != strings.ToLower(n) || strings.Contains(n, " ") {
			t.Fatalf("attribute name %q repeated or not snake_case", n)
		}
		set[n] = true
	}
	id := NewIdentity(3)
	// Every attribute maps to its own field: setting each to a distinct value reads back.
	for i, n := range names {
		var err error
		if id, err = id.WithAttribute(n, float64(i+1)/float64(len(names)+1)); err != nil {
			t.Fatal(err)
		}
	}
	for i, n := range names {
		if got, _ := id.Attribute(n); got != float64(i+1)/float64(len(names)+1) {
			t.Errorf("attribute %q = %v after setting all, want %v", n, got, float64(i+1)/float64(len(names)+1))
		}
	}
	for _, bad := range []struct {
		name string
		v    float64
		want string
	}{
		{"smile", 1.5, "want a value in [0, 1]"},
		{"smile", math.NaN(), "want a value in [0, 1]"},
		{"moustache", 0.5, "unknown attribute"},
	} {
		if _, err := id.WithAttribute(bad.name, bad.v); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("WithAttribute(%q, %v): error %v, want %q", bad.name, bad.v, err, bad.want)
		}
	}
	if _, err := id.Attribute("moustache"); err == nil {
		t.Error("Attribute(unknown) returned no error")
	}
}

func TestSplit(t *testing.T) {
	train, test := Split(7, 500, 100)
	if len(train) != 500 || len(test) != 100 {
		t.Fatalf("sizes %d, %d", len(train), len(test))
	}
	set := map[uint64]string{}
	for _, s := range train {
		if set[s] != "" {
			t.Fatalf("train seed %d repeated", s)
		}
		set[s] = "train"
	}
	for _, s := range test {
		if set[s] != "" {
			t.Fatalf("test seed %d also in %s", s, set[s])
		}
		set[s] = "test"
	}
	// Deterministic, and growing a split keeps its prefix and stays disjoint from the other side.
	train2, test2 := Split(7, 800, 50)
	if !slices.Equal(train2[:500], train) || !slices.Equal(test2, test[:50]) {
		t.Error("Split is not prefix-stable")
	}
	for _, s := range train2 {
		if set[s] == "test" {
			t.Fatalf("train seed %d of a larger split is a test seed", s)
		}
	}
	other, _ := Split(8, 500, 0)
	if slices.Equal(other, train) {
		t.Error("different seeds give the same split")
	}
}

func TestVariantNames(t *testing.T) {
	for _, v := range Variants() {
		got, err := ParseVariant(strings.ToUpper(v.String()))
		if err != nil || got != v {
			t.Errorf("ParseVariant(%q) = %v, %v", v.String(), got, err)
		}
	}
	if _, err := ParseVariant("sombrero"); err == nil {
		t.Error("ParseVariant accepted an unknown name")
	}
	if s := Variant(99).String(); s != "Variant(99)" {
		t.Errorf("String of an invalid variant = %q", s)
	}
}
