package backend

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// xlaErrorHelperEnv makes TestXLAErrorSaysWhatIsMissing print New's error instead of testing: go-xla reads
// PJRT_PLUGIN_LIBRARY_PATH once, at start-up, so each case runs in a fresh process with its own environment.
const xlaErrorHelperEnv = "PMVI_XLA_ERROR_HELPER"

// TestXLAErrorSaysWhatIsMissing checks the one-line error of an XLA configuration that cannot be served: in the
// default build, that the binary lacks XLA and how to rebuild; with -tags xla and no plugin, which plugin file
// is missing and where PJRT_PLUGIN_LIBRARY_PATH should point; with a plugin file that does not load, why.
func TestXLAErrorSaysWhatIsMissing(t *testing.T) {
	if os.Getenv(xlaErrorHelperEnv) != "" {
		_, err := New()
		fmt.Printf("\nnew-error<<%v>>\n", err)
		return
	}
	empty := t.TempDir()
	broken := t.TempDir()
	brokenFile := filepath.Join(broken, "pjrt_c_api_cuda_plugin.so")
	if err := os.WriteFile(brokenFile, []byte("not a shared library"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, config, pluginPath string
		want                     []string // With -tags xla.
		xlaOnly                  bool
	}{
		{name: "no plugin", config: "xla:cuda", pluginPath: empty, want: []string{
			`PJRT plugin "cuda" not found`, "pjrt_c_api_cuda_plugin.so", "xla_cuda_plugin.so",
			"set PJRT_PLUGIN_LIBRARY_PATH to that folder", fmt.Sprintf("PJRT_PLUGIN_LIBRARY_PATH=%q", empty)}},
		{name: "no plugin of any kind", config: "xla", pluginPath: empty, want: []string{
			"no PJRT plugin", "pjrt_c_api_cuda_plugin.so", "PJRT_PLUGIN_LIBRARY_PATH"}},
		{name: "plugin does not load", config: "xla:cuda", pluginPath: broken, xlaOnly: true, want: []string{
			brokenFile, "does not load", "LD_LIBRARY_PATH"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.xlaOnly && !XLALinked {
				t.Skip("the default build never looks for a plugin")
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestXLAErrorSaysWhatIsMissing$", "-test.count=1")
			cmd.Env = append(os.Environ(), xlaErrorHelperEnv+"=1", EnvVar+"="+tc.config,
				"PJRT_PLUGIN_LIBRARY_PATH="+tc.pluginPath)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if err != nil && !errors.As(err, &exit) {
				t.Fatal(err)
			}
			_, msg, ok := strings.Cut(string(out), "new-error<<")
			msg, _, ok2 := strings.Cut(msg, ">>\n")
			if !ok || !ok2 {
				t.Fatalf("helper printed no error:\n%s", out)
			}
			t.Logf("%s=%s, PJRT_PLUGIN_LIBRARY_PATH=%s: %s", EnvVar, tc.config, tc.pluginPath, msg)
			want := []string{"backend: ", fmt.Sprintf("%s=%q", EnvVar, tc.config)}
			if XLALinked {
				want = append(want, tc.want...)
			} else {
				want = append(want, "built without it", "-tags xla")
			}
			if !strings.HasPrefix(msg, "backend: ") || strings.Contains(msg, "\n") {
				t.Errorf("want one line starting with %q, got %q", "backend: ", msg)
			}
			for _, w := range want {
				if !strings.Contains(msg, w) {
					t.Errorf("error lacks %q: %s", w, msg)
				}
			}
		})
	}
}
