"""S7HistoryModel on a real history file: rows arrive asynchronously, newest first, and views
are told as little as it takes (new rows inserted at the top, an outcome that came as a
change, rows pushed past the limit removed), never a reset for a growing trail."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QObject

from qml_s7 import S7History, S7HistoryModel
from qml_s7.history.journal import journal

TIMEOUT = 10_000
# Times of this hour: rows older than the retention (30 days) would be dropped as the file opens.
T0 = int(time.time() * 1000) - 3_600_000


@pytest.fixture
def trail(qml, qtbot, tmp_path):
    """An S7History on a file of its own and models on it: writes, limit 3; alarm events."""
    root = qml(
        f"""
import QtQml
import QmlS7
QtObject {{
    property S7History history: S7History {{
        id: store; file: "{tmp_path / "h.sqlite"}"; batchInterval: 20
    }}
    property S7HistoryModel writes: S7HistoryModel {{ history: store; limit: 3 }}
    property S7HistoryModel events: S7HistoryModel {{
        history: store; events: S7HistoryModel.AlarmEvents; tag: "high"
    }}
}}
"""
    )
    qtbot.waitUntil(lambda: journal().store is not None, timeout=TIMEOUT)
    return root


class Announcements:
    """What a model told its views."""

    def __init__(self, model: S7HistoryModel) -> None:
        self.said: list[tuple] = []
        model.modelReset.connect(lambda: self.said.append(("reset",)))
        model.rowsInserted.connect(lambda _p, a, b: self.said.append(("inserted", a, b)))
        model.rowsRemoved.connect(lambda _p, a, b: self.said.append(("removed", a, b)))
        model.dataChanged.connect(lambda a, b, _r: self.said.append(("changed", a.row(), b.row())))

    def take(self) -> list[tuple]:
        said, self.said = self.said, []
        return said


def column(model: S7HistoryModel, name: str) -> list:
    return [model.get(i)[name] for i in range(model.property("count"))]


def test_a_growing_trail_is_inserted_at_the_top(trail, qtbot):
    model: S7HistoryModel = trail.property("writes")
    trail_ = journal()
    key = trail_.begin_write(T0 + 1_000, "sp", 1, 2, "anna", "plc")
    qtbot.waitUntil(lambda: model.property("count") == 1, timeout=TIMEOUT)
    assert model.get(0)["outcome"] is None  # in flight
    said = Announcements(model)
    trail_.end_write(key, "confirmed")
    qtbot.waitUntil(lambda: model.get(0)["outcome"] == "confirmed", timeout=TIMEOUT)
    assert said.take() == [("changed", 0, 0)]  # the outcome came: the same row, changed
    trail_.log_write(T0 + 2_000, "sp", 2, 300, "invalid", "anna", "plc", "300 is no INT")
    qtbot.waitUntil(lambda: model.property("count") == 2, timeout=TIMEOUT)
    assert said.take() == [("inserted", 0, 0)]
    assert column(model, "new") == [300, 2]
    for ts, new in ((T0 + 3_000, 3), (T0 + 4_000, 4)):
        trail_.log_write(ts, "sp", 2, new, "not_sent", "bert", "plc")
    qtbot.waitUntil(lambda: column(model, "new") == [4, 3, 300], timeout=TIMEOUT)
    assert ("reset",) not in said.take()  # the limit (3): the oldest went, nothing reset
    assert model.get(0) == {
        "ts": T0 + 4_000, "tag": "sp", "old": 2, "new": 4, "outcome": "not_sent", "user": "bert",
        "client": "plc", "detail": "",
    }  # fmt: skip
    # A filter asks again; the rows are those of the filter when the answer comes.
    model.setProperty("user", "anna")
    qtbot.waitUntil(lambda: column(model, "new") == [300, 2], timeout=TIMEOUT)
    model.setProperty("tag", "other")
    qtbot.waitUntil(lambda: model.property("count") == 0, timeout=TIMEOUT)


def test_alarm_events_filtered_by_alarm(trail, qtbot):
    model: S7HistoryModel = trail.property("events")
    for ts, alarm, event, user in (
        (T0 + 1_000, "high", "came", ""),
        (T0 + 2_000, "low", "came", ""),
        (T0 + 3_000, "high", "acknowledged", "anna"),
    ):
        journal().alarm_event(alarm, ts, event, 95.5, user, text=f"{alarm}!", priority=2)
    qtbot.waitUntil(lambda: model.property("count") == 2, timeout=TIMEOUT)
    assert column(model, "event") == ["acknowledged", "came"]
    assert model.get(0) == {
        "ts": T0 + 3_000, "alarm": "high", "event": "acknowledged", "value": 95.5, "user": "anna",
        "text": "high!", "priority": 2, "group": "",
    }  # fmt: skip
    model.setProperty("events", int(S7HistoryModel.Events.Writes))
    qtbot.waitUntil(lambda: model.property("count") == 0, timeout=TIMEOUT)  # no writes


def test_a_model_without_a_history_is_empty_and_follows_one_that_goes(trail, qml, qtbot):
    history: S7History = trail.property("history")
    model: S7HistoryModel = trail.property("writes")
    journal().log_write(T0 + 1_000, "sp", 1, 2, "confirmed", "anna", "plc")
    qtbot.waitUntil(lambda: model.property("count") == 1, timeout=TIMEOUT)
    loose = qml("import QmlS7\nS7HistoryModel {}")
    loose.refresh()
    assert loose.property("count") == 0 and loose.property("history") is None
    history.deleteLater()
    qtbot.waitUntil(lambda: model.property("history") is None, timeout=TIMEOUT)
    assert model.property("count") == 0
    assert isinstance(model, QObject)
