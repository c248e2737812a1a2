"""What each stage's HTML report shows, built from the stage's results; the December report; a real browser for PDF and screenshots. Reads, never writes stage outputs."""
