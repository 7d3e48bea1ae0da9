"""The demo panel fits operator-panel screens from 800x480 to 1920x1080, and lints clean."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from PySide6.QtCore import QRectF
from PySide6.QtQuick import QQuickItem
from qml_s7.demo import PANEL
from support import WIDGETS, run_qml_s7

TIMEOUT = 10_000
ROOT = Path(__file__).resolve().parent.parent
SIZES = [(800, 480), (1024, 600), (1280, 800), (1920, 1080)]
TOUCH = 40  # px: the least height of anything a finger presses
SLACK = 0.5  # px: layouts place items on fractional positions
# The panel's widgets with an objectName (tests/test_demo.py finds them by these).
NAMED = {
    "badge",
    "levelGauge",
    "levelDisplay",
    "temperatureDisplay",
    "pumpButton",
    "valveButton",
    "heaterButton",
    "alarmLamp",
    "levelTrend",
}


@pytest.fixture
def panel(demo_panel, qtbot):
    window = demo_panel
    badge = window.findChild(QQuickItem, "badge")
    widgets = [item for item in window.findChildren(QQuickItem) if class_name(item) in WIDGETS]
    # Laid out with every value read and the CPU's name in the header, as an operator sees it.
    qtbot.waitUntil(lambda: badge.property("stateText") == "connected", timeout=TIMEOUT)
    qtbot.waitUntil(
        lambda: all(w.property("valid") in (True, None) for w in widgets), timeout=TIMEOUT
    )
    return window


def class_name(item: QQuickItem) -> str:
    """``NumericDisplay`` for an instance of NumericDisplay.qml, else the C++ class."""
    return item.metaObject().className().split("_QML")[0]


def is_widget(item: QQuickItem) -> bool:
    """A widget of QmlS7.Controls or a Qt Quick Control (all Controls), or a Label."""
    return item.inherits("QQuickControl") or item.inherits("QQuickLabel")


def shown(item: QQuickItem) -> bool:
    return item.isVisible() and item.opacity() > 0 and item.width() > 0 and item.height() > 0


def scene_rect(item: QQuickItem) -> QRectF:
    return item.mapRectToScene(QRectF(0, 0, item.width(), item.height()))


def inside(inner: QRectF, outer: QRectF) -> bool:
    return (
        inner.left() >= outer.left() - SLACK
        and inner.top() >= outer.top() - SLACK
        and inner.right() <= outer.right() + SLACK
        and inner.bottom() <= outer.bottom() + SLACK
    )


def overlap(a: QRectF, b: QRectF) -> bool:
    common = a.intersected(b)
    return common.width() > SLACK and common.height() > SLACK


def describe(item: QQuickItem) -> str:
    text = item.property("text") or item.property("label") or item.property("title") or ""
    name = item.objectName()
    rect = scene_rect(item)
    where = f"({rect.x():.0f},{rect.y():.0f} {rect.width():.0f}x{rect.height():.0f})"
    return f"{class_name(item)} {name or text!r} {where}"


def layout_problems(window) -> tuple[list[str], list[QQuickItem]]:
    """What is cut off or overlaps in the panel, and the widgets it shows.

    Walks the panel's own items from its page down to the widgets (which are not looked into:
    their insides are theirs). Every shown item must lie in the window and in its parent, and
    no two shown siblings may overlap.
    """
    page = window.findChild(QQuickItem, "page")
    screen = QRectF(0, 0, window.width(), window.height())
    problems: list[str] = []
    if scene_rect(page) != screen:
        problems.append(f"the page {scene_rect(page)} does not fill the window {screen}")
    widgets: list[QQuickItem] = []

    def visit(item: QQuickItem) -> None:
        children = [child for child in item.childItems() if shown(child)]
        for child in children:
            if not inside(scene_rect(child), screen):
                problems.append(f"{describe(child)} is cut off by the window")
            elif not inside(scene_rect(child), scene_rect(item)):
                problems.append(f"{describe(child)} sticks out of {describe(item)}")
        for a, b in itertools.combinations(children, 2):
            if overlap(scene_rect(a), scene_rect(b)):
                problems.append(f"{describe(a)} overlaps {describe(b)}")
        for child in children:
            if is_widget(child):
                widgets.append(child)
            else:
                visit(child)

    visit(page)
    return problems, widgets


def geometry(window) -> list[tuple[str, tuple[float, float, float, float]]]:
    """The scene rectangles of the widgets, after Qt has polished the layouts."""
    window.grabWindow()  # polishes and renders a frame, as the screen would
    _, widgets = layout_problems(window)
    return [(describe(w), scene_rect(w).getRect()) for w in widgets]


def settle(qtbot, window, width: int, height: int) -> None:
    """Resize the window and wait until its layout stops moving."""
    window.resize(width, height)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == (width, height), timeout=TIMEOUT)
    last: list = []

    def still() -> bool:
        now = geometry(window)
        same = now == last
        last[:] = now
        return same

    qtbot.waitUntil(still, timeout=TIMEOUT)


def check_layout(window, width: int, height: int) -> None:
    problems, widgets = layout_problems(window)
    assert not problems, f"at {width}x{height}:\n" + "\n".join(problems)

    # Every widget of the panel is shown (no card was dropped to make room) ...
    page = window.findChild(QQuickItem, "page")
    everything = [item for item in page.findChildren(QQuickItem) if class_name(item) in WIDGETS]
    hidden = [describe(item) for item in everything if item not in widgets]
    assert len(everything) >= 20 and hidden == [], hidden
    assert {w.objectName() for w in widgets} >= NAMED

    # ... sized for a finger ...
    for widget in widgets:
        kind = class_name(widget)
        presses = [widget] if kind == "ToggleButton" else []
        if kind == "SetpointControl":
            presses = [widget.findChild(QQuickItem, n) for n in ("slider", "spinBox")]
        for target in presses:
            assert scene_rect(target).height() >= TOUCH, f"{describe(widget)} is too small"

    # ... and the panel uses the whole screen instead of a corner of it.
    united = QRectF()
    for widget in widgets:
        united = united.united(scene_rect(widget))
    assert united.right() >= 0.95 * width and united.bottom() >= 0.95 * height, united


def test_the_panel_opens_at_1024x600(panel):
    assert (panel.width(), panel.height()) == (1024, 600)


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_everything_fits_the_screen(panel, qtbot, tmp_path, width, height):
    settle(qtbot, panel, width, height)
    shot = panel.grabWindow()
    assert shot.save(str(tmp_path / f"panel-{width}x{height}.png"))
    assert (shot.width(), shot.height()) == (width, height)
    check_layout(panel, width, height)


def test_the_smallest_screen_still_fits_while_the_plc_is_down(panel, qtbot, tmp_path, simulator):
    # The badge then grows a line with the error: the header gets taller, the trends give way.
    badge = panel.findChild(QQuickItem, "badge")
    settle(qtbot, panel, 800, 480)
    connected_height = badge.height()
    simulator.stop()
    qtbot.waitUntil(lambda: badge.property("errorText") != "", timeout=TIMEOUT)
    settle(qtbot, panel, 800, 480)
    assert badge.height() > connected_height
    assert panel.grabWindow().save(str(tmp_path / "panel-800x480-down.png"))
    check_layout(panel, 800, 480)


@pytest.mark.parametrize("path", [PANEL, ROOT / "docs" / "first-panel.qml"], ids=lambda p: p.name)
def test_the_shipped_panels_lint_clean(path):
    result = run_qml_s7("lint", str(path))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Warning" not in output
