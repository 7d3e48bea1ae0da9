"""Short garbage-collector pauses on the GUI thread: what startup leaves behind is set aside.

A full collection of Python's cyclic garbage collector walks every tracked object while it
holds the GIL, at a moment the collector picks: in a panel, between two frames or in the middle
of a link loss. Two things made those pauses long (20-30 ms on a 2-core machine, with 200
variables on the panel):

- **The module sources PySide6 reads.** Once PySide6 is imported, shiboken checks every Python
  module imported after it for use of PySide (``shibokensupport/feature.py``,
  ``_mod_uses_pyside``) by reading its whole source with ``inspect.getsource``. That leaves
  each file's lines in ``linecache``: about 120,000 strings in lists once qml-s7 and its
  libraries are in, which nothing reads again. ``linecache`` is only a cache (a traceback reads
  its files again when it needs them), so it is cleared.
- **The imports themselves.** Modules, classes and functions (45,000 objects) live as long as
  the process. ``gc.freeze()`` moves them out of the collector's sight once, so a full
  collection walks only what the panel made since. Objects frozen are never collected, which
  is what an import is anyway; ``gc.unfreeze()`` undoes it.

``tests/test_collector.py`` shows the PySide6 fact and both fixes, so a PySide6 release that
stops reading sources shows there.
"""

from __future__ import annotations

import gc
import linecache

_settled = False


def settle_imports() -> None:
    """Clear the source lines read while modules were imported; the first time in a process,
    also collect and freeze what is alive, so later full collections walk only what was made
    after."""
    global _settled
    linecache.clearcache()
    if not _settled:
        _settled = True
        gc.collect()
        gc.freeze()
