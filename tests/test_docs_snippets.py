"""Every snippet of the docs works as shown against the simulator it names.

The QML snippets of README.md and docs/CONTROLS.md, and docs/first-panel.qml, are extracted and
loaded into a QQmlApplicationEngine (with ``qml_s7.install``) against a Simulator on 127.0.0.1
that runs the TankProcess, which is what ``qml-s7-sim --process`` runs. The snippets name that
simulator's port, 1102; the test puts its own simulator's port in place of that number.

A complete document (imports and a root object) is loaded as it is. A fragment (the widget
one-liners of CONTROLS.md) is put into a small generated document with the imports, an
S7Client and the S7Variables it names. Their addresses come from the table of tank variables in
CONTROLS.md. Either way, loading must give no QML error or warning, the client must connect,
every variable must become valid with the value the simulator holds, and every widget must be
valid. Every address must be on the tank's memory map, and every variable a snippet writes must
be one of the tank's commands (not an output the tank model overwrites).

A snippet with an S7RemoteClient (docs/remote-panel.qml and its copy in the README) reads the
tank through a gateway: the test runs ``qml-s7 gateway docs/gateway-line1.qml`` on its simulator
and a Mosquitto of its own, and puts that broker's URL in place of the snippet's
``mqtt://127.0.0.1:1883``. Its variables must show the simulator's values, its widgets be valid,
a button's write land in the simulator, and the simulator see one connection: the gateway's.

The README's Python programs are run as they are written, with the same port substitution.
"""

from __future__ import annotations

import ast
import builtins
import os
import re
import struct
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6 import QtQuick  # noqa: F401  (so that loaded windows are QQuickWindows)
from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QObject,
    QtMsgType,
    QUrl,
    qInstallMessageHandler,
)
from PySide6.QtQml import QQmlApplicationEngine
from PySide6.QtQuick import QQuickItem, QQuickWindow
from qtitems import click

import qml_s7
from qml_s7.cli.demogateway import GatewayProcess
from qml_s7.core.address import AddressError, parse_address
from qml_s7.simulator.process import MAP
from qml_s7.tags import SymbolTable, load_symbols

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
CONTROLS = ROOT / "docs" / "CONTROLS.md"
REAL_PLC = ROOT / "docs" / "REAL-PLC.md"
FIRST_PANEL = ROOT / "docs" / "first-panel.qml"
REMOTE_PANEL = ROOT / "docs" / "remote-panel.qml"
GATEWAY_LINE1 = ROOT / "docs" / "gateway-line1.qml"
DEMO = ROOT / "demo"
TIMEOUT = 10_000
DOC_PORT = "1102"  # the port the snippets name: qml-s7-sim's
DOC_BROKER = "mqtt://127.0.0.1:1883"  # the broker the remote snippets name: Mosquitto's port
COMMANDS = frozenset(
    MAP[name]
    for name in ("pump", "valve", "heater", "ack", "level_limit", "temp_setpoint", "pump_speed")
)

FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```(?P<lang>\w*)[ \t]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$",
    re.MULTILINE | re.DOTALL,
)


@dataclass(frozen=True)
class Snippet:
    path: Path
    line: int
    lang: str
    text: str

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"

    @property
    def complete(self) -> bool:
        """Whether this is a document of its own rather than a fragment."""
        if self.lang == "python":  # a program defines or imports every name it uses
            return not undefined_names(self.text)
        has_imports = re.search(r"^import \w", self.text, re.MULTILINE) is not None
        return has_imports and re.search(r"^[A-Z]\w*\s*\{", self.text, re.MULTILINE) is not None


def undefined_names(program: str) -> set[str]:
    """Names a Python text uses but neither defines, imports nor gets from builtins."""
    defined = set(dir(builtins))
    used = set()
    for node in ast.walk(ast.parse(program)):
        if isinstance(node, ast.Name):
            (used if isinstance(node.ctx, ast.Load) else defined).add(node.id)
        elif isinstance(node, ast.alias):
            defined.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            defined.add(node.name)
        elif isinstance(node, ast.arg):
            defined.add(node.arg)
    return used - defined


def snippets(path: Path, lang: str) -> list[Snippet]:
    """The ```lang blocks of a Markdown file, dedented (a block may sit in a list item)."""
    source = path.read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(source):
        if match["lang"] == lang:
            line = source.count("\n", 0, match.start()) + 1
            found.append(Snippet(path, line, lang, textwrap.dedent(match["body"])))
    return found


def qml_snippets() -> list[Snippet]:
    files = [FIRST_PANEL, REMOTE_PANEL]
    whole = [Snippet(path, 1, "qml", path.read_text(encoding="utf-8")) for path in files]
    return snippets(README, "qml") + snippets(CONTROLS, "qml") + whole


def is_remote(snippet: Snippet) -> bool:
    """Whether the snippet reads through a gateway (an S7RemoteClient) instead of a PLC."""
    return "S7RemoteClient" in snippet.text


def readme_programs() -> list[Snippet]:
    return [s for s in snippets(README, "python") if s.complete]


def tank_variables() -> dict[str, str]:
    """The table of CONTROLS.md that names the tank variables of the one-line examples."""
    text = CONTROLS.read_text(encoding="utf-8")
    start = text.index("| id | address |")
    table: dict[str, str] = {}
    for row in text[start:].splitlines()[2:]:
        if not row.startswith("|"):
            break
        ids_cell, addresses_cell = row.split("|")[1:3]
        ids = re.findall(r"`(\w+)`", ids_cell)
        addresses = re.findall(r"`([^`]+)`", addresses_cell)
        assert len(ids) == len(addresses), row
        table.update(zip(ids, addresses, strict=True))
    return table


def declared_variables(text: str) -> dict[str, str]:
    """id -> name of the S7Variables a QML text declares (an address, or a tag)."""
    pattern = r"""S7Variable\s*\{[^}]*?\bid:\s*(\w+)[^}]*?\bname:\s*(?:"([^"]+)"|'([^']+)')"""
    return {m[0]: m[1] or m[2] for m in re.findall(pattern, text, re.DOTALL)}


DEMO_TAGS = SymbolTable(load_symbols([DEMO / "Tank.db", DEMO / "PLC tags.xlsx"], {"Tank": 1}))


def canonical(name: str) -> str:
    """The address ``name`` stands for, as the tank's map writes it (``DB1.DBD2:REAL``): an
    address name, or a tag of the demo's tag files (what the snippets' S7TagTable loads)."""
    try:
        return str(parse_address(name))
    except AddressError:
        symbol = DEMO_TAGS.lookup(name)
        assert symbol is not None, f"{name!r} is neither an address nor a tag of the demo"
        return str(symbol.address)


def used_ids(text: str) -> set[str]:
    """The ids a fragment refers to as variables or clients."""
    ids = set(re.findall(r"\b(?:variable|client):\s*(\w+)", text))
    ids |= set(re.findall(r"\b(\w+)\.(?:data|valid)\b", text))
    return ids - {"plc"}


def blocks_of(text: str, types: tuple[str, ...]) -> Iterator[str]:
    """The text of every object of one of ``types``, up to its closing brace."""
    alternatives = "|".join(types)
    for match in re.finditer(rf"\b(?:{alternatives})\s*\{{", text):
        depth, i = 0, match.end() - 1
        while True:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            if depth == 0:
                yield text[match.start() : i + 1]
                break
            i += 1


def written_ids(text: str) -> set[str]:
    """The ids of variables a QML text writes: assignments to data, and writing widgets."""
    ids = set(re.findall(r"\b(\w+)\.data\s*=(?!=)", text))
    for block in blocks_of(text, ("ToggleButton", "SetpointControl")):
        ids |= set(re.findall(r"\bvariable:\s*(\w+)", block))
    return ids


def wrap(fragment: str, variables: dict[str, str]) -> str:
    """A complete document around a fragment, with a client and the variables it names."""
    declarations = "\n".join(
        f'        S7Variable {{ id: {name}; name: "{address}" }}'
        for name, address in sorted(variables.items())
    )
    return f"""import QtQuick
import QtQuick.Controls
import QmlS7
import QmlS7.Controls

Window {{
    width: 640; height: 480; visible: true
    S7Client {{
        id: plc
        hostname: "127.0.0.1"; port: {DOC_PORT}
        rack: 0; slot: 1
        pollInterval: 200
{declarations}
    }}
    Column {{
        width: parent.width; spacing: 8
{textwrap.indent(fragment, " " * 8)}
    }}
}}
"""


def document(snippet: Snippet) -> tuple[str, dict[str, str]]:
    """The QML document to load for a snippet, and id -> address of its variables."""
    if snippet.complete:
        return snippet.text, declared_variables(snippet.text)
    table = tank_variables()
    ids = used_ids(snippet.text)
    unknown = ids - set(table)
    assert not unknown, f"{snippet.id} uses {unknown}, which the CONTROLS.md table lacks"
    variables = {name: table[name] for name in ids}
    return wrap(snippet.text, variables), variables


def on_port(source: str, port: int) -> str:
    assert DOC_PORT in source, "the snippet does not name qml-s7-sim's port 1102"
    return re.sub(rf"\b{DOC_PORT}\b", str(port), source)


# -- values in the simulator ---------------------------------------------------------------------

_BIT = re.compile(r"(?:DB(\d+)\.DBX|([IQM]))(\d+)\.([0-7])$")
_REAL = re.compile(r"DB(\d+)\.DBD(\d+):REAL$")
_INT = re.compile(r"(?:DB(\d+)\.DBW|MW)(\d+):INT$")


def plc_value(simulator, name: str) -> bool | int | float:
    """What the simulator holds at the address ``name`` (the forms the snippets use)."""
    if match := _BIT.match(name):
        db, area, byte, bit = match.groups()
        return simulator.read_bit("DB" if db else area, int(byte), int(bit), db=int(db or 0))
    if match := _REAL.match(name):
        raw = simulator.read("DB", int(match[2]), 4, db=int(match[1]))
        return struct.unpack(">f", raw)[0]
    if match := _INT.match(name):
        db, start = match.groups()
        raw = simulator.read("DB" if db else "M", int(start), 2, db=int(db or 0))
        return struct.unpack(">h", raw)[0]
    raise AssertionError(f"the test cannot read {name!r} from the simulator: add its form")


def holds(variable: qml_s7.S7Variable, simulator) -> bool:
    """Whether the variable is valid and shows what the simulator holds."""
    if not variable.valid:
        return False
    expected = plc_value(simulator, canonical(variable.name))
    if isinstance(expected, float):  # a REAL shows the shortest decimal of its float32
        return struct.pack(">f", variable.data) == struct.pack(">f", expected)
    return variable.data == expected and type(variable.data) is type(expected)


# -- loading -------------------------------------------------------------------------------------


@dataclass
class Loaded:
    engine: QQmlApplicationEngine
    root: QObject
    warnings: list[str]


@contextmanager
def loaded(qtbot, source: str, properties: dict | None = None, url: Path = FIRST_PANEL):
    """Load a QML document as ``qml-s7 run`` does; collect every QML warning while it runs."""
    warnings: list[str] = []

    def handler(kind, context, message) -> None:
        category = context.category or ""
        if kind != QtMsgType.QtDebugMsg and (
            category.startswith(("qt.qml", "qml", "js")) or ".qml:" in message
        ):
            warnings.append(message)

    previous = qInstallMessageHandler(handler)
    engine = QQmlApplicationEngine()
    try:
        qml_s7.install(engine)
        engine.warnings.connect(lambda errors: warnings.extend(e.toString() for e in errors))
        if properties:
            engine.setInitialProperties(properties)
        if source is None:
            engine.load(QUrl.fromLocalFile(str(url)))
        else:  # beside the docs, as if the snippet were saved there
            engine.loadData(source.encode(), QUrl.fromLocalFile(str(url.with_name("snippet.qml"))))
        roots = engine.rootObjects()
        assert len(roots) == 1, warnings
        root = roots[0]
        if isinstance(root, QQuickWindow):
            qtbot.waitUntil(root.isExposed, timeout=TIMEOUT)
        yield Loaded(engine, root, warnings)
        assert warnings == []
    finally:
        qInstallMessageHandler(previous)  # teardown may warn about ids going away: not ours
        engine.deleteLater()  # now, not whenever Python collects it (during another test)
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def connected_clients(qtbot, root: QObject, simulator) -> list[qml_s7.S7Client]:
    clients = root.findChildren(qml_s7.S7Client)
    assert clients, "no S7Client in the document"
    for client in clients:
        assert (client.hostname, client.port) == ("127.0.0.1", simulator.port)
        qtbot.waitUntil(lambda c=client: c.connected, timeout=TIMEOUT)
    return clients


def widgets(root: QObject) -> list[QQuickItem]:
    """The QmlS7.Controls widgets (they have ``valid`` and ``errorText``) in a document."""
    found = []
    for item in root.findChildren(QQuickItem):
        meta = item.metaObject()
        if meta.indexOfProperty("valid") >= 0 and meta.indexOfProperty("errorText") >= 0:
            found.append(item)
    return found


def items_of(root: QObject, type_name: str) -> list[QQuickItem]:
    return [
        item
        for item in root.findChildren(QQuickItem)
        if item.metaObject().className().split("_QML")[0] in (type_name, "QQuick" + type_name)
    ]


# -- the snippets --------------------------------------------------------------------------------

QML = qml_snippets()
LOCAL = [s for s in QML if not is_remote(s)]
REMOTE = [s for s in QML if is_remote(s)]


def test_the_docs_have_the_snippets_this_test_expects():
    readme, controls = snippets(README, "qml"), snippets(CONTROLS, "qml")
    assert len(readme) >= 3 and all(s.complete for s in readme)
    assert sum(s.complete for s in controls) == 1
    assert sum(not s.complete for s in controls) >= 7
    assert len(readme_programs()) >= 2


@pytest.mark.parametrize("snippet", QML, ids=[s.id for s in QML])
def test_snippet_addresses_mean_what_they_say_on_the_tank(snippet):
    _, variables = document(snippet)
    tank = {canonical(address) for address in MAP.values()}
    for name, address in variables.items():
        where = canonical(address)
        assert where in tank, f"{snippet.id}: {name} = {address!r} is not on the tank's map"
    for name in written_ids(snippet.text):
        assert name in variables, f"{snippet.id} writes {name}, which it does not declare"
        assert canonical(variables[name]) in {canonical(c) for c in COMMANDS}, (
            f"{snippet.id} writes {name} = {variables[name]!r}, which the tank does not read "
            "as a command"
        )


@pytest.mark.parametrize("snippet", LOCAL, ids=[s.id for s in LOCAL])
def test_snippet_loads_connects_and_shows_the_plc_values(snippet, qtbot, simulator, tank):
    source, variables = document(snippet)
    beside = DEMO / "Panel.qml" if "S7TagTable" in source else FIRST_PANEL  # its tag files
    with loaded(qtbot, on_port(source, simulator.port), url=beside) as doc:
        connected_clients(qtbot, doc.root, simulator)
        found = doc.root.findChildren(qml_s7.S7Variable)
        assert sorted(v.name for v in found) == sorted(variables.values())
        for variable in found:
            qtbot.waitUntil(lambda v=variable: holds(v, simulator), timeout=TIMEOUT)
        for widget in widgets(doc.root):
            qtbot.waitUntil(lambda w=widget: w.property("valid") is True, timeout=TIMEOUT)
            assert widget.property("errorText") == ""
        if isinstance(doc.root, QQuickWindow):  # a size of its own, so a screenshot shows it
            image = doc.root.grabWindow()
            assert image.width() >= 300 and image.height() >= 100
            assert (image.width(), image.height()) == (doc.root.width(), doc.root.height())


@pytest.fixture
def line1(simulator, tank, broker):
    """``qml-s7 gateway docs/gateway-line1.qml`` on the test's simulator and broker."""
    process = GatewayProcess(GATEWAY_LINE1, {"plcPort": simulator.port, "broker": broker.url})
    yield process
    process.stop()


def on_broker(source: str, url: str) -> str:
    assert DOC_BROKER in source, f"the snippet does not name the broker {DOC_BROKER}"
    return source.replace(DOC_BROKER, url)


@pytest.mark.parametrize("snippet", REMOTE, ids=[s.id for s in REMOTE])
def test_remote_snippet_shows_the_plc_values_through_the_gateway(
    snippet, qtbot, simulator, broker, line1
):
    source, variables = document(snippet)
    with loaded(qtbot, on_broker(source, broker.url), url=REMOTE_PANEL) as doc:
        clients = doc.root.findChildren(qml_s7.S7RemoteClient)
        assert clients, "no S7RemoteClient in the document"
        for client in clients:  # the gateway is a process of its own: it takes a moment
            qtbot.waitUntil(lambda c=client: c.connected, timeout=3 * TIMEOUT)
        found = doc.root.findChildren(qml_s7.S7Variable)
        assert sorted(v.name for v in found) == sorted(variables.values())
        for variable in found:
            qtbot.waitUntil(lambda v=variable: holds(v, simulator), timeout=TIMEOUT)
        for widget in widgets(doc.root):
            qtbot.waitUntil(lambda w=widget: w.property("valid") is True, timeout=TIMEOUT)
            assert widget.property("errorText") == ""
        for button in items_of(doc.root, "ToggleButton"):  # a write through the gateway
            (variable,) = [v for v in found if v is button.property("variable")]
            target = not variable.data
            click(doc.root, button)
            qtbot.waitUntil(
                lambda n=variable.name, t=target: plc_value(simulator, n) is t, timeout=TIMEOUT
            )
        assert simulator.connection_count == 1  # the gateway's: the panel has none of its own


def readme_qml(containing: str) -> Snippet:
    (snippet,) = [s for s in snippets(README, "qml") if containing in s.text]
    return snippet


def test_readme_first_example_names_the_cpu(qtbot, simulator, tank):
    snippet = readme_qml("plc.moduleName")
    assert snippet == snippets(README, "qml")[0]  # the README opens with it
    with loaded(qtbot, on_port(snippet.text, simulator.port)) as doc:
        (client,) = connected_clients(qtbot, doc.root, simulator)
        (label,) = [i for i in doc.root.findChildren(QQuickItem) if i.property("text")]
        expected = "CPU 1516-3 PN/DP (S QS-SIM00001)"  # the simulator's identity
        qtbot.waitUntil(lambda: label.property("text") == expected, timeout=TIMEOUT)
        assert client.moduleName == "CPU 1516-3 PN/DP"


def test_readme_variable_example_switch_writes_the_pump_command(qtbot, simulator, tank):
    snippet = readme_qml("Switch {")
    with loaded(qtbot, on_port(snippet.text, simulator.port)) as doc:
        connected_clients(qtbot, doc.root, simulator)
        (switch,) = items_of(doc.root, "Switch")
        state = [i for i in doc.root.findChildren(QQuickItem) if i.property("text") == "stopped"]
        assert len(state) == 1, "the Label that shows the pump's output"
        pump = [v for v in doc.root.findChildren(qml_s7.S7Variable) if v.name == "DB1.DBX0.0"]
        qtbot.waitUntil(lambda: pump[0].valid, timeout=TIMEOUT)
        click(doc.root, switch)
        qtbot.waitUntil(lambda: simulator.read_bit("DB", 0, 0, db=1) is True, timeout=TIMEOUT)
        # the tank model switches its output Q0.0 on; the panel reads it back
        qtbot.waitUntil(lambda: state[0].property("text") == "running at 100 %", timeout=TIMEOUT)
        click(doc.root, switch)
        qtbot.waitUntil(lambda: simulator.read_bit("DB", 0, 0, db=1) is False, timeout=TIMEOUT)
        qtbot.waitUntil(lambda: state[0].property("text") == "stopped", timeout=TIMEOUT)


def without_header(path: Path) -> str:
    """A QML file without its opening comment lines (the README shows the rest)."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    while lines[0].startswith("//"):
        lines.pop(0)
    return "".join(lines)


def test_readme_first_panel_is_docs_first_panel_qml():
    assert readme_qml("My first qml-s7 panel").text == without_header(FIRST_PANEL)


def test_readme_remote_panel_is_docs_remote_panel_qml():
    assert readme_qml("S7RemoteClient {").text == without_header(REMOTE_PANEL)


def test_first_panel_takes_host_and_port_from_root_properties(qtbot, simulator, tank):
    # what `qml-s7 run docs/first-panel.qml --set plcHost=... --set plcPort=...` does
    properties = {"plcHost": "127.0.0.1", "plcPort": simulator.port}
    with loaded(qtbot, None, properties, url=FIRST_PANEL) as doc:
        (client,) = connected_clients(qtbot, doc.root, simulator)
        assert client.connectionType == qml_s7.S7Client.ConnectionType.OP
        (button,) = items_of(doc.root, "ToggleButton")
        qtbot.waitUntil(lambda: button.property("interactive") is True, timeout=TIMEOUT)
        click(doc.root, button)
        qtbot.waitUntil(lambda: simulator.read_bit("DB", 0, 0, db=1) is True, timeout=TIMEOUT)
        qtbot.waitUntil(lambda: simulator.read_bit("Q", 0, 0) is True, timeout=TIMEOUT)


# -- Python --------------------------------------------------------------------------------------

PROGRAMS = readme_programs()


@pytest.mark.parametrize("snippet", PROGRAMS, ids=[s.id for s in PROGRAMS])
def test_readme_python_program_runs(snippet, simulator, tank):
    source = snippet.text
    if DOC_PORT in source:  # it talks to qml-s7-sim --process: ours
        source = on_port(source, simulator.port)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-c", source],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    for noise in ("Traceback", "Warning", "Error", ".qml:"):  # also none at exit
        assert noise not in result.stderr, result.stderr
    if "Simulator()" in source:
        assert re.fullmatch(r"\d+ 1\.5\n", result.stdout), result.stdout
    if "pumpVar" in source:
        assert result.stdout == "level 40.0 %\npump on\n"
        assert simulator.read_bit("DB", 0, 0, db=1) is True


def test_python_fragments_compile():
    fragments = snippets(README, "python") + snippets(CONTROLS, "python")
    assert fragments
    for snippet in fragments:
        compile(snippet.text, snippet.id, "exec")


def host_panel() -> str:
    """The QML panel the README's host program embeds."""
    (program,) = [s for s in PROGRAMS if "pumpVar" in s.text]
    return re.search(r'PANEL = b"""(.*?)"""', program.text, re.DOTALL)[1]


def test_host_reaches_variables_by_name_and_by_typed_property(qtbot, simulator, tank):
    with loaded(qtbot, on_port(host_panel(), simulator.port)) as doc:
        connected_clients(qtbot, doc.root, simulator)
        level = doc.root.findChild(qml_s7.S7Variable, "level")
        assert level is not None and level.name == "DB1.DBD2:REAL"
        qtbot.waitUntil(lambda: holds(level, simulator), timeout=TIMEOUT)
        pump = doc.root.property("pumpVar")  # a root property typed S7Variable
        assert isinstance(pump, qml_s7.S7Variable) and pump.name == "DB1.DBX0.0"


def test_host_writes_by_attribute_and_by_set_property(qtbot, simulator, tank):
    with loaded(qtbot, on_port(host_panel(), simulator.port)) as doc:
        connected_clients(qtbot, doc.root, simulator)
        (pump,) = [v for v in doc.root.findChildren(qml_s7.S7Variable) if v.name == "DB1.DBX0.0"]
        with qtbot.waitSignal(pump.written, timeout=TIMEOUT):
            pump.data = True
        assert simulator.read_bit("DB", 0, 0, db=1) is True
        with qtbot.waitSignal(pump.written, timeout=TIMEOUT):
            pump.setProperty("data", False)
        assert simulator.read_bit("DB", 0, 0, db=1) is False


# -- links ---------------------------------------------------------------------------------------


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


@pytest.mark.parametrize("path", [README, CONTROLS, REAL_PLC], ids=lambda p: p.name)
def test_doc_links_point_into_the_repository(path):
    text = path.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if target.startswith(("http://", "https://")):
            continue
        file, _, anchor = target.partition("#")
        linked = (path.parent / file).resolve() if file else path
        assert linked.exists(), f"{path.name} links to missing {file}"
        assert ROOT in linked.parents, f"{path.name} links outside the repository: {file}"
        if anchor:
            headings = re.findall(r"^#+ (.*)$", linked.read_text(encoding="utf-8"), re.MULTILINE)
            assert anchor in {slug(h) for h in headings}, f"{path.name} links to missing {target}"
