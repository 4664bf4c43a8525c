"""``python -m poolviz``: see :mod:`poolviz.cli`."""

import sys

from poolviz.cli import main

sys.exit(main())
