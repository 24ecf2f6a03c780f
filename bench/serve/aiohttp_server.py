"""The file-server benchmark's aiohttp server: ``python aiohttp_server.py ROOT PORT``.

One route serves every path under ROOT with ``web.FileResponse`` (which does Range,
conditional requests and, on the default asyncio loop, ``loop.sendfile``); no access log
(``access_log=None``). aiohttp's own default event loop (asyncio), as ``web.run_app``
gives it. SIGTERM and SIGINT shut it down cleanly (``run_app`` handles both).
"""

from __future__ import annotations

import sys
from pathlib import Path

from aiohttp import web


def make_app(root: Path) -> web.Application:
    """An application serving the files below ``root`` (404 for anything else)."""

    async def serve_file(request: web.Request) -> web.StreamResponse:
        path = (root / request.match_info["path"]).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            raise web.HTTPNotFound()
        return web.FileResponse(path)

    app = web.Application()
    app.router.add_get("/{path:.*}", serve_file)
    return app


def main() -> None:
    root, port = Path(sys.argv[1]).resolve(), int(sys.argv[2])
    web.run_app(
        make_app(root),
        host="127.0.0.1",
        port=port,
        access_log=None,
        print=lambda _: print(f"listening {port}", flush=True),
    )


if __name__ == "__main__":
    main()
