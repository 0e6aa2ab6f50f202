"""Keyword versions: how the vocabulary a model was trained with differs from the active keywords.yml.

Masking and relevance always use the active file; a model stores the file it was trained with. Comparing
the two by `KeywordsConfig.fingerprint` (any term changed) and by pair tells the operator when a model was
trained on another election's vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass

from monitor.text.keywords import KeywordsConfig

__all__ = ["KeywordsComparison", "compare_keywords"]


@dataclass(frozen=True, slots=True)
class KeywordsComparison:
    """How the vocabulary a model was trained with differs from the active config/keywords.yml.

    Masking and relevance always use the *active* file (a new election's candidates are masked without
    retraining); this tells the operator when the model last saw a different vocabulary.
    """

    model_version: str
    active_version: str
    model_fingerprint: str
    active_fingerprint: str
    candidates_added: tuple[str, ...] = ()
    candidates_removed: tuple[str, ...] = ()
    candidates_changed: tuple[str, ...] = ()
    parties_changed: bool = False

    @property
    def same(self) -> bool:
        return self.model_fingerprint == self.active_fingerprint

    def message(self, lang: str = "id") -> str:
        """One line for the operator (Bahasa Indonesia by default, "en" for English); empty when same."""
        if self.same:
            return ""
        parts_id, parts_en = [], []
        if self.candidates_added:
            added = ", ".join(self.candidates_added)
            parts_id.append(f"paslon baru {added}")
            parts_en.append(f"new pairs {added}")
        if self.candidates_removed:
            removed = ", ".join(self.candidates_removed)
            parts_id.append(f"paslon dihapus {removed}")
            parts_en.append(f"pairs removed {removed}")
        if self.candidates_changed:
            changed = ", ".join(self.candidates_changed)
            parts_id.append(f"istilah paslon {changed} berubah")
            parts_en.append(f"terms of pairs {changed} changed")
        if self.parties_changed:
            parts_id.append("daftar partai berubah")
            parts_en.append("party list changed")
        if lang == "en":
            detail = "; ".join(parts_en) or "topic or context terms changed"
            return (
                f"keywords differ: the model was trained with version {self.model_version}, "
                f"the active file is {self.active_version} ({detail}); masking uses the active file"
            )
        detail = "; ".join(parts_id) or "istilah topik atau konteks berubah"
        return (
            f"kata kunci berbeda: model dilatih dengan versi {self.model_version}, berkas aktif versi "
            f"{self.active_version} ({detail}); penyamaran paslon memakai berkas aktif"
        )


def compare_keywords(model: KeywordsConfig, active: KeywordsConfig) -> KeywordsComparison:
    """Compare the keywords stored with a model to the active ones (see `KeywordsComparison`)."""
    changed = tuple(
        key
        for key in sorted(set(model.candidates) & set(active.candidates))
        if model.candidates[key] != active.candidates[key]
    )
    return KeywordsComparison(
        model_version=model.version,
        active_version=active.version,
        model_fingerprint=model.fingerprint,
        active_fingerprint=active.fingerprint,
        candidates_added=tuple(sorted(set(active.candidates) - set(model.candidates))),
        candidates_removed=tuple(sorted(set(model.candidates) - set(active.candidates))),
        candidates_changed=changed,
        parties_changed=model.parties != active.parties,
    )
