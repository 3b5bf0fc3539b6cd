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
@click.option(
    "--day",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Day to judge (default: yesterday in the region's time zone).",
)
@click.option(
    "--from",
    "first",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Backfill: judge every day from this one to --day (or --to).",
)
@click.option("--to", "last", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Last day of a backfill.")
@click.option(
    "--basis",
    type=click.Choice(["onset", "report"]),
    default="onset",
    show_default=True,
    help="Count cases by onset date or by report date.",
)
@click.option(
    "--level",
    type=click.Choice(["county", "township", "city"]),
    default="county",
    show_default=True,
    help="Area level of the series (GB/T 2260 digits of the patient's home address).",
)
def run(
    day: dt.datetime | None, first: dt.datetime | None, last: dt.datetime | None, basis: str, level: str
) -> None:
    """Detect on every disease x area series of a day from the shared record; store new signals."""
    from tiercare.core.surveillance.notifiable import default_catalogue
    from tiercare.services.surveillance import run_days

    catalogue = default_catalogue()
    end = last or day
    judged = (
        end.date() if end else dt.datetime.now(ZoneInfo(catalogue.timezone)).date() - dt.timedelta(days=1)
    )
    begin = first.date() if first else judged
    reports = run_days(_store(), catalogue, begin, judged, basis=basis, level=level)  # type: ignore[arg-type]
    for report in reports if len(reports) <= 31 else []:
        click.echo(
            f"{report.day}: {report.series} series ({report.level}, by {report.basis}), "
            f"{report.alarms} alarm(s), {report.new_signals} new signal(s)"
        )
    if len(reports) > 1:
        click.echo(
            f"{begin} to {judged}: {len(reports)} days, {sum(r.alarms for r in reports)} alarm(s), "
            f"{sum(r.new_signals for r in reports)} new signal(s)"
        )


@surveillance_platform.command("timeliness")
@click.option(
    "--from", "start", type=click.DateTime(["%Y-%m-%d"]), required=True, help="First diagnosis day."
)
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), required=True, help="Last diagnosis day.")
def timeliness_cmd(start: dt.datetime, end: dt.datetime) -> None:
    """Share of notifiable cases reported within 2 h / 24 h of diagnosis (报告及时率)."""
    from tiercare.core.surveillance.notifiable import default_catalogue
    from tiercare.services.surveillance import timeliness

    for row in timeliness(_store(), default_catalogue(), start.date(), end.date()):
        rate = "n/a" if row["rate"] is None else f"{100 * row['rate']:.1f}%"
        click.echo(f"within {row['limit']:>3}: {row['on_time']}/{row['cases']} cases on time ({rate})")


@surveillance_platform.command("truth")
@click.argument("region", type=click.Path(exists=True, file_okay=False))
@click.option(
    "--lead-days",
    type=int,
    default=7,
    show_default=True,
    help="Signals up to this many days before an outbreak's first day count for it.",
)
def truth_cmd(region: str, lead_days: int) -> None:
    """Compare stored signals with a synthetic region's injected outbreaks (truth/outbreaks.csv)."""
    import csv
    from pathlib import Path

    from tiercare.core.errors import InvalidInput
    from tiercare.core.surveillance.truth import Outbreak, SignalRef, compare

    path = Path(region) / "truth" / "outbreaks.csv"
    if not path.is_file():
        raise InvalidInput(f"{path} does not exist: give the folder written by `tiercare synth`")
    with path.open(encoding="utf-8") as fh:
        outbreaks = [
            Outbreak(
                r["outbreak_id"],
                r["disease"],
                r["area"],
                r["county"],
                dt.date.fromisoformat(r["first_day"]),
                dt.date.fromisoformat(r["last_day"]),
                int(r["extra_cases"]),
            )
            for r in csv.DictReader(fh)
        ]
    signals = [
        SignalRef(r["disease"], r["area"], dt.date.fromisoformat(r["detected_on"]))
        for r in _store().list_signals(limit=1000)
    ]
    results, false = compare(signals, outbreaks, lead_days)
    for res in results:
        o = res.outbreak
        seen = f"first signal {res.first_signal} ({res.delay_days:+d} d)" if res.detected else "MISSED"
        click.echo(
            f"{o.outbreak_id:14} {o.disease:14} {o.area:13} {o.first_day}..{o.last_day} "
            f"+{o.extra_cases:<4} {res.signals} signal(s), {seen}"
        )
    caught = sum(r.detected for r in results)
    click.echo(
        f"detected {caught}/{len(results)} outbreaks; {len(false)} of {len(signals)} signals outside every outbreak"
    )
