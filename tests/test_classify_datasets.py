"""Training data: public-set readers (skip without ../shared), format errors, dedupe and the time split."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from classify_corpus import write_corpus

from monitor.classify.datasets import DatasetError, detect_reader, read_dataset
from monitor.classify.training import SPLIT_DATE, assemble, dedupe_key, evaluation_split

PUBLIC = {
    "AptaArkana__hoax_pilpres_24/data_berita.csv": ("aptaarkana", {0, 1}, "headline"),
    "kmyafi__Hoax-Classification/Data-Hoax-Mafindo.csv": ("mafindo", {0, 1}, "social"),
    "Melekmedia__turnbackhoax-dataset/turnbackhoax_headings.xlsx": ("turnbackhoax", {1}, "headline"),
    "rendiekan__komdigihoaks/komdigi_hoaks_clean.csv": ("komdigi", {1}, "headline"),
    "9uz__IDNHoaxCorpus/datasetUMPOHoax.csv": ("idnhoaxcorpus", {0, 1}, "social"),
    "habibul08__pilpres2019-sentiment--analysis/tweet.csv": ("pilpres2019", {0}, "social"),
    "okkyibrohim__id-multi-label-hate-speech-and-abusive-language-detection/re_dataset.csv": (
        "hatespeech",
        {0},
        "social",
    ),
}


@pytest.mark.shared
@pytest.mark.parametrize("relative", sorted(PUBLIC))
def test_public_dataset_readers(shared_datasets: Path, relative: str) -> None:
    path = shared_datasets / relative
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    source, labels, style = PUBLIC[relative]
    rows = list(read_dataset(path))
    assert len(rows) > 1000
    assert {r.source for r in rows} == {source}
    assert {r.label for r in rows} == labels
    assert {r.style for r in rows} == {style}
    assert all(r.text.strip() for r in rows)


@pytest.mark.shared
def test_turnbackhoax_tags_and_dates(shared_datasets: Path) -> None:
    path = shared_datasets / "Melekmedia__turnbackhoax-dataset/turnbackhoax_headings.xlsx"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    rows = list(read_dataset(path))
    assert not any(r.text.startswith("[") for r in rows[:500])  # the [TAG] prefix is stripped
    assert sum(r.date is not None for r in rows) > 0.9 * len(rows)  # dates come from the URL


@pytest.mark.shared
def test_pilpres_mojibake_is_repaired(shared_datasets: Path) -> None:
    path = shared_datasets / "habibul08__pilpres2019-sentiment--analysis/tweet.csv"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    texts = [r.text for r in read_dataset(path)]
    assert not any("ðŸ" in t for t in texts[:200])
    assert any("👇" in t for t in texts[:50])


def test_unknown_csv_columns_name_file_and_columns(tmp_path: Path) -> None:
    path = tmp_path / "mystery.csv"
    path.write_text("foo,bar\n1,2\n", encoding="utf-8")
    with pytest.raises(DatasetError) as info:
        detect_reader(path)
    message = str(info.value)
    assert "mystery.csv" in message and "foo, bar" in message and "Judul Artikel" in message


def test_bad_values_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "data_berita.csv"
    path.write_text(
        "Judul Artikel,Link,Waktu_Scraping,Berita_Hoax\nA,https://x,2023-10-13,True\nB,https://y,2023-10-13,maybe\n",
        encoding="utf-8",
    )
    with pytest.raises(DatasetError, match=r"data_berita.csv:3: column Berita_Hoax"):
        list(read_dataset(path))
    jsonl = tmp_path / "extra.jsonl"
    jsonl.write_text(
        '{"id": 1, "text": "ok", "label": 1}\n{"id": 2, "text": "x", "label": 7}\n', encoding="utf-8"
    )
    with pytest.raises(DatasetError, match=r"extra.jsonl:2: field 'label'"):
        list(read_dataset(jsonl))
    with pytest.raises(DatasetError, match="notes.txt: unknown dataset format"):
        detect_reader(_touch(tmp_path / "notes.txt"))


def _touch(path: Path) -> Path:
    path.write_text("x", encoding="utf-8")
    return path


def test_dedupe_before_split_and_time_split(tmp_path: Path) -> None:
    seed = write_corpus(tmp_path / "posts.jsonl")
    seed_rows = [json.loads(line) for line in seed.read_text(encoding="utf-8").splitlines()]
    test_text = next(r["text"] for r in seed_rows if r["date"] >= SPLIT_DATE.isoformat())
    extra = tmp_path / "extra.jsonl"
    extra.write_text(
        "\n".join(
            json.dumps(row)
            for row in [
                {
                    "id": "e1",
                    "text": "[HOAKS] " + test_text.upper() + " !!",
                    "label": 1,
                    "date": "2023-05-01",
                },
                {"id": "e2", "text": "kabar baru yang tidak ada di seed", "label": 0, "date": "2023-05-01"},
                {"id": "e3", "text": "terlalu baru untuk dipakai", "label": 1, "date": "2024-03-01"},
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    data = assemble(seed, [extra])
    assert dedupe_key("[HOAKS] " + test_text.upper() + " !!") == dedupe_key(test_text)
    train_keys = {dedupe_key(r.text) for r in data.train}
    test_keys = {dedupe_key(r.text) for r in data.test}
    assert not train_keys & test_keys
    assert all(r.date >= SPLIT_DATE.isoformat() for r in data.test)
    assert data.dropped["duplicate"] >= 1 and data.dropped["extra_after_split_date"] == 1
    assert any(r.text == "kabar baru yang tidak ada di seed" for r in data.train)
    assert [s["name"] for s in data.sources] == ["seed", "extra"]
    assert all(len(s["sha256"]) == 64 for s in data.sources)
    texts, labels, meta = evaluation_split(seed)
    assert len(texts) == len(data.test) and set(labels) == {0, 1} and all("style" in m for m in meta)


def test_triage_labels_join_training_only(tmp_path: Path) -> None:
    seed = write_corpus(tmp_path / "posts.jsonl")
    triage = [("petugas bilang kotak suara dibuka malam hari, sebarkan", 1), ("info jadwal rapat pleno", 0)]
    data = assemble(seed, [], triage)
    triage_rows = [r for r in data.train if r.source == "triage"]
    assert [(r.text, r.label) for r in triage_rows] == triage
    assert not any(r.source == "triage" for r in data.test)
    assert data.sources[-1]["name"] == "triage" and data.sources[-1]["rows"] == 2
