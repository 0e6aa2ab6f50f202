"""The claim-base bench's archive and its nested subsets (no datasets needed)."""

from __future__ import annotations

from bench.claimbase import archive_claims, nested_subsets
from monitor.classify.datasets import LabelledText


def test_only_circulated_hoax_claims_enter_the_archive() -> None:
    rows = [
        LabelledText("Server KPU di luar negeri", 1, "turnbackhoax", "2019-04-02", kind="claim"),
        LabelledText("KPU tetapkan DPT nasional", 0, "headlines", "2023-07-02", kind="headline"),
        LabelledText("ayo ke TPS besok", 0, "rizano26", None, kind="chatter"),
        LabelledText("Tinta pemilu mengandung babi", 1, "komdigi", "2019-03-30", kind="claim"),
    ]
    archive = archive_claims(rows)
    assert [c.claim for c in archive] == ["Server KPU di luar negeri", "Tinta pemilu mengandung babi"]
    assert [c.id for c in archive] == ["archive-0", "archive-1"]
    assert all(c.verdict == "salah" for c in archive)  # a debunk: only these may flag by a match
    assert archive[1].date == "2019-03-30"


def test_subsets_are_nested_capped_and_end_with_the_whole_archive() -> None:
    claims = archive_claims(
        [LabelledText(f"klaim nomor {i}", 1, "mafindo", "2020-01-01", kind="claim") for i in range(10)]
    )
    subsets = nested_subsets(claims, (0, 3, 6, 50))
    assert list(subsets) == [0, 3, 6, 10]  # 50 is capped at the archive's size
    assert subsets[0] == []
    assert subsets[3] == subsets[6][:3] and subsets[6] == subsets[10][:6]
    assert sorted(c.id for c in subsets[10]) == sorted(c.id for c in claims)
    assert nested_subsets(claims, (3,))[3] == subsets[3]  # deterministic
