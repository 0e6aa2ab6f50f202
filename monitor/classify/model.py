"""The hoax classifier: masked text → word and character TF-IDF (+ optional sentence embeddings, + a few
hand-made signals) → logistic regression → Platt calibration → threshold; plus known-claim matching.

A model folder holds `model.skops` (only scikit-learn / numpy / scipy objects; loaded with an explicit
allow-list, never pickle), `card.json`, the `keywords.yml` it was trained with (so masking is identical at
prediction time) and `claims.jsonl` (the known claims it matches against). When the model was trained with
sentence-embedding features, the embedding model is kept in `embedder/`.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from monitor.classify.base import CLAIM_CONFIRMED, ClassifierError, KnownClaim, Score
from monitor.classify.calibration import (
    TARGET_PRECISION,
    THRESHOLD_POLICIES,
    apply_platt,
    choose_threshold,
    fit_platt,
)
from monitor.classify.claims import ClaimIndex, ClaimMatches, read_known_claims, write_known_claims
from monitor.classify.embed import Embedder, SentenceTransformerEmbedder, TfidfEmbedder, char_tfidf
from monitor.classify.features import (
    EXTRA_FEATURE_NAMES,
    GENRE_FEATURE_NAMES,
    PreparedBatch,
    TextPreparer,
    word_tfidf,
)
from monitor.classify.persist import (
    CARD_FILE,
    CLAIMS_FILE,
    EMBEDDER_DIR,
    KEYWORDS_FILE,
    MODEL_FILE,
    dump_state,
    load_state,
)
from monitor.classify.reasons import build_reasons, top_terms
from monitor.text.keywords import KeywordsConfig

log = logging.getLogger(__name__)

# Feature sets: 1 = n-grams + four hand-made signals + claim similarity (models trained before 2024.2);
# 2 = set 1 + genre cues (report / announcement / question) and a claim similarity that ignores questions;
# 3 = set 2 without the relevance columns (off_topic, not_relevant), trained on real text.
FEATURE_SET = 3
MARKER_WEIGHT_CAP = 0.3  # logit units: a marker alone can move a score only a little
# Default similarity thresholds per embedder kind (cosine); a card or the settings may override them.
CLAIM_THRESHOLDS = {"tfidf": (0.45, 0.6), "sentence-transformers": (0.7, 0.85)}


class HoaxClassifier:
    """Implements the `Classifier` protocol (see monitor.classify.base)."""

    # Claims keep their verdict here: a match to a true fact is shown as "sesuai fakta" and never flags, so
    # the claim base may hand this model debunks and facts alike (monitor.claims.claims_for_model).
    matches_true_claims = True

    def __init__(
        self,
        keywords_file: Path,
        *,
        version: str = "unversioned",
        claims: Iterable[KnownClaim] = (),
        embedder: Embedder | None = None,
        embedding_features: bool = False,
        C: float = 16.0,
        extra_features: bool = True,
        claim_features: bool = True,
        min_df: int = 2,
        threshold_policy: str = "max_f1",
        claim_thresholds: tuple[float, float] | None = None,
        target_precision: float = TARGET_PRECISION,
        feature_set: int = FEATURE_SET,
        max_features: tuple[int, int] = (100_000, 200_000),
        target_fpr: float | None = None,
    ) -> None:
        if feature_set not in (1, 2, 3):
            raise ValueError(f"feature_set must be 1, 2 or 3, got {feature_set!r}")
        self.feature_set = feature_set
        self.version = version
        self.keywords_file = Path(keywords_file)
        self.preparer = TextPreparer(self.keywords_file, strip_markers=feature_set >= 3)
        self.C = C
        self.extra_features = extra_features
        self.claim_features = claim_features
        self.min_df = min_df
        if threshold_policy not in THRESHOLD_POLICIES:
            raise ValueError(f"threshold_policy must be one of {', '.join(THRESHOLD_POLICIES)}")
        self.threshold_policy = threshold_policy
        self.target_precision = target_precision
        self.embedder: Embedder | None = (
            embedder if isinstance(embedder, SentenceTransformerEmbedder) else None
        )
        self.embedding_features = bool(embedding_features and self.embedder is not None)
        self.max_features = max_features
        self.target_fpr = target_fpr
        self.word = word_tfidf(min_df=1 if min_df <= 2 else min_df, max_features=max_features[0])
        self.char = char_tfidf(min_df=min_df, max_features=max_features[1])
        self.lr: LogisticRegression | None = None
        self.calibrator: LogisticRegression | None = None
        self.threshold = 0.5
        self.card: dict[str, Any] = {}
        self.fit_report: dict[str, Any] = {}
        self._pending_claims: list[KnownClaim] = list(claims)
        self._claim_thresholds = claim_thresholds
        self.claims: ClaimIndex | None = None
        # Claim-similarity features always use the model's own char TF-IDF space (the scale the weights were
        # learned on); `claims` may use a sentence-embedding model for the match shown to officers.
        self._feature_claims: ClaimIndex | None = None
        self._vocab_cache: np.ndarray | None = None
        self.keywords_mismatch: str | None = None

    # -- features ------------------------------------------------------------------------------------
    def _blocks(self, batch: PreparedBatch) -> tuple[list[Any], ClaimMatches | None]:
        """Feature blocks in column order: word, char, [extra], [claim similarity], [embedding]."""
        word = self.word.transform(batch.masked)
        char = self.char.transform(batch.masked)
        blocks: list[Any] = [word, char]
        matches = None
        if self.extra_features:
            extra = batch.extra_features()
            # Feature set 3: relevance is the pipeline's gate, not evidence of a hoax (general hoaxes are
            # rarely election-relevant, so set 2 learned "not relevant = hoax" and flagged Pilkada chatter).
            blocks.append(extra[:, :2] if self.feature_set >= 3 else extra)
            if self.feature_set >= 2:
                blocks.append(batch.genre_features())
        if self.claim_features and self._feature_claims is not None:
            # Nearest known claim's similarity, and the same value zeroed for posts that read as debunks.
            matches = self._feature_claims.match(char)
            sim = matches.similarity
            blocks.append(np.column_stack([sim, sim * (~batch.debunk)]).astype(np.float32))
        if self.embedding_features and self.embedder is not None:
            blocks.append(self.embedder.encode(batch.masked))
        return blocks, matches

    def _features(self, batch: PreparedBatch) -> sparse.csr_matrix:
        blocks, _ = self._blocks(batch)
        return sparse.hstack([sparse.csr_matrix(b) for b in blocks], format="csr")

    def _decision(self, lr: LogisticRegression, blocks: list[Any]) -> np.ndarray:
        """lr.decision_function without stacking the blocks (same arithmetic, block by block)."""
        coef = lr.coef_[0]
        out = np.full(blocks[0].shape[0], float(lr.intercept_[0]), dtype=np.float64)
        start = 0
        for block in blocks:
            width = block.shape[1]
            out += np.asarray(block @ coef[start : start + width], dtype=np.float64).ravel()
            start += width
        return out

    def _claim_embedder(self) -> Embedder:
        return self.embedder if self.embedder is not None else TfidfEmbedder(self.char)

    def _build_claim_index(self, thresholds: tuple[float, float] | None) -> None:
        embedder = self._claim_embedder()
        suggest, confirm = thresholds or CLAIM_THRESHOLDS[embedder.kind]
        previous = self.claims.claims if self.claims is not None else []
        claims = [*previous, *self._pending_claims]
        self.claims = ClaimIndex(
            embedder,
            self.preparer.mask_one,
            suggest_threshold=suggest,
            confirm_threshold=confirm,
            candidates_of=self.preparer.candidates_of,
        )
        self.claims.add(claims)
        self._pending_claims = []
        if embedder.kind == "tfidf":
            self._feature_claims = self.claims
        else:
            tfidf_suggest, tfidf_confirm = CLAIM_THRESHOLDS["tfidf"]
            self._feature_claims = ClaimIndex(
                TfidfEmbedder(self.char),
                self.preparer.mask_one,
                suggest_threshold=tfidf_suggest,
                confirm_threshold=tfidf_confirm,
            )
            self._feature_claims.add(claims)

    def set_claim_thresholds(self, suggest: float | None, confirm: float | None) -> None:
        """Override the card's claim thresholds (e.g. from config/monitor.toml); None keeps the card's."""
        if self._claim_thresholds is not None:
            current_suggest, current_confirm = self._claim_thresholds
        elif self.claims is not None:  # a loaded model: the card's values are in the index
            current_suggest, current_confirm = self.claims.suggest_threshold, self.claims.confirm_threshold
        else:
            current_suggest, current_confirm = CLAIM_THRESHOLDS[self._claim_embedder().kind]
        self._claim_thresholds = (
            current_suggest if suggest is None else suggest,
            current_confirm if confirm is None else confirm,
        )
        if self.claims is not None:
            self._build_claim_index(self._claim_thresholds)

    # -- Classifier protocol ------------------------------------------------------------------------
    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[int],
        *,
        fpr_rows: Sequence[bool] | None = None,
        sample_weight: Sequence[float] | None = None,
    ) -> HoaxClassifier:
        """Fit; with `target_fpr` set, the threshold is the lowest whose out-of-fold false-positive rate on
        the not-hoax rows marked in `fpr_rows` (real chatter) stays within it — the FPR decides, because at
        a few percent prevalence the false flags are what fill an officer's queue."""
        y = np.asarray(labels, dtype=int)
        if len(texts) != len(y):
            raise ValueError(f"{len(texts)} texts but {len(y)} labels")
        if set(np.unique(y)) != {0, 1}:
            raise ValueError("training needs both labels (0 = not hoax, 1 = hoax)")
        batch = self.preparer.prepare(list(texts))
        self.word.fit(batch.masked)
        self.char.fit(batch.masked)
        self._build_claim_index(self._claim_thresholds)
        X = self._features(batch)
        folds = int(min(5, np.bincount(y).min()))
        if folds < 2:
            raise ValueError("training needs at least two texts of each label")
        oof = np.zeros(len(y), dtype=np.float64)
        weights = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        for train_idx, test_idx in StratifiedKFold(folds, shuffle=True, random_state=13).split(X, y):
            fold_weights = None if weights is None else weights[train_idx]
            fold_model = self._cap_markers(
                self._new_lr().fit(X[train_idx], y[train_idx], sample_weight=fold_weights)
            )
            oof[test_idx] = fold_model.decision_function(X[test_idx])
        self.calibrator = fit_platt(oof, y)
        oof_prob = apply_platt(self.calibrator, oof)
        choices = {
            policy: choose_threshold(oof_prob, y, self.target_precision, policy=policy)
            for policy in THRESHOLD_POLICIES
        }
        choice = choices[self.threshold_policy]
        self.threshold = choice.threshold
        if self.target_fpr is not None:
            mask = np.ones(len(y), dtype=bool) if fpr_rows is None else np.asarray(fpr_rows, dtype=bool)
            negatives = np.sort(oof_prob[mask & (y == 0)])
            if negatives.size:
                allowed = int(np.floor(self.target_fpr * negatives.size))
                self.threshold = float(np.nextafter(negatives[negatives.size - allowed - 1], 1.0))
        self.lr = self._cap_markers(self._new_lr().fit(X, y, sample_weight=weights))
        self.fit_report = {
            "rows": int(len(y)),
            "positives": int(y.sum()),
            "cv_folds": folds,
            "threshold_policy": self.threshold_policy
            if self.target_fpr is None
            else f"lowest threshold with out-of-fold chatter FPR <= {self.target_fpr}",
            "threshold": self.threshold,
            "target_precision": self.target_precision,
            "threshold_choices": {
                policy: {
                    "threshold": c.threshold,
                    "precision": c.precision,
                    "recall": c.recall,
                    "f1": c.f1,
                    "met_target_precision": c.met_target,
                }
                for policy, c in choices.items()
            },
            "oof_probabilities": oof_prob,
        }
        return self

    def _vocab(self) -> np.ndarray:
        if self._vocab_cache is None or len(self._vocab_cache) != len(self.word.vocabulary_):
            self._vocab_cache = self.word.get_feature_names_out()
        return self._vocab_cache

    def _cap_markers(self, lr: LogisticRegression) -> LogisticRegression:
        """Feature set 3: the debunk / chain-message marker columns may inform, never decide (|w| capped)."""
        if self.feature_set >= 3 and self.extra_features:
            start = len(self.word.vocabulary_) + len(self.char.vocabulary_)
            lr.coef_[0, start : start + 2] = np.clip(
                lr.coef_[0, start : start + 2], -MARKER_WEIGHT_CAP, MARKER_WEIGHT_CAP
            )
        return lr

    def _new_lr(self) -> LogisticRegression:
        return LogisticRegression(
            C=self.C, solver="liblinear", class_weight="balanced", max_iter=2000, random_state=0
        )

    def add_claims(self, claims: Iterable[KnownClaim]) -> None:
        claims = list(claims)
        if self.claims is None:
            self._pending_claims.extend(claims)
            return
        self.claims.add(claims)
        if self._feature_claims is not None and self._feature_claims is not self.claims:
            self._feature_claims.add(claims)

    def _require_fitted(self) -> tuple[LogisticRegression, LogisticRegression, ClaimIndex]:
        if self.lr is None or self.calibrator is None or self.claims is None:
            raise ClassifierError("the classifier is not fitted: call fit() or load a model folder")
        return self.lr, self.calibrator, self.claims

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated hoax probabilities only (no topics, claims or reasons)."""
        lr, calibrator, _ = self._require_fitted()
        blocks, _ = self._blocks(self.preparer.prepare(list(texts)))
        return apply_platt(calibrator, self._decision(lr, blocks))

    def predict(self, texts: Sequence[str]) -> list[Score]:
        lr, calibrator, claim_index = self._require_fitted()
        if len(texts) == 0:
            return []
        batch = self.preparer.prepare(list(texts))
        blocks, feature_matches = self._blocks(batch)
        word, char = blocks[0], blocks[1]
        probs = apply_platt(calibrator, self._decision(lr, blocks))
        if feature_matches is not None and claim_index is self._feature_claims:
            matches = feature_matches
        elif self.embedder is None:
            matches = claim_index.match(char)
        else:
            matches = claim_index.match(claim_index.encode_posts(batch.masked))
        threshold = float(self.threshold)
        # Feature set 2: a post that plainly asks whether a claim is true ("... itu benar gak sih?") is not
        # flagged by a claim match alone, like a debunk quoting it (its own score still decides).
        asking = (
            batch.genre_features()[:, 2] >= 1.0 if self.feature_set >= 2 else np.zeros(len(probs), dtype=bool)
        )
        # Feature set 3: an invitation to vote with no debunk match is not flagged on its score alone.
        invites = (
            batch.call_to_vote
            if self.feature_set >= 3 and batch.call_to_vote is not None
            else np.zeros(len(probs), dtype=bool)
        )
        # Top terms are only shown for posts at or above the threshold: compute them for those rows only.
        above = np.flatnonzero(probs >= threshold)
        terms: list[list[str]] = [[] for _ in range(len(probs))]
        if above.size:
            for row, found in zip(
                above, top_terms(word[above], lr.coef_[0, : word.shape[1]], self._vocab()), strict=True
            ):
                terms[row] = found
        scores: list[Score] = []
        for i, relevance in enumerate(batch.relevance):
            status = matches.status[i]
            claim = None
            if status is not None:
                claim = claim_index.claims[matches.prefer_candidates(i, relevance.candidates, claim_index)]
            debunk_term = batch.debunk_terms[i]
            if debunk_term is None and batch.fact_checked is not None:
                debunk_term = batch.fact_checked[i]
            prob = float(probs[i])
            fact = None
            if matches.fact_index is not None and matches.fact_index[i] >= 0:
                fact_sim = float(matches.fact_similarity[i])
                if fact_sim >= float(matches.similarity[i]):
                    fact = claim_index.claims[int(matches.fact_index[i])]
            # A confirmed match to a debunk flags the post, unless the post itself reads as a debunk quoting
            # the claim, plainly asks whether it is true, or is nearer to a known true fact.
            # Feature set 3: a post that reads as a debunk by its content ("tidak benar", "[HOAKS]",
            # "dibantah"; surface markers like "Faktanya" no longer count) is never flagged on its score.
            by_score = (
                prob >= threshold
                and not (invites[i] and status is None)
                and not (self.feature_set >= 3 and debunk_term is not None)
            )
            flagged = by_score or (
                status == CLAIM_CONFIRMED and debunk_term is None and not asking[i] and fact is None
            )
            topics = list(relevance.topics) or ["other"]
            scores.append(
                Score(
                    hoax_score=prob,
                    flagged=bool(flagged),
                    topics=topics,
                    candidates=list(relevance.candidates),
                    matched_claim=claim.claim if claim is not None else None,
                    matched_claim_id=claim.id if claim is not None else None,
                    claim_similarity=float(matches.similarity[i]) if claim is not None else None,
                    claim_status=status,
                    reasons=build_reasons(
                        score=prob,
                        threshold=threshold,
                        flagged=bool(flagged),
                        terms=terms[i],
                        claim_text=claim.claim if claim is not None else None,
                        claim_status=status,
                        claim_similarity=float(matches.similarity[i]),
                        debunk_term=debunk_term,
                        off_topic=bool(getattr(relevance, "off_topic", False)),
                        claim=claim,
                        fact=fact,
                    ),
                )
            )
        return scores

    # -- persistence ---------------------------------------------------------------------------------
    def describe(self) -> dict[str, Any]:
        claim_index = self._require_fitted()[2]
        return {
            "version": self.version,
            "threshold": float(self.threshold),
            "target_precision": self.target_precision,
            "threshold_policy": self.threshold_policy,
            "claim_thresholds": {
                "suggested": claim_index.suggest_threshold,
                "confirmed": claim_index.confirm_threshold,
            },
            "keywords_version": self.preparer.keywords_version,
            "features": {
                "word_tfidf": {"ngram_range": [1, 2], "vocabulary": len(self.word.vocabulary_)},
                "char_tfidf": {
                    "analyzer": "char_wb",
                    "ngram_range": [2, 5],
                    "vocabulary": len(self.char.vocabulary_),
                },
                "feature_set": self.feature_set,
                "extra": (
                    [
                        *(EXTRA_FEATURE_NAMES[:2] if self.feature_set >= 3 else EXTRA_FEATURE_NAMES),
                        *(GENRE_FEATURE_NAMES if self.feature_set >= 2 else ()),
                    ]
                    if self.extra_features
                    else []
                ),
                "claim_similarity": self.claim_features,
                "embedding": self.embedding_features,
                "candidate_masking": True,
            },
            "estimator": {
                "type": "LogisticRegression",
                "C": self.C,
                "class_weight": "balanced",
                "calibration": "Platt scaling on 5-fold out-of-fold decision values",
            },
            "embedder": self._claim_embedder().describe(),
            "claims": len(claim_index),
        }

    def save(self, folder: Path, card_extra: dict[str, Any] | None = None) -> Path:
        lr, calibrator, claim_index = self._require_fitted()
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        state = {
            "word": self.word,
            "char": self.char,
            "lr": lr,
            "calibrator": calibrator,
            "extra_features": self.extra_features,
            "claim_features": self.claim_features,
            "embedding_features": self.embedding_features,
            "feature_set": self.feature_set,
        }
        dump_state(state, folder / MODEL_FILE)
        if self.keywords_file.resolve() != (folder / KEYWORDS_FILE).resolve():
            shutil.copyfile(self.keywords_file, folder / KEYWORDS_FILE)
        write_known_claims(folder / CLAIMS_FILE, claim_index.claims)
        if self.embedder is not None and self.embedding_features:
            self.embedder.model.save(str(folder / EMBEDDER_DIR))
        card = {"created_at": datetime.now(UTC).isoformat(timespec="seconds"), **self.describe()}
        card.update(card_extra or {})
        self.card = card
        (folder / CARD_FILE).write_text(
            json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        return folder

    def use_keywords(self, keywords: KeywordsConfig) -> None:
        """Mask and match with the ACTIVE keywords (a new election's candidates, without retraining); a
        version different from the one the model was trained with is logged and kept in
        `keywords_mismatch` for the CLI and dashboard to show."""
        trained = self.preparer.keywords_version
        self.preparer = TextPreparer(self.keywords_file, keywords, strip_markers=self.feature_set >= 3)
        active = self.preparer.keywords_version
        self.keywords_mismatch = (
            None
            if active == trained
            else f"model dilatih dengan kata kunci versi {trained}, konfigurasi aktif versi {active}"
        )
        if self.keywords_mismatch:
            log.warning("keywords version mismatch: model %s, active config %s", trained, active)
        if self.claims is not None:
            self._build_claim_index((self.claims.suggest_threshold, self.claims.confirm_threshold))

    @classmethod
    def load(
        cls, folder: Path, *, embedder_setting: str | None = None, keywords: KeywordsConfig | None = None
    ) -> HoaxClassifier:
        """Load a model folder; `keywords` (the active config) replaces the folder's copy for masking."""
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
        embedder: Embedder | None = None
        if state.get("embedding_features"):
            embedder = Embedder.from_setting(str(folder / EMBEDDER_DIR))
            if not isinstance(embedder, SentenceTransformerEmbedder):
                raise ClassifierError(
                    f"{folder / EMBEDDER_DIR}: the model's embedding model cannot be loaded"
                )
        elif embedder_setting:
            loaded = Embedder.from_setting(embedder_setting)
            embedder = loaded if isinstance(loaded, SentenceTransformerEmbedder) else None
        model = cls(
            folder / KEYWORDS_FILE,
            claim_features=bool(state.get("claim_features", False)),
            version=str(card.get("version", folder.name)),
            embedder=embedder,
            embedding_features=bool(state.get("embedding_features")),
            extra_features=bool(state.get("extra_features", True)),
            feature_set=int(state.get("feature_set", 1)),
        )
        model.word, model.char = state["word"], state["char"]
        model.lr, model.calibrator = state["lr"], state["calibrator"]
        model.threshold = float(card.get("threshold", 0.5))
        model.card = card
        claims = list(read_known_claims(folder / CLAIMS_FILE)) if (folder / CLAIMS_FILE).is_file() else []
        kind = "tfidf" if embedder is None else embedder.kind
        same_kind = (card.get("embedder") or {}).get("kind", "tfidf") == kind
        thresholds = card.get("claim_thresholds") if same_kind else None
        model._pending_claims = claims
        model._build_claim_index(
            (float(thresholds["suggested"]), float(thresholds["confirmed"])) if thresholds else None
        )
        if keywords is not None:
            model.use_keywords(keywords)
        return model
