"""Describing documents: word boxes, where each document begins, its catalogue fields read by region and cross-checked, XMP. Imports common, records, scan, tools."""
