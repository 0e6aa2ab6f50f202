"""The project's own data: seed corpus, known debunked claims, and the synthetic demo stream."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import types
from collections import Counter
from datetime import date, datetime, timedelta
from itertools import islice
from pathlib import Path

import pytest

from monitor import devdata
from monitor.devdata import generate_posts

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "seed" / "posts.jsonl"
KNOWN = ROOT / "data" / "known_hoaxes.jsonl"
DEMO = ROOT / "data" / "demo" / "posts.jsonl"
SPLIT = "2024-02-01"

KINDS = {"hoax", "debunk", "news", "official", "question", "report", "opinion", "offtopic", "satire"}
TOPICS = {"sidalih", "sirekap", "procedure", "candidate:01", "candidate:02", "candidate:03", "other"}
PAIRS = ("01", "02", "03")
SEED_PLATFORMS = {"telegram", "x", "facebook", "whatsapp", "tiktok", "youtube", "instagram", "news"}
STREAM_PLATFORMS = {"telegram", "x", "mastodon", "youtube", "facebook", "tiktok", "news"}
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _read(path: Path) -> list[dict]:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                pytest.fail(f"{path.name}:{lineno}: not JSON ({exc})")
    return rows


@pytest.fixture(scope="module")
def seed() -> list[dict]:
    return _read(SEED)


@pytest.fixture(scope="module")
def known() -> list[dict]:
    return _read(KNOWN)


# --- seed corpus ------------------------------------------------------------------------------------------


def test_seed_rows_have_the_documented_schema(seed: list[dict]) -> None:
    assert len(seed) >= 1600
    keys = {"id", "text", "label", "kind", "topics", "candidates", "style", "platform", "date", "group"}
    for row in seed:
        where = row.get("id", "?")
        assert set(row) == keys, where
        assert re.fullmatch(r"seed-\d{4}", row["id"]), where
        assert isinstance(row["text"], str) and len(row["text"].strip()) >= 10, where
        assert row["label"] in (0, 1), where
        assert row["kind"] in KINDS, where
        assert set(row["topics"]) <= TOPICS and row["topics"], where
        assert set(row["candidates"]) <= set(PAIRS), where
        assert row["style"] in ("social", "headline"), where
        assert row["platform"] in SEED_PLATFORMS, where
        assert DAY.match(row["date"]) and "2023-09-01" <= row["date"] <= "2024-04-30", where
        date.fromisoformat(row["date"])


def test_seed_ids_and_texts_are_unique(seed: list[dict]) -> None:
    assert len({r["id"] for r in seed}) == len(seed)
    assert len({r["text"] for r in seed}) == len(seed)


def test_seed_label_follows_kind_and_topics_follow_candidates(seed: list[dict]) -> None:
    for row in seed:
        assert row["label"] == (1 if row["kind"] == "hoax" else 0), row["id"]
        expected = {f"candidate:{c}" for c in row["candidates"]}
        assert {t for t in row["topics"] if t.startswith("candidate:")} == expected, row["id"]
        if row["kind"] == "offtopic":
            assert row["topics"] == ["other"], row["id"]
        if row["style"] == "headline":
            assert row["platform"] == "news", row["id"]


def test_seed_proportions(seed: list[dict]) -> None:
    n = len(seed)
    kinds = Counter(r["kind"] for r in seed)
    assert 0.35 <= sum(r["label"] for r in seed) / n <= 0.45
    assert kinds["debunk"] / n >= 0.12
    assert kinds["offtopic"] / n >= 0.08
    assert sum(r["style"] == "social" for r in seed) / n >= 0.75
    for side in (lambda r: r["date"] < SPLIT, lambda r: r["date"] >= SPLIT):
        part = [r for r in seed if side(r)]
        assert {r["style"] for r in part if r["label"] == 1} == {"social", "headline"}
        assert {r["style"] for r in part if r["label"] == 0} == {"social", "headline"}


def test_seed_candidate_pairs_are_balanced_on_both_labels(seed: list[dict]) -> None:
    for label in (0, 1):
        counts = Counter(c for r in seed if r["label"] == label for c in r["candidates"])
        low, high = min(counts[p] for p in PAIRS), max(counts[p] for p in PAIRS)
        assert low > 0 and high <= low * 1.15, (label, counts)


def test_seed_time_split_has_both_labels_for_every_topic(seed: list[dict]) -> None:
    seen = Counter((t, r["date"] >= SPLIT, r["label"]) for r in seed for t in r["topics"])
    for topic in TOPICS:
        for test_side in (False, True):
            for label in (0, 1):
                assert seen[(topic, test_side, label)] >= 3, (topic, "test" if test_side else "train", label)


def test_seed_groups_never_straddle_the_split(seed: list[dict]) -> None:
    sides: dict[str, set[bool]] = {}
    for row in seed:
        sides.setdefault(row["group"], set()).add(row["date"] >= SPLIT)
    assert all(len(s) == 1 for s in sides.values())


def test_seed_parallel_candidate_rows_differ_only_in_candidate_words(seed: list[dict]) -> None:
    names = re.compile(
        r"Anies|Muhaimin|Prabowo|Gibran|Ganjar|Mahfud|AMIN|GAMA|Abah|Cak Imin|Mas|Pak|Prof|PKB|"
        r"Gerindra|PDIP|Timnas|TKN|TPN|Koalisi \w+( \w+)?|koalisi PDIP-PPP|0[123]|satu|dua|tiga|"
        r"mantan Gubernur \w+|Menteri Pertahanan"
    )
    by_group: dict[str, list[dict]] = {}
    for row in seed:
        if row["candidates"]:
            by_group.setdefault(row["group"], []).append(row)
    assert by_group
    for rows in by_group.values():
        per_pair = Counter(r["candidates"][0] for r in rows)
        assert set(per_pair) == set(PAIRS) and len(set(per_pair.values())) == 1
        assert len({r["label"] for r in rows}) == 1
        copies = per_pair["01"]
        neutral = {re.sub(r"X(?:[\s-]X)+", "X", names.sub("X", r["text"])) for r in rows}
        assert len(neutral) == copies, neutral


def test_seed_build_script_reproduces_the_committed_file() -> None:
    spec = importlib.util.spec_from_file_location("seed_build", ROOT / "data" / "seed" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows = module.build()
    assert [json.dumps(r, ensure_ascii=False) for r in rows] == SEED.read_text(encoding="utf-8").splitlines()


# --- known debunked claims --------------------------------------------------------------------------------


def test_known_hoaxes_schema(known: list[dict]) -> None:
    assert len(known) >= 80
    keys = {"id", "claim", "verdict", "date", "source", "source_url", "topics", "candidates", "explanation"}
    for row in known:
        where = row.get("id", "?")
        assert set(row) == keys, where
        assert re.fullmatch(r"kh-\d{3}", row["id"]), where
        assert row["verdict"] in ("salah", "hoaks", "disinformasi", "menyesatkan"), where
        assert DAY.match(row["date"]), where
        date.fromisoformat(row["date"])
        assert row["source_url"].startswith("https://"), where
        assert len(row["claim"]) >= 20 and len(row["explanation"]) >= 40, where
        assert set(row["topics"]) <= TOPICS and row["topics"], where
        assert set(row["candidates"]) <= set(PAIRS), where
    assert len({r["id"] for r in known}) == len(known)
    assert len({r["claim"] for r in known}) == len(known)


def test_known_hoaxes_cover_systems_and_pairs_evenly(known: list[dict]) -> None:
    topics = Counter(t for r in known for t in r["topics"])
    assert topics["sidalih"] >= 15 and topics["sirekap"] >= 15 and topics["procedure"] >= 15
    pairs = Counter(c for r in known for c in r["candidates"])
    assert len(set(pairs[p] for p in PAIRS)) == 1 and pairs["01"] >= 6


# --- synthetic stream -------------------------------------------------------------------------------------


def _check_post(post: dict) -> None:
    assert set(post) == {
        "platform",
        "native_id",
        "url",
        "author_handle",
        "author_name",
        "author_followers",
        "text",
        "created_at",
        "lang",
        "likes",
        "shares",
        "replies",
        "views",
    }
    assert post["platform"] in STREAM_PLATFORMS
    assert isinstance(post["native_id"], str) and post["native_id"]
    assert post["url"].startswith("https://")
    assert post["text"].strip() and post["lang"] == "id"
    stamp = datetime.fromisoformat(post["created_at"].replace("Z", "+00:00"))
    assert stamp.utcoffset() is not None
    assert post["created_at"].endswith(("Z", "+07:00"))
    for name in ("author_followers", "likes", "shares", "replies"):
        assert isinstance(post[name], int) and post[name] >= 0
    assert post["views"] is None or (isinstance(post["views"], int) and post["views"] >= 0)


def test_synth_is_deterministic_and_seed_dependent() -> None:
    first = list(generate_posts(300, seed=7))
    assert first == list(generate_posts(300, seed=7))
    assert first != list(generate_posts(300, seed=8))


def test_synth_streams_without_building_the_whole_list() -> None:
    stream = generate_posts(10**12)
    assert isinstance(stream, types.GeneratorType)
    head = list(islice(stream, 5))
    assert len(head) == 5
    assert head == list(generate_posts(5))


def test_synth_posts_are_valid_unique_and_within_the_period() -> None:
    start, end = date(2024, 1, 1), date(2024, 3, 31)
    posts = list(generate_posts(5000, seed=11, start=start, end=end))
    keys = set()
    for post in posts:
        _check_post(post)
        keys.add((post["platform"], post["native_id"]))
        day = datetime.fromisoformat(post["created_at"].replace("Z", "+00:00")).date()
        assert start - timedelta(days=1) <= day <= end  # WIB early morning is the previous day in UTC
    assert len(keys) == len(posts)


def test_synth_mix_peaks_on_voting_day_and_treats_pairs_equally() -> None:
    posts = list(generate_posts(20000, seed=3))
    days = Counter(p["created_at"][:10] for p in posts)
    assert max(days, key=days.get) in {"2024-02-13", "2024-02-14", "2024-02-15"}
    assert days["2024-02-14"] > 4 * days["2024-01-10"]
    mentions = Counter()
    for p in posts:
        for no, words in (
            ("01", ("Anies", "AMIN", "Cak Imin", " 01")),
            ("02", ("Prabowo", "Gibran", "TKN", " 02")),
            ("03", ("Ganjar", "Mahfud", "TPN", " 03")),
        ):
            if any(w in p["text"] for w in words):
                mentions[no] += 1
    low, high = min(mentions.values()), max(mentions.values())
    assert high <= low * 1.15, mentions
    texts = Counter(p["text"] for p in posts)
    assert texts.most_common(1)[0][1] > 5  # near-duplicates and forwarded copies exist
    assert len(texts) > 2000  # ...but the stream is not a handful of strings
    likes = sorted(p["likes"] for p in posts)
    assert likes[-1] > 100 * max(1, likes[len(likes) // 2])  # heavy tail


def test_synth_does_not_reuse_seed_sentences(seed: list[dict]) -> None:
    seed_texts = {r["text"] for r in seed}
    assert not any(p["text"] in seed_texts for p in generate_posts(5000, seed=5))


def test_synth_cli_writes_jsonl(tmp_path: Path) -> None:
    out = tmp_path / "demo.jsonl"
    assert devdata.main(["--n", "50", "--seed", "2024", "--out", str(out)]) == 0
    rows = _read(out)
    assert rows == list(generate_posts(50, seed=2024))
    assert devdata.main(["--n", "5", "--start", "2024-03-01", "--end", "2024-02-01", "--out", str(out)]) == 2


def test_synth_truth_adds_label_and_kind_without_changing_the_posts(tmp_path: Path) -> None:
    plain = list(generate_posts(3000, seed=99))
    truth = list(generate_posts(3000, seed=99, truth=True))
    assert all("label" not in p and "kind" not in p for p in plain)
    stream_kinds = {kind for kind, _share in devdata.KIND_MIX}
    for bare, rich in zip(plain, truth, strict=True):
        assert {k: v for k, v in rich.items() if k not in ("label", "kind", "narrative")} == bare
        assert rich["kind"] in stream_kinds
        # Hoaxes and debunks name the narrative they tell or answer (truth for bench/narratives_demo.py).
        assert ("narrative" in rich) == (rich["kind"] in ("hoax", "debunk"))
        assert rich["label"] == (1 if rich["kind"] == "hoax" else 0)
    kinds = Counter(p["kind"] for p in truth)
    assert set(kinds) == stream_kinds  # every kind of the mix shows up in a few thousand posts
    assert 0.15 < sum(p["label"] for p in truth) / len(truth) < 0.35
    out = tmp_path / "truth.jsonl"
    assert devdata.main(["--n", "40", "--seed", "99", "--truth", "--out", str(out)]) == 0
    assert _read(out) == truth[:40]


def test_committed_demo_stream_matches_the_generator() -> None:
    rows = _read(DEMO)
    assert len(rows) >= 2500
    assert rows == list(generate_posts(len(rows), seed=2024, start=date(2024, 1, 1), end=date(2024, 3, 31)))


def test_module_runs_as_a_script(tmp_path: Path) -> None:
    import subprocess

    out = tmp_path / "s.jsonl"
    proc = subprocess.run(
        [sys.executable, "-m", "monitor.devdata", "--n", "20", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert len(out.read_text(encoding="utf-8").splitlines()) == 20
