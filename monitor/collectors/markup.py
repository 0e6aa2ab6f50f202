"""Small helpers to turn the HTML that platforms embed in JSON and feeds into plain text."""

from __future__ import annotations

import html
import re

_BLOCK_TAGS = re.compile(r"<\s*(br\s*/?|/p|/li|/h\d|/blockquote|/div)\s*>", re.IGNORECASE)
_DROP = re.compile(r"<\s*(script|style)\b.*?<\s*/\s*\1\s*>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"[ \t\u00a0]+")
_PARAGRAPH_GAP = re.compile(r"\n{3,}")


def html_to_text(content: str | None) -> str:
    """HTML as plain text: paragraphs and <br> become line breaks, tags dropped, entities decoded."""
    if not content:
        return ""
    text = _DROP.sub("", content)
    text = _BLOCK_TAGS.sub("\n", text)
    text = _TAGS.sub("", text)
    text = html.unescape(text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _PARAGRAPH_GAP.sub("\n\n", "\n".join(lines)).strip()
