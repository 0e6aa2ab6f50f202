"""HTML rendering of the weekly report (Jinja2, autoescaped, charts embedded); byte-identical per data."""

from __future__ import annotations

import base64
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from monitor.reports import document as d

TEMPLATES = Path(__file__).with_name("templates")


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["b64"] = lambda data: base64.b64encode(data).decode("ascii")
    return env


def render_html(doc: d.ReportDocument) -> bytes:
    template = _environment().get_template("weekly.html.j2")
    sections = {
        "summary": d.SECTION_SUMMARY,
        "charts": d.SECTION_CHARTS,
        "top": d.SECTION_TOP,
        "method": d.SECTION_METHOD,
    }
    return template.render(doc=doc, sections=sections).encode("utf-8")
