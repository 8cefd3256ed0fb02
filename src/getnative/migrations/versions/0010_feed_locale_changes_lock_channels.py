"""PostgreSQL: a `video_locales` change locks the channels holding the video (feed races).

The feed's `video_locales` triggers (0009) recompute `restricted` on the video's rows of
`feed_entries` holding the video's lock only. Writers of the same rows lock the channel, so
nothing ordered the two: a removal (unsubscribe, instance deleted, channel made private) that
had found a row by its ctid waited for the rewrite, then skipped the row's new version, and
the row stayed in the feed; a subscribe, a channel made public or an instance moved beside the
locale change added rows with the old flag, never corrected. The functions of `FUNCTIONS` now
also lock the channels holding the video (`getnative.channels.feed_index._lock` says why).
Only function bodies change (CREATE OR REPLACE: no table is rewritten, the triggers stay).
SQLite serialises writers: its triggers are unchanged.

Frozen: the SQL is written out here, as `channels.feed_index` generated it when this revision
was made; `tests/channels/test_feed_index.py` checks that it is what the module generates and
that the downgrade restores what 0009 created.

Revision ID: 0010
Revises: 0009
"""

import re
from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VIDEO_LOCK = re.compile(r"PERFORM 1 FROM videos WHERE id IN \((.*?)\) ORDER BY id FOR UPDATE;")
"""The lock 0009's functions take on the videos whose locale rows changed (group 1 selects them)."""
CHANNEL_LOCK = (
    "PERFORM 1 FROM channels WHERE id IN (SELECT channel_id FROM video_instances WHERE "
    "video_id IN ({videos})) ORDER BY id FOR NO KEY UPDATE;"
)
"""The lock this revision adds after it: the channels holding those videos."""

PREVIOUS_FUNCTIONS = [
    (
        "CREATE FUNCTION feed_video_locales_ai() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        " PERFORM 1 FROM videos WHERE id IN (SELECT video_id FROM new_rows) ORDER BY id FOR "
        "UPDATE; UPDATE feed_entries SET restricted = (SELECT EXISTS (SELECT 1 FROM "
        "video_instances i JOIN video_locales l ON l.video_id = i.video_id WHERE i.id = "
        "feed_entries.instance_id)) WHERE (user_id, date_added, instance_id) IN (SELECT "
        "s.user_id, i.date_added, i.id FROM subscriptions s JOIN video_instances i ON "
        "i.channel_id = s.channel_id WHERE i.video_id IN (SELECT video_id FROM new_rows)); "
        "RETURN NULL; END $$"
    ),
    (
        "CREATE FUNCTION feed_video_locales_ad() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        " PERFORM 1 FROM videos WHERE id IN (SELECT video_id FROM old_rows) ORDER BY id FOR "
        "UPDATE; UPDATE feed_entries SET restricted = (SELECT EXISTS (SELECT 1 FROM "
        "video_instances i JOIN video_locales l ON l.video_id = i.video_id WHERE i.id = "
        "feed_entries.instance_id)) WHERE (user_id, date_added, instance_id) IN (SELECT "
        "s.user_id, i.date_added, i.id FROM subscriptions s JOIN video_instances i ON "
        "i.channel_id = s.channel_id WHERE i.video_id IN (SELECT video_id FROM old_rows)); "
        "RETURN NULL; END $$"
    ),
    (
        "CREATE FUNCTION feed_video_locales_au() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        " PERFORM 1 FROM videos WHERE id IN (SELECT video_id FROM (SELECT OLD.video_id AS "
        "video_id UNION SELECT NEW.video_id) AS moved) ORDER BY id FOR UPDATE; UPDATE "
        "feed_entries SET restricted = (SELECT EXISTS (SELECT 1 FROM video_instances i JOIN "
        "video_locales l ON l.video_id = i.video_id WHERE i.id = feed_entries.instance_id)) "
        "WHERE (user_id, date_added, instance_id) IN (SELECT s.user_id, i.date_added, i.id "
        "FROM subscriptions s JOIN video_instances i ON i.channel_id = s.channel_id WHERE "
        "i.video_id IN (SELECT OLD.video_id UNION SELECT NEW.video_id)); RETURN NULL; END $$"
    ),
]
"""The functions of the feed's `video_locales` triggers as 0009 created them (and `downgrade`
restores)."""


def _with_channel_lock(function: str) -> str:
    def add(lock: re.Match[str]) -> str:
        return f"{lock.group(0)} {CHANNEL_LOCK.format(videos=lock.group(1))}"

    changed, count = VIDEO_LOCK.subn(add, function)
    assert count == 1, function
    return changed


FUNCTIONS = [_with_channel_lock(function) for function in PREVIOUS_FUNCTIONS]
"""The same functions as this revision replaces them."""


def _or_replace(statement: str) -> str:
    return statement.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in FUNCTIONS:
            op.execute(_or_replace(statement))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in PREVIOUS_FUNCTIONS:
            op.execute(_or_replace(statement))
