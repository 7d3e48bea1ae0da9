"""``qml-s7 history export``: a tag's rows as CSV, the times it takes, its errors."""

from __future__ import annotations

import csv
import datetime
import io
import sqlite3

import pytest
from history_support import Recorder
from support import run_qml_s7

from qml_s7.cli.history import run
from qml_s7.history import ExportError, export_csv, parse_time

GOOD, BAD = 0x80, 0x18
T0 = 1_700_000_000_000  # in the past: "--to" defaults to now


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    """A history file written by a store: Level every second for a minute, one bad row."""
    path = tmp_path_factory.mktemp("export") / "history.sqlite"
    recorder = Recorder()
    store = recorder.store(path, retention_days=0)
    store.start()
    for s in range(60):
        store.add_sample("Level", T0 + s * 1000, None if s == 30 else 40.0 + s / 4,
                         BAD if s == 30 else GOOD)  # fmt: skip
    store.add_sample("Mode", T0, "auto, then hand", GOOD)
    store.add_sample("Pump", T0, True, GOOD)
    assert store.close()
    return path


def local_iso(ts_ms: int) -> str:
    moment = datetime.datetime.fromtimestamp(ts_ms / 1000).astimezone()
    return moment.isoformat(timespec="milliseconds")


def command(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(*args, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_export_csv_writes_the_header_and_every_row_in_the_range(db):
    out = io.StringIO()
    assert export_csv(db, "Level", T0 + 28_000, T0 + 31_000, out) == 4
    assert out.getvalue().splitlines() == [
        "ts_iso,ts_ms,value,quality",
        f"{local_iso(T0 + 28_000)},{T0 + 28_000},47.0,128",
        f"{local_iso(T0 + 29_000)},{T0 + 29_000},47.25,128",
        f"{local_iso(T0 + 30_000)},{T0 + 30_000},,24",  # bad quality: as logged, NULL empty
        f"{local_iso(T0 + 31_000)},{T0 + 31_000},47.75,128",
    ]
    out = io.StringIO()
    assert export_csv(db, "Mode", T0, T0, out) == 1
    assert list(csv.reader(io.StringIO(out.getvalue())))[1][2] == "auto, then hand"


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2026-12-05T07:00", datetime.datetime(2026, 12, 5, 7, 0).astimezone()),
        ("2026-12-05 07:00:30", datetime.datetime(2026, 12, 5, 7, 0, 30).astimezone()),
        ("2026-12-05", datetime.datetime(2026, 12, 5).astimezone()),
        ("2026-12-05T07:00Z", datetime.datetime(2026, 12, 5, 7, tzinfo=datetime.timezone.utc)),
        ("2026-12-05T07:00+01:00",
         datetime.datetime(2026, 12, 5, 6, tzinfo=datetime.timezone.utc)),
        ("2026-12-05T07:00:00.250-05:00",
         datetime.datetime(2026, 12, 5, 12, 0, 0, 250_000, tzinfo=datetime.timezone.utc)),
    ],
)  # fmt: skip
def test_times_are_iso_with_or_without_a_zone(text, moment):
    assert parse_time(text) == round(moment.timestamp() * 1000)


def test_times_may_be_milliseconds_and_nonsense_is_refused():
    assert parse_time(str(T0)) == T0
    for bad in ("yesterday", "2026-13-05", "05.12.2026 07:00", ""):
        with pytest.raises(ExportError, match="not a date and time"):
            parse_time(bad)


def test_the_command_writes_a_csv_file(db, tmp_path):
    target = tmp_path / "level.csv"
    start, end = local_iso(T0 + 10_000)[:23], local_iso(T0 + 19_999)  # local; with a zone
    code, out, err = command(str(db), "Level", start, end, str(target))
    assert (code, out, err) == (0, "", "")
    with target.open(newline="") as written:
        rows = list(csv.DictReader(written))
    assert [int(r["ts_ms"]) for r in rows] == [T0 + s * 1000 for s in range(10, 20)]
    assert rows[0]["value"] == "42.5" and rows[0]["quality"] == "128"


def test_without_times_the_command_exports_from_the_first_row_to_now(db):
    code, out, err = command(str(db), "Pump")
    assert (code, err) == (0, "")
    assert out.splitlines()[1:] == [f"{local_iso(T0)},{T0},1,128"]


def test_an_unknown_tag_gives_no_rows_and_names_some_tags_of_the_file(db):
    code, out, err = command(str(db), "Levle")
    assert code == 1
    assert out == "ts_iso,ts_ms,value,quality\n"
    assert "no rows of the tag 'Levle'" in err and "Level, Mode, Pump" in err


def test_a_range_without_rows_says_where_the_rows_are(db):
    code, _, err = command(str(db), "Level", "2020-01-01", "2020-01-02")
    assert code == 1
    assert "no rows of 'Level' between 2020-01-01T00:00:00" in err
    assert f"its rows are from {local_iso(T0)} to {local_iso(T0 + 59_000)}" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("missing.sqlite", "Level"), "no such file: missing.sqlite"),
        (("{db}", "Level", "soon"), "not a date and time: 'soon'"),
        (("{db}", "Level", "2026-12-05T08:00", "2026-12-05T07:00"), "is before --from"),
        (("{foreign}", "Level"), "is no qml-s7 history file"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(db, tmp_path, args, message):
    foreign = tmp_path / "other.sqlite"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.close()
    args = tuple(a.format(db=db, foreign=foreign) for a in args)
    code, out, err = command(*args)
    assert code == 2 and out == ""
    assert err.startswith("qml-s7: ") and message in err


def test_the_qml_s7_command_exports_and_documents_its_exit_status(db):
    done = run_qml_s7("history", "export", "--tag", "Level", "--from", str(T0),
                      "--to", str(T0 + 2000), str(db))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "ts_iso,ts_ms,value,quality",
        f"{local_iso(T0)},{T0},40.0,128",
        f"{local_iso(T0 + 1000)},{T0 + 1000},40.25,128",
        f"{local_iso(T0 + 2000)},{T0 + 2000},40.5,128",
    ]
    helped = run_qml_s7("history", "export", "--help")
    assert helped.returncode == 0
    assert "exit status" in helped.stdout and "without a zone they are local time" in helped.stdout
    bad = run_qml_s7("history", "export", "--tag", "Level", "--from", "never", str(db))
    assert bad.returncode == 2 and "not a date and time" in bad.stderr
