"""rillet.https: a TLS server and client with a throwaway self-signed certificate."""

from __future__ import annotations

from pathlib import Path

import pytest
from client_support import closed, make_certificate, serving

from rillet import https, once
from rillet.http import ClientRequest, IncomingMessage, ServerResponse, fetch


@pytest.fixture(scope="module")
def certificate() -> tuple[str, str]:
    return make_certificate()


def hello(req: IncomingMessage, res: ServerResponse) -> None:
    encrypted = req.socket.transport.get_extra_info("sslcontext") is not None
    res.end(f"secure={encrypted} {req.url}")


async def body(req: ClientRequest) -> bytes:
    res = (await once(req, "response"))[0]
    return b"".join([bytes(chunk) async for chunk in res])


async def failure(req: ClientRequest) -> BaseException:
    errors: list[BaseException] = []
    req.on("error", errors.append)
    await closed(req)
    [error] = errors
    return error


async def test_get_over_tls_with_the_server_certificate_as_ca(
    certificate: tuple[str, str],
) -> None:
    cert, _ = certificate
    async with serving(hello, tls=certificate) as (_, base):
        assert base.startswith("https://")
        assert await body(https.get(base + "/a", {"ca": cert})) == b"secure=True /a"


async def test_keep_alive_over_tls_reuses_the_connection(certificate: tuple[str, str]) -> None:
    cert, _ = certificate
    async with serving(hello, tls=certificate) as (_, base):
        first = https.get(base + "/1", ca=cert)
        assert await body(first) == b"secure=True /1"
        second = https.get(base + "/2", ca=cert)
        assert await body(second) == b"secure=True /2"
        assert second.reused_socket
        assert second.socket is first.socket


async def test_request_streams_a_body_over_tls(certificate: tuple[str, str]) -> None:
    cert, _ = certificate

    def echo(req: IncomingMessage, res: ServerResponse) -> None:
        req.pipe(res)

    async with serving(echo, tls=certificate) as (_, base):
        req = https.request(base + "/", {"method": "POST", "ca": cert})
        for index in range(100):
            req.write(b"%03d," % index)
        req.end()
        assert await body(req) == b"".join(b"%03d," % index for index in range(100))


async def test_a_self_signed_certificate_is_refused_by_default(
    certificate: tuple[str, str],
) -> None:
    async with serving(hello, tls=certificate) as (_, base):
        error = await failure(https.get(base + "/"))
        assert error.code == "DEPTH_ZERO_SELF_SIGNED_CERT"  # type: ignore[attr-defined]


async def test_reject_unauthorized_false_accepts_any_certificate(
    certificate: tuple[str, str],
) -> None:
    async with serving(hello, tls=certificate) as (_, base):
        req = https.get(base + "/x", reject_unauthorized=False)
        assert await body(req) == b"secure=True /x"


async def test_a_name_the_certificate_does_not_cover_is_refused(
    certificate: tuple[str, str],
) -> None:
    cert, _ = certificate
    async with serving(hello, tls=certificate) as (_, base):
        req = https.get(base + "/", ca=cert, servername="example.com")
        error = await failure(req)
        assert error.code == "ERR_TLS_CERT_ALTNAME_INVALID"  # type: ignore[attr-defined]


async def test_servername_and_localhost_verify(certificate: tuple[str, str]) -> None:
    cert, _ = certificate
    async with serving(hello, tls=certificate) as (_, base):
        port = base.rsplit(":", 1)[1]
        req = https.get(f"https://localhost:{port}/n", ca=cert, family=4)
        assert await body(req) == b"secure=True /n"


async def test_cert_and_key_may_be_paths(certificate: tuple[str, str], tmp_path: Path) -> None:
    cert, key = certificate
    (tmp_path / "cert.pem").write_text(cert)
    (tmp_path / "key.pem").write_text(key)
    server = https.create_server(
        {"cert": tmp_path / "cert.pem", "key": str(tmp_path / "key.pem")}, hello
    )
    await server.listen(0, "127.0.0.1")
    address = server.address()
    assert isinstance(address, dict)
    try:
        req = https.get(f"https://127.0.0.1:{address['port']}/p", ca=tmp_path / "cert.pem")
        assert await body(req) == b"secure=True /p"
    finally:
        https.global_agent.destroy()
        server.close_all_connections()
        await server.close()


async def test_an_https_url_needs_the_https_module(certificate: tuple[str, str]) -> None:
    from rillet import http

    with pytest.raises(TypeError) as info:
        http.get("https://127.0.0.1/")
    assert info.value.code == "ERR_INVALID_PROTOCOL"  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        https.create_server({"cert": certificate[0]})


async def test_an_agent_keeps_connections_with_other_tls_options_apart(
    certificate: tuple[str, str],
) -> None:
    cert, _ = certificate
    agent = https.Agent(keep_alive=True)
    trusting = agent.get_name({"host": "h", "port": 1, "ca": cert})
    lenient = agent.get_name({"host": "h", "port": 1, "reject_unauthorized": False})
    assert trusting != lenient
    async with serving(hello, tls=certificate, agents=(agent,)) as (_, base):
        first = https.get(base + "/", ca=cert, agent=agent)
        await body(first)
        second = https.get(base + "/", reject_unauthorized=False, agent=agent)
        await body(second)
        assert second.socket is not first.socket


async def test_fetch_over_https(certificate: tuple[str, str]) -> None:
    # fetch trusts the system's roots only: a self-signed server is a network error.
    async with serving(hello, tls=certificate) as (_, base):
        with pytest.raises(TypeError) as info:
            await fetch(base + "/")
        assert info.value.__cause__.code == "DEPTH_ZERO_SELF_SIGNED_CERT"  # type: ignore[union-attr]
