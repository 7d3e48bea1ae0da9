"""Tag names in QML: S7TagTable, symbolic S7Variable names against the simulator, the browser
model, reloads, and lint with the same files."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from support import run_qml_s7

from qml_s7.qmltypes.variable import VariableError

TIMEOUT = 10_000

LINE_DB = """DATA_BLOCK "Line"
{ S7_Optimized_Access := 'FALSE' }
VERSION : 0.1
   STRUCT
      Running : Bool;   // the line runs
      Speed : Real;   // m/min
      Motors : Array[1..2] of Struct
         Enable : Bool;
         Current : Int;   // A
      END_STRUCT;
      Label : String[6];
   END_STRUCT;
BEGIN
END_DATA_BLOCK
"""
# Offsets by hand: Running 0.0; Speed 2 (REAL, even); Motors at 6, each element a struct of
# Enable 0.0 and Current 2, 4 bytes: Motors[1] 6 (.Enable 6.0, .Current 8), Motors[2] 10
# (.Enable 10.0, .Current 12); Label 14 (STRING[6], 8 bytes).
PLAIN_CSV = "name,address,comment\nStart_Button,M20.1,the green button\nBatch,MW22:INT,\n"


def panel(port: int, folder: Path, extra: str = "", table: str = "") -> str:
    files = f'["{folder / "Line.db"}", "{folder / "tags.csv"}"]'
    return f"""
import QtQml
import QmlS7
S7Client {{
    hostname: "127.0.0.1"; port: {port}; pollInterval: 50
    S7TagTable {{ objectName: "tags"; files: {files}; dbNumbers: ({{ "Line": 2 }}) {table} }}
    S7Variable {{ objectName: "speed"; name: '"Line".Speed' }}
    S7Variable {{ objectName: "current"; name: '"Line".Motors[2].Current' }}
    S7Variable {{ objectName: "enable"; name: ' "Line".Motors[1].Enable ' }}
    S7Variable {{ objectName: "label"; name: '"Line".Label' }}
    S7Variable {{ objectName: "button"; name: "Start_Button" }}
{extra}
}}
"""


@pytest.fixture
def tag_files(tmp_path: Path) -> Path:
    (tmp_path / "Line.db").write_text(LINE_DB, encoding="utf-8")
    (tmp_path / "tags.csv").write_text(PLAIN_CSV, encoding="utf-8")
    return tmp_path


def named(client, name: str):
    return next(o for o in client.childObjects() if o.objectName() == name)


def test_symbolic_names_read_what_lies_at_the_computed_offsets(qml, qtbot, simulator, tag_files):
    simulator.write("DB", 2, struct.pack(">f", 12.5), db=2)
    simulator.write("DB", 12, struct.pack(">h", -7), db=2)
    simulator.write_bit("DB", 6, 0, True, db=2)
    simulator.write("DB", 14, b"\x06\x04ABCD\x00\x00", db=2)
    simulator.write_bit("M", 20, 1, True)
    client = qml(panel(simulator.port, tag_files))
    expected = {"speed": 12.5, "current": -7, "enable": True, "label": "ABCD", "button": True}
    for name, value in expected.items():
        variable = named(client, name)
        qtbot.waitUntil(lambda v=variable, x=value: v.property("data") == x, timeout=TIMEOUT)
        assert variable.property("error") == VariableError.NoError
    assert str(named(client, "current").plcAddress) == "DB2.DBW12:INT"
    assert named(client, "enable").property("type") == 1  # DataBit, as for DB2.DBX6.0


def test_symbolic_writes_land_at_the_right_bytes(qml, qtbot, simulator, tag_files):
    client = qml(panel(simulator.port, tag_files))
    current, enable = named(client, "current"), named(client, "enable")
    qtbot.waitUntil(lambda: current.property("valid") is True, timeout=TIMEOUT)
    before = simulator.read("DB", 0, 32, db=2)
    with qtbot.waitSignal(current.written, timeout=TIMEOUT):
        current.setProperty("data", 300)
    with qtbot.waitSignal(enable.written, timeout=TIMEOUT):
        enable.setProperty("data", True)
    after = simulator.read("DB", 0, 32, db=2)
    assert after[12:14] == struct.pack(">h", 300)
    assert after[6] == before[6] | 0x01  # one bit, its neighbours untouched
    changed = [i for i in range(32) if after[i] != before[i]]
    assert set(changed) <= {6, 12, 13}


def test_an_unknown_tag_is_a_parse_error_that_suggests_names(qml, qtbot, simulator, tag_files):
    extra = '    S7Variable { objectName: "typo"; name: \'"Line".Sped\' }'
    client = qml(panel(simulator.port, tag_files, extra))
    typo = named(client, "typo")
    assert typo.property("error") == VariableError.NameParseError
    text = typo.property("errorString")
    assert 'Unknown tag ""Line".Sped"' in text and '"Line".Speed' in text


def test_the_table_is_a_model_with_a_filter(qml, simulator, tag_files):
    client = qml(panel(simulator.port, tag_files))
    tags = next(o for o in client.childObjects() if o.objectName() == "tags")
    roles = {bytes(name).decode(): role for role, name in tags.roleNames().items()}
    assert {"name", "address", "type", "comment"} <= set(roles)
    rows = [
        {key: tags.data(tags.index(row, 0), role) for key, role in roles.items()}
        for row in range(tags.rowCount(QModelIndex()))
    ]
    assert tags.property("count") == len(rows) == 9
    button = next(r for r in rows if r["name"] == "Start_Button")
    assert button["address"] == "M20.1:BOOL" and button["comment"] == "the green button"
    assert tags.data(tags.index(0, 0), Qt.ItemDataRole.DisplayRole) == '"Line".Running'
    filtered = tags.property("filtered")
    tags.setProperty("filter", "motors[2]")
    assert filtered.rowCount() == 2
    tags.setProperty("filter", "green")
    assert filtered.rowCount() == 1
    tags.setProperty("filter", "")
    assert filtered.rowCount() == 9


# A table with a property of its own has a metaobject QML made: the file watch must reach it.
@pytest.mark.parametrize("own", ["", "; property int extra: 1"])
def test_an_edited_file_is_loaded_again_and_variables_follow(qml, qtbot, simulator, tag_files, own):
    client = qml(panel(simulator.port, tag_files, table=own))
    speed = named(client, "speed")
    assert str(speed.plcAddress) == "DB2.DBD2:REAL"
    # The PLC programmer inserts a member before Speed: every offset after it moves.
    source = tag_files / "Line.db"
    source.write_text(LINE_DB.replace("Speed : Real;", "Mode : Int;\n      Speed : Real;"))
    qtbot.waitUntil(lambda: str(speed.plcAddress) == "DB2.DBD4:REAL", timeout=TIMEOUT)
    simulator.write("DB", 4, struct.pack(">f", 3.25), db=2)
    qtbot.waitUntil(lambda: speed.property("data") == 3.25, timeout=TIMEOUT)


def test_a_broken_file_loads_nothing_and_keeps_the_last_good_tags(qml, qtbot, simulator, tag_files):
    client = qml(panel(simulator.port, tag_files))
    tags = next(o for o in client.childObjects() if o.objectName() == "tags")
    speed = named(client, "speed")
    with qtbot.waitSignal(tags.errorOccurred, timeout=TIMEOUT):
        (tag_files / "Line.db").write_text(LINE_DB.replace("Speed : Real;", "Speed : Reel;"))
    assert tags.property("error") == 1
    assert "Line.db:6" in tags.property("errorString")
    assert "Reel" in tags.property("errorString")
    assert tags.property("count") == 9  # still the last good ones
    assert str(speed.plcAddress) == "DB2.DBD2:REAL"


def test_a_table_given_to_the_client_resolves_its_variables(qml, qtbot, simulator, tag_files):
    simulator.write("DB", 2, struct.pack(">f", 1.5), db=2)
    root = qml(
        f"""
import QtQml
import QmlS7
QtObject {{
    property S7TagTable tags: S7TagTable {{
        files: ["{tag_files / "Line.db"}"]; dbNumbers: ({{ "Line": 2 }})
    }}
    property S7Client plc: S7Client {{
        hostname: "127.0.0.1"; port: {simulator.port}; pollInterval: 50; tagTable: tags
        S7Variable {{ name: '"Line".Speed' }}
    }}
}}
"""
    )
    (speed,) = root.property("plc").childObjects()
    qtbot.waitUntil(lambda: speed.property("data") == 1.5, timeout=TIMEOUT)


def test_lint_knows_the_tags_of_the_panel_and_those_given_to_it(tmp_path, tag_files):
    declared = tmp_path / "declared.qml"
    declared.write_text(panel(1102, tag_files, '    S7Variable { name: "Start_Buton" }'))
    result = run_qml_s7("lint", str(declared))  # its S7TagTable's files and dbNumbers
    assert result.returncode == 1
    assert 'unknown tag "Start_Buton"; did you mean Start_Button?' in result.stdout
    assert result.stdout.count("[s7-address]") == 1  # the other names are known tags
    plain = tmp_path / "plain.qml"
    plain.write_text(declared.read_text().replace("S7TagTable", "QtObject"))
    tags = ["--tags", str(tag_files / "Line.db"), "--tags", str(tag_files / "tags.csv")]
    given = run_qml_s7("lint", str(plain), *tags, "--db", "Line=2")
    assert given.stdout.count("[s7-address]") == 1
    assert run_qml_s7("lint", str(plain)).stdout.count("[s7-address]") == 6  # no tags known
