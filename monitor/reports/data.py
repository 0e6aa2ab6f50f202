"""Gather one frozen week from the store into plain, hashable data (pandas shapes the aggregates).

Everything the report shows comes from `WeeklyData`; its canonical JSON is what the snapshot hash
covers, so two reports with the same hash said the same thing.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from sqlalchemy.orm import Session

from monitor.config import Settings
from monitor.store import Database, queries, weekly
from monitor.store.weekly import TOPIC_GROUPS, WeekWindow

AGENCIES = ("bawaslu", "polri")
DECISION_LABELS = {"hoax": True, "not_hoax": False}  # officer verdicts that measure the flag's precision
QUOTE_CHARS = 180
URL_RE = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
MENTION_RE = re.compile(r"(?<![\w@])@([A-Za-z0-9_][A-Za-z0-9_.]{0,49})")


@dataclass
class WeekFigures:
    """The Ringkasan numbers of one week."""

    collected: int = 0  # items read by collection runs/imports started in the week
    relevant: int = 0  # election-relevant posts stored, created in the week
    flagged: int = 0
    hoax: int = 0  # of the week's posts, confirmed hoaxes (triage status "hoax")
    escalated_bawaslu: int = 0  # escalations recorded in the audit trail during the week
    escalated_polri: int = 0
    decisions: int = 0  # posts decided during the week
    median_decision_seconds: float | None = None  # flag -> decision, decisions of the week


@dataclass
class TopGroup:
    """One of the week's largest narratives (or groups of identical flagged posts)."""

    kind: str  # "narrative" | "text_hash"
    key: str
    label: str | None
    posts: int
    previous_posts: int
    flagged: int
    reach: int
    example: str
    example_author: str
    example_platform: str
    example_at: datetime | None
    claim_key: str | None
    claim: str | None
    claim_source: str | None
    claim_url: str | None
    status: str | None  # the narrative's own status, when it has one
    statuses: dict[str, int] = field(default_factory=dict)  # triage status of its flagged posts


@dataclass
class SourceHealth:
    name: str
    type: str | None
    enabled: bool
    runs: int
    read: int
    relevant: int
    new: int
    failed: int
    days_with_runs: list[int]
    missing_days: list[int]


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


@dataclass
class WeeklyData:
    week: WeekWindow
    previous: WeekWindow
    district: str
    figures: WeekFigures
    previous_figures: WeekFigures
    daily: pd.DataFrame  # index 0..6 (every day), posts/flagged/hoax and <topic>_posts/<topic>_flagged
    platforms: pd.DataFrame  # platform, posts, flagged
    triage: dict[str, int]
    groups: list[TopGroup]
    group_kind: str | None
    sources: list[SourceHealth]
    model_versions: dict[str, int]
    active_model: str | None
    card: ModelCard | None
    keywords_version: str | None
    week_precision: dict[str, Any]
    newest_post: datetime | None
    snapshot: str = ""

    @property
    def empty(self) -> bool:
        return self.figures.relevant == 0 and self.figures.collected == 0 and self.figures.decisions == 0

    def topic_share(self) -> pd.DataFrame:
        """Per topic group: posts, flagged and the flagged share (0..1, NaN without posts)."""
        rows = []
        for key in TOPIC_GROUPS:
            posts = int(self.daily[f"{key}_posts"].sum())
            flagged = int(self.daily[f"{key}_flagged"].sum())
            rows.append({"topic": key, "posts": posts, "flagged": flagged})
        frame = pd.DataFrame(rows)
        frame["share"] = frame["flagged"] / frame["posts"].where(frame["posts"] > 0)
        return frame

    def canonical(self) -> dict[str, Any]:
        """Everything the report shows, as JSON-ready data with a fixed key order (what is hashed)."""
        return {
            "week": self.week.label,
            "timezone": self.week.tz.key,
            "district": self.district,
            "figures": asdict(self.figures),
            "previous_figures": asdict(self.previous_figures),
            "daily": self.daily.reset_index().to_dict(orient="records"),
            "platforms": self.platforms.to_dict(orient="records"),
            "triage": self.triage,
            "group_kind": self.group_kind,
            "groups": [asdict(group) for group in self.groups],
            "sources": [asdict(source) for source in self.sources],
            "model_versions": self.model_versions,
            "active_model": self.active_model,
            "card": asdict(self.card) if self.card else None,
            "keywords_version": self.keywords_version,
            "week_precision": self.week_precision,
            "newest_post": self.newest_post,
        }


def snapshot_hash(data: WeeklyData) -> str:
    text = json.dumps(data.canonical(), sort_keys=True, ensure_ascii=False, default=_json_default)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"cannot hash {type(value).__name__}")


# -- pseudonyms and quotes ----------------------------------------------------------------------------------
def pseudonym(platform: str, handle: str | None, salt: str) -> str:
    """A stable, salted stand-in for an author handle ("akun-3f2a"); the same account keeps its name."""
    if not handle:
        return "akun-anonim"
    digest = hashlib.sha256(
        f"{salt}\x1f{platform.lower()}\x1f{handle.lower().lstrip('@')}".encode()
    ).hexdigest()
    return f"akun-{digest[:4]}"


def quote_of(text: str, platform: str, salt: str, limit: int = QUOTE_CHARS) -> str:
    """A short example for print: mentions pseudonymised, links removed, cut at a word boundary."""
    cleaned = MENTION_RE.sub(lambda m: "@" + pseudonym(platform, m.group(1), salt), text)
    cleaned = URL_RE.sub("[tautan]", cleaned)
    cleaned = " ".join(cleaned.split())
    if len(cleaned) <= limit:
        return cleaned
    cut = cleaned[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",.;:") + " …"


# -- helpers for the figures --------------------------------------------------------------------------------
def escalation_target(action: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> str | None:
    """The agency an audit event escalated a post to (bawaslu/polri), or None when it was no escalation.

    monitor/triage.py records item states before and after: an event escalates when `escalated_to`
    changes to an agency. An event without states counts by its action name ("escalate_polri").
    Narrative-wide summary events ("narrative.escalate_polri") are skipped: their posts have their own."""
    if isinstance(after, dict) and "escalated_to" in after:
        target = after.get("escalated_to")
        if not isinstance(target, str) or target.lower() not in AGENCIES:
            return None
        previous = (before or {}).get("escalated_to")
        return target.lower() if previous != target else None
    name = (action or "").lower()
    if name.startswith(("escalat", "eskalasi")):
        for agency in AGENCIES:
            if agency in name:
                return agency
    return None


def count_escalations(events: list[dict[str, Any]]) -> dict[str, int]:
    """Distinct items escalated to each agency (an item escalated twice to Polri counts once)."""
    seen: dict[str, set[tuple[str, int]]] = {agency: set() for agency in AGENCIES}
    for event in events:
        target = escalation_target(event["action"], event.get("before"), event.get("after"))
        if target is None:
            continue
        if event.get("post_id") is not None:
            item = ("post", int(event["post_id"]))
        elif event.get("narrative_id") is not None:
            item = ("narrative", int(event["narrative_id"]))
        else:
            item = ("event", int(event["id"]))
        seen[target].add(item)
    return {agency: len(items) for agency, items in seen.items()}


def median_decision_seconds(decisions: list[dict[str, Any]]) -> float | None:
    spans = [
        (row["decided_at"] - row["flagged_at"]).total_seconds()
        for row in decisions
        if row["flagged_at"] is not None
        and row["decided_at"] is not None
        and row["decided_at"] >= row["flagged_at"]
    ]
    if not spans:
        return None
    return float(pd.Series(spans, dtype="float64").median())


def week_precision(decisions: list[dict[str, Any]]) -> dict[str, Any]:
    """Officers' verdicts on flagged posts decided this week: the flag's measured precision."""
    confirmed = sum(1 for row in decisions if row["flagged"] and row["status"] == "hoax")
    rejected = sum(1 for row in decisions if row["flagged"] and row["status"] == "not_hoax")
    total = confirmed + rejected
    return {
        "confirmed": confirmed,
        "rejected": rejected,
        "precision": round(confirmed / total, 4) if total else None,
    }


def _daily_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    columns = ["posts", "flagged", "hoax"] + [
        f"{key}_{kind}" for key in TOPIC_GROUPS for kind in ("posts", "flagged")
    ]
    frame = pd.DataFrame(rows, columns=["day", *columns]).set_index("day")
    return frame.reindex(range(7), fill_value=0).astype("int64")


def _figures(session: Session, window: WeekWindow, daily: pd.DataFrame) -> WeekFigures:
    runs = weekly.ingest_by_source_day(session, window)
    escalations = count_escalations(weekly.triage_events(session, window))
    decided = weekly.decisions(session, window)
    return WeekFigures(
        collected=sum(row["read"] for row in runs),
        relevant=int(daily["posts"].sum()),
        flagged=int(daily["flagged"].sum()),
        hoax=int(daily["hoax"].sum()),
        escalated_bawaslu=escalations["bawaslu"],
        escalated_polri=escalations["polri"],
        decisions=len(decided),
        median_decision_seconds=median_decision_seconds(decided),
    )


def _sources(session: Session, window: WeekWindow) -> list[SourceHealth]:
    runs = pd.DataFrame(
        weekly.ingest_by_source_day(session, window),
        columns=["source", "day", "runs", "read", "relevant", "new", "updated", "rejected", "failed"],
    )
    known = {row["name"]: row for row in weekly.configured_sources(session)}
    names = sorted(set(runs["source"]) | set(known))
    result = []
    for name in names:
        mine = runs[runs["source"] == name]
        days = sorted(int(day) for day in mine.loc[mine["runs"] > 0, "day"])
        config = known.get(name, {})
        result.append(
            SourceHealth(
                name=name,
                type=config.get("type"),
                enabled=bool(config.get("enabled", True)),
                runs=int(mine["runs"].sum()),
                read=int(mine["read"].sum()),
                relevant=int(mine["relevant"].sum()),
                new=int(mine["new"].sum()),
                failed=int(mine["failed"].sum()),
                days_with_runs=days,
                missing_days=[day for day in range(7) if day not in days],
            )
        )
    return result


def _groups(session: Session, window: WeekWindow, salt: str) -> tuple[str | None, list[TopGroup]]:
    kind = "narrative" if weekly.week_has_narratives(session, window) else "text_hash"
    top = weekly.top_groups(session, window, kind)
    if not top:
        return None, []
    keys = [group["key"] for group in top]
    previous = weekly.group_counts(session, window.previous(), kind, keys)
    statuses = weekly.group_statuses(session, window, kind, keys)
    claims_of = weekly.group_claims(session, window, kind, keys)
    narratives = weekly.narratives_by_id(session, keys) if kind == "narrative" else {}
    for narrative in narratives.values():
        if narrative["known_claim_id"] is not None:
            claims_of[narrative["id"]] = narrative["known_claim_id"]
    examples = weekly.posts_by_id(session, [g["example_id"] for g in top if g["example_id"] is not None])
    claims = weekly.claims_by_id(session, sorted(set(claims_of.values())))
    groups = []
    for group in top:
        post = examples.get(group["example_id"], {})
        claim = claims.get(claims_of.get(group["key"]), {}) if claims_of.get(group["key"]) else {}
        narrative = narratives.get(group["key"], {})
        platform = str(post.get("platform") or "")
        groups.append(
            TopGroup(
                kind=kind,
                key=str(group["key"]),
                label=quote_of(narrative["label"], platform, salt, 120) if narrative.get("label") else None,
                posts=group["posts"],
                previous_posts=previous.get(group["key"], 0),
                flagged=group["flagged"],
                reach=group["reach"],
                example=quote_of(str(post.get("text") or ""), platform, salt),
                example_author=pseudonym(platform, post.get("author_handle"), salt),
                example_platform=platform,
                example_at=post.get("created_at"),
                claim_key=claim.get("key"),
                claim=claim.get("claim"),
                claim_source=claim.get("source"),
                claim_url=claim.get("source_url"),
                status=narrative.get("status"),
                statuses=statuses.get(group["key"], {}),
            )
        )
    return kind, groups


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


def _data_sources(card: dict[str, Any]) -> list[str]:
    for key in ("data_sources", "data", "training_data", "datasets"):
        items = card.get(key)
        if isinstance(items, dict):
            items = [{"name": k, **v} if isinstance(v, dict) else {"name": k} for k, v in items.items()]
        if isinstance(items, list) and items:
            names = []
            for item in items:
                if isinstance(item, str):
                    names.append(item)
                elif isinstance(item, dict):
                    label = item.get("name") or item.get("path") or item.get("source")
                    if label:
                        names.append(str(label))
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
    )


def load_card(session: Session, settings: Settings) -> tuple[str | None, ModelCard | None]:
    """The active model version and its card: from model_versions, else models/default/card.json."""
    active = queries.active_model(session)
    if active is not None and active.card:
        return active.version, summarise_card(active.card, f"model_versions: {active.version}")
    path = settings.path(settings.paths.models_dir) / "default" / "card.json"
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return (active.version if active else None), None
    if not isinstance(card, dict):
        return (active.version if active else None), None
    origin = _relative(path, settings.home)
    return (active.version if active else card.get("version")), summarise_card(card, origin)


def keywords_version(settings: Settings) -> str | None:
    path = settings.path(settings.paths.keywords_file)
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    version = content.get("version") if isinstance(content, dict) else None
    return str(version) if version is not None else None


def _relative(path: Path, home: Path) -> str:
    try:
        return str(path.resolve().relative_to(home.resolve()))
    except ValueError:
        return str(path)


# -- the whole week -----------------------------------------------------------------------------------------
def collect_week(db: Database, settings: Settings, window: WeekWindow) -> WeeklyData:
    """Read one week (and the previous one, for the changes) in a single transaction."""
    salt = settings.report.pseudonym_salt or settings.report.district_label or settings.district
    previous = window.previous()
    with db.session() as session:
        daily = _daily_frame(weekly.daily_posts(session, window))
        previous_daily = _daily_frame(weekly.daily_posts(session, previous))
        figures = _figures(session, window, daily)
        previous_figures = _figures(session, previous, previous_daily)
        platforms = pd.DataFrame(
            weekly.platform_counts(session, window), columns=["platform", "posts", "flagged"]
        )
        platforms = platforms.sort_values(["posts", "platform"], ascending=[False, True], kind="stable")
        group_kind, groups = _groups(session, window, salt)
        decided = weekly.decisions(session, window)
        active, card = load_card(session, settings)
        data = WeeklyData(
            week=window,
            previous=previous,
            district=settings.report.district_label or settings.district,
            figures=figures,
            previous_figures=previous_figures,
            daily=daily,
            platforms=platforms.reset_index(drop=True),
            triage=weekly.triage_status_counts(session, window),
            groups=groups,
            group_kind=group_kind,
            sources=_sources(session, window),
            model_versions=weekly.model_versions_used(session, window),
            active_model=active,
            card=card,
            keywords_version=keywords_version(settings),
            week_precision=week_precision(decided),
            newest_post=weekly.newest_post_at(session, window),
        )
    data.snapshot = snapshot_hash(data)
    return data
