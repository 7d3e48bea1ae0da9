"""The package keeps its shape: layers import one way, no circles, no reaching into privates.

The layers (docs/DESIGN.md draws them): ``core`` (no Qt), ``link`` (the I/O thread), ``session``,
``qmltypes`` (the QML types), ``simulator``, ``testing``, ``cli``, ``tags`` (tag files into
addresses, no Qt), ``alarms`` (alarm states, no Qt), ``history`` (the SQLite store, no Qt) and
``gateway`` (MQTT topics, payloads and the broker connection, no Qt).
Imports are read from the source (every import statement, also those inside functions), so a
lazy import cannot hide a dependency.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "qml_s7"
QT = ("PySide6", "shiboken6")

# What each layer may not import (besides itself, everything below it is allowed).
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "core": (*QT, "qml_s7.link", "qml_s7.session", "qml_s7.qmltypes", "qml_s7.simulator",
             "qml_s7.testing", "qml_s7.cli", "qml_s7.demo", "qml_s7.tags", "qml_s7.alarms",
             "qml_s7.history", "qml_s7.gateway"),
    "link": ("qml_s7.session", "qml_s7.qmltypes", "qml_s7.simulator", "qml_s7.testing",
             "qml_s7.cli", "qml_s7.tags", "qml_s7.alarms", "qml_s7.history", "qml_s7.gateway"),
    "session": ("qml_s7.qmltypes", "qml_s7.simulator", "qml_s7.testing", "qml_s7.cli",
                "qml_s7.tags", "qml_s7.alarms", "qml_s7.history", "qml_s7.gateway"),
    "qmltypes": ("qml_s7.simulator", "qml_s7.testing", "qml_s7.cli"),
    "simulator": (*QT, "qml_s7.link", "qml_s7.session", "qml_s7.qmltypes", "qml_s7.testing",
                  "qml_s7.cli", "qml_s7.tags", "qml_s7.alarms", "qml_s7.history",
                  "qml_s7.gateway"),
    "testing": ("qml_s7.cli",),
    # tag files into addresses: core, lark and openpyxl only
    "tags": (*QT, "qml_s7.link", "qml_s7.session", "qml_s7.qmltypes", "qml_s7.simulator",
             "qml_s7.testing", "qml_s7.cli", "qml_s7.demo", "qml_s7.alarms", "qml_s7.history",
             "qml_s7.gateway"),
    # alarm conditions and ISA-18.2 states on an injectable clock: core only
    "alarms": (*QT, "qml_s7.link", "qml_s7.session", "qml_s7.qmltypes", "qml_s7.simulator",
               "qml_s7.testing", "qml_s7.cli", "qml_s7.demo", "qml_s7.tags", "qml_s7.history",
               "qml_s7.gateway"),
    # the SQLite store, its policies, queries and journal: core and the standard library only
    "history": (*QT, "qml_s7.link", "qml_s7.session", "qml_s7.qmltypes", "qml_s7.simulator",
                "qml_s7.testing", "qml_s7.cli", "qml_s7.demo", "qml_s7.tags", "qml_s7.alarms",
                "qml_s7.gateway"),
    # MQTT topics, payloads, the broker connection, the write ledger: core and paho-mqtt only
    "gateway": (*QT, "qml_s7.link", "qml_s7.session", "qml_s7.qmltypes", "qml_s7.simulator",
                "qml_s7.testing", "qml_s7.cli", "qml_s7.demo", "qml_s7.tags", "qml_s7.alarms",
                "qml_s7.history"),
}  # fmt: skip
# The only modules allowed to use python-snap7's (and their own base classes') internals.
ADAPTERS = {"qml_s7.link.snap7_client", "qml_s7.simulator.server"}


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = modules()


def imports_of(name: str, path: Path) -> Iterator[tuple[str, int]]:
    """(imported module, line) for every import statement in the module ``name``."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            yield source, node.lineno
            for alias in node.names:  # ``from . import snap7_client`` imports a module
                if f"{source}.{alias.name}" in MODULES:
                    yield f"{source}.{alias.name}", node.lineno


def layer(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_every_module_is_in_a_layer():
    top_level = {"qml_s7", "qml_s7.__main__"}
    stray = [
        name
        for name, path in MODULES.items()
        if name.count(".") == 1 and path.name != "__init__.py" and name not in top_level
    ]
    assert stray == [], "put new modules into a layer (a subpackage of qml_s7)"


def test_every_layer_ships_in_a_wheel():
    # An editable install finds subpackages by path; a wheel has only those pyproject lists.
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    pyproject = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())
    listed = set(pyproject["tool"]["setuptools"]["packages"])
    layers = {f"qml_s7.{p.parent.name}" for p in PACKAGE.glob("*/__init__.py")}
    assert layers - listed == set(), "list the new layer in pyproject.toml's packages"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_each_module_imports_only_what_its_layer_may(name):
    banned = FORBIDDEN.get(layer(name), ())
    bad = [
        f"{MODULES[name].name}:{line} imports {target}"
        for target, line in imports_of(name, MODULES[name])
        if any(target == b or target.startswith(b + ".") for b in banned)
    ]
    assert bad == []


def test_no_module_imports_another_in_a_circle():
    graph = {
        name: {t for t, _ in imports_of(name, path) if t in MODULES and t != name}
        for name, path in MODULES.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for name in graph:
        if name not in index:
            visit(name)
    assert circles == []


def private_reaches(path: Path) -> Iterator[str]:
    """``x._name`` where ``x`` is not ``self``, ``cls`` or ``super()``."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Attribute):
            continue
        attr = node.attr
        if not attr.startswith("_") or (attr.startswith("__") and attr.endswith("__")):
            continue
        owner = node.value
        if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
            continue
        if isinstance(owner, ast.Call) and getattr(owner.func, "id", None) == "super":
            continue
        yield f"{path.name}:{node.lineno} .{attr}"


@pytest.mark.parametrize("name", sorted(set(MODULES) - ADAPTERS))
def test_no_module_reaches_into_another_objects_private_members(name):
    assert list(private_reaches(MODULES[name])) == []


def test_the_check_finds_a_reach_into_privates(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f(client):\n    client._worker.start()\n    self._ok = 1\n")
    assert list(private_reaches(sample)) == ["sample.py:2 ._worker"]


def test_the_gateway_layer_needs_only_the_standard_library_paho_and_core():
    # qml_s7/gateway/ runs in the gateway and in every panel: Qt-free, no other layer
    allowed = ("paho", "qml_s7.core", "qml_s7.gateway", "__future__")
    bad = [
        f"{MODULES[name].name}:{line} imports {target}"
        for name in MODULES
        if layer(name) == "gateway"
        for target, line in imports_of(name, MODULES[name])
        if target.split(".")[0] not in sys.stdlib_module_names
        and not any(target == a or target.startswith(a + ".") for a in allowed)
    ]
    assert bad == []
