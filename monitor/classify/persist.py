"""Model-folder files and the skops state (never pickle); vocabularies are stored as arrays of terms (skops
writes a dict entry by entry, which is ~10x larger).

Loading trusts skops' own default set (scikit-learn estimators, numpy arrays) plus the exact type names in
ALLOWED_TYPES, nothing else: no module wildcard and no prefix match, because "builtins." alone admits
`builtins.exec` and "numpy." admits numpy's file and process helpers. Any other type named by the file is
refused, by name, before a single object is built."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import skops.io as sio

from monitor.classify.base import ClassifierError

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
            state[name].vocabulary_ = {str(term): i for i, term in enumerate(terms.tolist())}
    return state


def dump_state(state: dict[str, Any], path: Path) -> None:
    """skops stores a vocabulary dict entry by entry (MBs); an array of terms is ~10x smaller."""
    vocabularies = {}
    try:
        for name in ("word", "char"):
            vectorizer = state[name]
            vocabularies[name] = vectorizer.vocabulary_
            terms = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
            state[f"{name}_terms"] = np.array(terms, dtype=str)
            del vectorizer.vocabulary_
        sio.dump(state, path)
    finally:
        for name, vocabulary in vocabularies.items():
            state[name].vocabulary_ = vocabulary
