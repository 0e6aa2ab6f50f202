"""The model folder: reading and writing it, the card, and the skops state (never pickle).

A model folder holds `model.skops` (only scikit-learn / numpy / scipy objects), `card.json`, the
`keywords.yml` the model was trained with (so masking is identical at prediction time), `claims.jsonl` (the
known claims it matches against) and, for a model trained with sentence-embedding features, the embedding
model in `embedder/`. Vocabularies are stored as arrays of terms (skops writes a dict entry by entry, which
is ~10x larger).

Loading trusts skops' own default set (scikit-learn estimators, numpy arrays) plus the exact type names in
ALLOWED_TYPES, nothing else: no whole-module trust, since trusting the module that holds `exec` (or numpy's
file and process helpers) would let a crafted file run code. Any other type named by the file is refused, by
name, before a single object is built."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from monitor.classify.base import ClassifierError, KnownClaim
from monitor.classify.claims import read_known_claims, write_known_claims
from monitor.classify.embed import Embedder, SentenceTransformerEmbedder, terms_vocabulary, vocabulary_terms
from monitor.classify.features import EXTRA_FEATURE_NAMES, GENRE_FEATURE_NAMES
from monitor.classify.lean_import import skops_io

sio = skops_io()  # without importing torch: see monitor.classify.lean_import

MODEL_FILE = "model.skops"
CARD_FILE = "card.json"
KEYWORDS_FILE = "keywords.yml"
CLAIMS_FILE = "claims.jsonl"
EMBEDDER_DIR = "embedder"
# Exact types a classifier state may hold beyond skops' defaults (numpy scalar types some estimators keep).
ALLOWED_TYPES = frozenset({"numpy.float32", "numpy.float64", "numpy.int32", "numpy.int64", "numpy.dtype"})


def load_state(path: Path) -> dict[str, Any]:
    """Load a skops file, trusting skops' defaults and ALLOWED_TYPES only (refuse anything else, by name)."""
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:  # noqa: BLE001 - a corrupt archive raises zipfile/json errors
        raise ClassifierError(f"{path}: not a readable skops file ({exc})") from None
    refused = [name for name in untrusted if name not in ALLOWED_TYPES]
    if refused:
        raise ClassifierError(f"{path}: refusing to load untrusted types: {', '.join(sorted(refused))}")
    state = sio.load(path, trusted=untrusted)
    if not isinstance(state, dict) or not {"word", "char", "lr", "calibrator"} <= set(state):
        raise ClassifierError(f"{path}: unexpected content (expected the classifier's state dictionary)")
    for name in ("word", "char"):
        terms = state.pop(f"{name}_terms", None)
        if terms is not None:
            state[name].vocabulary_ = terms_vocabulary(terms)
    return state


def dump_state(state: dict[str, Any], path: Path) -> None:
    """skops stores a vocabulary dict entry by entry (MBs); an array of terms is ~10x smaller."""
    vocabularies = {}
    try:
        for name in ("word", "char"):
            vectorizer = state[name]
            vocabularies[name] = vectorizer.vocabulary_
            state[f"{name}_terms"] = vocabulary_terms(vectorizer.vocabulary_)
            del vectorizer.vocabulary_
        sio.dump(state, path)
    finally:
        for name, vocabulary in vocabularies.items():
            state[name].vocabulary_ = vocabulary


@dataclass(slots=True)
class ModelFolder:
    """What a model folder holds, read and checked; the model rebuilds itself from it."""

    state: dict[str, Any]  # the skops state: "word", "char", "lr", "calibrator" and the feature switches
    card: dict[str, Any]
    claims: list[KnownClaim]
    keywords_file: Path
    embedder: SentenceTransformerEmbedder | None  # the embedding model in use for features or claim matching

    def params(self, default_version: str) -> dict[str, Any]:
        """The classifier's parameters as the folder records them (older folders lack some switches)."""
        return {
            "version": str(self.card.get("version", default_version)),
            "claims": self.claims,
            "embedder": self.embedder,
            "embedding_features": bool(self.state.get("embedding_features")),
            "claim_features": bool(self.state.get("claim_features", False)),
            "extra_features": bool(self.state.get("extra_features", True)),
            "feature_set": int(self.state.get("feature_set", 1)),
        }


def read_model_folder(folder: Path, embedder_setting: str | None = None) -> ModelFolder:
    """Read and check a model folder. The folder's own embedding model is used when the model was trained
    with embedding features; otherwise `embedder_setting` (a sentence-transformers folder or name) may add
    one for claim matching."""
    folder = Path(folder)
    for name in (MODEL_FILE, CARD_FILE, KEYWORDS_FILE):
        if not (folder / name).is_file():
            raise ClassifierError(f"{folder}: not a model folder ({name} is missing)")
    try:
        card = json.loads((folder / CARD_FILE).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ClassifierError(
            f"{folder / CARD_FILE}: not valid JSON ({exc.msg}, line {exc.lineno})"
        ) from None
    state = load_state(folder / MODEL_FILE)
    embedder: SentenceTransformerEmbedder | None = None
    if state.get("embedding_features"):
        loaded = Embedder.from_setting(str(folder / EMBEDDER_DIR))
        if not isinstance(loaded, SentenceTransformerEmbedder):
            raise ClassifierError(f"{folder / EMBEDDER_DIR}: the model's embedding model cannot be loaded")
        embedder = loaded
    elif embedder_setting:
        loaded = Embedder.from_setting(embedder_setting)
        embedder = loaded if isinstance(loaded, SentenceTransformerEmbedder) else None
    claims = list(read_known_claims(folder / CLAIMS_FILE)) if (folder / CLAIMS_FILE).is_file() else []
    return ModelFolder(state, card, claims, folder / KEYWORDS_FILE, embedder)


def card_claim_thresholds(card: dict[str, Any], embedder_kind: str) -> tuple[float, float] | None:
    """The card's claim thresholds when they were chosen for the same kind of embedder, else None."""
    same_kind = (card.get("embedder") or {}).get("kind", "tfidf") == embedder_kind
    thresholds = card.get("claim_thresholds") if same_kind else None
    return (float(thresholds["suggested"]), float(thresholds["confirmed"])) if thresholds else None


def write_model_folder(
    folder: Path,
    *,
    state: dict[str, Any],
    keywords_file: Path,
    claims: Iterable[KnownClaim],
    embedder: SentenceTransformerEmbedder | None,
    description: dict[str, Any],
    card_extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write the folder (state, keywords copy, claims, embedding model when given, card); returns the card:
    the creation time, the model's `description` and `card_extra` (which wins on a shared key)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    dump_state(state, folder / MODEL_FILE)
    if Path(keywords_file).resolve() != (folder / KEYWORDS_FILE).resolve():
        shutil.copyfile(keywords_file, folder / KEYWORDS_FILE)
    write_known_claims(folder / CLAIMS_FILE, claims)
    if embedder is not None:
        embedder.model.save(str(folder / EMBEDDER_DIR))
    card = {"created_at": datetime.now(UTC).isoformat(timespec="seconds"), **description}
    card.update(card_extra or {})
    (folder / CARD_FILE).write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return card


def model_state(model: Any) -> dict[str, Any]:
    """What model.skops holds of a fitted `HoaxClassifier` (its keys are the names old folders use)."""
    return {
        "word": model.word_,
        "char": model.char_,
        "lr": model.lr_,
        "calibrator": model.calibrator_,
        "extra_features": model.extra_features,
        "claim_features": model.claim_features,
        "embedding_features": model.embedding_in_use,
        "feature_set": model.feature_set,
    }


def describe_model(model: Any) -> dict[str, Any]:
    """A fitted `HoaxClassifier`'s part of card.json: threshold, claim thresholds, features, estimator,
    embedder. (Typed loosely: this module sits below model.py and must not import it.)"""
    matcher, feature_set = model.matcher_, model.feature_set
    extra = [
        *(EXTRA_FEATURE_NAMES[:2] if feature_set >= 3 else EXTRA_FEATURE_NAMES),
        *(GENRE_FEATURE_NAMES if feature_set >= 2 else ()),
    ]
    out: dict[str, Any] = {
        "version": model.version,
        "threshold": float(model.threshold_),
        "target_precision": model.target_precision,
        "threshold_policy": model.threshold_policy,
        "claim_thresholds": {"suggested": matcher.suggest_threshold, "confirmed": matcher.confirm_threshold},
        "keywords_version": model.preparer_.keywords_version,
        "features": {
            "word_tfidf": {"ngram_range": [1, 2], "vocabulary": len(model.word_.vocabulary_)},
            "char_tfidf": {
                "analyzer": "char_wb",
                "ngram_range": [2, 5],
                "vocabulary": len(model.char_.vocabulary_),
            },
            "feature_set": feature_set,
            "extra": extra if model.extra_features else [],
            "claim_similarity": model.claim_features,
            "embedding": model.embedding_in_use,
            "candidate_masking": True,
        },
        "estimator": {
            "type": "LogisticRegression",
            "C": model.C,
            "class_weight": "balanced",
            "calibration": "Platt scaling on 5-fold out-of-fold decision values",
        },
        "embedder": matcher.embedder.describe(),
        "claims": len(matcher),
    }
    adapter = getattr(model, "rerank_adapter", None)
    if adapter is not None:
        out["rerank_adapter"] = adapter.describe()
    return out
