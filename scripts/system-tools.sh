#!/usr/bin/env bash
# Make sure the system tools sohoa calls are installed: apt-get them when root, otherwise print
# the one command to run and fail. Arguments name extra Debian packages to ensure as well.
set -euo pipefail

missing=()
need_cmd() { command -v "$1" >/dev/null 2>&1 || missing+=("$2"); }
need_cmd tesseract tesseract-ocr
need_cmd pdftotext poppler-utils
need_cmd qpdf qpdf
need_cmd certutil libnss3-tools
need_cmd fc-list fontconfig
if command -v tesseract >/dev/null 2>&1; then
  langs=$(tesseract --list-langs 2>/dev/null || true)
  grep -qx vie <<<"$langs" || missing+=(tesseract-ocr-vie)
else
  missing+=(tesseract-ocr-vie)
fi
# Fonts with Vietnamese glyphs: Liberation Serif (Times New Roman metrics) for stamps and demo
# pages. Debian's fonts-liberation (1.07) has no ơ, ư or tone marks; fonts-liberation2 has them,
# so ask fontconfig for a Liberation Serif that covers Vietnamese, not just any.
if command -v fc-list >/dev/null 2>&1; then
  # Here-strings, not pipes: grep -q closes the pipe early and pipefail would call that a failure.
  vi_fonts=$(fc-list :lang=vi family)
  all_fonts=$(fc-list)
  grep -q "Liberation Serif" <<<"$vi_fonts" || missing+=(fonts-liberation2)
  grep -q "DejaVuSans.ttf" <<<"$all_fonts" || missing+=(fonts-dejavu-core)
else
  missing+=(fonts-liberation2 fonts-dejavu-core)
fi

# Extra packages named on the command line (`ghostscript` for make bench, `softhsm2 chromium`
# for make test).
# `postgresql` (make test and make bench, in a call of its own): Debian 12's server package carries
# unaccent, which the national catalogue's text search needs.
for extra in "$@"; do
  dpkg -s "$extra" >/dev/null 2>&1 || missing+=("$extra")
done

[ ${#missing[@]} -eq 0 ] && exit 0
# shellcheck disable=SC2207
pkgs=($(printf '%s\n' "${missing[@]}" | sort -u))
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "sohoa: installing system tools: ${pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
else
  echo "sohoa: missing system tools; run: sudo apt-get install -y ${pkgs[*]}" >&2
  exit 1
fi
