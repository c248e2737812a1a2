"""Signatures: PAdES signing with a PKCS#12 file or a PKCS#11 token, and verification to the trust roots. Imports common, pdf, describe.xmp."""
