"""Tag names of a PLC project: TIA Portal sources and tag tables into absolute addresses.

``load_symbols(files, db_numbers)`` reads TIA Portal's "Generate source from blocks" files
(.db, .udt, .scl), its PLC tag tables (.xlsx or CSV) and plain CSV files, computes the
standard-access offsets of every DB, and returns one :class:`Symbol` per value
(``"Line".Motors[2].Speed`` at ``DB2:18:REAL``); :class:`SymbolTable` finds them by name.
No Qt here: qml_s7/qmltypes/ shows them in QML, qml_s7/cli/tags.py on the command line.

Modules: ``model`` (what a source declares), ``source`` and ``tia.lark`` (the parser),
``types`` (type names), ``layout`` (the offsets), ``tables`` (tag tables and CSV),
``symbols`` (Symbol, SymbolTable), ``catalog`` (load_symbols).
"""

from .catalog import load_symbols
from .errors import TagError, TagErrors
from .symbols import Symbol, SymbolTable

__all__ = ["Symbol", "SymbolTable", "TagError", "TagErrors", "load_symbols"]
