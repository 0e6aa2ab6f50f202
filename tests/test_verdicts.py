"""The one fact-check verdict vocabulary: only false verdicts are debunks."""

from __future__ import annotations

import pytest

from monitor.text.verdicts import (
    canonical_verdict,
    is_debunk,
    split_verdict,
    verdict_from_labels,
    verdict_kind,
)


@pytest.mark.parametrize(
    ("title", "verdict", "claim"),
    [
        ("[SALAH] Tinta pemilu mengandung babi", "salah", "Tinta pemilu mengandung babi"),
        ("[HOAX] Server Sirekap di luar negeri", "hoaks", "Server Sirekap di luar negeri"),
        ("(Keliru): Sirekap mengubah suara", "salah", "Sirekap mengubah suara"),
        ("Menyesatkan, Video KPU membakar surat suara", "menyesatkan", "Video KPU membakar surat suara"),
        ("HOAKS: Pemilu ditunda 2 tahun", "hoaks", "Pemilu ditunda 2 tahun"),
        ("[BENAR] KPU Perpanjang Masa Tanggapan DCT", "benar", "KPU Perpanjang Masa Tanggapan DCT"),
        ("[KLARIFIKASI] Soal DPT ganda", "klarifikasi", "Soal DPT ganda"),
        ("KPU tetapkan DCT Pemilu 2024", None, "KPU tetapkan DCT Pemilu 2024"),
        ("Sirekap, aplikasi rekap: cara kerjanya", None, "Sirekap, aplikasi rekap: cara kerjanya"),
    ],
)
def test_split_verdict(title: str, verdict: str | None, claim: str) -> None:
    assert split_verdict(title) == (verdict, claim)


def test_only_false_verdicts_are_debunks() -> None:
    for label in ["SALAH", "Hoaks", "DISINFORMASI", "menyesatkan", "KELIRU", "FITNAH", "PENIPUAN", "False"]:
        assert is_debunk(label), label
        assert verdict_kind(label) == "false"
    for label in ["BENAR", "Fakta", "TRUE"]:
        assert not is_debunk(label)
        assert verdict_kind(label) == "true"
    for label in ["KLARIFIKASI", "BERITA", "satire", "", None, "something else"]:
        assert not is_debunk(label)
        assert verdict_kind(label) == "other"


def test_labels_and_canonical() -> None:
    assert canonical_verdict("  Konten yang Menyesatkan ") == "menyesatkan"
    assert canonical_verdict("unknown") is None
    assert verdict_from_labels(["Pemilu 2024", "Disinformasi", "Salah"]) == "disinformasi"
    assert verdict_from_labels(["Pemilu 2024"]) is None
