"""What every subpackage uses: atomic files and checksums, Vietnamese text, dates and number formats,
Vietnam's time, versions, XML names, yes/no flags, strict YAML settings, worker processes, progress.

Imports nothing else of sohoa but `errors`.
"""
