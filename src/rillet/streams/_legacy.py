"""The base ``Stream`` class and its legacy ``pipe`` (Node's ``streams/legacy.js``).

``Stream.pipe`` is the old ``'data'``/``'drain'`` pump that only classic,
hand-rolled streams use; :class:`~rillet.Readable` overrides it with the full one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rillet._core import EventEmitter

__all__ = ["Stream"]


class Stream(EventEmitter):
    """The base of every rillet stream: an EventEmitter with a legacy ``pipe``."""

    _readable_state: Any = None
    _writable_state: Any = None

    def pipe(self, dest: Any, end: bool = True) -> Any:
        """Pump ``'data'`` into ``dest.write`` with ``'drain'`` backpressure; end or
        destroy ``dest`` when this stream ends or closes."""
        source = self

        def ondata(chunk: Any) -> None:
            pause = getattr(source, "pause", None)
            if dest.writable and dest.write(chunk) is False and callable(pause):
                pause()

        def ondrain() -> None:
            resume = getattr(source, "resume", None)
            if getattr(source, "readable", False) and callable(resume):
                resume()

        did_on_end = False

        def onend() -> None:
            nonlocal did_on_end
            if did_on_end:
                return
            did_on_end = True
            dest.end()

        def onclose() -> None:
            nonlocal did_on_end
            if did_on_end:
                return
            did_on_end = True
            if callable(getattr(dest, "destroy", None)):
                dest.destroy()

        def error_handler(failed: Any) -> Callable[[BaseException], None]:
            # Rethrow on the stream that failed when nobody else listens there.
            def onerror(err: BaseException) -> None:
                cleanup()
                if failed.listener_count("error") == 0:
                    failed.emit("error", err)

            return onerror

        on_source_error = error_handler(source)
        on_dest_error = error_handler(dest)

        def cleanup() -> None:
            source.remove_listener("data", ondata)
            dest.remove_listener("drain", ondrain)
            source.remove_listener("end", onend)
            source.remove_listener("close", onclose)
            source.remove_listener("error", on_source_error)
            dest.remove_listener("error", on_dest_error)
            source.remove_listener("end", cleanup)
            source.remove_listener("close", cleanup)
            dest.remove_listener("close", cleanup)

        source.on("data", ondata)
        dest.on("drain", ondrain)
        # Like Node, never end process.stdout/stderr: they mark themselves as stdio.
        if end and not getattr(dest, "is_stdio", False):
            source.on("end", onend)
            source.on("close", onclose)
        source.prepend_listener("error", on_source_error)
        dest.prepend_listener("error", on_dest_error)
        source.on("end", cleanup)
        source.on("close", cleanup)
        dest.on("close", cleanup)
        dest.emit("pipe", source)
        return dest
