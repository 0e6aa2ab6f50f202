"""Hoax scoring (foundations floor): knows nothing of the database; it scores texts.

The contract lives in `monitor.classify.base` (`Score`, `KnownClaim`, `Classifier`, `ClassifierError`);
`load_classifier` reads a model folder into the implementation, `monitor.classify.model.HoaxClassifier`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from monitor.classify.base import Classifier, ClassifierError, KnownClaim, Score

__all__ = ["Classifier", "ClassifierError", "KnownClaim", "Score", "load_classifier"]


def load_classifier(path: Path, keywords: Any = None) -> Classifier:
    """Load a model folder (model.skops + card.json, never pickle) into a ready classifier.

    `keywords` (a `KeywordsConfig`, normally the active config/keywords.yml) is what candidates are masked
    with; None uses the copy saved in the model folder. A version mismatch is logged and reported in the
    model's `keywords_mismatch`. The model module is imported here, on first use, so that importing the
    contract (`Score`, `KnownClaim`) does not load scikit-learn."""
    from monitor.classify.model import HoaxClassifier

    return HoaxClassifier.load(Path(path), keywords=keywords)
