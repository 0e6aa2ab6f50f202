"""Which grouped posts may be members of a narrative, and which only answer one.

A narrative holds the retellings of one false claim. A fact-check, a news report or an official account's post
that mentions the claim is not a retelling: it is a *response*, kept beside the narrative (and counted for it)
but never inside it, so it cannot give the narrative its title, its quote or its size. The role is decided
from what the post is (a news feed, an official account) before what it says (debunk wording), because a KPU
clarification often repeats the hoax word for word.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Literal

from monitor.classify.features import DEBUNK_MARKERS
from monitor.records import account_key

Role = Literal["member", "debunk", "news", "official"]
RESPONSE_ROLES: tuple[str, ...] = ("debunk", "news", "official")

# Names of public institutions whose accounts announce and clarify; a handle list in the settings adds more.
_OFFICIAL_NAME = re.compile(
    r"^\s*(?:humas\s+)?(?:kpu|bawaslu|dkpp|polres|polda|polri|polsek|ppk|pps|kominfo|komdigi|diskominfo|"
    r"pemkab|pemprov|pemerintah)\b",
    re.IGNORECASE,
)
# Strong fact-check wording only: a hoax may call the authorities "tidak benar", rarely itself a hoax.
_STRONG_DEBUNK = tuple(
    marker
    for marker in DEBUNK_MARKERS
    if not marker.startswith(r"tidak ") and marker != "menyesatkan" and "beredar|viral" not in marker
)
_DEBUNK = re.compile("|".join(f"(?:{m})" for m in _STRONG_DEBUNK), re.IGNORECASE)
# Chain-message wording that denies being a hoax ("ini bukan hoaks") must not read as a debunk.
_NOT_A_DEBUNK = re.compile(r"\bbukan (?:hoaks|hoax)\b", re.IGNORECASE)


def is_debunk_text(text: str) -> bool:
    """True when the text reads as a fact-check or clarification of a claim."""
    return bool(_DEBUNK.search(text)) and not _NOT_A_DEBUNK.search(text)


def post_role(
    *,
    text: str,
    platform: str,
    author_handle: str | None = None,
    author_name: str | None = None,
    official_handles: Collection[str] = (),
) -> Role:
    """Member (a possible retelling) or the kind of response the post is. `official_handles`: account keys
    (`monitor.records.account_keys` of the configured accounts)."""
    if platform == "news":
        return "news"
    handle = account_key(author_handle)
    if handle and handle in official_handles:
        return "official"
    if author_name and _OFFICIAL_NAME.match(author_name):
        return "official"
    if is_debunk_text(text):
        return "debunk"
    return "member"
