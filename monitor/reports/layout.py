"""The building blocks of the report's content that both renderers lay out: tables, items, subsections."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    widths: list[float]  # relative column widths


@dataclass
class Item:
    """One of the top narratives: a heading, a quoted example and labelled facts."""

    heading: str
    quote: str
    attribution: str
    facts: list[tuple[str, str]]


@dataclass
class Subsection:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    table: Table | None = None
    bullets: list[str] = field(default_factory=list)
