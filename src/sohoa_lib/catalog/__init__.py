"""The catalogue: hồ sơ, văn bản and pages in SQLite, searchable with or without diacritics. Imports common, review.decisions."""
