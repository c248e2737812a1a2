"""Thin wrappers over external programs: tesseract, pdfsig, pdftoppm, headless Chromium. Imports errors only."""
