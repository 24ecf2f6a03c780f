"""The ``rillet`` command line: ``rillet serve [ROOT] [options]``.

Every option of API.md's "Command line" table, with its default; ``serve_static``
takes the same options as keywords (see :class:`rillet.static.ServeOptions`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from rillet.static._options import ServeOptions, parse_size

__all__ = ["build_parser", "main"]


def _size(text: str) -> int:
    try:
        return parse_size(text)
    except Exception:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 65536, 64k, 1m)") from None


def _positive_size(text: str) -> int:
    value = _size(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) <= 0:
        raise argparse.ArgumentTypeError(f"not a positive whole number: {text!r}")
    return int(text)


def _milliseconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of milliseconds: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {text!r}")
    return value


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"not a port (0-65535): {text!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``rillet`` and its ``serve`` command."""
    defaults = ServeOptions()
    parser = argparse.ArgumentParser(
        prog="rillet",
        description="Node.js streams for Python; `rillet serve` streams files to browsers.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="serve a directory (default: the bundled demo site) over HTTP/1.1",
        description="Serve ROOT over HTTP/1.1, streaming every file chunk by chunk with "
        "backpressure. Without ROOT, serves the bundled demo site.",
    )
    serve.add_argument("root", nargs="?", metavar="ROOT", help="directory to serve")
    add = serve.add_argument
    add("--host", default=defaults.host, help="address to listen on (default: %(default)s)")
    add(
        "--port",
        type=_port,
        default=defaults.port,
        help="port; 0 picks a free one (default: %(default)s)",
    )
    add(
        "--chunk-size",
        type=_positive_size,
        default=defaults.chunk_size,
        metavar="BYTES",
        help="bytes read and written at a time (default: %(default)s)",
    )
    add(
        "--delay",
        type=_milliseconds,
        default=defaults.delay,
        metavar="MS",
        help="pause after each chunk, in milliseconds (default: %(default)s)",
    )
    add(
        "--rate",
        type=_positive_size,
        default=None,
        metavar="BYTES_PER_S",
        help="bandwidth limit per response; k/m suffixes (x1024) (default: unlimited)",
    )
    add(
        "--rate-after",
        type=_size,
        default=defaults.rate_after,
        metavar="BYTES",
        help="send this much at full speed before --rate applies (default: %(default)s)",
    )
    add(
        "--send-timeout",
        type=_milliseconds,
        default=defaults.send_timeout,
        metavar="MS",
        help="close a response whose client accepts nothing for this long (default: %(default)s)",
    )
    add(
        "--max-connections",
        type=_positive_int,
        default=defaults.max_connections,
        metavar="N",
        help="connections beyond this wait in the listen backlog (default: %(default)s)",
    )
    add(
        "--cache-control",
        default=defaults.cache_control,
        metavar="VALUE",
        help="Cache-Control of file responses (default: %(default)s)",
    )
    add(
        "--fallback",
        default=None,
        metavar="FILE",
        help="serve FILE (e.g. index.html) for paths that do not exist",
    )
    add(
        "--max-upload",
        type=_size,
        default=defaults.max_upload,
        metavar="BYTES",
        help="largest PUT body; larger ones get 413 (default: 1g)",
    )
    add(
        "--cors",
        default=None,
        metavar="ORIGIN",
        help="answer with Access-Control-Allow-Origin: ORIGIN and handle preflight",
    )
    add(
        "--listing",
        action=argparse.BooleanOptionalAction,
        default=defaults.listing,
        help="directory listings, HTML or JSON (default: on)",
    )
    add(
        "--dotfiles",
        choices=("ignore", "deny", "allow"),
        default=defaults.dotfiles,
        help="files starting with a dot: ignore (404), deny (403) or allow (default: %(default)s)",
    )
    add(
        "--compress",
        action=argparse.BooleanOptionalAction,
        default=defaults.compress,
        help="gzip/br/zstd on the fly for compressible types; precompressed "
        ".gz/.br/.zst siblings preferred (default: on)",
    )
    add(
        "--upload",
        action="store_true",
        default=defaults.upload,
        help="accept PUT (written atomically) and DELETE below ROOT",
    )
    add(
        "--auth",
        default=None,
        metavar="USER:PASSWORD",
        help="require HTTP Basic authentication for every request",
    )
    add("--tls-cert", default=None, metavar="FILE", help="certificate (PEM) to serve HTTPS")
    add("--tls-key", default=None, metavar="FILE", help="private key (PEM) to serve HTTPS")
    add(
        "--quiet",
        action="store_true",
        default=defaults.quiet,
        help="no live terminal view and no access log",
    )
    # `rillet --help` lists every option too, not only the command names.
    parser.epilog = serve.format_help()
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command != "serve":
        parser.print_help()
        return 0 if args.command is None else 2
    if (args.tls_cert is None) != (args.tls_key is None):
        parser.error("--tls-cert and --tls-key go together")
    if args.auth is not None and ":" not in args.auth:
        parser.error("--auth takes USER:PASSWORD")
    options = ServeOptions(
        **{name: value for name, value in vars(args).items() if name not in ("command", "root")}
    )
    from rillet.cli._serve import serve

    return serve(args.root, options, sys.stdout, sys.stderr)
