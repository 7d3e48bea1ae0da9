"""The link state machine on a fake clock: no sockets, no threads, no sleeping."""

from __future__ import annotations

import pytest

from qml_s7.link.machine import Action, LinkMachine, LinkParams, LinkState


class Clock:
    """Time that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


def machine_on(clock: Clock) -> tuple[LinkMachine, list[LinkState]]:
    states: list[LinkState] = []
    return LinkMachine(clock, states.append), states


PARAMS = LinkParams("127.0.0.1", reconnect_min_ms=250, reconnect_max_ms=2000, keepalive_ms=1000)


def fail_attempt(machine: LinkMachine) -> float | None:
    """Make the due attempt fail; the wait until the next one."""
    assert machine.due() is Action.OPEN
    machine.opening()
    machine.failed()
    return machine.wait()


def after_failures(clock: Clock, count: int) -> tuple[LinkMachine, list[LinkState]]:
    """A machine asked to connect whose first ``count`` attempts failed, each when due."""
    machine, states = machine_on(clock)
    machine.connect(PARAMS)
    for _ in range(count):
        clock.advance(fail_attempt(machine))
    return machine, states


def test_a_connection_request_opens_at_once(clock):
    machine, states = machine_on(clock)
    assert machine.due() is None and machine.wait() is None  # idle: nothing to do, ever
    machine.connect(PARAMS)
    assert machine.wait() == 0 and machine.due() is Action.OPEN
    machine.opening()
    assert machine.due() is None and machine.wait() is None  # the attempt is running
    assert machine.opened() is True
    assert states == [LinkState.Connecting, LinkState.Connected]


def test_failed_attempts_back_off_doubling_up_to_the_longest_wait(clock):
    machine, _ = machine_on(clock)
    machine.connect(PARAMS)
    waits = []
    for _ in range(6):
        wait = fail_attempt(machine)
        waits.append(wait)
        clock.advance(wait - 0.001)
        assert machine.due() is None  # not a moment early
        clock.advance(0.001)
    assert waits == [0.25, 0.5, 1.0, 2.0, 2.0, 2.0]


def test_a_good_connection_resets_the_back_off(clock):
    machine, states = after_failures(clock, 3)
    machine.opening()
    assert machine.opened() is True
    machine.failed()  # the link breaks later
    assert machine.wait() == 0.25
    assert states[-2:] == [LinkState.Connected, LinkState.Unconnected]


def test_a_link_is_checked_every_second_and_a_failed_check_reconnects(clock):
    machine, states = machine_on(clock)
    machine.connect(PARAMS)
    machine.opening()
    machine.opened()
    clock.advance(0.6)
    assert machine.due() is None and machine.wait() == pytest.approx(0.4)
    clock.advance(0.4)
    assert machine.due() is Action.CHECK  # polls or not: it also asks for the CPU's state
    machine.checked()
    clock.advance(0.999)
    assert machine.due() is None
    clock.advance(0.001)
    assert machine.due() is Action.CHECK
    machine.failed()  # the check found the link dead
    assert states[-1] == LinkState.Unconnected
    assert machine.wait() == 0.25
    clock.advance(0.25)
    assert machine.due() is Action.OPEN


def test_a_disconnect_during_an_attempt_wins(clock):
    machine, states = machine_on(clock)
    machine.connect(PARAMS)
    machine.opening()
    machine.disconnect()  # while the attempt runs
    assert machine.opened() is False  # the link that came up is to be closed
    assert machine.state == LinkState.Unconnected
    assert machine.due() is None and machine.wait() is None
    clock.advance(3600)
    assert machine.due() is None  # and never retried
    assert states == [LinkState.Connecting, LinkState.Unconnected]


def test_a_disconnect_during_a_failing_attempt_schedules_no_retry(clock):
    machine, _ = machine_on(clock)
    machine.connect(PARAMS)
    machine.opening()
    machine.disconnect()
    machine.failed()
    assert machine.wait() is None


def test_no_retry_without_auto_reconnect(clock):
    machine, _ = machine_on(clock)
    machine.connect(LinkParams("127.0.0.1", auto_reconnect=False))
    assert fail_attempt(machine) is None
    machine.connect(LinkParams("127.0.0.1", auto_reconnect=False))  # connectToHost() again
    assert machine.due() is Action.OPEN


def test_a_new_connection_request_skips_the_back_off(clock):
    machine, _ = after_failures(clock, 4)
    machine.failed()
    assert machine.wait() == 2.0
    machine.connect(PARAMS)
    assert machine.due() is Action.OPEN
    assert fail_attempt(machine) == 0.25  # and the back-off starts over


def test_new_parameters_apply_to_the_next_attempt(clock):
    machine, _ = machine_on(clock)
    machine.connect(PARAMS)
    machine.update(LinkParams("127.0.0.1", reconnect_min_ms=1000, reconnect_max_ms=1000))
    assert fail_attempt(machine) == 1.0


def test_closing_on_purpose_schedules_nothing(clock):
    machine, states = machine_on(clock)
    machine.connect(PARAMS)
    machine.opening()
    machine.opened()
    machine.disconnect()
    machine.closed()
    assert states[-1] == LinkState.Unconnected
    clock.advance(60)
    assert machine.due() is None and machine.wait() is None
