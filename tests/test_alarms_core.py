"""The Qt-free alarm core (qml_s7/alarms/): conditions, deadbands, ISA-18.2 states, delays,
shelving and unknown conditions, driven by a fake clock: no Qt, no sleeping."""

from __future__ import annotations

import math

import pytest

from qml_s7.alarms import (
    AlarmMachine,
    ConditionError,
    Event,
    Kind,
    State,
    evaluate,
    format_text,
    format_value,
)

EPOCH = 1_700_000_000_000  # what the fake wall clock reads at fake time 0


class FakeClock:
    """Milliseconds that move only when the test says so; ``stamp`` is the same as wall time."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def stamp(self) -> int:
        return EPOCH + int(self.now)

    def machine(self, on_delay: float = 0, off_delay: float = 0) -> AlarmMachine:
        return AlarmMachine(self, self.stamp, on_delay=on_delay, off_delay=off_delay)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


# -- conditions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "inverted", "expected"),
    [(True, False, True), (False, False, False), (True, True, False), (False, True, True),
     (3, False, True), (0, False, False), (0.0, True, True), (None, False, None)],
)  # fmt: skip
def test_a_bit_alarm_follows_the_bit(value, inverted, expected):
    assert evaluate(Kind.Bit, value, inverted=inverted) is expected


def test_a_high_alarm_comes_at_the_limit_and_goes_below_the_deadband():
    def high(value, was):
        return evaluate(Kind.High, value, limit=90, hysteresis=2, was=was)

    assert high(89.99, was=False) is False
    assert high(90, was=False) is True  # comes at >= limit
    assert high(88.5, was=True) is True  # inside the deadband: stays
    assert high(88, was=True) is True  # the edge of the band: still in it
    assert high(87.99, was=True) is False  # below limit - hysteresis: goes
    assert high(89, was=False) is False  # once gone, the band does not bring it back
    assert evaluate(Kind.HighHigh, 100, limit=100, was=False) is True


def test_a_low_alarm_comes_at_the_limit_and_goes_above_the_deadband():
    def low(value, was):
        return evaluate(Kind.Low, value, limit=10, hysteresis=2, was=was)

    assert low(10.01, was=False) is False
    assert low(10, was=False) is True  # comes at <= limit
    assert low(11.5, was=True) is True
    assert low(12, was=True) is True
    assert low(12.01, was=True) is False  # above limit + hysteresis: goes
    assert evaluate(Kind.LowLow, -5, limit=-5, was=False) is True


def test_without_hysteresis_a_limit_goes_as_soon_as_it_is_crossed_back():
    assert evaluate(Kind.High, 89.9, limit=90, hysteresis=0, was=True) is False
    assert evaluate(Kind.High, 89.9, limit=90, hysteresis=-3, was=True) is False


@pytest.mark.parametrize(
    ("kind", "value"),
    [(Kind.High, "90"), (Kind.Low, True), (Kind.High, math.nan), (Kind.Bit, "on"),
     (Kind.Bit, math.nan), (Kind.LowLow, [1])],
)  # fmt: skip
def test_a_value_the_kind_cannot_judge_is_an_error(kind, value):
    with pytest.raises(ConditionError):
        evaluate(kind, value, limit=1)


def test_no_value_is_no_condition():
    assert evaluate(Kind.High, None, limit=1) is None


# -- the text with the value -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [(91.3, -1, "91.3"), (95.0, -1, "95"), (12.3456, -1, "12.35"), (-7.25, -1, "-7.25"),
     (0.00123, -1, "0.00123"), (1 / 3, -1, "0.333"), (12.3456, 1, "12.3"), (95.0, 2, "95.00"),
     (7, -1, "7"), (7, 1, "7.0"), (True, -1, "true"), (None, -1, "--"), ("AUTO", -1, "AUTO"),
     (math.inf, -1, "inf")],
)  # fmt: skip
def test_values_are_formatted_for_people(value, decimals, text):
    assert format_value(value, decimals) == text


def test_the_text_gets_the_value_and_the_limit():
    assert format_text("Level high: %1 % (limit %2 %)", 91.30000305, 90) == (
        "Level high: 91.3 % (limit 90 %)"
    )
    assert format_text("Level high: %1 %", None, 90) == "Level high: -- %"
    assert format_text("100 % and no placeholder", 5, 1) == "100 % and no placeholder"


# -- ISA-18.2 states ----------------------------------------------------------------------------


def test_acknowledged_before_it_goes(clock):
    m = clock.machine()
    assert (m.state, m.active, m.acknowledged) == (State.Normal, False, True)
    clock.now = 10
    assert m.observe(True) == [Event.CAME]
    assert (m.state, m.active, m.acknowledged, m.came_at) == (
        State.Unacknowledged,
        True,
        False,
        EPOCH + 10,
    )
    clock.now = 20
    assert m.acknowledge() == [Event.ACKNOWLEDGED]
    assert (m.state, m.active, m.acknowledged, m.acknowledged_at) == (
        State.Acknowledged,
        True,
        True,
        EPOCH + 20,
    )
    assert m.acknowledge() == []  # nothing left to acknowledge
    clock.now = 30
    assert m.observe(False) == [Event.WENT]
    assert (m.state, m.active, m.went_at) == (State.Normal, False, EPOCH + 30)


def test_acknowledged_after_it_went(clock):
    m = clock.machine()
    m.observe(True)
    clock.now = 5
    assert m.observe(False) == [Event.WENT]
    assert (m.state, m.active, m.acknowledged) == (State.ReturnedUnacknowledged, False, False)
    clock.now = 9
    assert m.acknowledge() == [Event.ACKNOWLEDGED]
    assert (m.state, m.acknowledged_at) == (State.Normal, EPOCH + 9)


def test_a_returned_alarm_that_comes_again_is_a_new_occurrence(clock):
    m = clock.machine()
    m.observe(True)
    clock.now = 5
    m.observe(False)
    clock.now = 8
    assert m.observe(True) == [Event.CAME]
    assert (m.state, m.came_at, m.went_at, m.acknowledged_at) == (
        State.Unacknowledged,
        EPOCH + 8,
        0,
        0,
    )


def test_repeating_a_condition_changes_nothing(clock):
    m = clock.machine()
    assert m.observe(False) == []
    assert m.observe(True) == [Event.CAME]
    assert m.observe(True) == []
    assert m.acknowledge() == [Event.ACKNOWLEDGED]
    assert m.observe(True) == []
    assert m.state == State.Acknowledged


def test_acknowledging_a_normal_alarm_does_nothing(clock):
    m = clock.machine()
    assert m.acknowledge() == []
    assert (m.state, m.acknowledged_at) == (State.Normal, 0)


# -- delays --------------------------------------------------------------------------------------


def test_a_condition_that_flickers_inside_the_on_delay_does_nothing(clock):
    m = clock.machine(on_delay=1000)
    assert m.observe(True) == []
    assert m.next_due() == 1000
    clock.now = 500
    assert m.observe(False) == []  # back before the delay ran out
    assert m.next_due() is None
    clock.now = 600
    assert m.observe(True) == []  # the delay starts again from here
    clock.now = 1500
    assert m.advance() == []
    assert m.state == State.Normal
    assert m.next_due() == 1600
    clock.now = 1630  # the timer fired 30 ms late
    assert m.advance() == [Event.CAME]
    assert m.came_at == EPOCH + 1600  # stamped when the delay ran out, not when noticed


def test_a_condition_that_flickers_inside_the_off_delay_does_nothing(clock):
    m = clock.machine(off_delay=1000)
    assert m.observe(True) == [Event.CAME]  # no on-delay: at once
    clock.now = 100
    assert m.observe(False) == []
    clock.now = 900
    assert m.observe(True) == []  # back: the alarm never went
    clock.now = 5000
    assert m.advance() == []
    assert m.state == State.Unacknowledged
    assert m.observe(False) == []
    clock.now = 5999
    assert m.advance() == []
    clock.now = 6000
    assert m.advance() == [Event.WENT]
    assert (m.state, m.went_at) == (State.ReturnedUnacknowledged, EPOCH + 6000)


def test_a_delay_changed_while_pending_counts_from_the_same_start(clock):
    m = clock.machine(on_delay=1000)
    m.observe(True)
    m.on_delay = 200
    assert m.next_due() == 200
    clock.now = 200
    assert m.advance() == [Event.CAME]


# -- unknown conditions -------------------------------------------------------------------------


def test_an_unknown_condition_keeps_an_active_alarm_active(clock):
    m = clock.machine(off_delay=100)
    m.observe(True)
    m.observe(False)  # about to go...
    assert m.observe(None) == []  # ... but now nobody knows: the pending change is dropped
    assert (m.known, m.state, m.active, m.next_due()) == (False, State.Unacknowledged, True, None)
    clock.now = 10_000
    assert m.advance() == []
    assert m.acknowledge() == [Event.ACKNOWLEDGED]  # the operator can still acknowledge it
    assert m.state == State.Acknowledged
    clock.now = 10_010
    assert m.observe(False) == []  # known again: evaluated afresh, its delay from now
    assert m.next_due() == 10_110
    clock.now = 10_110
    assert m.advance() == [Event.WENT]


def test_an_unknown_condition_does_not_let_a_normal_alarm_come(clock):
    m = clock.machine(on_delay=100)
    m.observe(True)  # about to come...
    clock.now = 50
    assert m.observe(None) == []
    clock.now = 500
    assert m.advance() == []
    assert (m.known, m.state) == (False, State.Normal)
    assert m.observe(True) == []  # known again: the on-delay starts now
    clock.now = 599
    assert m.advance() == []
    clock.now = 600
    assert m.advance() == [Event.CAME]


def test_the_last_known_condition_stays_for_the_deadband(clock):
    m = clock.machine()
    m.observe(True)
    m.observe(None)
    assert (m.known, m.condition) == (False, True)
    # A high alarm's caller asks evaluate(..., was=m.condition): inside the band it holds.
    assert evaluate(Kind.High, 89, limit=90, hysteresis=2, was=m.condition) is True


# -- shelving -----------------------------------------------------------------------------------


def test_a_shelved_alarm_is_suppressed_and_evaluated_again_afterwards(clock):
    m = clock.machine()
    m.observe(True)
    assert m.shelve(1000) == [Event.SHELVED]
    assert (m.state, m.shelved, m.active, m.acknowledged) == (State.Shelved, True, False, True)
    assert m.shelved_until == EPOCH + 1000
    assert m.next_due() == 1000
    clock.now = 100
    assert m.observe(False) == []  # goes and comes while shelved: nobody is told
    clock.now = 200
    assert m.observe(True) == []
    assert m.acknowledge() == []
    clock.now = 1000
    assert m.advance() == [Event.UNSHELVED, Event.CAME]  # still active: a new occurrence
    assert (m.state, m.came_at, m.shelved_until) == (State.Unacknowledged, EPOCH + 1000, 0)


def test_an_alarm_that_went_while_shelved_is_normal_afterwards(clock):
    m = clock.machine()
    m.observe(True)
    m.shelve(1000)
    m.observe(False)
    clock.now = 1000
    assert m.advance() == [Event.UNSHELVED]
    assert m.state == State.Normal


def test_unshelve_ends_it_early_and_shelving_again_extends_it(clock):
    m = clock.machine()
    m.shelve(1000)
    clock.now = 500
    assert m.shelve(1000) == []  # already shelved: only the end moves
    assert m.next_due() == 1500
    assert m.observe(True) == []
    assert m.unshelve() == [Event.UNSHELVED, Event.CAME]
    assert m.unshelve() == []
    assert m.next_due() is None


def test_a_delay_that_runs_out_while_shelved_shows_afterwards(clock):
    m = clock.machine(on_delay=100)
    m.shelve(1000)
    m.observe(True)
    clock.now = 100
    assert m.advance() == []  # the condition settled, but the alarm is shelved
    clock.now = 1000
    assert m.advance() == [Event.UNSHELVED, Event.CAME]


@pytest.mark.parametrize("ms", [0, -5, math.nan])
def test_shelving_needs_a_duration(clock, ms):
    m = clock.machine()
    with pytest.raises(ValueError, match="above 0"):
        m.shelve(ms)
    assert m.state == State.Normal
