"""``python -m qml_s7.simulator``: the same as ``qml-s7-sim``."""

import sys

from .cli import main

sys.exit(main())
