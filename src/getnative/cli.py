"""The `getnative` command: serve, migrate, import, demo."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from getnative.config import InsecureConfigurationError, Settings, get_settings
from getnative.db import Database
from getnative.migrate import upgrade

DEMO_CATALOG = Path(__file__).parent / "demo" / "catalog.yaml"


def _migrate(settings: Settings) -> Database:
    db = Database(settings.database_url)
    upgrade(db.engine)
    return db


def cmd_migrate(settings: Settings, _args: argparse.Namespace) -> int:
    _migrate(settings).dispose()
    print("database is up to date")
    return 0


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    from getnative.catalog.importer import CatalogImportError, import_file

    db = _migrate(settings)
    try:
        report = import_file(db, Path(args.file), progress=not args.quiet)
    except CatalogImportError as exc:
        print(f"getnative import: {exc}", file=sys.stderr)
        return 1
    finally:
        db.dispose()
    print(report.summary())
    return 0


def load_demo_if_empty(db: Database) -> bool:
    """Load the shipped demo catalog into an empty catalog; True when it loaded."""
    from sqlalchemy import func, select

    from getnative.catalog.importer import import_file
    from getnative.catalog.models import Video

    with db.session(write=False) as session:
        if (session.scalar(select(func.count()).select_from(Video)) or 0) > 0:
            return False
    import_file(db, DEMO_CATALOG, progress=False)
    return True


def cmd_demo(settings: Settings, _args: argparse.Namespace) -> int:
    db = _migrate(settings)
    loaded = load_demo_if_empty(db)
    print("demo catalog loaded" if loaded else "catalog not empty; demo not loaded")
    db.dispose()
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    db = _migrate(settings)
    if args.demo and load_demo_if_empty(db):
        print("demo catalog loaded")
    db.dispose()
    uvicorn.run(
        "getnative.web.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        access_log=False,  # our AccessLogMiddleware logs, and honours DNT
        proxy_headers=False,  # client IPs are resolved by getnative.web.client_ip
        log_level=args.log_level,
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="getnative", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="apply migrations and run the HTTP server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--demo", action="store_true", help="load the demo catalog if empty")
    serve.add_argument("--log-level", default="info")
    serve.set_defaults(handler=cmd_serve)

    migrate = commands.add_parser("migrate", help="apply database migrations")
    migrate.set_defaults(handler=cmd_migrate)

    importer = commands.add_parser("import", help="import a catalog file (YAML or JSON)")
    importer.add_argument("file")
    importer.add_argument("--quiet", action="store_true", help="no progress bar")
    importer.set_defaults(handler=cmd_import)

    demo = commands.add_parser("demo", help="load the demo catalog into an empty database")
    demo.set_defaults(handler=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        settings = get_settings()
    except InsecureConfigurationError as exc:
        print(f"getnative: {exc}", file=sys.stderr)
        return 2
    return int(args.handler(settings, args))


if __name__ == "__main__":
    sys.exit(main())
