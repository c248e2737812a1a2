"""PDF/A: the two-layer PDF/A-2B of a file, its invisible text layer, the visible signature stamp. Imports common, describe.xmp, scan."""
