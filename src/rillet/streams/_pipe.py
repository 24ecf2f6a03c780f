"""``Readable.pipe``: forward every chunk to a destination with backpressure (R-PIPE-*).

Each chunk goes to ``dest.write``; a False return pauses the source until ``dest``
emits ``'drain'``, and with several destinations the source resumes only when every
one that asked for a drain has drained. ``dest.end()`` follows the source's ``'end'``
unless ``end=False``. A destination that errors, finishes or closes is unpiped; the
source itself is left alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rillet._core import next_tick
from rillet.streams import _destroy

if TYPE_CHECKING:
    from rillet.streams._readable import Readable

__all__ = ["pipe"]


class _Pipe:
    """The listeners one ``pipe()`` call adds, as bound methods of one object."""

    __slots__ = ("cleaned_up", "dest", "draining", "src")

    def __init__(self, src: Readable, dest: Any) -> None:
        self.src = src
        self.dest = dest
        self.cleaned_up = False
        self.draining = False

    def ondata(self, chunk: Any) -> None:
        try:
            ok = self.dest.write(chunk)
        except Exception as exc:
            self.dest.destroy(exc)
            return
        if ok is False:
            self.pause()

    def pause(self) -> None:
        src, dest = self.src, self.dest
        state = src._readable_state
        if not self.cleaned_up:
            if len(state.pipes) == 1 and state.pipes[0] is dest:
                state.await_drain_writers = dest
                state.multi_await_drain = False
            elif len(state.pipes) > 1 and dest in state.pipes:
                state.await_drain_writers.add(dest)
            src.pause()
        if not self.draining:
            self.draining = True
            dest.on("drain", self.ondrain)

    def ondrain(self) -> None:
        src, dest = self.src, self.dest
        state = src._readable_state
        if state.await_drain_writers is dest:
            state.await_drain_writers = None
        elif state.multi_await_drain:
            state.await_drain_writers.discard(dest)
        # Nobody left to wait for: no single writer, or an empty set of them.
        writers = state.await_drain_writers
        if (writers is None or (state.multi_await_drain and not writers)) and "data" in src._events:
            src.resume()

    def onend(self) -> None:
        self.dest.end()

    def unpipe(self, *_: Any) -> None:
        self.src.unpipe(self.dest)

    def onunpipe(self, readable: Any, info: dict[str, bool] | None = None) -> None:
        if readable is self.src and info is not None and info.get("has_unpiped") is False:
            info["has_unpiped"] = True
            self.cleanup()

    def onerror(self, err: BaseException) -> None:
        dest = self.dest
        self.unpipe()
        dest.remove_listener("error", self.onerror)
        if dest.listener_count("error") == 0:
            state = getattr(dest, "_writable_state", None) or getattr(dest, "_readable_state", None)
            if state is not None and not state.error_emitted:
                _destroy.error_or_destroy(dest, err)
            else:
                dest.emit("error", err)

    def onclose(self) -> None:
        self.dest.remove_listener("finish", self.onfinish)
        self.unpipe()

    def onfinish(self) -> None:
        self.dest.remove_listener("close", self.onclose)
        self.unpipe()

    def cleanup(self) -> None:
        src, dest = self.src, self.dest
        dest.remove_listener("close", self.onclose)
        dest.remove_listener("finish", self.onfinish)
        if self.draining:
            dest.remove_listener("drain", self.ondrain)
        dest.remove_listener("error", self.onerror)
        dest.remove_listener("unpipe", self.onunpipe)
        src.remove_listener("end", self.onend)
        src.remove_listener("end", self.unpipe)
        src.remove_listener("data", self.ondata)
        self.cleaned_up = True
        w = getattr(dest, "_writable_state", None)
        if (
            self.draining
            and src._readable_state.await_drain_writers
            and (w is None or w.need_drain)
        ):
            self.ondrain()


def pipe(src: Readable, dest: Any, end: bool = True) -> Any:
    """Pipe ``src`` into ``dest`` (see the module docstring); returns ``dest``."""
    state = src._readable_state
    if len(state.pipes) == 1 and not state.multi_await_drain:
        state.multi_await_drain = True
        previous = state.await_drain_writers
        state.await_drain_writers = {previous} if previous is not None else set()
    state.pipes.append(dest)
    link = _Pipe(src, dest)
    # Like Node, never end process.stdout/stderr: they mark themselves as stdio.
    do_end = end and not getattr(dest, "is_stdio", False)
    end_fn = link.onend if do_end else link.unpipe
    if state.end_emitted:
        next_tick(end_fn)
    else:
        src.once("end", end_fn)
    dest.on("unpipe", link.onunpipe)
    src.on("data", link.ondata)
    dest.prepend_listener("error", link.onerror)
    dest.once("close", link.onclose)
    dest.once("finish", link.onfinish)
    dest.emit("pipe", src)
    if getattr(dest, "writable_need_drain", False) is True:
        link.pause()
    elif not state.flowing:
        src.resume()
    return dest
