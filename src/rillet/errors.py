"""Every exception rillet raises or emits.

Each error carries Node's ``.code`` string and a ``.message`` with Node's text
(``str(err) == err.message``), derives from :class:`RilletError`, and from the
Python builtin matching Node's class:

==================  ==========================  =======================================
Node class          rillet class                also an instance of
==================  ==========================  =======================================
Error               :class:`NodeError`          ``Exception``
TypeError           :class:`NodeTypeError`      ``TypeError``
RangeError          :class:`NodeRangeError`     ``ValueError``
SystemError         :class:`NodeSystemError`    ``OSError`` (and ``FileNotFoundError``,
                                                ``ConnectionResetError``... by errno)
AbortError          :class:`AbortError`         ``Exception``
DOMException        :class:`AbortTimeoutError`  ``TimeoutError`` (``AbortSignal.timeout``)
==================  ==========================  =======================================

Errors are made with :func:`new_error`, which looks the code up in :data:`CODES`
(Node's class and message template for every code rillet produces). Code that
checks for an error should test ``err.code``; the classes exist for ``except``.
"""

from __future__ import annotations

import errno as _errno
import os
from typing import Any, ClassVar

__all__ = [
    "CODES",
    "AbortError",
    "AbortTimeoutError",
    "NodeError",
    "NodeRangeError",
    "NodeSystemError",
    "NodeTypeError",
    "RilletError",
    "ZlibError",
    "describe",
    "from_os_error",
    "invalid_arg_type",
    "invalid_arg_value",
    "new_error",
    "out_of_range",
    "system_error",
]


class RilletError(Exception):
    """Base of every rillet error: ``code``, ``message`` and an optional ``cause``."""

    code: str
    name: ClassVar[str] = "Error"

    def __init__(self, message: str = "", *, code: str = "", cause: BaseException | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if cause is not None:
            self.__cause__ = cause

    @property
    def cause(self) -> BaseException | None:
        """Node's ``err.cause``: the error this one wraps, if any."""
        return self.__cause__

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, code={self.code!r})"


class NodeError(RilletError):
    """Node's plain ``Error`` with a code."""

    code = "ERR_GENERIC"


class NodeTypeError(RilletError, TypeError):
    """Node's ``TypeError`` (bad argument types or values)."""

    name = "TypeError"
    code = "ERR_INVALID_ARG_TYPE"


class NodeRangeError(RilletError, ValueError):
    """Node's ``RangeError`` (a value out of its allowed range)."""

    name = "RangeError"
    code = "ERR_OUT_OF_RANGE"


class AbortError(RilletError):
    """An operation cancelled by an ``AbortSignal``, a ``break`` or a task cancellation.

    ``code`` is always ``'ABORT_ERR'``; ``cause`` is the signal's reason when there is one.
    """

    name = "AbortError"
    code = "ABORT_ERR"

    def __init__(
        self, message: str = "The operation was aborted", *, cause: BaseException | None = None
    ) -> None:
        super().__init__(message, cause=cause)


class AbortTimeoutError(RilletError, TimeoutError):
    """The reason of an ``AbortSignal.timeout()`` signal (Node's ``TimeoutError`` DOMException)."""

    name = "TimeoutError"
    code = "ABORT_ERR"

    def __init__(
        self, message: str = "The operation was aborted due to timeout", **kwargs: Any
    ) -> None:
        super().__init__(message, **kwargs)


class ZlibError(NodeError):
    """A compression or decompression failure (``Z_DATA_ERROR``, ``Z_BUF_ERROR``...),
    with the engine's ``errno`` (zlib's -3 for ``Z_DATA_ERROR``, -5 for ``Z_BUF_ERROR``)."""

    code = "Z_DATA_ERROR"
    errno: int = -3


class NodeSystemError(RilletError, OSError):
    """An operating-system error: ``code`` is the errno name (``'ENOENT'``), with ``errno``,
    ``syscall`` and, where one applies, ``path``/``dest`` or ``address``/``port``.

    Instances are also instances of the matching builtin ``OSError`` subclass, so
    ``except FileNotFoundError`` catches a rillet ``ENOENT``.
    """

    name = "Error"
    code = "EIO"
    syscall: str
    path: str | None
    address: str | None
    port: int | None

    def __init__(self, message: str, *, errno: int, code: str, syscall: str, **extra: Any):
        # RilletError.__init__ reaches OSError.__init__ with the message alone, which
        # clears errno: set errno and strerror after it.
        RilletError.__init__(self, message, code=code)
        OSError.__init__(self, errno, message)
        self.syscall = syscall
        self.path = extra.pop("path", None)
        self.address = extra.pop("address", None)
        self.port = extra.pop("port", None)
        for key, value in extra.items():
            setattr(self, key, value)

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        # The errno-specific classes are made at run time: rebuild through the factory.
        return (_restore_system_error, (self.errno, dict(self.__dict__)))


_BUILTIN_BY_ERRNO: dict[int, type[OSError]] = {
    _errno.ENOENT: FileNotFoundError,
    _errno.EEXIST: FileExistsError,
    _errno.EISDIR: IsADirectoryError,
    _errno.ENOTDIR: NotADirectoryError,
    _errno.EACCES: PermissionError,
    _errno.EPERM: PermissionError,
    _errno.ECONNREFUSED: ConnectionRefusedError,
    _errno.ECONNRESET: ConnectionResetError,
    _errno.ECONNABORTED: ConnectionAbortedError,
    _errno.EPIPE: BrokenPipeError,
    _errno.ETIMEDOUT: TimeoutError,
    _errno.EAGAIN: BlockingIOError,
    _errno.EINTR: InterruptedError,
    _errno.ECHILD: ChildProcessError,
    _errno.ESRCH: ProcessLookupError,
}
_SYSTEM_CLASSES: dict[int, type[NodeSystemError]] = {}


def _system_class(errno: int) -> type[NodeSystemError]:
    builtin = _BUILTIN_BY_ERRNO.get(errno)
    if builtin is None:
        return NodeSystemError
    cls = _SYSTEM_CLASSES.get(errno)
    if cls is None:
        cls = type(f"NodeSystemError_{builtin.__name__}", (NodeSystemError, builtin), {})
        _SYSTEM_CLASSES[errno] = cls
    return cls


def _restore_system_error(errno: int, state: dict[str, Any]) -> NodeSystemError:
    err = _system_class(errno)(
        state["message"], errno=errno, code=state["code"], syscall=state["syscall"]
    )
    err.__dict__.update(state)
    return err


def system_error(
    errno: int, syscall: str, *, path: str | None = None, message: str | None = None, **extra: Any
) -> NodeSystemError:
    """Make Node's system error for ``errno`` raised by ``syscall``.

    The message reads like Node's: ``"ENOENT: no such file or directory, open 'x'"``.
    """
    code = _errno.errorcode.get(errno, "EUNKNOWN")
    if message is None:
        message = f"{code}: {os.strerror(errno).lower()}, {syscall}"
        if path is not None:
            message += f" '{path}'"
    return _system_class(errno)(
        message, errno=errno, code=code, syscall=syscall, path=path, **extra
    )


def from_os_error(err: OSError, syscall: str, *, path: str | None = None) -> RilletError:
    """Wrap a Python ``OSError`` as Node's system error (keeps it if it already is one)."""
    if isinstance(err, RilletError):
        return err
    if err.errno is None:
        return NodeError(str(err), code="EIO")
    made = system_error(err.errno, syscall, path=path)
    made.__cause__ = err
    return made


# Node's class and message template for each code rillet produces. ``{0}``, ``{1}``...
# are filled from new_error's positional arguments.
CODES: dict[str, tuple[type[RilletError], str]] = {
    "ERR_STREAM_PUSH_AFTER_EOF": (NodeError, "stream.push() after EOF"),
    "ERR_STREAM_UNSHIFT_AFTER_END_EVENT": (NodeError, "stream.unshift() after end event"),
    "ERR_STREAM_WRITE_AFTER_END": (NodeError, "write after end"),
    "ERR_STREAM_DESTROYED": (NodeError, "Cannot call {0} after a stream was destroyed"),
    "ERR_STREAM_ALREADY_FINISHED": (NodeError, "Cannot call {0} after a stream was finished"),
    "ERR_STREAM_NULL_VALUES": (NodeTypeError, "May not write null values to stream"),
    "ERR_STREAM_PREMATURE_CLOSE": (NodeError, "Premature close"),
    "ERR_STREAM_CANNOT_PIPE": (NodeError, "Cannot pipe, not readable"),
    "ERR_STREAM_UNABLE_TO_PIPE": (NodeError, "Cannot pipe to a closed or destroyed stream"),
    "ERR_MULTIPLE_CALLBACK": (NodeError, "Callback called multiple times"),
    "ERR_METHOD_NOT_IMPLEMENTED": (NodeError, "The {0} method is not implemented"),
    "ERR_INVALID_ARG_TYPE": (NodeTypeError, "The {0} argument must be {1}. Received {2}"),
    "ERR_INVALID_ARG_VALUE": (NodeTypeError, "The {0} '{1}' is invalid. Received {2}"),
    "ERR_INVALID_RETURN_VALUE": (
        NodeTypeError,
        "Expected {0} to be returned from the {1} function but got {2}.",
    ),
    "ERR_MISSING_ARGS": (NodeTypeError, "The {0} argument must be specified"),
    "ERR_UNKNOWN_ENCODING": (NodeTypeError, "Unknown encoding: {0}"),
    "ERR_OUT_OF_RANGE": (
        NodeRangeError,
        'The value of "{0}" is out of range. It must be {1}. Received {2}',
    ),
    "ERR_ILLEGAL_CONSTRUCTOR": (NodeTypeError, "Illegal constructor"),
    "ERR_INVALID_STATE": (NodeError, "Invalid state: {0}"),
    "ERR_INVALID_THIS": (NodeTypeError, 'Value of "this" must be of type {0}'),
    "ERR_UNHANDLED_ERROR": (NodeError, "Unhandled error. ({0})"),
    "ERR_BUFFER_TOO_LARGE": (NodeRangeError, "Cannot create a Buffer larger than {0} bytes"),
    "ERR_INVALID_CHAR": (NodeTypeError, 'Invalid character in {0} ["{1}"]'),
    "ERR_INVALID_HTTP_TOKEN": (NodeTypeError, '{0} must be a valid HTTP token ["{1}"]'),
    "ERR_HTTP_INVALID_HEADER_VALUE": (NodeTypeError, 'Invalid value "{0}" for header "{1}"'),
    "ERR_HTTP_HEADERS_SENT": (NodeError, "Cannot {0} headers after they are sent to the client"),
    "ERR_HTTP_INVALID_STATUS_CODE": (NodeRangeError, "Invalid status code: {0}"),
    "ERR_HTTP_CONTENT_LENGTH_MISMATCH": (
        NodeError,
        "Response body's content-length of {0} byte(s) does not match the "
        "content-length of {1} byte(s) set in header",
    ),
    "ERR_HTTP_SOCKET_ASSIGNED": (
        NodeError,
        "ServerResponse has an already assigned socket",
    ),
    "ERR_HTTP_BODY_NOT_ALLOWED": (
        NodeError,
        "Adding content for this request method or response status is not allowed.",
    ),
    "ERR_HTTP_REQUEST_TIMEOUT": (NodeError, "Request timeout"),
    "ERR_INVALID_URL": (NodeTypeError, "Invalid URL"),
    "ERR_INVALID_PROTOCOL": (NodeTypeError, 'Protocol "{0}" not supported. Expected "{1}"'),
    "ERR_UNESCAPED_CHARACTERS": (NodeTypeError, "{0} contains unescaped characters"),
    # fetch()'s network error: undici's TypeError('fetch failed'), the reason in .cause.
    "ERR_FETCH_FAILED": (NodeTypeError, "fetch failed"),
    "ERR_SERVER_ALREADY_LISTEN": (
        NodeError,
        "Listen method has been called more than once without closing.",
    ),
    "ERR_SERVER_NOT_RUNNING": (NodeError, "Server is not running."),
    "ERR_SOCKET_CLOSED": (NodeError, "Socket is closed"),
    "ERR_SOCKET_BAD_PORT": (
        NodeRangeError,
        "{0} should be >= 0 and < 65536. Received {1}.",
    ),
    "ERR_SOCKET_CONNECTION_TIMEOUT": (NodeError, "Socket connection timeout"),
    "ERR_ZLIB_INITIALIZATION_FAILED": (NodeError, "Initialization failed"),
    "ERR_BROTLI_INVALID_PARAM": (NodeRangeError, "{0} is not a valid Brotli parameter"),
    "ERR_ZSTD_INVALID_PARAM": (NodeRangeError, "{0} is not a valid zstd parameter"),
    "ERR_CHILD_PROCESS_STDIO_MAXBUFFER": (NodeRangeError, "{0} maxBuffer length exceeded"),
    "ERR_UNKNOWN_SIGNAL": (NodeTypeError, "Unknown signal: {0}"),
    "ECONNRESET": (NodeError, "{0}"),
    "Z_DATA_ERROR": (ZlibError, "{0}"),
    "Z_BUF_ERROR": (ZlibError, "{0}"),
    "Z_STREAM_ERROR": (ZlibError, "{0}"),
}


def new_error(code: str, *args: object, cause: BaseException | None = None) -> RilletError:
    """Make the error for ``code`` with Node's class and message, filled with ``args``.

    >>> str(new_error("ERR_STREAM_DESTROYED", "write"))
    'Cannot call write after a stream was destroyed'
    """
    if code == "ABORT_ERR":
        return AbortError(cause=cause)
    cls, template = CODES[code]
    return cls(template.format(*args), code=code, cause=cause)


def describe(value: object) -> str:
    """Node's ``Received ...`` text for a value in an argument error."""
    if value is None:
        return "None"
    if isinstance(value, bool | int | float):
        return f"type {type(value).__name__} ({value!r})"
    if isinstance(value, str):
        text = value if len(value) <= 25 else value[:25] + "..."
        return f"type str ({text!r})"
    if callable(value):
        return f"function {getattr(value, '__name__', '<anonymous>')}"
    return f"an instance of {type(value).__name__}"


def invalid_arg_type(name: str, expected: str, value: object) -> RilletError:
    """``ERR_INVALID_ARG_TYPE`` for argument ``name`` that should be ``expected``."""
    return new_error("ERR_INVALID_ARG_TYPE", f'"{name}"', expected, describe(value))


def invalid_arg_value(name: str, value: object, *, kind: str = "argument") -> RilletError:
    """``ERR_INVALID_ARG_VALUE`` (``kind`` is ``'argument'`` or ``'property'``)."""
    return new_error("ERR_INVALID_ARG_VALUE", kind, name, repr(value))


def out_of_range(name: str, allowed: str, value: object) -> RilletError:
    """``ERR_OUT_OF_RANGE`` for ``name`` that must be ``allowed``."""
    return new_error("ERR_OUT_OF_RANGE", name, allowed, repr(value))
