"""A first end-to-end check of the stream core; the per-rule suites live beside it."""

from rillet import PassThrough, Readable, Writable, pipeline


async def test_pipeline_moves_bytes_through_passthroughs() -> None:
    received: list[bytes] = []
    sink = Writable(write=lambda _s, chunk, _e, cb: (received.append(chunk), cb()))
    chunks = [b"a", b"b", b"c"]
    await pipeline(Readable.from_(chunks, object_mode=False), PassThrough(), sink)
    assert received == chunks
