"""`monitor tipline ...`: the citizen tipline "Lindungi Hakmu" (run, notify, purge, stats).

Settings: config/tipline.yml; secrets come from the environment variables it names (see docs/tipline.md).
"""

from __future__ import annotations

import signal
import threading
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from monitor.cli.app import UserError, app, console, handles_errors, open_database, settings
from monitor.config import ConfigError, Settings
from monitor.store import Database
from monitor.store.weeks import WeekError, parse_week, week_of
from monitor.tipline import (
    Channel,
    TipKeys,
    Tipline,
    TiplineConfig,
    citizen_questions,
    load_tipline_config,
    notify_decided_tips,
    purge_expired,
)
from monitor.tipline.config import require_env

tipline_app = typer.Typer(
    help="Citizen tipline on Telegram and WhatsApp. Layanan cek pesan warga.", no_args_is_help=True
)
app.add_typer(tipline_app, name="tipline")


def _tipline(cfg: Settings, db: Database, config: TiplineConfig) -> Tipline:
    from monitor.scoring import load_active_classifier

    model = load_active_classifier(cfg, db)
    tipline = Tipline(db, config, TipKeys(config.secret()), model, timezone=cfg.timezone)
    console.print(f"model {model.version}: {tipline.refresh_claims()} known claim(s) from the database")
    return tipline


def _channels(config: TiplineConfig, stop: threading.Event, *, telegram: bool = True) -> list[Channel]:
    channels: list[Channel] = []
    if telegram and config.telegram.enabled:
        from monitor.tipline.telegram import TelegramChannel

        token = require_env(config.telegram.token_env, "the Telegram bot token")
        channels.append(TelegramChannel(config.telegram, token, stop_event=stop))
    if config.whatsapp.enabled:
        from monitor.tipline.whatsapp import WhatsAppChannel

        token = require_env(config.whatsapp.token_env, "the WhatsApp access token")
        try:
            channels.append(WhatsAppChannel(config.whatsapp, token, stop_event=stop))
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
    return channels


def _stop_on_signals(stop: threading.Event) -> None:
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())


@tipline_app.command("run")
@handles_errors
def run(
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Webhook address (WhatsApp, Telegram webhook mode)."
    ),
    port: int = typer.Option(8788, "--port", help="Webhook port; put it behind the district's HTTPS proxy."),
    telegram_webhook: bool = typer.Option(
        False, "--telegram-webhook", help="Receive Telegram by webhook (after setWebhook) instead of polling."
    ),
    config_file: Path = typer.Option(None, "--config", help="Another tipline settings file."),
) -> None:
    """Run the bot: Telegram long polling, the WhatsApp webhook when enabled, replies and verdicts."""
    cfg = settings()
    config = load_tipline_config(cfg, config_file)
    stop = threading.Event()
    _stop_on_signals(stop)
    channels = _channels(config, stop)
    if not channels:
        raise UserError("config/tipline.yml enables no channel (telegram.enabled, whatsapp.enabled)")
    with open_database(cfg) as db:
        tipline = _tipline(cfg, db, config)
        from monitor.tipline.service import Housekeeping
        from monitor.tipline.webhook import WebhookSecrets, WebhookServer, create_app, run_outbox

        secrets = WebhookSecrets(
            whatsapp_app_secret=require_env(config.whatsapp.app_secret_env, "the WhatsApp app secret")
            if config.whatsapp.enabled
            else None,
            whatsapp_verify_token=require_env(config.whatsapp.verify_token_env, "the WhatsApp verify token")
            if config.whatsapp.enabled
            else None,
            telegram_secret=require_env(config.telegram.webhook_secret_env, "the Telegram webhook secret")
            if telegram_webhook
            else None,
        )
        server = None
        if secrets.whatsapp_app_secret or secrets.telegram_secret:
            server = WebhookServer(create_app(tipline, secrets), host, port).start()
            console.print(f"webhooks listening on {server.url} (/whatsapp, /telegram, /healthz)")
        polling = next((c for c in channels if c.name == "telegram"), None) if not telegram_webhook else None
        try:
            if polling is not None:
                from monitor.tipline.telegram import run_polling

                others = [c for c in channels if c is not polling]
                worker = threading.Thread(
                    target=run_outbox, args=(tipline, others), kwargs={"stop_event": stop}, daemon=True
                )
                if others:
                    worker.start()
                console.print("Telegram: long polling (Ctrl-C to stop)")
                run_polling(tipline, polling, stop_event=stop, on_tick=Housekeeping(tipline, [polling]))
                if others:
                    worker.join(timeout=30)
            else:
                run_outbox(tipline, channels, stop_event=stop)
        finally:
            if server is not None:
                server.stop()
    console.print("tipline stopped")


@tipline_app.command("notify")
@handles_errors
def notify(
    config_file: Path = typer.Option(None, "--config", help="Another tipline settings file."),
) -> None:
    """Send officers' verdicts to citizens who asked and agreed (each once). For the scheduler or cron."""
    cfg = settings()
    config = load_tipline_config(cfg, config_file)
    stop = threading.Event()
    channels = _channels(config, stop)
    with open_database(cfg) as db:
        keys = TipKeys(config.secret())
        result = notify_decided_tips(db, config, keys, channels, timezone=cfg.timezone)
    console.print(f"verdicts queued: {result.queued}; messages sent: {result.sent}")


@tipline_app.command("purge")
@handles_errors
def purge() -> None:
    """Delete citizens' tipline data older than retention_days (config/tipline.yml)."""
    cfg = settings()
    config = load_tipline_config(cfg)
    with open_database(cfg) as db:
        counts = purge_expired(db, config)
    console.print(
        f"retention {config.retention_days} days: deleted "
        + ", ".join(f"{name} {count}" for name, count in counts.items())
    )


@tipline_app.command("stats")
@handles_errors
def stats(
    week: str = typer.Option(None, "--week", help="ISO week such as 2024-W07; default this week."),
) -> None:
    """The weekly report's "Pertanyaan warga": tips received and how they were answered."""
    cfg = settings()
    tz = ZoneInfo(cfg.timezone)
    try:
        window = parse_week(week, tz) if week else week_of(datetime.now(tz), tz)
    except WeekError as exc:
        raise UserError(str(exc)) from None
    with open_database(cfg) as db:
        numbers = citizen_questions(db, window.bounds[0], window.bounds[-1])
    table = Table(title=f"Pertanyaan warga {window.year}-W{window.week:02d}")
    table.add_column("Ukuran")
    table.add_column("Nilai", justify="right")
    median = numbers.median_answer_seconds
    for label, value in (
        ("Pertanyaan masuk", numbers.received),
        ("Dijawab otomatis", numbers.answered_automatically),
        ("Dijawab petugas", numbers.answered_by_officers),
        ("Menunggu", numbers.waiting),
        ("Median waktu jawab", "-" if median is None else f"{median / 60:.1f} menit"),
    ):
        table.add_row(label, str(value))
    console.print(table)
