"""A Mastodon hashtag timeline of N generated statuses, served page by page (for long-running tests)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from httpserver import Reply, Request

BASE_ID = 112000000000000000
HOST = "https://sosial.example.id"
TOPICS = [
    "antrean di TPS {n} tertib, KPPS sigap 👍",
    "katanya surat suara di TPS {n} sudah tercoblos?? mohon Bawaslu cek 😟",
    "cek DPT dulu sebelum ke TPS {n} ya, lewat cekdptonline",
    "angka Sirekap TPS {n} beda dengan C hasil plano, tunggu rekapitulasi KPU",
]


def status(number: int, tag: str) -> dict:
    sid = str(BASE_ID + number)
    created = datetime(2024, 2, 14, tzinfo=UTC) + timedelta(minutes=number)
    text = TOPICS[number % len(TOPICS)].format(n=number)
    return {
        "id": sid,
        "created_at": created.isoformat().replace("+00:00", ".000Z"),
        "uri": f"{HOST}/users/warga{number % 7}/statuses/{sid}",
        "url": f"{HOST}/@warga{number % 7}/{sid}",
        "content": f"<p>{text} #{tag}</p>",
        "language": "id",
        "visibility": "public",
        "sensitive": False,
        "spoiler_text": "",
        "replies_count": number % 3,
        "reblogs_count": number % 5,
        "favourites_count": number % 11,
        "reblog": None,
        "media_attachments": [],
        "tags": [{"name": tag, "url": f"{HOST}/tags/{tag}"}],
        "card": None,
        "account": {
            "id": str(number % 7),
            "username": f"warga{number % 7}",
            "acct": f"warga{number % 7}",
            "display_name": f"Warga {number % 7}",
            "followers_count": 10 * (number % 7),
        },
    }


def timeline(total: int, tag: str = "pemilu", *, delay: float = 0.0):  # noqa: ANN201
    """A handler serving statuses 1..total newest first, honouring max_id/since_id/limit and Link paging."""

    def handler(request: Request) -> Reply:
        limit = int(request.param("limit") or 20)
        max_id = int(request.param("max_id") or BASE_ID + total + 1) - BASE_ID
        since_id = int(request.param("since_id") or BASE_ID) - BASE_ID
        numbers = [n for n in range(min(max_id - 1, total), since_id, -1)][:limit]
        headers = {}
        if numbers and numbers[-1] - 1 > since_id:
            url = f"{HOST}/api/v1/timelines/tag/{tag}?max_id={BASE_ID + numbers[-1]}"
            headers["Link"] = f'<{url}>; rel="next"'
        return Reply.json([status(n, tag) for n in numbers], headers=headers, delay=delay)

    return handler
