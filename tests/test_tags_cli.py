"""``qml-s7 tags``: the table of a project's tags, as text or CSV, errors with file:line."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from support import run_qml_s7

from qml_s7.cli.tags import run

FIXTURES = Path(__file__).parent / "fixtures" / "tags"
LINE = [str(FIXTURES / "Line.db"), str(FIXTURES / "Line.udt")]


def command(
    files: list[str], numbers: dict[str, int], as_csv: bool = False
) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(files, numbers, as_csv=as_csv, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_the_plain_table_is_aligned_one_row_per_value():
    code, out, err = command([*LINE, str(FIXTURES / "Classic.db")], {"Line": 2})
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert len(lines) == 1 + 37 + 4
    assert lines[0].split() == ["name", "address", "type", "comment"]
    assert lines[1].split(maxsplit=3) == [
        '"Line".Enable',
        "DB2.DBX0.0:BOOL",
        "BOOL",
        "line enabled",
    ]
    assert lines[-1].split() == ["DB20.Count", "DB20:6:INT", "INT"]
    column = lines[0].index("address")
    assert all(line[column - 2 : column] == "  " for line in lines)
    assert all(line[column:].startswith("DB") for line in lines[1:])  # every address there
    assert '"Line".Motors[3].Mode' in out and '"Line"."Spare Bits"."Bit 0"' in out


def test_csv_has_a_header_and_proper_quoting():
    code, out, err = command(LINE, {"Line": 2}, as_csv=True)
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == "name,address,type,comment"
    assert out.splitlines()[1] == '"""Line"".Enable",DB2.DBX0.0:BOOL,BOOL,line enabled'
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[1:3] == [
        ['"Line".Enable', "DB2.DBX0.0:BOOL", "BOOL", "line enabled"],
        ['"Line".Flags[0]', "DB2.DBX2.0:BOOL", "BOOL", "one flag per station"],
    ]
    assert ['"Line".Motors[2].Mode', "DB2:46:BYTE", "BYTE", "0 off, 1 manual, 2 auto"] in rows


def test_errors_go_to_stderr_with_file_and_line():
    code, out, err = command(LINE, {})
    assert (code, out) == (1, "")
    assert err.startswith(f'{FIXTURES / "Line.db"}:1: DB "Line" has no number')


def test_a_missing_file_is_a_usage_error():
    code, out, err = command([*LINE, "nowhere.db"], {"Line": 2})
    assert (code, out, err) == (2, "", "qml-s7: no such file: nowhere.db\n")


def test_the_command_line(tmp_path):
    result = run_qml_s7("tags", "--db", "Line=2", "--csv", *LINE)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == '"""Line"".Counter",DB2:66:DINT,DINT,parts made'
    result = run_qml_s7("tags", *LINE)
    assert result.returncode == 1
    assert 'DB "Line" has no number' in result.stderr and result.stdout == ""
    result = run_qml_s7("tags", "--db", "Line", *LINE)
    assert result.returncode == 2
    assert "expected NAME=NUMBER such as Tank=1, not 'Line'" in result.stderr
