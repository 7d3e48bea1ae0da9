"""A simulated Siemens S7 PLC on python-snap7's server, and the tank process of the demo.

``Simulator`` (in ``plc``) is a PLC with DBs, inputs, outputs and markers on 127.0.0.1; its
server (``server``) fixes what python-snap7's gets wrong for us; ``process`` runs the demo's
heated tank on it; ``cli`` is the ``qml-s7-sim`` command. No Qt and no other layer of qml-s7
is imported here.
"""

from .cli import main
from .plc import Simulator
from .stats import Stats, WriteRecord

__all__ = ["Simulator", "Stats", "WriteRecord", "main"]
