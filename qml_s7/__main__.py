"""``python -m qml_s7``: the same as the ``qml-s7`` command."""

import sys

from .cli.app import main

sys.exit(main())
