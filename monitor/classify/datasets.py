"""Readers for labelled training data: the project's seed corpus and the public Indonesian hoax sets.

Each reader yields `LabelledText` rows. `read_dataset(path)` picks the reader from the file's name and
columns and fails with a message naming the file and the columns it expected when it cannot tell.
The public sets stay outside the project (../shared/datasets); code only ever takes their path.
"""

from __future__ import annotations

import csv
import re
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from monitor.records import iter_json_objects
from monitor.text import normalize

_TAG_PREFIX = re.compile(r"^\s*[\[(][a-z /]{2,20}[\])]\s*[:\-–]?\s*")
_PUNCT = str.maketrans({c: " " for c in string.punctuation + "“”‘’«»…–—"})


def dedupe_key(text: str) -> str:
    """Normalised title: lowercase, slang expanded, [TAG] prefix and punctuation removed, spaces collapsed.
    Two rows with one key are one text (training deduplication), and two fact-check titles with one key are
    one title (the `matching` suite: the scraped sets hold some titles twice, once without their opening
    quote mark)."""
    norm = normalize(text).text
    norm = _TAG_PREFIX.sub("", norm)
    return " ".join(norm.translate(_PUNCT).split())


csv.field_size_limit(10_000_000)


class DatasetError(ValueError):
    """A dataset file cannot be read; the message names the file, and the line or column when known."""


@dataclass(slots=True)
class LabelledText:
    text: str
    label: int  # 1 = hoax, 0 = not hoax
    source: str  # dataset name
    date: str | None = None  # YYYY-MM-DD when known
    style: str = "social"  # "social" or "headline"
    kind: str | None = None  # seed "kind" (hoax, debunk, offtopic, ...) when known
    meta: dict[str, Any] = field(default_factory=dict)


SEED_REQUIRED = ("id", "text", "label")


def read_seed(path: Path) -> Iterator[LabelledText]:
    """data/seed/posts.jsonl (or any JSONL with at least id, text, label; date/style/kind optional)."""
    path = Path(path)
    for line_no, item in iter_json_objects(path, DatasetError):
        for name in SEED_REQUIRED:
            if name not in item:
                raise DatasetError(f"{path}:{line_no}: field {name!r} is missing")
        if item["label"] not in (0, 1, True, False):
            raise DatasetError(f"{path}:{line_no}: field 'label' must be 0 or 1, got {item['label']!r}")
        if not isinstance(item["text"], str) or not item["text"].strip():
            raise DatasetError(f"{path}:{line_no}: field 'text' must be a non-empty string")
        yield LabelledText(
            text=item["text"],
            label=int(item["label"]),
            source=path.stem if path.name != "posts.jsonl" else "seed",
            date=item.get("date"),
            style=item.get("style") or "social",
            kind=item.get("kind"),
            meta={
                "id": item["id"],
                "topics": list(item.get("topics") or []),
                "candidates": list(item.get("candidates") or []),
                "platform": item.get("platform"),
                "group": item.get("group"),
            },
        )


# -- public sets -----------------------------------------------------------------------------------
_TBH_DATE = re.compile(r"turnbackhoax\.id/(\d{4})/(\d{2})/(\d{2})/")
_TAG = re.compile(r"^\s*[\[(]\s*([A-Za-z /]+?)\s*[\])]\s*[:\-–]?\s*")
_TBH_HOAX_TAGS = {"SALAH", "HOAX", "HOAKS", "DISINFORMASI", "FALSE", "MISINFORMASI", "FITNAH", "PENIPUAN"}
_KOMDIGI_PREFIX = re.compile(r"^\s*\[?\s*(?:hoaks|hoax|disinformasi|misinformasi)\s*\]?\s*[:\-–]?\s*", re.I)
TWITTER_EPOCH_MS = 1288834974657


def _date_from_url(url: str | None) -> str | None:
    match = _TBH_DATE.search(url or "")
    return "-".join(match.groups()) if match else None


def _tweet_date(url: str | None) -> str | None:
    match = re.search(r"/status/(\d{15,20})", url or "")
    if not match:
        return None
    ms = (int(match.group(1)) >> 22) + TWITTER_EPOCH_MS
    return datetime.fromtimestamp(ms / 1000, UTC).date().isoformat()


def _fix_mojibake(text: str) -> str:
    """Undo UTF-8 bytes that were decoded as cp1252 ("ðŸ‘‡" → "👇"), when that is what happened.

    Bytes that cp1252 leaves undefined (0x81, 0x8d, ...) arrive as the same code points, so each character is
    mapped back through cp1252, else latin-1; anything that does not then decode as UTF-8 stays as it was."""
    if "Ã" not in text and "ð" not in text and "â€" not in text and "Â" not in text:
        return text
    raw = bytearray()
    for char in text:
        try:
            raw += char.encode("cp1252")
        except UnicodeEncodeError:
            if ord(char) > 0xFF:
                return text
            raw.append(ord(char))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return text


def _read_csv(path: Path, encoding: str = "utf-8-sig") -> tuple[list[str], Iterator[dict[str, str]]]:
    handle = path.open(encoding=encoding, newline="")
    reader = csv.DictReader(handle)
    columns = [c.strip() for c in (reader.fieldnames or [])]

    def rows() -> Iterator[dict[str, str]]:
        try:
            for row in reader:
                yield {(k or "").strip(): (v or "") for k, v in row.items()}
        except csv.Error as exc:
            raise DatasetError(f"{path}:{reader.line_num}: bad CSV ({exc})") from None
        finally:
            handle.close()

    return columns, rows()


def _need(path: Path, columns: list[str], needed: tuple[str, ...]) -> None:
    missing = [c for c in needed if c not in columns]
    if missing:
        raise DatasetError(f"{path}: missing column(s) {', '.join(missing)} (found: {', '.join(columns)})")


def read_aptaarkana(path: Path) -> Iterator[LabelledText]:
    """Judul Artikel, Link, Waktu_Scraping, Berita_Hoax (True = turnbackhoax claim title)."""
    columns, rows = _read_csv(path)
    _need(path, columns, ("Judul Artikel", "Link", "Berita_Hoax"))
    for line_no, row in enumerate(rows, 2):
        flag = row["Berita_Hoax"].strip().lower()
        if flag not in ("true", "false"):
            raise DatasetError(f"{path}:{line_no}: column Berita_Hoax must be True or False, got {flag!r}")
        text = row["Judul Artikel"].strip()
        if text:
            scraped = row.get("Waktu_Scraping", "").strip()[:10] or None
            yield LabelledText(
                text, int(flag == "true"), "aptaarkana", _date_from_url(row["Link"]) or scraped, "headline"
            )


def read_mafindo(path: Path) -> Iterator[LabelledText]:
    """ID, label, tanggal, judul, narasi: the circulated message (narasi) with Mafindo's label."""
    columns, rows = _read_csv(path)
    _need(path, columns, ("label", "tanggal", "judul", "narasi"))
    for line_no, row in enumerate(rows, 2):
        if row["label"].strip() not in ("0", "1"):
            raise DatasetError(f"{path}:{line_no}: column label must be 0 or 1, got {row['label']!r}")
        text = row["narasi"].strip() or row["judul"].strip()
        try:
            when = datetime.strptime(row["tanggal"].strip(), "%d-%b-%y").date().isoformat()
        except ValueError:
            when = None
        if text:
            yield LabelledText(text, int(row["label"]), "mafindo", when, "social")


def read_turnbackhoax_xlsx(path: Path) -> Iterator[LabelledText]:
    """Header ("[TAG] claim"), Link: hoax tags → 1; BENAR/KLARIFIKASI/BERITA rows are left out."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [str(c).strip() if c is not None else "" for c in next(rows, ())]
        _need(path, header, ("Header", "Link"))
        h, lk = header.index("Header"), header.index("Link")
        for row in rows:
            title = str(row[h] or "").strip()
            match = _TAG.match(title)
            if not match:
                continue
            tag = match.group(1).strip().upper().split()[0]
            claim = title[match.end() :].strip()
            if tag in _TBH_HOAX_TAGS and claim:
                yield LabelledText(claim, 1, "turnbackhoax", _date_from_url(str(row[lk] or "")), "headline")
    finally:
        book.close()


def read_komdigi(path: Path) -> Iterator[LabelledText]:
    """id, clean_title, stemmed_body, category: every row is a ministry hoax report; the title is used."""
    columns, rows = _read_csv(path)
    _need(path, columns, ("clean_title", "category"))
    for row in rows:
        claim = _KOMDIGI_PREFIX.sub("", row["clean_title"]).strip()
        if claim and row["category"].strip().lower().startswith("klarifikasi"):
            yield LabelledText(claim, 1, "komdigi", None, "headline")


def read_idnhoax(path: Path) -> Iterator[LabelledText]:
    """topik, keyword, tweet, gambar, url, label (hoax / valid / ?): '?' rows are left out."""
    columns, rows = _read_csv(path)
    _need(path, columns, ("tweet", "label"))
    for line_no, row in enumerate(rows, 2):
        label = row["label"].strip().lower()
        if label not in ("hoax", "valid", "?", ""):
            raise DatasetError(f"{path}:{line_no}: column label must be hoax, valid or ?, got {label!r}")
        if label in ("hoax", "valid") and row["tweet"].strip():
            yield LabelledText(
                row["tweet"].strip(),
                int(label == "hoax"),
                "idnhoaxcorpus",
                _tweet_date(row.get("url")),
                "social",
            )


def read_pilpres2019(path: Path) -> Iterator[LabelledText]:
    """(index), sentimen, tweet: Pilpres 2019 chatter, used as not-hoax social text."""
    columns, rows = _read_csv(path)
    _need(path, columns, ("sentimen", "tweet"))
    for row in rows:
        text = _fix_mojibake(row["tweet"]).strip()
        if text:
            yield LabelledText(text, 0, "pilpres2019", "2019-04-01", "social")


def read_hatespeech(path: Path) -> Iterator[LabelledText]:
    """Tweet, HS, Abusive, ...: latin-1 tweets, used as not-hoax social text."""
    columns, rows = _read_csv(path, encoding="latin-1")
    _need(path, columns, ("Tweet", "HS"))
    for row in rows:
        text = row["Tweet"].strip()
        if text:
            yield LabelledText(text, 0, "hatespeech", "2018-06-01", "social")


Reader = Callable[[Path], Iterator[LabelledText]]
# (required columns, reader): the first whose columns are all present wins.
_CSV_FORMATS: tuple[tuple[tuple[str, ...], Reader, str], ...] = (
    (("Judul Artikel", "Berita_Hoax"), read_aptaarkana, "AptaArkana data_berita.csv"),
    (("judul", "narasi", "label"), read_mafindo, "Mafindo Data-Hoax-Mafindo.csv"),
    (("clean_title", "category"), read_komdigi, "Komdigi komdigi_hoaks_clean.csv"),
    (("tweet", "label", "topik"), read_idnhoax, "IDNHoaxCorpus datasetUMPOHoax.csv"),
    (("sentimen", "tweet"), read_pilpres2019, "pilpres2019 tweet.csv"),
    (("Tweet", "HS"), read_hatespeech, "hate-speech re_dataset.csv"),
)


def _csv_header(path: Path) -> list[str]:
    for encoding in ("utf-8-sig", "latin-1"):
        try:
            with path.open(encoding=encoding, newline="") as handle:
                return [c.strip() for c in next(csv.reader(handle), [])]
        except UnicodeDecodeError:
            continue
    return []


def detect_reader(path: Path) -> tuple[Reader, str]:
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{path}: file not found")
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return read_seed, "labelled JSONL (id, text, label)"
    if suffix == ".xlsx":
        return read_turnbackhoax_xlsx, "turnbackhoax headings .xlsx"
    if suffix == ".csv":
        columns = _csv_header(path)
        for needed, reader, name in _CSV_FORMATS:
            if all(c in columns for c in needed):
                return reader, name
        known = "; ".join(f"{name}: {', '.join(needed)}" for needed, _, name in _CSV_FORMATS)
        raise DatasetError(f"{path}: unknown CSV columns ({', '.join(columns)}); expected one of: {known}")
    raise DatasetError(
        f"{path}: unknown dataset format {suffix or '(no suffix)'}; expected .jsonl, .csv or .xlsx"
    )


def read_dataset(path: Path) -> Iterator[LabelledText]:
    reader, _ = detect_reader(Path(path))
    return reader(Path(path))


def parse_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None
