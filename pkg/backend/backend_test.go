package backend

import (
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/pmvi/pmvi/pkg/backend/cpu"
)

func TestNewWithConfig(t *testing.T) {
	tests := []struct {
		config  string
		wantErr string // Empty: want the cpu engine.
	}{
		{config: ""},
		{config: "cpu"},
		{config: "cpu:parallelism=1,ops_sequential"},
		{config: "go"},
		{config: "go:ops_parallel"},
		{config: "cpu:bogus", wantErr: `unknown configuration option "bogus"`},
		{config: "tpu", wantErr: `unknown backend "tpu"`},
	}
	if !XLALinked {
		tests = append(tests, struct {
			config, wantErr string
		}{config: "xla:cuda", wantErr: "built without it"})
	}
	for _, tc := range tests {
		t.Run(tc.config, func(t *testing.T) {
			b, err := NewWithConfig(tc.config)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.HasPrefix(err.Error(), "backend: ") {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := b.(*cpu.Backend); !ok {
				t.Errorf("got backend %T (%s), want the cpu engine", b, b.Name())
			}
		})
	}
}

func TestNewReadsEnvironment(t *testing.T) {
	t.Setenv(EnvVar, "tpu")
	if _, err := New(); err == nil || !strings.Contains(err.Error(), `"tpu"`) {
		t.Errorf("New with %s=tpu: err = %v", EnvVar, err)
	}
	t.Setenv(EnvVar, "cpu:parallelism=1")
	b := MustNew()
	if b.String() != cpu.BackendName {
		t.Errorf("MustNew with %s=cpu:parallelism=1 gave %q", EnvVar, b.String())
	}
}

// TestNewIsShared checks that New hands out one instance per configuration, so a tensor computed on the backend
// one package got can be used by another, and that a finalized shared backend is replaced.
func TestNewIsShared(t *testing.T) {
	a, err := NewWithConfig("cpu:parallelism=1")
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewWithConfig("go:parallelism=1")
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Fatal(`"cpu:parallelism=1" and "go:parallelism=1" gave two backend instances`)
	}
	if c, _ := NewWithConfig("cpu:parallelism=2"); c == a {
		t.Fatal("two configurations gave the same backend instance")
	}
	// A tensor materialized by one "package"'s executable feeds another's.
	x := graph.MustExecOnce(a, func(g *graph.Graph) *graph.Node { return graph.IotaFull(g, shapes.Make(dtypes.Float32, 3)) })
	y := graph.MustExecOnce(b, func(x *graph.Node) *graph.Node { return graph.MulScalar(x, 2) }, x)
	if got := tensors.MustCopyFlatData[float32](y); got[2] != 4 {
		t.Errorf("2·iota(3) = %v", got)
	}
	a.Finalize()
	c, err := NewWithConfig("cpu:parallelism=1")
	if err != nil {
		t.Fatal(err)
	}
	if c == a || c.IsFinalized() {
		t.Error("a finalized shared backend was handed out again")
	}
}

func TestInstallGradientsIdempotent(t *testing.T) {
	InstallGradients()
	InstallGradients()
	for _, nodeType := range []graph.NodeType{graph.NodeTypeDotGeneral, graph.NodeTypeDot, graph.NodeTypeConvGeneral,
		graph.NodeTypeGather, graph.NodeTypeRsqrt, graph.NodeTypePad, graph.NodeTypeReverse} {
		if graph.VJPRegistration[nodeType] == nil {
			t.Errorf("no VJP installed for %s", nodeType)
		}
	}
}
