"""HTTP file semantics for ``rillet serve``: path safety, types, validators, ranges,
content negotiation and listings (pure functions), and the request handler."""

from rillet.static._mime import content_type, is_compressible
from rillet.static._negotiation import choose_coding
from rillet.static._paths import Resolution, Verdict, resolve
from rillet.static._ranges import ByteRange, RangeRequest, parse_range
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
    "Verdict",
    "choose_coding",
    "content_type",
    "etag_for",
    "evaluate_preconditions",
    "http_date",
    "if_range_allows",
    "is_compressible",
    "parse_range",
    "resolve",
]
