"""Distributed mode: `monitor worker` and `monitor beat` (README "Distributed mode")."""

from __future__ import annotations

import typer

from monitor.cli.app import UserError, app, console, handles_errors, open_database, settings


@app.command()
@handles_errors
def worker(
    queues: str = typer.Option(
        "collect,score,alerts", "--queues", "-Q", help="Queues to consume: collect, score, alerts."
    ),
    concurrency: int = typer.Option(None, "--concurrency", "-c", help="Worker processes (default: cores)."),
    pool: str = typer.Option("prefork", "--pool", help="prefork (processes) or solo (one, in this process)."),
    loglevel: str = typer.Option("INFO", "--loglevel", help="DEBUG, INFO, WARNING or ERROR."),
) -> None:
    """Run a distributed-mode worker: takes tasks from RabbitMQ, writes to the shared PostgreSQL store."""
    from monitor.distributed.run import parse_queues, run_worker

    cfg = settings()
    try:
        chosen = parse_queues(queues)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if pool not in ("prefork", "solo", "threads"):
        raise UserError(f"--pool must be prefork, solo or threads, got {pool!r}")
    with open_database(cfg) as db:
        console.print(f"worker: queues {','.join(chosen)}, store {db.safe_url}", highlight=False)
    raise typer.Exit(run_worker(cfg, chosen, concurrency=concurrency, pool=pool, loglevel=loglevel))


@app.command()
@handles_errors
def beat(
    loglevel: str = typer.Option("INFO", "--loglevel", help="DEBUG, INFO, WARNING or ERROR."),
) -> None:
    """Run the distributed-mode schedule (one per store): sends collect, score and alert tasks when due."""
    from monitor.distributed.run import BeatAlreadyRunning, run_beat

    cfg = settings()
    with open_database(cfg) as db:
        console.print(f"beat: store {db.safe_url}", highlight=False)
        try:
            code = run_beat(cfg, db, loglevel=loglevel)
        except BeatAlreadyRunning as exc:
            raise UserError(str(exc)) from None
    raise typer.Exit(code)
