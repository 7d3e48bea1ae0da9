"""Errors: each at its file and line with a message that says what to do; nothing half-loaded.

``load_symbols`` either returns every symbol of every file or raises TagErrors listing every
error; a test here checks the error's place and the words a user acts on.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qml_s7.tags import TagError, TagErrors, load_symbols

FIXTURES = Path(__file__).parent / "fixtures" / "tags"
GOOD = (
    'DATA_BLOCK "D"\nVERSION : 0.1\n  STRUCT\n    A : Int;\n  END_STRUCT;\nBEGIN\nEND_DATA_BLOCK\n'
)


def errors(tmp_path: Path, text: str, numbers: dict[str, int] | None = None) -> list[TagError]:
    """The errors of loading ``text`` as d.db (which must fail)."""
    path = tmp_path / "d.db"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TagErrors) as caught:
        load_symbols([path], {"D": 1} if numbers is None else numbers)
    return caught.value.errors


def only(found: list[TagError]) -> tuple[int | None, str]:
    (error,) = found
    return error.line, error.message


def test_str_is_path_line_message_one_per_line(tmp_path):
    text = GOOD.replace("A : Int;", "A : Flaot;\n    B : Varaint;")
    found = errors(tmp_path, text)
    path = tmp_path / "d.db"
    assert [str(e) for e in found] == [
        f"{path}:4: unknown type Flaot",
        f"{path}:5: unknown type Varaint",
    ]
    assert str(TagErrors(found)) == "\n".join(str(e) for e in found)
    assert (found[0].path, found[0].line) == (str(path), 4)
    assert isinstance(TagErrors(found), ValueError) and isinstance(found[0], ValueError)


def test_an_optimized_block_is_refused_with_how_to_switch_it(tmp_path):
    text = GOOD.replace("VERSION", "{ S7_Optimized_Access := 'TRUE' }\nVERSION")
    line, message = only(errors(tmp_path, text))
    assert line == 1
    assert "optimized block access (S7_Optimized_Access := 'TRUE')" in message
    assert "PUT/GET cannot read them" in message
    assert 'Properties > Attributes, clear "Optimized block access"' in message
    assert "then compile and download" in message


def test_an_instance_of_an_optimized_fb_is_refused_naming_the_fb(tmp_path):
    source = (FIXTURES / "Motor.scl").read_text(encoding="utf-8")
    text = source.replace("Motor control\n{ S7_Optimized_Access := 'FALSE' }", "Motor control\n"
                          "{ S7_Optimized_Access := 'TRUE' }")  # fmt: skip
    (tmp_path / "Line.udt").write_text((FIXTURES / "Line.udt").read_text(encoding="utf-8"))
    (tmp_path / "d.scl").write_text(text, encoding="utf-8")
    with pytest.raises(TagErrors) as caught:
        load_symbols([tmp_path / "d.scl", tmp_path / "Line.udt"], {"Motor_DB": 5})
    line, message = only(caught.value.errors)
    assert line == 58  # DATA_BLOCK "Motor_DB"
    assert 'an instance of FB "MotorFB", which has optimized block access' in message
    assert 'Switch FB "MotorFB" to standard access' in message


@pytest.mark.parametrize(
    ("declaration", "words"),
    [
        ("A : LTime;", "type LTime has no value type in qml-s7"),
        ("A : LDT;", "type LDT has no value type in qml-s7"),
        ("A : Variant;", "type Variant is a reference to data elsewhere"),
        ("A : Pointer;", "type Pointer is a reference to data elsewhere"),
        ("A : Any;", "type Any is a reference to data elsewhere"),
        ("A : Timer;", "type Timer is a timer number, not data"),
        ("A : TON;", "TON is a system function block (a multi-instance)"),
        ("A : Flaot;", "unknown type Flaot"),
        ('A : "Nowhere";', 'unknown type "Nowhere": no TYPE "Nowhere" in the files given'),
        ('A : Array[1.."MAX"] of Int;', 'the array bound 1.."MAX" is not a number'),
        ("A : Array[*] of Int;", "the array bound *..* is not a number"),
        ("A : Array[3..1] of Int;", "the array bounds 3..1 are reversed"),
        ("A : String[#LEN];", "the length of String[#LEN] is a constant"),
        ("A : String[300];", "STRING[300]: STRING length 300 is out of range 1..254"),
        ("A : REF_TO Int;", "REF_TO (a reference) is not supported"),
    ],
)
def test_a_type_that_cannot_be_laid_out_is_an_error_at_its_line(tmp_path, declaration, words):
    line, message = only(errors(tmp_path, GOOD.replace("A : Int;", f"X : Int;\n    {declaration}")))
    assert line == 5
    assert words in message


def test_every_bad_member_is_reported_once_even_in_a_udt_used_twice(tmp_path):
    text = 'TYPE "U"\n  STRUCT\n    X : LTime;\n  END_STRUCT;\nEND_TYPE\n' + GOOD.replace(
        "A : Int;", 'A : "U";\n    B : Array[0..1] of "U";\n    C : Flaot;'
    )
    assert [(e.line, e.message) for e in errors(tmp_path, text)] == [
        (3, "type LTime has no value type in qml-s7"),
        (11, "unknown type Flaot"),
    ]


def test_an_unmapped_db_names_itself_and_how_to_map_it(tmp_path):
    line, message = only(errors(tmp_path, GOOD, {}))
    assert line == 1
    assert message.startswith('DB "D" has no number: TIA Portal sources carry none.')
    assert "D=NUMBER with qml-s7 tags --db" in message
    assert 'dbNumbers: ({ "D": NUMBER }) in an S7TagTable' in message


def test_db_numbers_are_checked(tmp_path):
    assert "is no DB number (1..65535)" in only(errors(tmp_path, GOOD, {"D": 0}))[1]
    other = tmp_path / "e.db"
    other.write_text(GOOD.replace('"D"', '"E"'), encoding="utf-8")
    with pytest.raises(TagErrors) as caught:
        load_symbols([tmp_path / "d.db", other], {"D": 4, "E": 4})
    (error,) = caught.value.errors
    assert (error.path, error.line) == (str(other), 1)
    assert error.message == f'DB "E" has the number 4 of DB "D" ({tmp_path / "d.db"}:1)'


def test_duplicate_names_across_files_name_both_places(tmp_path):
    (tmp_path / "d.db").write_text(GOOD, encoding="utf-8")
    plain = tmp_path / "extra.csv"
    plain.write_text('name,address\nPump,M0.0\n"""d"".a",MW2:INT\n', encoding="utf-8")
    with pytest.raises(TagErrors) as caught:
        load_symbols([tmp_path / "d.db", plain], {"D": 1})
    (error,) = caught.value.errors
    assert (error.path, error.line) == (str(plain), 3)
    assert error.message == f'"d".a is declared twice: here and at {tmp_path / "d.db"}:4'


def test_a_db_declared_in_two_files(tmp_path):
    for name in ("a.db", "b.db"):
        (tmp_path / name).write_text(GOOD, encoding="utf-8")
    with pytest.raises(TagErrors) as caught:
        load_symbols([tmp_path / "a.db", tmp_path / "b.db"], {"D": 1})
    (error,) = caught.value.errors
    assert (error.path, error.line) == (str(tmp_path / "b.db"), 1)
    assert error.message == f'DB "D" is declared twice: here and at {tmp_path / "a.db"}:1'


def test_a_missing_end_struct(tmp_path):
    text = GOOD.replace("  END_STRUCT;\n", "")
    line, message = only(errors(tmp_path, text))
    assert line == 5
    assert message == (
        "expected END_STRUCT, a \"quoted name\" or a name, found 'BEGIN' "
        "(the STRUCT of line 3 has no END_STRUCT)"
    )


def test_an_end_struct_too_many(tmp_path):
    text = GOOD.replace("  END_STRUCT;\n", "  END_STRUCT;\n  END_STRUCT;\n")
    line, message = only(errors(tmp_path, text))
    assert line == 6
    assert (
        message == "expected END_DATA_BLOCK, found 'END_STRUCT' (this END_STRUCT closes no STRUCT)"
    )


def test_a_truncated_file(tmp_path):
    text = (FIXTURES / "Line.db").read_text(encoding="utf-8")
    cut = text[: text.index("Setup : ") + 12]  # "      Setup : "Setu"
    line, message = only(errors(tmp_path, cut, {"Line": 2}))
    assert line == 11
    assert message.endswith(
        "(the DATA_BLOCK of line 1 has no END_DATA_BLOCK: the file is cut short)"
    )
    cut = text[: text.index("BEGIN") + 20]
    line, message = only(errors(tmp_path, cut, {"Line": 2}))
    assert line == 22
    assert message == "unexpected 'BEGIN' (no END_ keyword after this BEGIN: the file is cut short)"


def test_a_block_closed_by_the_wrong_keyword(tmp_path):
    line, message = only(errors(tmp_path, GOOD.replace("END_DATA_BLOCK", "END_FUNCTION")))
    assert line == 7
    assert message == "END_FUNCTION ends the DATA_BLOCK of line 1: expected END_DATA_BLOCK"


def test_a_syntax_error_reports_its_line_and_column(tmp_path):
    (error,) = errors(tmp_path, GOOD.replace("A : Int;", "A Int;"))
    assert (error.line, error.column) == (4, 7)
    assert error.message == "expected ':' or '{', found 'Int'"


def test_a_db_larger_than_a_db_can_be(tmp_path):
    line, message = only(errors(tmp_path, GOOD.replace("A : Int;", "A : Array[0..40000] of Int;")))
    assert line == 4
    assert message == 'DB "D" would be 80002 bytes or more, larger than a DB can be (65536)'


def test_nothing_is_half_loaded(tmp_path):
    good = tmp_path / "good.db"
    good.write_text(GOOD, encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("name,address\nSpeed,MW20:REAL\n", encoding="utf-8")
    with pytest.raises(TagErrors) as caught:
        load_symbols([good, bad], {"D": 1})
    assert [(e.path, e.line) for e in caught.value.errors] == [(str(bad), 2)]
    assert "W addresses 2 byte(s) but REAL takes 4 (write MD20:REAL)" in str(caught.value)


def test_errors_of_several_files_come_together_in_file_order(tmp_path):
    first, second = tmp_path / "b.db", tmp_path / "a.db"
    first.write_text(GOOD.replace("A : Int;", "A : Flaot;"), encoding="utf-8")
    second.write_text(GOOD.replace('"D"', '"E"'), encoding="utf-8")
    missing = tmp_path / "missing.csv"
    with pytest.raises(TagErrors) as caught:
        load_symbols([first, second, missing], {"D": 1})
    assert [str(e) for e in caught.value.errors] == [
        f"{first}:4: unknown type Flaot",
        f"{second}:1: " + caught.value.errors[1].message,
        f"{missing}: no such file",
    ]
    assert caught.value.errors[1].message.startswith('DB "E" has no number')


def test_a_syntax_error_in_one_source_hides_what_depends_on_it(tmp_path):
    udt = tmp_path / "u.udt"
    udt.write_text('TYPE "U"\n  STRUCT\n    X : Int\n  END_STRUCT;\nEND_TYPE\n', encoding="utf-8")
    db = tmp_path / "d.db"
    db.write_text(GOOD.replace("A : Int;", 'A : "U";'), encoding="utf-8")
    with pytest.raises(TagErrors) as caught:
        load_symbols([udt, db], {"D": 1})
    (error,) = caught.value.errors  # not also 'unknown type "U"' in d.db
    assert (error.path, error.line) == (str(udt), 4)


def test_an_instance_db_without_the_source_of_its_fb(tmp_path):
    text = 'DATA_BLOCK "Motor_DB"\nVERSION : 0.1\nNON_RETAIN\n"MotorFB"\nBEGIN\nEND_DATA_BLOCK\n'
    line, message = only(errors(tmp_path, text, {"Motor_DB": 5}))
    assert line == 1
    assert message == (
        'DB "Motor_DB" is of the type "MotorFB", which none of the files given declares: an '
        "instance DB needs the source of its FUNCTION_BLOCK (.scl), a DB of a PLC data type the "
        "source of its TYPE (.udt)"
    )


def test_a_multi_instance_of_an_fb_in_a_db(tmp_path):
    fb = 'FUNCTION_BLOCK "MotorFB"\nVAR_INPUT\n  On : Bool;\nEND_VAR\nBEGIN\nEND_FUNCTION_BLOCK\n'
    text = fb + GOOD.replace("A : Int;", 'A : "MotorFB";')
    line, message = only(errors(tmp_path, text))
    assert (line, message) == (
        10,
        '"MotorFB" is a function block: multi-instances are not supported',
    )
