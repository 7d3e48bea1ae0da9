"""A variable follows its client's tag names also when QML gave it a metaobject of its own.

QML gives an object a metaobject of its own when its declaration adds to it: a property
(``property string unit: "%"``), a Polling on its data. PySide6 delivers a signal connected to
a plain Python method of such an object to nothing; a ``@Slot()`` is part of the class's
metaobject and is called. So the handlers S7Variable connects to its client's signals are
slots: a tag table given later (or a gateway's catalog, which always comes later) resolves
every variable, not only the plain ones.
"""

from __future__ import annotations

from pathlib import Path

import pytest

TIMEOUT = 10_000
DEMO = Path(__file__).resolve().parent.parent / "demo"


@pytest.mark.parametrize(
    "extra",
    ["", 'property string unit: "%"', "Polling on data { interval: 100 }"],
    ids=["plain", "a property of its own", "a Polling"],
)
def test_a_tag_table_given_later_resolves_the_variable(qml, qtbot, extra):
    root = qml(
        f"""
import QtQml
import QmlS7
QtObject {{
    property S7TagTable tags: S7TagTable {{
        files: ["{DEMO / "Tank.db"}"]; dbNumbers: ({{ "Tank": 1 }})
    }}
    property S7Client plc: S7Client {{
        autoConnect: false
        S7Variable {{ name: '"Tank".Level'; {extra} }}
    }}
}}
"""
    )
    plc = root.property("plc")
    (level,) = plc.childObjects()
    assert level.plcAddress is None  # no tags yet: the name names nothing
    plc.setProperty("tagTable", root.property("tags"))
    qtbot.waitUntil(lambda: str(level.plcAddress) == "DB1.DBD2:REAL", timeout=TIMEOUT)
    assert level.property("errorString") == ""
