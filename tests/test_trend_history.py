"""TrendChart's zoom, pan and Live button (real wheel, mouse and touch events through the QML
engine), and its history: past points read back from a real SQLite file through S7History."""

from __future__ import annotations

import itertools
import math
import statistics
import time

import pytest
from PySide6 import QtQuick  # noqa: F401  (so that created windows are QQuickWindows)
from PySide6.QtCore import (
    Q_ARG,
    Q_RETURN_ARG,
    QCoreApplication,
    QMetaObject,
    QObject,
    QPoint,
    QPointF,
    Qt,
)
from PySide6.QtGui import QColor, QWheelEvent
from PySide6.QtQml import QJSValue
from PySide6.QtQuick import QQuickItem
from PySide6.QtTest import QTest
from qtitems import child, click
from qtitems import show as show_window

from qml_s7.history.store import Store

TIMEOUT = 10_000
LEFT = Qt.MouseButton.LeftButton
NO_MOD = Qt.KeyboardModifier.NoModifier
HOUR = 3_600_000


def chart_window(properties: str = "", extra: str = "", value: float = 3) -> str:
    """A window with one TrendChart (objectName "trend") of a constant value."""
    return f"""
import QtQuick
import QmlS7
import QmlS7.Controls
Window {{
    width: 660; height: 320; visible: true
{extra}
    TrendChart {{
        objectName: "trend"; x: 10; y: 10; width: 640; height: 280
        value: {value}; label: "Level"
{properties}
    }}
}}
"""


def js(value):
    """A JS value as plain Python (lists, dicts)."""
    return value.toVariant() if isinstance(value, QJSValue) else value


def call(obj: QObject, name: str, *args):
    """Call a QML function of ``obj`` and return its result as plain Python."""
    arguments = [Q_ARG("QVariant", a) for a in args]
    result = QMetaObject.invokeMethod(
        obj, name, Qt.ConnectionType.DirectConnection, Q_RETURN_ARG("QVariant"), *arguments
    )
    return js(result)


def show(qml, qtbot, source: str) -> tuple[QObject, QQuickItem]:
    """The window and its chart, once the chart has painted (its plot area is known)."""
    win = show_window(qml, qtbot, source)
    trend = child(win, "trend")
    qtbot.waitUntil(lambda: trend.property("plotRect").width() > 100, timeout=TIMEOUT)
    return win, trend


def scene_point(trend: QQuickItem, fraction: float) -> QPointF:
    """The point of the plot area at ``fraction`` of its width (0: left edge), mid-height."""
    area = trend.property("plotRect")
    plot = child(trend, "plot")
    return plot.mapToScene(QPointF(area.x() + fraction * area.width(), area.center().y()))


def time_at(trend: QQuickItem, fraction: float) -> float:
    span_ms = trend.property("span") * 1000
    return trend.property("viewEnd") - (1 - fraction) * span_ms


def wheel(win, point: QPointF, notches: float) -> None:
    """Turn the mouse wheel at ``point`` (positive: away from the user, zoom in)."""
    event = QWheelEvent(
        point,
        win.mapToGlobal(point),
        QPoint(0, 0),
        QPoint(0, round(120 * notches)),
        Qt.MouseButton.NoButton,
        NO_MOD,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QCoreApplication.sendEvent(win, event)


def drag(win, start: QPointF, dx: float, steps: int = 10) -> None:
    """Press at ``start``, move ``dx`` to the right in steps, release."""
    x, y = start.x(), start.y()
    QTest.mousePress(win, LEFT, NO_MOD, QPoint(round(x), round(y)))
    for i in range(1, steps + 1):
        QTest.mouseMove(win, QPoint(round(x + dx * i / steps), round(y)))
    QTest.mouseRelease(win, LEFT, NO_MOD, QPoint(round(x + dx), round(y)))


def pinch(qtbot, win, center: QPointF, start_gap: float, end_gap: float, steps: int = 8) -> None:
    """Two fingers around ``center``, moved from ``start_gap`` to ``end_gap`` apart."""
    device = QTest.createTouchDevice()
    cx, cy = center.x(), center.y()

    def points(gap: float) -> tuple[QPoint, QPoint]:
        return QPoint(round(cx - gap / 2), round(cy)), QPoint(round(cx + gap / 2), round(cy))

    a, b = points(start_gap)
    QTest.touchEvent(win, device).press(0, a, win).press(1, b, win).commit()
    for i in range(1, steps + 1):
        a, b = points(start_gap + (end_gap - start_gap) * i / steps)
        QTest.touchEvent(win, device).move(0, a, win).move(1, b, win).commit()
        # Qt Quick delivers touch moves with the next frame (it merges those in between).
        with qtbot.waitSignal(win.frameSwapped, timeout=TIMEOUT):
            win.update()
    QTest.touchEvent(win, device).release(0, a, win).release(1, b, win).commit()


def now_ms() -> float:
    return time.time() * 1000


# -- zoom and pan, without history ------------------------------------------------------------


def test_a_chart_opens_live_with_its_right_edge_at_now(qml, qtbot):
    before = now_ms()
    _, trend = show(qml, qtbot, chart_window())
    assert trend.property("live") is True
    assert trend.property("span") == 60
    assert trend.property("viewEnd") >= before - 1
    assert trend.property("viewStart") == trend.property("viewEnd") - 60_000
    assert child(trend, "liveButton").property("enabled") is False  # already there


def test_the_wheel_zooms_around_the_pointer(qml, qtbot):
    end = now_ms() - HOUR  # an hour ago: not live, the view holds still
    win, trend = show(qml, qtbot, chart_window(f"viewEnd: {end}"))
    assert trend.property("live") is False and trend.property("viewEnd") == end
    under = time_at(trend, 0.25)
    wheel(win, scene_point(trend, 0.25), 1)  # one notch in: 1.25 times closer
    assert trend.property("span") == pytest.approx(60 / 1.25)
    assert time_at(trend, 0.25) == pytest.approx(under, abs=1)  # the time under the pointer
    wheel(win, scene_point(trend, 0.25), -2)  # two notches out
    assert trend.property("span") == pytest.approx(60 * 1.25)
    assert time_at(trend, 0.25) == pytest.approx(under, abs=1)
    assert trend.property("live") is False


def test_zooming_in_away_from_now_leaves_live_and_zooming_out_keeps_it(qml, qtbot):
    win, trend = show(qml, qtbot, chart_window())
    wheel(win, scene_point(trend, 1.0), -1)  # at the right edge, out: still now
    assert trend.property("span") == pytest.approx(75)
    assert trend.property("live") is True
    wheel(win, scene_point(trend, 0.5), 1)  # in, around a time in the past
    assert trend.property("span") == pytest.approx(60)
    assert trend.property("live") is False
    assert trend.property("viewEnd") < now_ms()


def test_the_zoom_stays_within_min_and_max_span(qml, qtbot):
    win, trend = show(qml, qtbot, chart_window("minSpan: 20; maxSpan: 100"))
    wheel(win, scene_point(trend, 1.0), 20)
    assert trend.property("span") == 20
    wheel(win, scene_point(trend, 1.0), -20)
    assert trend.property("span") == 100
    assert child(trend, "zoomOut").property("enabled") is False
    assert child(trend, "zoomIn").property("enabled") is True


def test_the_buttons_zoom_and_keep_a_live_chart_live(qml, qtbot):
    win, trend = show(qml, qtbot, chart_window("minSpan: 15"))
    zoom_in, zoom_out = child(trend, "zoomIn"), child(trend, "zoomOut")
    assert zoom_in.height() >= 28  # a fingertip's, in the chart's header
    click(win, zoom_in)
    assert (trend.property("span"), trend.property("live")) == (30, True)
    click(win, zoom_in)
    assert trend.property("span") == 15
    assert zoom_in.property("enabled") is False  # minSpan
    click(win, zoom_out)
    click(win, zoom_out)
    assert (trend.property("span"), trend.property("live")) == (60, True)


def test_a_drag_pans_into_the_past_while_the_samples_go_on(qml, qtbot):
    end = now_ms() - HOUR
    win, trend = show(qml, qtbot, chart_window(f"viewEnd: {end}; sampleInterval: 50"))
    ms_per_px = 60_000 / trend.property("plotRect").width()
    drag(win, scene_point(trend, 0.3), 200)  # the line follows the finger to the right
    moved = end - trend.property("viewEnd")
    # all of it but what the drag threshold (a few px, before the drag starts) takes
    assert 150 * ms_per_px <= moved <= 200 * ms_per_px + 1
    assert trend.property("live") is False
    count, held = trend.property("sampleCount"), trend.property("viewEnd")
    trend.setProperty("value", 4)  # the live samples go on being taken
    qtbot.waitUntil(lambda: trend.property("sampleCount") > count, timeout=TIMEOUT)
    assert trend.property("viewEnd") == held and trend.property("live") is False


def test_the_live_button_returns_to_now(qml, qtbot):
    win, trend = show(qml, qtbot, chart_window())
    drag(win, scene_point(trend, 0.3), 150)
    assert trend.property("live") is False
    button = child(trend, "liveButton")
    assert button.property("enabled") is True and button.property("highlighted") is True
    before = now_ms()
    click(win, button)
    assert trend.property("live") is True
    assert trend.property("viewEnd") >= before - 1
    assert button.property("enabled") is False


def test_dragging_back_to_now_follows_now_again(qml, qtbot):
    win, trend = show(qml, qtbot, chart_window())
    drag(win, scene_point(trend, 0.3), 100)
    assert trend.property("live") is False
    drag(win, scene_point(trend, 0.6), -300)  # further than the way back
    assert trend.property("live") is True


def test_a_pinch_zooms_around_the_fingers(qml, qtbot):
    end = now_ms() - HOUR
    win, trend = show(qml, qtbot, chart_window(f"viewEnd: {end}"))
    under = time_at(trend, 0.5)
    pinch(qtbot, win, scene_point(trend, 0.5), 100, 200)  # fingers apart: closer
    # twice as far apart, less the few px before the pinch starts
    assert 30 <= trend.property("span") < 45
    assert time_at(trend, 0.5) == pytest.approx(under, abs=trend.property("span") * 1000 * 0.01)
    pinch(qtbot, win, scene_point(trend, 0.5), 200, 100)  # together: farther
    assert trend.property("span") > 50
    assert trend.property("live") is False


def test_viewend_and_live_can_be_set_from_qml(qml, qtbot):
    _, trend = show(qml, qtbot, chart_window())
    past = now_ms() - HOUR
    trend.setProperty("viewEnd", past)
    assert trend.property("live") is False and trend.property("viewEnd") == past
    trend.setProperty("live", True)
    assert trend.property("viewEnd") > past + HOUR - 10_000
    trend.setProperty("live", False)  # freezes where it is
    held = trend.property("viewEnd")
    trend.setProperty("value", 5)
    qtbot.waitUntil(lambda: 5 in [s["v"] for s in js(trend.property("samples"))], timeout=TIMEOUT)
    assert trend.property("viewEnd") == held


def test_only_the_points_in_view_are_painted(qml, qtbot):
    # 5,000 samples a second apart; a 20 s view in the middle paints 20 and one on each side.
    fill = """
    function fill(trend) {
        const now = Date.now()
        trend.clear()
        for (let i = 0; i < 5000; ++i)
            trend.samples.push({ t: now - (5000 - i) * 1000, v: i % 7 })
    }
"""
    win, trend = show(qml, qtbot, chart_window("running: false; maxSpan: 6000", fill))
    call(win, "fill", trend)
    trend.setProperty("span", 20)
    trend.setProperty("viewEnd", now_ms() - 1000 * 1000)
    points = call(trend, "visiblePoints")
    assert 20 <= len(points) <= 23
    start, end = trend.property("viewStart"), trend.property("viewEnd")
    assert points[0]["t"] < start <= points[1]["t"] and points[-2]["t"] <= end < points[-1]["t"]
    assert math.isfinite(points[0]["v"])
    # All 5,000 in view: at most four a pixel column are drawn (first, lowest, highest, last).
    trend.setProperty("span", 5100)
    trend.setProperty("live", True)
    assert len(call(trend, "visiblePoints")) >= 5000
    width = trend.property("plotRect").width()
    qtbot.waitUntil(lambda: 0 < trend.property("paintedPoints") <= 4 * width + 4, timeout=TIMEOUT)


# -- history -----------------------------------------------------------------------------------

GOOD, BAD = 0x80, 0x00
TAG = '"Tank".Level'


def write_rows(path, rows: list[tuple[int, float, int]], tag: str = TAG) -> None:
    """Rows (ts, value, quality) into the history file, through the store, committed."""
    store = Store(path, retention_days=0)
    store.start()
    for ts, value, quality in rows:
        store.add_sample(tag, ts, value, quality)
    assert store.close()


def history_window(path, properties: str, value: float = 3) -> str:
    extra = f'    S7History {{ id: store; objectName: "history"; file: "{path}" }}'
    return chart_window(f"history: store; historyTag: '{TAG}'\n{properties}", extra, value)


def answered(qtbot, trend) -> None:
    """Wait until the chart holds the history's answer for its view."""
    qtbot.waitUntil(
        lambda: trend.property("historyTo") > 0 and not trend.property("historyLoading"),
        timeout=TIMEOUT,
    )


def colour_at(win, trend, t: float, height_fraction: float) -> QColor:
    """The colour on screen at time ``t`` of the plot, ``height_fraction`` down from its top."""
    area = trend.property("plotRect")
    span_ms = trend.property("span") * 1000
    x = area.x() + (t - trend.property("viewStart")) / span_ms * area.width()
    point = child(trend, "plot").mapToScene(QPointF(x, area.y() + height_fraction * area.height()))
    image = win.grabWindow()
    ratio = image.devicePixelRatio()
    return image.pixelColor(round(point.x() * ratio), round(point.y() * ratio))


def test_a_chart_opens_with_the_past_and_shades_bad_quality_as_gaps(qml, qtbot, tmp_path):
    # The past hour, a row a minute; minutes 20 to 25 ago the link was down (bad quality).
    path = tmp_path / "history.sqlite"
    now = round(now_ms())
    rows = [
        (now - m * 60_000, 10 + m % 5, BAD if 20 <= m <= 25 else GOOD) for m in range(60, 0, -1)
    ]
    write_rows(path, rows)
    win, trend = show(qml, qtbot, history_window(path, "span: 3600; minimum: 0; maximum: 100"))
    answered(qtbot, trend)
    assert trend.property("historyFrom") <= trend.property("viewStart")
    points = call(trend, "visiblePoints")
    past = [p for p in points if p["t"] < now]
    assert [p["t"] for p in past] == [ts for ts, _, _ in rows]  # all of them: no need to thin
    for point, (_, value, quality) in zip(past, rows, strict=True):
        if quality == BAD:
            assert math.isnan(point["v"])  # a gap
        else:
            assert point["v"] == value
    # Drawn: the gap shaded, the rest of the plot's background plain.
    gap = QColor(trend.property("gapColor"))
    qtbot.waitUntil(lambda: colour_at(win, trend, now - 22 * 60_000, 0.125) == gap)
    assert colour_at(win, trend, now - 40 * 60_000, 0.125) != gap


def test_the_past_and_the_live_samples_are_one_line(qml, qtbot, tmp_path):
    path = tmp_path / "history.sqlite"
    now = round(now_ms())
    write_rows(path, [(now - s * 1000, 20.0 + s, GOOD) for s in range(300, 0, -10)])
    _, trend = show(qml, qtbot, history_window(path, "span: 600", value=7))
    answered(qtbot, trend)
    points = call(trend, "visiblePoints")
    times = [p["t"] for p in points]
    assert times == sorted(times)
    first_live = js(trend.property("samples"))[0]["t"]
    past = [p for p in points if p["t"] < first_live]
    assert len(past) == 30 and past[-1]["v"] == 30.0  # the newest row, 10 s ago
    assert points[len(past)]["v"] == 7  # then the live samples
    assert all(p["t"] >= first_live for p in points[len(past) :])


def test_panning_into_a_past_not_held_asks_the_history_once_the_drag_rests(qml, qtbot, tmp_path):
    # Three hours of rows; a 10-minute chart holds the last 20 minutes after opening.
    path = tmp_path / "history.sqlite"
    now = round(now_ms())
    write_rows(path, [(now - m * 60_000, float(m), GOOD) for m in range(180, 0, -1)])
    win, trend = show(qml, qtbot, history_window(path, "span: 600"))
    answered(qtbot, trend)
    assert trend.property("historyFrom") > now - 30 * 60_000
    history = win.findChild(QObject, "history")
    answers: list[int] = []
    history.queryFinished.connect(lambda request, _points: answers.append(request))

    trend.setProperty("historyDelay", 600_000)  # the drag never rests while it lasts
    for _ in range(8):  # the finger keeps moving: 8 strokes of 6 minutes each
        drag(win, scene_point(trend, 0.2), 0.6 * trend.property("plotRect").width())
    assert trend.property("live") is False
    assert trend.property("viewStart") < now - 40 * 60_000  # beyond what the chart holds
    assert trend.property("historyLoading") is False and answers == []  # nothing asked yet
    trend.setProperty("historyDelay", 0)  # it rests
    qtbot.waitUntil(lambda: len(answers) == 1, timeout=TIMEOUT)
    answered(qtbot, trend)
    start, end = trend.property("viewStart"), trend.property("viewEnd")
    assert trend.property("historyFrom") <= start and trend.property("historyTo") >= end
    shown = [p for p in call(trend, "visiblePoints") if start <= p["t"] <= end]
    assert len(shown) >= 9  # a row a minute of the ten
    assert all(p["v"] == round((now - p["t"]) / 60_000) for p in shown)
    assert len(answers) == 1  # and nothing more while the view rests


def gaps(points: list[dict]) -> list[float]:
    """The times between successive points."""
    return [b["t"] - a["t"] for a, b in itertools.pairwise(points)]


def test_zooming_in_closer_than_the_answer_asks_again(qml, qtbot, tmp_path):
    # A row a second for an hour, a one-second spike half an hour ago: the hour's answer is
    # thinned (the spike survives); ten minutes around the spike come back ten times finer.
    path = tmp_path / "history.sqlite"
    now = round(now_ms())
    spike = now - 1800 * 1000
    write_rows(
        path, [(now - s * 1000, 90.0 if s == 1800 else 1.0, GOOD) for s in range(3600, 0, -1)]
    )
    _, trend = show(qml, qtbot, history_window(path, "span: 3600"))
    answered(qtbot, trend)
    hour = js(trend.property("historyPoints"))
    assert len(hour) < 3600 and max(p["v"] for p in hour) == 90.0
    assert statistics.median(gaps(hour)) >= 4000
    trend.setProperty("historyDelay", 0)
    call(trend, "zoomBy", 600 / 3600, 0.5)  # around the spike, in the middle
    assert trend.property("live") is False and trend.property("span") == pytest.approx(600)
    qtbot.waitUntil(lambda: trend.property("historyTo") - trend.property("historyFrom") < HOUR)
    answered(qtbot, trend)
    start, end = trend.property("viewStart"), trend.property("viewEnd")
    shown = [p for p in call(trend, "visiblePoints") if start <= p["t"] <= end]
    # about a point a pixel: the rows of each two seconds, thinned to their min and max
    assert len(shown) >= 290 and statistics.median(gaps(shown)) <= 2000
    assert [p["t"] for p in shown if p["v"] == 90.0] == [spike]
