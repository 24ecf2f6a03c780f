"""ServeOptions: defaults from API.md and validation."""

from __future__ import annotations

import pytest

from rillet.errors import RilletError
from rillet.static._options import ServeOptions, parse_size


def test_defaults_match_the_api_table() -> None:
    options = ServeOptions()
    assert (options.host, options.port, options.chunk_size) == ("127.0.0.1", 4000, 65536)
    assert (options.delay, options.rate, options.rate_after) == (0, None, 0)
    assert (options.send_timeout, options.max_connections) == (60000, 10000)
    assert options.cache_control == "no-cache"
    assert options.max_upload == 1024**3
    assert options.listing and options.compress
    assert not options.upload and not options.quiet
    assert options.dotfiles == "ignore"


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("65536", 65536),
        ("64k", 65536),
        ("64K", 65536),
        ("1m", 1048576),
        ("1g", 1073741824),
        ("1.5k", 1536),
        ("200kb", 204800),
        (4096, 4096),
    ],
)
def test_parse_size(text: str | int, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("bad", ["", "abc", "1t", "-5", -5, True])
def test_parse_size_rejects(bad: object) -> None:
    with pytest.raises(RilletError) as info:
        parse_size(bad)  # type: ignore[arg-type]
    assert info.value.code == "ERR_INVALID_ARG_VALUE"


def test_from_keywords_parses_and_validates() -> None:
    options = ServeOptions.from_keywords(rate="200k", max_upload="10m", chunk_size=1000)
    assert (options.rate, options.max_upload, options.chunk_size) == (204800, 10485760, 1000)
    with pytest.raises(TypeError):
        ServeOptions.from_keywords(colour="blue")
    for bad in ({"dotfiles": "show"}, {"auth": "nocolon"}, {"tls_cert": "c.pem"}, {"rate": 0}):
        with pytest.raises(RilletError):
            ServeOptions.from_keywords(**bad)
