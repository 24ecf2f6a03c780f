"""The demo site's handler without a browser: the feed's backpressure, the statistics
stream, the config, uploads and the slowly served files."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import time
from typing import Any

from demo_support import Client, get, running_site

from rillet.demo import SITE

SNAPSHOT_FIELDS = {
    "active",
    "waiting",
    "bytes_sent",
    "bytes_per_second",
    "connections",
    "transfers",
    "ranges",
    "feeds",
}


class EventStream:
    """The ``event: stats`` messages of one ``/api/stats`` response."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.text = ""

    async def next(self) -> dict[str, Any]:
        while True:
            message, separator, rest = self.text.partition("\n\n")
            if separator:
                self.text = rest
                fields = dict(line.split(": ", 1) for line in message.split("\n") if line)
                if fields.get("event") == "stats":
                    return dict(json.loads(fields["data"]))
                continue
            piece = await self.client.chunk()
            assert piece, "the statistics stream ended"
            self.text += piece.decode("utf-8")


async def open_events(port: int) -> EventStream:
    client = await Client.connect(port)
    status, headers = await client.request("GET", "/api/stats")
    assert status == 200
    assert headers["content-type"] == "text/event-stream; charset=utf-8"
    assert headers["cache-control"] == "no-store"
    return EventStream(client)


async def test_stats_events_are_json_with_the_documented_fields() -> None:
    async with running_site() as (_site, _server, port):
        events = await open_events(port)
        first = await events.next()
        assert set(first) >= SNAPSHOT_FIELDS
        # This stream's own connection is open (and counted); nothing else is.
        assert first["connections"] == 1
        assert first["active"] == 0 and first["transfers"] == [] and first["feeds"] == {}
        feed = await Client.connect(port)
        assert (await feed.request("GET", "/api/feed"))[0] == 200
        await feed.chunk()
        second = await events.next()
        assert second["connections"] == 2
        assert second["active"] == 1
        (transfer,) = second["transfers"]
        assert transfer["path"] == "/api/feed"
        assert transfer["client"] == "127.0.0.1"
        assert transfer["total"] is None and transfer["sent"] > 0
        assert isinstance(transfer["waiting"], bool) and isinstance(transfer["rate"], int)
        (rows,) = second["feeds"].values()
        assert list(second["feeds"]) == [feed.headers["x-feed-id"]] and rows > 0
        assert second["bytes_per_second"] > 0
        await feed.close()
        await events.client.close()


async def test_every_stats_stream_sees_each_range_answer_once() -> None:
    async with running_site() as (_site, _server, port):
        streams = [await open_events(port), await open_events(port)]
        for stream in streams:
            assert (await stream.next())["ranges"] == []
        status, _, body = await get(port, "/media/valley.webp", "Range: bytes=10-19\r\n")
        assert status == 206 and len(body) == 10
        size = os.path.getsize(os.path.join(SITE, "media", "valley.webp"))
        expected = [f"/media/valley.webp: bytes 10-19/{size}"]
        for stream in streams:
            assert (await stream.next())["ranges"] == expected
        for stream in streams:
            assert (await stream.next())["ranges"] == []
            await stream.client.close()


def _rows(data: bytes) -> int:
    return data.count(b'{"id": ')


async def test_feed_stops_producing_when_the_client_stops_reading() -> None:
    async with running_site() as (site, _server, port):
        loop = asyncio.get_running_loop()
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
        sock.setblocking(False)
        await loop.sock_connect(sock, ("127.0.0.1", port))
        await loop.sock_sendall(sock, b"GET /api/feed HTTP/1.1\r\nHost: demo\r\n\r\n")
        received = b""
        while _rows(received) < 100:
            received += await loop.sock_recv(sock, 4096)
        (feed,) = site.feeds.values()
        # Now read nothing: the socket buffers fill, then the pipeline waits for 'drain'
        # and stops asking the feed for rows. Sample its count until it holds still.
        samples = [feed.rows]
        deadline = time.monotonic() + 10
        while len(samples) < 4 or len(set(samples[-4:])) > 1:
            assert time.monotonic() < deadline, f"the feed kept producing: {samples[-5:]}"
            await asyncio.sleep(0.05)
            samples.append(feed.rows)
        made = feed.rows
        row_size = len(received) / _rows(received)
        buffered = (made - _rows(received)) * row_size
        assert buffered < 16 * 1024 * 1024, f"{buffered:.0f} bytes made but not read"
        assert site.stats.snapshot()["waiting"] == 1
        # Reading again resumes it.
        taken = 0
        while feed.rows == made:
            assert time.monotonic() < deadline, "the feed did not resume"
            taken += len(await loop.sock_recv(sock, 65536))
        assert taken > 0
        sock.close()


async def test_feed_is_dropped_when_the_client_leaves() -> None:
    async with running_site() as (site, _server, port):
        client = await Client.connect(port)
        status, headers = await client.request("GET", "/api/feed")
        assert status == 200
        assert headers["content-type"] == "application/x-ndjson; charset=utf-8"
        first = await client.chunk()
        row = json.loads(first.split(b"\n")[0])
        assert row["id"] == 0 and isinstance(row["text"], str)
        (feed,) = site.feeds.values()
        await client.close()
        await asyncio.wait_for(_destroyed(feed), 5)
        assert site.stats.snapshot()["active"] == 0


async def _destroyed(feed: Any) -> None:
    from rillet import finished

    try:
        await finished(feed)
    except Exception:
        pass  # premature close: the pipeline destroyed it
    assert feed.destroyed


async def test_config_says_whether_uploads_are_on() -> None:
    for upload in (False, True):
        async with running_site(upload=upload) as (_site, _server, port):
            status, headers, body = await get(port, "/api/config")
            assert status == 200
            assert headers["content-type"] == "application/json"
            assert json.loads(body) == {"upload": upload}


async def test_api_methods_head_and_unknown_paths() -> None:
    async with running_site() as (site, _server, port):
        client = await Client.connect(port)
        for target in ("/api/feed", "/api/stats", "/api/config"):
            status, headers = await client.request("HEAD", target)
            assert status == 200, target
            assert await client.body() == b""
        status, headers = await client.request("POST", "/api/feed")
        assert (status, headers["allow"]) == (405, "GET, HEAD")
        await client.body()
        status, _ = await client.request("GET", "/api/nothing")
        assert status == 404
        await client.body()
        await client.close()
        assert site.feeds == {}


async def test_auth_guards_the_api_too() -> None:
    async with running_site(auth="ann:secret") as (_site, _server, port):
        for target in ("/api/config", "/api/stats", "/api/feed", "/", "/slow/app.js"):
            status, headers, _ = await get(port, target)
            assert status == 401, target
            assert headers["www-authenticate"].startswith("Basic ")
        token = base64.b64encode(b"ann:secret").decode()
        status, _, body = await get(port, "/api/config", f"Authorization: Basic {token}\r\n")
        assert status == 200 and json.loads(body) == {"upload": False}


async def test_uploads_go_to_a_temporary_directory_removed_by_cleanup() -> None:
    async with running_site(upload=True) as (site, _server, port):
        directory = site.upload_dir
        assert directory is not None and os.path.isdir(directory)
        data = os.urandom(300_000)
        client = await Client.connect(port)
        status, _ = await client.request("PUT", "/uploads/photo.bin", data)
        assert status == 201
        await client.body()
        await client.close()
        with open(os.path.join(directory, "photo.bin"), "rb") as stored:
            assert stored.read() == data
        assert (await get(port, "/uploads/photo.bin"))[2] == data
        assert not os.path.exists(os.path.join(SITE, "photo.bin"))
    assert site.upload_dir is None
    assert not os.path.exists(directory)


async def test_without_upload_nothing_is_written() -> None:
    async with running_site() as (site, _server, port):
        assert site.upload_dir is None
        client = await Client.connect(port)
        status, _ = await client.request("PUT", "/uploads/x.txt", b"hello")
        assert status == 405
        await client.close()


async def test_slow_files_take_the_seed_demos_time() -> None:
    path = os.path.join(SITE, "media", "valley.webp")
    with open(path, "rb") as file:
        expected = file.read()
    async with running_site() as (_site, _server, port):
        started = time.monotonic()
        status, _, body = await get(port, "/slow/media/valley.webp")
        elapsed = time.monotonic() - started
        assert status == 200 and body == expected
        # 1000-byte chunks, each followed by a 10 ms pause.
        assert elapsed >= (len(expected) // 1000 - 1) * 0.010
        # The same file without /slow is not paced.
        started = time.monotonic()
        assert (await get(port, "/media/valley.webp"))[2] == expected
        assert time.monotonic() - started < elapsed / 2


async def test_paced_files_follow_the_rate_after_the_free_start() -> None:
    async with running_site() as (_site, _server, port):
        started = time.monotonic()
        status, headers, body = await get(
            port, "/paced/media/clock.webm", "Range: bytes=0-196607\r\n"
        )
        elapsed = time.monotonic() - started
        assert status == 206 and len(body) == 196608
        # 64 KiB free, then 128 KiB at 256 KiB/s: 0.5 s, less the throttle's burst (0.1 s).
        assert elapsed >= 0.39
        assert headers["content-range"].startswith("bytes 0-196607/")


async def _open_endless(port: int) -> tuple[EventStream, Client]:
    """A statistics stream with its first event read, and a feed with its first rows."""
    events = await open_events(port)
    await events.next()
    feed = await Client.connect(port)
    await feed.request("GET", "/api/feed")
    await feed.chunk()
    return events, feed


async def test_close_ends_the_endless_responses() -> None:
    async with running_site() as (site, _server, port):
        events, feed = await _open_endless(port)
        site.close()
        # The statistics stream ends cleanly; the feed (not read) is cut.
        while await events.client.chunk():
            pass
        while await feed.reader.read(65536):
            pass
        assert (await get(port, "/api/feed"))[2] == b""
        await events.client.close()
        await feed.close()


async def test_a_closing_server_ends_the_statistics_streams() -> None:
    async with running_site() as (site, server, port):
        events, feed = await _open_endless(port)
        # server.close() waits for every connection: the demo notices it within a second.
        await asyncio.wait_for(server.close(), 5)
        assert site.feeds == {}
        await events.client.close()
        await feed.close()


async def test_mount_roots_and_cors_on_the_api() -> None:
    with open(os.path.join(SITE, "index.html"), "rb") as file:
        index = file.read()
    async with running_site(cors="*") as (site, _server, port):
        assert site.root == SITE
        for target in ("/", "/slow", "/slow?again", "/paced/"):
            status, _, body = await get(port, target)
            assert (status, body) == (200, index), target
        status, headers, _ = await get(port, "/api/config")
        assert status == 200
        assert headers["access-control-allow-origin"] == "*"
        assert (await get(port, "/uploads/x"))[0] == 404  # no --upload: no such mount
