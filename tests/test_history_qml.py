"""History through the QML engine against the simulator, read back from the SQLite file.

S7History, S7Variable's ``logging``, the alarm events, the write audit trail with each
outcome, S7Operator, the error paths, query() and S7HistoryModel. Every test has its own
file under tmp_path, written with a short batch interval and read back with sqlite3.
"""

from __future__ import annotations

import contextlib
import getpass
import itertools
import math
import sqlite3
import struct
import time
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject
from PySide6.QtQml import QJSValue

from qml_s7 import S7Alarm, S7Client, S7History, S7HistoryModel, S7Logging, S7Variable
from qml_s7.core.quality import Quality
from qml_s7.history.journal import journal
from qml_s7.testing.hostile import HostilePLC

TIMEOUT = 10_000
# Times of this hour: rows older than the retention (30 days) would be dropped as the file opens.
T0 = int(time.time() * 1000) - 3_600_000
GOOD = int(Quality.Good)
LOST = int(Quality.BadNoCommunicationLastUsable)


@pytest.fixture(autouse=True)
def no_operator():
    """Each test starts without an operator name and leaves none behind."""
    journal().operator = ""
    yield
    journal().operator = ""


def panel(port: int, db: Path, variables: str = "", extra: str = "", batch: int = 50) -> str:
    """An S7History on ``db`` (``batch`` ms between transactions), an S7Client polling every
    20 ms with ``variables``, and ``extra`` items."""
    return f"""
import QtQuick
import QmlS7
Item {{
    id: root
    property var errors: []
    property var answers: []
    S7History {{
        id: history; objectName: "history"
        file: "{db}"; batchInterval: {batch}
        onErrorOccurred: root.errors.push(errorString)
        onQueryFinished: (id, points) => root.answers.push({{id: id, points: points}})
    }}
    S7Client {{
        id: plc
        hostname: "127.0.0.1"; port: {port}; pollInterval: 20
{variables}
    }}
{extra}
}}
"""


def child(root: QObject, cls: type, name: str):
    found = root.findChild(cls, name)
    assert found is not None, name
    return found


def query(db: Path, sql: str, *args: object) -> list[tuple]:
    """Rows of ``sql`` from the file, [] while it or its tables do not exist yet."""
    if not db.exists():
        return []
    with contextlib.closing(sqlite3.connect(db, timeout=5)) as conn:
        try:
            return conn.execute(sql, args).fetchall()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return []
            raise


def samples(db: Path, tag: str, quality: int | None = None) -> list[tuple]:
    """(ts, value, quality) of ``tag``, in time order (of one quality if given)."""
    rows = query(db, "SELECT ts, value, quality FROM samples WHERE tag = ? ORDER BY ts", tag)
    return [r for r in rows if quality is None or r[2] == quality]


def values(db: Path, tag: str) -> list:
    return [v for _, v, _ in samples(db, tag, GOOD)]


def write_real(simulator, value: float, start: int = 0) -> None:
    simulator.write("DB", start, struct.pack(">f", value), db=1)


def js(value):
    return value.toVariant() if isinstance(value, QJSValue) else value


def shown(qtbot, var: S7Variable, value) -> None:
    """Wait until the variable shows ``value`` as read from the PLC."""
    qtbot.waitUntil(
        lambda: var.property("valid") and var.property("data") == value, timeout=TIMEOUT
    )


# -- samples ------------------------------------------------------------------------------------
def test_on_change_logging_with_the_deadband_at_both_edges(qml, qtbot, simulator, tmp_path):
    db = tmp_path / "h.sqlite"
    write_real(simulator, 10.0)
    var = """        S7Variable {
            objectName: "level"; name: "DB1.DBD0:REAL"
            logging.mode: S7Logging.OnChange; logging.deadband: 0.5
        }"""
    level = child(qml(panel(simulator.port, db, var)), S7Variable, "level")
    shown(qtbot, level, 10.0)
    qtbot.waitUntil(lambda: values(db, "DB1.DBD0:REAL") == [10.0], timeout=TIMEOUT)
    # Exactly the deadband away from the last row, either way: no row. Just above it: a row.
    # (Every value here is exact in a REAL.)
    for value, logged in [
        (10.5, False),
        (9.5, False),
        (10.5078125, True),  # 0.5078125 above 10.0
        (10.0078125, False),  # exactly 0.5 below the row just logged
        (11.015625, True),  # 0.5078125 above
        (10.5, True),  # 0.515625 below
        (10.5, False),  # no change
    ]:
        write_real(simulator, value)
        shown(qtbot, level, value)
        if logged:
            qtbot.waitUntil(
                lambda v=value: values(db, "DB1.DBD0:REAL")[-1:] == [v], timeout=TIMEOUT
            )
    write_real(simulator, 20.0)  # a last row: every value before it has been judged
    shown(qtbot, level, 20.0)
    qtbot.waitUntil(lambda: values(db, "DB1.DBD0:REAL")[-1:] == [20.0], timeout=TIMEOUT)
    assert values(db, "DB1.DBD0:REAL") == [10.0, 10.5078125, 11.015625, 10.5, 20.0]


def test_the_longest_gap_logs_a_value_that_holds(qml, qtbot, simulator, tmp_path):
    db = tmp_path / "h.sqlite"
    simulator.write("DB", 2, b"\x00\x07", db=1)
    var = """        S7Variable {
            objectName: "v"; name: "DB1.DBW2:INT"
            logging.mode: S7Logging.OnChange; logging.maxGap: 200
        }"""
    qml(panel(simulator.port, db, var))
    qtbot.waitUntil(lambda: len(values(db, "DB1.DBW2:INT")) >= 4, timeout=TIMEOUT)
    rows = samples(db, "DB1.DBW2:INT", GOOD)
    assert {v for _, v, _ in rows} == {7}
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(rows)]
    assert all(gap >= 200 for gap in gaps), gaps  # and not every 20 ms poll


def test_cyclic_logging_writes_a_row_every_interval(qml, qtbot, simulator, tmp_path):
    db = tmp_path / "h.sqlite"
    simulator.write("DB", 2, b"\x00\x05", db=1)
    var = """        S7Variable {
            objectName: "v"; name: "DB1.DBW2:INT"
            logging.mode: S7Logging.Cyclic; logging.interval: 150
        }"""
    v = child(qml(panel(simulator.port, db, var)), S7Variable, "v")
    qtbot.waitUntil(lambda: len(values(db, "DB1.DBW2:INT")) >= 3, timeout=TIMEOUT)
    simulator.write("DB", 2, b"\x00\x06", db=1)
    shown(qtbot, v, 6)
    qtbot.waitUntil(lambda: values(db, "DB1.DBW2:INT")[-2:] == [6, 6], timeout=TIMEOUT)
    rows = samples(db, "DB1.DBW2:INT", GOOD)
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(rows)]
    assert all(gap >= 150 for gap in gaps), gaps  # not on each change or poll: per interval
    assert [v for _, v, _ in rows][:3] == [5, 5, 5]


def test_a_change_of_quality_is_a_row_when_the_plc_goes_and_comes_back(
    qml, qtbot, simulator, tmp_path
):
    db = tmp_path / "h.sqlite"
    simulator.write("DB", 2, b"\x00\x2a", db=1)
    var = """        S7Variable {
            objectName: "v"; name: "DB1.DBW2:INT"
            logging.mode: S7Logging.OnChange; logging.deadband: 1000
        }"""
    root = qml(panel(simulator.port, db, var))
    v = child(root, S7Variable, "v")
    shown(qtbot, v, 42)
    qtbot.waitUntil(lambda: values(db, "DB1.DBW2:INT") == [42], timeout=TIMEOUT)
    simulator.stop()
    qtbot.waitUntil(lambda: v.property("quality") == LOST, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: samples(db, "DB1.DBW2:INT")[-1][2] == LOST, timeout=TIMEOUT)
    lost = samples(db, "DB1.DBW2:INT")[-1]
    assert lost[1] == 42  # the last usable value, marked as such
    simulator.start()
    shown(qtbot, v, 42)
    qtbot.waitUntil(lambda: samples(db, "DB1.DBW2:INT")[-1][2] == GOOD, timeout=TIMEOUT)
    back = samples(db, "DB1.DBW2:INT")[-1]
    assert back[1] == 42 and back[0] >= lost[0]  # the same value, within the deadband: a row
    assert [q for _, _, q in samples(db, "DB1.DBW2:INT")].count(GOOD) == 2
    # The client's communication alarm came and went, named by its client.
    comm = f"127.0.0.1:{simulator.port}.commAlarm"
    qtbot.waitUntil(lambda: [e[0] for e in events(db, comm)] == ["came", "went"], timeout=TIMEOUT)
    assert events(db, comm)[0][3] == f"No connection to the PLC at 127.0.0.1:{simulator.port}"


def test_logging_is_made_on_first_use_only(qml, qtbot, simulator, tmp_path):
    db = tmp_path / "h.sqlite"
    var = """        S7Variable { objectName: "plain"; name: "DB1.DBW2:INT" }
        S7Variable { objectName: "logged"; name: "DB1.DBW4:INT"; logging.mode: 1 }"""
    root = qml(panel(simulator.port, db, var))
    plain, logged = child(root, S7Variable, "plain"), child(root, S7Variable, "logged")
    assert plain.findChildren(S7Logging) == []  # nobody asked: none made
    assert len(logged.findChildren(S7Logging)) == 1
    shown(qtbot, plain, 0)
    qtbot.waitUntil(lambda: values(db, "DB1.DBW4:INT") == [0], timeout=TIMEOUT)
    assert samples(db, "DB1.DBW2:INT") == []  # the default is off
    # Turned on later from QML (or Python): logged from then on, under its name.
    plain.property("logging").setProperty("mode", 1)
    qtbot.waitUntil(lambda: values(db, "DB1.DBW2:INT") == [0], timeout=TIMEOUT)
    logged.property("logging").setProperty("mode", 0)
    simulator.write("DB", 4, b"\x00\x09", db=1)
    shown(qtbot, logged, 9)  # read (and, were it logged, offered) before what follows
    plain.setProperty("name", "DB1.DBW6:INT")  # the tag follows the name
    simulator.write("DB", 6, b"\x00\x03", db=1)
    shown(qtbot, plain, 3)
    qtbot.waitUntil(lambda: values(db, "DB1.DBW6:INT") == [3], timeout=TIMEOUT)
    assert values(db, "DB1.DBW4:INT") == [0]  # Off again: no more rows


# -- alarm events --------------------------------------------------------------------------------
ALARM = """
    S7Alarm {
        objectName: "high"; source: level; kind: S7Alarm.High; limit: 90
        text: "Level high: %1 %"; priority: 2; group: "Tank"
    }
"""
LEVEL = '        S7Variable { id: level; objectName: "level"; name: "DB1.DBD0:REAL" }'


def events(db: Path, alarm: str = "high") -> list[tuple]:
    return query(
        db,
        "SELECT event, value, user, text, priority, grp FROM alarm_events WHERE alarm = ? "
        "ORDER BY ts, rowid",
        alarm,
    )


def test_alarm_events_with_the_operator(qml, qtbot, simulator, tmp_path):
    db = tmp_path / "h.sqlite"
    write_real(simulator, 50)
    root = qml(panel(simulator.port, db, LEVEL, ALARM))
    high = child(root, S7Alarm, "high")
    qtbot.waitUntil(lambda: high.property("conditionKnown"), timeout=TIMEOUT)
    write_real(simulator, 95)
    qtbot.waitUntil(lambda: high.property("active"), timeout=TIMEOUT)
    high.acknowledge()  # by the OS user: no operator name set
    write_real(simulator, 40)
    qtbot.waitUntil(lambda: not high.property("active"), timeout=TIMEOUT)
    qml_operator(qml, "anna")
    assert high.shelve(60_000)
    high.unshelve()
    qtbot.waitUntil(lambda: len(events(db)) == 5, timeout=TIMEOUT)
    me = getpass.getuser()
    assert [e[:3] for e in events(db)] == [
        ("came", 95.0, ""),
        ("acknowledged", 95.0, me),
        ("went", 40.0, ""),
        ("shelved", 40.0, "anna"),
        ("unshelved", 40.0, "anna"),
    ]
    assert events(db)[0][3:] == ("Level high: 95 %", 2, "Tank")


def test_a_shelving_that_runs_out_has_no_user(qml, qtbot, simulator, tmp_path):
    db = tmp_path / "h.sqlite"
    root = qml(panel(simulator.port, db, LEVEL, ALARM))
    high = child(root, S7Alarm, "high")
    qtbot.waitUntil(lambda: high.property("conditionKnown"), timeout=TIMEOUT)
    qml_operator(qml, "anna")
    assert high.shelve(100)
    qtbot.waitUntil(lambda: [e[0] for e in events(db)] == ["shelved", "unshelved"], timeout=TIMEOUT)
    assert [e[2] for e in events(db)] == ["anna", ""]


def qml_operator(qml, name: str) -> None:
    """Set the operator's name from QML, as an application's login dialog would."""
    qml(
        "import QtQml\nimport QmlS7\n"
        f'QtObject {{ Component.onCompleted: S7Operator.name = "{name}" }}'
    )


def test_the_operator_is_a_singleton_with_the_os_user_as_fallback(qml, qtbot):
    root = qml(
        """
import QtQml
import QmlS7
QtObject {
    property string name: S7Operator.name
    property string user: S7Operator.user
    function login(name) { S7Operator.name = name }
}
"""
    )
    assert (root.property("name"), root.property("user")) == ("", getpass.getuser())
    root.login("anna")
    assert (root.property("name"), root.property("user")) == ("anna", "anna")
    assert journal().user() == "anna"
    root.login("")
    assert root.property("user") == getpass.getuser()


# -- the write audit trail ------------------------------------------------------------------------
def writes(db: Path) -> list[tuple]:
    return query(db, "SELECT tag, old, new, outcome, user, client, detail FROM writes ORDER BY id")


def settled(db: Path, count: int) -> bool:
    rows = writes(db)
    return len(rows) == count and all(r[3] is not None for r in rows)


def test_every_write_attempt_is_one_row_with_its_outcome(qml, qtbot, simulator, tmp_path):
    db = tmp_path / "h.sqlite"
    simulator.write("DB", 2, b"\x00\x07", db=1)
    variables = """        S7Variable { objectName: "sp"; name: "DB1.DBW2:INT" }
        S7Variable { objectName: "byte"; name: "DB1.DBB4"; enabled: false }
        S7Variable { objectName: "gone"; name: "DB99.DBW0:INT"; enabled: false }"""
    root = qml(panel(simulator.port, db, variables))
    sp, byte, gone = (child(root, S7Variable, n) for n in ("sp", "byte", "gone"))
    shown(qtbot, sp, 7)
    qml_operator(qml, "anna")
    with qtbot.waitSignal(sp.written, timeout=TIMEOUT):
        sp.setProperty("data", 12)  # confirmed
    qtbot.waitUntil(lambda: settled(db, 1), timeout=TIMEOUT)
    with qtbot.waitSignal(gone.errorOccurred, timeout=TIMEOUT):
        gone.setProperty("data", 1)  # refused: the PLC has no DB99
    qtbot.waitUntil(lambda: settled(db, 2), timeout=TIMEOUT)
    byte.setProperty("data", 300)  # invalid: nothing sent
    qtbot.waitUntil(lambda: settled(db, 3), timeout=TIMEOUT)
    plc = root.findChild(S7Client)
    plc.disconnectFromHost()
    qtbot.waitUntil(lambda: not plc.property("connected"), timeout=TIMEOUT)
    sp.setProperty("data", 13)  # not sent: disconnected
    qtbot.waitUntil(lambda: settled(db, 4), timeout=TIMEOUT)
    where = f"127.0.0.1:{simulator.port}"
    rows = writes(db)
    assert [r[:6] for r in rows] == [
        ("DB1.DBW2:INT", 7, 12, "confirmed", "anna", where),
        ("DB99.DBW0:INT", None, 1, "refused", "anna", where),
        ("DB1.DBB4", None, 300, "invalid", "anna", where),
        ("DB1.DBW2:INT", 12, 13, "not_sent", "anna", where),
    ]
    assert rows[0][6] in ("", None)
    assert "DB99" in rows[1][6]
    assert "300" in rows[2][6]
    assert "not connected" in rows[3][6]
    assert simulator.read("DB", 2, 2, db=1) == b"\x00\x0c"


def test_a_write_cut_in_flight_has_an_unknown_outcome(qml, qtbot, tmp_path):
    db = tmp_path / "h.sqlite"
    with HostilePLC() as hostile:
        var = '        S7Variable { objectName: "sp"; name: "DB1.DBW2:INT"; enabled: false }'
        root = qml(panel(hostile.port, db, var))
        plc, sp = root.findChild(S7Client), child(root, S7Variable, "sp")
        plc.setObjectName("boiler")  # the client's objectName names it in the trail
        qtbot.waitUntil(lambda: plc.property("connected"), timeout=TIMEOUT)
        hostile.arm("write", "close", 1)  # takes the write, closes without an answer
        with qtbot.waitSignal(sp.errorOccurred, timeout=TIMEOUT):
            sp.setProperty("data", 5)
        qtbot.waitUntil(lambda: settled(db, 1), timeout=TIMEOUT)
    ((tag, _old, new, outcome, user, client, detail),) = writes(db)
    assert (tag, new, outcome, user, client) == (
        "DB1.DBW2:INT", 5, "unknown", getpass.getuser(), "boiler"
    )  # fmt: skip
    assert "unknown" in detail
    assert hostile.writes  # it did reach the PLC


def test_without_an_s7history_nothing_is_logged_and_writes_work(qml, qtbot, simulator):
    assert journal().store is None
    root = qml(
        f"""
import QtQml
import QmlS7
S7Client {{
    hostname: "127.0.0.1"; port: {simulator.port}
    S7Variable {{ objectName: "sp"; name: "DB1.DBW2:INT"; logging.mode: S7Logging.OnChange }}
}}
"""
    )
    sp = child(root, S7Variable, "sp")
    qtbot.waitUntil(lambda: root.property("connected"), timeout=TIMEOUT)
    with qtbot.waitSignal(sp.written, timeout=TIMEOUT):
        sp.setProperty("data", 3)
    sp.pollData()
    shown(qtbot, sp, 3)


# -- the store's life and its errors --------------------------------------------------------------
def test_a_file_that_cannot_be_made_is_an_error_and_the_panel_goes_on(
    qml, qtbot, simulator, tmp_path
):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    db = blocker / "h.sqlite"
    var = """        S7Variable {
            objectName: "v"; name: "DB1.DBW2:INT"; logging.mode: S7Logging.OnChange
        }"""
    root = qml(panel(simulator.port, db, var))
    history, v = child(root, S7History, "history"), child(root, S7Variable, "v")
    qtbot.waitUntil(lambda: len(js(root.property("errors"))) > 0, timeout=TIMEOUT)
    assert history.property("error") == S7History.Error.OpenError
    assert str(db) in history.property("errorString") or "not-a-folder" in history.property(
        "errorString"
    )
    for value in (1, 2, 3):  # polling, logging and writing go on
        simulator.write("DB", 2, struct.pack(">h", value), db=1)
        shown(qtbot, v, value)
    with qtbot.waitSignal(v.written, timeout=TIMEOUT):
        v.setProperty("data", 4)
    assert not db.exists()


def test_the_default_file_is_in_the_application_data_folder(qml, qtbot, tmp_path):
    from PySide6.QtCore import QStandardPaths

    root = qml("import QtQml\nimport QmlS7\nS7History { batchInterval: 50 }")
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    path = Path(root.property("path"))
    assert path == Path(folder) / "history.sqlite"
    # the file is there with its tables (earlier tests of the run may have used it too)
    qtbot.waitUntil(lambda: len(query(path, "SELECT count(*) FROM samples")) == 1, timeout=TIMEOUT)
    assert root.property("error") == 0


def test_destroying_the_history_writes_what_is_pending_and_lets_go(qml, qtbot, simulator, tmp_path):
    db = tmp_path / "h.sqlite"
    root = qml(panel(simulator.port, db, batch=60_000))  # no batch by itself
    history = child(root, S7History, "history")
    qtbot.waitUntil(lambda: journal().store is not None, timeout=TIMEOUT)
    store = journal().store
    for i in range(10):
        journal().sample("t", T0 + i, i, GOOD)
    history.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert not shiboken6.isValid(history)
    assert journal().store is None  # detached
    assert store is not None
    assert [v for _, v, _ in samples(db, "t")] == list(range(10))
    assert query(db, "PRAGMA integrity_check") == [("ok",)]


def test_committed_counts_the_rows(qml, qtbot, simulator, tmp_path):
    db = tmp_path / "h.sqlite"
    root = qml(panel(simulator.port, db))
    history = child(root, S7History, "history")
    qtbot.waitUntil(lambda: journal().store is not None, timeout=TIMEOUT)
    with qtbot.waitSignal(history.committed, timeout=TIMEOUT):
        for i in range(5):
            journal().sample("t", T0 + i, i, GOOD)
    qtbot.waitUntil(lambda: history.property("rowsWritten") >= 5, timeout=TIMEOUT)
    assert history.property("pendingRows") == 0


# -- reading back ---------------------------------------------------------------------------------
def test_query_answers_with_downsampled_points_that_keep_the_spike(qml, qtbot, simulator, tmp_path):
    db = tmp_path / "h.sqlite"
    root = qml(panel(simulator.port, db))
    history = child(root, S7History, "history")
    qtbot.waitUntil(lambda: journal().store is not None, timeout=TIMEOUT)
    store = history.store
    for i in range(2_000):
        value = 1_000.0 if i == 1234 else float(i % 10)
        store.add_sample("level", T0 + i * 1_000, value, GOOD)
    store.add_sample("level", T0 + 2_000 * 1_000, None, LOST)  # the PLC went
    qtbot.waitUntil(lambda: len(samples(db, "level")) == 2_001, timeout=TIMEOUT)
    request = history.query("level", T0, T0 + 2_001 * 1_000, 100)
    qtbot.waitUntil(lambda: len(js(root.property("answers"))) > 0, timeout=TIMEOUT)
    (answer,) = js(root.property("answers"))
    assert answer["id"] == request
    points = answer["points"]
    assert 0 < len(points) <= 100
    assert max(p["v"] for p in points if not math.isnan(p["v"])) == 1_000.0  # the spike
    assert math.isnan(points[-1]["v"]) and points[-1]["q"] == LOST  # the gap
    assert [p["t"] for p in points] == sorted(p["t"] for p in points)
    # Without a store, query() answers too: nothing.
    history.close()
    again = history.query("level", 0, 1e13, 10)
    qtbot.waitUntil(lambda: len(js(root.property("answers"))) == 2, timeout=TIMEOUT)
    assert js(root.property("answers"))[1] == {"id": again, "points": []}


MODEL = """
    S7HistoryModel { id: audit; objectName: "audit"; history: history }
    S7HistoryModel {
        objectName: "annas"; history: history; user: "anna"; tag: "DB1.DBW2:INT"
    }
    S7HistoryModel { objectName: "alarms"; history: history; events: S7HistoryModel.AlarmEvents }
"""


def test_the_history_model_shows_the_writes_newest_first(qml, qtbot, simulator, tmp_path):
    db = tmp_path / "h.sqlite"
    variables = """
        S7Variable { id: sp; objectName: "sp"; name: "DB1.DBW2:INT"; enabled: false }
        S7Variable { objectName: "other"; name: "DB1.DBW4:INT"; enabled: false }"""
    root = qml(panel(simulator.port, db, variables, MODEL + ALARM.replace("level", "sp")))
    sp, other = child(root, S7Variable, "sp"), child(root, S7Variable, "other")
    audit, annas, alarms = (child(root, S7HistoryModel, n) for n in ("audit", "annas", "alarms"))
    plc = root.findChild(S7Client)
    qtbot.waitUntil(lambda: plc.property("connected"), timeout=TIMEOUT)
    with qtbot.waitSignal(sp.written, timeout=TIMEOUT):
        sp.setProperty("data", 1)
    qml_operator(qml, "anna")
    with qtbot.waitSignal(other.written, timeout=TIMEOUT):
        other.setProperty("data", 2)
    with qtbot.waitSignal(sp.written, timeout=TIMEOUT):
        sp.setProperty("data", 3)
    qtbot.waitUntil(lambda: audit.property("count") == 3, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: audit.get(0)["outcome"] == "confirmed", timeout=TIMEOUT)
    rows = [audit.get(i) for i in range(3)]
    assert [(r["tag"], r["new"], r["user"]) for r in rows] == [
        ("DB1.DBW2:INT", 3, "anna"),
        ("DB1.DBW4:INT", 2, "anna"),
        ("DB1.DBW2:INT", 1, getpass.getuser()),
    ]
    assert rows[0]["ts"] >= rows[1]["ts"] >= rows[2]["ts"] > 0
    assert rows[0]["client"] == f"127.0.0.1:{simulator.port}"
    qtbot.waitUntil(lambda: annas.property("count") == 1, timeout=TIMEOUT)
    assert annas.get(0)["new"] == 3
    # the roles a view binds to
    names = {bytes(n).decode() for n in audit.roleNames().values()}
    assert {"ts", "tag", "old", "new", "outcome", "user", "client", "detail"} <= names
    assert audit.data(audit.index(0), _role(audit, "new")) == 3
    # a limit keeps the newest; a filter change asks again
    audit.setProperty("limit", 2)
    qtbot.waitUntil(lambda: audit.property("count") == 2, timeout=TIMEOUT)
    assert [audit.get(i)["new"] for i in range(2)] == [3, 2]
    annas.setProperty("tag", "")
    qtbot.waitUntil(lambda: annas.property("count") == 2, timeout=TIMEOUT)
    # the alarm events of the same file
    assert alarms.property("count") == 0
    with qtbot.waitSignal(sp.written, timeout=TIMEOUT):
        sp.setProperty("data", 95)
    sp.pollData()
    qtbot.waitUntil(lambda: alarms.property("count") == 1, timeout=TIMEOUT)
    assert (alarms.get(0)["alarm"], alarms.get(0)["event"]) == ("high", "came")
    assert alarms.get(0)["text"] == "Level high: 95 %"


def _role(model: S7HistoryModel, name: str) -> int:
    return next(r for r, n in model.roleNames().items() if bytes(n).decode() == name)


def test_another_file_at_run_time_starts_with_every_logged_value(qml, qtbot, simulator, tmp_path):
    first, second = tmp_path / "first.sqlite", tmp_path / "second.sqlite"
    simulator.write("DB", 2, b"\x00\x07", db=1)
    var = """        S7Variable {
            objectName: "v"; name: "DB1.DBW2:INT"; logging.mode: S7Logging.OnChange
        }"""
    root = qml(panel(simulator.port, first, var))
    history = child(root, S7History, "history")
    qtbot.waitUntil(lambda: values(first, "DB1.DBW2:INT") == [7], timeout=TIMEOUT)
    with qtbot.waitSignal(history.opened, timeout=TIMEOUT):
        history.setProperty("file", str(second))
    assert history.property("path") == str(second)
    # The value has not changed, yet it is the new file's first row: a trend needs it.
    qtbot.waitUntil(lambda: values(second, "DB1.DBW2:INT") == [7], timeout=TIMEOUT)
    assert values(first, "DB1.DBW2:INT") == [7]
    history.setProperty("retentionDays", 90)
    history.setProperty("maxFileSize", 64)
    store = history.store
    assert (store.path, store.retention_days, store.max_size_mb) == (str(second), 90, 64)
    assert journal().store is store


def test_a_model_shows_the_rows_of_earlier_runs_at_once(qml, qtbot, simulator, tmp_path):
    db = tmp_path / "h.sqlite"
    var = '        S7Variable { objectName: "sp"; name: "DB1.DBW2:INT"; enabled: false }'
    root = qml(panel(simulator.port, db, var))
    sp = child(root, S7Variable, "sp")
    qtbot.waitUntil(lambda: root.findChild(S7Client).property("connected"), timeout=TIMEOUT)
    with qtbot.waitSignal(sp.written, timeout=TIMEOUT):
        sp.setProperty("data", 4)
    qtbot.waitUntil(lambda: settled(db, 1), timeout=TIMEOUT)
    root.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert journal().store is None
    # The next run: a history and a model on the same file, and no new write.
    later = qml(panel(simulator.port, db, extra=MODEL))
    audit = child(later, S7HistoryModel, "audit")
    qtbot.waitUntil(lambda: audit.property("count") == 1, timeout=TIMEOUT)
    assert (audit.get(0)["tag"], audit.get(0)["new"], audit.get(0)["outcome"]) == (
        "DB1.DBW2:INT", 4, "confirmed"
    )  # fmt: skip
