"""rillet.process stdin/stdout/stderr, exercised in real Python child processes."""

from __future__ import annotations

import asyncio
import os
import sys
import textwrap
from pathlib import Path
from typing import Any

import rillet
from rillet.child_process import spawn

PRELUDE = """\
import asyncio, os, sys, uvloop
import rillet
from rillet import process
"""


async def run_python(
    body: str, data: bytes = b"", stdio: list[Any] | None = None
) -> tuple[int | None, bytes, bytes]:
    """Run ``async def main()`` (``body``) in a child under this test's loop kind;
    feed it ``data``; give back its exit code, stdout and stderr."""
    runner = "uvloop" if "uvloop" in type(asyncio.get_running_loop()).__module__ else "asyncio"
    script = PRELUDE + "async def main():\n" + textwrap.indent(textwrap.dedent(body), "    ")
    script += f"\n{runner}.run(main())\n"
    child = spawn(sys.executable, ["-c", script], stdio=stdio or "pipe")
    closed = rillet.once(child, "close")
    if child.stdin is not None:
        child.stdin.end(data)

    async def collect(stream: Any) -> bytes:
        return b"".join([chunk async for chunk in stream]) if stream is not None else b""

    out, err = await asyncio.gather(collect(child.stdout), collect(child.stderr))
    code, _signal = await closed
    return code, out, err


async def test_pipeline_from_stdin_to_stdout_through_pipes() -> None:
    data = os.urandom(3 << 20)
    code, out, err = await run_python(
        """
        assert "stdin" not in vars(process)  # importing touched nothing
        await rillet.pipeline(process.stdin, process.stdout)
        assert os.get_blocking(0)  # the non-blocking mode stayed private
        print(type(process.stdin).__name__, file=sys.stderr)
        """,
        data,
    )
    assert (code, err) == (0, b"StdinPipe\n")
    assert out == data


async def test_stdin_from_a_regular_file(tmp_path: Path) -> None:
    path = tmp_path / "input.bin"
    content = os.urandom(200_000)
    path.write_bytes(content)
    fd = os.open(path, os.O_RDONLY)
    try:
        code, out, err = await run_python(
            """
            await rillet.pipeline(process.stdin, process.stdout)
            print(type(process.stdin).__name__, file=sys.stderr)
            """,
            stdio=[fd, "pipe", "pipe"],
        )
    finally:
        os.close(fd)
    assert (code, err) == (0, b"ReadStream\n")
    assert out == content


async def test_stdin_from_dev_null_ends_at_once() -> None:
    code, out, _err = await run_python(
        """
        chunks = await process.stdin.to_array()
        print(len(chunks))
        """,
        stdio=["ignore", "pipe", "pipe"],
    )
    assert (code, out) == (0, b"0\n")


async def test_print_and_stdout_write_keep_their_order() -> None:
    code, out, err = await run_python(
        """
        print("one")
        process.stdout.write("two\\n")
        print("three", end="")
        process.stdout.write(b"|four\\n")
        sys.stderr.write("e1\\n")
        process.stderr.write("e2\\n")
        print("five")
        assert process.stdout.is_stdio and not process.stdout.is_tty
        """
    )
    assert code == 0
    assert out == b"one\ntwo\nthree|four\nfive\n"
    assert err == b"e1\ne2\n"


async def test_end_and_pipe_leave_descriptor_1_open() -> None:
    code, out, _err = await run_python(
        """
        source = rillet.Readable.from_([b"a"], object_mode=False)
        source.pipe(process.stdout)
        await rillet.finished(source)
        assert not process.stdout.writable_ended  # pipe() never ends stdio
        process.stdout.end(b"b")
        await rillet.finished(process.stdout)
        os.write(1, b"c")  # descriptor 1 is still open
        """
    )
    assert (code, out) == (0, b"abc")


async def test_a_closed_reader_is_an_epipe_error() -> None:
    child = spawn(
        sys.executable,
        [
            "-c",
            PRELUDE
            + textwrap.dedent(
                """
                async def main():
                    sys.stdin.readline()
                    failed = asyncio.get_running_loop().create_future()
                    process.stdout.on("error", failed.set_result)
                    for _ in range(1000):
                        if failed.done():
                            break
                        process.stdout.write(b"x" * 4096)
                        await asyncio.sleep(0)
                    error = await failed
                    print(error.code, error.syscall, file=sys.stderr)
                asyncio.run(main())
                """
            ),
        ],
    )
    closed = rillet.once(child, "close")
    assert child.stdout is not None and child.stdin is not None and child.stderr is not None
    child.stdout.destroy()  # the read end goes away
    child.stdin.end(b"go\n")
    err = b"".join([chunk async for chunk in child.stderr])
    assert err == b"EPIPE write\n"
    assert await closed == [0, None]


async def test_stdin_on_a_terminal() -> None:
    master, slave = os.openpty()
    try:
        os.write(master, b"typed line\n")
        code, out, _err = await run_python(
            """
            chunk = await process.stdin.iterator().__anext__()
            print(process.stdin.is_tty, chunk, os.get_blocking(0))
            process.stdin.destroy()
            """,
            stdio=[slave, "pipe", "pipe"],
        )
    finally:
        os.close(master)
        os.close(slave)
    assert (code, out) == (0, b"True b'typed line\\n' True\n")
