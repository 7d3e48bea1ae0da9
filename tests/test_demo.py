"""The demo panel on the simulator with the tank process, and the panel runner."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QPointF, Qt
from PySide6.QtGui import QImage
from PySide6.QtQuick import QQuickItem
from PySide6.QtTest import QTest
from support import run_qml_s7

TIMEOUT = 10_000
DOCS = Path(__file__).resolve().parent.parent / "docs"


def child(root: QObject, name: str) -> QQuickItem:
    found = root.findChild(QQuickItem, name)
    assert found is not None, f"no object named {name!r}"
    return found


def click(window, item) -> None:
    point = item.mapToScene(QPointF(item.width() / 2, item.height() / 2)).toPoint()
    QTest.mouseClick(window, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)


def level_of(simulator) -> float:
    from snap7.util import get_real

    return get_real(bytearray(simulator.read("DB", 2, 4, db=1)), 0)


def test_pump_button_fills_the_tank_and_the_display_follows(demo_panel, qtbot, simulator):
    display, button = child(demo_panel, "levelDisplay"), child(demo_panel, "pumpButton")
    qtbot.waitUntil(lambda: button.property("interactive") is True, timeout=TIMEOUT)
    assert display.property("displayText") == "40.0"
    click(demo_panel, button)
    qtbot.waitUntil(lambda: simulator.read_bit("DB", 0, 0, db=1) is True, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: level_of(simulator) > 42.0, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: float(display.property("displayText")) > 42.0, timeout=TIMEOUT)
    click(demo_panel, button)
    qtbot.waitUntil(lambda: simulator.read_bit("DB", 0, 0, db=1) is False, timeout=TIMEOUT)


def test_a_stopped_plc_greys_the_panel_and_a_restart_recovers_it(demo_panel, qtbot, simulator):
    display, badge = child(demo_panel, "levelDisplay"), child(demo_panel, "badge")
    button = child(demo_panel, "pumpButton")
    qtbot.waitUntil(lambda: display.property("valid") is True, timeout=TIMEOUT)
    simulator.stop()
    qtbot.waitUntil(lambda: display.property("valid") is False, timeout=TIMEOUT)
    assert display.property("displayText") == "--"
    assert button.property("interactive") is False
    qtbot.waitUntil(lambda: badge.property("errorText") != "", timeout=TIMEOUT)
    assert badge.property("stateText") in ("disconnected", "connecting...")
    simulator.start()
    qtbot.waitUntil(lambda: display.property("valid") is True, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: badge.property("stateText") == "connected", timeout=TIMEOUT)
    qtbot.waitUntil(lambda: button.property("interactive") is True, timeout=TIMEOUT)
    assert badge.property("errorText") == ""


def test_demo_screenshots_show_the_process_moving(tmp_path):
    first, second = tmp_path / "first.png", tmp_path / "second.png"
    results = [
        run_qml_s7("demo", "--screenshot", str(first), "--delay", "2"),
        run_qml_s7("demo", "--screenshot", str(second), "--delay", "5"),
    ]
    for result in results:
        assert result.returncode == 0, result.stderr
        assert "Warning" not in result.stderr and "qml:" not in result.stderr
    one, two = QImage(str(first)), QImage(str(second))
    assert not one.isNull() and one.width() >= 800
    assert one.size() == two.size() and one != two


def test_run_loads_the_sample_panel_from_the_docs(tmp_path):
    shot = tmp_path / "panel.png"
    result = run_qml_s7(
        "run", str(DOCS / "first-panel.qml"), "--screenshot", str(shot), "--delay", "0.5"
    )
    assert result.returncode == 0, result.stderr
    assert not QImage(str(shot)).isNull()


def test_run_reports_a_broken_panel_with_its_line(tmp_path):
    broken = tmp_path / "broken.qml"
    broken.write_text("import QtQuick\nimport QmlS7\nItem {\n    S7Client { hostnam: 'x' }\n}\n")
    result = run_qml_s7("run", str(broken))
    assert result.returncode != 0
    assert f"{broken.name}:4" in result.stderr
    assert "hostnam" in result.stderr


def test_run_reports_a_missing_file(tmp_path):
    result = run_qml_s7("run", str(tmp_path / "nope.qml"))
    assert result.returncode == 2
    assert "no such file" in result.stderr


def test_the_tag_browser_lists_filters_and_reads_a_picked_tag(demo_panel, qtbot, simulator):
    browser = demo_panel.findChild(QObject, "browser")
    click(demo_panel, child(demo_panel, "tagsButton"))
    qtbot.waitUntil(lambda: browser.property("opened") is True, timeout=TIMEOUT)
    tag_list, value = child(demo_panel, "tagList"), child(demo_panel, "pickedValue")
    qtbot.waitUntil(lambda: tag_list.property("count") == 25, timeout=TIMEOUT)  # 18 + 7 tags
    child(demo_panel, "tagFilter").setProperty("text", "feedback")
    qtbot.waitUntil(lambda: tag_list.property("count") == 3, timeout=TIMEOUT)

    def rows() -> list:
        items = tag_list.property("contentItem").childItems()
        return [item for item in items if item.property("name") == "Pump_Running"]

    qtbot.waitUntil(lambda: len(rows()) == 1, timeout=TIMEOUT)  # laid out at the next frame
    click(demo_panel, rows()[0])
    qtbot.waitUntil(lambda: value.property("text").startswith("Pump_Running = "), timeout=TIMEOUT)
    assert "(BOOL at Q0.0:BOOL)" in value.property("text")
    click(demo_panel, child(demo_panel, "closeTags"))
    qtbot.waitUntil(lambda: browser.property("visible") is False, timeout=TIMEOUT)
