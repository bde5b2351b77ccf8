package kernelext

import (
	"os"
	"strconv"
)

// StepsEnv names the environment variable that caps the optimization steps of every notebook, so CI can run each
// notebook top to bottom in seconds per stage (the committed outputs come from the notebooks' own presets).
const StepsEnv = "PMVI_NOTEBOOK_STEPS"

// StepsOverride returns the step count StepsEnv asks for, and whether it is set to a positive integer.
func StepsOverride() (int, bool) {
	n, err := strconv.Atoi(os.Getenv(StepsEnv))
	return n, err == nil && n > 0
}
