"""Hostile JSON lines for import tests and bench/hostile.py: each with the words its rejection names.

A line is text exactly as it would sit in a JSON-lines export (so bare `Infinity`, `1e400` and 10,000
levels of nesting are possible, which json.dumps would never write)."""

from __future__ import annotations

import json

RELEVANT = "Cek DPT kalian di cekdptonline sebelum 14 Februari ya"


def good(native_id: str, **extra: object) -> str:
    item = {
        "platform": "x",
        "native_id": native_id,
        "text": f"{RELEVANT} #{native_id}",
        "created_at": "2024-02-14T08:00:00+07:00",
        "likes": 3,
        **extra,
    }
    return json.dumps(item)


def _with(native_id: str, **fields: object) -> str:
    return good(native_id, **fields)


def _raw(native_id: str, fragment: str) -> str:
    """A good line with one member written by hand (for values json.dumps refuses to write)."""
    return good(native_id)[:-1] + ", " + fragment + "}"


DEEP = 10_000

# name -> (line, words the rejection reason must contain)
HOSTILE: dict[str, tuple[str, str]] = {
    "nesting-10000": ('{"a":' * DEEP + "1" + "}" * DEEP, "nested too deeply"),
    "nesting-extra-10000": (_raw("h-deep", '"x": ' + "[" * DEEP + "]" * DEEP), "nested too deeply"),
    "nesting-extra-50": (_raw("h-deep50", '"x": ' + "[" * 50 + "]" * 50), "nested deeper than"),
    "likes-1e30": (_raw("h-1e30", '"likes": 1e30').replace('"likes": 3, ', ""), "larger than"),
    "likes-infinity": (_raw("h-inf", '"views": Infinity'), "Infinity is not a number"),
    "likes-nan": (_raw("h-nan", '"views": NaN'), "NaN is not a number"),
    "likes-string-1e400": (_with("h-s1e400", likes="1e400"), "finite"),
    "likes-bare-1e400": (_raw("h-b1e400", '"shares": 1e400'), "out of range"),
    "likes-negative": (_with("h-neg", likes=-5), "negative"),
    "likes-huge-int": (_with("h-bigint", views=10**30), "larger than"),
    "likes-5000-digits": (_raw("h-digits", '"replies": ' + "9" * 5000), "invalid JSON"),
    "likes-boolean": (_with("h-bool", likes=True), "whole number"),
    "date-overflow-utc": (_with("h-d9999", created_at="9999-12-31T23:59:59-05:00"), "out of range"),
    "date-year-9999": (_with("h-y9999", created_at="9999-12-31T23:59:59Z"), "outside the accepted range"),
    "date-1900": (_with("h-1900", created_at="1900-01-01T00:00:00Z"), "outside the accepted range"),
    "epoch-1e20": (_with("h-e20", created_at=1e20), "out of range"),
    "epoch-string-1e20": (_with("h-se20", created_at="100000000000000000000"), "out of range"),
    "surrogate-text": (_with("h-sur", text=RELEVANT + " \ud800"), "unpaired surrogate"),
    "surrogate-author": (_with("h-sura", author_name="Budi \udfff"), "unpaired surrogate"),
    "surrogate-extra-key": (_raw("h-surk", '"\\ud800": 1'), "unpaired surrogate"),
    "nul-text": (_with("h-nul", text=RELEVANT + " \x00 tersembunyi"), "NUL character"),
    "nul-extra": (_with("h-nulx", catatan="a\x00b"), "NUL character"),
    "native-id-201": (_with("x" * 201), "201 characters"),
    "author-handle-201": (_with("h-handle", author_handle="u" * 201), "201 characters"),
    "author-name-301": (_with("h-name", author_name="n" * 301), "301 characters"),
    "lang-11": (_with("h-lang", lang="indonesiana"), "11 characters"),
    "platform-31": (_with("h-plat", platform="p" * 31), "31 characters"),
    "text-not-string": (_with("h-list", text=["pemilu", "hoaks"]), "expected text"),
    "text-over-cap": (_with("h-big", text=RELEVANT + " " + "a" * 100_001), "max_text_chars"),
    "not-an-object": ('["pemilu", 1]', "expected a JSON object"),
}
