"""Real-text evaluation suites: the statistics, the claim extraction, and (with ../shared) the splits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import SHARED_DATASETS

from monitor.classify import realdata, realtrain, suites
from monitor.classify.datasets import DatasetError
from monitor.classify.training import dedupe_key


def test_wilson_interval_matches_the_textbook_values() -> None:
    low, high = suites.wilson(5, 100)
    assert low == pytest.approx(0.0215, abs=5e-4) and high == pytest.approx(0.1118, abs=5e-4)
    low, high = suites.wilson(0, 100)
    assert low == 0.0 and high == pytest.approx(0.0370, abs=5e-4)
    assert suites.wilson(0, 0) == (0.0, 1.0)


def test_precision_at_three_percent_prevalence() -> None:
    # 70% of hoaxes caught, 3% of the rest flagged, 3% of the stream are hoaxes: 0.021 / (0.021 + 0.0291)
    assert suites.precision_at(0.7, 0.03) == pytest.approx(0.4192, abs=1e-4)
    assert suites.precision_at(0.0, 0.0) == 0.0


def test_guard_refuses_only_beyond_noise() -> None:
    active = suites.RateResult("chatter", "fpr", 2000, 40)  # 2.0%, Wilson 95% ≈ 1.48–2.71%
    assert not suites.RateResult("chatter", "fpr", 2000, 50).worse_than(active)  # 2.5%: noise
    assert suites.RateResult("chatter", "fpr", 2000, 70).worse_than(active)  # 3.5%: worse
    claims_active = suites.RateResult("claims", "recall", 1000, 700)
    assert suites.RateResult("claims", "recall", 1000, 640).worse_than(claims_active)
    assert not suites.RateResult("claims", "recall", 1000, 690).worse_than(claims_active)
    worse = suites.compare(
        {"_rates": {"chatter": suites.RateResult("chatter", "fpr", 2000, 70)}},
        {"_rates": {"chatter": active}},
    )
    assert len(worse) == 1 and worse[0].startswith("chatter: fpr 0.035")


def test_circulated_text_keeps_the_claim_not_the_fact_checkers_wording() -> None:
    wrapped = (
        "Akun Threads “hsuliz2021” pada Rabu (17/6/2026) mengunggah narasi sebagai berikut: “Gunung no 7 yg "
        "akan erupsi besar adalah gn Lawu, saat ini ada indikasi lava naik”. Hingga Rabu unggahan dibagikan."
    )
    assert realdata.circulated_text(wrapped).startswith("Gunung no 7 yg akan erupsi besar")
    assert realdata.circulated_text("Beredar poster lelang. [NARASI]: FESTIVAL LELANG 01-03 JUNI") == (
        "FESTIVAL LELANG 01-03 JUNI"
    )
    assert realdata.circulated_text("Beredar sebuah video tanpa kutipan apa pun di dalamnya") is None
    assert realdata.circulated_text("View this post on Instagram") is None
    assert realdata.circulated_text("Surat suara sudah dicoblos duluan di TPS 05") == (
        "Surat suara sudah dicoblos duluan di TPS 05"
    )


def test_suites_need_the_shared_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="shared datasets folder is missing"):
        suites.evaluate_suites(object(), ["chatter"], root=tmp_path / "absent", seed=None)
    with pytest.raises(ValueError, match="unknown suite"):
        suites.evaluate_suites(object(), ["nonsense"], root=tmp_path, seed=None)
    assert suites.worse_suites(object(), object(), tmp_path / "absent") is None


def test_general_text_keeps_premises_and_entailed_hypotheses_only(tmp_path: Path) -> None:
    folder = tmp_path / realdata.INDONLI
    folder.mkdir(parents=True)
    pairs = [
        ("Banjir melanda Sampang setiap tahun.", "Sampang dilanda banjir.", "e"),
        ("Banjir melanda Sampang setiap tahun.", "Sampang tidak pernah banjir.", "c"),
        ("Makam itu dikunjungi ribuan peziarah.", "Makam itu dibangun tahun 1900.", "n"),
    ]
    lines = [json.dumps({"premise": p, "hypothesis": h, "label": label}) for p, h, label in pairs]
    (folder / "train.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = list(realdata.read_indonli_general(tmp_path))
    assert [r.text for r in rows] == [
        "Banjir melanda Sampang setiap tahun.",
        "Makam itu dikunjungi ribuan peziarah.",
        "Sampang dilanda banjir.",
    ]
    # IndoNLI's splits share premises: a sentence that a test split holds is never trained on.
    (folder / "test_lay.jsonl").write_text(lines[2] + "\n", encoding="utf-8")
    assert "Makam itu dikunjungi ribuan peziarah." not in {
        r.text for r in realdata.read_indonli_general(tmp_path)
    }
    assert {(r.label, r.kind, r.source) for r in rows} == {(0, "general", "indonli")}
    assert realtrain._weight(rows[0]) == realtrain.GENERAL_WEIGHT
    assert not realtrain._false_positive_row(rows[0])  # the threshold stays on election text
    (folder / "train.jsonl").write_text(lines[0] + "\n{broken\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"train\.jsonl:2: not an IndoNLI pair"):
        list(realdata.read_indonli_general(tmp_path))


@pytest.fixture(scope="module")
def real() -> suites.RealData:
    if not SHARED_DATASETS.is_dir():
        pytest.skip(f"{SHARED_DATASETS} is absent (the public datasets live outside the project)")
    return suites.build(SHARED_DATASETS)


@pytest.mark.shared
def test_splits_hold_out_by_source_and_time_and_never_leak(real: suites.RealData) -> None:
    assert {r.source for r in real.suites["chatter"]} == set(suites.CHATTER_HELD_OUT)
    assert not {r.source for r in real.train} & set(suites.CHATTER_HELD_OUT)
    assert all(r.label == 0 for r in real.suites["chatter"] + real.suites["headlines"])
    assert all(r.label == 1 and r.date >= "2023-01-01" for r in real.suites["claims"])
    trained_claims = [r for r in real.train if r.kind == "claim" and r.date]
    assert trained_claims and all(r.date < "2023-01-01" for r in trained_claims)
    newest_trained = max(r.meta["order"] for r in real.train if r.source == "headlines")
    assert all(r.meta["order"] > newest_trained for r in real.suites["headlines"])
    held_out = {dedupe_key(r.text) for rows in real.suites.values() for r in rows}
    assert not held_out & {dedupe_key(r.text) for r in real.train}
    assert len(real.suites["chatter"]) > 5000 and len(real.suites["claims"]) > 1000
    general = {dedupe_key(r.text) for r in real.train if r.kind == "general"}
    assert len(general) > 4000 and all(r.label == 0 for r in real.train if r.kind == "general")
    matched = {dedupe_key(t) for p in realdata.indonli_pairs(SHARED_DATASETS) for t in (p.query, p.target)}
    assert not general & matched  # the matching suite's IndoNLI pairs (test_lay) are never trained on
    assert all(s["path"].startswith("datasets/") and len(s["sha256"]) == 64 for s in real.sources)


@pytest.mark.shared
def test_claim_title_pairs_are_real_pairs(shared_datasets: Path) -> None:
    pairs = realdata.claim_title_pairs(shared_datasets)
    assert len(pairs) > 500
    assert {p.source for p in pairs} == {"tbh_2023", "hoax_1k"}
    assert all(p.label == 1 and p.query.strip() and p.target.strip() for p in pairs)
    nli = realdata.indonli_pairs(shared_datasets)
    assert {p.label for p in nli} == {0, 1}


def test_a_title_spelled_twice_is_one_title_in_the_matching_base() -> None:
    """The scraped sets hold some fact-check titles twice, once without their opening quote mark; a query
    matched to its title's twin is shown the right debunk, so the base holds each title once."""
    from monitor.classify.datasets import dedupe_key
    from monitor.classify.embed import TfidfEmbedder
    from monitor.classify.matching import nearest_titles

    twin = "Video Jokowi Ungkap bahwa negara Uni eropa Mencoba Melemahkan indonesia”"
    own = "Video “Jokowi Ungkap bahwa negara Uni eropa Mencoba Melemahkan indonesia”"
    assert (
        dedupe_key(twin)
        == dedupe_key(own)
        == "video jokowi ungkap bahwa negara uni eropa mencoba melemahkan indonesia"
    )
    assert dedupe_key("Vaksin Mengandung Chip") != dedupe_key("Vaksin Tidak Mengandung Chip")
    queries = ["jokowi ungkap uni eropa mencoba melemahkan indonesia", "vaksin covid mengandung chip 5g"]
    titles = [twin, "Vaksin Mengandung Chip 5G"]
    other_queries = ["debat panas: jokowi ungkap uni eropa melemahkan indonesia"]
    embedder = TfidfEmbedder()
    _best, right = nearest_titles(embedder, str.lower, [*queries, *other_queries], [*titles, own])
    assert right.tolist() == [True, True, True]  # the third query's own title is the first one's twin


@pytest.mark.shared
def test_evaluate_suite_cli_prints_each_suite_with_precision_at_prevalence() -> None:
    from typer.testing import CliRunner

    from monitor.cli import app

    if not SHARED_DATASETS.is_dir():
        pytest.skip(f"{SHARED_DATASETS} is absent")
    result = CliRunner().invoke(
        app,
        ["evaluate", "--suite", "chatter,claims,seed", "--limit", "120", "--datasets", str(SHARED_DATASETS)],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.output.splitlines() if line.strip()}
    assert "fpr=" in lines["chatter"] and "precision@3% prevalence=" in lines["chatter"]
    assert "recall=" in lines["claims"] and "F1=" in lines["seed"]
    bad = CliRunner().invoke(app, ["evaluate", "--suite", "nonsense"])
    assert bad.exit_code != 0 and "unknown suite" in bad.output
