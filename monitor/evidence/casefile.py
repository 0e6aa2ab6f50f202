"""The case file: a Berita Acara-style PDF in Indonesian, rendered from a frozen packet's own files.

Everything in it comes from the packet (post.json, analysis.json, audit-trail.json, page-response.json,
the manifest), never from the live database, so the PDF says what was known at the moment of freezing.
NIK-like numbers (16 digits, possibly grouped) are masked in every text the PDF prints; the packet's
files keep the bytes as collected.
"""

from __future__ import annotations

import io
import json
import re
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from monitor.i18n import MONTHS_ID
from monitor.reports.pdf import FONT_DIR, FONTS

WIB = ZoneInfo("Asia/Jakarta")
MARGIN = 1.8 * cm
WIDTH = A4[0] - 2 * MARGIN
DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
ACTIONS = {
    "take": "mengambil item untuk ditangani",
    "needs_check": "menandai perlu dicek",
    "hoax": "memutuskan hoaks",
    "not_hoax": "memutuskan bukan hoaks",
    "escalate_bawaslu": "mengeskalasi ke Bawaslu",
    "escalate_polri": "mengeskalasi ke Polri",
    "violation": "menandai pelanggaran pemilu",
    "clarify": "menerbitkan klarifikasi",
    "follow_up": "mencatat tindak lanjut",
    "close": "menutup item",
    "evidence.freeze": "membekukan bukti",
    "evidence.release": "melepas bukti",
}
# 16 digits, alone or grouped by spaces, dots or dashes (6107 0112 3456 0001): the shape of a NIK.
NIK_PATTERN = re.compile(r"(?<![\d])\d(?:[ .-]?\d){15}(?![\d])")


def mask_nik(text: str) -> str:
    """Mask NIK-like numbers, keeping the first four digits (the province and regency code)."""

    def _mask(match: re.Match[str]) -> str:
        digits = [c for c in match.group(0) if c.isdigit()]
        return "".join(digits[:4]) + "*" * 12

    return NIK_PATTERN.sub(_mask, text)


def long_date(value: datetime) -> str:
    """Senin, 12 Februari 2024 pukul 10.30 WIB"""
    local = value.astimezone(WIB)
    day, month = DAYS[local.weekday()], MONTHS_ID[local.month - 1]
    return f"{day}, {local.day} {month} {local.year} pukul {local:%H.%M} WIB"


def _short_time(iso: str | None) -> str:
    if not iso:
        return "-"
    return datetime.fromisoformat(iso).astimezone(WIB).strftime("%d-%m-%Y %H:%M WIB")


def _fonts() -> None:
    if "DejaVuSans" in pdfmetrics.getRegisteredFontNames():
        return
    for name, filename in FONTS.items():
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename)))


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName="DejaVuSans", fontSize=9.5, leading=13)
    return {
        "body": base,
        "title": ParagraphStyle(
            "t", parent=base, fontName="DejaVuSans-Bold", fontSize=14, leading=18, alignment=1
        ),
        "sub": ParagraphStyle("s", parent=base, alignment=1, spaceAfter=8),
        "h": ParagraphStyle(
            "h", parent=base, fontName="DejaVuSans-Bold", fontSize=11, spaceBefore=8, spaceAfter=3
        ),
        "cell": ParagraphStyle("c", parent=base, fontSize=8.5, leading=11),
        "head": ParagraphStyle("hd", parent=base, fontName="DejaVuSans-Bold", fontSize=8.5, leading=11),
        "mono": ParagraphStyle("m", parent=base, fontName="DejaVuSansMono", fontSize=7, leading=9),
        "quote": ParagraphStyle("q", parent=base, leftIndent=12, fontName="DejaVuSans-Oblique"),
    }


GRID = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#777777")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
)


class _Mono(str):
    """A value printed in the monospace font (hashes)."""


def _p(text: Any, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(mask_nik(str(text if text is not None else "-"))).replace("\n", "<br/>"), style)


def _facts(rows: list[tuple[str, Any]], s: dict[str, ParagraphStyle]) -> Table:
    table = Table(
        [[_p(k, s["head"]), _p(v, s["cell"])] for k, v in rows], colWidths=[WIDTH * 0.3, WIDTH * 0.7]
    )
    table.setStyle(GRID)
    return table


def _grid(
    header: list[str], rows: list[list[Any]], widths: list[float], s: dict[str, ParagraphStyle]
) -> Table:
    styles = [s["head"]] * len(header)
    data = [[_p(h, st) for h, st in zip(header, styles, strict=True)]]
    for row in rows:
        data.append([_p(cell, s["mono"] if isinstance(cell, _Mono) else s["cell"]) for cell in row])
    table = Table(data, colWidths=[WIDTH * w for w in widths], repeatRows=1)
    table.setStyle(GRID)
    table.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6e6e6"))]))
    return table


def case_file_pdf(
    manifest: dict[str, Any],
    manifest_sha256: str,
    files: dict[str, bytes],
    *,
    district_label: str,
    exported_at: datetime,
    exported_by: str,
) -> bytes:
    """Render the case file of one packet (files: packet file name → bytes)."""
    _fonts()
    s = _styles()
    post = json.loads(files["post.json"])
    analysis = json.loads(files["analysis.json"]) if "analysis.json" in files else {}
    events = json.loads(files["audit-trail.json"]) if "audit-trail.json" in files else []
    page = json.loads(files["page-response.json"]) if "page-response.json" in files else {}
    frozen_at = datetime.fromisoformat(manifest["frozen_at_utc"])
    who = manifest["frozen_by"]
    item = manifest["item"]
    trigger = "eskalasi item" if manifest.get("trigger") == "escalation" else "permintaan petugas"
    flow: list[Any] = [
        _p("BERITA ACARA PEMBEKUAN BUKTI DIGITAL", s["title"]),
        _p(f"{district_label} · Paket bukti #{manifest['seq']} · Item #{item['post_id']}", s["sub"]),
        _p(
            f"Pada hari {long_date(frozen_at)}, sistem pemantau hoaks pemilu {district_label} membekukan "
            f"bukti digital atas unggahan di bawah ini karena {trigger}, oleh {who['username']} "
            f"(peran: {who['role']}). Berkas bukti disimpan menurut sidik jari SHA-256-nya dan tidak pernah "
            "ditimpa.",
            s["body"],
        ),
        _p("1. Unggahan yang dibekukan", s["h"]),
    ]
    engagement = post.get("engagement") or {}
    author = " ".join(
        x
        for x in (post.get("author_name"), f"@{post['author_handle']}" if post.get("author_handle") else "")
        if x
    )
    flow.append(
        _facts(
            [
                ("Platform", post.get("platform")),
                ("ID asli", post.get("native_id")),
                ("Tautan", post.get("url")),
                (
                    "Akun (seperti tampil)",
                    f"{author or '-'} · {post.get('author_followers') or 0:,} pengikut",
                ),
                ("Waktu unggah", _short_time(post.get("created_at"))),
                ("Pertama dikumpulkan", _short_time(post.get("collected_at"))),
                (
                    "Jangkauan saat dibekukan",
                    " · ".join(
                        f"{label} {engagement.get(key) or 0:,}"
                        for label, key in (
                            ("jangkauan", "reach"),
                            ("suka", "likes"),
                            ("bagikan", "shares"),
                            ("balasan", "replies"),
                            ("tayang", "views"),
                        )
                    ),
                ),
                ("Sumber pengumpul", f"{post.get('source_name') or '-'}"),
            ],
            s,
        )
    )
    flow += [Spacer(1, 4), _p("Isi unggahan:", s["head"]), _p(post.get("text"), s["quote"])]
    flow.append(_p("2. Penilaian sistem dan bantahan yang cocok", s["h"]))
    claim = analysis.get("matched_claim")
    score = analysis.get("hoax_score")
    rows: list[tuple[str, Any]] = [
        ("Versi model", analysis.get("model_version") or "-"),
        ("Skor hoaks", f"{score:.2f}" if isinstance(score, int | float) else "-"),
        ("Alasan", "; ".join(analysis.get("reasons") or []) or "-"),
    ]
    if claim:
        similarity = analysis.get("claim_similarity")
        rows += [
            ("Bantahan yang cocok", claim.get("claim")),
            ("Putusan pemeriksa fakta", f"{claim.get('verdict')} · {claim.get('source') or '-'}"),
            ("Tautan bantahan", claim.get("source_url") or "-"),
            ("Kemiripan", f"{similarity:.2f}" if isinstance(similarity, int | float) else "-"),
        ]
    else:
        rows.append(("Bantahan yang cocok", "tidak ada bantahan yang cocok saat dibekukan"))
    flow.append(_facts(rows, s))
    flow.append(_p("3. Riwayat keputusan hingga saat pembekuan", s["h"]))
    if events:
        flow.append(
            _grid(
                ["Waktu", "Petugas (peran)", "Tindakan", "Catatan"],
                [
                    [
                        _short_time(e.get("at")),
                        f"{e.get('actor')} ({e.get('role') or '-'})",
                        ACTIONS.get(e.get("action"), e.get("action")),
                        e.get("note") or "",
                    ]
                    for e in events
                ],
                [0.2, 0.2, 0.25, 0.35],
                s,
            )
        )
    else:
        flow.append(_p("Belum ada keputusan petugas atas item ini.", s["body"]))
    flow.append(_p("4. Pengambilan halaman publik", s["h"]))
    status = page.get("status")
    flow.append(
        _facts(
            [
                ("Diambil", f"{_short_time(page.get('started_at'))} · {page.get('requested_url') or '-'}"),
                (
                    "Jawaban server",
                    f"HTTP {status} {page.get('reason') or ''}" if status else "tidak ada jawaban",
                ),
                ("Ukuran tersimpan", f"{page.get('bytes', 0):,} byte"),
                ("User-Agent", page.get("user_agent") or "-"),
            ],
            s,
        )
    )
    missing = manifest.get("missing") or []
    flow.append(Spacer(1, 4))
    if missing:
        flow.append(_p("Bagian yang TIDAK tertangkap:", s["head"]))
        flow += [_p(f"• {m['file']}: {m['reason']}", s["body"]) for m in missing]
    else:
        flow.append(_p("Semua bagian tertangkap (halaman, tangkapan layar, data unggahan).", s["body"]))
    if "screenshot.png" in files:
        flow.append(
            _p(
                "Tangkapan layar halaman ada di files/screenshot.png. Gambar itu tidak dicetak di berita "
                "acara ini karena dapat memuat data pribadi (mis. NIK) yang di sini disamarkan.",
                s["body"],
            )
        )
    flow.append(_p("5. Sidik jari berkas (SHA-256)", s["h"]))
    flow.append(
        _grid(
            ["Berkas", "Ukuran (byte)", "SHA-256"],
            [[f["name"], f"{f['size']:,}", _Mono(f["sha256"])] for f in manifest["files"]],
            [0.22, 0.14, 0.64],
            s,
        )
    )
    flow.append(Spacer(1, 4))
    flow.append(
        _facts(
            [
                ("SHA-256 manifest paket ini", _Mono(manifest_sha256)),
                (
                    "SHA-256 manifest paket sebelumnya",
                    _Mono(manifest.get("previous_manifest_sha256") or "(awal rantai)"),
                ),
                ("Versi aplikasi", manifest.get("versions", {}).get("app")),
                ("Diekspor", f"{long_date(exported_at)} oleh {exported_by}"),
            ],
            s,
        )
    )
    flow.append(_p("6. Cara memverifikasi", s["h"]))
    steps = [
        "Buka berkas zip ini. Folder files/ berisi berkas bukti persis seperti dibekukan; manifest.json "
        "mencatat SHA-256 dan ukuran setiap berkas.",
        "Hitung sidik jari setiap berkas, misalnya dengan perintah: sha256sum files/* — setiap hasil harus "
        "sama dengan tabel di bagian 5.",
        f"Hitung sha256sum manifest.json; hasilnya harus {manifest_sha256}.",
        "Folder rantai/ berisi manifest semua paket sebelumnya: setiap manifest menyebut SHA-256 manifest "
        "sebelumnya, sehingga paket yang dihapus atau diubah di tengah rantai akan ketahuan.",
        "Dengan aplikasi pemantau: monitor evidence verify berkas.zip (memeriksa semua langkah di atas dan "
        "menyebut berkas atau mata rantai mana yang gagal).",
        "Mintalah kepada KPU/Bawaslu kabupaten SHA-256 ujung rantai terkini (monitor evidence verify --all) "
        "untuk dicocokkan dengan rantai di berkas ini.",
    ]
    flow += [_p(f"{i}. {step}", s["body"]) for i, step in enumerate(steps, 1)]
    flow += [
        Spacer(1, 16),
        _p(
            "Demikian berita acara ini dibuat dengan sebenarnya untuk dipergunakan sebagaimana mestinya.",
            s["body"],
        ),
        Spacer(1, 30),
        _p(
            f"Petugas yang membekukan: {who['username']} ({who['role']})\n\n\n"
            "Tanda tangan: ______________________",
            s["body"],
        ),
    ]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"Berita acara pembekuan bukti #{manifest['seq']}",
        author=district_label,
        lang="id",
    )
    document.build(flow)
    return buffer.getvalue()
