"""Language of a post from its own words: Indonesian or English by stop-word share, else unknown.

Why not the feed's tag: WordPress sites serve `<language>en-US</language>` over Indonesian articles, and
Telegram pages carry no language at all. Why not a statistical detector: lingua is a ~100 MB install,
langdetect is unmaintained since 2021 and non-deterministic without a seed, and the monitor only needs to tell
Indonesian from English (the two languages its keywords and models cover). Function words decide this
reliably, helped by Indonesian affixes (-kan, -nya, me-/ber- verbs) that English words do not carry. Fewer
than two words of evidence, or no clear winner, gives None: the honest answer for a regional language, a
slogan or a link.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-zA-Z]+(?:-[a-zA-Z]+)*")


def _words(block: str) -> frozenset[str]:
    return frozenset(block.split())


INDONESIAN = _words(
    """
    apa bisa untuk tak kapan sudah siapa yakni tetapi kok juga tapi bagi pada bagaimana ketika agar
    lagi sebelum para lebih pun adalah supaya yaitu udah jika semua ia hanya harus mereka serta
    hingga dan dimana setelah kami tersebut kita saat karena loh nya oleh dengan mengapa sana begitu
    belum ialah sangat kepada sini ini dapat itu seperti akan banyak aja jadi ke masih anda dalam
    tidak telah nggak enggak kalau saya ada sih saja bahwa yang sampai setiap sebagai deh namun dong
    dia dari gak di atau
    """
)
ENGLISH = _words(
    """
    those after be what which were would is can before been you at and or all its he just had with
    to our have from then she these only there will not her they was an who the in some are has his
    of on could your that it when over but than should about how their for we more as by into them
    also this
    """
)

# Indonesian affixes that English words almost never carry: -kan, -nya, -lah, and the me-/ber- verb prefixes.
_ID_AFFIX = re.compile(r"^(?:(?:me[mn]?g?y?|ber|ter|di|ke)[a-z]{3,}(?:kan|an|i)|[a-z]{3,}(?:kan|nya|lah))$")
_EN_AFFIX = re.compile(r"^[a-z]{3,}(?:tion|tions|ness|ments?|ship)$")

MIN_EVIDENCE = 2  # words that speak for a language before deciding
MARGIN = 2.0  # the winner needs this many times the loser's evidence


def detect_language(text: str | None) -> str | None:
    """'id' or 'en' when the text's function words and affixes say so clearly; None when they do not."""
    if not text:
        return None
    indonesian = english = 0
    for match in _WORD.finditer(text[:5000]):
        word = match.group(0).lower()
        if word in INDONESIAN or _ID_AFFIX.match(word):
            indonesian += 1
        elif word in ENGLISH or _EN_AFFIX.match(word):
            english += 1
    if indonesian + english < MIN_EVIDENCE:
        return None
    if indonesian >= MARGIN * english and indonesian > english:
        return "id"
    if english >= MARGIN * indonesian and english > indonesian:
        return "en"
    return None
