//go:build xla

package backend

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/xla"
)

// XLALinked tells whether this binary has GoMLX's XLA backend: true in builds with `-tags xla`.
const XLALinked = true

// pluginPathEnv is the variable go-xla reads, once at start-up, for the folders holding PJRT plugins.
const pluginPathEnv = "PJRT_PLUGIN_LIBRARY_PATH"

// newXLA creates GoMLX's XLA backend with the PJRT plugin named in options ("cuda", "cpu", an absolute path to
// a plugin file; empty picks the first available, CUDA first). Plugins are never downloaded: pmvi's machines
// cannot reach the network, and a silent download is no way to pick a GPU runtime.
//
// When the plugin is missing, the error is one line naming the file that is missing and where to put it; when
// a file of the right name is there but does not load (typically: the NVIDIA libraries it links against are
// not on LD_LIBRARY_PATH), it gives the loader's message.
//
// Unless GOPJRT_CUDA_CHECKS is set, it sets it to 0: go-xla v0.1.4's CUDA check warns at length about a layout
// pmvi does not use and, where it finds an nvidia/ folder beside the plugin's, points XLA_FLAGS at a folder of
// its author's machine (cudaSetCUDADir("/home/janpf/...") in pkg/pjrt/cuda_linux.go).
func newXLA(config, options string) (backends.Backend, error) {
	if _, set := os.LookupEnv("GOPJRT_CUDA_CHECKS"); !set {
		_ = os.Setenv("GOPJRT_CUDA_CHECKS", "0")
	}
	xla.EnableAutoInstall(false)
	plugin, _, _ := strings.Cut(options, ",")
	if filepath.IsAbs(plugin) {
		if _, err := os.Stat(plugin); err != nil {
			return nil, fmt.Errorf("backend: %s=%q: PJRT plugin file %s: %w", EnvVar, config, plugin, err)
		}
		return newXLAClient(config, options)
	}
	available := xla.GetAvailablePlugins()
	if (plugin == "" && len(available) > 0) || slices.Contains(available, plugin) {
		return newXLAClient(config, options)
	}
	// A file of the right name that go-xla skipped failed to load: say why, rather than "not found".
	for _, file := range pluginFiles(plugin) {
		rest := strings.TrimPrefix(options, plugin)
		b, err := xla.New(file + rest)
		if err == nil {
			return b, nil
		}
		return nil, fmt.Errorf("backend: %s=%q: PJRT plugin %s is there but does not load (the NVIDIA libraries it "+
			"needs, cuDNN, cuBLAS, ..., must be on LD_LIBRARY_PATH): %s", EnvVar, config, file,
			strings.ReplaceAll(err.Error(), "\n", " "))
	}
	return nil, fmt.Errorf("backend: %s=%q: %s", EnvVar, config, missingPlugin(plugin, available))
}

// newXLAClient is xla.New with pmvi's error prefix.
func newXLAClient(config, options string) (backends.Backend, error) {
	b, err := xla.New(options)
	if err != nil {
		return nil, fmt.Errorf("backend: %s=%q: %s", EnvVar, config, strings.ReplaceAll(err.Error(), "\n", " "))
	}
	return b, nil
}

// missingPlugin says, in one line, that plugin ("" for any) was not found, where go-xla looked, what it found,
// and what to do.
func missingPlugin(plugin string, available []string) string {
	want, file := "no PJRT plugin found", "pjrt_c_api_cuda_plugin.so"
	if plugin != "" {
		want, file = fmt.Sprintf("PJRT plugin %q not found", plugin), fmt.Sprintf("pjrt_c_api_%s_plugin.so", plugin)
	}
	where := pluginPathEnv + " is unset, so go-xla searched ~/.local/lib/go-xla, /usr/local/lib/go-xla and the " +
		"LD_LIBRARY_PATH and /etc/ld.so.conf folders"
	if dirs, set := os.LookupEnv(pluginPathEnv); set {
		where = fmt.Sprintf("searched %s=%q", pluginPathEnv, dirs)
	}
	found := "none"
	if len(available) > 0 {
		found = strings.Join(available, ", ")
	}
	hint := ""
	if plugin == "cuda" || plugin == "" {
		hint = " (JAX's jax_plugins/xla_cuda*/xla_cuda_plugin.so, symlinked under that name)"
	}
	return fmt.Sprintf("%s (%s; plugins found: %s): put %s%s in a folder and set %s to that folder",
		want, where, found, file, hint, pluginPathEnv)
}

// pluginFiles lists the files named like plugin's PJRT plugin in the folders go-xla searches first
// ($PJRT_PLUGIN_LIBRARY_PATH, else its default folders and LD_LIBRARY_PATH), whether or not they load.
func pluginFiles(plugin string) []string {
	if plugin == "" {
		return nil
	}
	var dirs []string
	if v, set := os.LookupEnv(pluginPathEnv); set {
		dirs = strings.Split(v, ":")
	} else {
		if home, err := os.UserHomeDir(); err == nil {
			dirs = append(dirs, filepath.Join(home, ".local", "lib", "go-xla"))
		}
		dirs = append(dirs, "/usr/local/lib/go-xla")
		dirs = append(dirs, strings.Split(os.Getenv("LD_LIBRARY_PATH"), ":")...)
	}
	var files []string
	for _, dir := range dirs {
		if dir == "" || !filepath.IsAbs(dir) {
			continue
		}
		for _, name := range []string{"pjrt_c_api_" + plugin + "_plugin.so", "pjrt-plugin-" + plugin + ".so", "pjrt_plugin_" + plugin + ".so"} {
			if st, err := os.Stat(filepath.Join(dir, name)); err == nil && !st.IsDir() {
				files = append(files, filepath.Join(dir, name))
			}
		}
	}
	return files
}
