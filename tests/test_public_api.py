"""The public names match API.md's "Package layout of the public names" table.

One row per module: the names it must export (in ``__all__`` and as attributes). A row
whose module does not exist yet is skipped with the reason; add a row when API.md grows.
"""

from __future__ import annotations

import importlib
from types import ModuleType

import pytest

# API.md, "Package layout of the public names".
TABLE: dict[str, tuple[str, ...]] = {
    "rillet": (
        "Readable",
        "Writable",
        "Duplex",
        "Transform",
        "PassThrough",
        "Stream",
        "EventEmitter",
        "once",
        "pipeline",
        "finished",
        "compose",
        "add_abort_signal",
        "duplex_pair",
        "get_default_high_water_mark",
        "set_default_high_water_mark",
        "AbortController",
        "AbortSignal",
        "errors",
    ),
    # "every exception the library raises or emits", with AbortError for 'ABORT_ERR'.
    "rillet.errors": (
        "RilletError",
        "AbortError",
        "NodeError",
        "NodeTypeError",
        "NodeRangeError",
        "NodeSystemError",
        "ZlibError",
        "CODES",
        "new_error",
        "system_error",
    ),
    "rillet.fs": ("create_read_stream", "create_write_stream", "ReadStream", "WriteStream", "open"),
    "rillet.net": ("create_server", "connect", "create_connection", "Server", "Socket"),
    "rillet.http": (
        "create_server",
        "request",
        "get",
        "fetch",
        "Agent",
        "Server",
        "IncomingMessage",
        "ServerResponse",
        "ClientRequest",
        "STATUS_CODES",
        "METHODS",
    ),
    "rillet.https": ("create_server", "request", "get"),
    "rillet.zlib": (
        "create_gzip",
        "create_gunzip",
        "create_deflate",
        "create_inflate",
        "create_deflate_raw",
        "create_inflate_raw",
        "create_unzip",
        "create_brotli_compress",
        "create_brotli_decompress",
        "create_zstd_compress",
        "create_zstd_decompress",
    ),
    "rillet.process": ("stdin", "stdout", "stderr"),
    "rillet.child_process": ("spawn", "ChildProcess"),
    "rillet.consumers": ("buffer", "text", "json"),
    "rillet.web": (
        "ReadableStream",
        "WritableStream",
        "TransformStream",
        "ReadableStreamDefaultReader",
        "ReadableStreamBYOBReader",
        "ReadableStreamBYOBRequest",
        "WritableStreamDefaultWriter",
        "ReadableStreamDefaultController",
        "ReadableByteStreamController",
        "WritableStreamDefaultController",
        "TransformStreamDefaultController",
        "ByteLengthQueuingStrategy",
        "CountQueuingStrategy",
        "TextEncoderStream",
        "TextDecoderStream",
        "CompressionStream",
        "DecompressionStream",
    ),
    "rillet.static": ("serve_static",),
}

# Helpers the project's code imports from rillet.errors (not in API.md's table).
ERROR_HELPERS = ("from_os_error", "invalid_arg_type", "invalid_arg_value", "out_of_range")


def load(name: str) -> ModuleType:
    """Import ``name``, or skip the test when that module does not exist yet."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (exc.name == name or name.startswith(exc.name + ".")):
            pytest.skip(f"{name} does not exist yet (API.md lists it)")
        raise


def rows() -> list[object]:
    params: list[object] = []
    for module, names in TABLE.items():
        params.append(pytest.param(module, names, id=module))
    return params


@pytest.mark.parametrize(("module_name", "names"), rows())
def test_module_exports_the_names_of_the_table(module_name: str, names: tuple[str, ...]) -> None:
    module = load(module_name)
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{module_name} has no __all__"
    assert [n for n in names if n not in exported] == [], f"missing from {module_name}.__all__"
    assert [n for n in names if not hasattr(module, n)] == []


@pytest.mark.parametrize("module_name", list(TABLE))
def test_every_name_in_all_exists(module_name: str) -> None:
    module = load(module_name)
    dangling = [n for n in getattr(module, "__all__", ()) if not hasattr(module, n)]
    assert dangling == []


def test_errors_is_the_errors_module() -> None:
    import rillet

    assert rillet.errors is importlib.import_module("rillet.errors")


def test_the_error_helpers_are_importable() -> None:
    errors = load("rillet.errors")
    assert [n for n in ERROR_HELPERS if not callable(getattr(errors, n, None))] == []


def test_every_error_code_has_node_class_message_and_base() -> None:
    from rillet.errors import CODES, RilletError, new_error

    builtin_for = {"TypeError": TypeError, "RangeError": ValueError}
    for code, (cls, _template) in CODES.items():
        err = new_error(code, "a", "b", "c", "d")
        assert err.code == code
        assert isinstance(err, RilletError) and isinstance(err, cls)
        assert str(err) == err.message and err.message
        expected = builtin_for.get(cls.name)
        if expected is not None:
            assert isinstance(err, expected), code


def test_abort_error_is_the_class_for_abort_err() -> None:
    from rillet.errors import AbortError, RilletError, new_error

    err = new_error("ABORT_ERR")
    assert type(err) is AbortError and err.code == "ABORT_ERR"
    assert isinstance(err, RilletError)
    assert AbortError().code == "ABORT_ERR"


def test_system_errors_are_os_errors_with_errno_and_syscall() -> None:
    from rillet.errors import NodeSystemError, from_os_error

    err = from_os_error(FileNotFoundError(2, "No such file or directory"), "open", path="/x")
    assert isinstance(err, NodeSystemError) and isinstance(err, OSError)
    assert err.code == "ENOENT" and err.syscall == "open" and err.errno == 2  # type: ignore[attr-defined]
    assert str(err) == err.message
