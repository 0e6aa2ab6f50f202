"""The report's "Pertanyaan Warga" (issue 17): the citizen tipline's week beside the week before — tips
received, answered automatically, answered by officers, still waiting, and the median time to an answer."""

from __future__ import annotations

from monitor.reports import wording as w
from monitor.reports.data import WeeklyData
from monitor.reports.layout import Subsection, Table

SECTION_QUESTIONS = "Pertanyaan Warga"


def questions_section(data: WeeklyData) -> Subsection | None:
    """The citizen tipline's week beside the week before: what citizens asked and how fast they heard back."""
    if not data.has_questions:
        return None
    cur, prev = data.questions, data.previous_questions
    counts = [
        ("Pertanyaan masuk", cur.received, prev.received),
        (
            "Dijawab otomatis (bantahan atau informasi yang sudah dikenal)",
            cur.answered_automatically,
            prev.answered_automatically,
        ),
        ("Dijawab petugas (setelah diperiksa)", cur.answered_by_officers, prev.answered_by_officers),
        ("Masih menunggu jawaban", cur.waiting, prev.waiting),
    ]
    rows = [[label, w.number(a), w.number(b), w.change(a, b)] for label, a, b in counts]
    rows.append(
        [
            "Median waktu sampai dijawab",
            w.duration(cur.median_answer_seconds),
            w.duration(prev.median_answer_seconds),
            w.change(cur.median_answer_seconds, prev.median_answer_seconds, kind="duration"),
        ]
    )
    paragraphs = [
        "Warga meneruskan pesan yang mereka ragukan ke layanan tanya-jawab warga (tipline). Pesan yang "
        "cocok dengan bantahan atau informasi resmi yang sudah dikenal dijawab otomatis; pesan lain masuk "
        "antrean dan dijawab setelah petugas memutuskan. Waktu jawab dihitung dari pesan diterima sampai "
        "jawaban dikirim (untuk warga yang tidak meminta kabar: sampai keputusan petugas).",
    ]
    if cur.received:
        answered = cur.answered_automatically + cur.answered_by_officers
        paragraphs.append(
            f"Minggu ini {w.number(cur.received)} pertanyaan masuk; {w.number(answered)} "
            f"({w.percent(answered / cur.received)}) sudah dijawab, {w.number(cur.waiting)} masih menunggu."
        )
    else:
        paragraphs.append("Tidak ada pertanyaan warga yang masuk minggu ini.")
    table = Table(
        headers=["Ukuran", "Minggu ini", f"Minggu lalu ({data.previous.label})", "Perubahan"],
        rows=rows,
        widths=[0.44, 0.16, 0.2, 0.2],
    )
    return Subsection(title=SECTION_QUESTIONS, paragraphs=paragraphs, table=table)
