"""Gather one frozen week from the store into plain, hashable data (pandas shapes the aggregates).

Everything the report shows comes from `WeeklyData`; its canonical JSON is what the snapshot hash
covers, so two reports with the same hash said the same thing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from monitor.config import Settings
from monitor.narratives.ranking import rank_score
from monitor.reports.method import ModelCard, keywords_version, load_card
from monitor.reports.rules import (
    count_escalations,
    median_decision_seconds,
    pseudonym,
    quote_of,
    week_precision,
)
from monitor.store import Database, weekly
from monitor.store import narratives as narrative_store
from monitor.store.tips import TiplineWeek, tipline_week
from monitor.store.weekly import TOPIC_GROUPS, WeekWindow

TOP_GROUPS = 5  # narratives shown in the report
CANDIDATE_GROUPS = 50  # the week's largest groups, ranked to find those five


@dataclass
class WeekFigures:
    """The Ringkasan numbers of one week."""

    collected: int = 0  # items read by collection runs/imports started in the week
    collected_relevant: int = 0  # of those, election-relevant (the same runs: comparable with `collected`)
    runs: int = 0  # collection runs/imports started in the week
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
    # Debunks, news and official posts answering the narrative (never counted as its posts), by kind.
    responses: dict[str, int] = field(default_factory=dict)


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
    # "Pertanyaan warga": the citizen tipline's week (monitor.tipline.citizen_questions, read here in the
    # report's own transaction so it belongs to the same frozen snapshot) and the week before.
    questions: TiplineWeek = field(default_factory=lambda: TiplineWeek(0, 0, 0, 0, None))
    previous_questions: TiplineWeek = field(default_factory=lambda: TiplineWeek(0, 0, 0, 0, None))
    snapshot: str = ""

    @property
    def has_questions(self) -> bool:
        """The tipline received tips this week or last: only then does the report show the section (a
        district without the tipline gets no table of zeros)."""
        return bool(self.questions.received or self.previous_questions.received)

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
            "questions": asdict(self.questions),
            "previous_questions": asdict(self.previous_questions),
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


COUNT_COLUMNS = ["posts", "flagged", "hoax"] + [
    f"{key}_{kind}" for key in TOPIC_GROUPS for kind in ("posts", "flagged")
]


@dataclass
class Breakdown:
    """The week's posts per day, per platform and per scoring model version."""

    daily: pd.DataFrame
    platforms: pd.DataFrame
    versions: dict[str, int]

    @classmethod
    def read(cls, session: Session, window: WeekWindow, *, split: bool = True) -> Breakdown:
        """`split=False` skips the platform/version split (the previous week needs only the days)."""
        days = pd.DataFrame(weekly.daily_counts(session, window), columns=["day", *COUNT_COLUMNS])
        daily = days.set_index("day").reindex(range(7), fill_value=0).astype("int64")
        frame = pd.DataFrame(
            weekly.platform_versions(session, window) if split else [],
            columns=["platform", "version", "posts", "flagged"],
        )
        platforms = (
            frame.groupby("platform", as_index=False)[["posts", "flagged"]]
            .sum()
            .sort_values(["posts", "platform"], ascending=[False, True], kind="stable")
            .reset_index(drop=True)
            .astype({"posts": "int64", "flagged": "int64"})
        )
        versions = frame.groupby("version")["posts"].sum()
        return cls(
            daily=daily,
            platforms=platforms,
            versions={str(v or "unscored"): int(n) for v, n in sorted(versions.items())},
        )


def _figures(
    session: Session, window: WeekWindow, daily: pd.DataFrame, decided: list[dict[str, Any]]
) -> WeekFigures:
    runs = weekly.ingest_by_source_day(session, window)
    escalations = count_escalations(weekly.triage_events(session, window))
    return WeekFigures(
        collected=sum(row["read"] for row in runs),
        collected_relevant=sum(row["relevant"] for row in runs),
        runs=sum(row["runs"] for row in runs),
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
    candidates = weekly.top_groups(session, window, kind, limit=CANDIDATE_GROUPS)
    previous = weekly.group_counts(session, window.previous(), kind, [group["key"] for group in candidates])
    # Ranked by flagged posts × reach × growth (monitor.narratives.ranking), never by size alone: a group
    # without a flagged post is not a hoax narrative and is not listed.
    ranked = sorted(
        (g for g in candidates if g["flagged"] > 0),
        key=lambda g: (
            -rank_score(g["flagged"], g["reach"], g["posts"], previous.get(g["key"], 0)),
            str(g["key"]),
        ),
    )
    top = ranked[:TOP_GROUPS]
    if not top:
        return None, []
    keys = [group["key"] for group in top]
    statuses = weekly.group_statuses(session, window, kind, keys)
    claims_of = weekly.group_claims(session, window, kind, keys)
    narratives = weekly.narratives_by_id(session, keys) if kind == "narrative" else {}
    for narrative in narratives.values():
        if narrative["known_claim_id"] is not None:
            claims_of[narrative["id"]] = narrative["known_claim_id"]
    examples = weekly.posts_by_id(session, [g["example_id"] for g in top if g["example_id"] is not None])
    responses = narrative_store.response_counts(session, keys) if kind == "narrative" else {}
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
                responses=responses.get(group["key"], {}),
            )
        )
    return kind, groups


# -- the whole week -----------------------------------------------------------------------------------------
def collect_week(db: Database, settings: Settings, window: WeekWindow) -> WeeklyData:
    """Read one week (and the previous one, for the changes) in a single transaction."""
    salt = settings.report.pseudonym_salt or settings.report.district_label or settings.district
    previous = window.previous()
    with db.session() as session:
        this_week = Breakdown.read(session, window)
        last_week = Breakdown.read(session, previous, split=False)
        decided = weekly.decisions(session, window)
        figures = _figures(session, window, this_week.daily, decided)
        previous_figures = _figures(session, previous, last_week.daily, weekly.decisions(session, previous))
        group_kind, groups = _groups(session, window, salt)
        active, card = load_card(session, settings)
        data = WeeklyData(
            week=window,
            previous=previous,
            district=settings.report.district_label or settings.district,
            figures=figures,
            previous_figures=previous_figures,
            daily=this_week.daily,
            platforms=this_week.platforms,
            triage=weekly.triage_status_counts(session, window),
            groups=groups,
            group_kind=group_kind,
            sources=_sources(session, window),
            model_versions=this_week.versions,
            active_model=active,
            card=card,
            keywords_version=keywords_version(settings),
            week_precision=week_precision(decided),
            newest_post=weekly.newest_post_at(session, window),
            questions=tipline_week(session, window.start, window.end),
            previous_questions=tipline_week(session, previous.start, previous.end),
        )
    data.snapshot = snapshot_hash(data)
    return data
