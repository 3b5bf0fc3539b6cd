"""`tiercare surveillance run` and `tiercare surveillance timeliness`: the routine daily
run over the shared record, and reporting timeliness (日常预警运行、报告及时率).
These join the `surveillance` command group (see plugins: groups of the same name merge)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import click

if TYPE_CHECKING:
    from tiercare.adapters.postgres.surveillance import PgSurveillance


def _store() -> PgSurveillance:
    from tiercare.adapters.postgres.surveillance import PgSurveillance
    from tiercare.cli import _CTX

    container = _CTX.container
    container.database.upgrade()
    return PgSurveillance(container.database.connection)


@click.group("surveillance")
def surveillance_platform() -> None:
    """Run early-warning detectors and review their signals."""


@surveillance_platform.command("run")
@click.option("--day", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Day to judge (default: yesterday in the region's time zone).")
@click.option("--basis", type=click.Choice(["onset", "report"]), default="onset", show_default=True,
              help="Count cases by onset date or by report date.")
@click.option("--level", type=click.Choice(["county", "township", "city"]), default="county", show_default=True,
              help="Area level of the series (GB/T 2260 digits of the patient's home address).")
def run(day: dt.datetime | None, basis: str, level: str) -> None:
    """Detect on every disease x area series of a day from the shared record; store new signals."""
    from tiercare.core.surveillance.notifiable import default_catalogue
    from tiercare.services.surveillance import run_day

    catalogue = default_catalogue()
    judged = day.date() if day else dt.datetime.now(ZoneInfo(catalogue.timezone)).date() - dt.timedelta(days=1)
    report = run_day(_store(), catalogue, judged, basis=basis, level=level)  # type: ignore[arg-type]
    click.echo(f"{report.day}: {report.series} series ({report.level}, by {report.basis}), "
               f"{report.alarms} alarm(s), {report.new_signals} new signal(s)")


@surveillance_platform.command("timeliness")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), required=True, help="First diagnosis day.")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), required=True, help="Last diagnosis day.")
def timeliness_cmd(start: dt.datetime, end: dt.datetime) -> None:
    """Share of notifiable cases reported within 2 h / 24 h of diagnosis (报告及时率)."""
    from tiercare.core.surveillance.notifiable import default_catalogue
    from tiercare.services.surveillance import timeliness

    for row in timeliness(_store(), default_catalogue(), start.date(), end.date()):
        rate = "n/a" if row["rate"] is None else f"{100 * row['rate']:.1f}%"
        click.echo(f"within {row['limit']:>3}: {row['on_time']}/{row['cases']} cases on time ({rate})")
