"""The precomputed subscription feed: `feed_entries`, kept exact by database triggers.

The feed of a user is every instance of every channel they subscribe to and may see (public, or
their own), newest first (date_added, id), bounded to `social_service.FEED_DEPTH`, less the
videos restricted to other locales. Computed at read time that meant reading every instance of
every subscribed channel and sorting them (~4,800 rows and ~14 ms for 500 subscriptions of 10
instances each; bench/RESULTS.md). `feed_entries` (`models.FeedEntry`) holds the join instead,
one row per (subscriber, instance), keyed in feed order, so a page is an index range and the
bounded total an index-only count that stops at the depth.

Exactness is the database's job, not the application's: triggers on both backends follow every
write that changes membership or order, whoever makes it (the services, the importer, a cascade,
a hand-written statement):

| write | effect on `feed_entries` |
| --- | --- |
| subscription inserted / deleted / moved | the channel's instances added (if visible) / removed |
| instance inserted / deleted / moved (channel, date, video) | added / removed for its subscribers |
| channel `public` or `owner_id` changed | rows of who loses sight removed, of who gains it added |
| channel deleted | its rows removed BEFORE the delete (see below) |
| user deleted | their rows removed BEFORE the delete |
| `video_locales` rows inserted / deleted / moved | `restricted` recomputed for the video's rows |

Why BEFORE DELETE on channels and users: PostgreSQL runs the AFTER triggers of cascaded deletes
only at the end of the outer statement, when both a channel's subscriptions and its instances are
gone, so neither side's delete trigger could find the rows to remove (SQLite fires them during
the cascade; the BEFORE triggers are harmless there). Removal triggers delete by primary key
(user, date_added, instance) found through the other side's index, so the table needs no
secondary index. The visibility rule is applied when rows are added; the locale rule stays a
read-time filter on the flag (`restricted`), since it depends on the request's locale.

PostgreSQL uses statement triggers with transition tables for inserts and deletes (one join per
statement however many rows it wrote, like `catalog.phrase_index`) and row triggers guarded by
WHEN for updates (a position change costs nothing); SQLite has row triggers only. The SQL is the
same text on both but for deletes (`_remove_pg`): the changed rows are a transition table there
and a one-row subquery of NEW/OLD here.

Revision 0009 creates the table and fills it from existing data (this module's SQL written out
there, frozen: a change here needs a new revision, and a test says so); `bench.generate` turns
the insert triggers off during its COPY and fills the table the same way afterwards
(`BULK_LOAD_*`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

FILL_BATCH = 10_000
"""User ids per filling statement: ~500k rows of the bench data set, a few seconds each."""

_TABLE = "feed_entries"
_COLUMNS = "user_id, date_added, instance_id, restricted"
_KEY = "(user_id, date_added, instance_id)"

CREATE_TABLE = {
    "postgresql": (
        "CREATE TABLE feed_entries (user_id BIGINT NOT NULL, "
        "date_added TIMESTAMP WITH TIME ZONE NOT NULL, instance_id BIGINT NOT NULL, "
        "restricted BOOLEAN NOT NULL)"
    ),
    "sqlite": (
        "CREATE TABLE feed_entries (user_id INTEGER NOT NULL, date_added DATETIME NOT NULL, "
        "instance_id INTEGER NOT NULL, restricted BOOLEAN NOT NULL, "
        "CONSTRAINT pk_feed_entries PRIMARY KEY (user_id, date_added, instance_id)) "
        "WITHOUT ROWID"
    ),
}
"""As `models.FeedEntry` declares it; PostgreSQL gets its primary key after the fill
(`ADD_PRIMARY_KEY`: one sorted build), SQLite's WITHOUT ROWID table is its key."""
ADD_PRIMARY_KEY = (
    "ALTER TABLE feed_entries ADD CONSTRAINT pk_feed_entries "
    "PRIMARY KEY (user_id, date_added, instance_id) INCLUDE (restricted)"
)
DROP_PRIMARY_KEY = "ALTER TABLE feed_entries DROP CONSTRAINT pk_feed_entries"


def _restricted(video_id: str) -> str:
    return f"EXISTS (SELECT 1 FROM video_locales l WHERE l.video_id = {video_id})"


def _entries(
    subscriptions: str = "subscriptions", instances: str = "video_instances", where: str = "1 = 1"
) -> str:
    """The rows the feed holds for these subscriptions and instances (visibility applied)."""
    return (
        f"SELECT s.user_id, i.date_added, i.id, {_restricted('i.video_id')} "
        f"FROM {subscriptions} s JOIN channels c ON c.id = s.channel_id "
        f"JOIN {instances} i ON i.channel_id = s.channel_id "
        f"WHERE (c.public OR c.owner_id = s.user_id) AND {where}"
    )


def _keys(
    subscriptions: str = "subscriptions", instances: str = "video_instances", where: str = "1 = 1"
) -> str:
    """The keys of every row these subscriptions and instances may have put in the feed."""
    return (
        f"SELECT s.user_id, i.date_added, i.id FROM {subscriptions} s "
        f"JOIN {instances} i ON i.channel_id = s.channel_id WHERE {where}"
    )


def _add(select: str) -> str:
    return f"INSERT INTO {_TABLE} ({_COLUMNS}) {select};"


def _remove_sqlite(keys: str) -> str:
    """Delete the rows of `keys`; SQLite probes the primary key with each key."""
    return f"DELETE FROM {_TABLE} WHERE {_KEY} IN ({keys});"


def _remove_pg(keys: str) -> str:
    """Delete the rows of `keys`, each found by a probe of the whole primary key.

    Written as `(key) IN (keys)`, PostgreSQL's estimates made it probe by `user_id` alone and
    filter every row of the user (hundreds to thousands per key): deleting 100 instances of
    a channel with 10,000 subscribers ran for minutes. The LATERAL (its OFFSET keeps it from
    being flattened) pins the full-key probe; the rows found are deleted by their ctid.
    """
    return (
        f"DELETE FROM {_TABLE} WHERE ctid = ANY (ARRAY (SELECT f.ctid FROM ({keys}) k, "
        f"LATERAL (SELECT ctid FROM {_TABLE} f WHERE f.user_id = k.user_id "
        "AND f.date_added = k.date_added AND f.instance_id = k.id OFFSET 0) f));"
    )


def _recompute_restricted(videos: str) -> str:
    """`restricted` again for the rows of the videos `videos` (a SELECT of video ids)."""
    return (
        f"UPDATE {_TABLE} SET restricted = ("
        "SELECT EXISTS (SELECT 1 FROM video_instances i JOIN video_locales l "
        f"ON l.video_id = i.video_id WHERE i.id = {_TABLE}.instance_id)) "
        f"WHERE {_KEY} IN (" + _keys(where=f"i.video_id IN ({videos})") + ");"
    )


_ROW_COLUMNS = {
    "subscriptions": ("user_id", "channel_id"),
    "video_instances": ("id", "channel_id", "video_id", "date_added"),
    "video_locales": ("video_id",),
}


def _one_row(table: str, which: str) -> str:
    """The row `which` (NEW or OLD) of `table` as a one-row relation, for row triggers."""
    return "(SELECT " + ", ".join(f"{which}.{c} AS {c}" for c in _ROW_COLUMNS[table]) + ")"


def _channel_sight(row: str) -> str:
    """The subscriber `s` may see the channel as it is in `row` (OLD or NEW)."""
    return f"({row}.public OR {row}.owner_id = s.user_id)"


def _lock(table: str, ids: str, strength: str) -> str:
    """PostgreSQL: lock the rows of `table` whose ids `ids` selects, in id order, before the
    body reads anything.

    Without it two transactions in READ COMMITTED could each miss the other's row: a subscribe
    reading the channel's instances while an instance is added to it, each trigger's snapshot
    without the other's uncommitted row, and the pair never reaches the feed (or, for an
    unsubscribe beside an added instance, never leaves it). Both sides lock the channel
    (`FOR NO KEY UPDATE`, as the subscriber counter's update and `lock_channel` already do),
    so the second waits for the first to commit, and its next statement's snapshot sees it.
    A `video_locales` change locks its video `FOR UPDATE`, which waits for (and is waited on
    by) the `FOR KEY SHARE` that adding an instance of the video takes through its foreign key,
    then the channels holding the video, like every other writer of their rows. Without the
    channel lock (revision 0009) a locale change rewrote (`restricted`) feed rows that were
    being written beside it: a subscribe, a channel made public or an instance moved in
    another transaction added rows with the old flag, which the locale change's UPDATE did not
    see (uncommitted) and never corrected; and a removal that had found a row by its ctid
    (`_remove_pg`) waited for the rewrite, then skipped the row's new version (another ctid),
    so the row stayed. Holding the channel, each waits for the other to commit and its next
    statement sees the other's rows. A video is held by a few channels (at most 5 in the
    bench data), so that is a handful of row locks per locale write; videos come before
    channels on every path that locks both (an added instance: its foreign key, then the
    trigger), so the order adds no deadlock.
    SQLite serialises writers: nothing to lock there.
    """
    return f"PERFORM 1 FROM {table} WHERE id IN ({ids}) ORDER BY id FOR {strength};"


def _lock_channels(rows: str) -> str:
    return _lock("channels", f"SELECT channel_id FROM {rows}", "NO KEY UPDATE")


def _lock_videos(rows: str) -> str:
    """Lock the videos of `rows`, then the channels holding them (see `_lock`)."""
    videos = f"SELECT video_id FROM {rows}"
    holding = f"SELECT channel_id FROM video_instances WHERE video_id IN ({videos})"
    return _lock("videos", videos, "UPDATE") + " " + _lock("channels", holding, "NO KEY UPDATE")


_CHANNEL_CHANGED = "OLD.public <> NEW.public OR OLD.owner_id <> NEW.owner_id"
_BOTH_CHANNELS = "(SELECT OLD.channel_id AS channel_id UNION SELECT NEW.channel_id) AS moved"
_BOTH_VIDEOS = "(SELECT OLD.video_id AS video_id UNION SELECT NEW.video_id) AS moved"
_SUBSCRIPTION_MOVED = "OLD.user_id <> NEW.user_id OR OLD.channel_id <> NEW.channel_id"
_INSTANCE_MOVED = (
    "OLD.id <> NEW.id OR OLD.channel_id <> NEW.channel_id OR OLD.video_id <> NEW.video_id "
    "OR OLD.date_added <> NEW.date_added"
)


@dataclass(frozen=True)
class _Trigger:
    """One trigger: `timing` (AFTER INSERT, BEFORE DELETE, ...) on `table`, running `body`;
    `statement` says PostgreSQL may run it once per statement (its changed rows are then the
    transition table `new_rows` or `old_rows`); `when` guards a row trigger; `pg_lock`
    runs first on PostgreSQL (see `_lock`)."""

    name: str
    table: str
    timing: str
    body: str
    statement: bool = False
    when: str = ""
    pg_lock: str = ""


def _triggers(
    row_source: Callable[[str, str], str], _remove: Callable[[str], str]
) -> list[_Trigger]:
    """The triggers, with the rows an insert or delete changed named by `row_source(table,
    "NEW" or "OLD")`: a transition table (PostgreSQL) or a one-row relation (SQLite)."""

    def new_rows(table: str) -> str:
        return row_source(table, "NEW")

    def old_rows(table: str) -> str:
        return row_source(table, "OLD")

    return [
        _Trigger(
            "feed_subscriptions_ai",
            "subscriptions",
            "AFTER INSERT",
            _add(_entries(subscriptions=new_rows("subscriptions"))),
            statement=True,
            pg_lock=_lock_channels("new_rows"),
        ),
        _Trigger(
            "feed_subscriptions_ad",
            "subscriptions",
            "AFTER DELETE",
            _remove(_keys(subscriptions=old_rows("subscriptions"))),
            statement=True,
            pg_lock=_lock_channels("old_rows"),
        ),
        _Trigger(
            "feed_subscriptions_au",
            "subscriptions",
            "AFTER UPDATE OF user_id, channel_id",
            _remove(_keys(subscriptions=_one_row("subscriptions", "OLD")))
            + " "
            + _add(_entries(subscriptions=_one_row("subscriptions", "NEW"))),
            when=_SUBSCRIPTION_MOVED,
            pg_lock=_lock_channels(_BOTH_CHANNELS),
        ),
        _Trigger(
            "feed_instances_ai",
            "video_instances",
            "AFTER INSERT",
            _add(_entries(instances=new_rows("video_instances"))),
            statement=True,
            pg_lock=_lock_channels("new_rows"),
        ),
        _Trigger(
            "feed_instances_ad",
            "video_instances",
            "AFTER DELETE",
            _remove(_keys(instances=old_rows("video_instances"))),
            statement=True,
            pg_lock=_lock_channels("old_rows"),
        ),
        _Trigger(
            "feed_instances_au",
            "video_instances",
            "AFTER UPDATE OF id, channel_id, video_id, date_added",
            _remove(_keys(instances=_one_row("video_instances", "OLD")))
            + " "
            + _add(_entries(instances=_one_row("video_instances", "NEW"))),
            when=_INSTANCE_MOVED,
            pg_lock=_lock_channels(_BOTH_CHANNELS),
        ),
        _Trigger(
            "feed_channels_au",
            "channels",
            "AFTER UPDATE OF public, owner_id",
            _remove(_keys(where=f"s.channel_id = NEW.id AND NOT {_channel_sight('NEW')}"))
            + " "
            + _add(_entries(where=f"s.channel_id = NEW.id AND NOT {_channel_sight('OLD')}")),
            when=_CHANNEL_CHANGED,
        ),
        _Trigger(
            "feed_channels_bd",
            "channels",
            "BEFORE DELETE",
            _remove(_keys(where="s.channel_id = OLD.id")),
        ),
        _Trigger(
            "feed_users_bd",
            "users",
            "BEFORE DELETE",
            f"DELETE FROM {_TABLE} WHERE user_id = OLD.id;",
        ),
        _Trigger(
            "feed_video_locales_ai",
            "video_locales",
            "AFTER INSERT",
            _recompute_restricted("SELECT video_id FROM " + new_rows("video_locales")),
            statement=True,
            pg_lock=_lock_videos("new_rows"),
        ),
        _Trigger(
            "feed_video_locales_ad",
            "video_locales",
            "AFTER DELETE",
            _recompute_restricted("SELECT video_id FROM " + old_rows("video_locales")),
            statement=True,
            pg_lock=_lock_videos("old_rows"),
        ),
        _Trigger(
            "feed_video_locales_au",
            "video_locales",
            "AFTER UPDATE OF video_id",
            _recompute_restricted("SELECT OLD.video_id UNION SELECT NEW.video_id"),
            when="OLD.video_id <> NEW.video_id",
            pg_lock=_lock_videos(_BOTH_VIDEOS),
        ),
    ]


_PG_TRIGGERS = _triggers(lambda _table, which: f"{which.lower()}_rows", _remove_pg)
_SQLITE_TRIGGERS = _triggers(_one_row, _remove_sqlite)

_PG_TRUNCATED = {
    "subscriptions": f"TRUNCATE {_TABLE};",
    "video_instances": f"TRUNCATE {_TABLE};",
    "channels": f"TRUNCATE {_TABLE};",
    "video_locales": f"UPDATE {_TABLE} SET restricted = FALSE WHERE restricted;",
}
"""PostgreSQL's TRUNCATE fires no delete trigger: the same effect, in bulk."""


def _pg_create(trigger: _Trigger) -> list[str]:
    returned = "OLD" if trigger.timing.startswith("BEFORE") else "NULL"
    function = (
        f"CREATE FUNCTION {trigger.name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"{trigger.pg_lock} {trigger.body} RETURN {returned}; END $$"
    )
    if trigger.statement:
        kind = "NEW TABLE AS new_rows" if "INSERT" in trigger.timing else "OLD TABLE AS old_rows"
        each = f"REFERENCING {kind} FOR EACH STATEMENT"
    else:
        each = "FOR EACH ROW" + (f" WHEN ({trigger.when})" if trigger.when else "")
    return [
        function,
        f"CREATE TRIGGER {trigger.name} {trigger.timing} ON {trigger.table} {each} "
        f"EXECUTE FUNCTION {trigger.name}()",
    ]


def _sqlite_create(trigger: _Trigger) -> str:
    when = f" WHEN {trigger.when}" if trigger.when else ""
    return (
        f"CREATE TRIGGER {trigger.name} {trigger.timing} ON {trigger.table} FOR EACH ROW{when} "
        f"BEGIN {trigger.body} END"
    )


CREATE_TRIGGERS = {
    "postgresql": [
        *(statement for trigger in _PG_TRIGGERS for statement in _pg_create(trigger)),
        *(
            statement
            for table, body in _PG_TRUNCATED.items()
            for statement in (
                f"CREATE FUNCTION feed_{table}_at() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN {body} RETURN NULL; END $$",
                f"CREATE TRIGGER feed_{table}_at AFTER TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION feed_{table}_at()",
            )
        ),
    ],
    "sqlite": [_sqlite_create(trigger) for trigger in _SQLITE_TRIGGERS],
}
DROP = {
    "postgresql": [
        *(f"DROP TRIGGER {t.name} ON {t.table}" for t in _PG_TRIGGERS),
        *(f"DROP FUNCTION {t.name}()" for t in _PG_TRIGGERS),
        *(f"DROP TRIGGER feed_{table}_at ON {table}" for table in _PG_TRUNCATED),
        *(f"DROP FUNCTION feed_{table}_at()" for table in _PG_TRUNCATED),
        f"DROP TABLE {_TABLE}",
    ],
    "sqlite": [
        *(f"DROP TRIGGER {t.name}" for t in _SQLITE_TRIGGERS),
        f"DROP TABLE {_TABLE}",
    ],
}

INSERT_TRIGGERS = {"subscriptions": "feed_subscriptions_ai", "video_instances": "feed_instances_ai"}
BULK_LOAD_BEGIN = [
    *(f"ALTER TABLE {table} DISABLE TRIGGER {name}" for table, name in INSERT_TRIGGERS.items()),
    DROP_PRIMARY_KEY,
]
"""PostgreSQL, before a bulk COPY into `subscriptions` and `video_instances` (an empty feed):
the rows are added by `fill_statements` afterwards and the key is built once, sorted."""
BULK_LOAD_END = [
    ADD_PRIMARY_KEY,
    *(f"ALTER TABLE {table} ENABLE TRIGGER {name}" for table, name in INSERT_TRIGGERS.items()),
]

MAX_USER_ID = "SELECT coalesce(max(user_id), 0) FROM subscriptions"


def fill_statements(max_user_id: int, batch: int = FILL_BATCH) -> Iterator[tuple[int, str]]:
    """`(last user id covered, INSERT)` per batch of user ids, to fill `feed_entries` from the
    subscriptions of users up to `max_user_id` (run them in order; report the first value as
    progress). The table must hold no row of those users yet."""
    for first in range(1, max_user_id + 1, batch):
        last = min(first + batch - 1, max_user_id)
        yield last, _add(_entries(where=f"s.user_id BETWEEN {first} AND {last}")).rstrip(";")
