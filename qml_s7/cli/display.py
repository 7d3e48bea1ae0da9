"""Can a window open here? Checked before Qt tries, because Qt aborts the process when it cannot.

On Linux, Qt's default platform plugin (xcb) needs a display and a dozen X11 libraries that a
minimal Debian or Ubuntu lacks; Qt then prints a hint that names one package (often not the
missing one) and aborts. :func:`display_problem` finds every missing library with ``ldd`` and
names the packages to install.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QLibraryInfo

_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.MULTILINE)
_SONAME = re.compile(r"^(lib[\w.+-]*?)\.so\.(\d+)")
_GLIB = ("libglib-2.0.", "libgobject-2.0.", "libgio-2.0.", "libgthread-2.0.", "libgmodule-2.0.")
OFFSCREEN_HINT = (
    "to save a picture without a screen, run with QT_QPA_PLATFORM=offscreen and --screenshot FILE"
)


def debian_package(soname: str) -> str:
    """The Debian/Ubuntu package that usually ships ``soname`` (``libxcb-icccm.so.4`` ->
    ``libxcb-icccm4``): Debian names a library package after its soname, with a hyphen before
    the version when the name ends in a digit; GLib's libraries are the exception."""
    if soname.startswith(_GLIB):
        return "libglib2.0-0"
    match = _SONAME.match(soname)
    if match is None:
        return soname
    name, version = match.group(1).lower(), match.group(2)
    return f"{name}-{version}" if name[-1].isdigit() else f"{name}{version}"


def missing_libraries(ldd_output: str) -> list[str]:
    """The libraries ``ldd`` reports as "not found", in order, each once."""
    return list(dict.fromkeys(_NOT_FOUND.findall(ldd_output)))


def _xcb_plugin() -> Path:
    plugins = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
    return plugins / "platforms" / "libqxcb.so"


def _ldd(path: Path) -> str | None:
    ldd = shutil.which("ldd")
    if ldd is None:
        return None
    try:
        result = subprocess.run([ldd, str(path)], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout


def display_problem(environ: dict[str, str] | None = None) -> str | None:
    """Why Qt could not open a window here, with what to do; None when nothing stands in the way.

    Only Linux with the xcb plugin is checked: elsewhere, and for other platform plugins
    (offscreen, wayland, eglfs, ...), Qt is left to decide.
    """
    env = os.environ if environ is None else environ
    if not sys.platform.startswith("linux"):
        return None
    platform = env.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith("xcb"):
        return None
    if not env.get("DISPLAY"):
        if env.get("WAYLAND_DISPLAY") and not platform:
            return None  # Qt takes the Wayland plugin
        return f"no display to open a window on (DISPLAY is not set); {OFFSCREEN_HINT}"
    plugin = _xcb_plugin()
    output = _ldd(plugin) if plugin.exists() else None
    missing = missing_libraries(output or "")
    if not missing:
        return None
    packages = " ".join(dict.fromkeys(debian_package(lib) for lib in missing))
    return (
        f"Qt's window plugin (xcb) cannot load, these system libraries are missing: "
        f"{', '.join(missing)}. On Debian or Ubuntu: sudo apt-get install {packages} "
        f"(the README lists every package a window needs); {OFFSCREEN_HINT}"
    )
