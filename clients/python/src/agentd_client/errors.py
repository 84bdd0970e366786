"""Typed exceptions: one class per wire error code, plus the client's own failures.

Every failed reply ``{"ok": false, "error": {"code": ..., "message": ...}}`` is raised as
the subclass of :class:`AgentdError` named after its code (``not_found`` ->
:class:`NotFound`). Program against the class (or ``.code``), never against the message
text, which is written for a person.

A code this client does not know (a newer agentd) is raised as :class:`AgentdError`
itself with ``.code`` set, so new codes never crash an older client.
"""

from typing import Any, Dict, Optional, Type


class AgentdError(Exception):
    """Base class of every error this package raises.

    Attributes:
        code: the wire error code (``"not_found"``), or ``None`` for client-side failures.
        message: the server's text for a person (names the offending field).
        reply: the whole reply frame, when the error came from a reply.
    """

    #: The wire code this class stands for (``None`` for client-side errors).
    wire_code: Optional[str] = None
    #: True when retrying the same request later may succeed.
    retryable: bool = False

    def __init__(self, message: str = "", code: Optional[str] = None,
                 reply: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(message if code is None else "%s: %s" % (code, message))
        self.code: Optional[str] = code if code is not None else self.wire_code
        self.message: str = message
        self.reply: Optional[Dict[str, Any]] = reply


class BadJson(AgentdError):
    """``bad_json``: the frame was not a JSON object (or not valid UTF-8)."""

    wire_code = "bad_json"


class BadRequest(AgentdError):
    """``bad_request``: a field is missing, of the wrong type or out of range."""

    wire_code = "bad_request"


class UnknownOp(AgentdError):
    """``unknown_op``: the server does not know this op."""

    wire_code = "unknown_op"


class FrameTooLarge(AgentdError):
    """``frame_too_large``: the request line exceeded ``max_frame_bytes``; agentd closed the connection."""

    wire_code = "frame_too_large"


class Unauthenticated(AgentdError):
    """``unauthenticated``: no successful ``hello`` yet, or a missing/wrong token."""

    wire_code = "unauthenticated"


class Forbidden(AgentdError):
    """``forbidden``: the session's role may not do this, or it claimed another agent's id."""

    wire_code = "forbidden"


class NotFound(AgentdError):
    """``not_found``: an unknown task id, an unregistered agent, and similar look-ups."""

    wire_code = "not_found"


class Unavailable(AgentdError):
    """``unavailable``: agentd could not reach its store in time. The request may or may not
    have taken effect; a ``send`` retried with the same ``message_id`` is never stored twice."""

    wire_code = "unavailable"
    retryable = True


class Overloaded(AgentdError):
    """``overloaded``: a limit was hit (connections, in-flight, queue size); retry later."""

    wire_code = "overloaded"
    retryable = True


class Internal(AgentdError):
    """``internal``: a bug in agentd (details are in agentd's log only)."""

    wire_code = "internal"


class ConnectionLost(AgentdError):
    """The connection closed (or could not be opened) before the reply arrived.

    Like ``unavailable``, the request may or may not have taken effect. ``bye_reason`` is
    the reason of the ``{"event": "bye"}`` agentd sent before closing, if it sent one.
    """

    retryable = True

    def __init__(self, message: str = "connection lost", bye_reason: Optional[str] = None) -> None:
        super().__init__(message)
        self.bye_reason: Optional[str] = bye_reason


class RequestTimeout(AgentdError, TimeoutError):
    """No reply within the read timeout. The request may still take effect."""

    retryable = True


class ProtocolError(AgentdError):
    """The server sent something this client cannot make sense of (not JSON, not an object)."""


#: wire code -> exception class, for every code of the protocol's Errors table.
ERROR_CLASSES: Dict[str, Type[AgentdError]] = {
    str(cls.wire_code): cls
    for cls in (BadJson, BadRequest, UnknownOp, FrameTooLarge, Unauthenticated, Forbidden,
                NotFound, Unavailable, Overloaded, Internal)
}


def error_from_reply(reply: Dict[str, Any]) -> AgentdError:
    """Build the exception for a failed reply frame (``ok`` false).

    Args:
        reply: the reply frame as decoded from the wire.
    Returns:
        an instance of the class for ``reply["error"]["code"]``; :class:`AgentdError`
        for a code this client does not know.
    """
    err = reply.get("error")
    if not isinstance(err, dict):
        return ProtocolError("failed reply without an error object: %r" % (reply,), reply=reply)
    code = err.get("code")
    text = err.get("message")
    message = text if isinstance(text, str) else ""
    cls = ERROR_CLASSES.get(code) if isinstance(code, str) else None
    if cls is None:
        return AgentdError(message, code=str(code), reply=reply)
    return cls(message, code=code, reply=reply)
