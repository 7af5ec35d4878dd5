"""``python -m profitbricks.cli``: the same as the ``profitbricks`` console script."""

from __future__ import annotations

import sys

from profitbricks.cli import main

if __name__ == "__main__":
    sys.exit(main())
