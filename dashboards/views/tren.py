"""Tren: posts per day by topic, share flagged, top narratives and platforms over a range of post dates;
confirmed hoaxes and response times over a range of DECISION dates (officers decide today on posts of
last month), each range defaulting to the last 30 days that have data."""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import ui
from monitor import auth
from monitor.store import trends

ctx = ui.page_context("tren")
st.title(ctx.t("trends.title"))

now = datetime.now(UTC)


@st.cache_data(ttl=60, show_spinner=False)
def _latest(url: str, not_after: datetime) -> tuple[datetime | None, datetime | None]:
    """The newest believable post and the newest decision (a minute old at most)."""
    with ui.database().session() as session:
        # A post dated in the future (year 9999 by a broken feed) must not move the default range.
        return trends.latest_post_time(session, not_after=not_after), trends.latest_decision_time(session)


latest, latest_decision = _latest(
    ctx.db.url, now.replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
)


def _range(label: str, latest_at: datetime | None, key: str) -> tuple[datetime, datetime]:
    last_day = (latest_at or now).astimezone(ctx.tz).date()
    picked = st.date_input(
        label, value=(last_day - timedelta(days=29), last_day), format="DD-MM-YYYY", key=key
    )
    first, last = (picked[0], picked[-1]) if isinstance(picked, tuple) and picked else (last_day, last_day)
    return _start(first), _start(last) + timedelta(days=1)


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ctx.tz)


@st.cache_data(ttl=300, show_spinner=False, max_entries=32)
def _post_trends(url: str, start: datetime, end: datetime, tz_key: str) -> tuple[list, list, list, list]:
    """The post-date charts' data, kept five minutes per range (one indexed pass over the range's posts)."""
    with ui.database().session() as session:
        posts = trends.post_trends(session, start, end, ZoneInfo(tz_key))
        return posts.per_topic, posts.shares, trends.top_narratives(session, start, end), posts.platforms


@st.cache_data(ttl=60, show_spinner=False, max_entries=32)
def _decision_trends(url: str, start: datetime, end: datetime, tz_key: str) -> tuple[list, list]:
    """Confirmed hoaxes per decision day and response times (a minute old at most)."""
    with ui.database().session() as session:
        return (
            trends.confirmed_hoaxes_per_day(session, start, end, ZoneInfo(tz_key)),
            trends.response_times(session, start, end),
        )


start, end = _range(ctx.t("trends.range"), latest, "tr_range")
with st.spinner(ctx.t("trends.loading")):
    per_topic, shares, narratives, platforms = _post_trends(ctx.db.url, start, end, ctx.tz.key)

DAY, COUNT = ctx.t("trends.day"), ctx.t("trends.count")
full_reader = ctx.actor.can(auth.QUEUE_READ)
topics = ui.topic_labels(ctx)


def _no_data() -> None:
    st.caption(ctx.t("trends.no_data"))


left, right = st.columns(2)
with left:
    st.subheader(ctx.t("trends.per_topic"))
    if per_topic:
        frame = pd.DataFrame(
            [
                {
                    DAY: c.day.isoformat(),
                    ctx.t("trends.topic"): ui.topic_name(ctx, topics, c.key),
                    COUNT: c.count,
                }
                for c in per_topic
            ]
        )
        chart = (
            alt.Chart(frame)
            .mark_bar()
            .encode(
                x=alt.X(f"{DAY}:T"), y=alt.Y(f"{COUNT}:Q", stack=True), color=f"{ctx.t('trends.topic')}:N"
            )
        )
        st.altair_chart(chart, width="stretch")
    else:
        _no_data()
with right:
    st.subheader(ctx.t("trends.flagged_share"))
    if shares:
        share_col = ctx.t("trends.share")
        frame = pd.DataFrame([{DAY: s.day.isoformat(), share_col: s.share, COUNT: s.total} for s in shares])
        chart = (
            alt.Chart(frame)
            .mark_line(point=True)
            .encode(x=f"{DAY}:T", y=alt.Y(f"{share_col}:Q", axis=alt.Axis(format="%")), tooltip=[DAY, COUNT])
        )
        st.altair_chart(chart, width="stretch")
    else:
        _no_data()

left, right = st.columns(2)
with left:
    st.subheader(ctx.t("trends.platforms"))
    if platforms:
        platform_col, flagged_col = ctx.t("trends.platform"), ctx.t("trends.flagged")
        frame = pd.DataFrame(
            [{platform_col: p.platform, COUNT: p.total, flagged_col: p.flagged} for p in platforms]
        )
        st.altair_chart(
            alt.Chart(frame)
            .mark_bar()
            .encode(
                y=alt.Y(f"{platform_col}:N", sort="-x"),
                x=f"{COUNT}:Q",
                tooltip=[platform_col, COUNT, flagged_col],
            ),
            width="stretch",
        )
    else:
        _no_data()

with right:
    st.subheader(ctx.t("trends.narratives"))
    if narratives:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "#": n.id,
                        # A label quotes a post; readers limited to Polri's items see only the number.
                        ctx.t("trends.narrative"): n.label if full_reader else f"#{n.id}",
                        ctx.t("trends.topic"): ui.topic_name(ctx, topics, n.topic),
                        ctx.t("trends.posts"): ui.number(n.post_count),
                        ctx.t("trends.reach"): ui.number(n.total_reach),
                    }
                    for n in narratives
                ]
            ),
            hide_index=True,
            width="stretch",
        )
    else:
        _no_data()

st.divider()
st.subheader(ctx.t("trends.decisions"))
decided_start, decided_end = _range(ctx.t("trends.decision_range"), latest_decision, "tr_decided")
confirmed, responses = _decision_trends(ctx.db.url, decided_start, decided_end, ctx.tz.key)
left, right = st.columns(2)
with left:
    st.subheader(ctx.t("trends.confirmed"))
    if confirmed:
        frame = pd.DataFrame([{DAY: c.day.isoformat(), COUNT: c.count} for c in confirmed])
        st.altair_chart(
            alt.Chart(frame).mark_bar(color="#b22222").encode(x=f"{DAY}:T", y=f"{COUNT}:Q"),
            width="stretch",
        )
    else:
        _no_data()
with right:
    st.subheader(ctx.t("trends.response"))
    if responses:
        hours = [r.hours for r in responses]
        median = ui.number(statistics.median(hours), 1)
        st.text(ctx.t("trends.response_median", hours=median, n=ui.number(len(hours))))
        hours_col = ctx.t("trends.hours")
        frame = pd.DataFrame({hours_col: hours})
        st.altair_chart(
            alt.Chart(frame)
            .mark_bar()
            .encode(x=alt.X(f"{hours_col}:Q", bin=alt.Bin(maxbins=20)), y="count()"),
            width="stretch",
        )
    else:
        _no_data()
