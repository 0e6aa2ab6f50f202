"""Retraining with the real recipe: the dashboard's button and `monitor train --datasets` train on the public
sets plus the officers' decisions, carry the active model's re-ranker adapter, and say which recipe ran."""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from classify_corpus import project_home, train_tiny
from sqlalchemy import select

from monitor import operations
from monitor.auth import Actor
from monitor.classify import realtrain, suites
from monitor.classify.adapter import ADAPTER_FILE, RerankAdapter
from monitor.classify.datasets import LabelledText
from monitor.classify.model import HoaxClassifier
from monitor.config import Settings
from monitor.pipeline import Pipeline
from monitor.records import RawPost
from monitor.scoring import retrain
from monitor.scoring.retrain import RetrainError, train_and_register
from monitor.store import Database
from monitor.store.schema import Post, TriageEvent

T0 = datetime(2024, 2, 14, 1, 0, tzinfo=UTC)
OFFICERS = [
    ("Server Sirekap dipindah ke luar negeri malam ini, suara kita diatur dari sana", "hoax"),
    ("Kalau KTP hilang, bisa nyoblos pakai apa ya? mohon info", "not_hoax"),
    ("Di TPS 16 listrik padam saat menghitung, lanjut pakai genset", "not_hoax"),
]


def _home(tmp_path: Path, db: Database, datasets: Path) -> Settings:
    return project_home(tmp_path, db.url, public_datasets=str(datasets))


def _officers_decide(db: Database, cfg: Settings, decisions: list[tuple[str, str]]) -> None:
    posts = [
        RawPost(platform="telegram", native_id=str(i), text=text, created_at=T0 + timedelta(minutes=i))
        for i, (text, _verdict) in enumerate(decisions)
    ]
    cfg.pipeline.store_irrelevant = True  # the officers' posts, whatever the keywords say
    Pipeline(db, cfg).ingest(posts)
    verdicts = dict(decisions)
    with db.session() as session:
        for row in session.scalars(select(Post)):
            row.triage_status, row.verdict = "decided", verdicts[row.text]


def test_officers_labels_weigh_as_the_seed_and_hold_the_threshold() -> None:
    label = LabelledText("Kalau KTP hilang, bisa nyoblos pakai apa ya?", 0, "triage")
    assert realtrain._weight(label) == realtrain.SEED_WEIGHT
    assert realtrain._false_positive_row(label)
    public = LabelledText("Debat capres semalam seru", 0, "achmaddhani", kind="chatter")
    assert realtrain._weight(public) == 1.0 and realtrain._false_positive_row(public)


def test_the_real_recipe_names_what_it_cannot_take(db: Database, tmp_path: Path) -> None:
    cfg = _home(tmp_path, db, tmp_path / "no-datasets")
    with pytest.raises(RetrainError, match="no-datasets: datasets folder not found"):
        train_and_register(cfg, db, datasets=tmp_path / "no-datasets")
    extra = tmp_path / "extra.jsonl"
    extra.write_text("", encoding="utf-8")
    with pytest.raises(RetrainError, match="takes neither --extra-data nor --embedder"):
        train_and_register(cfg, db, datasets=tmp_path, extra=[extra])


def test_without_the_public_sets_the_dashboard_retrains_on_the_seed_and_says_so(
    db: Database, tmp_path: Path
) -> None:
    cfg = _home(tmp_path, db, tmp_path / "no-datasets")
    assert operations.public_datasets(cfg) is None
    result = operations.retrain(Actor("analis1", "analyst"), db, cfg)
    assert result.recipe == "seed"
    card = json.loads((Path(result.folder) / "card.json").read_text(encoding="utf-8"))
    assert "suites" not in card and "rerank_adapter" not in card


def test_the_dashboard_retrain_uses_the_public_sets_with_the_officers_labels_and_keeps_the_adapter(
    db: Database, tmp_path: Path, shared_datasets: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The real recipe as shipped, on fewer rows per public source and per suite (minutes -> seconds).
    small = functools.partial(realtrain.train_on_real, max_per_source=150, suite_limit=40)
    monkeypatch.setattr(retrain, "train_on_real", small)
    cfg = _home(tmp_path, db, shared_datasets)
    active = train_tiny(tmp_path / "models" / "default", version="tiny-default")
    RerankAdapter(np.eye(4, dtype=np.float32), "table", (0.33, 0.5), {"pairs": 12}).save(active)
    # One post the officers decided is also a held-out `chatter` row of the public sets: it is not trained on.
    held_out = suites.build(shared_datasets, max_train_per_source=150).suites["chatter"][0].text
    _officers_decide(db, cfg, [*OFFICERS, (held_out, "not_hoax")])
    fractions: list[float] = []
    result = operations.retrain(
        Actor("analis1", "analyst"), db, cfg, step=lambda _stage, fraction: fractions.append(fraction)
    )
    assert result.recipe == "real" and result.triage_labels == 4
    assert fractions == sorted(fractions) and fractions[-1] == 1.0

    folder = Path(result.folder)
    card = json.loads((folder / "card.json").read_text(encoding="utf-8"))
    assert {"chatter", "claims", "headlines", "matching", "seed"} <= set(card["suites"])
    assert card["data"]["triage_train_rows"] == 3 and card["data"]["triage_dropped_as_held_out"] == 1
    assert card["data"]["train_rows"] > card["data"]["seed_train_rows"] + 3
    names = [s["name"] for s in card["data"]["sources"]]
    assert names[:2] == ["seed", "triage"] and len(names) > 2
    assert all(s["path"].startswith("datasets/") for s in card["data"]["sources"][2:])
    # The active model's adapter came along, and the candidate loads with it.
    assert card["rerank_adapter"]["carried_from"] == "tiny-default"
    assert card["rerank_adapter"]["thresholds"] == {"suggested": 0.33, "confirmed": 0.5}
    assert (folder / ADAPTER_FILE).is_file()
    assert HoaxClassifier.load(folder).rerank_adapter.base_model == "table"
    with db.session() as session:
        event = session.scalars(select(TriageEvent).where(TriageEvent.action == "model_retrain")).one()
    assert "resep real" in event.note and event.after["recipe"] == "real"
    assert f"({card['data']['train_rows']} baris, 4 label petugas" in event.note


def test_a_model_saved_over_a_folder_keeps_no_stale_adapter(tmp_path: Path) -> None:
    folder = train_tiny(tmp_path / "m", version="tiny")
    RerankAdapter(np.eye(4, dtype=np.float32), "table").save(folder)
    model = HoaxClassifier.load(folder)
    model.rerank_adapter = None
    model.save(folder)
    assert not (folder / ADAPTER_FILE).exists()
    assert HoaxClassifier.load(folder).rerank_adapter is None
