"""``rillet serve``: start the server, announce it, log, and shut down cleanly.

Guarantees:

* the first line of standard output is ``rillet serving ROOT at URL`` (ROOT absolute),
  flushed, once connections are accepted, also with ``--quiet``;
* a port in use (or any listen error, or an unreadable TLS certificate or key) exits
  with status 1 and a one-line message;
  ``--upload`` on a non-loopback host without ``--auth`` refuses to start (status 2);
* SIGINT or SIGTERM: stop accepting, close idle keep-alive connections (and each busy
  one as soon as its response has finished), let responses in flight finish for up to
  3 s, then close the rest and exit with status 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import os
import signal
import ssl
from typing import Any, TextIO

from rillet.cli._view import AccessLog, LiveView
from rillet.errors import RilletError
from rillet.static import StaticHandler, TransferRegistry
from rillet.static._options import ServeOptions

__all__ = ["serve"]

_GRACE_SECONDS = 3.0


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _url(scheme: str, host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}:{port}/"


def serve(root: str | None, options: ServeOptions, out: TextIO, err: TextIO) -> int:
    """Run the server until SIGINT/SIGTERM; returns the exit status."""
    if options.upload and not options.auth and not _is_loopback(options.host):
        err.write(f"rillet: refusing --upload on non-loopback host {options.host} without --auth\n")
        return 2
    if root is not None and not os.path.isdir(root):
        err.write(f"rillet: not a directory: {root}\n")
        return 1
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency on Linux
        return asyncio.run(_serve(root, options, out, err))
    return uvloop.run(_serve(root, options, out, err))


async def _serve(root: str | None, options: ServeOptions, out: TextIO, err: TextIO) -> int:
    stats = TransferRegistry()
    site: Any
    if root is None:
        from rillet.demo import DemoSite

        site = DemoSite(options, stats)
        shown_root = site.root
    else:
        site = StaticHandler(root, options, stats)
        shown_root = site.root
    view = LiveView(stats, err) if not options.quiet and err.isatty() else None
    log = None if options.quiet else AccessLog(err, view)
    handler = log.wrap(site) if log is not None else site
    try:
        server = _make_server(handler, options)
    except (OSError, ssl.SSLError, RilletError) as error:
        err.write(f"rillet: cannot use --tls-cert/--tls-key: {error}\n")
        return 1
    if hasattr(site, "server"):
        site.server = server
    try:
        await server.listen(options.port, options.host)
    except (OSError, RilletError) as error:
        err.write(f"rillet: cannot listen on {options.host}:{options.port}: {error}\n")
        return 1
    address = server.address()
    port = address["port"] if isinstance(address, dict) else options.port
    scheme = "https" if options.tls_cert else "http"
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    # Before the announcement: a signal sent as soon as it is read must find the handlers.
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    out.write(f"rillet serving {shown_root} at {_url(scheme, options.host, port)}\n")
    out.flush()
    if view is not None:
        view.start()
    try:
        await stop.wait()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        if view is not None:
            view.stop()
        await _shut_down(server, site)
        if hasattr(site, "cleanup"):
            site.cleanup()
    return 0


def _make_server(handler: Any, options: ServeOptions) -> Any:
    server_options: dict[str, Any] = {
        "send_timeout": options.send_timeout,
        "accept_limit": options.max_connections,
        # Also on the server's own answers (400, 408, 431...), as API.md asks of serve.
        "response_headers": {"X-Content-Type-Options": "nosniff"},
    }
    if options.tls_cert:
        from rillet import https

        return https.create_server(
            {"cert": options.tls_cert, "key": options.tls_key, **server_options}, handler
        )
    from rillet import http

    return http.create_server(handler, **server_options)


async def _shut_down(server: Any, site: Any) -> None:
    # Stop accepting; idle connections close now, the others after their response.
    closing = server.close()
    close_site = getattr(site, "close", None)
    if close_site is not None:
        close_site()  # the demo's endless feeds and event streams
    try:
        await asyncio.wait_for(asyncio.shield(closing), _GRACE_SECONDS)
    except TimeoutError:
        server.close_all_connections()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(closing, 1.0)
