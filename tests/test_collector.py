"""install() sets aside what the imports left for the garbage collector: PySide6's copy of every
module's source goes, the imports are frozen, and later garbage is still collected."""

from __future__ import annotations

import gc
import linecache
import sys
import traceback
import uuid
import weakref

import pytest
from PySide6.QtQml import QQmlEngine

import qml_s7

MODULE = """
def fail():
    raise ValueError("from the fresh module")  # the line a traceback shows
"""


@pytest.fixture
def fresh_module(tmp_path, monkeypatch):
    # a new name each time: shiboken reads a module's source on its name's first import only
    name = f"qml_s7_fresh_{uuid.uuid4().hex}"
    (tmp_path / f"{name}.py").write_text(MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    # an import statement: shiboken hooks __import__, which importlib.import_module bypasses
    module = __import__(name)
    yield module
    sys.modules.pop(name, None)


def test_pyside_reads_the_source_of_a_module_imported_after_it(fresh_module):
    # The fact the fix is for; a PySide6 release that stops reading sources shows here.
    assert fresh_module.__file__ in linecache.cache


def test_install_drops_the_sources_and_tracebacks_still_show_lines(qapp, fresh_module):
    engine = QQmlEngine()
    qml_s7.install(engine)
    assert fresh_module.__file__ not in linecache.cache
    with pytest.raises(ValueError) as caught:
        fresh_module.fail()
    shown = "".join(traceback.format_exception(caught.value))
    assert 'raise ValueError("from the fresh module")' in shown
    assert qml_s7.qml_import_path() in engine.importPathList()


def test_install_freezes_the_imports_and_later_garbage_is_still_collected(qapp):
    qml_s7.install(QQmlEngine())
    assert gc.get_freeze_count() > 0
    # a full collection no longer walks what the imports made
    assert not any(obj is qml_s7.install for obj in gc.get_objects())

    class Node:
        pass

    first, second = Node(), Node()
    first.other, second.other = second, first  # a cycle only the collector frees
    gone = weakref.ref(first)
    del first, second
    gc.collect()
    assert gone() is None
