"""News and fact-checker RSS/Atom feeds, fetched with our HTTP session and parsed by feedparser.

One source is one site (`base_url`) with one or more feed paths. News items become `platform="news"`
posts; fact-checker items (`kind: factcheck`) become `platform="factcheck"` posts that also carry
`raw["known_claim"]`, which the pipeline upserts into the known debunked claims table.

The cursor per feed keeps the ids of entries already yielded (bounded) and, once a feed was read to the
end, its ETag/Last-Modified for a conditional GET next time. Feeds republish old items and reorder
freely, so "seen ids" is the honest cursor here, not a date.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import Field, field_validator

from monitor.collectors.base import Collector, LoginWall, UnexpectedContent
from monitor.collectors.http import HttpOptions, HttpSession, ensure_ok, looks_like_login_wall
from monitor.collectors.markup import html_to_text
from monitor.records import RawPost

log = logging.getLogger(__name__)

# "[SALAH] ...", "[HOAKS] ...", "(DISINFORMASI) ..." at the start of a fact-check title.
_VERDICT_TAG = re.compile(r"^\s*[\[(]\s*([A-Za-z ]{3,30}?)\s*[\])]\s*[:\-–]?\s*")
_VERDICTS = {
    "salah": "salah",
    "hoaks": "hoaks",
    "hoax": "hoaks",
    "disinformasi": "disinformasi",
    "misinformasi": "misinformasi",
    "keliru": "salah",
    "menyesatkan": "menyesatkan",
    "konten yang menyesatkan": "menyesatkan",
    "konten palsu": "salah",
    "konten yang dimanipulasi": "dimanipulasi",
    "konten manipulatif": "dimanipulasi",
    "satire": "satire",
    "penipuan": "penipuan",
    "fitnah": "fitnah",
    "klarifikasi": "klarifikasi",
    "benar": "benar",
}
_ROOT_CLOSE = re.compile(rb"</\s*(rss|feed|rdf:RDF)\s*>\s*$", re.IGNORECASE)


class FeedOptions(HttpOptions):
    base_url: str = Field(description="The site, e.g. https://turnbackhoax.id")
    feeds: list[str] = Field(
        min_length=1, description="Feed paths under base_url (or full URLs), e.g. /feed/"
    )
    kind: Literal["news", "factcheck"] = "news"
    publisher: str = Field(min_length=1, description="Shown as the source of posts and claims.")
    default_verdict: str = Field("salah", description="Verdict for fact-check items without a [TAG] title.")
    seen_limit: int = Field(2000, ge=50, le=100_000, description="Entry ids remembered per feed.")
    requests_per_minute: float | None = Field(12.0, gt=0, le=6000)

    @field_validator("feeds")
    @classmethod
    def _paths(cls, value: list[str]) -> list[str]:
        for item in value:
            if not item.startswith(("/", "http://", "https://")):
                raise ValueError(f"{item!r} must start with / (a path under base_url) or be a full URL")
        return value


def split_verdict(title: str) -> tuple[str | None, str]:
    """'[SALAH] Tinta pemilu mengandung babi' → ('salah', 'Tinta pemilu mengandung babi')."""
    match = _VERDICT_TAG.match(title)
    if not match:
        return None, title.strip()
    verdict = _VERDICTS.get(match.group(1).strip().lower())
    if verdict is None:
        return None, title.strip()
    return verdict, title[match.end() :].strip()


def _entry_time(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            return datetime(*value[:6], tzinfo=UTC)
    return None


def _entry_id(entry: Any) -> str:
    ident = entry.get("id") or entry.get("guid") or entry.get("link")
    if ident:
        return str(ident).strip()
    digest = hashlib.sha1((entry.get("title", "") + entry.get("summary", "")).encode("utf-8")).hexdigest()
    return f"sha1:{digest}"


class FeedCollector(Collector):
    """RSS/Atom feeds of news portals and fact-checkers."""

    type = "feed"
    Options = FeedOptions
    description = "Umpan RSS/Atom portal berita dan pemeriksa fakta (feedparser)"

    def __init__(self, name: str, options: FeedOptions) -> None:
        super().__init__(name, options)
        self.options: FeedOptions = options
        self.session = HttpSession(options, stop_event=self.stop_event)

    def feed_url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else self.options.base_url + path

    def fetch(self, cursor: dict[str, Any] | None) -> Iterator[RawPost]:
        feeds_state: dict[str, Any] = {k: dict(v) for k, v in ((cursor or {}).get("feeds") or {}).items()}
        self._cursor = {"feeds": feeds_state}
        return self._limited(self._fetch_all(feeds_state))

    def _fetch_all(self, feeds_state: dict[str, Any]) -> Iterator[RawPost]:
        for path in self.options.feeds:
            state = feeds_state.setdefault(path, {"seen": [], "etag": None, "modified": None})
            url = self.feed_url(path)
            parsed, headers = self._download(url, state)
            if parsed is None:
                continue
            seen = list(state.get("seen") or [])
            seen_set = set(seen)
            # Oldest first, so a partial run keeps the older items and the next run adds the newer.
            entries = sorted(parsed.entries, key=lambda e: _entry_time(e) or datetime.min.replace(tzinfo=UTC))
            feed_title = parsed.feed.get("title") or self.options.publisher
            feed_lang = parsed.feed.get("language")
            for entry in entries:
                ident = _entry_id(entry)
                if ident in seen_set:
                    continue
                post = self.to_post(entry, ident, url, feed_title, feed_lang)
                seen.append(ident)
                seen_set.add(ident)
                state["seen"] = seen[-self.options.seen_limit :]
                yield post
            # Read to the end: from now on a conditional GET may answer 304 Not Modified.
            state["etag"] = headers.get("ETag")
            state["modified"] = headers.get("Last-Modified")

    def _download(self, url: str, state: dict[str, Any]) -> tuple[Any, Any]:
        request_headers = {
            "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.1"
        }
        if state.get("etag"):
            request_headers["If-None-Match"] = state["etag"]
        if state.get("modified"):
            request_headers["If-Modified-Since"] = state["modified"]
        response = self.session.get(url, headers=request_headers)
        if response.status_code == 304:
            log.info("%s: not modified", url)
            return None, response.headers
        ensure_ok(response, what="feed")
        body = response.content
        head = body[:2048].lstrip().lower()
        if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head[:300]:
            text = response.text
            if looks_like_login_wall(text):
                raise LoginWall(f"{url}: a login page came back instead of the feed", url=url)
            raise UnexpectedContent(f"{url}: an HTML page came back instead of an RSS/Atom feed", url=url)
        if not _ROOT_CLOSE.search(body.rstrip()[-200:]):
            raise UnexpectedContent(
                f"{url}: truncated feed (the document ends before its closing tag)", url=url
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            parsed = feedparser_parse(body, response.headers.get("Content-Type"), url)
        if parsed.bozo and not parsed.entries:
            raise UnexpectedContent(f"{url}: not a readable feed: {parsed.get('bozo_exception')}", url=url)
        if parsed.bozo:
            log.warning(
                "%s: feed is not well-formed (%s); read %d entries anyway",
                url,
                parsed.get("bozo_exception"),
                len(parsed.entries),
            )
        return parsed, response.headers

    def to_post(
        self, entry: Any, ident: str, feed_url: str, feed_title: str, feed_lang: str | None = None
    ) -> RawPost:
        title = html_to_text(entry.get("title") or "")
        summary = html_to_text(entry.get("summary") or "")
        if entry.get("content"):
            summary = summary or html_to_text(entry["content"][0].get("value") or "")
        created = _entry_time(entry)
        link = entry.get("link")
        raw: dict[str, Any] = {
            "feed": feed_url,
            "feed_title": feed_title,
            "entry_id": ident,
            "title": title,
            "tags": [t.get("term") for t in entry.get("tags", []) if t.get("term")],
            "date_missing": created is None,
        }
        if self.options.kind == "factcheck":
            verdict, claim = split_verdict(title)
            raw["known_claim"] = {
                "claim": claim,
                "verdict": verdict or self.options.default_verdict,
                "date": created.date().isoformat() if created else None,
                "source": self.options.publisher,
                "source_url": link,
            }
        text = title if not summary or summary.startswith(title) else f"{title}\n\n{summary}"
        return RawPost(
            platform="factcheck" if self.options.kind == "factcheck" else "news",
            native_id=ident,
            text=text,
            created_at=created or datetime.now(UTC),
            url=link,
            author_handle=None,
            author_name=entry.get("author") or self.options.publisher,
            lang=(entry.get("language") or feed_lang or None),
            raw=raw,
        )

    def close(self) -> None:
        self.session.close()


def feedparser_parse(body: bytes, content_type: str | None, url: str) -> Any:
    """feedparser on bytes we downloaded (never let it fetch: our session owns the network)."""
    import feedparser

    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    return feedparser.parse(io.BytesIO(body), response_headers=headers)
