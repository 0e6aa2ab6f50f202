"""A hand-counted week of posts, runs and officer actions for the report tests (seeded through the store).

Week 2024-W07 is Monday 12 February to Sunday 18 February 2024 in WIB (UTC+7); the previous week,
2024-W06, gets a few rows so every "change from last week" has something to compare with. The
expected numbers below are counted by hand from the rows, not computed by the code under test.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from monitor.store import Database, queries
from monitor.store.schema import IngestRun, KnownClaim, ModelVersion, Narrative, Post, Source

WIB = ZoneInfo("Asia/Jakarta")
WEEK = "2024-W07"
MODEL = "v-test-1"
CARD = {
    "version": MODEL,
    "created_at": "2024-01-30T00:00:00+00:00",
    "threshold": 0.6,
    "target_precision": 0.8,
    "metrics": {"precision": 0.84, "recall": 0.7, "f1": 0.76},
    "data_sources": [{"name": "data/seed", "sha256": "0" * 64}],
}

EXPECTED = {
    "collected": 320,  # mastodon-kpu 5 x 50 + rss-cekfakta 7 x 10
    "relevant": 10,
    "flagged": 6,
    "hoax": 2,
    "escalated_bawaslu": 2,  # post A3 and post B2 (A3's repeat to Bawaslu counts once)
    "escalated_polri": 1,  # post A3
    "decisions": 4,
    "median_decision_seconds": 5 * 3600.0,  # 2 h, 4 h, 6 h, 8 h
    "daily_posts": [2, 2, 3, 1, 1, 0, 1],
    "previous": {
        "collected": 40,
        "relevant": 3,
        "flagged": 2,
        "hoax": 1,
        "escalated_bawaslu": 0,
        "escalated_polri": 1,
        "decisions": 1,
        "median_decision_seconds": 3600.0,
    },
}


def wib(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant in February 2024, given in WIB."""
    return datetime(2024, 2, day, hour, minute, tzinfo=WIB)


_counter = {"n": 0}


def _post(
    *,
    at: datetime,
    text: str,
    text_hash: str,
    topics: list[str],
    platform: str = "twitter",
    handle: str = "warga",
    flagged: bool = False,
    score: float = 0.1,
    status: str | None = None,
    flagged_at: datetime | None = None,
    decided_at: datetime | None = None,
    claim_id: int | None = None,
    reach: int = 100,
    narrative_id: int | None = None,
) -> Post:
    _counter["n"] += 1
    return Post(
        platform=platform,
        native_id=f"{platform}-{_counter['n']}",
        author_handle=handle,
        text=text,
        created_at=at,
        collected_at=at,
        last_seen_at=at,
        reach=reach,
        text_hash=text_hash,
        topics=topics,
        candidates=[t.split(":")[1] for t in topics if t.startswith("candidate:")],
        matched_terms=[],
        hoax_score=score,
        flagged=flagged,
        scored_version=MODEL,
        # The case model (migration 0007): a verdict is its own field; the status is the workflow stage.
        triage_status="decided" if status in ("hoax", "not_hoax") else status,
        verdict=status if status in ("hoax", "not_hoax") else None,
        flagged_at=flagged_at,
        decided_at=decided_at,
        matched_claim_id=claim_id,
        narrative_id=narrative_id,
    )


def _run(source: str, at: datetime, read: int, relevant: int, error: str | None = None) -> IngestRun:
    return IngestRun(
        source_name=source,
        started_at=at,
        finished_at=at,
        read=read,
        relevant=relevant,
        new=relevant,
        error=error,
    )


DPT_TEXT = "DPT ganda di Sekadau!! 5000 nama fiktif, cek @warga_sekadau https://contoh.invalid/dpt sebarkan"
SIREKAP_TEXT = "Sirekap diatur server luar negeri, suara 02 digelembungkan"


def seed_week(db: Database, *, narratives: bool = False) -> dict[str, Any]:
    """Write the week; with `narratives`, groups A and B are narratives (with A's debunk on the narrative)."""
    with db.session() as session:
        claim = KnownClaim(
            key="kh-001", claim="Ada 5.000 pemilih fiktif di DPT Sekadau", source="KPU", topics=[]
        )
        other_claim = KnownClaim(
            key="kh-002", claim="Server Sirekap di luar negeri", source="Kominfo", topics=[]
        )
        session.add_all([claim, other_claim])
        session.add(ModelVersion(version=MODEL, path="models/v-test-1", card=CARD, active=True))
        session.add_all(
            [
                Source(name="mastodon-kpu", type="mastodon", enabled=True),
                Source(name="rss-cekfakta", type="rss", enabled=True),
                Source(name="telegram-x", type="telegram", enabled=True),
            ]
        )
        session.flush()
        narrative_a = narrative_b = None
        if narratives:
            narrative_a = Narrative(
                label="DPT ganda di Sekadau",
                topic="sidalih",
                first_seen=wib(8, 10),
                last_seen=wib(14, 9),
                known_claim_id=claim.id,
                status="hoax",
            )
            narrative_b = Narrative(
                label="Server Sirekap di luar negeri",
                topic="sirekap",
                first_seen=wib(15, 9),
                last_seen=wib(16, 9),
            )
            session.add_all([narrative_a, narrative_b])
            session.flush()
        na = narrative_a.id if narrative_a else None
        nb = narrative_b.id if narrative_b else None

        a = dict(
            text=DPT_TEXT,
            text_hash="aaaa",
            topics=["sidalih"],
            flagged=True,
            claim_id=claim.id,
            narrative_id=na,
        )
        posts = [
            # group A, sidalih, twitter (A2 has the highest score: the example)
            _post(
                at=wib(12, 8),
                score=0.9,
                status="hoax",
                flagged_at=wib(12, 9),
                decided_at=wib(12, 11),
                handle="akun_a1",
                **a,
            ),
            _post(
                at=wib(13, 7),
                score=0.95,
                status="hoax",
                flagged_at=wib(13, 8),
                decided_at=wib(13, 12),
                handle="akun_a2",
                **a,
            ),
            _post(
                at=wib(13, 9),
                score=0.85,
                status="escalated",
                flagged_at=wib(13, 10),
                decided_at=wib(13, 16),
                handle="akun_a3",
                **a,
            ),
            _post(at=wib(14, 8), score=0.92, status="new", flagged_at=wib(14, 9), handle="akun_a4", **a),
            # group B, sirekap + candidate 02, facebook
            _post(
                at=wib(15, 8),
                text=SIREKAP_TEXT,
                text_hash="bbbb",
                topics=["sirekap", "candidate:02"],
                platform="facebook",
                flagged=True,
                score=0.8,
                status="not_hoax",
                flagged_at=wib(15, 9),
                decided_at=wib(15, 17),
                narrative_id=nb,
            ),
            _post(
                at=wib(16, 8),
                text=SIREKAP_TEXT,
                text_hash="bbbb",
                topics=["sirekap", "candidate:02"],
                platform="facebook",
                flagged=True,
                score=0.7,
                status="in_review",
                flagged_at=wib(16, 9),
                narrative_id=nb,
            ),
            # unflagged posts; the first is 10 minutes into Monday WIB (still Sunday in UTC)
            _post(at=wib(12, 0, 10), text="Jadwal TPS dibuka jam 7", text_hash="c1", topics=["procedure"]),
            _post(
                at=wib(14, 10),
                text="Debat 01 dan 03 malam ini",
                text_hash="c2",
                topics=["candidate:01", "candidate:03"],
                platform="facebook",
            ),
            _post(at=wib(14, 11), text="Pemilu damai", text_hash="c3", topics=[], platform="mastodon"),
            _post(
                at=wib(18, 23, 50),
                text="Selamat hari tenang",
                text_hash="c4",
                topics=["other"],
                platform="tiktok",
            ),
            # previous week (2024-W06); the last is 30 minutes before Monday 00:00 WIB
            _post(
                at=wib(8, 10),
                score=0.9,
                status="hoax",
                flagged_at=wib(8, 11),
                decided_at=wib(8, 12),
                handle="akun_p1",
                **a,
            ),
            _post(at=wib(9, 10), text="Cara cek DPT online", text_hash="p2", topics=["sidalih"]),
            _post(
                at=wib(11, 23, 30),
                score=0.88,
                status="new",
                flagged_at=wib(11, 23, 40),
                handle="akun_p3",
                **a,
            ),
            # the week after (2024-W08): must not count
            _post(at=wib(19, 0, 5), text="Rekap dimulai", text_hash="n1", topics=["sirekap"]),
        ]
        session.add_all(posts)
        session.flush()
        ids = {name: post.id for name, post in zip(["A1", "A2", "A3", "A4", "B1", "B2"], posts, strict=False)}

        runs = [_run("mastodon-kpu", wib(day, 8), 50, 3) for day in range(12, 17)]
        runs += [
            _run("rss-cekfakta", wib(day, 0, 5), 10, 1, "timeout" if day == 14 else None)
            for day in range(12, 19)
        ]
        runs += [_run("mastodon-kpu", wib(9, 8), 40, 2), _run("rss-cekfakta", wib(19, 0, 5), 10, 1)]
        session.add_all(runs)

        def audit(post: str, action: str, at: datetime, before: dict | None, after: dict | None) -> None:
            queries.add_audit_event(
                session,
                actor="petugas1",
                role="kpu",
                action=action,
                post_id=ids[post],
                before=before,
                after=after,
                at=at,
            )

        def state(status: str, escalated_to: str | None = None, version: int = 1) -> dict:
            return {
                "status": status,
                "assigned_to": "petugas1",
                "escalated_to": escalated_to,
                "version": version,
            }

        # Shaped like monitor/triage.py's events: before/after item states, actions named after the button.
        audit("A1", "hoax", wib(12, 11), state("in_review"), state("hoax", version=2))
        audit("A3", "escalate_bawaslu", wib(13, 16), state("in_review"), state("escalated", "bawaslu", 2))
        audit(
            "A3", "follow_up", wib(13, 17), state("escalated", "bawaslu", 2), state("escalated", "bawaslu", 3)
        )
        audit(
            "A3",
            "escalate_polri",
            wib(14, 9),
            state("escalated", "bawaslu", 3),
            state("escalated", "polri", 4),
        )
        audit("B2", "escalate_bawaslu", wib(18, 23, 59), None, None)  # an event without states: named action
        audit(
            "A4", "escalate_bawaslu", wib(19, 0, 30), state("new"), state("escalated", "bawaslu")
        )  # next week
        audit("A1", "escalate_polri", wib(9, 9), state("new"), state("escalated", "polri"))  # previous week
    return {"ids": ids, "claim_id": claim.id}
