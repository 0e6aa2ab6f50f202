"""The report's charts with matplotlib (Agg): greys, hatches, markers and line styles, so they read in print.

Every chart is rendered to PNG bytes without a timestamp or software tag, so the same data gives the
same bytes (the HTML embeds them, the PDF places them).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
from PIL import Image as PILImage  # noqa: E402  (Pillow comes with matplotlib)

from monitor.reports import wording as w  # noqa: E402
from monitor.reports.data import WeeklyData  # noqa: E402
from monitor.store.weekly import TOPIC_GROUPS, TOPIC_PATTERNS  # noqa: E402

GREYS = ("#1a1a1a", "#555555", "#8c8c8c", "#b8b8b8", "#dcdcdc")
HATCHES = ("", "///", "...", "xxx", "\\\\\\")
OUTCOME_HATCHES = ("////", "....", "xxxx", "\\\\\\\\", "++", "oo", "--", "||", "**")
MARKERS = ("o", "s", "^", "D", "v")
LINESTYLES = ("-", "--", ":", "-.", (0, (5, 1, 1, 1)))
DPI = 200
CHAR_IN = 0.062  # average width of one 8 pt DejaVu Sans character, in inches
WIDTH_IN = 6.6
STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.titlesize": 9,
    "axes.edgecolor": "#333333",
    "axes.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "hatch.linewidth": 0.6,
    "hatch.color": "#000000",
    "legend.frameon": False,
    "svg.hashsalt": "weekly-report",
}


@dataclass
class Chart:
    key: str
    title: str
    caption: str
    png: bytes
    width_in: float
    height_in: float


def _render(fig: Figure) -> bytes:
    """PNG bytes in 8-bit grey (the charts use no colour): a quarter of the RGBA size, same look in print."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    plt.close(fig)
    buffer.seek(0)
    grey = io.BytesIO()
    with PILImage.open(buffer) as image:
        image.convert("L").save(grey, format="png", compress_level=6)
    return grey.getvalue()


def _figure(
    height: float, labels: list[str] | None = None, legend_on_top: bool = False
) -> tuple[Figure, object]:
    """A figure with fixed margins: the left one fits the longest category label. Fixed margins keep the
    rendering to one pass (a layout engine draws every chart twice)."""
    fig, ax = plt.subplots(figsize=(WIDTH_IN, height))
    longest = max((len(label) for label in labels or []), default=2)
    left = 0.3 + CHAR_IN * longest
    top = 0.4 if legend_on_top else 0.12
    fig.subplots_adjust(
        left=left / WIDTH_IN, right=1 - 0.12 / WIDTH_IN, bottom=0.45 / height, top=1 - top / height
    )
    return fig, ax


def _bar_labels(ax: object, bars: object, labels: list[str]) -> None:
    ax.bar_label(bars, labels=labels, padding=3, fontsize=7)  # type: ignore[attr-defined]


def _count_axis(axis: object) -> None:
    """Counts have whole-number ticks (no "0.5 pos")."""
    axis.set_major_locator(MaxNLocator(integer=True))  # type: ignore[attr-defined]


def posts_per_day(data: WeeklyData) -> Chart:
    peak = int(max(data.daily[f"{key}_posts"].max() for key in TOPIC_GROUPS))
    fig, ax = _figure(2.5, ["xx" + w.number(peak)], legend_on_top=True)
    days = [w.short_date(day) for day in data.week.days]
    x = list(range(7))
    for i, key in enumerate(TOPIC_GROUPS):
        ax.plot(  # type: ignore[attr-defined]
            x,
            data.daily[f"{key}_posts"].tolist(),
            color=GREYS[min(i, 3)],
            marker=MARKERS[i],
            linestyle=LINESTYLES[i],
            linewidth=1.2,
            markersize=4,
            markerfacecolor="white" if i % 2 else GREYS[min(i, 3)],
            label=w.TOPIC_SHORT[key],
        )
    ax.set_xticks(x, days)  # type: ignore[attr-defined]
    ax.set_ylabel("pos")  # type: ignore[attr-defined]
    ax.set_ylim(bottom=0)  # type: ignore[attr-defined]
    _count_axis(ax.yaxis)  # type: ignore[attr-defined]
    ax.grid(axis="y", color="#dddddd", linewidth=0.5)  # type: ignore[attr-defined]
    ax.legend(ncols=5, loc="upper center", bbox_to_anchor=(0.5, 1.18), fontsize=7)  # type: ignore[attr-defined]
    return Chart(
        "posts_per_day",
        "Pos relevan per hari menurut topik",
        "Satu pos dapat memuat beberapa topik; “Lainnya” = pos tanpa keempat topik utama.",
        _render(fig),
        WIDTH_IN,
        2.5,
    )


def flagged_share(data: WeeklyData) -> Chart:
    share = data.topic_share()
    share = share[share["topic"].isin(list(TOPIC_PATTERNS))].reset_index(drop=True)
    fig, ax = _figure(1.9, [w.TOPIC_LABELS[key] for key in TOPIC_PATTERNS])
    labels = [w.TOPIC_LABELS[key] for key in share["topic"]][::-1]
    values = (share["share"].fillna(0) * 100).tolist()[::-1]
    bars = ax.barh(  # type: ignore[attr-defined]
        labels, values, color=[GREYS[3]] * len(values), edgecolor="black", hatch=HATCHES[1], linewidth=0.6
    )
    texts = [
        f"{w.percent(row.share)} ({w.number(row.flagged)}/{w.number(row.posts)})"
        for row in share.itertuples()
    ][::-1]
    _bar_labels(ax, bars, texts)
    ax.set_xlim(0, max([*values, 10]) * 1.35)  # type: ignore[attr-defined]
    ax.set_xticks([t for t in range(0, 101, 20) if t <= max([*values, 10]) * 1.35])  # type: ignore[attr-defined]
    ax.set_xlabel("% pos yang ditandai")  # type: ignore[attr-defined]
    return Chart(
        "flagged_share",
        "Porsi pos ditandai menurut topik",
        "Label batang: porsi (ditandai/semua pos topik itu).",
        _render(fig),
        WIDTH_IN,
        1.9,
    )


def narrative_growth(data: WeeklyData) -> Chart:
    groups = data.groups
    height = 0.6 + 0.38 * max(len(groups), 1)
    fig, ax = _figure(height, ["#5"])
    names = [f"#{i}" for i in range(1, len(groups) + 1)][::-1]
    current = [g.posts for g in groups][::-1]
    previous = [g.previous_posts for g in groups][::-1]
    y = list(range(len(groups)))
    bar_h = 0.38
    last = ax.barh(  # type: ignore[attr-defined]
        [v - bar_h / 2 for v in y],
        previous,
        height=bar_h,
        color="white",
        edgecolor="black",
        hatch=HATCHES[2],
        linewidth=0.6,
        label=f"minggu lalu ({data.previous.label})",
    )
    this = ax.barh(  # type: ignore[attr-defined]
        [v + bar_h / 2 for v in y],
        current,
        height=bar_h,
        color=GREYS[1],
        edgecolor="black",
        linewidth=0.6,
        label=f"minggu ini ({data.week.label})",
    )
    _bar_labels(ax, last, [w.number(v) for v in previous])
    _bar_labels(ax, this, [w.number(v) for v in current])
    ax.set_yticks(y, names)  # type: ignore[attr-defined]
    ax.set_xlim(0, max([*current, *previous, 1]) * 1.2)  # type: ignore[attr-defined]
    _count_axis(ax.xaxis)  # type: ignore[attr-defined]
    ax.set_xlabel("pos")  # type: ignore[attr-defined]
    ax.legend(loc="lower right", fontsize=7)  # type: ignore[attr-defined]
    noun = "narasi" if data.group_kind == "narrative" else "kelompok pos ditandai"
    return Chart(
        "narrative_growth",
        "Pertumbuhan narasi teratas",
        f"Nomor sesuai daftar {noun} di bagian “Lima Narasi Teratas”.",
        _render(fig),
        WIDTH_IN,
        height,
    )


def platform_split(data: WeeklyData) -> Chart:
    frame = data.platforms
    height = 0.6 + 0.3 * max(len(frame), 1)
    fig, ax = _figure(height, [str(p) for p in frame["platform"]])
    names = [str(p) for p in frame["platform"]][::-1]
    posts = frame["posts"].tolist()[::-1]
    flagged = frame["flagged"].tolist()[::-1]
    ax.barh(names, posts, color=GREYS[4], edgecolor="black", linewidth=0.6, label="semua pos")  # type: ignore[attr-defined]
    bars = ax.barh(  # type: ignore[attr-defined]
        names, flagged, color=GREYS[2], edgecolor="black", hatch=HATCHES[3], linewidth=0.6, label="ditandai"
    )
    total = max(sum(posts), 1)
    labels = [
        f"{w.number(p)} ({w.percent(p / total)}), ditandai {w.number(f)}"
        for p, f in zip(posts, flagged, strict=True)
    ]
    ax.bar_label(ax.containers[0], labels=labels, padding=3, fontsize=7)  # type: ignore[attr-defined]
    del bars
    ax.set_xlim(0, max([*posts, 1]) * 1.6)  # type: ignore[attr-defined]
    _count_axis(ax.xaxis)  # type: ignore[attr-defined]
    ax.set_xlabel("pos")  # type: ignore[attr-defined]
    ax.legend(loc="lower right", fontsize=7)  # type: ignore[attr-defined]
    return Chart(
        "platform_split",
        "Sebaran menurut platform",
        "Batang arsir: bagian yang ditandai.",
        _render(fig),
        WIDTH_IN,
        height,
    )


def triage_outcomes(data: WeeklyData) -> Chart:
    order = [
        "new",
        "in_review",
        "needs_check",
        "hoax",
        "not_hoax",
        "escalated",
        "violation",
        "closed",
        "none",
    ]
    keys = [k for k in order if data.triage.get(k)] + sorted(k for k in data.triage if k not in order)
    height = 0.6 + 0.28 * max(len(keys), 1)
    fig, ax = _figure(height, [w.status_label(k) for k in keys])
    labels = [w.status_label(k) for k in keys][::-1]
    values = [data.triage[k] for k in keys][::-1]
    total = max(sum(values), 1)
    hatches = [OUTCOME_HATCHES[i % len(OUTCOME_HATCHES)] for i in range(len(keys))][::-1]
    bars = ax.barh(labels, values, color="white", edgecolor="black", linewidth=0.6)  # type: ignore[attr-defined]
    for bar, hatch in zip(bars, hatches, strict=True):
        bar.set_hatch(hatch)
    _bar_labels(ax, bars, [f"{w.number(v)} ({w.percent(v / total)})" for v in values])
    ax.set_xlim(0, max([*values, 1]) * 1.35)  # type: ignore[attr-defined]
    _count_axis(ax.xaxis)  # type: ignore[attr-defined]
    ax.set_xlabel("pos ditandai")  # type: ignore[attr-defined]
    return Chart(
        "triage_outcomes",
        "Hasil penanganan pos ditandai",
        "Status saat ini dari pos minggu ini yang ditandai model.",
        _render(fig),
        WIDTH_IN,
        height,
    )


def build_charts(data: WeeklyData) -> list[Chart]:
    """The charts that have something to show (a week without flagged posts has no triage chart)."""
    charts = []
    with plt.rc_context(STYLE):
        if data.figures.relevant:
            charts.append(posts_per_day(data))
            charts.append(flagged_share(data))
        if data.groups:
            charts.append(narrative_growth(data))
        if len(data.platforms):
            charts.append(platform_split(data))
        if data.triage:
            charts.append(triage_outcomes(data))
    return charts
