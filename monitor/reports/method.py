"""The method notes' inputs: the active model's card (summarised) and the keywords version."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from monitor.config import Settings
from monitor.scoring.registry import active_card
from monitor.text import KeywordsError, load_keywords


@dataclass
class ModelCard:
    origin: str  # where the card was read
    version: str | None
    created_at: str | None
    threshold: float | None
    target_precision: float | None
    precision: float | None
    recall: float | None
    f1: float | None
    data_sources: list[str]
    split_date: str | None = None
    train_rows: int | None = None
    test_rows: int | None = None


# -- model card and keywords --------------------------------------------------------------------------------
def _find_number(tree: Any, name: str) -> float | None:
    """The first numeric value under key `name`, breadth-first (the card's layout may vary by version)."""
    queue = [tree]
    while queue:
        node = queue.pop(0)
        if isinstance(node, dict):
            for key, value in node.items():
                if key.lower() == name and isinstance(value, int | float) and not isinstance(value, bool):
                    return float(value)
            queue.extend(value for value in node.values() if isinstance(value, dict))
    return None


def _rows_text(rows: Any) -> str:
    return f" ({int(rows):,} baris)".replace(",", ".") if isinstance(rows, int) else ""


def _data_sources(card: dict[str, Any]) -> list[str]:
    """Readable names of the training data (never the card's raw keys such as split_date or train)."""
    for key in ("data_sources", "data", "training_data", "datasets"):
        items = card.get(key)
        if isinstance(items, dict) and isinstance(items.get("sources"), list):
            items = items["sources"]  # {"sources": [...], "split_date": ..., "train": {...}, ...}
        elif isinstance(items, dict):
            items = [{"name": k, **v} if isinstance(v, dict) else {"name": k} for k, v in items.items()]
        if isinstance(items, list) and items:
            names = []
            for item in items:
                if isinstance(item, str):
                    names.append(item)
                elif isinstance(item, dict):
                    label = item.get("name") or item.get("source") or item.get("path")
                    if label:
                        names.append(str(label) + _rows_text(item.get("rows")))
            return names
    return []


def summarise_card(card: dict[str, Any], origin: str) -> ModelCard:
    metrics = card.get("metrics") if isinstance(card.get("metrics"), dict) else card
    return ModelCard(
        origin=origin,
        version=str(card["version"]) if card.get("version") is not None else None,
        created_at=str(card["created_at"]) if card.get("created_at") else None,
        threshold=_find_number({"t": card.get("threshold")}, "t"),
        target_precision=_find_number(card, "target_precision"),
        precision=_find_number(metrics, "precision") or _find_number(card, "precision"),
        recall=_find_number(metrics, "recall") or _find_number(card, "recall"),
        f1=_find_number(metrics, "f1") or _find_number(card, "f1"),
        data_sources=_data_sources(card),
        **_split(card.get("data")),
    )


def _split(data: Any) -> dict[str, Any]:
    """The time split of the training data, when the card records it."""
    if not isinstance(data, dict):
        return {}
    train, test = data.get("train"), data.get("test")
    return {
        "split_date": str(data["split_date"]) if data.get("split_date") else None,
        "train_rows": train.get("rows") if isinstance(train, dict) else None,
        "test_rows": test.get("rows") if isinstance(test, dict) else None,
    }


def load_card(session: Session, settings: Settings) -> tuple[str | None, ModelCard | None]:
    """The active model version and its card summary (resolved by monitor.scoring.registry)."""
    active = active_card(settings, session)
    return active.version, summarise_card(active.card, active.origin or "") if active.card else None


def keywords_version(settings: Settings) -> str | None:
    """The keywords file's version for the method notes; None when the file is missing or invalid."""
    try:
        return load_keywords(settings.path(settings.paths.keywords_file)).version
    except KeywordsError:
        return None
