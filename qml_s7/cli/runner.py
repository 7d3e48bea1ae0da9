"""Show a QML panel in a window until it closes: what ``qml-s7 run`` and ``qml-s7 demo`` do.

- The root may be a Window (shown even without ``visible: true``) or an Item (put into a
  window of its own); anything else is refused with a message.
- QML warnings are printed once each, with hints (:mod:`qml_s7.qmlwarnings`); ``strict`` turns
  a warning while loading into a failure.
- Ctrl+C and SIGTERM end the event loop with exit status 130 and 143, and the client worker
  threads are stopped on the way out.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QSocketNotifier, QTimer, QUrl
from PySide6.QtGui import QGuiApplication
from PySide6.QtQml import QQmlApplicationEngine
from PySide6.QtQuick import QQuickItem, QQuickWindow

from .. import TYPES, install
from ..session.session import shutdown_all
from .display import display_problem
from .qmlwarnings import WarningPrinter

# Size of the window made for a panel whose root Item has no size of its own.
DEFAULT_SIZE = (800, 480)


@dataclass(frozen=True)
class WindowOptions:
    """How to show a panel: size, full screen, a screenshot instead of a session, strictness."""

    size: tuple[int, int] | None = None
    fullscreen: bool = False
    screenshot: str | None = None
    delay: float = 3.0
    strict: bool = False


def _say(text: str) -> None:
    print(f"qml-s7: {text}", file=sys.stderr, flush=True)


class ExitOnSignals(QObject):
    """SIGINT and SIGTERM end the application's event loop with 128 + the signal's number.

    Python runs a signal handler only when Python code runs; in Qt's event loop that may be
    never. The C-level handler writes the signal to a socket (``signal.set_wakeup_fd``) that a
    QSocketNotifier watches, so the loop wakes at once and the Python handler runs.
    """

    def __init__(self, app: QCoreApplication) -> None:
        super().__init__(app)
        self.code: int | None = None
        self._app = app
        self._receiver, self._sender = socket.socketpair()
        for end in (self._receiver, self._sender):
            end.setblocking(False)
        self._notifier = QSocketNotifier(self._receiver.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._drain)
        self._previous_fd = signal.set_wakeup_fd(self._sender.fileno())
        self._previous = {
            signum: signal.signal(signum, self._handle)
            for signum in (signal.SIGINT, signal.SIGTERM)
        }

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if self.code is None:
            self.code = 128 + signum
            self._app.exit(self.code)

    def _drain(self) -> None:
        with contextlib.suppress(BlockingIOError):
            self._receiver.recv(64)

    def restore(self) -> None:
        """Put back the handlers that were there before."""
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        signal.set_wakeup_fd(self._previous_fd)
        self._notifier.setEnabled(False)
        self._receiver.close()
        self._sender.close()


def _missing_properties(root: QObject, properties: dict[str, Any]) -> list[str]:
    meta = root.metaObject()
    return [name for name in properties if meta.indexOfProperty(name) < 0]


def _window_for(root: QObject, path: Path, options: WindowOptions) -> QQuickWindow | None:
    """The window that shows ``root``; None (after saying why) when it cannot be shown."""
    if isinstance(root, QQuickWindow):
        if not root.isVisible():
            _say(f"note: the Window of {path.name} has no 'visible: true'; showing it anyway")
        window = root
    elif isinstance(root, QQuickItem):
        window = QQuickWindow()
        window.setTitle(path.name)
        root.setParentItem(window.contentItem())
        width, height = int(root.width()), int(root.height())
        if width <= 0 or height <= 0:
            width = int(root.implicitWidth()) or DEFAULT_SIZE[0]
            height = int(root.implicitHeight()) or DEFAULT_SIZE[1]
        window.resize(width, height)
        # The item follows the window, as in qmlscene and QQuickView's SizeRootObjectToView.
        window.widthChanged.connect(lambda w: root.setWidth(w))
        window.heightChanged.connect(lambda h: root.setHeight(h))
        root.setSize(window.size().toSizeF())
    else:
        kind = type(root).__name__
        _say(f"{path.name} has a {kind} at its root, not a Window or an Item: nothing to show")
        return None
    if options.size:
        window.resize(*options.size)
    if options.fullscreen:
        window.showFullScreen()
    else:
        window.show()
    return window


def _grab_later(app: QGuiApplication, window: QQuickWindow, options: WindowOptions) -> None:
    target = options.screenshot

    def grab() -> None:
        image = window.grabWindow()
        if image.isNull() or not image.save(target):
            _say(f"could not save the screenshot to {target}")
            app.exit(1)
            return
        print(f"qml-s7: saved {target}", flush=True)
        app.quit()

    QTimer.singleShot(int(options.delay * 1000), grab)


def load(
    path: Path, properties: dict[str, Any]
) -> tuple[QQmlApplicationEngine, QObject, WarningPrinter] | int:
    """Load the QML file ``path`` with its root properties set from ``properties`` (warnings
    printed once each): the engine, the root object and the warning printer, or the exit
    status after saying why not: 1 when it does not load, 2 for a property the root lacks."""
    engine = QQmlApplicationEngine()
    install(engine)
    engine.setOutputWarningsToStandardError(False)
    printer = WarningPrinter(TYPES)
    engine.warnings.connect(printer)
    engine.setInitialProperties(properties)
    engine.load(QUrl.fromLocalFile(str(path.resolve())))
    roots = engine.rootObjects()
    if not roots:
        _say(f"could not load {path}")
        return 1
    missing = _missing_properties(roots[0], properties)
    if missing:
        names = ", ".join(missing)
        _say(f"{path.name} has no root property {names} to set (declare it in its root)")
        return 2
    return engine, roots[0], printer


def show(path: Path, properties: dict[str, Any], options: WindowOptions) -> int:
    """Load the QML file ``path`` (its root properties set from ``properties``) and show it.

    Runs until the window closes, a signal arrives, or the screenshot is saved. Returns the
    exit status: 0, 1 when the panel cannot load or show (or, with ``strict``, warned while
    loading), 2 for a property the root does not have, 130/143 after SIGINT/SIGTERM.
    """
    problem = display_problem()
    if problem:
        _say(problem)
        return 1
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    signals = ExitOnSignals(app)
    try:
        loaded = load(path, properties)
        if isinstance(loaded, int):
            return loaded
        _engine, root, printer = loaded  # the engine lives while the window shows
        if options.strict and printer.count:
            _say(f"--strict: {printer.count} warning(s) while loading {path.name}")
            return 1
        window = _window_for(root, path, options)
        if window is None:
            return 1
        if options.screenshot:
            _grab_later(app, window, options)
        app.aboutToQuit.connect(shutdown_all)
        status = app.exec()
        return signals.code if signals.code is not None else status
    finally:
        signals.restore()
