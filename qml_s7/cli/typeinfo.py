"""Type information for Qt's QML tooling (qmllint, qmlls) about the types of ``import QmlS7``.

PySide6's own generator (``pyside6-metaobjectdump``) reads Python source statically and cannot
see properties made by a factory, so this module writes the ``.qmltypes`` file from the live
meta-objects of the registered types instead::

    qml-s7 lint panel.qml                 # qmllint with both import paths set up, or:
    qml-s7 typeinfo build/qmltypes        # for qmlls / qmllint -I build/qmltypes
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QMetaMethod, QMetaObject, QObject

from .. import TYPES
from ..qmltypes.logging import S7Logging
from ..qmltypes.object import Object
from ..qmltypes.operator import S7Operator
from ..qmltypes.polling import Polling

MODULE = "QmlS7"
_INTERFACES = {Object: "QQmlParserStatus", Polling: "QQmlPropertyValueSource"}
_SINGLETONS = frozenset({S7Operator})
_UNCREATABLE = frozenset({S7Logging})
_TYPE_NAMES = {"qlonglong": "qlonglong", "QObject*": "QObject", "QVariant": "QVariant"}


def _q(text: str) -> str:
    return json.dumps(text)


def _component(cls: type[QObject]) -> list[str]:
    meta: QMetaObject = cls.staticMetaObject
    base = meta.superClass()
    base_name = base.className() if base is not None else "QObject"
    if base_name.startswith("QPyQml"):  # PySide's helper bases are unknown to the tooling
        base_name = "QObject"
    lines = [
        "    Component {",
        f'        file: "{cls.__module__.replace(".", "/")}.py"',
        f"        name: {_q(meta.className())}",
        '        accessSemantics: "reference"',
        f"        prototype: {_q(base_name)}",
        f"        exports: [{_q(f'{MODULE}/{meta.className()} 1.0')}]",
        "        exportMetaObjectRevisions: [256]",
    ]
    if cls in _INTERFACES:
        lines.append(f"        interfaces: [{_q(_INTERFACES[cls])}]")
    if cls is Object:
        lines.append('        defaultProperty: "objects"')
    if cls in _SINGLETONS:
        lines.append("        isSingleton: true")
    if cls in _UNCREATABLE:
        lines.append("        isCreatable: false")
    for i in range(meta.enumeratorOffset(), meta.enumeratorCount()):
        enum = meta.enumerator(i)
        names = ", ".join(_q(enum.key(k)) for k in range(enum.keyCount()))
        lines.append(f"        Enum {{ name: {_q(enum.name())}; values: [{names}] }}")
    for i in range(meta.propertyOffset(), meta.propertyCount()):
        prop = meta.property(i)
        type_name = prop.typeName()
        fields = [f"name: {_q(prop.name())}"]
        if type_name.startswith("QQmlListProperty<"):
            fields += [f"type: {_q(type_name[17:-1].rstrip('*'))}", "isList: true"]
        elif type_name.endswith("*"):
            fields += [f"type: {_q(type_name.rstrip('*'))}", "isPointer: true"]
        else:
            fields.append(f"type: {_q(_TYPE_NAMES.get(type_name, type_name))}")
        if not prop.isWritable():
            fields.append("isReadonly: true")
        if prop.hasNotifySignal():
            fields.append(f"notify: {_q(prop.notifySignal().name().data().decode())}")
        fields.append(f"index: {i - meta.propertyOffset()}")
        lines.append(f"        Property {{ {'; '.join(fields)} }}")
    for i in range(meta.methodOffset(), meta.methodCount()):
        method = meta.method(i)
        if method.access() == QMetaMethod.Access.Private:
            continue
        kind = "Signal" if method.methodType() == QMetaMethod.MethodType.Signal else "Method"
        name = method.name().data().decode()
        if name.startswith("_"):
            continue
        body = [f"name: {_q(name)}"]
        if method.returnType() not in (0, 43):  # UnknownType, Void
            body.append(f"type: {_q(method.typeName())}")
        pairs = zip(method.parameterNames(), method.parameterTypes(), strict=True)
        params = [
            f"Parameter {{ name: {_q(bytes(n).decode() or f'arg{k}')}; "
            f"type: {_q(bytes(t).decode())} }}"
            for k, (n, t) in enumerate(pairs)
        ]
        if params:
            lines.append(f"        {kind} {{")
            lines.append(f"            {body[0]}")
            lines.extend(f"            {line}" for line in body[1:] + params)
            lines.append("        }")
        else:
            lines.append(f"        {kind} {{ {'; '.join(body)} }}")
    lines.append("    }")
    return lines


def qmltypes() -> str:
    """The ``.qmltypes`` text for the module ``QmlS7``."""
    lines = ["import QtQuick.tooling 1.2", "", "Module {"]
    for cls in TYPES:
        lines += _component(cls)
    lines.append("}")
    return "\n".join(lines) + "\n"


def write(folder: str | Path) -> Path:
    """Write ``QmlS7/qmldir`` and ``QmlS7/QmlS7.qmltypes`` below ``folder``; returns the module dir.

    Use ``folder`` as an import path of qmllint or qmlls only: at run time the types come from
    Python, and this folder must not be on the engine's import path.
    """
    module = Path(folder) / MODULE
    module.mkdir(parents=True, exist_ok=True)
    (module / f"{MODULE}.qmltypes").write_text(qmltypes(), encoding="utf-8")
    (module / "qmldir").write_text(
        f"module {MODULE}\ntypeinfo {MODULE}.qmltypes\ndepends QtQml\n", encoding="utf-8"
    )
    return module
