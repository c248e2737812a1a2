"""`python -m sohoa_lib.cli`: the `sohoa` command."""

import sys

from sohoa_lib.cli import main

sys.exit(main())
