"""What every subpackage uses: atomic files and checksums, Vietnamese text and dates, yes/no flags, strict YAML settings, worker processes. Imports nothing else of sohoa but errors."""
