"""Seed data for the triage, dashboard and browser tests: flagged posts, a narrative, a claim, users.

Rows go in through the write functions (upsert_posts, triage.record_scores, add_user) so the tests see
what the pipeline would have produced.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import update

from monitor import auth, triage
from monitor.store import Database, queries
from monitor.store.schema import Narrative, Post

# Argon2 with production parameters takes about a second per hash on a busy 2-core machine; tests that
# create many users swap in cheap parameters (verification reads the parameters from each hash).
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

PASSWORDS = {role: f"sandi-{role}-123" for role in auth.ROLES}
HOSTILE_TEXTS = (
    "<script>alert('xss-script')</script> DPT ganda di Sekadau!",
    "<img src=x onerror=alert('xss-img')> Sirekap dimanipulasi",
    "[klik cek DPT](javascript:alert('xss-md')) **tebal** <b>html</b> # judul pemilu",
)
BASE_TIME = datetime(2024, 2, 10, 3, 0, tzinfo=UTC)


def add_users(db: Database) -> dict[str, auth.Actor]:
    """One user per role, named after the role; passwords in PASSWORDS."""
    actors = {}
    with db.session() as session:
        for role in auth.ROLES:
            auth.add_user(session, role, role, PASSWORDS[role], by=auth.SYSTEM_ADMIN)
            actors[role] = auth.Actor(role, role)
    return actors


def _row(i: int, text: str, **extra: Any) -> dict[str, Any]:
    row = {
        "platform": extra.pop("platform", "x" if i % 2 else "telegram"),
        "native_id": f"p{i}",
        "url": extra.pop("url", f"https://example.org/post/{i}"),
        "author_handle": f"akun{i}",
        "author_name": extra.pop("author_name", f"Akun {i}"),
        "author_followers": 100 * i,
        "text": text,
        "lang": "id",
        "created_at": BASE_TIME + timedelta(hours=i),
        "likes": i,
        "shares": i,
        "replies": 0,
        "views": 1000 * i,
        "reach": extra.pop("reach", 1000 * i),
        "raw": None,
        "text_hash": hashlib.sha1(text.encode()).hexdigest(),
        "matched_terms": ["dpt"],
        "topics": extra.pop("topics", ["sidalih"] if i % 3 else ["sirekap"]),
        "candidates": extra.pop("candidates", ["0" + str(1 + i % 3)]),
        "source_name": extra.pop("source_name", "demo"),
    }
    row.update(extra)
    return row


def seed_queue(db: Database, n: int = 12, hostile: bool = True) -> dict[str, Any]:
    """n flagged posts (plus the hostile ones), a narrative over the first three, a matched claim."""
    texts = [f"Hoaks nomor {i}: DPT ganda ditemukan di TPS {i:02d} Sekadau" for i in range(1, n + 1)]
    if hostile:
        texts += list(HOSTILE_TEXTS)
    rows = [_row(i, text) for i, text in enumerate(texts, 1)]
    with db.session() as session:
        queries.upsert_posts(session, rows)
        queries.upsert_known_claims(
            session,
            [{"key": "kh-001", "claim": "DPT ganda membuat pemilu curang", "verdict": "salah", "topics": []}],
        )
    with db.session() as session:
        claim_id = queries.claim_ids_by_key(session)["kh-001"]
        ids = {row.native_id: row.id for row in session.query(Post.native_id, Post.id)}
        post_ids = [ids[f"p{i}"] for i in range(1, len(texts) + 1)]
        results = [
            {
                "post_id": pid,
                "score": 0.5 + 0.4 * (k % 5) / 5,
                "flagged": True,
                "reasons": ["mirip klaim hoaks yang sudah dibantah", "kata: ganda"],
                "matched_claim_id": claim_id if k < 3 else None,
                "claim_similarity": 0.81 if k < 3 else None,
                "claim_status": "confirmed" if k < 3 else None,
                "reach": rows[k]["reach"],
            }
            for k, pid in enumerate(post_ids)
        ]
        triage.record_scores(session, "test-1", results)
        narrative = Narrative(
            label="DPT ganda di Sekadau",
            topic="sidalih",
            candidates=[],
            platforms=["x", "telegram"],
            first_seen=BASE_TIME,
            last_seen=BASE_TIME + timedelta(days=1),
            post_count=3,
            total_reach=6000,
            max_score=0.9,
        )
        session.add(narrative)
        session.flush()
        session.execute(update(Post).where(Post.id.in_(post_ids[:3])).values(narrative_id=narrative.id))
    return {"post_ids": post_ids, "narrative_id": narrative.id, "claim_id": claim_id}
