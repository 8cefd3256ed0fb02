"""The `getnative` command as an operator meets it: clear refusals, one-line errors, exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.servers import PRODUCTION_MAIL, STRONG_SECRETS, clean_env, run_cli, sqlite_env

pytestmark = pytest.mark.usefixtures("no_getnative_env")


def test_migrate_refuses_production_with_default_secrets(tmp_path: Path) -> None:
    result = run_cli(["migrate"], sqlite_env(tmp_path, GETNATIVE_ENV="production"), tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "getnative: refusing to start in production with default secrets: "
        "GETNATIVE_JWT_SECRET, GETNATIVE_IP_HASH_KEY, GETNATIVE_OAUTH_CLIENTS"
    ]
    assert not (tmp_path / "db.sqlite3").exists()


def test_serve_refuses_production_with_default_secrets(tmp_path: Path) -> None:
    env = sqlite_env(tmp_path, GETNATIVE_ENV="production", GETNATIVE_JWT_SECRET="x" * 40)
    result = run_cli(["serve", "--port", "1"], env, tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "getnative: refusing to start in production with default secrets: "
        "GETNATIVE_IP_HASH_KEY, GETNATIVE_OAUTH_CLIENTS"
    )


def test_migrate_in_production_with_own_secrets(tmp_path: Path) -> None:
    env = sqlite_env(tmp_path, GETNATIVE_ENV="production", **STRONG_SECRETS, **PRODUCTION_MAIL)
    result = run_cli(["migrate"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "database is up to date"
    again = run_cli(["migrate"], env, tmp_path)
    assert again.returncode == 0, again.stderr


def test_invalid_setting_is_one_clear_line(tmp_path: Path) -> None:
    env = sqlite_env(tmp_path, GETNATIVE_TRUSTED_PROXIES="nonsense")
    result = run_cli(["migrate"], env, tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("getnative: invalid configuration: GETNATIVE_TRUSTED_PROXIES")
    assert "Traceback" not in result.stderr


def test_unreachable_database_is_one_clear_line(tmp_path: Path) -> None:
    url = "postgresql+psycopg://someone:hunter2@127.0.0.1:1/nothing"
    result = run_cli(["migrate"], clean_env(tmp_path, GETNATIVE_DATABASE_URL=url), tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "hunter2" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(
        "getnative migrate: cannot use the database "
        "postgresql+psycopg://someone:***@127.0.0.1:1/nothing: "
    )


def test_version(tmp_path: Path) -> None:
    from importlib.metadata import version

    result = run_cli(["--version"], clean_env(tmp_path), tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"getnative {version('getnative')}"


def test_import_of_a_missing_file_is_a_clear_message(tmp_path: Path) -> None:
    result = run_cli(["import", str(tmp_path / "nope.yaml")], sqlite_env(tmp_path), tmp_path)
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == f"getnative import: cannot read {tmp_path / 'nope.yaml'}: no such file"
    )


@pytest.mark.parametrize(
    "content",
    ["videos: [unclosed", "{not json", "categories: 42\n", "- just\n- a list\n", "\x00\x01binary"],
)
def test_import_of_a_malformed_file_is_a_clear_message(tmp_path: Path, content: str) -> None:
    pytest.importorskip("getnative.catalog.importer")
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(content)
    result = run_cli(["import", "--quiet", str(catalog)], sqlite_env(tmp_path), tmp_path)
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr
    message = result.stderr[result.stderr.index("getnative import: ") :]  # after migration logs
    assert str(catalog) in message


def test_unknown_command_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli(["frobnicate"], clean_env(tmp_path), tmp_path)
    assert result.returncode == 2
    assert "usage: getnative" in result.stderr


def test_workers_must_be_positive(tmp_path: Path) -> None:
    result = run_cli(["serve", "--workers", "0"], sqlite_env(tmp_path), tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == "getnative serve: --workers must be at least 1"


def test_import_and_demo_commands_load_the_demo_catalog_once(tmp_path: Path) -> None:
    pytest.importorskip("getnative.catalog.importer")
    from getnative.cli import DEMO_CATALOG

    env = sqlite_env(tmp_path)
    demo = run_cli(["demo"], env, tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert demo.stdout.strip().endswith("demo catalog loaded")
    again = run_cli(["demo"], env, tmp_path)
    assert again.stdout.strip().endswith("catalog not empty; demo not loaded")
    reimport = run_cli(["import", "--quiet", str(DEMO_CATALOG)], env, tmp_path)
    assert reimport.returncode == 0, reimport.stderr
    assert reimport.stdout.strip()  # the importer's summary
    assert "Traceback" not in reimport.stderr


def test_db_check_says_the_models_and_migrations_agree(tmp_path: Path) -> None:
    result = run_cli(["db", "check"], sqlite_env(tmp_path), tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "the models and the migrations agree"


def test_db_revision_needs_a_message(tmp_path: Path) -> None:
    result = run_cli(["db", "revision"], sqlite_env(tmp_path), tmp_path)
    assert result.returncode == 2
    assert "-m/--message" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_refuses_production_without_a_mail_relay(tmp_path: Path) -> None:
    env = sqlite_env(tmp_path, GETNATIVE_ENV="production", **STRONG_SECRETS)
    result = run_cli(["serve", "--port", "1"], env, tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "getnative: refusing to start in production without a mail relay: "
        "GETNATIVE_SMTP_URL, GETNATIVE_MAIL_FROM"
    )


@pytest.mark.parametrize(
    "url", ["http://relay:25", "smtp://", "smtp://relay:notaport", "smtp://relay?starttls=maybe"]
)
def test_a_bad_smtp_url_is_one_clear_line_without_the_url(tmp_path: Path, url: str) -> None:
    secret_url = url.replace("relay", "user:hunter2@relay")
    result = run_cli(["migrate"], sqlite_env(tmp_path, GETNATIVE_SMTP_URL=secret_url), tmp_path)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("getnative: invalid configuration: GETNATIVE_SMTP_URL: ")
    assert "hunter2" not in line
