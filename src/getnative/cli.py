"""The `getnative` command: serve, migrate, import, demo.

Heavy modules (SQLAlchemy, Alembic, Granian) are imported by the commands that use them, so that
`--version`, `--help` and configuration errors answer at once.
"""

from __future__ import annotations

import argparse
import copy
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from getnative import logs
from getnative.config import InsecureConfigurationError, Settings, get_settings
from getnative.logs import LogFormat, log_config

if TYPE_CHECKING:
    from getnative.db import Database

DEMO_CATALOG = Path(__file__).parent / "demo" / "catalog.yaml"
# Granian imports the app in every worker process, so it needs an import string, not an object.
APP_FACTORY = "getnative.web.app:create_app"
WORKER_KILL_MARGIN_SECONDS = 5
logger = logging.getLogger("getnative.cli")


class CommandFailed(Exception):
    """An expected failure: its message goes to stderr, exit status 1, no traceback."""


def package_version() -> str:
    try:
        return version("getnative")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown"


def _migrate(settings: Settings) -> Database:
    """Open the database and bring its schema up to date; unreachable is a one-line failure."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    from getnative.db import Database
    from getnative.migrate import upgrade

    db = Database(settings.database_url)
    try:
        upgrade(db.engine)
    except OperationalError as exc:
        db.dispose()
        where = make_url(settings.database_url).render_as_string(hide_password=True)
        reason = str(exc.orig or exc).strip().splitlines()[0]
        raise CommandFailed(f"cannot use the database {where}: {reason}") from exc
    return db


def _media_url(settings: Settings) -> str:
    """Where the catalog's relative media paths (the demo's pictures) are served."""
    return settings.public_url(settings.media_url_path)


def _import(db: Database, path: Path, *, progress: bool, media_url: str = "") -> str:
    """Run the catalog importer; a bad file is a `CommandFailed`, not a traceback."""
    from getnative.catalog.importer import CatalogImportError, import_file
    from getnative.errors import DomainError

    try:
        report = import_file(db, path, progress=progress, media_url=media_url)
    except CatalogImportError as exc:  # its message names the file and every problem
        raise CommandFailed(str(exc)) from exc
    except (OSError, ValueError, DomainError) as exc:  # anything the importer did not wrap
        raise CommandFailed(f"cannot import {path}: {exc}") from exc
    return str(report.summary())


def cmd_migrate(settings: Settings, _args: argparse.Namespace) -> int:
    _migrate(settings).dispose()
    print("database is up to date")
    return 0


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise CommandFailed(f"cannot read {path}: no such file")
    db = _migrate(settings)
    try:
        print(_import(db, path, progress=not args.quiet, media_url=_media_url(settings)))
    finally:
        db.dispose()
    return 0


def cmd_db_revision(settings: Settings, args: argparse.Namespace) -> int:
    """Autogenerate a revision from the models; the file is then reviewed and committed."""
    from getnative.migrate import write_revision

    db = _migrate(settings)
    try:
        path = write_revision(db.engine, args.message, autogenerate=not args.empty)
    finally:
        db.dispose()
    print(f"wrote {path} - review it before committing (autogenerate misses some changes)")
    return 0


def cmd_db_check(settings: Settings, _args: argparse.Namespace) -> int:
    """Exit 1 when the models and the migrations disagree (a revision is missing)."""
    from getnative.migrate import schema_differences

    db = _migrate(settings)
    try:
        differences = schema_differences(db.engine)
    finally:
        db.dispose()
    if differences:
        listed = "; ".join(str(difference) for difference in differences)
        raise CommandFailed(f"the models differ from the migrations: {listed}")
    print("the models and the migrations agree")
    return 0


def load_demo_if_empty(db: Database, media_url: str = "") -> bool:
    """Load the shipped demo catalog into an empty catalog; True when it loaded."""
    from sqlalchemy import func, select

    from getnative.catalog.models import Video

    with db.session(write=False) as session:
        if (session.scalar(select(func.count()).select_from(Video)) or 0) > 0:
            return False
    _import(db, DEMO_CATALOG, progress=False, media_url=media_url)
    return True


def cmd_demo(settings: Settings, _args: argparse.Namespace) -> int:
    db = _migrate(settings)
    try:
        loaded = load_demo_if_empty(db, _media_url(settings))
    finally:
        db.dispose()
    print("demo catalog loaded" if loaded else "catalog not empty; demo not loaded")
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    """Migrate (and load the demo) once here, then let Granian start the workers.

    Each worker builds the app from the same `GETNATIVE_*` environment via `create_app()`.
    """

    if args.workers < 1:
        raise CommandFailed("--workers must be at least 1")
    metrics_dir = _prepare_metrics_dir()  # before anything imports prometheus-client
    try:
        return _serve(settings, args)
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)


def _prepare_metrics_dir() -> str | None:
    """Point every worker at one multiprocess directory, emptied of an earlier run's values.

    Returns the directory to remove at exit when we made it (an operator's own is kept)."""
    existing = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if existing:
        Path(existing).mkdir(parents=True, exist_ok=True)
        for stale in Path(existing).glob("*.db"):
            stale.unlink(missing_ok=True)
        return None
    made = tempfile.mkdtemp(prefix="getnative-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = made
    return made


def _start_metrics_listener(listen: str) -> None:
    """Serve /metrics of all workers on a separate address, from the supervising process."""
    from prometheus_client import CollectorRegistry, multiprocess, start_http_server

    host, _, port = listen.rpartition(":")
    if not port.isdigit() or not host:
        raise CommandFailed(f"GETNATIVE_METRICS_LISTEN must be host:port, not {listen!r}")
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    try:
        start_http_server(int(port), addr=host.strip("[]"), registry=registry)
    except OSError as exc:
        raise CommandFailed(f"cannot listen for metrics on {listen}: {exc}") from exc
    print(f"metrics on http://{listen}/metrics")


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    from granian import Granian
    from granian.constants import Interfaces

    if settings.metrics_listen:
        _start_metrics_listener(settings.metrics_listen)
    db = _migrate(settings)
    try:
        if args.demo and load_demo_if_empty(db, _media_url(settings)):
            print("demo catalog loaded")
    finally:
        db.dispose()
    logger.info("learner's page: http://%s:%d/app/", args.host, args.port)
    Granian(
        APP_FACTORY,
        factory=True,
        interface=Interfaces.ASGI,
        address=args.host,
        port=args.port,
        workers=args.workers,
        log_access=False,  # the edge middleware logs, and honours DNT
        log_level=args.log_level,
        log_dictconfig=server_log_config(args.log_level, settings.log_format),
        # SIGTERM: Granian stops accepting and runs the lifespan's shutdown, which lets in-flight
        # requests finish for at most `shutdown_timeout_seconds` and closes the pools
        # (getnative.web.app). A worker still alive a little after that is killed rather than
        # waited for forever (Granian's default).
        workers_kill_timeout=settings.shutdown_timeout_seconds + WORKER_KILL_MARGIN_SECONDS,
    ).serve()
    return 0


def server_log_config(level: str, log_format: LogFormat = "text") -> dict[str, Any]:
    """Granian's logging with our formatter (text or JSON, with the request id) on all of its
    handlers, plus our `getnative.*` loggers (the access log among them).

    Granian applies this in every worker process; `logs.configure` in `main` only reaches the
    parent, so without it workers would drop the access log.
    """
    from granian.log import LOGGING_CONFIG

    return log_config(level, log_format, base=copy.deepcopy(LOGGING_CONFIG))


def cmd_media_migrate(settings: Settings, args: argparse.Namespace) -> int:
    """Copy stored media between backends; the operator then switches GETNATIVE_MEDIA_BACKEND."""
    from getnative.media.storage import make_media_storage, migrate_media

    if args.source == args.target:
        raise CommandFailed("--from and --to name the same backend")
    if "database" in (args.source, args.target) and settings.is_sqlite:
        raise CommandFailed("the database media backend needs a PostgreSQL database")
    db = _migrate(settings)
    try:
        prefix = settings.public_url(settings.media_url_path)
        source, target = (
            make_media_storage(name, db=db, root=settings.media_dir, url_prefix=prefix)
            for name in (args.source, args.target)
        )
        report = migrate_media(source, target, remove_source=args.remove_source)
    finally:
        db.dispose()
    print(
        f"media: {report.copied} copied, {report.unchanged} already there, "
        f"{report.removed} removed from {args.source}"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="getnative", description=__doc__)
    parser.add_argument("--version", action="version", version=f"getnative {package_version()}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="apply migrations and run the HTTP server")
    serve.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="TCP port (default 8000)")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.add_argument("--demo", action="store_true", help="load the demo catalog if empty")
    serve.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    serve.set_defaults(handler=cmd_serve)

    migrate = commands.add_parser("migrate", help="apply database migrations")
    migrate.set_defaults(handler=cmd_migrate)

    importer = commands.add_parser("import", help="import a catalog file (YAML or JSON)")
    importer.add_argument("file")
    importer.add_argument("--quiet", action="store_true", help="no progress bar")
    importer.set_defaults(handler=cmd_import)

    media = commands.add_parser("media", help="manage stored media (uploaded images)")
    media_commands = media.add_subparsers(dest="media_command", required=True)
    media_migrate = media_commands.add_parser(
        "migrate", help="copy every stored image from one backend to the other"
    )
    backends = ["filesystem", "database"]
    media_migrate.add_argument("--from", dest="source", required=True, choices=backends)
    media_migrate.add_argument("--to", dest="target", required=True, choices=backends)
    media_migrate.add_argument(
        "--remove-source", action="store_true", help="delete each file from --from once copied"
    )
    media_migrate.set_defaults(handler=cmd_media_migrate)

    demo = commands.add_parser("demo", help="load the demo catalog into an empty database")
    demo.set_defaults(handler=cmd_demo)
    _add_db_commands(commands)
    return parser


def _add_db_commands(commands: Any) -> None:
    database = commands.add_parser("db", help="write and check database migrations")
    db_commands = database.add_subparsers(dest="db_command", required=True)
    revision = db_commands.add_parser(
        "revision", help="autogenerate a migration from the models (then review it)"
    )
    revision.add_argument("-m", "--message", required=True, help="what the revision changes")
    revision.add_argument("--empty", action="store_true", help="an empty revision to fill in")
    revision.set_defaults(handler=cmd_db_revision)
    check = db_commands.add_parser("check", help="fail when the models and migrations disagree")
    check.set_defaults(handler=cmd_db_check)


def _load_settings() -> Settings:
    try:
        return get_settings()
    except InsecureConfigurationError as exc:
        raise CommandFailed(str(exc)) from exc
    except ValidationError as exc:
        problems = "; ".join(
            f"GETNATIVE_{'_'.join(str(part) for part in error['loc']).upper()}: {error['msg']}"
            for error in exc.errors()
        )
        raise CommandFailed(f"invalid configuration: {problems}") from exc


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = _load_settings()
    except CommandFailed as exc:
        print(f"getnative: {exc}", file=sys.stderr)
        return 2
    logs.configure("info", settings.log_format)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # start-up chatter
    try:
        return int(args.handler(settings, args))
    except CommandFailed as exc:
        print(f"getnative {args.command}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
