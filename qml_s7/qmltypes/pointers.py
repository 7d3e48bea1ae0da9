"""Let Python read QML properties typed with qml-s7's types (``property S7Variable sp: level``).

PySide6 turns a property value into a Python object by the name of its C++ type. A property
typed with a type that Python registered with QML carries ``S7Variable*``, a name PySide6 has
no converter for, so ``root.property("sp")`` raises ``RuntimeError: Can't find converter for
'S7Variable*'`` (PySide6 6.11 and 6.12 alike). Every such value is a QObject pointer, so
registering PySide6's own ``QObject*`` converter under each of our pointer names is the whole
fix: the converter finds the existing Python wrapper (the S7Variable object itself).

Shiboken has no Python API for this; its C++ functions are called through ``ctypes``.
``tests/test_pointers.py`` checks that the symbols exist and that the reads work, so a PySide6
release that changes them fails there, not in a user's host program.
"""

from __future__ import annotations

import ctypes
import logging
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject

log = logging.getLogger(__name__)

# Shiboken::Conversions::getConverter(const char*) and registerConverterName(SbkConverter*,
# const char*), exported by libshiboken6 with C++ linkage.
_GET = "_ZN8Shiboken11Conversions12getConverterEPKc"
_REGISTER = "_ZN8Shiboken11Conversions21registerConverterNameEP12SbkConverterPKc"


def _shiboken_library() -> ctypes.PyDLL | None:
    folder = Path(shiboken6.__file__).parent
    for path in sorted(folder.glob("libshiboken6*.so*")) + sorted(folder.glob("*.dylib")):
        # PyDLL keeps the GIL held: the converter registry is guarded by it.
        return ctypes.PyDLL(str(path))
    return None


def register(*types: type[QObject]) -> bool:
    """Make properties of ``types`` (as ``Name*``) readable from Python; False if impossible."""
    try:
        library = _shiboken_library()
        if library is None:
            raise OSError("libshiboken6 not found beside the shiboken6 module")
        get, add = getattr(library, _GET), getattr(library, _REGISTER)
    except (OSError, AttributeError) as exc:
        log.debug("typed QML properties stay unreadable from Python: %s", exc)
        return False
    get.restype, get.argtypes = ctypes.c_void_p, [ctypes.c_char_p]
    add.restype, add.argtypes = None, [ctypes.c_void_p, ctypes.c_char_p]
    converter = get(b"QObject*")
    if not converter:
        return False
    for cls in types:
        add(converter, cls.staticMetaObject.className().encode() + b"*")
    return True
