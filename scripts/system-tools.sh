#!/usr/bin/env bash
# Make sure the system tools sohoa calls are installed: apt-get them when root, otherwise print
# the one command to run and fail.
set -euo pipefail

missing=()
need_cmd() { command -v "$1" >/dev/null 2>&1 || missing+=("$2"); }
need_cmd tesseract tesseract-ocr
need_cmd pdftotext poppler-utils
need_cmd qpdf qpdf
need_cmd certutil libnss3-tools
need_cmd fc-list fontconfig
if command -v tesseract >/dev/null 2>&1; then
  tesseract --list-langs 2>/dev/null | grep -qx vie || missing+=(tesseract-ocr-vie)
else
  missing+=(tesseract-ocr-vie)
fi
# Fonts with Vietnamese glyphs: Liberation Serif (Times New Roman metrics) for stamps and demo
# pages, DejaVu as the fallback that matplotlib ships with anyway.
if command -v fc-list >/dev/null 2>&1; then
  fc-list | grep -q "LiberationSerif-Regular" || missing+=(fonts-liberation)
  fc-list | grep -q "DejaVuSans.ttf" || missing+=(fonts-dejavu-core)
else
  missing+=(fonts-liberation fonts-dejavu-core)
fi

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
