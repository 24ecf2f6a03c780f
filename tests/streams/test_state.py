"""High-water marks: defaults, validation, the Duplex side options (R-HWM-1..5)."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest

from rillet import (
    Duplex,
    PassThrough,
    Readable,
    Transform,
    Writable,
    get_default_high_water_mark,
    set_default_high_water_mark,
)
from rillet.errors import RilletError


@pytest.fixture
def restore_defaults() -> Iterator[None]:
    saved = (get_default_high_water_mark(False), get_default_high_water_mark(True))
    yield
    set_default_high_water_mark(False, saved[0])
    set_default_high_water_mark(True, saved[1])


def test_r_hwm_1_defaults_are_64_kib_and_16_objects() -> None:
    assert get_default_high_water_mark(False) == 65536
    assert get_default_high_water_mark(True) == 16
    assert Readable().readable_high_water_mark == 65536
    assert Readable(object_mode=True).readable_high_water_mark == 16
    assert Writable().writable_high_water_mark == 65536
    assert Writable(object_mode=True).writable_high_water_mark == 16


def test_r_hwm_2_set_default_affects_only_streams_created_afterwards(
    restore_defaults: None,
) -> None:
    before = Readable()
    set_default_high_water_mark(False, 1024)
    set_default_high_water_mark(True, 3)
    assert before.readable_high_water_mark == 65536
    assert Readable().readable_high_water_mark == 1024
    assert Readable(object_mode=True).readable_high_water_mark == 3
    assert Writable().writable_high_water_mark == 1024
    transform = Transform()
    assert transform.readable_high_water_mark == 1024
    assert transform.writable_high_water_mark == 1024
    assert get_default_high_water_mark(False) == 1024


@pytest.mark.parametrize("value", [-1, -5.5, math.nan, math.inf, "5", True])
def test_r_hwm_2_set_default_validates_the_value(restore_defaults: None, value: object) -> None:
    with pytest.raises(TypeError) as info:
        set_default_high_water_mark(False, value)  # type: ignore[arg-type]
    assert getattr(info.value, "code", None) == "ERR_INVALID_ARG_VALUE"
    assert get_default_high_water_mark(False) == 65536


@pytest.mark.parametrize("value", [True, False, "5", {}, -5, math.nan, 1.5, math.inf, []])
def test_r_hwm_3_invalid_values_raise_err_invalid_arg_value(value: object) -> None:
    for make in (Readable, Writable):
        with pytest.raises(TypeError) as info:
            make(high_water_mark=value)
        err = info.value
        assert isinstance(err, RilletError)
        assert err.code == "ERR_INVALID_ARG_VALUE"
        assert "options.high_water_mark" in str(err)


def test_r_hwm_3_the_message_names_the_option_and_the_value() -> None:
    with pytest.raises(TypeError) as info:
        Readable(high_water_mark=-1)
    assert str(info.value) == "The property 'options.high_water_mark' is invalid. Received -1"


def test_r_hwm_3_a_duplex_names_the_side_option() -> None:
    # Node names the side's option even when high_water_mark itself is the bad one.
    with pytest.raises(TypeError, match=r"options\.readable_high_water_mark"):
        Duplex(high_water_mark=-1)
    with pytest.raises(TypeError, match=r"options\.readable_high_water_mark"):
        Duplex(readable_high_water_mark=-1)
    with pytest.raises(TypeError, match=r"options\.writable_high_water_mark"):
        Duplex(writable_high_water_mark="x")


@pytest.mark.parametrize("value", [0, 1, 2**31 + 1, 2**53 - 1, 7.0])
def test_r_hwm_3_integers_are_kept_exactly(value: float) -> None:
    assert Readable(high_water_mark=value).readable_high_water_mark == value
    assert Writable(high_water_mark=value).writable_high_water_mark == value
    assert type(Readable(high_water_mark=value).readable_high_water_mark) is int


def test_r_hwm_4_high_water_mark_beats_the_side_options_on_a_duplex() -> None:
    both = Duplex(high_water_mark=100, readable_high_water_mark=5, writable_high_water_mark=6)
    assert both.readable_high_water_mark == 100
    assert both.writable_high_water_mark == 100
    sides = Duplex(readable_high_water_mark=5, writable_high_water_mark=6)
    assert sides.readable_high_water_mark == 5
    assert sides.writable_high_water_mark == 6
    mixed = PassThrough(readable_object_mode=True, writable_high_water_mark=7)
    assert mixed.readable_high_water_mark == 16
    assert mixed.writable_high_water_mark == 7


def test_r_hwm_4_plain_streams_ignore_the_side_options_and_none_means_default() -> None:
    assert Readable(readable_high_water_mark=5).readable_high_water_mark == 65536  # type: ignore[call-arg]
    assert Writable(writable_high_water_mark=5).writable_high_water_mark == 65536  # type: ignore[call-arg]
    assert Readable(high_water_mark=None).readable_high_water_mark == 65536
    assert Duplex(readable_high_water_mark=None).readable_high_water_mark == 65536


def test_r_hwm_5_push_never_refuses_data_above_the_mark() -> None:
    stream = Readable(read=lambda _s, _n: None, high_water_mark=2)
    assert [stream.push(b"a"), stream.push(b"b"), stream.push(b"cdef")] == [True, False, False]
    assert stream.readable_length == 6
    assert stream.read() == b"abcdef"


def test_r_hwm_5_write_never_refuses_data_above_the_mark() -> None:
    seen: list[bytes] = []
    sink = Writable(write=lambda _s, chunk, _e, _cb: seen.append(chunk), high_water_mark=2)
    assert [sink.write(b"a"), sink.write(b"b"), sink.write(b"c")] == [True, False, False]
    assert sink.writable_length == 3
    assert seen == [b"a"]
