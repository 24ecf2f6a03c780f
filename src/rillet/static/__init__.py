"""HTTP file semantics for ``rillet serve``: path safety, types, validators, ranges,
content negotiation and listings (pure functions), and the request handler."""

from rillet.static._handler import StaticHandler, serve_static
from rillet.static._mime import content_type, is_compressible
from rillet.static._negotiation import choose_coding
from rillet.static._options import ServeOptions, parse_size
from rillet.static._paths import Resolution, Verdict, resolve
from rillet.static._ranges import ByteRange, RangeRequest, parse_range
from rillet.static._stats import Transfer, TransferRegistry
from rillet.static._validators import (
    Precondition,
    etag_for,
    evaluate_preconditions,
    http_date,
    if_range_allows,
)

__all__ = [
    "ByteRange",
    "Precondition",
    "RangeRequest",
    "Resolution",
    "ServeOptions",
    "StaticHandler",
    "Transfer",
    "TransferRegistry",
    "Verdict",
    "choose_coding",
    "content_type",
    "etag_for",
    "evaluate_preconditions",
    "http_date",
    "if_range_allows",
    "is_compressible",
    "parse_range",
    "parse_size",
    "resolve",
    "serve_static",
]
