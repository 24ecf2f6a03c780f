"""``Headers``: the Fetch standard's header list, as a case-insensitive mapping."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from typing import Any, TypeAlias, overload

from rillet.errors import invalid_arg_type, new_error
from rillet.http._headers import invalid_header_char, validate_header_name

__all__ = ["Headers", "HeadersInit"]


class Headers(MutableMapping[str, str]):
    """A header list (WHATWG ``Headers``): names compare without case, a name may repeat.

    As a mapping, ``headers[name]`` and ``get(name)`` give every value of ``name`` joined
    with ``', '``; iteration gives the lower-case names, sorted (the standard's order).
    The standard's methods: ``append``, ``delete``, ``get``, ``get_set_cookie`` (each
    ``Set-Cookie`` apart), ``has``, ``set``. Values lose surrounding whitespace.

    Raises ``ERR_INVALID_HTTP_TOKEN`` (a TypeError) for a bad name and ``ERR_INVALID_CHAR``
    for a value holding CR, LF, NUL or another character a header may not carry.
    """

    __slots__ = ("_entries",)

    def __init__(self, init: HeadersInit | None = None) -> None:
        self._entries: list[tuple[str, str]] = []  # (lower-case name, value), in order
        if init is None:
            return
        if isinstance(init, Headers):
            self._entries = list(init._entries)
            return
        items: Iterable[Any] = init.items() if isinstance(init, Mapping) else init
        for item in items:
            if not isinstance(item, list | tuple) or len(item) != 2:
                raise invalid_arg_type("init", "a mapping or (name, value) pairs", item)
            self.append(item[0], item[1])

    @staticmethod
    def _checked(name: str, value: object) -> tuple[str, str]:
        validate_header_name(name)
        text = str(value).strip(" \t\r\n")
        if invalid_header_char(text):
            raise new_error("ERR_INVALID_CHAR", "header content", name)
        return name.lower(), text

    def append(self, name: str, value: object) -> None:
        """Add a value, keeping those already there."""
        self._entries.append(self._checked(name, value))

    def delete(self, name: str) -> None:
        """Remove every value of ``name``."""
        key = name.lower()
        self._entries = [entry for entry in self._entries if entry[0] != key]

    def set(self, name: str, value: object) -> None:
        """Replace every value of ``name`` with ``value`` (in the place of the first)."""
        key, text = self._checked(name, value)
        entries: list[tuple[str, str]] = []
        placed = False
        for entry in self._entries:
            if entry[0] != key:
                entries.append(entry)
            elif not placed:
                entries.append((key, text))
                placed = True
        if not placed:
            entries.append((key, text))
        self._entries = entries

    def has(self, name: str) -> bool:
        """Whether ``name`` has a value."""
        key = name.lower()
        return any(entry[0] == key for entry in self._entries)

    @overload
    def get(self, name: str) -> str | None: ...
    @overload
    def get(self, name: str, default: str) -> str: ...
    @overload
    def get(self, name: str, default: Any) -> Any: ...

    def get(self, name: str, default: Any = None) -> Any:
        """Every value of ``name`` joined with ``', '``; ``default`` (None) when absent."""
        key = name.lower()
        values = [value for entry_name, value in self._entries if entry_name == key]
        return ", ".join(values) if values else default

    def get_set_cookie(self) -> list[str]:
        """The ``Set-Cookie`` values, one item each (they cannot be joined)."""
        return [value for name, value in self._entries if name == "set-cookie"]

    def raw_items(self) -> list[tuple[str, str]]:
        """Every ``(lower-case name, value)`` pair, in the order they were added."""
        return list(self._entries)

    def __getitem__(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __setitem__(self, name: str, value: str) -> None:
        self.set(name, value)

    def __delitem__(self, name: str) -> None:
        if not self.has(name):
            raise KeyError(name)
        self.delete(name)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.has(name)

    def __iter__(self) -> Iterator[str]:
        return iter(sorted({name for name, _ in self._entries}))

    def __len__(self) -> int:
        return len({name for name, _ in self._entries})

    def __repr__(self) -> str:
        return f"Headers({dict(self.items())!r})"


#: What a ``Headers`` (or ``fetch``'s ``headers=``) is made from.
HeadersInit: TypeAlias = "Headers | Mapping[str, str] | Iterable[tuple[str, str]]"
