"""Request-scoped dependencies every dialect shares: the container and the transaction.

One place decides how a request gets its database session: one transaction per request,
`BEGIN IMMEDIATE` on SQLite for writing methods, committed when the endpoint returns and before
the response is sent (`scope="function"`), so an acknowledged write is a committed write.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from getnative.web.container import Container

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def container_of(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


async def get_container(request: Request) -> Container:
    """`container_of` as a dependency; async because it does no I/O (a sync dependency would
    cost a thread-pool hop on every request)."""
    return container_of(request)


def open_request_session(request: Request) -> AbstractContextManager[Session]:
    """The request's one transaction: a writing one unless the method only reads."""
    return container_of(request).db.session(write=request.method not in READ_METHODS)


def request_session(request: Request) -> Iterator[Session]:
    with open_request_session(request) as session:
        yield session


DbSession = Annotated[Session, Depends(request_session, scope="function")]
AppContainer = Annotated[Container, Depends(get_container)]
