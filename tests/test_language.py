"""Language from the text itself (monitor.text.language), not from a feed's or client's tag."""

from __future__ import annotations

import pytest

from monitor.text.language import detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Beredar video yang menyebut surat suara di TPS 12 sudah tercoblos untuk paslon 03", "id"),
        ("Sirekap error, angka suara paslon 03 melonjak jadi 800 di TPS 12?? Mohon klarifikasi KPU", "id"),
        ("Warga bisa cek DPT secara mandiri lewat cekdptonline, cukup masukkan NIK", "id"),
        ("The election commission said on Monday that the count will be finished", "en"),
        ("Information about the voter list is available online", "en"),
        ("Sirekap TPS 12", None),  # too little evidence either way
        ("", None),
        (None, None),
    ],
)
def test_detect_language(text: str | None, expected: str | None) -> None:
    assert detect_language(text) == expected


def test_mixed_text_without_a_clear_winner_is_unknown() -> None:
    assert detect_language("the KPU dan the Bawaslu and yang") is None
