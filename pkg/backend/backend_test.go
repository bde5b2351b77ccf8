package backend

import (
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"

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
		{config: "xla:cuda", wantErr: "built without it"},
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
			defer b.Finalize()
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
	defer b.Finalize()
	if b.String() != cpu.BackendName {
		t.Errorf("MustNew with %s=cpu:parallelism=1 gave %q", EnvVar, b.String())
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
