"""qmllint knows QmlS7's types through the generated type information."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from support import run_qml_s7

from qml_s7.cli.typeinfo import qmltypes, write

GOOD = """
import QtQuick
import QtQuick.Controls
import QmlS7

ApplicationWindow {
    S7Client {
        id: plc
        hostname: "127.0.0.1"
        connectionType: S7Client.OP
        S7Variable { id: level; name: "DB1.DBD2:REAL"; Polling on data { interval: 100 } }
    }
    Label { text: plc.connected ? level.data + " " + level.valid : plc.errorString }
    Button { onClicked: { level.pollData(); plc.connectToHost() } }
}
"""


def lint(tmp_path: Path, source: str) -> subprocess.CompletedProcess[str]:
    panel = tmp_path / "panel.qml"
    panel.write_text(source)
    return run_qml_s7("lint", str(panel))


def test_qmltypes_describe_every_type_with_its_members():
    text = qmltypes()
    for name in ("Object", "DataObject", "DataObjectView", "S7Client", "S7Variable", "Polling"):
        assert f'exports: ["QmlS7/{name} 1.0"]' in text
    assert 'Property { name: "moduleName"; type: "QString"; isReadonly: true' in text
    assert '"CannotChangeParam"' in text and '"MemoryReal"' in text
    assert 'interfaces: ["QQmlPropertyValueSource"]' in text


def test_write_makes_an_import_path_for_the_tooling(tmp_path):
    module = write(tmp_path)
    assert (module / "qmldir").read_text().startswith("module QmlS7\ntypeinfo QmlS7.qmltypes")
    assert (module / "QmlS7.qmltypes").read_text() == qmltypes()


def test_qmllint_accepts_a_panel_that_uses_our_types(tmp_path):
    result = lint(tmp_path, GOOD)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout


@pytest.mark.parametrize(
    ("right", "typo", "message"),
    [
        ("plc.errorString", "plc.errorStrin", 'Member "errorStrin" not found on type "S7Client"'),
        ("level.valid", "level.vlaid", 'Member "vlaid" not found on type "S7Variable"'),
    ],
)
def test_qmllint_reports_a_misspelled_member(tmp_path, right, typo, message):
    result = lint(tmp_path, GOOD.replace(right, typo))
    assert result.returncode == 1
    assert message in result.stdout
