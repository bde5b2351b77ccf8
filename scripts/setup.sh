#!/usr/bin/env bash
# Installs what pmvi's tests, notebooks and real-photo tools need beyond Go itself. Idempotent; run as root on
# Debian (apt), or as a user who can sudo. Nothing here is committed to the repository: models go to the cache
# directory ($PMVI_CACHE, default ~/.cache/pmvi).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== go modules"
go mod download
echo "== face models and sample photos (pkg/align, pkg/faces, identity and pose metrics)"
scripts/fetch-face-models.sh
echo "== notebooks: Jupyter nbconvert, GoNB kernel, classic Notebook and Chromium (browser test)"
scripts/setup-notebooks.sh --browser
