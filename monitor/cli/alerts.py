"""`monitor alerts ...`: send a test message through a channel, run one check (what the scheduler runs)."""

from __future__ import annotations

import json

import typer

from monitor.cli.app import UserError, app, console, handles_errors, settings

alerts_app = typer.Typer(help="Spike alerts and their channels. Peringatan lonjakan.", no_args_is_help=True)
app.add_typer(alerts_app, name="alerts")


@alerts_app.command("test")
@handles_errors
def test(channel: str = typer.Argument(..., help="A channel name from config/alerts.yml.")) -> None:
    """Send a test message through one channel."""
    from monitor import alerts as alerting
    from monitor.alerts.channels import DeliveryError

    cfg = settings()
    try:
        answer = alerting.send_test(cfg, channel)
    except DeliveryError as exc:
        raise UserError(f"channel {channel!r}: {exc}") from None
    console.print(f"sent via {channel}: {answer}", highlight=False)


@alerts_app.command("check")
@handles_errors
def check(as_json: bool = typer.Option(False, "--json", help="Print the counts as JSON.")) -> None:
    """Group waiting posts, fire alerts for new spikes and deliver what is due (what the scheduler runs)."""
    from monitor import alerts as alerting

    report = alerting.scheduled_check(settings())
    if as_json:
        typer.echo(json.dumps(report.as_dict()))
    else:
        console.print(" ".join(f"{k}={v}" for k, v in report.as_dict().items()), highlight=False)
