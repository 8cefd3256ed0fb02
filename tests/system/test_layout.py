"""Where to find an endpoint, by names alone (CONTRIBUTING.md, "Where to find an endpoint").

Every route the server answers, walked from the assembled app: its handler is a function of
`src/getnative/api/<dialect>/<module>.py`, where `<dialect>` is the dialect the route is mounted
in, and its tests are `tests/api/<dialect>/test_<module>.py` or `test_<module>_<aspect>.py`. The
other way round, every test file under `tests/api/<dialect>/` is named after a module of that
dialect, or is one of the few that check the dialect as a whole (named for what they check).
A new route module without tests, a test file named after nothing, or a handler living in the
wrong package fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import Mount
from starlette.testclient import TestClient

import getnative

SOURCE = Path(getnative.__file__).parent / "api"
TESTS = Path(__file__).parents[1] / "api"
DIALECTS = ("getnative", "likes", "rockpack")

WHOLE_DIALECT_TESTS = {
    "test_client_compat.py",  # the published client's requests, across the dialect's routes
    "test_hostile_input.py",  # hostile bodies and query strings sent to every route
}
"""Test files that check one dialect as a whole rather than one module (CONTRIBUTING.md)."""


MOUNTS = {"/": "getnative", "/ws": "rockpack", "/api": "likes"}
"""Where each dialect is mounted (docs/architecture.md, "Layout")."""


def dialect_apps(client: TestClient) -> dict[str, FastAPI]:
    """Each dialect's app as the server mounts it."""
    return {
        MOUNTS[route.path or "/"]: route.app
        for route in client.app.routes  # type: ignore[attr-defined]
        if isinstance(route, Mount) and isinstance(route.app, FastAPI)
    }


def handler_modules(app: FastAPI) -> dict[str, str]:
    """`"METHODS /path"` -> the dotted module of its handler, for every API route of `app`,
    included routers' routes too (the offline docs and the OpenAPI document are plain routes,
    not operations of the dialect)."""
    return {
        f"{','.join(sorted(context.methods or ()))} {context.path}": route.endpoint.__module__
        for context in iter_route_contexts(app.routes)
        if isinstance(route := context.original_route, APIRoute)
    }


def test_every_route_of_a_dialect_is_handled_in_its_package_and_tested_under_its_name(
    client: TestClient,
) -> None:
    apps = dialect_apps(client)
    assert sorted(apps) == list(DIALECTS)
    # Guards the guard: routes of included routers are seen, with their handlers' modules.
    assert handler_modules(apps["rockpack"])["POST /{userid}/channels/"] == (
        "getnative.api.rockpack.channels"
    )
    wrong: list[str] = []
    modules: set[tuple[str, str]] = set()
    for dialect, app in apps.items():
        routes = handler_modules(app)
        assert routes, f"the walk found no route of {dialect}"
        for route, module in routes.items():
            package, _, name = module.rpartition(".")
            if package != f"getnative.api.{dialect}":
                wrong.append(f"{dialect}: {route} is handled in {module}")
            else:
                modules.add((dialect, name))
    for dialect, name in sorted(modules):
        if not list((TESTS / dialect).glob(f"test_{name}.py")) + list(
            (TESTS / dialect).glob(f"test_{name}_*.py")
        ):
            wrong.append(f"{dialect}: no tests/api/{dialect}/test_{name}*.py for {name}.py")
    assert wrong == []


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_test_file_of_a_dialect_is_named_after_one_of_its_modules(dialect: str) -> None:
    modules = {path.stem for path in (SOURCE / dialect).glob("*.py") if path.stem != "__init__"}
    assert modules, f"no modules found for {dialect}"
    unnamed = sorted(
        path.name
        for path in (TESTS / dialect).glob("test_*.py")
        if path.name not in WHOLE_DIALECT_TESTS
        and not any(
            path.stem == f"test_{module}" or path.stem.startswith(f"test_{module}_")
            for module in modules
        )
    )
    assert unnamed == []


OWN_FOLDERS = {"api", "system", "browser", "bench"}
"""Folders of `tests/` that mirror no package of `src/getnative/` by themselves: the dialects
(checked above), the app as a whole, the browser, and `bench/` (CONTRIBUTING.md)."""


def mirrored_folders() -> list[Path]:
    root = TESTS.parent
    folders = [path for path in root.iterdir() if (path / "__init__.py").exists()]
    return [root, *sorted(path for path in folders if path.name not in OWN_FOLDERS)]


@pytest.mark.parametrize("folder", mirrored_folders(), ids=lambda path: path.name)
def test_every_other_test_file_is_named_after_a_module_of_the_package_it_mirrors(
    folder: Path,
) -> None:
    """`tests/X/test_Y*.py` tests `src/getnative/X/Y` (a module, a subpackage or a data file
    such as `demo/catalog.yaml`); a package whose code is all in its `__init__.py` is named by
    its folder alone."""
    package = SOURCE.parent / folder.relative_to(TESTS.parent)
    assert package.is_dir(), f"tests/{folder.name}/ mirrors no package"
    names = {path.stem for path in package.iterdir()} - {"__init__", "__pycache__"}
    if not any(path.suffix == ".py" for path in package.iterdir() if path.stem != "__init__"):
        return
    unnamed = sorted(
        path.name
        for path in folder.glob("test_*.py")
        if not any(
            path.stem == f"test_{name}" or path.stem.startswith(f"test_{name}_") for name in names
        )
    )
    assert unnamed == []
