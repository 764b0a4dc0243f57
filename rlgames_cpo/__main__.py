"""``python -m rlgames_cpo task=X train=XCPO key=value ...``: train or play (rlgames_cpo.cli)."""

import sys

from rlgames_cpo.cli import main

if __name__ == "__main__":
    sys.exit(main())
