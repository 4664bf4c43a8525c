"""``python -m poolviz.lab ...``: the lab's command line (see :mod:`poolviz.lab.cli`)."""

import sys

from poolviz.lab.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
