"""The file-server benchmark's Starlette application, run by uvicorn:

``RILLET_BENCH_ROOT=ROOT uvicorn starlette_app:app --app-dir bench/serve --port PORT
--no-access-log --loop uvloop --http httptools``

Starlette's ``StaticFiles`` mounted at ``/`` over ROOT (it does Range and conditional
requests, reading files in a worker thread; no sendfile).
"""

from __future__ import annotations

import os

from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

app = Starlette(routes=[Mount("/", app=StaticFiles(directory=os.environ["RILLET_BENCH_ROOT"]))])
