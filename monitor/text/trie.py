"""Regex alternations shaped as a character trie, so that many literal words compile to one fast pattern."""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["SEP", "trie_regex"]

# Separator between the words of a multi-word term: any non-word characters (or "_"), or none, but never a
# line break, so terms do not bridge the text and the URL/mention words the matcher appends after it.
SEP = r"(?:[^\w\n]|_)*"


def trie_regex(words: Iterable[str]) -> str:
    """A regex alternation equivalent to `words` (space = word separator), longest alternative first."""
    root: dict[str, dict] = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        ends = "" in node
        branches = []
        for ch in sorted(k for k in node if k):
            head = SEP if ch == " " else re.escape(ch)
            branches.append(head + emit(node[ch]))
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        # Greedy optional: the longer term is tried first, the shorter one is the fallback.
        return "(?:" + body + ")?" if ends else body

    return emit(root)
