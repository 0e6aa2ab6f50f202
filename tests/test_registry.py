"""Model registry: register, list, active model, promotion refuses a worse model, --force is audited."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from classify_corpus import REPO, corpus, known_claims, write_corpus
from sqlalchemy import select
from typer.testing import CliRunner

from monitor.classify.model import HoaxClassifier
from monitor.cli import app
from monitor.config import Settings, load_settings
from monitor.scoring.registry import (
    RegistryError,
    active_model_dir,
    list_models,
    load_active_classifier,
    promote,
    refresh_registered_card,
    register_model,
    resolve_model,
)
from monitor.store import Database
from monitor.store.schema import ModelVersion, TriageEvent

KEYWORDS = REPO / "config" / "keywords.yml"


def _train(folder: Path, version: str, *, scramble: bool = False) -> Path:
    rows = corpus()
    labels = [r["label"] for r in rows]
    if scramble:  # a deliberately bad model: labels shuffled
        random.Random(7).shuffle(labels)
    model = HoaxClassifier(KEYWORDS, version=version, claims=known_claims(), min_df=1)
    model.fit([r["text"] for r in rows], labels)
    model.save(folder, {"metrics": {"social": {"f1": 0.0 if scramble else 1.0}}})
    return folder


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("trained")
    return {"good": _train(base / "good-1", "good-1"), "bad": _train(base / "bad-1", "bad-1", scramble=True)}


def _home(tmp_path: Path, trained: dict[str, Path]) -> Path:
    import shutil

    (tmp_path / "data" / "seed").mkdir(parents=True)
    write_corpus(tmp_path / "data" / "seed" / "posts.jsonl")
    (tmp_path / "models" / "candidates").mkdir(parents=True)
    for folder in trained.values():
        shutil.copytree(folder, tmp_path / "models" / "candidates" / folder.name)
    return tmp_path


def _settings(home: Path, db: Database) -> Settings:
    return load_settings(
        REPO / "config" / "monitor.toml",
        database_url=db.url,
        home=home,
        paths={"keywords_file": str(KEYWORDS)},
    )


def test_promotion_refuses_a_worse_model_and_force_is_audited(
    db: Database, tmp_path: Path, trained: dict[str, Path]
) -> None:
    cfg = _settings(_home(tmp_path, trained), db)
    assert active_model_dir(cfg, db) == tmp_path / "models" / "default"  # nothing active yet

    first = promote(db, cfg, "good-1", user="analis1")
    assert first.promoted and not first.forced
    assert active_model_dir(cfg, db).name == "good-1"
    assert load_active_classifier(cfg, db).version == "good-1"

    refused = promote(db, cfg, "bad-1", user="analis1")
    assert not refused.promoted
    assert refused.candidate.f1 < refused.active.f1
    assert "ditolak" in refused.message and "--force" in refused.message
    assert active_model_dir(cfg, db).name == "good-1"

    forced = promote(db, cfg, "bad-1", user="kepala", force=True)
    assert forced.promoted and forced.forced
    assert active_model_dir(cfg, db).name == "bad-1"
    with db.session() as session:
        events = session.scalars(select(TriageEvent).order_by(TriageEvent.id)).all()
        actives = session.scalars(select(ModelVersion).where(ModelVersion.active.is_(True))).all()
    assert [e.action for e in events] == ["model_promote", "model_promote_forced"]
    assert events[-1].actor == "kepala" and events[-1].after["forced"] is True
    assert events[-1].before["version"] == "good-1"
    assert [row.version for row in actives] == ["bad-1"]

    infos = {info.version: info for info in list_models(cfg, db)}
    assert infos["bad-1"].active and not infos["good-1"].active
    assert infos["good-1"].threshold is not None


def test_register_and_resolve(db: Database, tmp_path: Path, trained: dict[str, Path]) -> None:
    cfg = _settings(_home(tmp_path, trained), db)
    folder = tmp_path / "models" / "candidates" / "good-1"
    assert register_model(db, cfg, folder) == "good-1"
    assert register_model(db, cfg, folder) == "good-1"  # idempotent
    with db.session() as session:
        rows = session.scalars(select(ModelVersion)).all()
    assert [(r.version, r.path, r.active) for r in rows] == [("good-1", "models/candidates/good-1", False)]
    assert resolve_model(cfg, "good-1", db) == cfg.path("models/candidates/good-1")
    assert resolve_model(cfg, str(folder), db) == folder
    with pytest.raises(RegistryError, match="not found"):
        resolve_model(cfg, "nope-9", db)


def test_a_card_changed_in_place_is_refreshed_only_in_the_row_of_that_folder(
    db: Database, tmp_path: Path, trained: dict[str, Path]
) -> None:
    import shutil

    cfg = _settings(_home(tmp_path, trained), db)
    folder = tmp_path / "models" / "candidates" / "good-1"
    assert not refresh_registered_card(db, cfg, folder)  # not registered: nothing written
    register_model(db, cfg, folder)
    card = json.loads((folder / "card.json").read_text(encoding="utf-8"))
    card["rerank_adapter"] = {"thresholds": {"suggested": 0.42, "confirmed": 0.57}}
    (folder / "card.json").write_text(json.dumps(card), encoding="utf-8")
    assert refresh_registered_card(db, cfg, folder)
    with db.session() as session:
        row = session.scalars(select(ModelVersion).where(ModelVersion.version == "good-1")).one()
        assert row.card["rerank_adapter"]["thresholds"]["suggested"] == 0.42
        assert row.path == "models/candidates/good-1"
    # Another folder carrying the same version name does not take over the row.
    other = tmp_path / "elsewhere" / "good-1"
    shutil.copytree(folder, other)
    assert not refresh_registered_card(db, cfg, other)
    with db.session() as session:
        assert session.scalars(select(ModelVersion.path)).one() == "models/candidates/good-1"


def test_cli_models_and_promote(
    sqlite_db: Database, tmp_path: Path, trained: dict[str, Path], monkeypatch
) -> None:
    home = _home(tmp_path, trained)
    (home / "config").mkdir()
    (home / "config" / "monitor.toml").write_text(
        f'database_url = "{sqlite_db.url}"\n[paths]\nkeywords_file = "{KEYWORDS}"\n', encoding="utf-8"
    )
    for key in [k for k in list(__import__("os").environ) if k.startswith("MONITOR_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("MONITOR_HOME", str(home))
    runner = CliRunner()
    result = runner.invoke(app, ["promote", "good-1", "--user", "analis1"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["promote", "bad-1", "--user", "analis1"])
    assert result.exit_code == 1 and "ditolak" in result.output
    result = runner.invoke(app, ["models"])
    assert result.exit_code == 0, result.output
    assert "good-1" in result.output and "bad-1" in result.output
    # classify now uses the database's active version
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": 1, "text": "tinta pemilu mengandung babi"}) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["classify", "--input", str(src), "--output", str(tmp_path / "out.jsonl")])
    assert result.exit_code == 0, result.output
    assert "good-1" in result.output


def test_promote_without_database_is_a_clear_error(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "monitor.toml").write_text(
        f'database_url = "sqlite:///{tmp_path / "none.db"}"\n', encoding="utf-8"
    )
    monkeypatch.setenv("MONITOR_HOME", str(tmp_path))
    result = CliRunner().invoke(app, ["promote", "x"])
    assert result.exit_code == 2 and "monitor init" in result.output
    assert not (tmp_path / "none.db").exists()


def test_without_the_public_sets_a_seed_recipe_model_never_replaces_one_judged_on_real_text(
    db: Database, tmp_path: Path, trained: dict[str, Path]
) -> None:
    import shutil

    cfg = _settings(_home(tmp_path, trained), db)
    assert not cfg.path(cfg.paths.public_datasets).is_dir()  # the seed split is all this machine has
    real = tmp_path / "models" / "candidates" / "real-1"
    shutil.copytree(tmp_path / "models" / "candidates" / "good-1", real)
    card = json.loads((real / "card.json").read_text(encoding="utf-8"))
    card["version"] = "real-1"
    card["suites"] = {"chatter": {"n": 100, "fpr": 0.04}}  # the real recipe's card carries its suites
    (real / "card.json").write_text(json.dumps(card), encoding="utf-8")
    assert promote(db, cfg, str(real), user="analis1").promoted

    # good-1 is as good on the seed split (the same fit) but was judged on nothing else.
    refused = promote(db, cfg, "good-1", user="analis1")
    assert not refused.promoted and refused.candidate.f1 >= refused.active.f1
    assert "hanya dilatih dan dinilai pada data seed" in refused.message
    assert str(cfg.path(cfg.paths.public_datasets)) in refused.message
    assert active_model_dir(cfg, db) == real

    forced = promote(db, cfg, "good-1", user="kepala", force=True)
    assert forced.promoted and forced.forced
    with db.session() as session:
        actions = session.scalars(select(TriageEvent.action).order_by(TriageEvent.id)).all()
    assert actions == ["model_promote", "model_promote_forced"]
    # Two seed-recipe models are compared on the seed split as before.
    assert not promote(db, cfg, "bad-1", user="analis1").promoted


def test_a_versions_real_text_numbers_are_its_relevant_rows_rates() -> None:
    from monitor.scoring.registry import suite_summary

    card = json.loads((REPO / "models" / "default" / "card.json").read_text(encoding="utf-8"))
    summary = suite_summary(card)
    assert summary == {
        "chatter_fpr": card["suites"]["chatter"]["relevant"]["value"],
        "claims_recall": card["suites"]["claims"]["relevant"]["value"],
        "headlines_fpr": card["suites"]["headlines"]["relevant"]["value"],
        "matching_recall_at_1": card["suites"]["matching"]["claim_title"]["recall_at_1"],
    }
    assert suite_summary({"metrics": {"social": {"f1": 0.9}}}) is None  # a seed-recipe card
