#!/usr/bin/env bash
# Installs what running pmvi's GoNB notebooks headless needs: Jupyter's nbconvert (Debian packages), the GoNB
# kernel v0.11.1 and goimports v0.52.0 (built with this machine's Go), and GoNB's kernel spec. Idempotent: each
# step is skipped when its result is already there. Run as root on Debian (bookworm or later).
#
#   scripts/setup-notebooks.sh            nbconvert + GoNB (enough for notebooks/notebooks_test.go)
#   scripts/setup-notebooks.sh --browser  also classic Jupyter Notebook and Chromium, for driving widgets in a
#                                         real browser (sliders need a live front end; nbconvert has none)
#
# The kernel finds gonb and goimports on PATH: they are installed into "$(go env GOPATH)/bin", so callers must
# have that directory on PATH (this script prints the line to use). Python helpers must use /usr/bin/python3,
# which has Jupyter's modules; another python3 earlier on PATH may not.
set -euo pipefail

readonly GONB_VERSION=v0.11.1
readonly GOIMPORTS_VERSION=v0.52.0 # x/tools v0.52.0 builds with Go 1.26

browser=0
for arg in "$@"; do
	case "$arg" in
	--browser) browser=1 ;;
	-h | --help)
		sed -n '2,13p' "$0"
		exit 0
		;;
	*)
		echo "setup-notebooks: unknown argument $arg (want --browser)" >&2
		exit 2
		;;
	esac
done

gobin="$(go env GOPATH)/bin"
export PATH="$gobin:$PATH"

# apt_install installs the named Debian packages that are not installed yet.
apt_install() {
	local missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	if ((${#missing[@]} == 0)); then
		echo "   already installed: $*"
		return
	fi
	local sudo=""
	if [[ $(id -u) != 0 ]]; then
		sudo=sudo
	fi
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq
	$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# has_version reports whether the Go binary $1 on PATH was built from module $2 at version $3.
has_version() {
	local bin
	bin=$(command -v "$1" 2>/dev/null) || return 1
	go version -m "$bin" 2>/dev/null | grep -qE "^[[:space:]]+mod[[:space:]]+$2[[:space:]]+$3([[:space:]]|$)"
}

echo "== jupyter nbconvert"
apt_install jupyter-nbconvert python3-nbclient
if ((browser)); then
	echo "== jupyter notebook + chromium (--browser)"
	apt_install jupyter-notebook chromium
fi

echo "== gonb $GONB_VERSION"
if has_version gonb github.com/janpfeifer/gonb "$GONB_VERSION"; then
	echo "   already installed: $(command -v gonb)"
else
	# `go install github.com/janpfeifer/gonb@VERSION` fails here: its deprecation check asks the module proxy
	# for the version list, which is refused. Building from a throwaway module needs only the pinned version.
	tools=$(mktemp -d)
	trap 'rm -rf "$tools"' EXIT
	(cd "$tools" && go mod init nbtools >/dev/null 2>&1 &&
		go get "github.com/janpfeifer/gonb@$GONB_VERSION" && go install github.com/janpfeifer/gonb)
	rm -rf "$tools"
	trap - EXIT
fi

echo "== goimports $GOIMPORTS_VERSION"
if has_version goimports golang.org/x/tools "$GOIMPORTS_VERSION"; then
	echo "   already installed: $(command -v goimports)"
else
	go install "golang.org/x/tools/cmd/goimports@$GOIMPORTS_VERSION"
fi

echo "== gonb kernel spec"
# --force_deps: gonb otherwise refuses to install when gopls (auto-complete only) is missing.
# --raw_error: errors as plain text, which is what nbconvert's output and the notebook test read.
gonb --install --raw_error --force_deps
/usr/bin/python3 -c 'from jupyter_client.kernelspec import find_kernel_specs as f; print("   kernel spec:", f()["gonb"])'

echo "== done; the kernel needs gonb and goimports on PATH:"
echo "   export PATH=\"$gobin:\$PATH\""
