"""PDF rendering of the weekly report with reportlab (platypus), A4, DejaVu fonts, invariant output.

`invariant=1` fixes the creation date and document id reportlab would otherwise take from the clock, so
the same document gives the same bytes.

Emoji: a PDF font cannot draw colour emoji, and DejaVu has only a few pictographs, so any emoji the font
lacks is written as its Indonesian name in brackets ("🙏" -> "[melipat tangan]", from the `emoji` package's
CLDR names) instead of an empty box: the officer still reads what the post showed. The HTML report keeps them.
The method section is kept together so the last page never holds a lone sentence.
"""

from __future__ import annotations

import io
from pathlib import Path
from xml.sax.saxutils import escape

import emoji
import matplotlib
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from monitor.reports import document as d

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"  # DejaVu ships with matplotlib
FONTS = {
    "DejaVuSans": "DejaVuSans.ttf",
    "DejaVuSans-Bold": "DejaVuSans-Bold.ttf",
    "DejaVuSans-Oblique": "DejaVuSans-Oblique.ttf",
    "DejaVuSans-BoldOblique": "DejaVuSans-BoldOblique.ttf",
    "DejaVuSansMono": "DejaVuSansMono.ttf",
}
MARGIN = 1.8 * cm
FRAME_WIDTH = A4[0] - 2 * MARGIN


def _register_fonts() -> None:
    if "DejaVuSans" in pdfmetrics.getRegisteredFontNames():
        return
    for name, filename in FONTS.items():
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename)))
    pdfmetrics.registerFontFamily(
        "DejaVuSans",
        normal="DejaVuSans",
        bold="DejaVuSans-Bold",
        italic="DejaVuSans-Oblique",
        boldItalic="DejaVuSans-BoldOblique",
    )


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName="DejaVuSans", fontSize=9.5, leading=13, alignment=TA_LEFT)
    return {
        "body": base,
        "title": ParagraphStyle("title", parent=base, fontName="DejaVuSans-Bold", fontSize=17, leading=21),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=11, leading=15, spaceAfter=6),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontName="DejaVuSans-Bold",
            fontSize=13,
            leading=17,
            spaceBefore=10,
            spaceAfter=4,
            keepWithNext=1,
        ),
        "h3": ParagraphStyle(
            "h3",
            parent=base,
            fontName="DejaVuSans-Bold",
            fontSize=10.5,
            leading=14,
            spaceBefore=6,
            spaceAfter=2,
            keepWithNext=1,
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=11),
        "cellnum": ParagraphStyle("cellnum", parent=base, fontSize=8.5, leading=11, alignment=2),
        "head": ParagraphStyle("head", parent=base, fontName="DejaVuSans-Bold", fontSize=8.5, leading=11),
        "mono": ParagraphStyle("mono", parent=base, fontName="DejaVuSansMono", fontSize=7.5, leading=10),
        "quote": ParagraphStyle(
            "quote", parent=base, fontName="DejaVuSans-Oblique", leftIndent=10, borderPadding=0, spaceBefore=2
        ),
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10.5),
        "empty": ParagraphStyle(
            "empty",
            parent=base,
            fontName="DejaVuSans-Bold",
            borderWidth=1,
            borderColor=colors.black,
            borderPadding=6,
            spaceBefore=6,
            spaceAfter=10,
        ),
    }


def printable(text: str, font: str = "DejaVuSans") -> str:
    """`text` with every emoji the font cannot draw replaced by its Indonesian name in brackets."""
    glyphs = pdfmetrics.getFont(font).face.charToGlyph
    emoji.config.load_language("id")  # the Indonesian names load on demand (once per process)

    def name(chars: str, data: dict[str, str]) -> str:
        if all(ord(c) in glyphs for c in chars if c not in "\ufe0f\u200d"):
            return chars
        label = (data.get("id") or data.get("en") or "").strip(":").replace("_", " ")
        return f"[{label}]" if label else ""

    return emoji.replace_emoji(text, replace=name)


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(printable(text, style.fontName)), style)


GRID = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#777777")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
)


def _table(table: d.Table, s: dict[str, ParagraphStyle], numeric: range) -> Table:
    header = [_p(h, s["head"]) for h in table.headers]
    body = [
        [_p(cell, s["cellnum"] if i in numeric else s["cell"]) for i, cell in enumerate(row)]
        for row in table.rows
    ]
    flow = Table([header, *body], colWidths=[FRAME_WIDTH * f for f in table.widths], repeatRows=1)
    flow.setStyle(GRID)
    flow.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6e6e6"))]))
    return flow


def _facts(rows: list[tuple[str, str]], s: dict[str, ParagraphStyle], mono_last: bool = False) -> Table:
    data = []
    for index, (label, value) in enumerate(rows):
        style = s["mono"] if mono_last and index == len(rows) - 1 else s["cell"]
        data.append([_p(label, s["head"]), _p(value, style)])
    flow = Table(data, colWidths=[FRAME_WIDTH * 0.28, FRAME_WIDTH * 0.72])
    flow.setStyle(GRID)
    return flow


def _story(doc: d.ReportDocument) -> list[Flowable]:
    s = _styles()
    story: list[Flowable] = [
        _p(doc.title, s["title"]),
        _p(f"{doc.district} · Minggu {doc.week_label} ({doc.week_range})", s["subtitle"]),
        _facts(doc.cover, s, mono_last=True),
        Spacer(1, 8),
        _p(d.SECTION_SUMMARY, s["h2"]),
    ]
    if doc.empty:
        story.append(_p(doc.empty_text, s["empty"]))
    if doc.summary is not None:
        story.append(_table(doc.summary, s, range(1, 99)))
    story.extend(_p(note, s["body"]) for note in doc.summary_notes)
    if doc.charts:
        story.append(_p(d.SECTION_CHARTS, s["h2"]))
        for chart in doc.charts:
            width = FRAME_WIDTH
            height = width * chart.height_in / chart.width_in
            story.append(
                KeepTogether(
                    [
                        _p(chart.title, s["h3"]),
                        Image(io.BytesIO(chart.png), width=width, height=height),
                        _p(chart.caption, s["small"]),
                        Spacer(1, 4),
                    ]
                )
            )
    if doc.questions is not None:
        questions = doc.questions
        block: list[Flowable] = [_p(questions.title, s["h2"])]
        block.extend(_p(paragraph, s["body"]) for paragraph in questions.paragraphs)
        if questions.table is not None:
            block.append(_table(questions.table, s, range(1, 99)))
        story.append(KeepTogether(block))
    if not doc.empty:
        story.append(_p(d.SECTION_TOP, s["h2"]))
        story.append(_p(doc.top_intro, s["body"]))
        for item in doc.top_items:
            story.append(
                KeepTogether(
                    [
                        _p(item.heading, s["h3"]),
                        _p(f"“{item.quote}”", s["quote"]),
                        _p(f"— {item.attribution}", s["small"]),
                        Spacer(1, 3),
                        _facts(item.facts, s),
                    ]
                )
            )
    method: list[Flowable] = [_p(d.SECTION_METHOD, s["h2"])]
    if not doc.method:
        story.extend(method)
    for index, sub in enumerate(doc.method):
        part = [_p(sub.title, s["h3"]), *(_p(paragraph, s["body"]) for paragraph in sub.paragraphs)]
        if sub.table is not None:
            part.append(_table(sub.table, s, range(2, 6)))
        part.extend(_p(f"• {bullet}", s["body"]) for bullet in sub.bullets)
        if index == 0:
            method.extend(part)  # the section heading stays with its first subsection
            story.append(KeepTogether(method))
        else:
            story.append(KeepTogether(part))
    # The closing subsections travel together: a page break moves all of them, never one sentence.
    tail = story[-2:] if len(doc.method) > 2 else []
    if tail:
        del story[-2:]
        story.append(KeepTogether(tail))
    return story


def render_pdf(doc: d.ReportDocument) -> bytes:
    _register_fonts()
    buffer = io.BytesIO()

    def footer(canvas: Canvas, template: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont("DejaVuSans", 7.5)
        canvas.drawString(MARGIN, 1.0 * cm, doc.footer)
        canvas.drawRightString(A4[0] - MARGIN, 1.0 * cm, f"Halaman {template.page}")
        canvas.restoreState()

    template = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"{doc.title} {doc.week_label}",
        author=doc.district,
        subject=f"{doc.title}, {doc.district}, {doc.week_label}",
        creator="election-monitor",
        lang="id",
        invariant=1,
    )
    template.build(_story(doc), onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
