"""TIA Portal sources (.db, .udt, .scl) into :class:`~qml_s7.tags.model.Block` objects.

The grammar is ``tia.lark`` beside this module, parsed with lark's LALR parser and contextual
lexer. Comments are dropped by the grammar but recorded on the way (lexer callbacks), so that a
member keeps the ``// comment`` written after its declaration, and so that an error can say
which STRUCT or block is left open. A syntax error stops the file at its first error.
"""

from __future__ import annotations

import bisect
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from lark import Lark, Token, Transformer, UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.lark import PostLex

from .errors import TagError
from .model import Array, Block, Elementary, Member, Named, Origin, Struct, TypeNode, Unsupported

__all__ = ["parse_source"]

_GRAMMAR = Path(__file__).with_name("tia.lark")

# What the terminals are called in an error message.
_SHOWN = {
    "DATA_BLOCK": "DATA_BLOCK",
    "TYPE": "TYPE",
    "END_TYPE": "END_TYPE",
    "FUNCTION_BLOCK": "FUNCTION_BLOCK",
    "FUNCTION": "FUNCTION",
    "ORGANIZATION_BLOCK": "ORGANIZATION_BLOCK",
    "STRUCT": "STRUCT",
    "END_STRUCT": "END_STRUCT",
    "END_VAR": "END_VAR",
    "VAR": "VAR",
    "ARRAY": "Array",
    "OF": "of",
    "STRING": "String",
    "IDENT": "a name",
    "QUOTED": 'a "quoted name"',
    "SEMI": "';'",
    "SEMICOLON": "';'",
    "COLON": "':'",
    "LSQB": "'['",
    "RSQB": "']'",
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "COMMA": "','",
    "SIGNED_INT": "a number",
    "NUMBER": "a number",
    "SQ_STRING": "a 'quoted value'",
    "INIT": "':= value'",
    "BLOCK_END": "the block's END_ keyword",
    "$END": "the end of the file",
}
# Each block keyword and the keyword that ends its block.
_BLOCK_KEYWORDS = {
    "DATA_BLOCK": "END_DATA_BLOCK",
    "TYPE": "END_TYPE",
    "FUNCTION_BLOCK": "END_FUNCTION_BLOCK",
    "FUNCTION": "END_FUNCTION",
    "ORGANIZATION_BLOCK": "END_ORGANIZATION_BLOCK",
}
_BLOCK_ENDS = {"BLOCK_END", "END_TYPE"}
_SECTIONS = {
    "VAR_INPUT": "IN",
    "VAR_OUTPUT": "OUT",
    "VAR_IN_OUT": "IN_OUT",
    "VAR_TEMP": "TEMP",
    "VAR": "STAT",
    "VAR_STAT": "STAT",
}


@dataclass
class _Scan:
    """What the lexer saw of one file so far: comments, semicolons, open STRUCTs and block."""

    comments: dict[int, list[tuple[int, str]]] = field(default_factory=lambda: defaultdict(list))
    semicolons: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    open_structs: list[int] = field(default_factory=list)
    block: tuple[str, int] | None = None  # the keyword and line of the block being read


_local = threading.local()


def _comment(token: Token) -> Token:
    text = token.value
    text = text[2:] if text.startswith("//") else text[2:-2]
    _local.scan.comments[token.line].append((token.column, text.strip()))
    return token


def _semicolon(token: Token) -> Token:
    _local.scan.semicolons[token.line].append(token.column)
    return token


class _Watch(PostLex):
    """Notes the STRUCTs and blocks as the parser takes them (after the lexer has told keywords
    from names, which its callbacks do not see). Only a source with a syntax error is parsed
    again with this, to say what is open where the error is."""

    always_accept = ()

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        scan: _Scan = _local.scan
        for token in stream:
            kind = token.type
            if kind == "STRUCT":
                scan.open_structs.append(token.line)
            elif kind == "END_STRUCT":
                if scan.open_structs:
                    scan.open_structs.pop()
            elif kind in _BLOCK_KEYWORDS:
                scan.block = (kind, token.line)
            elif kind in _BLOCK_ENDS:
                scan.block = None
            yield token


_CALLBACKS = {
    **dict.fromkeys(("LINE_COMMENT", "BLOCK_COMMENT", "C_COMMENT"), _comment),
    "SEMI": _semicolon,
}
# One parser builds the blocks as it parses (no tree): the parse holds the lock, as the builder
# keeps the file's name and comments. The other one, with _Watch, reads a broken file again.
_lock = threading.RLock()
_parsers: dict[bool, Lark] = {}


def _lark(watch: bool = False) -> Lark:
    with _lock:
        if watch not in _parsers:
            _parsers[watch] = Lark(
                _GRAMMAR.read_text(encoding="utf-8"),
                parser="lalr",
                lexer="contextual",
                lexer_callbacks=_CALLBACKS,
                postlex=_Watch() if watch else None,
                transformer=None if watch else _Build(),
            )
        return _parsers[watch]


def _name(token: Token) -> tuple[str, bool]:
    """A name token as (text, quoted): ``"Motor 1"`` -> ("Motor 1", True)."""
    if token.type == "QUOTED":
        return token.value[1:-1], True
    if token.type == "ABSOLUTE":
        return "".join(token.value.split()).upper(), False
    return token.value, False


class _Build(Transformer):
    """The rules into model objects, as the parser reduces them (``path`` and ``scan`` are the
    file's, set before each parse)."""

    def __init__(self) -> None:
        super().__init__(visit_tokens=False)
        self.path = ""
        self.scan = _Scan()

    def _origin(self, token: Token) -> Origin:
        return Origin(self.path, token.line or 0)

    def _comment_after(self, line: int, column: int) -> str:
        """The comment on ``line`` after ``column`` unless a later ``;`` claims it."""
        semis = self.scan.semicolons.get(line, [])
        for start, text in self.scan.comments.get(line, []):
            if start > column:
                later = bisect.bisect_right(semis, column)
                return text if later == len(semis) or semis[later] > start else ""
        return ""

    # -- blocks ------------------------------------------------------------------------------
    def start(self, blocks: list[Block | None]) -> list[Block]:
        return [b for b in blocks if b is not None]

    def block_name(self, items: list[Token]) -> tuple[str, bool, int | None, Token]:
        token = items[0]
        name, quoted = _name(token)
        number = None
        if token.type == "ABSOLUTE":
            kind = name.rstrip("0123456789")
            number = int(name[len(kind) :]) if kind == "DB" else None
        return name, quoted, number, token

    def attributes(self, items: list) -> dict[str, str]:
        return dict(item for item in items if item is not None)

    def attribute(self, items: list[Token]) -> tuple[str, str]:
        key, value = items
        text = value.value[1:-1] if value.type == "SQ_STRING" else value.value
        return key.value.casefold(), text

    def _make_block(self, kind: str, items: list, **fields: object) -> Block:
        name, quoted, number, token = items[1]
        keyword, end = items[0], items[-1]
        ender = _BLOCK_KEYWORDS[keyword.type]
        last = end.value.rsplit(None, 1)[-1]
        if last.upper() != ender:
            raise TagError(
                self.path,
                end.end_line,
                f"{last} ends the {keyword.value} of line {keyword.line}: expected {ender}",
            )
        attributes: dict[str, str] = {}
        for item in items:
            if isinstance(item, dict):
                attributes.update(item)
        optimized = attributes.get("s7_optimized_access", "").strip().upper() == "TRUE"
        return Block(kind, name, quoted, number, optimized, self._origin(token), **fields)  # type: ignore[arg-type]

    def data_block(self, items: list) -> Block:
        body = next(item for item in items if isinstance(item, Struct | Named))
        return self._make_block("DB", items, body=body)

    def db_struct(self, items: list) -> Struct:
        return items[0].node

    def db_vars(self, sections: list[_Section]) -> Struct:
        return Struct(tuple(m for section in sections for m in section.struct.members))

    def db_typed(self, items: list[Named]) -> Named:
        return items[0]

    def type_ref(self, items: list[Token]) -> Named:
        name, quoted = _name(items[0])
        return Named(name, quoted, self._origin(items[0]))

    def type_block(self, items: list) -> Block:
        body = next(item.node for item in items if isinstance(item, _Typed))
        return self._make_block("UDT", items, body=body)

    def fb_block(self, items: list) -> Block:
        sections = tuple(tuple(item) for item in items if isinstance(item, _Section))
        return self._make_block("FB", items, sections=sections)

    def fc_block(self, items: list) -> None:
        return None  # read to get past it; an FC keeps nothing in a DB

    def ob_block(self, items: list) -> None:
        return None

    # -- declarations ------------------------------------------------------------------------
    def var_section(self, items: list) -> _Section:
        kind = _SECTIONS[items[0].type]
        if len(items) > 1 and getattr(items[1], "type", "") == "CONSTANT":
            kind = "CONSTANT"
        return _Section(kind, Struct(tuple(item for item in items if isinstance(item, Member))))

    def struct_body(self, items: list) -> _Typed:
        members = tuple(item for item in items if isinstance(item, Member))
        return _Typed(Struct(members), items[0])  # a STRUCT's comment follows its keyword

    def member(self, items: list) -> Member:
        name_token = items[0]
        typed = next(item for item in items if isinstance(item, _Typed))
        anchor = typed.anchor or items[-1]  # the STRUCT keyword, or the ';'
        comment = self._comment_after(anchor.line, anchor.column)
        name, _ = _name(name_token)
        return Member(name, typed.node, comment, self._origin(name_token))

    # -- types -------------------------------------------------------------------------------
    def named(self, items: list[Token]) -> _Typed:
        name, quoted = _name(items[0])
        return _Typed(Named(name, quoted, self._origin(items[0])), None)

    def string(self, items: list) -> _Typed:
        kind: Token = items[0]
        datatype = kind.type  # STRING or WSTRING
        if len(items) == 1:
            return _Typed(Elementary(datatype, 254), None)
        length = items[1]
        if isinstance(length, int):
            return _Typed(Elementary(datatype, length), None)
        reason = f"the length of {kind.value}[{length}] is a constant: write the number"
        return _Typed(Unsupported(reason, self._origin(kind)), None)

    def inline_struct(self, items: list[_Typed]) -> _Typed:
        return items[0]

    def array(self, items: list) -> _Typed:
        keyword: Token = items[0]
        dims = [item for item in items if isinstance(item, _Dim)]
        element, anchor = items[-1]
        origin = self._origin(keyword)
        for dim in dims:
            if not all(isinstance(bound, int) for bound in dim):
                shown = "..".join(str(b) for b in dim)
                reason = (
                    f"the array bound {shown} is not a number (a constant or *): qml-s7 needs "
                    "the numbers to compute the offsets"
                )
                return _Typed(Unsupported(reason, origin), anchor)
            if dim[0] > dim[1]:
                return _Typed(
                    Unsupported(f"the array bounds {dim[0]}..{dim[1]} are reversed", origin),
                    anchor,
                )
        return _Typed(Array(tuple(dims), element), anchor)

    def reference(self, items: list) -> _Typed:
        keyword: Token = items[0]
        reason = "REF_TO (a reference) is not supported: it has no value at a fixed offset"
        return _Typed(Unsupported(reason, self._origin(keyword)), None)

    def dim(self, items: list) -> _Dim:
        return _Dim(items[0], items[1])

    def open_dim(self, items: list) -> _Dim:
        return _Dim("*", "*")

    def bound(self, items: list[Token]) -> int | str:
        token = items[0]
        if token.type == "SIGNED_INT":
            return int(token.value)
        return token.value if token.type == "QUOTED" else f"#{token.value}"


class _Typed(NamedTuple):
    """A type and the token its comment stands after (a STRUCT keyword), while building."""

    node: TypeNode
    anchor: Token | None


class _Section(NamedTuple):
    kind: str
    struct: Struct


class _Dim(NamedTuple):
    low: int | str
    high: int | str


def _shown(name: str) -> str | None:
    """How an expected terminal reads: its text for a literal (':='), else a description."""
    if name in _SHOWN:
        return _SHOWN[name]
    if name.startswith("__ANON"):
        pattern = _lark().get_terminal(name).pattern
        return repr(pattern.value) if pattern.type == "str" else None
    return None if name.startswith("_") else name


def _expected(names: Iterable[str]) -> str:
    shown = sorted({text for text in map(_shown, names) if text})
    if not shown:
        return "something else"
    if len(shown) > 6:
        shown = [*shown[:6], "..."]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " or " + shown[-1]


def _found(token: Token) -> str:
    if token.type == "$END":
        return "the end of the file"
    text = token.value.splitlines()[0] if token.value else ""
    return repr(text[:40])


def _syntax_error(path: str, text: str, error: UnexpectedInput, scan: _Scan) -> TagError:
    """A lark exception as a message at its line: what was expected, what is open."""
    line = getattr(error, "line", None) or text.count("\n") + 1
    column = getattr(error, "column", None)
    expected: set[str] = set()
    if isinstance(error, UnexpectedToken):
        expected = set(error.accepts or error.expected)
        token = error.token
        at_end = token.type == "$END"
        found = _found(token)
    elif isinstance(error, UnexpectedCharacters):
        expected = set(error.allowed or ())
        at_end = False
        found = repr(text[error.pos_in_stream : error.pos_in_stream + 20].splitlines()[0])
    else:  # UnexpectedEOF
        expected = set(getattr(error, "expected", ()) or ())
        at_end, found = True, "the end of the file"
    if at_end:
        line = text.count("\n") + (0 if text.endswith("\n") else 1)
        column = None
    # a file cut short mid-line stops at a half token rather than at the end
    cut = at_end or (
        isinstance(error, UnexpectedCharacters) and "\n" not in text[error.pos_in_stream :]
    )
    notes = []
    if scan.open_structs and (cut or "END_STRUCT" in expected):
        notes.append(f"the STRUCT of line {scan.open_structs[-1]} has no END_STRUCT")
    elif found == "'END_STRUCT'" and not scan.open_structs:
        notes.append("this END_STRUCT closes no STRUCT")
    if scan.block is not None and cut:
        keyword, start = scan.block
        ender = _BLOCK_KEYWORDS[keyword]
        notes.append(f"the {keyword} of line {start} has no {ender}: the file is cut short")
    elif "BLOCK_END" in expected and found.startswith("'BEGIN"):
        notes.append("no END_ keyword after this BEGIN: the file is cut short")
        expected = set()
    if "BLOCK_END" in expected and scan.block is not None:
        expected = (expected - {"BLOCK_END"}) | {_BLOCK_KEYWORDS[scan.block[0]]}
    if "ARRAY" in expected:  # where a type may stand
        message = f"expected a type, found {found}"
    elif expected:
        message = f"expected {_expected(expected)}, found {found}"
    else:
        message = f"unexpected {found}"
    if notes:
        message += " (" + "; ".join(notes) + ")"
    return TagError(path, line, message, column)


def parse_source(path: str, text: str) -> list[Block]:
    """The blocks of one TIA source text; raises TagError at the first syntax error.

    Types are not checked here (``types.py`` does, for the blocks that are used).
    """
    with _lock:
        parser = _lark()
        build: _Build = parser.options.transformer
        scan = build.scan = _local.scan = _Scan()
        build.path = path
        try:
            return parser.parse(text)
        except UnexpectedInput:
            pass  # said below, after reading the file again to know what is open there
        finally:
            _local.scan = None
        scan = _local.scan = _Scan()
        try:
            _lark(watch=True).parse(text)
        except UnexpectedInput as error:
            raise _syntax_error(path, text, error, scan) from None
        finally:
            _local.scan = None
        raise AssertionError("a source failed to parse once only")  # pragma: no cover
