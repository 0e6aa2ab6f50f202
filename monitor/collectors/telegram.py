"""Telegram public channels through their web preview (https://t.me/s/<channel>) with snscrape.

snscrape's `TelegramChannelScraper` does the page walking (`?before=` pagination) and the parsing of each
message (url, date, text, outlinks, link preview). It keeps its requests session private and hard-codes
the host, so we replace that session with our `HttpSession` (timeouts, retries, Retry-After, rate limit)
and mount a `RewriteAdapter` that sends https://t.me/ to the configured `base_url` (a mirror or a local
server). What snscrape 0.7 does not read — view counts, media kinds, signed authors, forwards, line breaks
— we read from the same HTML.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from pydantic import Field, field_validator

from monitor.collectors.base import (
    LoginWall,
    NewestFirstCursor,
    PageBudget,
    SourceUnavailable,
    UnexpectedContent,
    find_collector_error,
    walk_newest_first,
)
from monitor.collectors.http import (
    HttpCollector,
    HttpOptions,
    HttpSession,
    looks_like_login_wall,
    mount_rewrite,
)
from monitor.records import RawPost
from monitor.text.language import detect_language

log = logging.getLogger(__name__)

TELEGRAM_ORIGIN = "https://t.me"
_CHANNEL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,63}$")
_MEDIA_CLASSES = {
    "tgme_widget_message_photo_wrap": "photo",
    "tgme_widget_message_video_player": "video",
    "tgme_widget_message_roundvideo_player": "video_note",
    "tgme_widget_message_document_wrap": "document",
    "tgme_widget_message_voice_player": "voice",
    "tgme_widget_message_sticker_wrap": "sticker",
    "tgme_widget_message_poll": "poll",
}


class TelegramOptions(HttpOptions):
    base_url: str = TELEGRAM_ORIGIN
    channels: list[str] = Field(min_length=1, description="Public channel usernames, without @.")
    since: date | None = Field(None, description="On the first run, collect back to this date only.")
    max_pages: int = Field(20, ge=1, le=1000, description="Pages per channel per run (about 20 posts each).")
    requests_per_minute: float | None = Field(20.0, gt=0, le=6000)

    @field_validator("channels")
    @classmethod
    def _usernames(cls, value: list[str]) -> list[str]:
        cleaned = []
        for item in value:
            name = (
                item.strip().removeprefix("@").removeprefix("https://t.me/s/").removeprefix("https://t.me/")
            )
            if not _CHANNEL_RE.match(name):
                raise ValueError(
                    f"{item!r} is not a public channel username (letters, digits, _; 4-64 chars)"
                )
            cleaned.append(name)
        return cleaned


def parse_count(text: str | None) -> int | None:
    """'845' → 845, '1.2K' → 1200, '3M' → 3000000 (Telegram's rounded counters)."""
    if not text:
        return None
    value = text.strip().replace(" ", "").replace(",", ".")
    scale = 1
    if value[-1:] in ("K", "k"):
        scale, value = 1_000, value[:-1]
    elif value[-1:] in ("M", "m"):
        scale, value = 1_000_000, value[:-1]
    try:
        return int(round(float(value) * scale))
    except ValueError:
        return None


def _message_text(node: Any) -> str:
    """Message text with <br> as line breaks (snscrape's `.text` glues the lines together)."""
    for br in node.find_all("br"):
        br.replace_with("\n")
    return node.get_text().strip()


def _extras(post: Any) -> dict[str, Any]:
    """What snscrape 0.7 leaves out of a message: views, media, signed author, forward, clean text."""
    extra: dict[str, Any] = {}
    views = post.find("span", class_="tgme_widget_message_views")
    extra["views"] = parse_count(views.get_text()) if views else None
    media = []
    for css, kind in _MEDIA_CLASSES.items():
        media.extend(kind for _ in post.find_all(class_=css))
    extra["media"] = media
    signed = post.find("span", class_="tgme_widget_message_from_author")
    extra["signed_by"] = signed.get_text().strip() if signed else None
    forwarded = post.find(class_="tgme_widget_message_forwarded_from_name")
    extra["forwarded_from"] = forwarded.get_text().strip() if forwarded else None
    text = post.find("div", class_="tgme_widget_message_text")
    extra["text"] = _message_text(text) if text else ""
    return extra


def _channel_meta(soup: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"title": None, "subscribers": None}
    info = soup.find("div", class_="tgme_channel_info")
    if info is None:
        return meta
    title = info.find("div", class_="tgme_channel_info_header_title")
    meta["title"] = title.get_text().strip() if title else None
    for counter in info.find_all("div", class_="tgme_channel_info_counter"):
        kind = counter.find("span", class_="counter_type")
        if kind is not None and kind.get_text().strip() in ("subscribers", "members"):
            meta["subscribers"] = parse_count(counter.find("span", class_="counter_value").get_text())
    return meta


def _scraper_class() -> type:
    """snscrape imported on first use (it is slow to import and warns about deprecated stdlib APIs)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import bs4
        from snscrape.modules.telegram import TelegramChannelScraper

    class ChannelScraper(TelegramChannelScraper):
        """snscrape's scraper, starting below a message id, validating pages and keeping the extras.

        Channel info (title, subscribers) is read from every page that has it and otherwise kept from
        `known` (the target's cursor), so posts from a page without the header keep their reach.
        """

        def __init__(
            self,
            channel: str,
            session: HttpSession | None,
            *,
            before: int | None,
            budget: PageBudget,
            known: dict[str, Any] | None = None,
        ) -> None:
            super().__init__(channel, retries=0)  # our session retries; snscrape's own sleeps are 1-4 s
            if session is not None:
                self._session = session
            self._before = before
            self._budget = budget
            self.extras: dict[str, dict[str, Any]] = {}
            self.channel_meta: dict[str, Any] = {"title": None, "subscribers": None, **(known or {})}

        def _initial_page(self) -> Any:
            if self._initialPage is None:
                url = f"{TELEGRAM_ORIGIN}/s/{self._name}"
                if self._before is not None:
                    url += f"?before={self._before}"
                response = self._get(url, headers=self._headers)
                self._initialPage = response
                self._initialPageSoup = bs4.BeautifulSoup(response.text, "lxml")
            return self._initialPage, self._initialPageSoup

        def _request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
            self._budget.spend(url)
            response = super()._request(method, url, *args, **kwargs)
            _check_page(response, self._name)
            return response

        def _soup_to_items(self, soup: Any, pageUrl: str, onlyUsername: bool = False) -> Any:  # noqa: N803
            meta = _channel_meta(soup)
            self.channel_meta.update({k: v for k, v in meta.items() if v is not None})
            for post in soup.find_all("div", attrs={"class": "tgme_widget_message", "data-post": True}):
                self.extras[post["data-post"]] = _extras(post)
            for item in super()._soup_to_items(soup, pageUrl, onlyUsername):
                if onlyUsername:
                    yield item
                    continue
                path = item.url.split("/s/", 1)[-1]
                extra = self.extras.get(path, {})
                yield {"message": item, "extra": extra, "channel": dict(self.channel_meta)}

    return ChannelScraper


def page_items(html: str, channel: str, url: str | None = None) -> list[dict[str, Any]]:
    """The items of one recorded channel page, newest first, as `TelegramCollector.map_item` takes them."""
    import bs4

    scraper = _scraper_class()(channel, None, before=None, budget=PageBudget(0))
    soup = bs4.BeautifulSoup(html, "lxml")
    return list(scraper._soup_to_items(soup, url or f"{TELEGRAM_ORIGIN}/s/{channel}"))


def _check_page(response: Any, channel: str) -> None:
    """A typed error unless this is a complete public channel preview page."""
    url = response.url
    if response.status_code == 404:
        raise SourceUnavailable(f"{url}: channel @{channel} not found (HTTP 404)", url=url)
    if response.status_code != 200:
        raise SourceUnavailable(f"{url}: HTTP {response.status_code}", url=url)
    if "/s/" not in url:
        raise LoginWall(f"@{channel} has no public web preview (t.me redirected to {url})", url=url)
    text = response.text
    if "tgme_channel_history" not in text:
        if looks_like_login_wall(text):
            raise LoginWall(f"{url}: a login page came back instead of the channel preview", url=url)
        raise UnexpectedContent(f"{url}: not a Telegram channel preview page (no message history)", url=url)
    if "</html>" not in text[-2000:].lower():
        raise UnexpectedContent(f"{url}: truncated page (it ends before </html>)", url=url)


class TelegramCollector(HttpCollector):
    """Public Telegram channels via the t.me/s web preview."""

    type = "telegram"
    Options = TelegramOptions
    description = "Kanal Telegram publik (pratinjau web t.me/s) lewat snscrape"

    def __init__(self, name: str, options: TelegramOptions) -> None:
        super().__init__(name, options)
        self.options: TelegramOptions = options
        mount_rewrite(self.session, TELEGRAM_ORIGIN, options.base_url)

    def targets(self) -> list[str]:
        return list(self.options.channels)

    def fetch(self, cursor: dict[str, Any] | None) -> Iterator[RawPost]:
        channels_state: dict[str, Any] = dict((cursor or {}).get("channels") or {})
        self._cursor = {"channels": channels_state}
        return self._limited(self.walk_targets(lambda channel: self._channel(channel, channels_state)))

    def typed_error(self, exc: Exception, target: str) -> Exception:
        typed = find_collector_error(exc)
        if typed is not None:
            return typed
        if exc.__class__.__module__.startswith("snscrape"):
            return UnexpectedContent(f"@{target}: snscrape could not read the page: {exc}")
        return exc

    def _channel(self, channel: str, channels_state: dict[str, Any]) -> Iterator[RawPost]:
        state = NewestFirstCursor(channels_state.get(channel))

        def publish() -> None:
            channels_state[channel] = state.as_dict()

        for post in walk_newest_first(state, self._pages_for(channel, state), on_state=publish):
            # Channel info travels in the cursor: a resumed run's pages may not carry the header.
            state.extra["title"] = post.raw.get("channel_title") or state.extra.get("title")
            state.extra["subscribers"] = post.author_followers or state.extra.get("subscribers")
            publish()
            yield post

    def _pages_for(self, channel: str, state: NewestFirstCursor) -> Any:
        scraper_class = _scraper_class()
        since = self.options.since
        budget = PageBudget(self.options.max_pages)  # per run, shared by the resumed and the new pass

        def pages(before: int | None) -> Iterator[tuple[int, RawPost]]:
            known = {k: state.extra[k] for k in ("title", "subscribers") if state.extra.get(k) is not None}
            scraper = scraper_class(channel, self.session, before=before, budget=budget, known=known)
            for item in scraper.get_items():
                post = self.try_map(item)
                if post is None:
                    continue
                if since is not None and post.created_at.date() < since:
                    return
                yield int(post.raw["message_id"]), post

        return pages

    @staticmethod
    def map_item(item: dict[str, Any]) -> RawPost:
        """One channel message: {"message": snscrape TelegramPost, "extra": what snscrape leaves out,
        "channel": {"title", "subscribers"}} → RawPost (see `page_items` for recorded pages)."""
        message = item["message"]
        extra = item.get("extra") or {}
        meta = item.get("channel") or {}
        # message.url is https://t.me/s/<channel>/<id>; the canonical link drops the /s/.
        path = message.url.split("/s/", 1)[-1]
        handle, _, message_id = path.partition("/")
        preview = None
        if message.linkPreview is not None:
            lp = message.linkPreview
            preview = {
                "href": lp.href,
                "site_name": lp.siteName,
                "title": lp.title,
                "description": lp.description,
                "image": lp.image,
            }
        text = extra.get("text")
        if text is None:
            text = message.content or ""
        created: datetime = message.date
        return RawPost(
            platform="telegram",
            native_id=path,
            text=text,
            created_at=created,
            url=f"{TELEGRAM_ORIGIN}/{path}",
            author_handle=handle,
            author_name=extra.get("signed_by") or meta.get("title"),
            author_followers=meta.get("subscribers"),
            views=extra.get("views"),
            lang=detect_language(text),
            raw={
                "channel": handle,
                "message_id": int(message_id),
                "channel_title": meta.get("title"),
                "outlinks": list(message.outlinks or []),
                "link_preview": preview,
                "media": extra.get("media", []),
                "forwarded_from": extra.get("forwarded_from"),
                "signed_by": extra.get("signed_by"),
            },
        )
