"""The S7Client.Error codes (Snap7's error numbers) and the one place failures are judged.

Every failure of a request becomes a :class:`Failure`: the nearest Snap7 code of the original
Error enum, what is known of the request's fate (:class:`Outcome`), whether the link survived,
and a text that says what failed. :func:`interpret` makes it from the exception and the
operation, by exception types and their fields, never by message text. An exception it does
not know is no PLC failure but a bug of ours: it returns None, and the caller logs the
traceback. Nothing here touches Qt.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum, IntEnum

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


class Outcome(Enum):
    """What is known about a request that failed."""

    NOT_SENT = "not sent"  # nothing went out: the PLC never saw it
    REFUSED = "refused"  # the PLC answered no: it did nothing
    UNKNOWN = "unknown"  # it went out and no usable answer came back: it may have been done


class Operation(Enum):
    """What was being done when a failure happened; it gives a link failure its code."""

    CONNECT = "connect"  # TCP
    HANDSHAKE = "handshake"  # the ISO (COTP) connection
    NEGOTIATE = "negotiate"  # S7 Setup Communication (PDU size, parallel jobs)
    IDENTIFY = "identify"  # SZL 0x001C
    CHECK = "check"  # the keep-alive request
    READ = "read"
    WRITE = "write"


@dataclass(frozen=True, slots=True)
class Failure:
    """A failed operation: the Snap7 error code and a text that says what and where.

    ``outcome`` says whether the request may have been carried out; ``link_lost`` that the
    link is gone (a reconnect follows); ``bug`` that the cause is an error in qml-s7 itself.
    """

    code: ClientError
    text: str
    outcome: Outcome = Outcome.UNKNOWN
    link_lost: bool = False
    bug: bool = False

    def saying(self, text: str) -> Failure:
        """The same failure with another text."""
        return replace(self, text=text)


class AnswerError(S7ProtocolError):
    """An answer that is not what was asked for: malformed, cut short, or for another request.

    Raised by qml-s7's own parsing around python-snap7's; ``code`` is the nearest client error.
    """

    def __init__(self, message: str, code: ClientError = ClientError.InvalidPlcAnswer) -> None:
        super().__init__(message)
        self.code = code


class ItemRefused(S7ProtocolError):
    """The PLC refused one item of a request; ``return_code`` is the S7 item return code."""

    def __init__(self, message: str, return_code: int | None) -> None:
        super().__init__(message)
        self.return_code = return_code  # None: the PLC refused without an item return code


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

# S7 header errors (error class << 8 | error code) with a nearer code than FunctionRefused.
_HEADER_ERRORS = {
    0x8104: ClientError.FunNotAvailable,  # context not supported: an unknown function
    0x8500: ClientError.SizeOverPDU,  # the PDU size was exceeded
    0xD209: ClientError.ItemNotAvailable,  # the block does not exist
    0xD20E: ClientError.ItemNotAvailable,
}

# The code of a broken link, by what was being done: connecting, or a request whose frame
# did or did not go out.
_LINK_CODES = {
    Operation.CONNECT: ClientError.ConnectError,
    Operation.HANDSHAKE: ClientError.ConnectError,
    Operation.NEGOTIATE: ClientError.NegotiatingPDU,
}
_CONNECTING = frozenset({Operation.CONNECT, Operation.HANDSHAKE, Operation.NEGOTIATE})


def item_error(return_code: int) -> ClientError:
    """The client error nearest to an S7 item return code."""
    return _ITEM_RETURN_CODES.get(return_code, ClientError.InvalidPlcAnswer)


def interpret(exc: BaseException, operation: Operation, *, sent: bool) -> Failure | None:
    """The failure ``exc`` means for ``operation``; None when it is a bug of ours.

    ``sent``: the request's frame went out in full (a write may then have been carried out).
    The text is the cause alone; callers say what failed and where.
    """
    unknown = Outcome.UNKNOWN if sent else Outcome.NOT_SENT
    if isinstance(exc, ItemRefused):
        code = ClientError.FunctionRefused
        if exc.return_code is not None:
            code = item_error(exc.return_code)
        return Failure(code, str(exc), Outcome.REFUSED)
    if isinstance(exc, AnswerError):
        code = ClientError.NegotiatingPDU if operation is Operation.NEGOTIATE else exc.code
        return Failure(code, str(exc), unknown, link_lost=operation in _CONNECTING)
    if isinstance(exc, S7TimeoutError | TimeoutError):
        return Failure(ClientError.JobTimeout, str(exc) or "timeout", unknown, link_lost=True)
    if isinstance(exc, S7ProtocolError):
        if operation in _CONNECTING:
            return Failure(_LINK_CODES[operation], str(exc), unknown, link_lost=True)
        if exc.error_code:  # a well-formed S7 error answer: the PLC said no
            code = _HEADER_ERRORS.get(exc.error_code, ClientError.FunctionRefused)
            return Failure(code, str(exc), Outcome.REFUSED)
        return Failure(ClientError.InvalidPlcAnswer, str(exc), unknown)
    if isinstance(exc, S7ConnectionError | OSError):
        code = _LINK_CODES.get(operation)
        if code is None:
            code = ClientError.RecvPacket if sent else ClientError.SendPacket
        return Failure(code, str(exc) or type(exc).__name__, unknown, link_lost=True)
    return None
