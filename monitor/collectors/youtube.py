"""YouTube Data API v3: comment threads on election videos (API key from the environment).

Off unless the key's environment variable is set. `commentThreads.list` with `order=time` answers newest
first and pages older with `pageToken`; the cursor per video is a `NewestFirstCursor` over each comment's
`publishedAt` (ISO timestamps sort in time order). Page tokens cannot start below a given comment, so an
interrupted pass is resumed by paging from the newest again and skipping what it already collected.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from pydantic import Field, field_validator

from monitor.collectors.base import (
    CredentialsMissing,
    CredentialsRejected,
    NewestFirstCursor,
    PageBudget,
    RateLimited,
    SourceUnavailable,
    UnexpectedContent,
    walk_newest_first,
)
from monitor.collectors.http import HttpCollector, HttpOptions, json_body
from monitor.collectors.markup import html_to_text
from monitor.records import RawPost

log = logging.getLogger(__name__)

_VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_KEY_REASONS = {"keyInvalid", "keyExpired", "accessNotConfigured", "ipRefererBlocked", "forbidden"}
_QUOTA_REASONS = {"quotaExceeded", "rateLimitExceeded", "dailyLimitExceeded", "userRateLimitExceeded"}


class YouTubeOptions(HttpOptions):
    base_url: str = "https://www.googleapis.com"
    videos: list[str] = Field(min_length=1, description="Video ids (11 characters) or watch URLs.")
    api_key_env: str = Field("YOUTUBE_API_KEY", description="Environment variable with the API key.")
    max_results: int = Field(100, ge=1, le=100)
    max_pages: int = Field(5, ge=1, le=1000, description="Pages per video per run (1 quota unit each).")
    requests_per_minute: float | None = Field(60.0, gt=0, le=6000)

    @field_validator("videos")
    @classmethod
    def _video_ids(cls, value: list[str]) -> list[str]:
        ids = []
        for item in value:
            match = re.search(r"(?:v=|youtu\.be/|shorts/)([A-Za-z0-9_-]{11})", item)
            candidate = match.group(1) if match else item.strip()
            if not _VIDEO_ID.match(candidate):
                raise ValueError(f"{item!r} is not a YouTube video id or watch URL")
            ids.append(candidate)
        return ids


class CommentsDisabled(SourceUnavailable):
    """The video has comments turned off (skipped; the other videos continue)."""


class YouTubeCollector(HttpCollector):
    """Comments on YouTube videos through the Data API v3."""

    type = "youtube"
    Options = YouTubeOptions
    description = "Komentar video YouTube (YouTube Data API v3, butuh API key)"

    def __init__(self, name: str, options: YouTubeOptions) -> None:
        super().__init__(name, options)
        self.options: YouTubeOptions = options

    def missing_credentials(self) -> str | None:
        if os.environ.get(self.options.api_key_env):
            return None
        return f"set the environment variable {self.options.api_key_env} to a YouTube Data API v3 key"

    def fetch(self, cursor: dict[str, Any] | None) -> Iterator[RawPost]:
        missing = self.missing_credentials()
        if missing:
            raise CredentialsMissing(f"source {self.name!r}: {missing}")
        key = os.environ[self.options.api_key_env]
        state_by_video: dict[str, Any] = dict((cursor or {}).get("videos") or {})
        self._cursor = {"videos": state_by_video}
        return self._limited(self.walk_targets(lambda video: self._video(video, state_by_video, key)))

    def targets(self) -> list[str]:
        return list(self.options.videos)

    def _video(self, video: str, state_by_video: dict[str, Any], key: str) -> Iterator[RawPost]:
        state = NewestFirstCursor(state_by_video.get(video))

        def publish() -> None:
            state_by_video[video] = state.as_dict()

        for post in walk_newest_first(state, self._pages(video, key), on_state=publish):
            publish()
            yield post

    def _pages(self, video: str, key: str) -> Any:
        url = f"{self.options.base_url}/youtube/v3/commentThreads"
        budget = PageBudget(self.options.max_pages)  # per run, shared by the resumed and the new pass

        def pages(before: str | None) -> Iterator[tuple[str, RawPost]]:
            params: dict[str, Any] = {
                "part": "snippet",
                "videoId": video,
                "order": "time",
                "maxResults": self.options.max_results,
                "textFormat": "plainText",
                "key": key,
            }
            while True:
                budget.spend(video)
                data = self._check(self.session.get(url, params=params), video)
                items = data.get("items")
                if not isinstance(items, list):
                    raise UnexpectedContent(f"{url}: 'items' missing from the commentThreads answer")
                for item in items:
                    post = self.try_map(item)
                    if post is None:
                        continue
                    order_key = f"{post.raw['published_at']}|{post.native_id}"
                    if before is not None and order_key >= before:
                        continue  # already collected by the interrupted pass
                    yield order_key, post
                token = data.get("nextPageToken")
                if not token:
                    return
                params["pageToken"] = token

        return pages

    def _check(self, response: Any, video: str) -> dict[str, Any]:
        url = (response.url or "").split("key=")[0]  # never log the key
        if response.status_code >= 400:
            reason, message = "", ""
            try:
                error = response.json().get("error") or {}
                message = error.get("message") or ""
                reason = ((error.get("errors") or [{}])[0]).get("reason") or ""
            except (ValueError, AttributeError):
                pass
            if reason in _QUOTA_REASONS:
                raise RateLimited(f"YouTube API quota exhausted ({reason}): {message}")
            if reason == "commentsDisabled":
                raise CommentsDisabled(f"video {video}: comments are disabled")
            if reason == "videoNotFound" or response.status_code == 404:
                raise SourceUnavailable(f"video {video}: not found")
            key_invalid = "API_KEY_INVALID" in response.text or "API key not valid" in message
            if response.status_code in (401, 403) or reason in _KEY_REASONS or key_invalid:
                raise CredentialsRejected(
                    f"YouTube refused the key in {self.options.api_key_env} (HTTP {response.status_code}"
                    f"{', ' + reason if reason else ''}): {message}"
                )
            raise SourceUnavailable(f"{url}: HTTP {response.status_code} {message}".rstrip())
        data = json_body(response)
        if not isinstance(data, dict):
            raise UnexpectedContent(f"{url}: expected a JSON object")
        return data

    @staticmethod
    def map_item(thread: dict[str, Any]) -> RawPost:
        """One commentThreads item (its top-level comment) → RawPost; pure, for recorded JSON."""
        try:
            snippet = thread["snippet"]
            comment = snippet["topLevelComment"]
            cs = comment["snippet"]
            published = cs["publishedAt"]
            created = datetime.fromisoformat(published.replace("Z", "+00:00"))
        except (KeyError, TypeError, ValueError) as exc:
            raise UnexpectedContent(f"YouTube comment thread without the expected fields: {exc!r}") from None
        text = cs.get("textOriginal") or html_to_text(cs.get("textDisplay") or "")
        channel_url = cs.get("authorChannelUrl") or ""
        handle = channel_url.rsplit("/", 1)[-1] if channel_url else None
        video = snippet.get("videoId") or cs.get("videoId")
        return RawPost(
            platform="youtube",
            native_id=comment.get("id") or thread["id"],
            text=text,
            created_at=created,
            url=f"https://www.youtube.com/watch?v={video}&lc={comment.get('id') or thread['id']}",
            author_handle=handle,
            author_name=cs.get("authorDisplayName"),
            likes=cs.get("likeCount"),
            replies=snippet.get("totalReplyCount"),
            raw={
                "video_id": video,
                "thread_id": thread.get("id"),
                "published_at": published,
                "updated_at": cs.get("updatedAt"),
                "author_channel_id": (cs.get("authorChannelId") or {}).get("value"),
            },
        )
