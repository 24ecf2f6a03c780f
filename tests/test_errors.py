"""rillet.errors: Node's codes, messages and classes, mapped onto Python's builtins."""

from __future__ import annotations

import errno
import pickle

import pytest

from rillet import errors
from rillet.errors import (
    CODES,
    AbortError,
    AbortTimeoutError,
    NodeError,
    NodeRangeError,
    NodeSystemError,
    NodeTypeError,
    RilletError,
    ZlibError,
    from_os_error,
    invalid_arg_type,
    invalid_arg_value,
    new_error,
    out_of_range,
    system_error,
)


@pytest.mark.parametrize(
    ("cls", "builtin"),
    [
        (NodeError, Exception),
        (NodeTypeError, TypeError),
        (NodeRangeError, ValueError),
        (NodeSystemError, OSError),
        (AbortError, Exception),
        (AbortTimeoutError, TimeoutError),
        (ZlibError, NodeError),
    ],
)
def test_each_class_derives_from_the_matching_builtin(cls: type, builtin: type) -> None:
    assert issubclass(cls, RilletError)
    assert issubclass(cls, builtin)


def test_type_and_range_errors_are_not_plain_errors() -> None:
    assert not issubclass(NodeError, TypeError | ValueError)
    assert not issubclass(NodeTypeError, ValueError)
    assert not issubclass(NodeRangeError, TypeError)


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_code_builds_an_error_with_its_code(code: str) -> None:
    err = new_error(code, "a", "b", "c")
    cls, _template = CODES[code]
    assert type(err) is cls
    assert err.code == code
    assert str(err) == err.message
    assert "{" not in err.message


@pytest.mark.parametrize(
    ("code", "args", "cls", "message"),
    [
        ("ERR_STREAM_WRITE_AFTER_END", (), NodeError, "write after end"),
        (
            "ERR_STREAM_DESTROYED",
            ("write",),
            NodeError,
            "Cannot call write after a stream was destroyed",
        ),
        (
            "ERR_STREAM_ALREADY_FINISHED",
            ("end",),
            NodeError,
            "Cannot call end after a stream was finished",
        ),
        ("ERR_STREAM_NULL_VALUES", (), NodeTypeError, "May not write null values to stream"),
        ("ERR_STREAM_PUSH_AFTER_EOF", (), NodeError, "stream.push() after EOF"),
        ("ERR_STREAM_PREMATURE_CLOSE", (), NodeError, "Premature close"),
        ("ERR_MULTIPLE_CALLBACK", (), NodeError, "Callback called multiple times"),
        (
            "ERR_METHOD_NOT_IMPLEMENTED",
            ("_write()",),
            NodeError,
            "The _write() method is not implemented",
        ),
        ("ERR_UNKNOWN_ENCODING", ("utf-9",), NodeTypeError, "Unknown encoding: utf-9"),
        ("ERR_STREAM_CANNOT_PIPE", (), NodeError, "Cannot pipe, not readable"),
    ],
)
def test_stream_codes_have_nodes_class_and_message(
    code: str, args: tuple[str, ...], cls: type, message: str
) -> None:
    err = new_error(code, *args)
    assert type(err) is cls
    assert err.message == message
    assert str(err) == message


def test_abort_error() -> None:
    err = new_error("ABORT_ERR")
    assert isinstance(err, AbortError)
    assert err.code == "ABORT_ERR"
    assert err.name == "AbortError"
    assert str(err) == err.message == "The operation was aborted"
    reason = ValueError("why")
    wrapped = AbortError(cause=reason)
    assert wrapped.cause is reason
    assert wrapped.__cause__ is reason


def test_abort_timeout_error() -> None:
    err = AbortTimeoutError()
    assert err.code == "ABORT_ERR"
    assert err.name == "TimeoutError"
    assert str(err) == "The operation was aborted due to timeout"


def test_cause_keyword() -> None:
    root = OSError("root")
    err = new_error("ERR_STREAM_PREMATURE_CLOSE", cause=root)
    assert err.cause is root
    assert new_error("ERR_STREAM_PREMATURE_CLOSE").cause is None


def test_repr_shows_the_code() -> None:
    assert repr(new_error("ERR_STREAM_WRITE_AFTER_END")) == (
        "NodeError('write after end', code='ERR_STREAM_WRITE_AFTER_END')"
    )


def test_unknown_code_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        new_error("ERR_NOT_A_REAL_CODE")


def test_system_error_enoent_is_a_file_not_found_error() -> None:
    err = system_error(errno.ENOENT, "open", path="x")
    assert isinstance(err, FileNotFoundError)
    assert isinstance(err, NodeSystemError)
    assert isinstance(err, RilletError)
    assert err.code == "ENOENT"
    assert err.errno == errno.ENOENT
    assert err.syscall == "open"
    assert err.path == "x"
    assert str(err) == err.message == "ENOENT: no such file or directory, open 'x'"
    with pytest.raises(FileNotFoundError):
        raise err


@pytest.mark.parametrize(
    ("number", "builtin"),
    [
        (errno.EEXIST, FileExistsError),
        (errno.EISDIR, IsADirectoryError),
        (errno.ENOTDIR, NotADirectoryError),
        (errno.EACCES, PermissionError),
        (errno.EPERM, PermissionError),
        (errno.ECONNREFUSED, ConnectionRefusedError),
        (errno.ECONNRESET, ConnectionResetError),
        (errno.EPIPE, BrokenPipeError),
        (errno.ETIMEDOUT, TimeoutError),
    ],
)
def test_system_errors_map_to_builtin_os_errors(number: int, builtin: type) -> None:
    err = system_error(number, "read")
    assert isinstance(err, builtin)
    assert err.code == errno.errorcode[number]
    assert err.path is None
    assert str(err).startswith(f"{errno.errorcode[number]}: ")


def test_system_error_without_a_specific_builtin() -> None:
    err = system_error(errno.EMFILE, "open")
    assert type(err) is NodeSystemError
    assert isinstance(err, OSError)
    assert err.code == "EMFILE"


def test_system_error_extra_fields() -> None:
    err = system_error(errno.ECONNREFUSED, "connect", address="127.0.0.1", port=9)
    assert (err.address, err.port) == ("127.0.0.1", 9)
    custom = system_error(errno.EIO, "write", message="custom text", dest="y")
    assert str(custom) == "custom text"
    assert custom.dest == "y"  # type: ignore[attr-defined]


def test_from_os_error_wraps_and_keeps_the_cause() -> None:
    original = FileNotFoundError(errno.ENOENT, "No such file", "missing.txt")
    err = from_os_error(original, "open", path="missing.txt")
    assert isinstance(err, FileNotFoundError)
    assert err.code == "ENOENT"
    assert err.__cause__ is original
    assert from_os_error(err, "open") is err  # already a rillet error: unchanged


def test_from_os_error_without_errno() -> None:
    err = from_os_error(OSError("no errno"), "read")
    assert isinstance(err, NodeError)
    assert err.code == "EIO"


def test_argument_error_helpers() -> None:
    type_error = invalid_arg_type("chunk", "of type bytes", 3)
    assert isinstance(type_error, TypeError)
    assert type_error.code == "ERR_INVALID_ARG_TYPE"
    assert str(type_error) == 'The "chunk" argument must be of type bytes. Received type int (3)'
    value_error = invalid_arg_value("options.high_water_mark", -1, kind="property")
    assert isinstance(value_error, TypeError)
    assert value_error.code == "ERR_INVALID_ARG_VALUE"
    assert str(value_error) == "The property 'options.high_water_mark' is invalid. Received -1"
    range_error = out_of_range("size", "<= 1GiB", 2**31)
    assert isinstance(range_error, ValueError)
    assert range_error.code == "ERR_OUT_OF_RANGE"


def test_errors_pickle_round_trip() -> None:
    err = new_error("ERR_STREAM_DESTROYED", "write")
    copy = pickle.loads(pickle.dumps(err))
    assert type(copy) is NodeError
    assert copy.code == err.code
    assert str(copy) == str(err)
    system = system_error(errno.ENOENT, "open", path="x")
    restored = pickle.loads(pickle.dumps(system))
    assert isinstance(restored, FileNotFoundError)
    assert (restored.code, restored.errno, restored.syscall, restored.path) == (
        "ENOENT",
        errno.ENOENT,
        "open",
        "x",
    )
    assert str(restored) == str(system)


def test_module_exports() -> None:
    for name in errors.__all__:
        assert hasattr(errors, name)
