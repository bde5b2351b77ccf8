#!/usr/bin/env bash
# Runs pmvi's test suite on a fresh machine: installs what the tests need (Debian packages, Go tools, face
# models), then runs every Go test. README's test command and CI (.ci/run) both call this script.
#
# Environment:
#   PMVI_SKIP_SETUP=1    do not install anything (a machine that already ran this once)
#   PMVI_TEST_FLAGS      extra flags for `go test` (e.g. "-short" to skip the slowest parity checks)
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${PMVI_SKIP_SETUP:-}" != 1 ]]; then
	scripts/setup.sh
fi

echo "== go vet"
go vet ./...
echo "== go test"
# The EG3D parity tests read ../shared/fixtures/eg3d when it exists and skip with a reason otherwise.
# PMVI_NOTEBOOKS=1 makes notebooks/ execute every notebook headless (GoNB kernel on PATH), with every optimization
# capped at PMVI_NOTEBOOK_STEPS steps so each runs top to bottom in about a minute; PMVI_BROWSER=1 drives the
# explorer in headless Chromium.
export PATH="$(go env GOPATH)/bin:$PATH"
PMVI_NOTEBOOKS=1 PMVI_NOTEBOOK_STEPS="${PMVI_NOTEBOOK_STEPS:-3}" PMVI_BROWSER=1 go test -timeout 60m ${PMVI_TEST_FLAGS:-} ./...
