"""X (Twitter) API v2 recent search: election queries over the last seven days (paid API access).

Off unless the bearer token's environment variable is set. The endpoint answers newest first and pages
older with `next_token`; a new run asks only for tweets above the last collected id (`since_id`), and an
interrupted pass resumes below its lowest id (`until_id`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from pydantic import Field

from monitor.collectors.base import (
    CredentialsMissing,
    CredentialsRejected,
    NewestFirstCursor,
    PageBudget,
    SourceUnavailable,
    UnexpectedContent,
    walk_newest_first,
)
from monitor.collectors.http import HttpCollector, HttpOptions, json_body
from monitor.records import RawPost

log = logging.getLogger(__name__)

TWEET_FIELDS = (
    "created_at,lang,author_id,public_metrics,conversation_id,referenced_tweets,entities,attachments"
)
USER_FIELDS = "username,name,public_metrics,verified"
MEDIA_FIELDS = "type,url,preview_image_url,alt_text"


class XOptions(HttpOptions):
    base_url: str = "https://api.twitter.com"
    queries: list[str] = Field(
        min_length=1, description="Search queries, e.g. '(sirekap OR \"cek dpt\") lang:id -is:retweet'."
    )
    bearer_token_env: str = Field("X_BEARER_TOKEN", description="Environment variable with the bearer token.")
    max_results: int = Field(100, ge=10, le=100)
    max_pages: int = Field(5, ge=1, le=1000, description="Pages per query per run (each costs API quota).")
    requests_per_minute: float | None = Field(30.0, gt=0, le=6000)


class XCollector(HttpCollector):
    """X API v2 recent search."""

    type = "x"
    Options = XOptions
    description = "X (Twitter) API v2 pencarian terbaru (butuh bearer token berbayar)"

    def __init__(self, name: str, options: XOptions) -> None:
        super().__init__(name, options)
        self.options: XOptions = options

    def missing_credentials(self) -> str | None:
        if os.environ.get(self.options.bearer_token_env):
            return None
        return f"set the environment variable {self.options.bearer_token_env} to an X API v2 bearer token"

    def _token(self) -> str:
        missing = self.missing_credentials()
        if missing:
            raise CredentialsMissing(f"source {self.name!r}: {missing}")
        return os.environ[self.options.bearer_token_env]

    def fetch(self, cursor: dict[str, Any] | None) -> Iterator[RawPost]:
        token = self._token()
        state_by_query: dict[str, Any] = dict((cursor or {}).get("queries") or {})
        self._cursor = {"queries": state_by_query}
        return self._limited(self.walk_targets(lambda query: self._query(query, state_by_query, token)))

    def targets(self) -> list[str]:
        return list(self.options.queries)

    def _query(self, query: str, state_by_query: dict[str, Any], token: str) -> Iterator[RawPost]:
        state = NewestFirstCursor(state_by_query.get(query))

        def publish() -> None:
            state_by_query[query] = state.as_dict()

        for post in walk_newest_first(state, self._pages(query, state, token), on_state=publish):
            publish()
            yield post

    def _pages(self, query: str, state: NewestFirstCursor, token: str) -> Any:
        url = f"{self.options.base_url}/2/tweets/search/recent"
        budget = PageBudget(self.options.max_pages)  # per run, shared by the resumed and the new pass

        def pages(before: int | None) -> Iterator[tuple[int, RawPost]]:
            params: dict[str, Any] = {
                "query": query,
                "max_results": self.options.max_results,
                "tweet.fields": TWEET_FIELDS,
                "expansions": "author_id,attachments.media_keys",
                "user.fields": USER_FIELDS,
                "media.fields": MEDIA_FIELDS,
            }
            if before is not None:
                params["until_id"] = str(before)
            if state.done is not None:
                params["since_id"] = str(state.done)
            while True:
                budget.spend(query)
                response = self.session.get(url, params=params, headers={"Authorization": f"Bearer {token}"})
                data = self._check(response)
                users = {u.get("id"): u for u in (data.get("includes") or {}).get("users", [])}
                media = {m.get("media_key"): m for m in (data.get("includes") or {}).get("media", [])}
                tweets = data.get("data") or []
                if not isinstance(tweets, list):
                    raise UnexpectedContent(f"{url}: 'data' is not a list of tweets")
                for tweet in tweets:
                    post = self.try_map({"tweet": tweet, "users": users, "media": media, "query": query})
                    if post is None:
                        continue
                    yield int(post.native_id), post
                next_token = (data.get("meta") or {}).get("next_token")
                if not next_token:
                    return
                params["next_token"] = next_token

        return pages

    def _check(self, response: Any) -> dict[str, Any]:
        url = response.url
        if response.status_code in (401, 403):
            detail = ""
            try:
                body = response.json()
                detail = body.get("detail") or body.get("title") or ""
            except ValueError:
                pass
            raise CredentialsRejected(
                f"{self.options.base_url}: X refused the bearer token in {self.options.bearer_token_env} "
                f"(HTTP {response.status_code}{': ' + detail if detail else ''})"
            )
        if response.status_code >= 400:
            raise SourceUnavailable(f"{url}: HTTP {response.status_code}", url=url)
        data = json_body(response)
        if not isinstance(data, dict):
            raise UnexpectedContent(f"{url}: expected a JSON object")
        if "data" not in data and data.get("errors") and (data.get("meta") or {}).get("result_count") is None:
            raise UnexpectedContent(
                f"{url}: API error: {data['errors'][0].get('detail') or data['errors'][0]}"
            )
        return data

    @staticmethod
    def map_item(item: dict[str, Any]) -> RawPost:
        """One tweet with what it needs from the page: {"tweet", "users" by id, "media" by key, "query"}."""
        tweet, users, media, query = (
            item["tweet"],
            item.get("users") or {},
            item.get("media") or {},
            item["query"],
        )
        try:
            tweet_id = str(tweet["id"])
            created = datetime.fromisoformat(tweet["created_at"].replace("Z", "+00:00"))
        except (KeyError, TypeError, ValueError) as exc:
            raise UnexpectedContent(f"X tweet without a valid id/created_at: {exc!r}") from None
        author = users.get(tweet.get("author_id")) or {}
        metrics = tweet.get("public_metrics") or {}
        author_metrics = author.get("public_metrics") or {}
        keys = (tweet.get("attachments") or {}).get("media_keys") or []
        handle = author.get("username")
        return RawPost(
            platform="x",
            native_id=tweet_id,
            text=tweet.get("text") or "",
            created_at=created,
            url=f"https://x.com/{handle or 'i'}/status/{tweet_id}",
            author_handle=handle,
            author_name=author.get("name"),
            author_followers=author_metrics.get("followers_count"),
            lang=tweet.get("lang"),
            likes=metrics.get("like_count"),
            shares=(metrics.get("retweet_count") or 0) + (metrics.get("quote_count") or 0),
            replies=metrics.get("reply_count"),
            views=metrics.get("impression_count"),
            raw={
                "query": query,
                "author_id": tweet.get("author_id"),
                "conversation_id": tweet.get("conversation_id"),
                "referenced_tweets": tweet.get("referenced_tweets") or [],
                "urls": [u.get("expanded_url") for u in (tweet.get("entities") or {}).get("urls", [])],
                "hashtags": [h.get("tag") for h in (tweet.get("entities") or {}).get("hashtags", [])],
                "media": [
                    {
                        "type": media[k].get("type"),
                        "url": media[k].get("url") or media[k].get("preview_image_url"),
                    }
                    for k in keys
                    if k in media
                ],
                "verified": author.get("verified"),
            },
        )
