#!/usr/bin/env bash
# fetch-face-models.sh: puts the face models and sample photos that pkg/align, pkg/faces/... and pkg/metrics
# use into a cache folder outside the repository (never commit them). Idempotent: files already there are kept.
#
#   cache: ${PMVI_CACHE:-$HOME/.cache/pmvi}/faces
#     facefinder                               pigo's face cascade (MIT), copied from the pinned Go module
#     shape_predictor_68_face_landmarks.dat    dlib's 68-point model, Debian package libdlib-data (CC0)
#     faceplugin/fr_{feature,pose,landmark,detect}.onnx
#                                              npm faceplugin-face-recognition-js@0.0.1 (origin and licence of the
#                                              weights undocumented: research use only)
#     photos/astronaut.png                     python3-skimage's data (public domain, NASA)
#     photos/grace_hopper_512x512.jpg          facedetect's example (public domain, US Navy)
#
# Sources: the Go module proxy (pigo is already a dependency in go.mod), Debian packages (apt-get download +
# dpkg -x, so nothing is installed system-wide and no Python is pulled in) and the npm registry (npm pack + tar,
# no install scripts run).
set -euo pipefail

cache="${PMVI_CACHE:-$HOME/.cache/pmvi}/faces"
mkdir -p "$cache/photos" "$cache/faceplugin"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
repo="$(cd "$(dirname "$0")/.." && pwd)"

have() { [ -s "$cache/$1" ]; }

# pigo's cascade ships in the Go module; go.mod pins the version.
if ! have facefinder; then
	dir="$(cd "$repo" && go mod download -json github.com/esimov/pigo | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')"
	install -m 0644 "$dir/cascade/facefinder" "$cache/facefinder"
fi

# Debian packages, unpacked into a temporary folder; only the files we need are kept.
debfile() { # debfile PACKAGE PATH-IN-PACKAGE DEST
	local pkg="$1" src="$2" dst="$3"
	have "$dst" && return 0
	if [ -s "$src" ]; then # already installed system-wide
		install -m 0644 "$src" "$cache/$dst"
		return 0
	fi
	(cd "$tmp" && { apt-get download "$pkg" >/dev/null 2>&1 ||
		{ [ "$(id -u)" = 0 ] && apt-get update >/dev/null && apt-get download "$pkg" >/dev/null; }; })
	rm -rf "$tmp/x" && mkdir -p "$tmp/x"
	dpkg -x "$tmp"/"${pkg}"_*.deb "$tmp/x"
	install -m 0644 "$tmp/x$src" "$cache/$dst"
	rm -rf "$tmp/x" "$tmp"/"${pkg}"_*.deb
}
debfile libdlib-data /usr/share/dlib/shape_predictor_68_face_landmarks.dat shape_predictor_68_face_landmarks.dat
debfile python3-skimage /usr/lib/python3/dist-packages/skimage/data/astronaut.png photos/astronaut.png
debfile facedetect /usr/share/doc/facedetect/examples/grace_hopper_512x512.jpg photos/grace_hopper_512x512.jpg

# npm: the tarball only, unpacked by tar (npm pack runs no install scripts).
models=(fr_feature.onnx fr_pose.onnx fr_landmark.onnx fr_detect.onnx)
missing=0
for m in "${models[@]}"; do have "faceplugin/$m" || missing=1; done
if [ "$missing" = 1 ]; then
	if ! command -v npm >/dev/null; then # a fresh machine: Debian's npm (npm pack needs nothing else)
		sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
		$sudo apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends npm >/dev/null
	fi
	(cd "$tmp" && npm pack --silent faceplugin-face-recognition-js@0.0.1 >/dev/null)
	tar -xzf "$tmp"/faceplugin-face-recognition-js-0.0.1.tgz -C "$tmp"
	for m in "${models[@]}"; do install -m 0644 "$tmp/package/model/$m" "$cache/faceplugin/$m"; done
	install -m 0644 "$tmp/package/LICENSE" "$cache/faceplugin/LICENSE.package"
fi

echo "face models and sample photos in $cache"
