"""``python -m linkage.cli``: the ``mash`` command."""

import sys

from linkage.cli.app import main

sys.exit(main())
