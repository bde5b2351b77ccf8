#!/usr/bin/env bash
# Runs pmvi's test suite on a fresh machine: installs what the tests need (Debian packages, Go tools, face
# models), then runs every Go test. README's test command and CI (.ci/run) both call this script.
#
# go test runs with -json through scripts/testsummary, which prints the usual ok/FAIL lines, failed tests'
# output, each skip with its reason, and "progress: " lines (which notebook is executing, the browser test's
# phases) as they come, then a summary: counts, failed tests, and the skipped tests grouped by reason (with
# where the EG3D parity fixtures come from when their tests skipped). The script exits with go test's status.
#
# No test writes into the repository: the notebooks cache their stages under the git-ignored out/ and write
# figures/ only outside a smoke run (PMVI_NOTEBOOK_STEPS unset); the tests that draw a committed figure write it
# only when asked (PMVI_WRITE_FIGURES=1: figures/explorer.png from the browser test and figures/align.png; or a
# test flag, e.g. models' -figures), so `git status` is clean after this script.
#
# Environment:
#   PMVI_SKIP_SETUP=1    do not install anything (a machine that already ran this once)
#   PMVI_TEST_FLAGS      extra flags for `go test` (e.g. "-short" to skip the slowest parity checks)
#   PMVI_NOTEBOOK_STEPS  optimization steps per stage in the notebooks (default 3: a smoke run)
#   PMVI_WRITE_FIGURES=1 let the figure tests rewrite their committed figures (not for CI)
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${PMVI_SKIP_SETUP:-}" != 1 ]]; then
	scripts/setup.sh
fi

echo "== go vet"
go vet ./...

# --- XLA build (scripts/gpu): no GPU or PJRT plugin here, so the -tags xla build never runs in CI; vet it and
# build pmvi and the test binaries scripts/gpu runs on a GPU, so that path cannot rot. (cgo: go-xla dlopens.)
echo "== go vet -tags xla; build pmvi and the parity test binaries with -tags xla"
xla_bin="$(mktemp -d)"
CGO_ENABLED=1 go vet -tags xla ./...
CGO_ENABLED=1 go build -tags xla -o "$xla_bin/pmvi" ./cmd/pmvi
for pkg in backend eg3d invert; do CGO_ENABLED=1 go test -c -tags xla -o "$xla_bin/$pkg.test" "./pkg/$pkg"; done
# Without a plugin, GOMLX_BACKEND=xla:cuda must fail with one line saying which file goes where.
(cd pkg/backend && "$xla_bin/backend.test" -test.run '^TestXLAErrorSaysWhatIsMissing$')
rm -rf "$xla_bin"
# --- end of the XLA build section
echo "== go test"
# The EG3D parity tests read ../shared/fixtures/eg3d when it exists and skip with a reason otherwise.
# PMVI_NOTEBOOKS=1 makes notebooks/ execute every notebook headless (GoNB kernel on PATH), with every optimization
# capped at PMVI_NOTEBOOK_STEPS steps so each runs top to bottom in about a minute; PMVI_BROWSER=1 drives the
# explorer in headless Chromium, and runs its negative control (TestExplorerNegativeControl: the same test
# against an unwired slider must fail). With these set, a missing Jupyter, GoNB or Chromium fails the tests.
export PATH="$(go env GOPATH)/bin:$PATH"
summary_bin="$(mktemp -d)"
trap 'rm -rf "$summary_bin"' EXIT
go build -o "$summary_bin/testsummary" ./scripts/testsummary
set +e
PMVI_NOTEBOOKS=1 PMVI_NOTEBOOK_STEPS="${PMVI_NOTEBOOK_STEPS:-3}" PMVI_BROWSER=1 go test -json -timeout 60m ${PMVI_TEST_FLAGS:-} ./... |
	"$summary_bin/testsummary"
status=("${PIPESTATUS[@]}")
set -e
echo "== go test exit status ${status[0]}"
if [[ "${status[0]}" != 0 ]]; then
	exit "${status[0]}"
fi
exit "${status[1]}" # testsummary could not read go test's output
