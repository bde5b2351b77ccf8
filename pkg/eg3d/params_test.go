package eg3d

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/pmvi/pmvi/internal/fixture"
)

// shapesFile is the part of the fixtures' shapes.json this test reads.
type shapesFile struct {
	TotalParameters int `json:"total_parameters"`
	Parameters      []struct {
		Name  string `json:"name"`
		Shape []int  `json:"shape"`
	} `json:"parameters"`
	Buffers []struct {
		Name  string `json:"name"`
		Shape []int  `json:"shape"`
	} `json:"buffers"`
}

func TestParamsMatchOfficialLists(t *testing.T) {
	dir := fixture.Dir(t)
	for _, tt := range []struct {
		file string
		cfg  Config
	}{
		{"ffhq512-128.shapes.json", FFHQ512()},
		{"tiny/shapes.json", Fixture()},
	} {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			var want shapesFile
			if err := json.Unmarshal(data, &want); err != nil {
				t.Fatal(err)
			}
			got := map[string]Param{}
			for _, p := range tt.cfg.Params() {
				if _, dup := got[p.Name]; dup {
					t.Errorf("%s listed twice", p.Name)
				}
				got[p.Name] = p
			}
			check := func(name string, shape []int, buffer bool) {
				p, ok := got[name]
				if !ok {
					t.Errorf("missing %s %v", name, shape)
					return
				}
				if !slices.Equal(p.Shape, shape) || p.Buffer != buffer {
					t.Errorf("%s: shape %v buffer %v, want %v buffer %v", name, p.Shape, p.Buffer, shape, buffer)
				}
				delete(got, name)
			}
			for _, p := range want.Parameters {
				check(p.Name, p.Shape, false)
			}
			for _, b := range want.Buffers {
				check(b.Name, b.Shape, true)
			}
			for name := range got {
				t.Errorf("extra tensor %s not in the official list", name)
			}
			if n := tt.cfg.NumParameters(); n != want.TotalParameters {
				t.Errorf("NumParameters() = %d, want %d", n, want.TotalParameters)
			}
		})
	}
}
