"""Hoax scoring (services floor): knows nothing of the database; it scores texts.

The contract lives in `monitor.classify.base`: `Score`, `KnownClaim`, `Classifier`, `load_classifier`.
"""

from monitor.classify.base import Classifier, ClassifierError, KnownClaim, Score, load_classifier

__all__ = ["Classifier", "ClassifierError", "KnownClaim", "Score", "load_classifier"]
