#!/usr/bin/env bash
# Extracts the photographs of the default model from Debian's python3-skimage package (no
# installation: apt-get download + dpkg -x) into DIR (default build/photos).
# Licences (from each image's docstring in skimage/data/_fetchers.py): docs/default-model.md.
set -euo pipefail
out="${1:-build/photos}"
photos=(astronaut.png rocket.jpg hubble_deep_field.jpg retina.jpg ihc.png coins.png grass.png
        gravel.png brick.png text.png chelsea.png coffee.png camera.png)
mkdir -p "$out"
have=1
for p in "${photos[@]}"; do [ -f "$out/$p" ] || have=0; done
[ "$have" -eq 1 ] && exit 0
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download python3-skimage >/dev/null 2>&1) || {
  [ "$(id -u)" -ne 0 ] && SUDO=sudo || SUDO=""
  $SUDO apt-get update -qq && (cd "$tmp" && apt-get download python3-skimage >/dev/null)
}
dpkg -x "$tmp"/python3-skimage_*.deb "$tmp/x"
src="$(find "$tmp/x" -type d -path '*skimage/data' | head -1)"
for p in "${photos[@]}"; do cp "$src/$p" "$out/$p"; done
echo "photos: ${#photos[@]} images in $out" >&2
