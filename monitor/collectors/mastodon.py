"""Mastodon hashtag and account timelines with Mastodon.py (snscrape's Mastodon module breaks on 4.x).

Mastodon.py gets our `HttpSession`, so timeouts, retries, Retry-After and the rate limit apply to it too.
Timelines come newest first and page towards older statuses through the Link header (`max_id`); the
cursor per timeline is a `NewestFirstCursor` over status ids (Mastodon ids are numeric strings that grow
with time), so a new run asks only for statuses above the last one collected (`since_id`).
"""

from __future__ import annotations

import logging
import os
import re
import warnings
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from pydantic import Field, field_validator, model_validator

from monitor.collectors.base import (
    CredentialsMissing,
    CredentialsRejected,
    LoginWall,
    NewestFirstCursor,
    PageBudget,
    RateLimited,
    SourceUnavailable,
    UnexpectedContent,
    find_collector_error,
    walk_newest_first,
)
from monitor.collectors.http import DEFAULT_USER_AGENT, HttpCollector, HttpOptions
from monitor.collectors.markup import html_to_text
from monitor.records import RawPost
from monitor.text.language import detect_language

log = logging.getLogger(__name__)


class MastodonOptions(HttpOptions):
    base_url: str = Field(description="Instance URL, e.g. https://mastodon.social")
    hashtags: list[str] = Field(
        default_factory=list, description="Without '#', e.g. pemilu, pemilu2024, kpu."
    )
    accounts: list[str] = Field(
        default_factory=list, description="user or user@instance known to the instance."
    )
    local_only: bool = False
    page_size: int = Field(40, ge=1, le=40)
    max_pages: int = Field(10, ge=1, le=1000, description="Pages per timeline per run.")
    since: date | None = Field(None, description="On the first run, collect back to this date only.")
    access_token_env: str | None = Field(
        None, description="Environment variable holding an access token, for instances that require one."
    )
    requests_per_minute: float | None = Field(60.0, gt=0, le=6000)

    @field_validator("hashtags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        tags = []
        for tag in value:
            cleaned = tag.strip().lstrip("#")
            if not cleaned or not re.fullmatch(r"\w+", cleaned):
                raise ValueError(f"{tag!r} is not a hashtag (letters, digits, _)")
            tags.append(cleaned)
        return tags

    @field_validator("accounts")
    @classmethod
    def _accounts(cls, value: list[str]) -> list[str]:
        return [acct.strip().lstrip("@") for acct in value if acct.strip()]

    @model_validator(mode="after")
    def _has_targets(self) -> MastodonOptions:
        if not self.hashtags and not self.accounts:
            raise ValueError("give at least one of hashtags or accounts")
        return self


def _get(obj: Any, key: str, default: Any = None) -> Any:
    if obj is None:
        return default
    try:
        value = obj[key]
    except (KeyError, TypeError, IndexError):
        value = getattr(obj, key, default)
    return default if value is None else value


class MastodonCollector(HttpCollector):
    """Public Mastodon hashtag and account timelines."""

    type = "mastodon"
    Options = MastodonOptions
    description = "Linimasa tagar dan akun Mastodon (Mastodon.py)"

    def __init__(self, name: str, options: MastodonOptions) -> None:
        super().__init__(name, options)
        self.options: MastodonOptions = options
        self._client: Any = None

    def _api(self) -> Any:
        if self._client is None:
            token = None
            if self.options.access_token_env:
                token = os.environ.get(self.options.access_token_env)
                if not token:
                    raise CredentialsMissing(
                        f"source {self.name!r}: set the environment variable {self.options.access_token_env} "
                        "to a Mastodon access token (read:statuses), or remove access_token_env"
                    )
            from mastodon import Mastodon

            self._client = Mastodon(
                api_base_url=self.options.base_url,
                access_token=token,
                session=self.session,
                request_timeout=self.options.timeout,
                ratelimit_method="throw",
                version_check_mode="none",
                user_agent=self.options.user_agent or DEFAULT_USER_AGENT,
            )
        return self._client

    def targets(self) -> list[str]:
        return [f"tag:{tag}" for tag in self.options.hashtags] + [
            f"account:{a}" for a in self.options.accounts
        ]

    def fetch(self, cursor: dict[str, Any] | None) -> Iterator[RawPost]:
        state_by_target: dict[str, Any] = dict((cursor or {}).get("timelines") or {})
        self._cursor = {"timelines": state_by_target}
        return self._limited(self.walk_targets(lambda target: self._timeline(target, state_by_target)))

    def _timeline(self, target: str, state_by_target: dict[str, Any]) -> Iterator[RawPost]:
        state = NewestFirstCursor(state_by_target.get(target))

        def publish() -> None:
            state_by_target[target] = state.as_dict()

        for post in walk_newest_first(state, self._pages(target, state), on_state=publish):
            publish()
            yield post

    def typed_error(self, exc: Exception, target: str) -> Exception:
        return self._typed(exc, target)

    def _typed(self, exc: Exception, target: str) -> Exception:
        typed = find_collector_error(exc)
        if typed is not None:
            return typed
        from mastodon import errors as merr

        where = f"{self.options.base_url} {target}"
        if isinstance(exc, merr.MastodonRatelimitError):
            return RateLimited(f"{where}: rate limit reached")
        if isinstance(exc, merr.MastodonUnauthorizedError):
            return CredentialsRejected(
                f"{where}: the instance refused the request (HTTP 401); check the token"
            )
        if isinstance(exc, merr.MastodonNotFoundError):
            return SourceUnavailable(f"{where}: not found (HTTP 404): {exc.args[-1] if exc.args else ''}")
        if isinstance(exc, merr.MastodonAPIError):
            text = " ".join(str(a) for a in exc.args)
            if "Could not parse response as JSON" in text:
                body = text.lower()
                if "password" in body or "log in" in body or "sign in" in body:
                    return LoginWall(f"{where}: a login page came back where JSON was expected")
                if "<html" in body or "<!doctype" in body:
                    return UnexpectedContent(f"{where}: HTML came back where JSON was expected")
                return UnexpectedContent(f"{where}: invalid or truncated JSON")
            status = exc.args[1] if len(exc.args) > 1 else "?"
            if status == 403:
                return CredentialsRejected(f"{where}: access forbidden (HTTP 403): {exc.args[-1]}")
            return SourceUnavailable(f"{where}: API error {status}: {exc.args[-1]}")
        if isinstance(exc, merr.MastodonError):
            return SourceUnavailable(f"{where}: {exc}")
        if isinstance(exc, (KeyError, TypeError, ValueError, AttributeError)):
            return UnexpectedContent(f"{where}: a status did not have the expected shape: {exc!r}")
        return exc

    def _pages(self, target: str, state: NewestFirstCursor) -> Any:
        kind, _, value = target.partition(":")
        since = self.options.since
        budget = PageBudget(self.options.max_pages)  # per run, shared by the resumed and the new pass

        def pages(before: int | None) -> Iterator[tuple[int, RawPost]]:
            api = self._api()
            budget.spend(target)
            params: dict[str, Any] = {"limit": self.options.page_size}
            if before is not None:
                params["max_id"] = before
            elif state.done is not None:
                params["since_id"] = state.done
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                if kind == "tag":
                    page = api.timeline_hashtag(value, local=self.options.local_only, **params)
                else:
                    account = state.extra.get("account_id") or api.account_lookup(value)["id"]
                    state.extra["account_id"] = str(account)
                    page = api.account_statuses(account, **params)
            while page:
                if not isinstance(page, list):
                    raise UnexpectedContent(f"{self.options.base_url} {target}: expected a list of statuses")
                for status in page:
                    post = self.try_map(status)
                    if post is None:
                        continue
                    if since is not None and post.created_at.date() < since:
                        return
                    yield int(_get(status, "id")), post
                if not getattr(page, "_pagination_next", None):
                    return
                budget.spend(target)
                page = api.fetch_next(page)

        return pages

    @staticmethod
    def map_item(status: Any) -> RawPost:
        """Map one Mastodon 4.x status (a boost maps to the boosted status); pure, for recorded JSON."""
        original = _get(status, "reblog") or status
        account = _get(original, "account") or {}
        created = _get(original, "created_at")
        if isinstance(created, str):
            created = datetime.fromisoformat(created.replace("Z", "+00:00"))
        text = html_to_text(_get(original, "content"))
        spoiler = _get(original, "spoiler_text") or ""
        if spoiler:
            text = f"{spoiler}\n\n{text}".strip()
        media = [
            {"type": _get(m, "type"), "url": _get(m, "url"), "description": _get(m, "description")}
            for m in (_get(original, "media_attachments") or [])
        ]
        card = _get(original, "card")
        raw = {
            "status_id": str(_get(status, "id")),
            "uri": _get(original, "uri"),
            "reblog_of": str(_get(original, "id")) if original is not status else None,
            "boosted_by": _get(_get(status, "account"), "acct") if original is not status else None,
            "tags": [_get(t, "name") for t in (_get(original, "tags") or [])],
            "media": media,
            "card": {"url": _get(card, "url"), "title": _get(card, "title")} if card else None,
            "sensitive": bool(_get(original, "sensitive", False)),
            "in_reply_to_id": _get(original, "in_reply_to_id"),
            "account_url": _get(account, "url"),
        }
        raw = {k: (str(v) if k == "in_reply_to_id" and v is not None else v) for k, v in raw.items()}
        return RawPost(
            platform="mastodon",
            # The status URI is global: the same status seen through two instances is stored once.
            native_id=_get(original, "uri") or str(_get(original, "id")),
            text=text,
            created_at=created,
            url=_get(original, "url") or _get(original, "uri"),
            author_handle=_get(account, "acct"),
            author_name=_get(account, "display_name") or _get(account, "username"),
            author_followers=_get(account, "followers_count"),
            lang=detect_language(text) or _get(original, "language"),
            likes=_get(original, "favourites_count"),
            shares=_get(original, "reblogs_count"),
            replies=_get(original, "replies_count"),
            raw=raw,
        )
