"""The demo panel on the simulator with the tank process, and the panel runner."""

from __future__ import annotations

import struct
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QImage
from PySide6.QtQuick import QQuickItem
from qtitems import child, click
from support import run_qml_s7

from qml_s7.core.quality import Quality
from qml_s7.qmltypes.alarm import S7Alarm

TIMEOUT = 10_000
DOCS = Path(__file__).resolve().parent.parent / "docs"
State = S7Alarm.State


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


def test_a_stopped_plc_raises_the_communication_alarm_in_the_banner(demo_panel, qtbot, simulator):
    banner, plc = child(demo_panel, "banner"), demo_panel.findChild(QObject, "plc")
    qtbot.waitUntil(lambda: plc.property("connected") is True, timeout=TIMEOUT)
    simulator.stop()
    comm = plc.property("commAlarm")
    qtbot.waitUntil(lambda: banner.property("alarm") == comm, timeout=TIMEOUT)
    assert f":{simulator.port}" in child(banner, "text").property("text")
    simulator.start()
    qtbot.waitUntil(lambda: comm.property("active") is False, timeout=TIMEOUT)
    click(demo_panel, child(banner, "acknowledge"))
    qtbot.waitUntil(lambda: banner.property("alarm") != comm, timeout=TIMEOUT)


def set_level(simulator, percent: float) -> None:
    simulator.write("DB", 2, struct.pack(">f", percent), db=1)  # the tank takes it as its level


def test_the_high_level_alarm_comes_and_acknowledging_it_resets_the_plc_latch(
    demo_panel, qtbot, simulator
):
    high = demo_panel.findChild(QObject, "levelHighAlarm")
    banner, button = child(demo_panel, "banner"), child(demo_panel, "alarmsButton")
    simulator.write_bit("DB", 0, 1, False, db=1)  # drain valve closed: the level stays put
    qtbot.waitUntil(lambda: high.property("conditionKnown") is True, timeout=TIMEOUT)
    assert high.property("state") == State.Normal
    set_level(simulator, 95.0)
    qtbot.waitUntil(lambda: high.property("state") == State.Unacknowledged, timeout=TIMEOUT)
    assert simulator.read_bit("DB", 1, 0, db=1) is True  # the PLC latched its own alarm bit
    qtbot.waitUntil(lambda: banner.property("alarm") == high, timeout=TIMEOUT)
    assert child(banner, "text").property("text") == "Level high: 95.0 % (limit 90.0 %)"
    assert button.property("text") == "Alarms (1)"

    set_level(simulator, 80.0)  # under the limit and its deadband: the alarm goes
    qtbot.waitUntil(lambda: high.property("state") == State.ReturnedUnacknowledged, timeout=TIMEOUT)
    assert simulator.read_bit("DB", 1, 0, db=1) is True  # latched until acknowledged
    acknowledge_all = child(demo_panel, "acknowledgeAllAlarms")
    qtbot.waitUntil(lambda: acknowledge_all.property("enabled") is True, timeout=TIMEOUT)
    click(demo_panel, acknowledge_all)
    qtbot.waitUntil(lambda: high.property("state") == State.Normal, timeout=TIMEOUT)
    # the acknowledgement pulsed the PLC's Ack bit, and the PLC reset its latch
    qtbot.waitUntil(lambda: simulator.read_bit("DB", 1, 0, db=1) is False, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: button.property("text") == "Alarms", timeout=TIMEOUT)


def test_the_alarm_page_lists_the_current_alarms(demo_panel, qtbot, simulator):
    dry = demo_panel.findChild(QObject, "dryRunAlarm")
    page, table = demo_panel.findChild(QObject, "alarmPage"), child(demo_panel, "alarmTable")
    set_level(simulator, 3.0)  # the valve is open: the tank stays nearly empty
    qtbot.waitUntil(lambda: dry.property("state") == State.Unacknowledged, timeout=TIMEOUT)
    click(demo_panel, child(demo_panel, "alarmsButton"))
    qtbot.waitUntil(lambda: page.property("opened") is True, timeout=TIMEOUT)
    assert table.property("view") == "current"
    qtbot.waitUntil(lambda: table.property("rowCount") == 1, timeout=TIMEOUT)
    assert table.property("usedModel").get(0) == dry
    click(demo_panel, child(demo_panel, "alarmPageClose"))
    qtbot.waitUntil(lambda: page.property("visible") is False, timeout=TIMEOUT)


def test_the_plc_page_stops_and_runs_the_simulated_cpu(demo_panel, qtbot, simulator):
    plc, badge = demo_panel.findChild(QObject, "plc"), child(demo_panel, "badge")
    level = demo_panel.findChild(QObject, "level")
    page = demo_panel.findChild(QObject, "plcPage")
    qtbot.waitUntil(lambda: level.property("quality") == Quality.Good, timeout=TIMEOUT)
    click(demo_panel, child(demo_panel, "plcButton"))
    qtbot.waitUntil(lambda: page.property("opened") is True, timeout=TIMEOUT)
    # 1024x600 has no room for the strip: the page has the only one
    (diagnostics,) = demo_panel.findChildren(QQuickItem, "diagnostics")
    assert diagnostics.isVisible()
    qtbot.waitUntil(lambda: diagnostics.property("roundTripText").endswith(" ms"), timeout=TIMEOUT)

    click(demo_panel, child(demo_panel, "cpuStop"))
    qtbot.waitUntil(lambda: badge.property("cpuText") == "STOP", timeout=TIMEOUT)
    assert simulator.cpu_state == "STOP"
    qtbot.waitUntil(
        lambda: level.property("quality") == Quality.UncertainLastUsableValue, timeout=TIMEOUT
    )
    assert child(demo_panel, "cpuStop").property("enabled") is False

    click(demo_panel, child(demo_panel, "cpuRun"))
    qtbot.waitUntil(lambda: badge.property("cpuText") == "RUN", timeout=TIMEOUT)
    qtbot.waitUntil(lambda: level.property("quality") == Quality.Good, timeout=TIMEOUT)
    assert plc.property("cpuState") == plc.CpuState.Run


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
