"""The demo HMI panel of qml-s7 (installed as ``qml_s7.demo``)."""

from pathlib import Path

PANEL = Path(__file__).resolve().parent / "Panel.qml"
