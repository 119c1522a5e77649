"""``python -m descent``: the ``descent`` command (:func:`descent.renders.cli.main`)."""

from __future__ import annotations

import sys

from descent.renders.cli import main

if __name__ == "__main__":
    sys.exit(main())
