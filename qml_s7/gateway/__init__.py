"""The gateway's layer without Qt: MQTT topics, JSON payloads, the broker connection, the ledger
of write requests (docs/GATEWAY.md). S7Gateway and S7RemoteClient (qml_s7/qmltypes/) build on
it; paho-mqtt's thread calls back here, the QML types hand the calls on as queued signals.
"""

from .broker import BrokerAddress, Connection, TlsFiles, Will
from .topics import PREFIX, Kind, Parsed, Topics, decode_tag, encode_tag

__all__ = [
    "PREFIX",
    "BrokerAddress",
    "Connection",
    "Kind",
    "Parsed",
    "TlsFiles",
    "Topics",
    "Will",
    "decode_tag",
    "encode_tag",
]
