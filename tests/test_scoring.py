"""monitor.scoring: scoring the backlog into the queue, the active card, the train-and-register flow."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from classify_corpus import project_home, train_tiny, write_corpus
from sqlalchemy import select

from monitor import operations
from monitor.auth import Actor, PermissionDenied
from monitor.classify.base import KnownClaim as ClassifierClaim
from monitor.classify.base import Score
from monitor.config import Settings
from monitor.pipeline import Pipeline
from monitor.records import RawPost
from monitor.scoring import active_card, score_backlog, score_pending, train_and_register
from monitor.scoring.retrain import STAGES, RetrainError
from monitor.store import Database, model_versions, queries
from monitor.store.schema import ModelVersion, Post, TriageEvent
from monitor.store.schema import Score as ScoreRow

T0 = datetime(2024, 2, 14, 1, 0, tzinfo=UTC)
RELEVANT = "Cek DPT kalian di cekdptonline sebelum 14 Februari ya"


def post(i: int, text: str) -> RawPost:
    return RawPost(platform="telegram", native_id=str(i), text=text, created_at=T0 + timedelta(minutes=i))


@dataclass
class KeywordModel:
    """A transparent stand-in classifier: flags posts that say 'hoaks' and matches them to the first claim."""

    version: str = "test-1"
    threshold: float = 0.5
    claims: tuple[ClassifierClaim, ...] = ()

    def add_claims(self, claims: Iterable[ClassifierClaim]) -> None:
        self.claims = tuple(claims)

    def predict(self, texts: list[str]) -> list[Score]:
        out = []
        for text in texts:
            hit = "hoaks" in text.lower()
            claim = self.claims[0] if hit and self.claims else None
            out.append(
                Score(
                    hoax_score=0.9 if hit else 0.1,
                    flagged=hit,
                    topics=[],
                    candidates=[],
                    matched_claim=claim.claim if claim else None,
                    matched_claim_id=claim.id if claim else None,
                    claim_similarity=0.8 if claim else None,
                    claim_status="confirmed" if claim else None,
                    reasons=["uji"],
                )
            )
        return out


def test_scoring_queues_flagged_posts_once(db: Database, settings: Settings) -> None:
    settings.pipeline.score_batch_size = 3
    Pipeline(db, settings).ingest([post(i, f"{RELEVANT} {'hoaks' if i % 2 else ''} {i}") for i in range(10)])
    with db.session() as session:
        queries.upsert_known_claims(session, [{"key": "kh-1", "claim": "DPT palsu", "verdict": "salah"}])
    model = KeywordModel()
    batches: list[int] = []
    assert score_pending(db, settings, model, on_batch=batches.append) == 10
    assert batches == [3, 3, 3, 1]
    assert score_pending(db, settings, model) == 0  # nothing left for this version
    with db.session() as session:
        queue = queries.flagged_posts(session)
        assert len(queue) == 5 and all(p.triage_status == "new" for p in queue)
        assert queries.count_flagged(session) == 5
        assert all(p.matched_claim_id is not None for p in queue)
    assert score_pending(db, settings, KeywordModel(version="test-2"), limit=4) == 4


def test_news_outlet_items_are_queued_only_on_a_debunk_match(db: Database, settings: Settings) -> None:
    """A configured news outlet's item flagged by the score alone stays out of the queue; one that matches
    a known debunk enters it, as any social post does."""
    news = [
        RawPost(platform="news", native_id=f"n{i}", text=f"{RELEVANT} hoaks {i}", created_at=T0)
        for i in range(2)
    ]
    Pipeline(db, settings).ingest([*news, post(7, f"{RELEVANT} hoaks 7")])
    model = KeywordModel()  # no claims yet: flags on the score alone
    assert score_pending(db, settings, model, limit=3) == 3
    with db.session() as session:
        queued = {p.platform for p in queries.flagged_posts(session)}
        assert queued == {"telegram"}
        news_rows = session.scalars(select(Post).where(Post.platform == "news")).all()
        assert [p.flagged for p in news_rows] == [False, False]
        queries.upsert_known_claims(session, [{"key": "kh-1", "claim": "DPT palsu", "verdict": "salah"}])
    assert score_pending(db, settings, KeywordModel(version="test-2")) == 3  # now matched to the debunk
    with db.session() as session:
        assert sorted(p.platform for p in queries.flagged_posts(session)) == ["news", "news", "telegram"]


# -- a project home of its own: tiny seed corpus, claims, a default model ----------------------------------
def _home(tmp_path: Path, db: Database) -> Settings:
    return project_home(tmp_path, db.url)


def test_score_backlog_uses_the_default_model_folder(db: Database, tmp_path: Path) -> None:
    cfg = _home(tmp_path, db)
    train_tiny(tmp_path / "models" / "default", version="tiny-default")
    Pipeline(db, cfg).ingest([post(1, "Server Sirekap KPU ada di Singapura, suara diatur dari luar negeri")])
    Pipeline(db, cfg).ingest([post(2, RELEVANT)])
    assert score_backlog(db, cfg, group=False) == 2
    with db.session() as session:
        versions = set(session.scalars(select(ScoreRow.model_version)))
    assert versions == {"tiny-default"}
    assert score_backlog(db, cfg, group=False) == 0


def test_active_card_prefers_the_active_row_then_the_default_folder(db: Database, tmp_path: Path) -> None:
    cfg = _home(tmp_path, db)
    with db.session() as session:
        assert active_card(cfg, session).card == {}  # no row, no models/default yet
        assert active_card(cfg, session).version is None
    train_tiny(tmp_path / "models" / "default", version="tiny-default")
    with db.session() as session:
        found = active_card(cfg, session)
    assert found.version == "tiny-default" and found.origin == "models/default/card.json"
    assert found.card["version"] == "tiny-default"
    with db.session() as session:
        card = {"version": "v-2", "threshold": 0.4}
        model_versions.save_version(session, "v-2", "models/candidates/v-2", card)
        model_versions.activate(session, "v-2", by="analis1", at=datetime.now(UTC))
    with db.session() as session:
        found = active_card(cfg, session)
    assert (found.version, found.card["threshold"], found.origin) == ("v-2", 0.4, "model_versions: v-2")


def test_train_and_register_reports_stages_and_registers(db: Database, tmp_path: Path) -> None:
    cfg = _home(tmp_path, db)
    Pipeline(db, cfg).ingest([post(i, f"{RELEVANT} nomor {i}") for i in range(3)])
    with db.session() as session:
        for row in session.scalars(select(Post)):
            row.triage_status, row.verdict = "decided", "not_hoax"
    stages: list[str] = []
    trained = train_and_register(cfg, db, from_triage=True, version="cand-1", step=stages.append)
    assert stages == list(STAGES)
    assert trained.registered and trained.triage_labels == 3 and trained.train_rows > 0
    assert trained.folder == tmp_path / "models" / "candidates" / "cand-1"
    card = json.loads((trained.folder / "card.json").read_text(encoding="utf-8"))
    triage_source = [s for s in card["data"]["sources"] if s["name"] == "triage"]
    assert triage_source == [{"name": "triage", "path": triage_source[0]["path"], "rows": 3}]
    assert card["data"]["sources"][0]["path"] == str(cfg.path(cfg.paths.seed_corpus))
    with db.session() as session:
        rows = session.scalars(select(ModelVersion)).all()
    assert [(r.version, r.active, r.path) for r in rows] == [("cand-1", False, "models/candidates/cand-1")]


def test_train_and_register_errors_name_the_problem(db: Database, tmp_path: Path) -> None:
    cfg = _home(tmp_path, db)
    (tmp_path / "data" / "seed" / "posts.jsonl").unlink()
    with pytest.raises(RetrainError, match=r"posts\.jsonl: seed corpus not found"):
        train_and_register(cfg, db)
    write_corpus(tmp_path / "data" / "seed" / "posts.jsonl")
    with pytest.raises(RetrainError, match="needs an initialised database"):
        train_and_register(cfg, None, from_triage=True)
    bad = tmp_path / "extra.jsonl"
    bad.write_text("{not json\n", encoding="utf-8")
    with pytest.raises(RetrainError, match="extra.jsonl"):
        train_and_register(cfg, db, extra=[bad])


def test_dashboard_retrain_is_guarded_and_audited(db: Database, tmp_path: Path) -> None:
    cfg = _home(tmp_path, db)
    with pytest.raises(PermissionDenied):
        operations.retrain(Actor("petugas1", "kpu"), db, cfg)
    fractions: list[float] = []
    result = operations.retrain(Actor("analis1", "analyst"), db, cfg, step=lambda _s, f: fractions.append(f))
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert result.triage_labels == 0 and result.metrics
    with db.session() as session:
        events = session.scalars(select(TriageEvent)).all()
        assert model_versions.get_version(session, result.version) is not None
    assert [(e.action, e.actor) for e in events] == [("model_retrain", "analis1")]
