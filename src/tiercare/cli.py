"""The `tiercare` command line (命令行). Every command has a one-line purpose in --help.

A failure prints one line ``error: ...`` on stderr and exits 1 (the traceback only with
``--debug``); Ctrl-C exits 130 after releasing what the command started.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import traceback
from collections.abc import Callable
from typing import Any

import click

from tiercare import __version__
from tiercare.bootstrap import Container, build
from tiercare.config import load_settings
from tiercare.core.errors import ConfigError, TierCareError


class Ctx:
    """Lazily built container shared by the commands of one invocation."""

    def __init__(self) -> None:
        self._container: Container | None = None

    @property
    def container(self) -> Container:
        if self._container is None:
            self._container = build(load_settings())
        return self._container

    def close(self) -> None:
        if self._container is not None:
            self._container.close()
            self._container = None


_CTX = Ctx()


def _echo(msg: str) -> None:
    click.echo(msg)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--debug", is_flag=True, help="Show tracebacks on errors.")
@click.version_option(__version__, prog_name="tiercare")
def cli(debug: bool) -> None:
    """TierCare: regional shared health record, registries, tiered care and early warning.

    Settings come from TIERCARE_* environment variables (see `tiercare config`).
    """


# ---- db ------------------------------------------------------------------
@cli.group()
def db() -> None:
    """Run the embedded PostgreSQL and apply migrations."""


def _embedded_or_fail() -> Any:
    container = _CTX.container
    emb = container.database.embedded
    if emb is None:
        raise ConfigError("TIERCARE_DATABASE_URL is set: the embedded server is not used")
    return emb


@db.command("start")
def db_start() -> None:
    """Start the embedded PostgreSQL and keep it running; apply migrations."""
    emb = _embedded_or_fail()
    st = emb.start(pin=True)
    applied = _CTX.container.database.upgrade()
    _echo(f"PostgreSQL running (pid {st.pid}), data in {st.data_dir}")
    if applied:
        _echo(f"applied {len(applied)} migration(s); schema at version {applied[-1].version}")


@db.command("stop")
def db_stop() -> None:
    """Stop the embedded PostgreSQL."""
    emb = _embedded_or_fail()
    _echo("PostgreSQL stopped" if emb.stop() else "PostgreSQL was not running")


@db.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def db_status(as_json: bool) -> None:
    """Show whether the database runs, where, and its schema version."""
    container = _CTX.container
    database = container.database
    info: dict[str, Any] = {"database": database.describe()}
    emb = database.embedded
    if emb is not None:
        st = emb.status()
        info.update(running=st.running, pid=st.pid, pinned=st.pinned, leases=st.leases)
        if st.running:
            info["schema_version"] = database.version()
    else:
        info["schema_version"] = database.version()
        info["running"] = True
    if as_json:
        _echo(json.dumps(info))
    else:
        for k, v in info.items():
            _echo(f"{k:15} {v}")


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply pending SQL migrations (under an advisory lock)."""
    applied = _CTX.container.database.upgrade()
    version = _CTX.container.database.version()
    if applied:
        for m in applied:
            _echo(f"applied {m.path.name}")
    _echo(f"schema at version {version}")


@db.command("psql", context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def db_psql(args: tuple[str, ...]) -> None:
    """Open psql on the database (extra arguments go to psql)."""
    database = _CTX.container.database
    emb = database.embedded
    if emb is not None:
        argv = emb.psql_argv()
    else:
        argv = ["psql", database.url()]
    code = subprocess.call([*argv, *args])
    if code:
        raise SystemExit(code)


# ---- config, token -------------------------------------------------------
@cli.command("config")
def config_cmd() -> None:
    """Print the effective settings, secrets masked."""
    settings = load_settings()
    for key, value in settings.masked().items():
        _echo(f"{key:16} {value}")


@cli.group()
def token() -> None:
    """Issue and revoke API bearer tokens."""


@token.command("create")
@click.argument("name")
@click.option("--days", type=int, default=None, help="Expire after this many days (default: never).")
def token_create(name: str, days: int | None) -> None:
    """Issue a bearer token for NAME (printed once)."""
    from tiercare.adapters.postgres.tokens import create_token

    database = _CTX.container.database
    database.upgrade()
    with database.connect(autocommit=True) as conn:
        _echo(create_token(conn, name, days))


@token.command("revoke")
@click.argument("name")
def token_revoke(name: str) -> None:
    """Revoke every token issued to NAME."""
    from tiercare.adapters.postgres.tokens import revoke_token

    with _CTX.container.database.connect(autocommit=True) as conn:
        _echo(f"revoked {revoke_token(conn, name)} token(s)")


# ---- serve, demo ---------------------------------------------------------
def _serve(host: str | None, port: int | None, banner: Callable[[str], None] | None = None) -> None:
    import uvicorn

    from tiercare.adapters.postgres.embedded import port_free
    from tiercare.api.app import create_app

    container = _CTX.container
    settings = container.settings
    host = host or settings.host
    port = settings.port if port is None else port
    if port and not port_free(host, port):
        raise ConfigError(f"port {port} on {host} is already in use (set TIERCARE_PORT or --port)")
    container.database.upgrade()
    app = create_app(container)
    url = f"http://{host}:{port}"
    if banner:
        banner(url)
    else:
        _echo(f"TierCare API on {url}  (FHIR base {url}/fhir/R4; Ctrl-C to stop)")
    config = uvicorn.Config(app, host=host, port=port, log_level=settings.log_level, access_log=False,
                            lifespan="off", server_header=False)
    uvicorn.Server(config).run()


@cli.command("serve")
@click.option("--host", default=None, help="Bind address (default TIERCARE_HOST, 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default TIERCARE_PORT, 8080).")
def serve(host: str | None, port: int | None) -> None:
    """Serve the FHIR API, registry APIs and web pages."""
    _serve(host, port)


@cli.command("demo")
@click.option("--port", type=int, default=None, help="Port (default TIERCARE_PORT, 8080).")
@click.option("--residents", type=int, default=5000, show_default=True,
              help="Residents of the synthetic region loaded into an empty store (0: load nothing).")
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the synthetic region.")
@click.pass_context
def demo(ctx: click.Context, port: int | None, residents: int, seed: int) -> None:
    """Set up, load a synthetic region and serve: the main job."""
    import time
    from pathlib import Path

    from tiercare.adapters.postgres.tokens import create_token

    container = _CTX.container
    database = container.database
    applied = database.upgrade()
    _echo(f"database ready ({database.describe()}), schema version {database.version()}"
          + (f", {len(applied)} migration(s) applied" if applied else ""))
    with database.connect(autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM fhir_resource WHERE resource_type = 'Patient'").fetchone()
        patients = int(row[0]) if row else 0
        tok = create_token(conn, "demo", days=7)
    if residents > 0 and patients == 0:
        from tiercare.fhir_cli import fhir_import
        from tiercare.synth.cli import synth

        region = Path(container.settings.home) / "demo-region" / f"r{residents}-s{seed}"
        started = time.perf_counter()
        if not (region / "manifest.json").exists():
            _echo(f"generating a synthetic region of {residents:,} residents (seed {seed}) in {region}")
            ctx.invoke(synth, residents=residents, years=1, seed=seed, out_dir=region, compress=False, jobs=1,
                       params_file=None, report_dir=None)
        _echo("loading it into the FHIR store")
        try:
            ctx.invoke(fhir_import, target=region, batch_size=2000)
        except SystemExit as exc:
            if exc.code:
                raise TierCareError("the synthetic region did not load cleanly (see the rejected lines above)") from None
        # The registry and early warning over what was loaded (bulk import bypasses the
        # real-time registry by design: a batch link is the way after a load).
        import datetime as dt
        import json

        from tiercare.mpi.cli import link as mpi_link
        from tiercare.surveillance.run_cli import run as surveillance_run

        _echo("linking the registry's records into persons")
        ctx.invoke(mpi_link, seed=0, today=None)
        manifest = json.loads((region / "manifest.json").read_text(encoding="utf-8"))
        first = dt.datetime.fromisoformat(manifest["start"])
        last = first + dt.timedelta(days=int(manifest["days"]) - 1)
        _echo(f"early warning over {first:%Y-%m-%d} .. {last:%Y-%m-%d}")
        ctx.invoke(surveillance_run, day=None, first=first, last=last, basis="onset", level="county")
        _echo(f"region ready in {time.perf_counter() - started:.0f} s")
    elif patients:
        _echo(f"the store already holds {patients:,} Patient records: nothing loaded")

    def banner(url: str) -> None:
        _echo("")
        _echo(f"  TierCare is running at {url}")
        _echo(f"  health:   {url}/health")
        _echo(f"  FHIR:     {url}/fhir/R4/metadata")
        _echo(f"  signals:  {url}/api/surveillance/signals    registry reviews: {url}/api/mpi/reviews")
        _echo(f"  token:    {tok}")
        _echo(f"  try:      curl -G -H 'Authorization: Bearer {tok}' --data-urlencode 'name=张伟' '{url}/fhir/R4/Patient'")
        _echo("  Ctrl-C stops the server (and the embedded database it started).")
        _echo("")

    _serve(None, port, banner)


# ---- feature commands (registered like extensions) -------------------------
def _register_feature_commands() -> None:
    from tiercare.plugins import commands

    for command in commands():
        existing = cli.commands.get(command.name or "")
        if existing is None:
            cli.add_command(command)
        elif isinstance(existing, click.Group) and isinstance(command, click.Group):
            # groups of the same name merge: an extension can add subcommands to a built-in group
            for name, sub in command.commands.items():
                existing.commands.setdefault(name, sub)


# ---- entry point ---------------------------------------------------------
def _on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv or os.environ.get("TIERCARE_DEBUG") == "1"
    signal.signal(signal.SIGTERM, _on_sigterm)
    code = 0
    try:
        _register_feature_commands()
        cli.main(args=argv, prog_name="tiercare", standalone_mode=False)
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.ClickException as exc:
        exc.show()
        code = exc.exit_code
    except (KeyboardInterrupt, click.exceptions.Abort):
        click.echo("interrupted", err=True)
        code = 130
    except TierCareError as exc:
        if debug:
            traceback.print_exc()
        click.echo(f"error: {exc.message}", err=True)
        code = 1
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except Exception as exc:
        if debug:
            traceback.print_exc()
        click.echo(f"error: unexpected {type(exc).__name__} (run with --debug for details)", err=True)
        code = 1
    finally:
        try:
            _CTX.close()
        except Exception:
            pass
    return code


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
