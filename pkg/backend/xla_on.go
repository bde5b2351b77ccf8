//go:build xla

package backend

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/xla"
)

// newXLA creates GoMLX's XLA backend with the PJRT plugin named in options ("cuda", "cpu", ...; empty picks the
// first available, CUDA first). Plugins are never downloaded: pmvi's machines cannot reach the network, and a
// silent download is no way to pick a GPU runtime.
func newXLA(config, options string) (backends.Backend, error) {
	xla.EnableAutoInstall(false)
	plugins := xla.GetAvailablePlugins()
	plugin, _, _ := strings.Cut(options, ",")
	if len(plugins) == 0 {
		return nil, fmt.Errorf("backend: %s=%q: no PJRT plugin found (set PJRT_PLUGIN_LIBRARY_PATH to the folder "+
			"holding pjrt_c_api_*_plugin.so, or install one with github.com/gomlx/go-xla's installer)", EnvVar, config)
	}
	if plugin != "" && !strings.HasPrefix(plugin, "/") && !slices.Contains(plugins, plugin) {
		return nil, fmt.Errorf("backend: %s=%q: PJRT plugin %q not found, available: %q", EnvVar, config, plugin, plugins)
	}
	b, err := xla.New(options)
	if err != nil {
		return nil, fmt.Errorf("backend: %s=%q: %w", EnvVar, config, err)
	}
	return b, nil
}
