"""The write requests an S7Gateway takes from panels, and the answer each gets.

A request (``cmd/write``) is answered on its reply topic once its outcome is known, never
sooner: ``confirmed`` after the variable's PLC confirmed the write, ``refused``, ``unknown``
or ``not_sent`` after it did not (S7Variable's ``writeFinished`` says which), ``invalid`` when
the value does not fit the variable's type (its own encoder says so; nothing is sent),
``not_writable``, ``unknown_tag`` and ``bad_request`` at once. A request whose id came before
is never written again: the ledger answers it with the first one's answer, or when that comes.
Answers go to reply topics of this gateway only (``.../reply/<panel>``): a request that names
another topic is ignored, written nowhere and answered nowhere.

With ``audit`` on and an S7History open, every request is in the audit trail: those that reach
a variable through the variable itself, under the request's user; those refused before it
here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

import shiboken6
from PySide6.QtCore import QObject

from ..gateway import messages
from ..gateway.messages import Outcome, WriteRequest, WriteResponse
from ..gateway.topics import Topics
from ..gateway.writes import Admission, WriteLedger
from ..history.journal import journal
from .dataobject import now_ms, plain_value
from .gatewaytags import Hooks, Tag, TagPublisher

log = logging.getLogger(__name__)

Answer = Callable[[str, bytes], None]  # (reply topic, payload): published, not retained


class WriteDesk(QObject):
    """Takes write requests, writes them through the tags' variables, answers each once."""

    def __init__(self, publisher: TagPublisher, answer: Answer, parent: QObject | None = None):
        super().__init__(parent)
        self._publisher = publisher
        self._answer = answer
        self._ledger = WriteLedger()
        self._tags: dict[str, Tag] = {}
        self._topics: Topics | None = None
        self._hooks = Hooks()
        self.destroyed.connect(self._hooks.clear)
        self._current: WriteRequest | None = None  # whose setData() is running
        self._sent: dict[tuple[int, int], WriteRequest] = {}  # (tag id, ticket) -> ...
        self.audit = True  # requests into the audit trail (when a history is open)
        self.client = ""  # the audit trail's ``client`` of requests refused here

    def use(self, tags: list[Tag], topics: Topics) -> None:
        """Take requests for these tags (those that are writable) from now on."""
        self.stop()
        self._topics = topics
        self._tags = {tag.name: tag for tag in tags}
        for tag in tags:
            if tag.writable:
                self._hooks.connect(tag.variable, "writeStarted", partial(self._started, tag))
                self._hooks.connect(tag.variable, "writeFinished", partial(self._finished, tag))

    def stop(self) -> None:
        """Take no more requests; writes in flight stay unanswered (their panels time out)."""
        self._hooks.clear()
        self._tags = {}
        self._sent.clear()

    # -- a request -------------------------------------------------------------------------
    def take(self, payload: bytes) -> None:
        """Handle one message of ``cmd/write``."""
        request = messages.parse_write_request(payload)
        if isinstance(request, messages.BadMessage):
            self._log("", None, None, Outcome.BAD_REQUEST, request.text, "")
            if request.reply and self._answerable(request.reply):
                answer = WriteResponse(request.id, Outcome.BAD_REQUEST, request.text)
                self._answer(request.reply, messages.encode_write_response(answer))
            return
        if not self._answerable(request.reply):
            return  # nothing written that cannot be answered
        ticket = self._ledger.admit(request.id, request.reply, (request.tag, repr(request.value)))
        if ticket.admission is Admission.PENDING:
            return  # answered with the first when that ends
        if ticket.admission is Admission.DONE:
            assert ticket.response is not None
            self._answer(request.reply, messages.encode_write_response(ticket.response))
            return
        if ticket.admission is Admission.CONFLICT:
            text = f"the id {request.id!r} was used for another write; nothing written"
            self._log(request.tag, None, request.value, Outcome.BAD_REQUEST, text, request.user)
            answer = WriteResponse(request.id, Outcome.BAD_REQUEST, text)
            self._answer(request.reply, messages.encode_write_response(answer))
            return
        tag = self._tags.get(request.tag)
        if tag is None:
            text = f'no tag "{request.tag}" is published by this gateway'
            self._finish(request, Outcome.UNKNOWN_TAG, text, audit=True)
        elif not tag.writable:
            text = f'"{request.tag}" is not writable through this gateway'
            self._finish(request, Outcome.NOT_WRITABLE, text, audit=True, tag=tag)
        else:
            self._write(tag, request)

    def _write(self, tag: Tag, request: WriteRequest) -> None:
        trail = journal()
        operator = trail.operator
        if self.audit and request.user:
            trail.operator = request.user  # the variable's audit row names who asked
        self._current = request
        try:
            tag.variable.setData(request.value)
        finally:
            self._current = None
            trail.operator = operator

    # -- what the variables say (S7Variable.writeStarted / writeFinished) ---------------------
    def _started(self, tag: Tag, ticket: int) -> None:
        request = self._current
        if request is None:
            return  # a write of the gateway's own QML, not of a panel
        self._sent[(id(tag), ticket)] = request
        self._publisher.hold(tag)

    def _finished(self, tag: Tag, ticket: int, outcome: str, text: str) -> None:
        if ticket == 0:  # ended before it was sent: during setData() of the current request
            request = self._current
            if request is not None:
                self._finish(request, outcome, text)
            return
        request = self._sent.pop((id(tag), ticket), None)
        if request is None:
            return
        self._publisher.release(tag)  # its value, written or not, goes out before the answer
        self._finish(request, outcome, text)

    # -- answers -----------------------------------------------------------------------------
    def _finish(
        self,
        request: WriteRequest,
        outcome: Outcome | str,
        text: str,
        *,
        audit: bool = False,
        tag: Tag | None = None,
    ) -> None:
        if audit:
            self._log(request.tag, tag, request.value, outcome, text, request.user)
        answer = WriteResponse(request.id, Outcome(outcome), text)
        payload = messages.encode_write_response(answer)
        for reply in self._ledger.finish(request.id, answer):
            self._answer(reply, payload)

    def _answerable(self, reply: str) -> bool:
        """Whether ``reply`` is a reply topic of this gateway: a request cannot make it
        publish anywhere else (over a tag's value, say)."""
        topics = self._topics
        if topics is not None and topics.is_reply(reply):
            return True
        log.warning("S7Gateway: a request to reply on %r is ignored: not a reply topic", reply)
        return False

    def _log(
        self, name: str, tag: Tag | None, value: Any, outcome: Outcome, text: str, user: str
    ) -> None:
        """A request refused before it reached a variable, in the audit trail."""
        trail = journal()
        if not self.audit or trail.store is None:
            return
        old = None
        if tag is not None and shiboken6.isValid(tag.variable):
            old = plain_value(tag.variable.data)
        trail.log_write(now_ms(), name, old, value, outcome.value, user or None, self.client, text)
