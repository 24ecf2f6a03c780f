"""The ``rillet`` command line as a user runs it (child processes, loopback only): help texts,
the startup line, ``python -m rillet``, a port in use, signals with idle and busy
connections, the access log, ``--quiet``, HTTPS, and the refusals at start."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest

# The helpers live beside the tests they were written for.
sys.path[:0] = [str(Path(__file__).parents[1] / "static"), str(Path(__file__).parents[1] / "http")]

from client_support import make_certificate  # noqa: E402
from serve_support import STARTUP, Served, read_line, rillet_command, serving  # noqa: E402

RILLET = str(Path(sys.executable).with_name("rillet"))

OPTIONS = [
    "--host",
    "--port",
    "--chunk-size",
    "--delay",
    "--rate",
    "--rate-after",
    "--send-timeout",
    "--max-connections",
    "--cache-control",
    "--fallback",
    "--max-upload",
    "--cors",
    "--listing",
    "--no-listing",
    "--dotfiles",
    "--compress",
    "--no-compress",
    "--upload",
    "--auth",
    "--tls-cert",
    "--tls-key",
    "--quiet",
]


def run(
    *args: str, timeout: float = 20, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [RILLET, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        check=False,
    )


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "hello.txt").write_bytes(b"hello from rillet\n")
    (tmp_path / "www" / "big.bin").write_bytes(os.urandom(300_000))
    return tmp_path / "www"


# -- help ---------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [["--help"], ["serve", "--help"], ["serve", "-h"]])
def test_help_lists_every_option(args: list[str]) -> None:
    result = run(*args)
    assert result.returncode == 0
    for option in OPTIONS:
        assert option in result.stdout, option
    assert "ROOT" in result.stdout


def test_python_m_rillet_help_is_the_same_program() -> None:
    result = subprocess.run(
        [*rillet_command("serve", "--help")],
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )
    assert result.returncode == 0
    assert result.stdout.replace("__main__.py", "rillet") == run("serve", "--help").stdout


@pytest.mark.parametrize(
    "args",
    [
        ["serve", "--dotfiles", "sometimes"],
        ["serve", "--port", "70000"],
        ["serve", "--port", "-1"],
        ["serve", "--chunk-size", "0"],
        ["serve", "--rate", "fast"],
        ["serve", "--delay", "-5"],
        ["serve", "--max-connections", "0"],
        ["serve", "--auth", "no-colon"],
        ["serve", "--tls-cert", "cert.pem"],
        ["serve", "--no-such-option"],
    ],
)
def test_bad_options_exit_2_with_a_message(args: list[str]) -> None:
    result = run(*args, "--port", "0") if "--port" not in args else run(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "error" in result.stderr


def test_root_that_is_not_a_directory_exits_1(root: Path) -> None:
    result = run("serve", str(root / "hello.txt"), "--port", "0")
    assert result.returncode == 1
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1


# -- the startup line -------------------------------------------------------------------


def _start(command: list[str], cwd: Path | None = None) -> tuple[subprocess.Popen[bytes], str]:
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, cwd=cwd
    )
    try:
        return process, read_line(process.stdout, 15).rstrip("\n")
    except BaseException:
        process.kill()
        process.wait()
        raise


def _stop(process: subprocess.Popen[bytes], signum: int = signal.SIGTERM) -> tuple[int, str, str]:
    process.send_signal(signum)
    out, err = process.communicate(timeout=5)
    return process.returncode, out.decode(), err.decode()


@pytest.mark.parametrize("how", ["script", "python -m"])
def test_first_line_names_the_absolute_root_and_the_real_port(root: Path, how: str) -> None:
    prefix = [RILLET] if how == "script" else rillet_command()
    process, line = _start([*prefix, "serve", "www", "--port", "0", "--quiet"], cwd=root.parent)
    try:
        match = STARTUP.match(line)
        assert match, line
        assert match["root"] == str(root)
        assert os.path.isabs(match["root"])
        assert match["url"] == f"http://127.0.0.1:{match['port']}/"
        port = int(match["port"])
        assert port != 0
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/hello.txt")
        assert connection.getresponse().read() == b"hello from rillet\n"
        connection.close()
    finally:
        status, out, err = _stop(process)
    assert status == 0
    assert out == ""  # one line only, and nothing after it
    assert err == ""


def test_first_line_with_a_fixed_port_and_ipv6(root: Path) -> None:
    probe = socket.socket(socket.AF_INET6)
    probe.bind(("::1", 0))
    port = probe.getsockname()[1]
    probe.close()
    process, line = _start([RILLET, "serve", str(root), "--host", "::1", "--port", str(port)])
    try:
        assert line == f"rillet serving {root} at http://[::1]:{port}/"
        connection = http.client.HTTPConnection("::1", port, timeout=10)
        connection.request("GET", "/hello.txt")
        assert connection.getresponse().status == 200
        connection.close()
    finally:
        assert _stop(process)[0] == 0


def test_port_in_use_exits_1_with_one_line(root: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = time.monotonic()
        result = run("serve", str(root), "--port", str(port))
    assert time.monotonic() - started < 10
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(port) in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("host", ["192.0.2.1", "2001:db8::1"])
def test_upload_on_a_non_loopback_host_without_auth_refuses_to_start(root: Path, host: str) -> None:
    # Documentation addresses no interface has: even a regression could not bind them.
    started = time.monotonic()
    result = run("serve", str(root), "--upload", "--host", host, "--port", "0")
    assert time.monotonic() - started < 10
    assert result.returncode != 0
    assert result.stdout == ""  # never announced, never listened
    assert "--upload" in result.stderr
    assert "--auth" in result.stderr
    assert "cannot listen" not in result.stderr  # refused before any bind


def test_upload_on_loopback_names_starts(root: Path) -> None:
    for host in ("127.0.0.1", "localhost", "::1"):
        process, line = _start(
            [RILLET, "serve", str(root), "--upload", "--host", host, "--port", "0"]
        )
        assert line.startswith("rillet serving"), line
        assert _stop(process)[0] == 0


# -- signals ------------------------------------------------------------------------------


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_exits_0_at_once_closing_idle_keep_alive_connections(
    root: Path, signum: int
) -> None:
    with serving(root, "--quiet") as served:
        idle = served.connection()
        idle.request("GET", "/hello.txt")
        response = idle.getresponse()
        assert response.getheader("Connection") == "keep-alive"
        response.read()
        assert idle.sock is not None
        idle.sock.settimeout(5)
        started = time.monotonic()
        status = served.stop(signum)
        elapsed = time.monotonic() - started
        assert status == 0
        assert elapsed < 2, elapsed  # no keep-alive connection held it back
        assert idle.sock.recv(100) == b""  # closed by the server
        idle.close()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_right_after_the_first_line_exits_0(root: Path, signum: int) -> None:
    for _ in range(3):
        process, line = _start([RILLET, "serve", str(root), "--port", "0", "--quiet"])
        assert line.startswith("rillet serving ")
        status, _, err = _stop(process, signum)
        assert status == 0, err


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_lets_a_short_response_in_flight_finish(root: Path, signum: int) -> None:
    data = (root / "big.bin").read_bytes()
    with serving(root, "--quiet", "--rate", "300000") as served:  # about one second
        connection = served.connection()
        connection.request("GET", "/big.bin")
        response = connection.getresponse()
        first = response.read(1000)
        started = time.monotonic()
        served.process.send_signal(signum)
        rest = response.read()
        assert first + rest == data
        assert served.process.wait(5) == 0
        assert time.monotonic() - started < 2.5  # right after the response, not the grace
        connection.close()


def test_signal_closes_a_long_response_in_flight_within_5_s(root: Path) -> None:
    with serving(root, "--quiet", "--rate", "10000") as served:  # would take 30 s
        connection = served.connection()
        connection.request("GET", "/big.bin")
        response = connection.getresponse()
        response.read(100)
        started = time.monotonic()
        served.process.send_signal(signal.SIGTERM)
        with pytest.raises(http.client.IncompleteRead):
            response.read()
        assert served.process.wait(5) == 0
        assert time.monotonic() - started < 5
        connection.close()


# -- logs ----------------------------------------------------------------------------------


def test_access_log_goes_to_stderr(root: Path) -> None:
    process, line = _start([RILLET, "serve", str(root), "--port", "0"])
    port = int(STARTUP.match(line)["port"])  # type: ignore[index]
    try:
        for target in ("/hello.txt", "/missing"):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", target)
            connection.getresponse().read()
            connection.close()
    finally:
        status, out, err = _stop(process)
    assert status == 0
    assert out == ""
    lines = err.strip().splitlines()
    assert any('"GET /hello.txt HTTP/1.1" 200' in entry for entry in lines), err
    assert any('"GET /missing HTTP/1.1" 404' in entry for entry in lines), err
    assert all("127.0.0.1" in entry for entry in lines)


def test_quiet_logs_nothing(root: Path) -> None:
    with serving(root, "--quiet") as served:
        assert served.get("/hello.txt").status == 200
        assert served.get("/missing").status == 404
        served.stop()
        assert served.log() == ""


# -- HTTPS ----------------------------------------------------------------------------------


def test_tls_serves_https(root: Path, tmp_path: Path) -> None:
    cert, key = make_certificate()
    (tmp_path / "cert.pem").write_text(cert)
    (tmp_path / "key.pem").write_text(key)
    args = [
        "--quiet",
        "--tls-cert",
        str(tmp_path / "cert.pem"),
        "--tls-key",
        str(tmp_path / "key.pem"),
    ]
    with serving(root, *args) as served:
        assert served.scheme == "https"
        assert served.url == f"https://127.0.0.1:{served.port}/"
        context = ssl.create_default_context(cafile=str(tmp_path / "cert.pem"))
        connection = http.client.HTTPSConnection(
            "127.0.0.1", served.port, context=context, timeout=10
        )
        connection.request("GET", "/hello.txt")
        response = connection.getresponse()
        assert response.status == 200
        assert response.read() == b"hello from rillet\n"
        connection.request("GET", "/big.bin", headers={"Range": "bytes=10-19"})
        response = connection.getresponse()
        assert response.status == 206
        assert response.read() == (root / "big.bin").read_bytes()[10:20]
        connection.close()
        with pytest.raises(http.client.RemoteDisconnected):
            plain = served.connection()  # plain HTTP on the TLS port gets nothing useful
            plain.request("GET", "/hello.txt")
            plain.getresponse()


def test_tls_with_a_missing_key_file_fails_cleanly(root: Path, tmp_path: Path) -> None:
    cert, _ = make_certificate()
    (tmp_path / "cert.pem").write_text(cert)
    result = run(
        "serve",
        str(root),
        "--port",
        "0",
        "--tls-cert",
        str(tmp_path / "cert.pem"),
        "--tls-key",
        str(tmp_path / "missing.pem"),
    )
    assert result.returncode != 0
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.strip()


def test_served_object_is_usable_from_other_tests(root: Path) -> None:
    served = Served(root, "--quiet")
    try:
        assert served.get("/hello.txt").status == 200
    finally:
        served.close()
    assert served.process.returncode == 0
