"""The layers, checked on every import the source writes (docs/architecture.md).

A domain (accounts, catalog, ...) and the shared modules beside it (config, db, errors,
ratelimit, ...) never import the web layer, a dialect or an HTTP framework: the rules must be
callable without a request. A dialect (`getnative.api.X`) never imports another dialect: both
call the domain. Imports are read from the source (`ast`), so an import inside a function or
under `TYPE_CHECKING` counts as much as one at the top.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import getnative

PACKAGE_ROOT = Path(getnative.__file__).parent
WEB_LAYER = ("getnative.web", "getnative.webapp", "getnative.api")
HTTP_FRAMEWORKS = ("fastapi", "starlette")
COMPOSITION_ROOTS = {"getnative.cli"}  # builds the server: may name the web layer


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> Iterator[str]:
    """Every module `path` imports, relative imports resolved to absolute names."""
    package = (
        module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    )
    return imports_in(path.read_text(encoding="utf-8"), package)


def imports_in(source: str, package: str) -> Iterator[str]:
    """The names `source`, a module of `package`, imports (`from a import b` gives a and a.b)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            parts = package.split(".")
            base = parts[: len(parts) - node.level + 1] if node.level else []
            stem = ".".join([*base, node.module] if node.module else base)
            yield stem
            yield from (f"{stem}.{alias.name}" for alias in node.names)


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def below_the_web_layer() -> list[Path]:
    """The domain packages and the shared top-level modules: all but the web layer and the CLI."""
    return sorted(
        path
        for path in PACKAGE_ROOT.rglob("*.py")
        if not within(module_name(path), WEB_LAYER) and module_name(path) not in COMPOSITION_ROOTS
    )


def dialects() -> list[str]:
    return sorted(p.name for p in (PACKAGE_ROOT / "api").iterdir() if (p / "__init__.py").exists())


def test_the_walk_sees_every_domain_package_and_resolves_relative_imports() -> None:
    """Guards the guard: a walk that found nothing would pass every check below."""
    names = [module_name(path) for path in below_the_web_layer()]
    walked = {name.split(".")[1] for name in names if "." in name}
    domains = {"accounts", "catalog", "channels", "likes", "media", "notifications", "study"}
    assert domains <= walked
    assert {"config", "db", "errors", "ratelimit"} <= walked
    assert not walked & {"api", "web", "webapp", "cli"}
    assert set(dialects()) == {"getnative", "likes", "rockpack"}
    assert "getnative.ratelimit" in set(
        imported_modules(PACKAGE_ROOT / "accounts" / "oauth_service.py")
    )
    nested = PACKAGE_ROOT / "api" / "rockpack" / "users.py"
    assert any(within(name, ("getnative.api.rockpack",)) for name in imported_modules(nested))
    relative = "from ..web import app\nfrom . import service\nif True:\n    import starlette\n"
    assert set(imports_in(relative, "getnative.accounts")) == {
        "getnative.web",
        "getnative.web.app",
        "getnative.accounts",
        "getnative.accounts.service",
        "starlette",
    }


@pytest.mark.parametrize("path", below_the_web_layer(), ids=module_name)
def test_a_domain_never_imports_the_web_layer_or_an_http_framework(path: Path) -> None:
    wrong = sorted(
        {name for name in imported_modules(path) if within(name, WEB_LAYER + HTTP_FRAMEWORKS)}
    )
    assert wrong == [], f"{module_name(path)} imports {wrong}"


@pytest.mark.parametrize("dialect", dialects())
def test_a_dialect_never_imports_another_dialect(dialect: str) -> None:
    others = tuple(f"getnative.api.{other}" for other in dialects() if other != dialect)
    wrong = sorted(
        f"{module_name(path)} -> {name}"
        for path in (PACKAGE_ROOT / "api" / dialect).rglob("*.py")
        for name in imported_modules(path)
        if within(name, others)
    )
    assert wrong == []


def migrations() -> list[Path]:
    return sorted((PACKAGE_ROOT / "migrations" / "versions").glob("[0-9]*.py"))


@pytest.mark.parametrize("path", migrations(), ids=lambda path: path.stem)
def test_a_migration_is_frozen_it_imports_no_application_code(path: Path) -> None:
    """A revision must do tomorrow what it did the day it was written, so it writes its SQL out
    instead of importing it from a module that may change. Only `getnative.db`'s column types
    (`UTCDateTime`, ...) may be named: a column type is part of the schema, not of a rule."""
    wrong = sorted(
        name
        for name in imported_modules(path)
        if within(name, ("getnative",)) and not within(name, ("getnative.db",))
    )
    assert wrong == [], f"{path.name} imports {wrong}"
