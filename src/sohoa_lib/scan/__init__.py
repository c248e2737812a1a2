"""Scanned pages: listing and opening them, page checks, the OCR working copy, Tesseract's text and ALTO. Imports common, tools, pdf.textlayer."""
