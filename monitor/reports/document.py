"""The report's content as one structure both renderers (HTML and PDF) lay out, so they say the same thing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from monitor.reports import wording as w
from monitor.reports.charts import Chart, build_charts
from monitor.reports.data import WeeklyData
from monitor.reports.layout import Item, Subsection, Table
from monitor.reports.questions import questions_section

TITLE = "Laporan Mingguan Pemantauan Hoaks Pemilu"
SECTION_SUMMARY = "Ringkasan"
SECTION_CHARTS = "Grafik"
SECTION_TOP = "Lima Narasi Teratas"
SECTION_METHOD = "Catatan Metode"
NO_DATA = "Tidak ada data untuk minggu ini"


@dataclass
class ReportDocument:
    title: str
    district: str
    week_label: str
    week_range: str
    cover: list[tuple[str, str]]
    snapshot: str
    empty: bool
    empty_text: str
    summary: Table | None
    summary_notes: list[str]
    charts: list[Chart]
    top_intro: str
    top_items: list[Item]
    method: list[Subsection]
    footer: str
    questions: Subsection | None = None  # the tipline's week; None when it received no tips


def _cover(data: WeeklyData) -> list[tuple[str, str]]:
    tz = data.week.tz
    days = data.week.days
    versions = [v for v in data.model_versions if v != "unscored"]
    model_text = ", ".join(versions) if versions else "belum ada pos yang dinilai model"
    if data.active_model and data.active_model not in versions:
        model_text += f" (versi aktif saat ini: {data.active_model})"
    return [
        ("Wilayah", data.district),
        (
            "Minggu",
            f"{data.week.label}: {w.long_date(days[0])} – {w.long_date(days[-1])} ({w.zone_name(tz)})",
        ),
        ("Batas data (pos terbaru)", w.moment(data.newest_post, tz)),
        ("Versi model", model_text),
        ("Versi kata kunci", data.keywords_version or "tidak diketahui"),
        ("Sidik data (SHA-256)", data.snapshot),
    ]


def _summary(data: WeeklyData) -> Table:
    cur, prev = data.figures, data.previous_figures
    rows = [
        ("Pos terkumpul (dibaca minggu ini)", cur.collected, prev.collected),
        ("… di antaranya relevan pemilu", cur.collected_relevant, prev.collected_relevant),
        ("Pos relevan pemilu menurut tanggal unggahan", cur.relevant, prev.relevant),
        ("Pos ditandai model", cur.flagged, prev.flagged),
        ("Hoaks terkonfirmasi petugas", cur.hoax, prev.hoax),
        ("Eskalasi ke Bawaslu", cur.escalated_bawaslu, prev.escalated_bawaslu),
        ("Eskalasi ke Polri", cur.escalated_polri, prev.escalated_polri),
    ]
    table_rows = [[label, w.number(a), w.number(b), w.change(a, b)] for label, a, b in rows]
    if not cur.runs:  # nothing was collected during the week: say so instead of a misleading 0
        for row in table_rows[:2]:
            row[1] = row[3] = "-"
    table_rows.append(
        [
            "Median waktu dari ditandai sampai diputuskan",
            w.duration(cur.median_decision_seconds),
            w.duration(prev.median_decision_seconds),
            w.change(cur.median_decision_seconds, prev.median_decision_seconds, kind="duration"),
        ]
    )
    return Table(
        headers=["Ukuran", "Minggu ini", f"Minggu lalu ({data.previous.label})", "Perubahan"],
        rows=table_rows,
        widths=[0.44, 0.16, 0.2, 0.2],
    )


def _summary_notes(data: WeeklyData) -> list[str]:
    cur = data.figures
    notes = []
    if cur.runs:
        notes.append(
            f"Kolektor dan impor minggu ini membaca {w.number(cur.collected)} pos; "
            f"{w.number(cur.collected_relevant)} di antaranya relevan pemilu. Pos relevan menurut tanggal "
            "unggahan juga mencakup pos minggu ini yang dikumpulkan kemudian."
        )
    elif cur.relevant:
        notes.append(
            f"Tidak ada pengumpulan yang berjalan minggu ini; {w.number(cur.relevant)} pos relevan dengan "
            "tanggal unggahan minggu ini diimpor di luar minggu tersebut."
        )
    if cur.relevant:
        notes.append(
            f"Dari {w.number(cur.relevant)} pos relevan, {w.number(cur.flagged)} "
            f"({w.percent(cur.flagged / cur.relevant)}) ditandai model sebagai kemungkinan hoaks dan "
            f"{w.number(cur.hoax)} dikonfirmasi petugas sebagai hoaks."
        )
    notes.append(
        f"Petugas mengambil {w.number(cur.decisions)} keputusan minggu ini; median waktu dari ditandai "
        f"sampai diputuskan: {w.duration(cur.median_decision_seconds)}."
    )
    return notes


def _group_heading(index: int, data: WeeklyData, group_label: str | None) -> str:
    noun = "Narasi" if data.group_kind == "narrative" else "Kelompok pos"
    return f"#{index} {noun}" + (f": {group_label}" if group_label else "")


def _top_items(data: WeeklyData) -> list[Item]:
    items = []
    for index, group in enumerate(data.groups, 1):
        status_parts = [f"{w.status_label(s)} {w.number(n)}" for s, n in group.statuses.items()]
        status = w.status_label(group.status) if group.status else ""
        if status_parts:
            status = (status + "; " if status else "") + "pos ditandai: " + ", ".join(status_parts)
        claim = "belum ada bantahan yang cocok"
        if group.claim:
            source = f" — {group.claim_source}" if group.claim_source else ""
            claim = f"“{group.claim}”{source} [{group.claim_key}]"
        facts = [
            ("Pos minggu ini", w.number(group.posts)),
            (
                "Minggu lalu",
                f"{w.number(group.previous_posts)}; perubahan {w.change(group.posts, group.previous_posts)}",
            ),
            ("Ditandai", w.number(group.flagged)),
            ("Jangkauan", w.number(group.reach)),
            ("Bantahan yang cocok", claim),
            ("Status", status or "-"),
        ]
        if data.group_kind == "narrative":
            kinds = (("debunk", "bantahan"), ("news", "berita"), ("official", "unggahan resmi"))
            answered = [
                f"{w.number(group.responses[k])} {label}" for k, label in kinds if group.responses.get(k)
            ]
            facts.insert(5, ("Ditanggapi", ", ".join(answered) if answered else "belum ada tanggapan"))
        when = w.moment(group.example_at, data.week.tz) if group.example_at else "-"
        items.append(
            Item(
                heading=_group_heading(index, data, group.label),
                quote=group.example,
                attribution=f"{group.example_author} di {group.example_platform or '-'}, {when}",
                facts=facts,
            )
        )
    return items


def _top_intro(data: WeeklyData) -> str:
    if data.group_kind == "narrative":
        return (
            "Narasi hoaks yang paling perlu diperhatikan minggu ini (pos yang menceritakan ulang satu klaim "
            "yang sama), diurutkan menurut jumlah pos ditandai × jangkauan × pertumbuhan, bukan sekadar "
            "banyaknya pos. Bantahan, berita dan unggahan resmi tidak dihitung sebagai anggota narasi. "
            "Contoh dikutip singkat; nama akun disamarkan dan tautan dihapus."
        )
    if data.group_kind == "text_hash":
        return (
            "Pengelompokan narasi belum tersedia untuk minggu ini; yang ditampilkan adalah kelompok pos "
            "ditandai dengan teks yang sama (setelah normalisasi). Contoh dikutip singkat; nama akun "
            "disamarkan dan tautan dihapus."
        )
    return "Tidak ada pos yang ditandai minggu ini, sehingga tidak ada narasi untuk ditampilkan."


def _sources_section(data: WeeklyData) -> Subsection:
    days = data.week.days
    rows = []
    gaps = []
    for source in data.sources:
        if not source.missing_days:
            missing = "tidak ada"
        elif not source.days_with_runs:
            missing = "seluruh minggu"
        else:
            missing = ", ".join(w.short_date(days[d]) for d in source.missing_days)
        state = "aktif" if source.enabled else "nonaktif"
        rows.append(
            [
                source.name,
                state,
                w.number(source.runs),
                w.number(source.read),
                w.number(source.relevant),
                w.number(source.failed),
                missing,
            ]
        )
        if source.missing_days and source.enabled:
            gaps.append(f"{source.name}: tidak ada pengumpulan pada {missing}.")
        if source.failed:
            gaps.append(
                f"{source.name}: {w.number(source.failed)} dari {w.number(source.runs)} putaran gagal."
            )
    paragraphs = []
    if not data.sources:
        paragraphs.append("Belum ada sumber yang terdaftar dan tidak ada pengumpulan pada minggu ini.")
    covered = {d for s in data.sources for d in s.days_with_runs}
    silent_days = [d for d in range(7) if d not in covered]
    if data.sources and silent_days:
        paragraphs.append(
            "Hari tanpa pengumpulan dari sumber mana pun: "
            + ", ".join(w.short_date(days[d]) for d in silent_days)
            + ". Pos dari hari tersebut mungkin masuk belakangan atau tidak tercatat."
        )
    if data.figures.relevant and not data.figures.collected:
        paragraphs.append(
            "Catatan: pos minggu ini tersimpan, tetapi tidak ada pengumpulan yang berjalan pada minggu ini "
            "(data diimpor di luar minggu tersebut)."
        )
    table = None
    if rows:
        table = Table(
            headers=["Sumber", "Status", "Putaran", "Dibaca", "Relevan", "Gagal", "Hari tanpa data"],
            rows=rows,
            widths=[0.2, 0.1, 0.12, 0.11, 0.12, 0.09, 0.26],
        )
    return Subsection(title="Sumber dan kesehatannya", paragraphs=paragraphs, table=table, bullets=gaps)


def _card_date(value: str | None, data: WeeklyData) -> str:
    try:
        moment = datetime.fromisoformat(value or "")
    except ValueError:
        return value or "-"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return w.moment(moment, data.week.tz)


def _model_section(data: WeeklyData) -> Subsection:
    card = data.card
    if card is None:
        return Subsection(
            title="Model klasifikasi",
            paragraphs=[
                "Kartu model tidak ditemukan (belum ada model terdaftar atau models/default/card.json)."
            ],
        )
    facts = [
        f"Versi {card.version or '-'}, dibuat {_card_date(card.created_at, data)} "
        f"(sumber kartu: {card.origin}).",
        f"Ambang penandaan: {w.decimal(card.threshold, 2) if card.threshold is not None else '-'}"
        + (f"; target presisi {w.percent(card.target_precision, 0)}" if card.target_precision else "")
        + ".",
        "Hasil validasi: presisi "
        + w.percent(card.precision)
        + ", recall "
        + w.percent(card.recall)
        + ", F1 "
        + (w.decimal(card.f1, 2) if card.f1 is not None else "-")
        + ".",
    ]
    if card.data_sources:
        facts.append("Data latih: " + "; ".join(card.data_sources) + ".")
    if card.split_date and card.train_rows is not None and card.test_rows is not None:
        facts.append(
            f"Data dibagi menurut waktu pada {card.split_date}: {w.number(card.train_rows)} pos untuk "
            f"melatih, {w.number(card.test_rows)} pos sesudahnya untuk menguji (angka validasi di atas)."
        )
    return Subsection(title="Model klasifikasi", paragraphs=facts)


def _flag_section(data: WeeklyData) -> Subsection:
    threshold = data.card.threshold if data.card and data.card.threshold is not None else None
    threshold_text = f" (saat ini {w.decimal(threshold, 2)})" if threshold is not None else ""
    paragraphs = [
        "“Ditandai” berarti model memberi skor hoaks di atas ambang" + threshold_text + ", atau pos sangat "
        "mirip dengan klaim yang sudah dibantah. Tanda ini adalah permintaan untuk diperiksa petugas, "
        "bukan putusan: hanya status “hoaks” dari petugas yang dihitung sebagai hoaks terkonfirmasi.",
    ]
    card_precision = data.card.precision if data.card else None
    paragraphs.append(f"Presisi terukur saat validasi model: {w.percent(card_precision)}.")
    week = data.week_precision
    decided = week["confirmed"] + week["rejected"]
    if decided:
        paragraphs.append(
            f"Presisi menurut keputusan petugas minggu ini: {w.percent(week['precision'])} "
            f"({w.number(week['confirmed'])} hoaks dari {w.number(decided)} pos ditandai yang diputuskan "
            "hoaks/bukan hoaks)."
        )
    else:
        paragraphs.append("Belum ada keputusan hoaks/bukan hoaks atas pos ditandai minggu ini.")
    return Subsection(title="Arti “ditandai” dan presisinya", paragraphs=paragraphs)


def _definitions(zone: str) -> Subsection:
    return Subsection(
        title="Definisi",
        paragraphs=[
            f"Minggu mengikuti ISO (Senin 00.00 sampai Minggu 24.00, {zone}). Pos dihitung menurut waktu "
            "unggahannya; pos terkumpul menurut waktu putaran pengumpulan; keputusan dan eskalasi menurut "
            "waktu dicatat di jejak audit. Satu pos dapat memuat beberapa topik, sehingga jumlah per topik "
            "dapat melebihi total. Perubahan dibandingkan dengan minggu ISO sebelumnya.",
            "Laporan ini dapat diulang: basis data dan minggu yang sama menghasilkan angka dan sidik data "
            "yang sama.",
        ],
    )


def build_document(data: WeeklyData) -> ReportDocument:
    days = data.week.days
    charts = [] if data.empty else build_charts(data)
    return ReportDocument(
        title=TITLE,
        district=data.district,
        week_label=data.week.label,
        week_range=f"{w.long_date(days[0])} – {w.long_date(days[-1])}",
        cover=_cover(data),
        snapshot=data.snapshot,
        empty=data.empty,
        empty_text=(
            f"{NO_DATA}: tidak ada pos, pengumpulan, maupun keputusan petugas yang tercatat pada "
            f"{data.week.label}. Periksa apakah kolektor berjalan (lihat Catatan Metode)."
        ),
        summary=_summary(data),
        summary_notes=[] if data.empty else _summary_notes(data),
        charts=charts,
        top_intro=_top_intro(data),
        top_items=_top_items(data),
        method=[
            _sources_section(data),
            _model_section(data),
            _flag_section(data),
            _definitions(w.zone_name(data.week.tz)),
        ],
        footer=f"{data.district} · {TITLE} · {data.week.label} · sidik {data.snapshot[:12]}",
        questions=questions_section(data),
    )
