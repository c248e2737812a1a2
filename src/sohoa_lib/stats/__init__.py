"""Statistics: report tables collected, indicators compiled to provinces and the nation, analysis sentences, SDMX publication. Imports common, records."""
