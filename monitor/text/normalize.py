"""Normalisation of social-post text: one canonical form for matching, hashing and classifying.

The pipeline calls `normalize` on every post, so each step is a single precompiled regex or a C-level string
method, and the rarer steps (Unicode folding, URL/mention extraction, elongation) are skipped when a cheap
test shows they cannot apply.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from monitor.text.slang import DOUBLE_LETTER_WORDS, SLANG
from monitor.text.trie import trie_regex

__all__ = ["NormalizedText", "normalize", "text_hash"]


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """A post's text in canonical form, with the parts that were split out of it."""

    text: str
    urls: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    # Words written in capitals (3–6 letters) in otherwise mixed-case text: campaign acronyms such as "AMIN"
    # are only told apart from ordinary words ("amin" = amen) by their case, which lowercasing loses.
    acronyms: tuple[str, ...] = ()


# Invisible characters: C0/C1 controls (except the whitespace ones, which become spaces) and the format
# characters of Unicode category Cf (zero-width space/joiners, bidi controls, soft hyphen, BOM, tags), plus
# variation selectors, so that "cek\u200bdpt", "cek\u00addpt" and "❤️"/"❤" compare equal.
_INVISIBLE = re.compile(
    "["
    "\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f"
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f"
    "\ufe00-\ufe0f\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f\U000e0100-\U000e01ef"
    "]+"
)

# Cyrillic and Greek letters that look like Latin ones, used to dodge keyword filters ("КРU", "Ѕirekap").
_CONFUSABLES = str.maketrans(
    {
        "а": "a",
        "в": "b",
        "е": "e",
        "ё": "e",
        "к": "k",
        "м": "m",
        "н": "h",
        "о": "o",
        "р": "p",
        "с": "c",
        "т": "t",
        "у": "y",
        "х": "x",
        "і": "i",
        "ј": "j",
        "ѕ": "s",
        "ԁ": "d",
        "ԛ": "q",
        "ԝ": "w",
        "α": "a",
        "ε": "e",
        "ι": "i",
        "κ": "k",
        "ν": "v",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "υ": "u",
        "χ": "x",
    }
)

# Web addresses with a scheme or a leading "www."; bare domains are kept as words so that a post saying
# "cek di cekdptonline.kpu.go.id" still matches its terms in the text itself.
_URL = re.compile(r"(?:(?:https?|ftp)://|www\.)[^\s<>\"'`{}|\\^\[\]]+", re.IGNORECASE)
_URL_TRAILING = ".,;:!?)]}'\"…"
# "@name" not preceded by a word character (so e-mail addresses are not mentions).
_MENTION = re.compile(r"(?<![\w@.])@(\w{1,64})")
_HASHTAG = re.compile(r"(?<![\w#&])#(\w+)")

# A word containing a letter repeated three or more times ("bangettt", "hoaxxx", "maaaaf"); digits are never
# collapsed ("2000"). The ASCII patterns are several times faster than the Unicode ones and serve ASCII text.
_ELONGATED_WORD = re.compile(r"\b\w*?([^\W\d_])\1\1\w*")
_RUN = re.compile(r"([^\W\d_])\1{2,}")
_ELONGATED_WORD_ASCII = re.compile(r"\b\w*?([a-z])\1\1\w*")
_RUN_ASCII = re.compile(r"([a-z])\1\1")


def _collapse(match: re.Match[str]) -> str:
    word = match.group(0)
    doubled = _RUN.sub(r"\1\1", word)
    if doubled in DOUBLE_LETTER_WORDS:
        return doubled
    return _RUN.sub(r"\1", word)


# Informal spellings as one trie-shaped alternation with word boundaries on both sides.
_SLANG = re.compile(r"\b(?:" + trie_regex(SLANG) + r")\b")


def _expand(match: re.Match[str]) -> str:
    return SLANG[match.group(0)]


def _strip_url(url: str) -> str:
    """Drop punctuation that ends the sentence rather than the address; keep a ')' the address opened."""
    while url and url[-1] in _URL_TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def normalize(text: str) -> NormalizedText:
    """Return the canonical form of `text` and the URLs, mentions and hashtags found in it.

    Steps: NFKC (fullwidth and styled letters become plain ones), invisible characters removed, look-alike
    Cyrillic/Greek letters mapped to Latin, URLs and @mentions split out and removed, hashtags kept as words
    without '#', lowercase, letters repeated three or more times collapsed, informal spellings expanded,
    whitespace collapsed. The result is idempotent:
    ``normalize(normalize(s).text).text == normalize(s).text``.
    """
    if not isinstance(text, str):
        raise TypeError(f"normalize() expects str, got {type(text).__name__}")
    plain_ascii = text.isascii()
    if not plain_ascii:
        text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    elif not text.isprintable():  # ASCII text can only hold control characters
        text = _INVISIBLE.sub("", text)

    acronyms = _acronyms(text)
    urls: list[str] = []
    mentions: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    if "://" in text or "www." in text or "WWW." in text:

        def take_url(match: re.Match[str]) -> str:
            url = match.group(0)
            core = _strip_url(url)
            urls.append(core)
            return " " + url[len(core) :]

        text = _URL.sub(take_url, text)
    if "@" in text:
        found = _MENTION.findall(text)
        if found:
            mentions = tuple(m.lower() for m in found)
            text = _MENTION.sub(" ", text)

    text = text.lower()
    if not plain_ascii:
        text = text.translate(_CONFUSABLES)
    if "#" in text:
        found = _HASHTAG.findall(text)
        if found:
            hashtags = tuple(found)
            text = _HASHTAG.sub(r"\1", text)

    if plain_ascii:
        if _RUN_ASCII.search(text) is not None:
            text = _ELONGATED_WORD_ASCII.sub(_collapse, text)
            hashtags = tuple(_ELONGATED_WORD_ASCII.sub(_collapse, h) for h in hashtags)
    elif _RUN.search(text) is not None:
        text = _ELONGATED_WORD.sub(_collapse, text)
        hashtags = tuple(_ELONGATED_WORD.sub(_collapse, h) for h in hashtags)
    text = _SLANG.sub(_expand, text)
    text = " ".join(text.split())
    return NormalizedText(
        text=text, urls=tuple(urls), mentions=mentions, hashtags=hashtags, acronyms=acronyms
    )


_CAPITAL_WORD = re.compile(r"(?<![\w])[A-Z]{3,6}(?![\w])")
_LOWER_LETTER = re.compile(r"[a-z]")


def _acronyms(text: str) -> tuple[str, ...]:
    """Capitalised words of a text that also has lowercase letters (in all-caps text case says nothing)."""
    if _LOWER_LETTER.search(text) is None:
        return ()
    found = _CAPITAL_WORD.findall(text)
    return tuple(sorted(set(found))) if found else ()


def text_hash(text: str) -> str:
    """Hex SHA-1 of the normalised text: equal for posts that differ only in case, spacing, links, slang."""
    return hashlib.sha1(normalize(text).text.encode("utf-8")).hexdigest()
