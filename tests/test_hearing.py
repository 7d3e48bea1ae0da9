"""What a variable shows while it hears only part of the poll (session/table.py).

A variable nobody listens to hears nothing of a good read: its client's table keeps ``data``
and ``timestamp``. One whose ``dataChanged`` is heard hears its changes only. These tests hold
the documented semantics against that: ``dataChanged`` only on a real change, ``timestamp``
moving with every read, written values shown until the write's answer, late listeners, and
failures and link losses reaching a variable that heard nothing.
"""

from __future__ import annotations

import struct
from itertools import pairwise

from PySide6.QtCore import QObject, Slot

from qml_s7.core.errors import ClientError, Failure
from qml_s7.core.jobs import UNCHANGED, ReadResult
from qml_s7.core.quality import Quality
from qml_s7.qmltypes.dataobject import now_ms
from qml_s7.qmltypes.variable import VariableError
from qml_s7.session.member import Hearing
from qml_s7.session.table import ValueTable
from qml_s7.simulator import Simulator

TIMEOUT = 10_000


def panel(port: int, body: str) -> str:
    return f"""
import QtQml
import QmlS7
S7Client {{
    hostname: "127.0.0.1"; port: {port}
    function pollAll() {{ for (let i = 0; i < objects.length; ++i) objects[i].pollData() }}
{body}
}}
"""


def start(qml, qtbot, simulator, body: str):
    client = qml(panel(simulator.port, body))
    qtbot.waitUntil(lambda: client.property("connected") is True, timeout=TIMEOUT)
    return client


def poll(qtbot, client) -> None:
    """One poll of every variable, waited for until every result is applied."""
    with qtbot.waitSignal(client.session.batchApplied, timeout=TIMEOUT):
        client.pollAll()


def next_ms(qtbot, stamp: int) -> None:
    """Let the clock pass ``stamp``, so that a later read has a later stamp."""
    qtbot.waitUntil(lambda: now_ms() > stamp, timeout=TIMEOUT)


def set_int(simulator, value: int, start: int = 0) -> None:
    simulator.write("DB", start, struct.pack(">h", value), db=1)


class Counter(QObject):
    """A Python listener (a slot, as PySide wants for objects QML made)."""

    def __init__(self, variable: QObject) -> None:
        super().__init__()
        self.variable = variable
        self.seen: list = []

    @Slot()
    def heard(self) -> None:
        self.seen.append(self.variable.property("data"))


def test_a_variable_nobody_hears_shows_every_read_when_asked(qml, qtbot, simulator):
    set_int(simulator, 5)
    client = start(qml, qtbot, simulator, 'S7Variable { name: "DB1.DBW0:INT" }')
    (var,) = client.childObjects()
    poll(qtbot, client)
    assert var.property("data") == 5 and var.property("valid") is True
    for value in (6, 6, -7):
        stamp = var.property("timestamp")
        next_ms(qtbot, stamp)
        set_int(simulator, value)
        poll(qtbot, client)
        assert var.property("data") == value
        assert var.property("timestamp") > stamp  # every read moves it, unchanged ones too
        assert var.property("quality") == Quality.Good


def test_data_changed_only_on_a_real_change_while_the_timestamp_follows_every_read(
    qml, qtbot, simulator
):
    set_int(simulator, 1)
    client = start(qml, qtbot, simulator, 'S7Variable { name: "DB1.DBW0:INT" }')
    (var,) = client.childObjects()
    counter = Counter(var)
    var.dataChanged.connect(counter.heard)
    poll(qtbot, client)
    assert counter.seen == [1]
    for value in (1, 1, 2, 2, 3):
        stamp = var.property("timestamp")
        next_ms(qtbot, stamp)
        set_int(simulator, value)
        poll(qtbot, client)
        assert var.property("timestamp") > stamp
    assert counter.seen == [1, 2, 3]  # each change once, with data current in the handler


def test_a_heard_timestamp_changes_with_every_read(qml, qtbot, simulator):
    body = """
    S7Variable {
        name: "DB1.DBW0:INT"
        property int reads: 0
        property int changes: 0
        onTimestampChanged: reads++
        onDataChanged: changes++
    }
"""
    client = start(qml, qtbot, simulator, body)
    (var,) = client.childObjects()
    poll(qtbot, client)
    reads, changes = var.property("reads"), var.property("changes")
    for _ in range(3):
        next_ms(qtbot, var.property("timestamp"))
        poll(qtbot, client)  # the value never changes
    assert var.property("reads") == reads + 3
    assert var.property("changes") == changes


def test_late_listeners_hear_every_later_change(qml, qtbot, simulator):
    """A binding and a Python slot that come after values changed unheard: each starts from the
    current value and hears every change from then on."""
    body = """
    S7Variable { id: source; objectName: "source"; name: "DB1.DBW0:INT" }
    property QtObject view: QtObject {
        property QtObject target: null
        property var shown: target ? target.data : undefined
        property var history: []
        onShownChanged: history = history.concat([shown])
    }
"""
    client = start(qml, qtbot, simulator, body)
    var = client.findChild(QObject, "source")
    view = client.property("view")
    for value in (10, 11, 12):  # unheard
        set_int(simulator, value)
        poll(qtbot, client)
    view.setProperty("target", var)  # a late binding
    assert view.property("shown") == 12
    counter = Counter(var)
    var.dataChanged.connect(counter.heard)  # a late slot
    for value in (13, 13, 14):
        set_int(simulator, value)
        poll(qtbot, client)
    assert view.property("history").toVariant()[-3:] == [12, 13, 14]
    assert counter.seen == [13, 14]


def test_a_write_shows_the_written_value_until_confirmed(qml, qtbot, simulator):
    set_int(simulator, 20)
    client = start(qml, qtbot, simulator, 'S7Variable { name: "DB1.DBW0:INT" }')
    (var,) = client.childObjects()
    poll(qtbot, client)
    set_int(simulator, 21)  # changes unheard
    poll(qtbot, client)
    var.setProperty("data", 42)  # nothing listens to the variable: no waitSignal on it
    assert var.property("data") == 42  # at once, before the PLC answered
    qtbot.waitUntil(lambda: simulator.read("DB", 0, 2, db=1) == struct.pack(">h", 42))
    poll(qtbot, client)  # behind the write's answer
    assert var.property("data") == 42 and var.property("valid") is True
    set_int(simulator, 43)
    poll(qtbot, client)
    assert var.property("data") == 43  # and it follows the PLC again


def test_a_refused_write_goes_back_to_the_value_read_unheard(qml, qtbot, simulator):
    simulator.write("DB", 0, struct.pack(">h", 3), db=2)
    client = start(qml, qtbot, simulator, 'S7Variable { name: "DB2.DBW0:INT" }')
    (var,) = client.childObjects()
    poll(qtbot, client)
    simulator.write("DB", 0, struct.pack(">h", 4), db=2)
    poll(qtbot, client)  # 4 is read while nobody hears it
    simulator.protect_db(2)
    with qtbot.waitSignal(var.errorOccurred, timeout=TIMEOUT):
        var.setProperty("data", 9)
    assert var.property("error") == VariableError.WriteError
    assert var.property("data") == 4  # the last value the PLC gave, not the refused 9


def test_a_link_loss_reaches_a_variable_that_heard_nothing(qml, qtbot, simulator):
    client = start(qml, qtbot, simulator, 'S7Variable { name: "DB1.DBW0:INT" }')
    (var,) = client.childObjects()
    poll(qtbot, client)
    set_int(simulator, 30)
    next_ms(qtbot, var.property("timestamp"))
    poll(qtbot, client)  # 30 read unheard
    stamp = var.property("timestamp")
    simulator.stop()
    qtbot.waitUntil(lambda: var.property("valid") is False, timeout=TIMEOUT)
    assert var.property("quality") == Quality.BadNoCommunicationLastUsable
    assert var.property("data") == 30  # the last value read, kept while nobody heard it
    assert var.property("timestamp") == stamp


def test_the_table_owes_calls_to_the_keys_that_hear_them():
    """ValueTable alone: who is called or notified for which read, and what it keeps."""
    calls: list = []
    notices: list = []
    table = ValueTable()
    for key in (1, 2, 3, 4):
        table.add(key, lambda value, stamp, key=key: calls.append((key, value, stamp)))
    value_of, stamp_of = table.hear(2, Hearing.CHANGES, 20, 100, lambda: notices.append(2))
    assert (value_of(), stamp_of()) == (20, 100)
    value_of, stamp_of = table.hear(3, Hearing.NOTHING, 30, 100)
    failure = Failure(ClientError.ItemNotAvailable, "gone")
    owed, notify = table.take(ReadResult(1, (1, 2, 3, 4), {1: 11, 2: 21, 3: 31}, {4: failure}, 200))
    assert sorted((key, value) for key, _, value in owed) == [(1, 11), (4, failure)]
    assert [key for key, _ in notify] == [2]
    assert (value_of(), stamp_of()) == (31, 200)  # kept for the key that hears nothing
    owed, notify = table.take(ReadResult(2, (1, 2, 3), {}, {3: failure}, 300))
    assert sorted((key, value) for key, _, value in owed) == [(1, UNCHANGED), (3, failure)]
    assert notify == []
    assert (value_of(), stamp_of()) == (31, 200)  # a failed read moves no stamp
    assert table.hear(3, Hearing.EVERY) is None
    table.remove(1)
    assert 1 not in table.attached and table.values.get(1) is None


def test_a_variable_polled_again_once_its_value_is_shown_is_read_again(qml, qtbot):
    """Its value comes in the first part of a batch of many replies; asked again from its
    handler, it is read again, though the rest of the batch is still on its way."""
    body = "\n".join(
        [
            """    S7Variable {
        name: "DB1.DBW0:INT"; property bool again: false
        onDataChanged: if (!again) { again = true; pollData() }
    }""",
            *(f'    S7Variable {{ name: "DB2.DBW{8 * i}:INT" }}' for i in range(1000)),
        ]
    )
    with Simulator(dbs={1: 64, 2: 8192}) as simulator:
        client = start(qml, qtbot, simulator, body)
        first = client.childObjects()[0]
        sent: list[int] = []
        client.session.batchSent.connect(sent.append)
        client.pollAll()
        qtbot.waitUntil(lambda: len(sent) == 2, timeout=TIMEOUT)
        qtbot.waitUntil(lambda: not client.session.applying, timeout=TIMEOUT)
        assert first.property("again") is True and first.property("valid") is True


def test_a_variable_woken_while_a_batch_is_applied_gets_no_stale_change(qml, qtbot, simulator):
    """Both values change in one batch; the first one's handler writes the second, which then
    shows its written value: the batch's change for it is no longer news, and dataChanged
    never comes without a change of data."""
    body = """
    S7Variable {
        id: b; name: "DB1.DBW2:INT"
        property var shown: []
        onDataChanged: shown = shown.concat([data])
    }
    S7Variable { id: a; name: "DB1.DBW0:INT"; onDataChanged: if (data === 2) b.data = 77 }
"""
    set_int(simulator, 1)
    set_int(simulator, 1, start=2)
    client = start(qml, qtbot, simulator, body)
    second = next(v for v in client.childObjects() if v.property("name") == "DB1.DBW2:INT")
    poll(qtbot, client)
    set_int(simulator, 2)
    set_int(simulator, 5, start=2)
    poll(qtbot, client)
    shown = second.property("shown").toVariant()
    assert second.property("data") == 77 and shown[-1] == 77
    assert all(x != y for x, y in pairwise(shown)), shown
