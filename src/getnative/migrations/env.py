"""Alembic environment: runs against the connection handed over by `getnative.migrate`."""

from __future__ import annotations

from alembic import context

from getnative.models import Base

target_metadata = Base.metadata

# Objects created by hand-written revisions (0002, 0003, 0004) that the ORM metadata does not
# describe; autogenerate must not propose dropping them.
MANUAL_OBJECTS = {
    "video_search",
    "uq_users_active_username",
    "search_vector",
    "ix_videos_search_vector",
    "cue_search",
    "ix_transcript_cues_search_vector",
}


def include_object(
    _obj: object, name: str | None, _type: str, _reflected: bool, _other: object
) -> bool:
    fts_shadow_table = (name or "").startswith(("video_search_", "cue_search_"))
    return name not in MANUAL_OBJECTS and not fts_shadow_table


def run_migrations_online() -> None:
    connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
