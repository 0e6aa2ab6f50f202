"""Readers for the second round of public sets in ../shared/datasets: real election chatter (not-hoax social
text), circulated claims (hoax texts with dates) and fact-checker title ↔ claim pairs.

Each reader takes the dataset ROOT (the folder holding the `<owner>__<repo>/` folders) and yields rows; a
missing file raises `DatasetError` naming it. The files are read in place and never copied.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from monitor.classify.datasets import (
    DatasetError,
    LabelledText,
    _fix_mojibake,
    _need,
    _read_csv,
    _tweet_date,
    dedupe_key,
    read_aptaarkana,
    read_komdigi,
    read_mafindo,
    read_turnbackhoax_xlsx,
)

csv.field_size_limit(10_000_000)

ACHMADDHANI = "achmaddhani__sentiment-webscrape/Raw_Data"
GHAZAFM = "ghazafm__twitter-sentiment-analysis/scraping/result"
RIZANO = "rizano26__Dataset-Sentimen-Pemilu2024/Dataset_Scrapping.xlsx"
SATRIADATA = (
    "annorance__satriadata2024/dataset_penyisihan_bdc_2024.csv",
    "annorance__satriadata2024/dataset_unlabeled_penyisihan_bdc_2024.csv",
)
PILKADA_JATIM = "RahmaPutriWidyaiswarii__analisis-sentimen-pilkada-jatim/ReLabeling - Gabungan.csv"
PILPRES2019 = "habibul08__pilpres2019-sentiment--analysis/tweet.csv"
TBH_2023 = "reynaldaryansyah25__multimodal-hoax-detection/tbh_complete_dataset1_before2024.csv"
HOAX_1K = "itshiroto__hoax-detection-indo/hoax_1k_before2024.csv"
TBH_2026 = "luthfillawliet23__turnbackhoax_scraper/turnbackhoax_articles.csv"
MAFINDO = "kmyafi__Hoax-Classification/Data-Hoax-Mafindo.csv"
TBH_HEADINGS = "Melekmedia__turnbackhoax-dataset/turnbackhoax_headings.xlsx"
APTAARKANA = "AptaArkana__hoax_pilpres_24/data_berita.csv"
KOMDIGI = "rendiekan__komdigihoaks/komdigi_hoaks_clean.csv"
INDONLI = "ir-nlp-csui__indonli"
STIF = "haryoa__stif-indonesia"
PAWS = "Wikidepia__indonesian_datasets"

_QUOTE = re.compile(r"[“\"]([^”\"]{25,})[”\"]")
_NARASI = re.compile(r"\[\s*narasi\s*\]\s*:?\s*", re.IGNORECASE)
_FACTCHECK_OPENING = re.compile(r"^\s*(?:beredar|telah beredar|sebuah (?:unggahan|akun|video)|akun )", re.I)
_JUNK = re.compile(r"^(?:view this post on instagram|\W*)$", re.IGNORECASE)


def need(root: Path, relative: str) -> Path:
    path = Path(root) / relative
    if not path.exists():
        raise DatasetError(f"{path}: not found (expected inside the shared datasets folder {root})")
    return path


def _open_csv(path: Path, delimiter: str = ",", encoding: str = "utf-8-sig") -> Iterator[dict[str, str]]:
    with path.open(encoding=encoding, newline="") as handle:
        reader = csv.DictReader(handle, delimiter=delimiter)
        try:
            for row in reader:
                yield {(k or "").strip(): (v or "") for k, v in row.items()}
        except csv.Error as exc:
            raise DatasetError(f"{path}:{reader.line_num}: bad CSV ({exc})") from None


def _column(path: Path, row: dict[str, str], *names: str) -> str:
    for name in names:
        if name in row:
            return row[name]
    raise DatasetError(f"{path}: missing column {' or '.join(names)} (found: {', '.join(row)})")


def _twitter_created(value: str) -> str | None:
    try:
        return datetime.strptime(value.strip(), "%a %b %d %H:%M:%S %z %Y").astimezone(UTC).date().isoformat()
    except ValueError:
        return None


# -- chatter (real election social text, not hoax claims) -------------------------------------------------
def _tweet_csvs(root: Path, folder: str, source: str, delimiter: str) -> Iterator[LabelledText]:
    base = need(root, folder)
    for path in sorted(base.rglob("*.csv")):
        for row in _open_csv(path, delimiter=delimiter):
            text = _fix_mojibake(_column(path, row, "full_text")).strip()
            if text:
                when = _twitter_created(row.get("created_at", "")) or _tweet_date(row.get("tweet_url"))
                yield LabelledText(text, 0, source, when, "social", "chatter")


def read_achmaddhani(root: Path) -> Iterator[LabelledText]:
    return _tweet_csvs(root, ACHMADDHANI, "achmaddhani", ";")


def read_ghazafm(root: Path) -> Iterator[LabelledText]:
    return _tweet_csvs(root, GHAZAFM, "ghazafm", ",")


def read_rizano(root: Path) -> Iterator[LabelledText]:
    from openpyxl import load_workbook

    path = need(root, RIZANO)
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        for sheet in book.worksheets:
            rows = sheet.iter_rows(values_only=True)
            header = [str(c).strip() if c is not None else "" for c in next(rows, ())]
            if "full_text" not in header:
                continue  # the summary sheet
            t = header.index("full_text")
            u = header.index("tweet_url") if "tweet_url" in header else None
            for row in rows:
                text = _fix_mojibake(str(row[t] or "") if t < len(row) else "").strip()
                if text:
                    url = str(row[u] or "") if u is not None and u < len(row) else ""
                    yield LabelledText(text, 0, "rizano26", _tweet_date(url), "social", "chatter")
    finally:
        book.close()


def read_satriadata(root: Path) -> Iterator[LabelledText]:
    labelled, unlabelled = (need(root, rel) for rel in SATRIADATA)
    for row in _open_csv(labelled, delimiter=";"):
        text = _fix_mojibake(_column(labelled, row, "text")).strip()
        if text:
            yield LabelledText(text, 0, "satriadata", "2024-01-01", "social", "chatter")
    for row in _open_csv(unlabelled, delimiter=";"):
        text = _fix_mojibake(_column(unlabelled, row, "Text")).strip()
        if text:
            yield LabelledText(text, 0, "satriadata", "2024-01-01", "social", "chatter")


def read_pilkada_jatim(root: Path) -> Iterator[LabelledText]:
    path = need(root, PILKADA_JATIM)
    for row in _open_csv(path):
        text = _fix_mojibake(_column(path, row, "full_text")).strip()
        if text:
            yield LabelledText(text, 0, "pilkada_jatim", "2024-10-01", "social", "chatter")


def read_pilpres2019_chatter(root: Path) -> Iterator[LabelledText]:
    path = need(root, PILPRES2019)
    for row in _open_csv(path):
        text = _fix_mojibake(_column(path, row, "tweet")).strip()
        if text:
            yield LabelledText(text, 0, "pilpres2019", "2019-04-01", "social", "chatter")


HATESPEECH = "okkyibrohim__id-multi-label-hate-speech-and-abusive-language-detection/re_dataset.csv"


def read_hatespeech_chatter(root: Path) -> Iterator[LabelledText]:
    """General Indonesian tweets (insults and ordinary talk): not-hoax social text outside the election."""
    from monitor.classify.datasets import read_hatespeech

    for row in read_hatespeech(need(root, HATESPEECH)):
        row.kind = "chatter"
        yield row


# -- circulated claims (hoax texts) -----------------------------------------------------------------------
def _dmy(value: str) -> str | None:
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value.strip()[:10], fmt).date().isoformat()
        except ValueError:
            continue
    return None


def circulated_text(text: str) -> str | None:
    """The claim as it circulated: the `[NARASI]:` part or the quoted message of a fact-checker's
    "Akun X mengunggah narasi: '...'" wrapper; None when only fact-checker wording is left."""
    text = " ".join(text.split())
    marker = _NARASI.search(text)
    if marker:
        return text[marker.end() :].strip() or None
    if _FACTCHECK_OPENING.match(text):
        quoted = _QUOTE.findall(text)
        return max(quoted, key=len).strip() if quoted else None
    return None if _JUNK.match(text) or len(text) < 15 else text


def _claims_csv(
    root: Path, relative: str, source: str, text_col: str, date_col: str, verdicts: tuple[str, ...] = ()
) -> Iterator[LabelledText]:
    """Circulated claims (label 1) from a fact-check CSV: the claim as it circulated, dated by `date_col`;
    with `verdicts`, only rows whose `classification` is one of them."""
    path = need(root, relative)
    for row in _open_csv(path):
        if verdicts and row.get("classification", "").strip().upper() not in verdicts:
            continue
        text = circulated_text(_column(path, row, text_col))
        if text:
            yield LabelledText(text, 1, source, _dmy(row.get(date_col, "")), "social", "claim")


def read_tbh_2023(root: Path) -> Iterator[LabelledText]:
    return _claims_csv(root, TBH_2023, "tbh_2023", "text", "date")


def read_hoax_1k(root: Path) -> Iterator[LabelledText]:
    return _claims_csv(root, HOAX_1K, "hoax_1k", "content", "tanggal")


def read_tbh_2026(root: Path) -> Iterator[LabelledText]:
    return _claims_csv(root, TBH_2026, "tbh_2026", "narasi", "date", ("SALAH", "HOAKS", "PENIPUAN"))


def read_older_claims(root: Path) -> Iterator[LabelledText]:
    """Mafindo narasi (label 1 = hoax; label 0 rows are clarifications: kept as not-hoax 'debunk' text),
    turnbackhoax headings, AptaArkana hoax titles and Komdigi report titles."""
    for row in read_mafindo(need(root, MAFINDO)):
        row.kind = "claim" if row.label == 1 else "debunk"
        yield row
    for row in read_turnbackhoax_xlsx(need(root, TBH_HEADINGS)):
        row.kind = "claim"
        yield row
    for row in read_aptaarkana(need(root, APTAARKANA)):
        if row.label == 1:  # its headlines are read by read_headlines (with their time order)
            row.kind = "claim"
            yield row
    for row in read_komdigi(need(root, KOMDIGI)):
        row.kind = "claim"
        yield row


# -- matching pairs ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Pair:
    query: str
    target: str
    label: int  # 1 = must match, 0 = must not match
    source: str


def claim_title_pairs(root: Path) -> list[Pair]:
    """Circulated claim → fact-checker title, from the two before-2024 claim sets."""
    pairs: list[Pair] = []
    tbh, hoax = need(root, TBH_2023), need(root, HOAX_1K)
    for path, text_col, source in ((tbh, "text", "tbh_2023"), (hoax, "content", "hoax_1k")):
        for row in _open_csv(path):
            text = circulated_text(_column(path, row, text_col))
            title = " ".join(_column(path, row, "title").split())
            if text and len(title) >= 15:
                pairs.append(Pair(text, title, 1, source))
    return pairs


_TITLE_TAG = re.compile(r"^\s*\[[^\]]{2,20}\]\s*")


def factcheck_pairs(root: Path, limit: int | None = None) -> list[Pair]:
    """Circulated message → fact-checker title from Mafindo's hoax rows (2015–2020): `narasi` as it
    circulated (see `circulated_text`) and `judul` without its "[SALAH]" tag. Older than, and disjoint
    from, the `matching` suite's pairs: what the re-ranker's adapter learns from."""
    path = need(root, MAFINDO)
    columns, rows = _read_csv(path)
    _need(path, columns, ("label", "judul", "narasi"))
    out: list[Pair] = []
    for row in rows:
        if row["label"].strip() != "1":
            continue
        title = _TITLE_TAG.sub("", " ".join(row["judul"].split()))
        text = circulated_text(row["narasi"])
        if text and len(title) >= 15 and text.lower() != title.lower():
            out.append(Pair(text, title, 1, "mafindo"))
    return out[:limit] if limit else out


INDONLI_TRAIN = f"{INDONLI}/train.jsonl"


def read_indonli_general(root: Path) -> Iterator[LabelledText]:
    """Not-hoax text on every topic: IndoNLI's training premises (Wikipedia, news, blogs) and the hypotheses
    its annotators wrote as following from them. The public hoaxes are mostly about health, disasters, scams
    and religion, while the other training negatives are election tweets and news; without plain sentences
    on those topics the model learns the topic ("banjir", "makam", "bandara") as a sign of a hoax and flags
    election posts that mention it. Contradicted and unrelated hypotheses are left out (they are false or
    unsupported statements, not ordinary text). Only the train split, and none of its sentences that a test
    split also holds, up to punctuation (IndoNLI's splits share premises): the `matching` suite reads
    test_lay."""
    path = need(root, INDONLI_TRAIN)
    premises: dict[str, None] = {}
    entailed: dict[str, None] = {}
    for premise, hypothesis, label in _nli_items(path):
        premises.setdefault(premise)
        if label in ("e", "entailment"):
            entailed.setdefault(hypothesis)
    tested: set[str] = set()
    for split in sorted(path.parent.glob("test*.jsonl")):
        for premise, hypothesis, _label in _nli_items(split):
            tested.update((dedupe_key(premise), dedupe_key(hypothesis)))
    for text in [*premises, *entailed]:
        if text and dedupe_key(text) not in tested:
            yield LabelledText(text, 0, "indonli", None, "headline", "general")


def _nli_items(path: Path) -> Iterator[tuple[str, str, str]]:
    """(premise, hypothesis, label) of an IndoNLI JSONL file, whitespace collapsed."""
    import json

    with path.open(encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                premise, hypothesis = str(item["premise"]), str(item["hypothesis"])
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise DatasetError(f"{path}:{line_no}: not an IndoNLI pair ({exc})") from None
            yield " ".join(premise.split()), " ".join(hypothesis.split()), str(item.get("label", ""))


def indonli_pairs(root: Path, limit: int | None = None) -> list[Pair]:
    """IndoNLI test_lay: entailment → must match; contradiction → must not match."""
    out: list[Pair] = []
    for premise, hypothesis, label in _nli_items(need(root, f"{INDONLI}/test_lay.jsonl")):
        if label in ("e", "entailment"):
            out.append(Pair(premise, hypothesis, 1, "indonli"))
        elif label in ("c", "contradiction"):
            out.append(Pair(premise, hypothesis, 0, "indonli"))
    return out[:limit] if limit else out


def paws_pairs(root: Path, limit: int | None = None) -> list[Pair]:
    path = need(root, f"{PAWS}/paws_test.tsv")
    out: list[Pair] = []
    for row in _open_csv(path, delimiter="\t"):
        label = _column(path, row, "label").strip()
        if label in ("0", "1"):
            out.append(Pair(row["sentence1"], row["sentence2"], int(label), "paws"))
    return out[:limit] if limit else out


def stif_pairs(root: Path, limit: int | None = None) -> list[Pair]:
    base = need(root, STIF)
    informal = sorted(base.glob("test*.inf")) or sorted(base.glob("*.inf"))
    out: list[Pair] = []
    for inf in informal:
        formal = inf.with_suffix(".for")
        if not formal.is_file():
            raise DatasetError(f"{formal}: not found (the formal side of {inf.name})")
        left = inf.read_text(encoding="utf-8").splitlines()
        right = formal.read_text(encoding="utf-8").splitlines()
        out += [Pair(a, b, 1, "stif") for a, b in zip(left, right, strict=False) if a.strip() and b.strip()]
    return out[:limit] if limit else out


def parse_iso(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


_ARTICLE_ID = re.compile(r"/d-(\d{6,})")


def read_headlines(root: Path) -> Iterator[LabelledText]:
    """AptaArkana's news headlines (Berita_Hoax False), with `meta['order']` = the Detik article number
    (it grows with publication time; other outlets' rows keep file order after Detik's), for a time split."""
    path = need(root, APTAARKANA)
    for position, row in enumerate(_open_csv(path)):
        if _column(path, row, "Berita_Hoax").strip().lower() != "false":
            continue
        text = " ".join(_column(path, row, "Judul Artikel").split())
        if text:
            found = _ARTICLE_ID.search(row.get("Link", ""))
            order = int(found.group(1)) if found else 10**12 + position
            yield LabelledText(text, 0, "headlines", "2023-10-11", "headline", "headline", {"order": order})
