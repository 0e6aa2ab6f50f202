"""Text preparation and the small hand-made signals the classifier adds to its n-gram features.

Every feature is computed from the *masked* text (candidate references replaced by one neutral token), so
swapping one pair's names, nicknames, numbers or slogans for another's can never change a score.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from monitor.text import NEUTRAL_TOKEN, CandidateMasker, KeywordMatcher, Relevance, load_keywords, normalize
from monitor.text.keywords import KeywordsConfig

# Fact-check / clarification vocabulary: a post carrying these is usually a debunk quoting a hoax.
DEBUNK_MARKERS = (
    r"faktanya",
    r"fakta(?:nya)? sebenarnya",
    r"\[\s*(?:hoaks|hoax|salah|disinformasi|misinformasi|klarifikasi|menyesatkan)\s*\]",
    r"cek\s*fakta",
    r"periksa fakta",
    r"klarifikasi",
    r"turnbackhoax",
    r"(?:adalah|merupakan|dipastikan|dinyatakan|terbukti|ternyata|itu|ini) (?:hoaks|hoax|tidak benar|keliru|"
    r"salah|menyesatkan|tidak berdasar|fitnah)",
    r"(?:kabar|informasi|klaim|narasi|isu|unggahan|pesan) (?:itu |tersebut |ini )?"
    r"(?:tidak benar|keliru|salah|hoaks|hoax|menyesatkan)",
    r"tidak benar",
    r"tidak berdasar",
    r"menyesatkan",
    r"disinformasi",
    r"\w*bantah\w*",
    r"meluruskan|diluruskan|luruskan",
    r"tidak ada (?:bukti|buktinya|aturan|ketentuan)",
    r"(?:pesan|kabar|info|video|narasi) (?:berantai |yang )?(?:beredar|viral)",
    r"jangan (?:mudah |langsung )?(?:percaya|termakan|terprovokasi|ikut menyebar|sebar|disebar|menyebar)",
    r"waspada (?:hoaks|hoax|penipuan)",
)
# Chain-message vocabulary: "sebarkan!", "info dari grup sebelah", "sebelum dihapus".
FORWARD_MARKERS = (
    r"sebarkan",
    r"viralkan",
    r"teruskan",
    r"forward(?:kan)?",
    r"copas|copy ?paste",
    r"grup sebelah|group sebelah|dari grup",
    r"sebelum dihapus|sebelum di ?take ?down",
    r"share (?:ke|sebanyak)",
    r"bagikan (?:ke|sebanyak)",
    r"(?:ini )?bukan (?:hoaks|hoax)",
    r"media (?:tidak|nggak) (?:akan )?(?:berani )?(?:memberitakan|meliput)",
    r"info (?:a1|valid|akurat|penting)",
)

# Genre cues (feature set 2). A citizen's report of a problem that was handled ("sudah dilaporkan ke PPS",
# "dikoreksi", "disaksikan"), an institution's announcement (times, "mengimbau", "dibuka", "#KPU..."), and a
# citizen's question ("numpang tanya", "benar gak sih?") share the vocabulary of the hoaxes they are about;
# these cues tell the genre apart. Their weights are learned like every other column.
REPORT_MARKERS = (
    r"(?:sudah|sdh|udah|udh|telah|langsung|segera|akhirnya|lalu|kemudian)\s+(?:kami\s+|sy\s+|saya\s+)?"
    r"(?:di(?!a\b)\w{3,}|lapor\w*|ganti|tambah|koreksi|betulkan|normal|cocok|sesuai|selesai|aman|lancar)",
    r"(?:di)?lapor(?:kan|an)? (?:ke|kepada) "
    r"(?:pps|ppk|kpps|panwas\w*|bawaslu|pengawas|kpu|polisi|operator|sekdes)",
    r"\w*laporan\b|\blapor\b",
    r"(?:sy|saya|kami) (?:saksi|petugas|anggota|kpps|pps|ketua)",
    r"disaksikan|berita acara|ditangani|dicatat|hitung ulang|dikoreksi|diperbaiki|diganti|ditambah",
    r"(?:cocok|sama|sesuai) (?:semua|persis|dengan|dgn|sama)",
)
ANNOUNCE_MARKERS = (
    r"(?:pukul|jam|pkl)\.? ?\d{1,2}(?:[.:]\d{2})?",
    r"\d{1,2}[.:]\d{2}\s*(?:-|–|s\.?d\.?|sampai|hingga)\s*\d{1,2}[.:]\d{2}",
    r"\bwib\b|\bwita\b|waktu setempat",
    r"mengimbau|diimbau|mengundang|mengumumkan|pengumuman|pemberitahuan|mengingatkan|mengajak|menyampaikan|"
    r"dipersilakan|diharap(?:kan)?|dimohon|terbuka (?:untuk|bagi) (?:umum|masyarakat)|dijadwalkan|"
    r"dilaksanakan|digelar|menggelar|melaksanakan|menetapkan|ditetapkan",
    r"#\w+",
    r"jangan golput|ayo (?:datang|ke tps|memilih|nyoblos|mencoblos)|gunakan hak (?:pilih|suara)(?:mu|nya)?",
    r"^(?:kpu|bawaslu|ppk|pps|kpps|polres|polda|panwascam|pemkab|kapolres|ketua kpu)\b",
)
QUESTION_MARKERS = (
    r"\?\W*$",
    r"(?:numpang|mau|boleh|izin|ijin|serius) (?:tanya|nanya)",
    r"ada (?:yg|yang) (?:tau|tahu|bisa jelasin|punya)",
    r"(?:gimana|bagaimana) (?:cara|caranya)",
    r"(?:benar|bener|beneran|betul) (?:gak|nggak|ga|tidak|enggak)(?: sih)?\b",
    r"(?:apa|apakah) (?:benar|bener|betul|iya)",
    r"\bmohon info\b|\bkapan\b|\bberapa\b",
)

# Surface markers that "may inform but must not decide" (feature set 3): removed from the text the n-grams
# see, so they act only through the two marker columns, whose weights are capped (model.MARKER_WEIGHT_CAP).
# Phrases that carry the debunk's content ("tidak benar", "hoaks", "menyesatkan") stay in the text.
SURFACE_MARKERS = (
    r"(?:(?:copas|copy ?paste|info|pesan)\s+)?(?:dari\s+)?(?:grup|group|grub|wag)\s+sebelah",
    r"faktanya",
    r"fakta(?:nya)? sebenarnya",
    r"cek\s*fakta",
    r"periksa fakta",
    *FORWARD_MARKERS,
)
_SURFACE = r"(?<!\w)(?:" + "|".join(SURFACE_MARKERS) + r")(?!\w)\s*[:!.,]*"
# A marker in brackets goes with its brackets: "(copas dari grup sebelah)" left an empty "( )" behind, whose
# char n-grams leant towards "hoax" (+0.28 logit in 2024.5's first fit), about as much as the capped marker.
_SURFACE_RE = re.compile(rf"\(\s*{_SURFACE}\s*\)|\[\s*{_SURFACE}\s*\]|{_SURFACE}", re.UNICODE)
# A call to take part ("ayo datang ke TPS", "jangan golput", "gunakan hak pilihmu"): an invitation, not a
# claim; feature set 3 does not flag it on its score alone (a debunk match still flags).
_CALL_TO_VOTE_RE = re.compile(
    r"(?<!\w)(?:jangan golput|ayo (?:datang|ke tps|memilih|nyoblos|mencoblos)|"
    r"gunakan hak (?:pilih|suara)(?:mu|nya)?|datang(?:lah)? ke tps)(?!\w)",
    re.UNICODE,
)

# Feature set 6: tokens made only of separator marks (a dash, a bar, a bullet standing alone) are dropped from
# the text the n-grams see. News shared as "Judul – https://..." kept a lone en dash after the link was
# removed, and in the training data that dash leant towards "hoax": appending " –" to held-out election
# chatter flagged 2.3 % more of it, and to real headlines 15 % more, while " - " hid 12 % of the caught
# claims (2024.6; models/default/README.md, "What changed in 2024.7"). Sentence punctuation (! ? . ,) and
# marks inside or attached to a word ("2019-2024", "anies-muhaimin", "benar!!!") are kept.
# Feature set 7: quote marks, emoji and a retweet's "RT @akun:" are dropped from the text (the cues below read
# it before its lone separators go; see `TextPreparer._views`). They record how a text was written down, not
# what it says, and the public sets wrote their classes down differently: fact-checkers quote a circulated
# claim (a quarter of the held-out claims are in quotes, and 2024.7 caught 81 % of those against 57 % of the
# rest), the scraped news headlines carry no quote marks at all, and tweets keep their emoji where
# fact-checkers drop them. With set 6, putting the last three words of a held-out headline in curly quotes,
# as news titles quote a speaker, flagged 49 % of the headlines instead of 7 % (straight quotes: 2 %);
# "RT @akun: " hid 43 % of the caught claims and a trailing emoji 22 % (models/default/README.md, "What
# changed in 2024.8"). An apostrophe inside a word ("Jum'at") stays; so do brackets, "!", "?" and "...",
# which live posts use as the data does.
_SYMBOLS_RE = re.compile(
    r"[“”„‟«»‹›\"]|(?<!\w)['‘’‚‛`´]|['‘’‚‛`´](?!\w)|[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F\u200D]",
    re.UNICODE,
)
_RETWEET_RE = re.compile(r"^rt\s*:\s*")  # "RT @akun: ..." once the mention is gone; "RT 05" stays
_SEPARATOR_RE = re.compile(r"(?<!\S)[-‐‑‒–—―|¦•·‣∙●○▪►▶»«›‹~=_*/\\→⇒➡➜]+(?!\S)", re.UNICODE)
# Feature set 8: how a forwarded message is framed, not what it says: an opener ("Info:", "Viral!",
# "Penting!!", "Breaking news:", "Update:" at the start), a condolence formula ("Innalillahi wa inna ilaihi
# raji'un", anywhere) and a bracketed media tag ("(foto)", "[video]"). Officials and newsrooms open posts the
# same way, yet with set 7 "Info: " in front of an election-relevant held-out headline changed 10 % of the
# decisions and of a circulated claim 18 %, "Innalillahi, " 11 % / 18 %, "(foto)" 10 % / 16 %
# (models/default/README.md, "What changed in 2024.9"). A word that says what happened stays ("beredar",
# "heboh", "video viral"), and so does an opener with no mark after it ("info tps pindah"), which is a
# sentence.
_OPENER_WORDS = (
    r"(?:info(?:\s+(?:penting|terkini|terbaru))?|viral|penting|breaking(?:\s+news)?|update|terkini)"
)
_OPENER_RE = re.compile(
    rf"^(?:(?:\[\s*{_OPENER_WORDS}\s*\]|\(\s*{_OPENER_WORDS}\s*\)|{_OPENER_WORDS}\s*[:!])\s*[:!]*\s*)+",
    re.UNICODE,
)
_CONDOLENCE_RE = re.compile(
    r"(?<!\w)in+al+il+ah+i?(?:\s*wa\s*in+a?\s*il+ai?h+i\s*r[oa]ji['‘’`]?[uo]n)?(?!\w)\s*[,.!]*",
    re.UNICODE,
)
_MEDIA_TAG_RE = re.compile(
    r"[\[(]\s*(?:foto|video|vidio|gambar|audio|rekaman|ss|screenshot|tangkapan layar)\s*[\])]",
    re.UNICODE,
)

# Feature set 5: the offices a regional election fills. With the keywords' `regional_terms` (pilkada, cagub,
# calon bupati, ...) they are dropped from the text the n-grams see, as candidate references are: they name
# the election, not what is claimed in it. The list is part of set 5's definition (a model folder records
# only the set's number), so changing it means a new feature set.
ELECTION_OFFICES = (
    "gubernur",
    "wakil gubernur",
    "wagub",
    "bupati",
    "wakil bupati",
    "wabup",
    "wali kota",
    "walikota",
    "wakil wali kota",
    "wawali",
)


def _drop(pattern: re.Pattern[str], text: str, unchanged: str | None = None) -> str:
    """`text` without what `pattern` matches (spaces collapsed), or, when nothing else would be left,
    `unchanged` (default: `text`): how feature sets 5 to 8 take words and marks out of what the n-grams
    see."""
    return " ".join(pattern.sub(" ", text).split()) or (text if unchanged is None else unchanged)


def _terms_pattern(terms: Sequence[str]) -> re.Pattern[str] | None:
    """`terms` as one regex over normalised text: whole words only, longest first (so "calon wakil
    gubernur" goes whole rather than leaving "calon wakil"); None when there are none."""
    words = {" ".join(str(t).lower().split()) for t in terms} - {""}
    if not words:
        return None
    alternation = "|".join(re.escape(t) for t in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternation})(?!\w)", re.UNICODE)


def _frame_pattern(keywords: KeywordsConfig) -> re.Pattern[str] | None:
    """Feature set 5's frame words: the keywords' `regional_terms` and ELECTION_OFFICES."""
    return _terms_pattern([*keywords.regional_terms, *ELECTION_OFFICES])


# Feature set 3's decision: a fact-check marker with a verdict word anywhere ("Cek fakta: klaim ... salah")
# still makes a debunk, though neither alone does.
_CHECK_MARKER_RE = re.compile(r"(?<!\w)(?:faktanya|cek\s*fakta|periksa fakta)(?!\w)", re.UNICODE)
_VERDICT_WORD_RE = re.compile(
    r"(?<!\w)(?:salah|keliru|hoaks|hoax|tidak benar|bohong|menyesatkan|disinformasi)(?!\w)", re.UNICODE
)

_DEBUNK_RE = re.compile(r"(?<!\w)(?:" + "|".join(DEBUNK_MARKERS) + r")", re.UNICODE)
_FORWARD_RE = re.compile(r"(?<!\w)(?:" + "|".join(FORWARD_MARKERS) + r")", re.UNICODE)
_REPORT_RE = [re.compile(r"(?<!\w)(?:" + m + r")", re.UNICODE) for m in REPORT_MARKERS]
_ANNOUNCE_RE = [re.compile(r"(?<!\w)(?:" + m + r")", re.UNICODE | re.MULTILINE) for m in ANNOUNCE_MARKERS]
_QUESTION_RE = [re.compile(m, re.UNICODE) for m in QUESTION_MARKERS]

EXTRA_FEATURE_NAMES = ("debunk_marker", "forward_marker", "off_topic", "not_relevant")
# Feature set 2 adds graded genre cues: the share of a genre's cue patterns found (two or more = 1.0).
GENRE_FEATURE_NAMES = ("report_cues", "announcement_cues", "question_cues")


def genre_features(masked: Sequence[str]) -> np.ndarray:
    """Report / announcement / question cue strengths (0, 0.5 or 1) of masked texts."""
    out = np.zeros((len(masked), len(GENRE_FEATURE_NAMES)), dtype=np.float32)
    for col, patterns in enumerate((_REPORT_RE, _ANNOUNCE_RE, _QUESTION_RE)):
        for i, text in enumerate(masked):
            out[i, col] = min(2, sum(1 for rx in patterns if rx.search(text))) / 2.0
    return out


@dataclass(slots=True)
class PreparedBatch:
    """A batch of texts after normalisation, relevance matching and candidate masking."""

    masked: list[str]
    relevance: list[Relevance]
    debunk: np.ndarray  # bool per text
    forward: np.ndarray  # bool per text
    debunk_terms: list[str | None]  # the first debunk marker found (shown in reasons)
    genre: np.ndarray | None = None  # genre cues, computed on first use
    call_to_vote: np.ndarray | None = None  # bool per text: an invitation to vote
    fact_checked: list[str | None] | None = None  # set 3: fact-check marker + verdict word (not a feature)
    cues: list[str] | None = None  # what the genre cues read (set 7: `masked` with its lone separators)

    def extra_features(self) -> np.ndarray:
        """Dense hand-made features, one row per text (see EXTRA_FEATURE_NAMES)."""
        off_topic = np.fromiter((bool(getattr(r, "off_topic", False)) for r in self.relevance), dtype=bool)
        not_relevant = np.fromiter((not r.relevant for r in self.relevance), dtype=bool)
        return np.column_stack([self.debunk, self.forward, off_topic, not_relevant]).astype(np.float32)

    def genre_features(self) -> np.ndarray:
        """Feature set 2's genre cues, one row per text (see GENRE_FEATURE_NAMES); computed once."""
        if self.genre is None:
            self.genre = genre_features(self.cues if self.cues is not None else self.masked)
        return self.genre


class TextPreparer:
    """normalise → keyword relevance → mask candidates, plus the debunk / chain-message signals."""

    def __init__(
        self,
        keywords_file: Path,
        keywords: KeywordsConfig | None = None,
        *,
        strip_markers: bool = False,
        drop_references: bool = False,
        drop_frame: bool = False,
        drop_separators: bool = False,
        drop_typography: bool = False,
        drop_openers: bool = False,
        drop_places: bool = False,
    ) -> None:
        """Mask with `keywords` when given (the ACTIVE config), else with the file's (the model's copy);
        `strip_markers` (feature set 3) removes SURFACE_MARKERS from the text the features see;
        `drop_references` (feature set 4) then removes the masked candidate and party references too,
        `drop_frame` (feature set 5) the regional election's frame words (`without_frame`),
        `drop_separators` (feature set 6) lone separator marks (`without_separators`), and
        `drop_typography` (feature set 7) quote marks, emoji and a retweet's "rt :", for the n-grams only
        (`without_typography`), `drop_openers` (feature set 8) a forward's framing: openers, condolence
        formulas and media tags (`without_openers`), and `drop_places` (feature set 9) the keywords'
        `places` (`without_places`)."""
        self.strip_markers = strip_markers
        self.drop_references = drop_references
        self.keywords_file = Path(keywords_file)
        keywords = keywords if keywords is not None else load_keywords(self.keywords_file)
        self.keywords = keywords
        self.keywords_version = str(getattr(keywords, "version", "unknown"))
        self.matcher = KeywordMatcher(keywords)
        self.masker = CandidateMasker(keywords)
        self._frame_re = _frame_pattern(keywords) if drop_frame else None
        self.drop_separators = drop_separators
        self.drop_typography = drop_typography
        self.drop_openers = drop_openers
        self._places_re = _terms_pattern(keywords.places) if drop_places else None

    def without_frame(self, text: str) -> str:
        """Feature set 5: the (masked, normalised) text without the regional election's frame words, or the
        text unchanged when nothing else would be left."""
        return text if self._frame_re is None else _drop(self._frame_re, text)

    def without_separators(self, text: str) -> str:
        """Feature set 6: the text without tokens made only of separator marks ("–", "|", "•"), or the text
        unchanged when nothing else would be left."""
        return _drop(_SEPARATOR_RE, text) if self.drop_separators else text

    def without_typography(self, text: str) -> str:
        """Feature set 7: the text without quote marks, emoji and a retweet's leading "rt :", or the text
        unchanged when nothing else would be left."""
        if not self.drop_typography:
            return text
        return _drop(_SYMBOLS_RE, _RETWEET_RE.sub("", text), text)

    def without_openers(self, text: str) -> str:
        """Feature set 8: the text without a forward's opener ("info:", "viral!"), condolence formula
        ("innalillahi ...") and media tags ("(foto)"), or the text unchanged when nothing else would be
        left."""
        if not self.drop_openers:
            return text
        bare = _MEDIA_TAG_RE.sub(" ", _CONDOLENCE_RE.sub(" ", text))
        return _drop(_OPENER_RE, bare.lstrip(), text)

    def without_places(self, text: str) -> str:
        """Feature set 9: the text without the keywords' `places` (the district's own area: kabupaten,
        kecamatan, desa), or the text unchanged when nothing else would be left."""
        return text if self._places_re is None else _drop(self._places_re, text)

    def _views(self, masked: str) -> tuple[str, str]:
        """(cues, content) of a masked text (feature sets 4 and later): what the genre and debunk cues read,
        and what the n-grams and the debunk similarity see. Before set 7 they are the same text; from set 7
        the cues read it without quote marks, emoji and "rt :" but with its separators ("09.00 – 13.00"),
        and from set 8 with a forward's framing (`without_openers`), which only the content loses, as it
        loses place names from set 9 (`without_places`)."""
        cues = self.without_frame(self.masker.drop_references(masked))
        if not self.drop_typography:
            cues = self.without_separators(cues)
            return cues, cues
        cues = self.without_typography(cues)
        return cues, self.without_places(self.without_openers(self.without_separators(cues)))

    @classmethod
    def for_feature_set(
        cls, keywords_file: Path, feature_set: int, keywords: KeywordsConfig | None = None
    ) -> TextPreparer:
        """The preparer a model of `feature_set` was trained with (see `HoaxClassifier`)."""
        return cls(
            keywords_file,
            keywords,
            strip_markers=feature_set >= 3,
            drop_references=feature_set >= 4,
            drop_frame=feature_set >= 5,
            drop_separators=feature_set >= 6,
            drop_typography=feature_set >= 7,
            drop_openers=feature_set >= 8,
            drop_places=feature_set >= 9,
        )

    def mask_one(self, text: str) -> str:
        norm = normalize(text)
        if not self.drop_references:
            return self.masker.mask(norm)
        return self._views(self.masker.mask(norm))[1]

    @cached_property
    def topic_words(self) -> frozenset[str]:
        """The vocabulary's one-word election terms (pemilu, tps, kpu, sirekap, pilkada, ...): they make a
        post relevant, which is why it is scored at all, so they are no reason to think it false and are
        never cited as one ("istilah pemicu"). Multi-word terms ("pemilih siluman") are claims and stay."""
        topics = self.keywords.topics
        terms = [
            t for topic in (getattr(topics, name) for name in type(topics).model_fields) for t in topic.terms
        ]
        terms += list(self.keywords.regional_terms)
        return frozenset(w for w in (" ".join(str(t).lower().split()) for t in terms) if w and " " not in w)

    def candidates_of(self, text: str) -> tuple[str, ...]:
        return tuple(self.matcher.match(text).candidates)

    def prepare(self, texts: Sequence[str]) -> PreparedBatch:
        masked: list[str] = []
        cues: list[str] = []
        relevance: list[Relevance] = []
        debunk = np.zeros(len(texts), dtype=bool)
        forward = np.zeros(len(texts), dtype=bool)
        debunk_terms: list[str | None] = []
        call_to_vote = np.zeros(len(texts), dtype=bool)
        checked: list[str | None] = [None] * len(texts)
        match, mask = self.matcher.match, self.masker.mask
        for i, raw in enumerate(texts):
            norm = normalize(raw if isinstance(raw, str) else str(raw))
            relevance.append(match(norm))
            text = mask(norm)
            call_to_vote[i] = _CALL_TO_VOTE_RE.search(text) is not None
            unstripped = text
            if self.strip_markers:
                stripped = " ".join(_SURFACE_RE.sub(" ", text).split())
                text = stripped or text
            cue = text
            if self.drop_references:
                cue, text = self._views(text)
            masked.append(text)
            cues.append(cue)
            # Feature set 3: "Faktanya" / "cek fakta" alone do not make a post a debunk (they are stripped
            # before this search): a debunk is told by its content ("tidak benar", "[HOAKS]", "dibantah").
            found = _DEBUNK_RE.search(cue)
            if found is None and self.strip_markers:
                check = _CHECK_MARKER_RE.search(unstripped)
                if check is not None and _VERDICT_WORD_RE.search(unstripped) is not None:
                    checked[i] = check.group(0)
            debunk[i] = found is not None
            debunk_terms.append(found.group(0) if found is not None else None)
            forward[i] = _FORWARD_RE.search(mask(norm) if self.strip_markers else cue) is not None
        return PreparedBatch(
            masked,
            relevance,
            debunk,
            forward,
            debunk_terms,
            call_to_vote=call_to_vote,
            fact_checked=checked,
            cues=cues,
        )


def readable_term(term: str) -> str:
    """An n-gram as an officer should read it (the neutral token shown as "[paslon]")."""
    return term.replace(NEUTRAL_TOKEN, "[paslon]")


def word_tfidf(**overrides: Any) -> TfidfVectorizer:
    params: dict[str, Any] = {
        "analyzer": "word",
        "ngram_range": (1, 2),
        "min_df": 2,
        "max_features": 100_000,
        "sublinear_tf": True,
        "lowercase": False,
        "dtype": np.float32,
    }
    params.update(overrides)
    return TfidfVectorizer(**params)
