"""News and fact-checker RSS/Atom feeds, fetched with our HTTP session and parsed by feedparser.

One source is one site (`base_url`) with one or more feed paths. News items become `platform="news"`
posts; fact-checker items (`kind: factcheck`) become `platform="factcheck"` posts that also carry
`raw["known_claim"]` (verdict read with `monitor.text.verdicts`; `debunk` is true only for a false
verdict), which the pipeline upserts into the known claims table.

The cursor per feed keeps the ids of entries already yielded (bounded) and, once a feed was read to the
end, its ETag/Last-Modified for a conditional GET next time. Feeds republish old items and reorder
freely, so "seen ids" is the honest cursor here, not a date.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import Field, field_validator

from monitor.collectors.base import LoginWall, UnexpectedContent
from monitor.collectors.http import HttpCollector, HttpOptions, ensure_ok, looks_like_login_wall
from monitor.collectors.markup import html_to_text
from monitor.records import RawPost
from monitor.text.language import detect_language
from monitor.text.verdicts import canonical_verdict, is_debunk, split_verdict, verdict_from_labels

log = logging.getLogger(__name__)

_ROOT_CLOSE = re.compile(rb"</\s*(rss|feed|rdf:RDF)\s*>\s*$", re.IGNORECASE)
_JSON_LD = re.compile(
    r"<script[^>]+type=[\"']application/ld\+json[\"'][^>]*>(.*?)</script>", re.IGNORECASE | re.DOTALL
)


class FeedOptions(HttpOptions):
    base_url: str = Field(description="The site, e.g. https://turnbackhoax.id")
    feeds: list[str] = Field(
        min_length=1, description="Feed paths under base_url (or full URLs), e.g. /feed/"
    )
    kind: Literal["news", "factcheck"] = "news"
    publisher: str = Field(min_length=1, description="Shown as the source of posts and claims.")
    default_verdict: str = Field(
        "salah",
        description="Verdict for fact-check items whose title, categories and ClaimReview name none.",
    )
    seen_limit: int = Field(2000, ge=50, le=100_000, description="Entry ids remembered per feed.")
    requests_per_minute: float | None = Field(12.0, gt=0, le=6000)

    @field_validator("feeds")
    @classmethod
    def _paths(cls, value: list[str]) -> list[str]:
        for item in value:
            if not item.startswith(("/", "http://", "https://")):
                raise ValueError(f"{item!r} must start with / (a path under base_url) or be a full URL")
        return value


def claim_review(html: str) -> dict[str, Any] | None:
    """The first schema.org ClaimReview in JSON-LD inside `html`: {"verdict": label, "claim": text}."""
    for match in _JSON_LD.finditer(html or ""):
        try:
            data = json.loads(match.group(1))
        except ValueError:
            continue
        stack = [data]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(node)
            elif isinstance(node, dict):
                if "ClaimReview" in str(node.get("@type", "")):
                    rating = node.get("reviewRating") or {}
                    label = rating.get("alternateName") if isinstance(rating, dict) else None
                    return {"verdict": label, "claim": node.get("claimReviewed")}
                stack.extend(node.get("@graph") or [])
    return None


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


class FeedCollector(HttpCollector):
    """RSS/Atom feeds of news portals and fact-checkers."""

    type = "feed"
    Options = FeedOptions
    description = "Umpan RSS/Atom portal berita dan pemeriksa fakta (feedparser)"

    def __init__(self, name: str, options: FeedOptions) -> None:
        super().__init__(name, options)
        self.options: FeedOptions = options

    def feed_url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else self.options.base_url + path

    def targets(self) -> list[str]:
        return list(self.options.feeds)

    def fetch(self, cursor: dict[str, Any] | None) -> Iterator[RawPost]:
        feeds_state: dict[str, Any] = {k: dict(v) for k, v in ((cursor or {}).get("feeds") or {}).items()}
        self._cursor = {"feeds": feeds_state}
        return self._limited(self.walk_targets(lambda path: self._feed(path, feeds_state)))

    def _feed(self, path: str, feeds_state: dict[str, Any]) -> Iterator[RawPost]:
        state = feeds_state.setdefault(path, {"seen": [], "etag": None, "modified": None})
        url = self.feed_url(path)
        parsed, headers = self._download(url, state)
        if parsed is None:
            return
        seen = list(state.get("seen") or [])
        seen_set = set(seen)
        # Oldest first, so a partial run keeps the older items and the next run adds the newer.
        entries = sorted(parsed.entries, key=lambda e: _entry_time(e) or datetime.min.replace(tzinfo=UTC))
        feed_title = parsed.feed.get("title") or self.options.publisher
        for entry in entries:
            ident = _entry_id(entry)
            if ident in seen_set:
                continue
            post = self.try_map(
                {
                    "entry": entry,
                    "id": ident,
                    "feed_url": url,
                    "feed_title": feed_title,
                    "kind": self.options.kind,
                    "publisher": self.options.publisher,
                    "default_verdict": self.options.default_verdict,
                }
            )
            seen.append(ident)
            seen_set.add(ident)
            state["seen"] = seen[-self.options.seen_limit :]
            if post is not None:
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

    @staticmethod
    def map_item(item: dict[str, Any]) -> RawPost:
        """One feed entry → RawPost. `item`: {"entry": feedparser entry, "id", "feed_url", "feed_title",
        "kind": news|factcheck, "publisher", "default_verdict"}; pure, for recorded feeds.

        The text is the full article (`content:encoded`) when the feed carries it, else the summary (which
        WordPress cuts with "[…]"). The language comes from the text: WordPress tags Indonesian sites en-US.
        A fact-check item's verdict comes from its title ("[SALAH] …", "Menyesatkan, …"), else its
        categories, else a ClaimReview in its body, else the source's default; only a false verdict makes
        the item a debunk. Fact-check posts are marked `raw["source_kind"] = "factcheck"`: they report a
        hoax, they are not one, so the triage queue leaves them out.
        """
        entry = item["entry"]
        title = html_to_text(entry.get("title") or "")
        body_html = ""
        if entry.get("content"):
            body_html = max((c.get("value") or "" for c in entry["content"]), key=len)
        summary_html = entry.get("summary") or ""
        body = html_to_text(body_html) or html_to_text(summary_html)
        created = _entry_time(entry)
        link = entry.get("link")
        tags = [t.get("term") for t in entry.get("tags", []) if t.get("term")]
        raw: dict[str, Any] = {
            "feed": item["feed_url"],
            "feed_title": item["feed_title"],
            "entry_id": item["id"],
            "title": title,
            "tags": tags,
            "date_missing": created is None,
            "full_text": bool(body_html),
        }
        if item.get("kind") == "factcheck":
            raw["source_kind"] = "factcheck"
            verdict, claim = split_verdict(title)
            review = claim_review(body_html or summary_html)
            if verdict is None:
                verdict = verdict_from_labels(tags)
            if verdict is None and review is not None:
                verdict = canonical_verdict(review.get("verdict"))
            if review is not None and review.get("claim") and claim == title:
                claim = str(review["claim"]).strip()
            verdict = verdict or canonical_verdict(item.get("default_verdict")) or item.get("default_verdict")
            raw["known_claim"] = {
                "claim": claim,
                "verdict": verdict,
                "debunk": is_debunk(verdict),
                "date": created.date().isoformat() if created else None,
                "source": item.get("publisher"),
                "source_url": link,
            }
        text = title if not body or body.startswith(title) else f"{title}\n\n{body}"
        return RawPost(
            platform="factcheck" if item.get("kind") == "factcheck" else "news",
            native_id=item["id"],
            text=text,
            created_at=created or datetime.now(UTC),
            url=link,
            author_handle=None,
            author_name=entry.get("author") or item.get("publisher"),
            lang=detect_language(text) or _entry_language(entry),
            raw=raw,
        )


def _entry_language(entry: Any) -> str | None:
    """An entry's own language tag (never the feed's channel-wide one), as a short code."""
    value = entry.get("language") or (entry.get("title_detail") or {}).get("language")
    return value.split("-")[0].lower() if value else None


def feedparser_parse(body: bytes, content_type: str | None, url: str) -> Any:
    """feedparser on bytes we downloaded (never let it fetch: our session owns the network)."""
    import feedparser

    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    # Unsanitised: the text is reduced to plain text anyway, and ClaimReview JSON-LD lives in <script>.
    return feedparser.parse(io.BytesIO(body), response_headers=headers, sanitize_html=False)
