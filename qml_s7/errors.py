"""The S7Client.Error codes (Snap7's error numbers) and the mapping of failures onto them.

Every failure in the worker becomes a ``Failure(code, text)``: the nearest Snap7 code of the
seed's Error enum and a human text that says what failed and where. Nothing here touches Qt.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from enum import IntEnum

from snap7.error import S7ConnectionError, S7ProtocolError, S7TimeoutError


class ClientError(IntEnum):
    """S7Client.Error: the 52 Snap7 error codes with their exact numbers."""

    InvalidObject = -2
    InvalidParam = -1
    NoError = 0
    ConnectError = 0x00010000
    DisconnectError = 0x00020000
    InvalidPDU = 0x00030000
    InvalidDataSize = 0x00040000
    NullPointer = 0x00050000
    ShortPacket = 0x00060000
    TooManyFragments = 0x00070000
    PduOverflow = 0x00080000
    SendPacket = 0x00090000
    RecvPacket = 0x000A0000
    InvalidTSAP = 0x000B0000
    NegotiatingPDU = 0x00100000
    InvalidParams = 0x00200000
    JobPending = 0x00300000
    TooManyItems = 0x00400000
    InvalidWordLen = 0x00500000
    PartialDataWritten = 0x00600000
    SizeOverPDU = 0x00700000
    InvalidPlcAnswer = 0x00800000
    AddressOutOfRange = 0x00900000
    InvalidTransportSize = 0x00A00000
    WriteDataSizeMismatch = 0x00B00000
    ItemNotAvailable = 0x00C00000
    InvalidValue = 0x00D00000
    CannotStartPLC = 0x00E00000
    AlreadyRun = 0x00F00000
    CannotStopPLC = 0x01000000
    CannotCopyRamToRom = 0x01100000
    CannotCompress = 0x01200000
    AlreadyStop = 0x01300000
    FunNotAvailable = 0x01400000
    UploadSequenceFailed = 0x01500000
    InvalidDataSizeRecvd = 0x01600000
    InvalidBlockType = 0x01700000
    InvalidBlockNumber = 0x01800000
    InvalidBlockSize = 0x01900000
    DownloadSequenceFailed = 0x01A00000
    InsertRefused = 0x01B00000
    DeleteRefused = 0x01C00000
    NeedPassword = 0x01D00000
    InvalidPassword = 0x01E00000
    NoPasswordToSetOrClear = 0x01F00000
    JobTimeout = 0x02000000
    PartialDataRead = 0x02100000
    BufferTooSmall = 0x02200000
    FunctionRefused = 0x02300000
    Destroying = 0x02400000
    InvalidParamNumber = 0x02500000
    CannotChangeParam = 0x02600000


@dataclass(frozen=True, slots=True)
class Failure:
    """A failed operation: the Snap7 error code and a text that says what and where."""

    code: ClientError
    text: str


# S7 item return codes (in read/write replies) mapped to the nearest client error.
_ITEM_RETURN_CODES = {
    0x00: ClientError.InvalidDataSizeRecvd,  # ours: the item came back with the wrong size
    0x01: ClientError.FunctionRefused,  # hardware fault
    0x03: ClientError.FunctionRefused,  # access to the object not allowed
    0x05: ClientError.AddressOutOfRange,
    0x06: ClientError.InvalidTransportSize,  # data type not supported
    0x07: ClientError.WriteDataSizeMismatch,  # data type inconsistent
    0x0A: ClientError.ItemNotAvailable,  # object does not exist
}


def item_error(return_code: int) -> ClientError:
    """The client error nearest to an S7 item return code."""
    return _ITEM_RETURN_CODES.get(return_code, ClientError.InvalidPlcAnswer)


def classify(exc: BaseException) -> ClientError:
    """The nearest Snap7 error code for an exception raised by python-snap7 or the socket."""
    text = str(exc).lower()
    if isinstance(exc, S7TimeoutError | socket.timeout | TimeoutError):
        return ClientError.JobTimeout
    if isinstance(exc, S7ConnectionError):
        if "send" in text:
            return ClientError.SendPacket
        if "receive" in text or "closed" in text:
            return ClientError.RecvPacket
        if "tsap" in text or "connection refused by plc" in text:
            return ClientError.InvalidTSAP
        if "tpkt" in text or "cotp" in text:
            return ClientError.InvalidPDU
        return ClientError.ConnectError
    if isinstance(exc, S7ProtocolError):
        if "out of range" in text:
            return ClientError.AddressOutOfRange
        if "not exist" in text or "not available" in text:
            return ClientError.ItemNotAvailable
        if "pdu" in text and "negotiat" in text:
            return ClientError.NegotiatingPDU
        if "truncated" in text or "short" in text:
            return ClientError.ShortPacket
        return ClientError.InvalidPlcAnswer
    if isinstance(exc, ConnectionError | OSError):
        return ClientError.ConnectError
    if isinstance(exc, struct.error | ValueError | IndexError | KeyError | TypeError):
        return ClientError.InvalidPDU
    return ClientError.FunctionRefused
