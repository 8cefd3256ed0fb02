"""`feed_entries`: the subscription feed precomputed, kept exact by triggers (both backends).

The Rockpack feed read every instance of every subscribed channel and sorted them on each
request (~14 ms in PostgreSQL for 500 subscriptions); `feed_entries` holds that join in feed
order instead (`getnative.channels.feed_index` says how and why). Existing subscriptions are
backfilled in batches of user ids, with progress on the `getnative.migrations` logger, then
(PostgreSQL) the primary key is built once and the triggers created. Writers of the tables the
feed is derived from wait meanwhile (SHARE lock), so no write is missed between the backfill
and the triggers.

Frozen: the SQL is written out here, as `channels.feed_index` generated it when this revision
was made, so a later change to that module cannot change what this revision did. A change to
the triggers is a new revision; `tests/channels/test_feed_index.py` says when the module and the
newest revision that installs them part ways.

Revision ID: 0009
Revises: 0008
"""

import logging
import time
from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("getnative.migrations")

CREATE_TABLE = {
    "postgresql": (
        "CREATE TABLE feed_entries (user_id BIGINT NOT NULL, date_added TIMESTAMP WITH "
        "TIME ZONE NOT NULL, instance_id BIGINT NOT NULL, restricted BOOLEAN NOT NULL)"
    ),
    "sqlite": (
        "CREATE TABLE feed_entries (user_id INTEGER NOT NULL, date_added DATETIME NOT "
        "NULL, instance_id INTEGER NOT NULL, restricted BOOLEAN NOT NULL, CONSTRAINT "
        "pk_feed_entries PRIMARY KEY (user_id, date_added, instance_id)) WITHOUT ROWID"
    ),
}

ADD_PRIMARY_KEY = (
    "ALTER TABLE feed_entries ADD CONSTRAINT pk_feed_entries PRIMARY KEY (user_id, "
    "date_added, instance_id) INCLUDE (restricted)"
)

FILL_BATCH = 10_000
"""User ids per filling statement: ~500k rows of the bench data set, a few seconds each."""

MAX_USER_ID = "SELECT coalesce(max(user_id), 0) FROM subscriptions"

FILL = (
    "INSERT INTO feed_entries (user_id, date_added, instance_id, restricted) SELECT "
    "s.user_id, i.date_added, i.id, EXISTS (SELECT 1 FROM video_locales l WHERE "
    "l.video_id = i.video_id) FROM subscriptions s JOIN channels c ON c.id = "
    "s.channel_id JOIN video_instances i ON i.channel_id = s.channel_id WHERE "
    "(c.public OR c.owner_id = s.user_id) AND s.user_id BETWEEN {first} AND {last}"
)
"""One batch of the backfill: the user ids from `first` to `last`."""

CREATE_TRIGGERS = {
    "postgresql": [
        (
            "CREATE FUNCTION feed_subscriptions_ai() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN PERFORM 1 FROM channels WHERE id IN (SELECT channel_id FROM new_rows) "
            "ORDER BY id FOR NO KEY UPDATE; INSERT INTO feed_entries (user_id, date_added, "
            "instance_id, restricted) SELECT s.user_id, i.date_added, i.id, EXISTS (SELECT 1 "
            "FROM video_locales l WHERE l.video_id = i.video_id) FROM new_rows s JOIN "
            "channels c ON c.id = s.channel_id JOIN video_instances i ON i.channel_id = "
            "s.channel_id WHERE (c.public OR c.owner_id = s.user_id) AND 1 = 1; RETURN NULL; "
            "END $$"
        ),
        (
            "CREATE TRIGGER feed_subscriptions_ai AFTER INSERT ON subscriptions REFERENCING "
            "NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "
            "feed_subscriptions_ai()"
        ),
        (
            "CREATE FUNCTION feed_subscriptions_ad() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN PERFORM 1 FROM channels WHERE id IN (SELECT channel_id FROM old_rows) "
            "ORDER BY id FOR NO KEY UPDATE; DELETE FROM feed_entries WHERE ctid = ANY (ARRAY "
            "(SELECT f.ctid FROM (SELECT s.user_id, i.date_added, i.id FROM old_rows s JOIN "
            "video_instances i ON i.channel_id = s.channel_id WHERE 1 = 1) k, LATERAL "
            "(SELECT ctid FROM feed_entries f WHERE f.user_id = k.user_id AND f.date_added = "
            "k.date_added AND f.instance_id = k.id OFFSET 0) f)); RETURN NULL; END $$"
        ),
        (
            "CREATE TRIGGER feed_subscriptions_ad AFTER DELETE ON subscriptions REFERENCING "
            "OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "
            "feed_subscriptions_ad()"
        ),
        (
            "CREATE FUNCTION feed_subscriptions_au() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN PERFORM 1 FROM channels WHERE id IN (SELECT channel_id FROM (SELECT "
            "OLD.channel_id AS channel_id UNION SELECT NEW.channel_id) AS moved) ORDER BY id "
            "FOR NO KEY UPDATE; DELETE FROM feed_entries WHERE ctid = ANY (ARRAY (SELECT "
            "f.ctid FROM (SELECT s.user_id, i.date_added, i.id FROM (SELECT OLD.user_id AS "
            "user_id, OLD.channel_id AS channel_id) s JOIN video_instances i ON i.channel_id "
            "= s.channel_id WHERE 1 = 1) k, LATERAL (SELECT ctid FROM feed_entries f WHERE "
            "f.user_id = k.user_id AND f.date_added = k.date_added AND f.instance_id = k.id "
            "OFFSET 0) f)); INSERT INTO feed_entries (user_id, date_added, instance_id, "
            "restricted) SELECT s.user_id, i.date_added, i.id, EXISTS (SELECT 1 FROM "
            "video_locales l WHERE l.video_id = i.video_id) FROM (SELECT NEW.user_id AS "
            "user_id, NEW.channel_id AS channel_id) s JOIN channels c ON c.id = s.channel_id "
            "JOIN video_instances i ON i.channel_id = s.channel_id WHERE (c.public OR "
            "c.owner_id = s.user_id) AND 1 = 1; RETURN NULL; END $$"
        ),
        (
            "CREATE TRIGGER feed_subscriptions_au AFTER UPDATE OF user_id, channel_id ON "
            "subscriptions FOR EACH ROW WHEN (OLD.user_id <> NEW.user_id OR OLD.channel_id "
            "<> NEW.channel_id) EXECUTE FUNCTION feed_subscriptions_au()"
        ),
        (
            "CREATE FUNCTION feed_instances_ai() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN PERFORM 1 FROM channels WHERE id IN (SELECT channel_id FROM new_rows) "
            "ORDER BY id FOR NO KEY UPDATE; INSERT INTO feed_entries (user_id, date_added, "
            "instance_id, restricted) SELECT s.user_id, i.date_added, i.id, EXISTS (SELECT 1 "
            "FROM video_locales l WHERE l.video_id = i.video_id) FROM subscriptions s JOIN "
            "channels c ON c.id = s.channel_id JOIN new_rows i ON i.channel_id = "
            "s.channel_id WHERE (c.public OR c.owner_id = s.user_id) AND 1 = 1; RETURN NULL; "
            "END $$"
        ),
        (
            "CREATE TRIGGER feed_instances_ai AFTER INSERT ON video_instances REFERENCING "
            "NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION feed_instances_ai()"
        ),
        (
            "CREATE FUNCTION feed_instances_ad() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN PERFORM 1 FROM channels WHERE id IN (SELECT channel_id FROM old_rows) "
            "ORDER BY id FOR NO KEY UPDATE; DELETE FROM feed_entries WHERE ctid = ANY (ARRAY "
            "(SELECT f.ctid FROM (SELECT s.user_id, i.date_added, i.id FROM subscriptions s "
            "JOIN old_rows i ON i.channel_id = s.channel_id WHERE 1 = 1) k, LATERAL (SELECT "
            "ctid FROM feed_entries f WHERE f.user_id = k.user_id AND f.date_added = "
            "k.date_added AND f.instance_id = k.id OFFSET 0) f)); RETURN NULL; END $$"
        ),
        (
            "CREATE TRIGGER feed_instances_ad AFTER DELETE ON video_instances REFERENCING "
            "OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION feed_instances_ad()"
        ),
        (
            "CREATE FUNCTION feed_instances_au() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN PERFORM 1 FROM channels WHERE id IN (SELECT channel_id FROM (SELECT "
            "OLD.channel_id AS channel_id UNION SELECT NEW.channel_id) AS moved) ORDER BY id "
            "FOR NO KEY UPDATE; DELETE FROM feed_entries WHERE ctid = ANY (ARRAY (SELECT "
            "f.ctid FROM (SELECT s.user_id, i.date_added, i.id FROM subscriptions s JOIN "
            "(SELECT OLD.id AS id, OLD.channel_id AS channel_id, OLD.video_id AS video_id, "
            "OLD.date_added AS date_added) i ON i.channel_id = s.channel_id WHERE 1 = 1) k, "
            "LATERAL (SELECT ctid FROM feed_entries f WHERE f.user_id = k.user_id AND "
            "f.date_added = k.date_added AND f.instance_id = k.id OFFSET 0) f)); INSERT INTO "
            "feed_entries (user_id, date_added, instance_id, restricted) SELECT s.user_id, "
            "i.date_added, i.id, EXISTS (SELECT 1 FROM video_locales l WHERE l.video_id = "
            "i.video_id) FROM subscriptions s JOIN channels c ON c.id = s.channel_id JOIN "
            "(SELECT NEW.id AS id, NEW.channel_id AS channel_id, NEW.video_id AS video_id, "
            "NEW.date_added AS date_added) i ON i.channel_id = s.channel_id WHERE (c.public "
            "OR c.owner_id = s.user_id) AND 1 = 1; RETURN NULL; END $$"
        ),
        (
            "CREATE TRIGGER feed_instances_au AFTER UPDATE OF id, channel_id, video_id, "
            "date_added ON video_instances FOR EACH ROW WHEN (OLD.id <> NEW.id OR "
            "OLD.channel_id <> NEW.channel_id OR OLD.video_id <> NEW.video_id OR "
            "OLD.date_added <> NEW.date_added) EXECUTE FUNCTION feed_instances_au()"
        ),
        (
            "CREATE FUNCTION feed_channels_au() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN  DELETE FROM feed_entries WHERE ctid = ANY (ARRAY (SELECT f.ctid FROM "
            "(SELECT s.user_id, i.date_added, i.id FROM subscriptions s JOIN video_instances "
            "i ON i.channel_id = s.channel_id WHERE s.channel_id = NEW.id AND NOT "
            "(NEW.public OR NEW.owner_id = s.user_id)) k, LATERAL (SELECT ctid FROM "
            "feed_entries f WHERE f.user_id = k.user_id AND f.date_added = k.date_added AND "
            "f.instance_id = k.id OFFSET 0) f)); INSERT INTO feed_entries (user_id, "
            "date_added, instance_id, restricted) SELECT s.user_id, i.date_added, i.id, "
            "EXISTS (SELECT 1 FROM video_locales l WHERE l.video_id = i.video_id) FROM "
            "subscriptions s JOIN channels c ON c.id = s.channel_id JOIN video_instances i "
            "ON i.channel_id = s.channel_id WHERE (c.public OR c.owner_id = s.user_id) AND "
            "s.channel_id = NEW.id AND NOT (OLD.public OR OLD.owner_id = s.user_id); RETURN "
            "NULL; END $$"
        ),
        (
            "CREATE TRIGGER feed_channels_au AFTER UPDATE OF public, owner_id ON channels "
            "FOR EACH ROW WHEN (OLD.public <> NEW.public OR OLD.owner_id <> NEW.owner_id) "
            "EXECUTE FUNCTION feed_channels_au()"
        ),
        (
            "CREATE FUNCTION feed_channels_bd() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN  DELETE FROM feed_entries WHERE ctid = ANY (ARRAY (SELECT f.ctid FROM "
            "(SELECT s.user_id, i.date_added, i.id FROM subscriptions s JOIN video_instances "
            "i ON i.channel_id = s.channel_id WHERE s.channel_id = OLD.id) k, LATERAL "
            "(SELECT ctid FROM feed_entries f WHERE f.user_id = k.user_id AND f.date_added = "
            "k.date_added AND f.instance_id = k.id OFFSET 0) f)); RETURN OLD; END $$"
        ),
        (
            "CREATE TRIGGER feed_channels_bd BEFORE DELETE ON channels FOR EACH ROW EXECUTE "
            "FUNCTION feed_channels_bd()"
        ),
        (
            "CREATE FUNCTION feed_users_bd() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN  "
            "DELETE FROM feed_entries WHERE user_id = OLD.id; RETURN OLD; END $$"
        ),
        (
            "CREATE TRIGGER feed_users_bd BEFORE DELETE ON users FOR EACH ROW EXECUTE "
            "FUNCTION feed_users_bd()"
        ),
        (
            "CREATE FUNCTION feed_video_locales_ai() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN PERFORM 1 FROM videos WHERE id IN (SELECT video_id FROM new_rows) ORDER "
            "BY id FOR UPDATE; UPDATE feed_entries SET restricted = (SELECT EXISTS (SELECT 1 "
            "FROM video_instances i JOIN video_locales l ON l.video_id = i.video_id WHERE "
            "i.id = feed_entries.instance_id)) WHERE (user_id, date_added, instance_id) IN "
            "(SELECT s.user_id, i.date_added, i.id FROM subscriptions s JOIN video_instances "
            "i ON i.channel_id = s.channel_id WHERE i.video_id IN (SELECT video_id FROM "
            "new_rows)); RETURN NULL; END $$"
        ),
        (
            "CREATE TRIGGER feed_video_locales_ai AFTER INSERT ON video_locales REFERENCING "
            "NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "
            "feed_video_locales_ai()"
        ),
        (
            "CREATE FUNCTION feed_video_locales_ad() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN PERFORM 1 FROM videos WHERE id IN (SELECT video_id FROM old_rows) ORDER "
            "BY id FOR UPDATE; UPDATE feed_entries SET restricted = (SELECT EXISTS (SELECT 1 "
            "FROM video_instances i JOIN video_locales l ON l.video_id = i.video_id WHERE "
            "i.id = feed_entries.instance_id)) WHERE (user_id, date_added, instance_id) IN "
            "(SELECT s.user_id, i.date_added, i.id FROM subscriptions s JOIN video_instances "
            "i ON i.channel_id = s.channel_id WHERE i.video_id IN (SELECT video_id FROM "
            "old_rows)); RETURN NULL; END $$"
        ),
        (
            "CREATE TRIGGER feed_video_locales_ad AFTER DELETE ON video_locales REFERENCING "
            "OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "
            "feed_video_locales_ad()"
        ),
        (
            "CREATE FUNCTION feed_video_locales_au() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN PERFORM 1 FROM videos WHERE id IN (SELECT video_id FROM (SELECT "
            "OLD.video_id AS video_id UNION SELECT NEW.video_id) AS moved) ORDER BY id FOR "
            "UPDATE; UPDATE feed_entries SET restricted = (SELECT EXISTS (SELECT 1 FROM "
            "video_instances i JOIN video_locales l ON l.video_id = i.video_id WHERE i.id = "
            "feed_entries.instance_id)) WHERE (user_id, date_added, instance_id) IN (SELECT "
            "s.user_id, i.date_added, i.id FROM subscriptions s JOIN video_instances i ON "
            "i.channel_id = s.channel_id WHERE i.video_id IN (SELECT OLD.video_id UNION "
            "SELECT NEW.video_id)); RETURN NULL; END $$"
        ),
        (
            "CREATE TRIGGER feed_video_locales_au AFTER UPDATE OF video_id ON video_locales "
            "FOR EACH ROW WHEN (OLD.video_id <> NEW.video_id) EXECUTE FUNCTION "
            "feed_video_locales_au()"
        ),
        (
            "CREATE FUNCTION feed_subscriptions_at() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN TRUNCATE feed_entries; RETURN NULL; END $$"
        ),
        (
            "CREATE TRIGGER feed_subscriptions_at AFTER TRUNCATE ON subscriptions FOR EACH "
            "STATEMENT EXECUTE FUNCTION feed_subscriptions_at()"
        ),
        (
            "CREATE FUNCTION feed_video_instances_at() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN TRUNCATE feed_entries; RETURN NULL; END $$"
        ),
        (
            "CREATE TRIGGER feed_video_instances_at AFTER TRUNCATE ON video_instances FOR "
            "EACH STATEMENT EXECUTE FUNCTION feed_video_instances_at()"
        ),
        (
            "CREATE FUNCTION feed_channels_at() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "TRUNCATE feed_entries; RETURN NULL; END $$"
        ),
        (
            "CREATE TRIGGER feed_channels_at AFTER TRUNCATE ON channels FOR EACH STATEMENT "
            "EXECUTE FUNCTION feed_channels_at()"
        ),
        (
            "CREATE FUNCTION feed_video_locales_at() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN UPDATE feed_entries SET restricted = FALSE WHERE restricted; RETURN NULL; "
            "END $$"
        ),
        (
            "CREATE TRIGGER feed_video_locales_at AFTER TRUNCATE ON video_locales FOR EACH "
            "STATEMENT EXECUTE FUNCTION feed_video_locales_at()"
        ),
    ],
    "sqlite": [
        (
            "CREATE TRIGGER feed_subscriptions_ai AFTER INSERT ON subscriptions FOR EACH ROW "
            "BEGIN INSERT INTO feed_entries (user_id, date_added, instance_id, restricted) "
            "SELECT s.user_id, i.date_added, i.id, EXISTS (SELECT 1 FROM video_locales l "
            "WHERE l.video_id = i.video_id) FROM (SELECT NEW.user_id AS user_id, "
            "NEW.channel_id AS channel_id) s JOIN channels c ON c.id = s.channel_id JOIN "
            "video_instances i ON i.channel_id = s.channel_id WHERE (c.public OR c.owner_id "
            "= s.user_id) AND 1 = 1; END"
        ),
        (
            "CREATE TRIGGER feed_subscriptions_ad AFTER DELETE ON subscriptions FOR EACH ROW "
            "BEGIN DELETE FROM feed_entries WHERE (user_id, date_added, instance_id) IN "
            "(SELECT s.user_id, i.date_added, i.id FROM (SELECT OLD.user_id AS user_id, "
            "OLD.channel_id AS channel_id) s JOIN video_instances i ON i.channel_id = "
            "s.channel_id WHERE 1 = 1); END"
        ),
        (
            "CREATE TRIGGER feed_subscriptions_au AFTER UPDATE OF user_id, channel_id ON "
            "subscriptions FOR EACH ROW WHEN OLD.user_id <> NEW.user_id OR OLD.channel_id <> "
            "NEW.channel_id BEGIN DELETE FROM feed_entries WHERE (user_id, date_added, "
            "instance_id) IN (SELECT s.user_id, i.date_added, i.id FROM (SELECT OLD.user_id "
            "AS user_id, OLD.channel_id AS channel_id) s JOIN video_instances i ON "
            "i.channel_id = s.channel_id WHERE 1 = 1); INSERT INTO feed_entries (user_id, "
            "date_added, instance_id, restricted) SELECT s.user_id, i.date_added, i.id, "
            "EXISTS (SELECT 1 FROM video_locales l WHERE l.video_id = i.video_id) FROM "
            "(SELECT NEW.user_id AS user_id, NEW.channel_id AS channel_id) s JOIN channels c "
            "ON c.id = s.channel_id JOIN video_instances i ON i.channel_id = s.channel_id "
            "WHERE (c.public OR c.owner_id = s.user_id) AND 1 = 1; END"
        ),
        (
            "CREATE TRIGGER feed_instances_ai AFTER INSERT ON video_instances FOR EACH ROW "
            "BEGIN INSERT INTO feed_entries (user_id, date_added, instance_id, restricted) "
            "SELECT s.user_id, i.date_added, i.id, EXISTS (SELECT 1 FROM video_locales l "
            "WHERE l.video_id = i.video_id) FROM subscriptions s JOIN channels c ON c.id = "
            "s.channel_id JOIN (SELECT NEW.id AS id, NEW.channel_id AS channel_id, "
            "NEW.video_id AS video_id, NEW.date_added AS date_added) i ON i.channel_id = "
            "s.channel_id WHERE (c.public OR c.owner_id = s.user_id) AND 1 = 1; END"
        ),
        (
            "CREATE TRIGGER feed_instances_ad AFTER DELETE ON video_instances FOR EACH ROW "
            "BEGIN DELETE FROM feed_entries WHERE (user_id, date_added, instance_id) IN "
            "(SELECT s.user_id, i.date_added, i.id FROM subscriptions s JOIN (SELECT OLD.id "
            "AS id, OLD.channel_id AS channel_id, OLD.video_id AS video_id, OLD.date_added "
            "AS date_added) i ON i.channel_id = s.channel_id WHERE 1 = 1); END"
        ),
        (
            "CREATE TRIGGER feed_instances_au AFTER UPDATE OF id, channel_id, video_id, "
            "date_added ON video_instances FOR EACH ROW WHEN OLD.id <> NEW.id OR "
            "OLD.channel_id <> NEW.channel_id OR OLD.video_id <> NEW.video_id OR "
            "OLD.date_added <> NEW.date_added BEGIN DELETE FROM feed_entries WHERE (user_id, "
            "date_added, instance_id) IN (SELECT s.user_id, i.date_added, i.id FROM "
            "subscriptions s JOIN (SELECT OLD.id AS id, OLD.channel_id AS channel_id, "
            "OLD.video_id AS video_id, OLD.date_added AS date_added) i ON i.channel_id = "
            "s.channel_id WHERE 1 = 1); INSERT INTO feed_entries (user_id, date_added, "
            "instance_id, restricted) SELECT s.user_id, i.date_added, i.id, EXISTS (SELECT 1 "
            "FROM video_locales l WHERE l.video_id = i.video_id) FROM subscriptions s JOIN "
            "channels c ON c.id = s.channel_id JOIN (SELECT NEW.id AS id, NEW.channel_id AS "
            "channel_id, NEW.video_id AS video_id, NEW.date_added AS date_added) i ON "
            "i.channel_id = s.channel_id WHERE (c.public OR c.owner_id = s.user_id) AND 1 = "
            "1; END"
        ),
        (
            "CREATE TRIGGER feed_channels_au AFTER UPDATE OF public, owner_id ON channels "
            "FOR EACH ROW WHEN OLD.public <> NEW.public OR OLD.owner_id <> NEW.owner_id "
            "BEGIN DELETE FROM feed_entries WHERE (user_id, date_added, instance_id) IN "
            "(SELECT s.user_id, i.date_added, i.id FROM subscriptions s JOIN video_instances "
            "i ON i.channel_id = s.channel_id WHERE s.channel_id = NEW.id AND NOT "
            "(NEW.public OR NEW.owner_id = s.user_id)); INSERT INTO feed_entries (user_id, "
            "date_added, instance_id, restricted) SELECT s.user_id, i.date_added, i.id, "
            "EXISTS (SELECT 1 FROM video_locales l WHERE l.video_id = i.video_id) FROM "
            "subscriptions s JOIN channels c ON c.id = s.channel_id JOIN video_instances i "
            "ON i.channel_id = s.channel_id WHERE (c.public OR c.owner_id = s.user_id) AND "
            "s.channel_id = NEW.id AND NOT (OLD.public OR OLD.owner_id = s.user_id); END"
        ),
        (
            "CREATE TRIGGER feed_channels_bd BEFORE DELETE ON channels FOR EACH ROW BEGIN "
            "DELETE FROM feed_entries WHERE (user_id, date_added, instance_id) IN (SELECT "
            "s.user_id, i.date_added, i.id FROM subscriptions s JOIN video_instances i ON "
            "i.channel_id = s.channel_id WHERE s.channel_id = OLD.id); END"
        ),
        (
            "CREATE TRIGGER feed_users_bd BEFORE DELETE ON users FOR EACH ROW BEGIN DELETE "
            "FROM feed_entries WHERE user_id = OLD.id; END"
        ),
        (
            "CREATE TRIGGER feed_video_locales_ai AFTER INSERT ON video_locales FOR EACH ROW "
            "BEGIN UPDATE feed_entries SET restricted = (SELECT EXISTS (SELECT 1 FROM "
            "video_instances i JOIN video_locales l ON l.video_id = i.video_id WHERE i.id = "
            "feed_entries.instance_id)) WHERE (user_id, date_added, instance_id) IN (SELECT "
            "s.user_id, i.date_added, i.id FROM subscriptions s JOIN video_instances i ON "
            "i.channel_id = s.channel_id WHERE i.video_id IN (SELECT video_id FROM (SELECT "
            "NEW.video_id AS video_id))); END"
        ),
        (
            "CREATE TRIGGER feed_video_locales_ad AFTER DELETE ON video_locales FOR EACH ROW "
            "BEGIN UPDATE feed_entries SET restricted = (SELECT EXISTS (SELECT 1 FROM "
            "video_instances i JOIN video_locales l ON l.video_id = i.video_id WHERE i.id = "
            "feed_entries.instance_id)) WHERE (user_id, date_added, instance_id) IN (SELECT "
            "s.user_id, i.date_added, i.id FROM subscriptions s JOIN video_instances i ON "
            "i.channel_id = s.channel_id WHERE i.video_id IN (SELECT video_id FROM (SELECT "
            "OLD.video_id AS video_id))); END"
        ),
        (
            "CREATE TRIGGER feed_video_locales_au AFTER UPDATE OF video_id ON video_locales "
            "FOR EACH ROW WHEN OLD.video_id <> NEW.video_id BEGIN UPDATE feed_entries SET "
            "restricted = (SELECT EXISTS (SELECT 1 FROM video_instances i JOIN video_locales "
            "l ON l.video_id = i.video_id WHERE i.id = feed_entries.instance_id)) WHERE "
            "(user_id, date_added, instance_id) IN (SELECT s.user_id, i.date_added, i.id "
            "FROM subscriptions s JOIN video_instances i ON i.channel_id = s.channel_id "
            "WHERE i.video_id IN (SELECT OLD.video_id UNION SELECT NEW.video_id)); END"
        ),
    ],
}

DROP = {
    "postgresql": [
        "DROP TRIGGER feed_subscriptions_ai ON subscriptions",
        "DROP TRIGGER feed_subscriptions_ad ON subscriptions",
        "DROP TRIGGER feed_subscriptions_au ON subscriptions",
        "DROP TRIGGER feed_instances_ai ON video_instances",
        "DROP TRIGGER feed_instances_ad ON video_instances",
        "DROP TRIGGER feed_instances_au ON video_instances",
        "DROP TRIGGER feed_channels_au ON channels",
        "DROP TRIGGER feed_channels_bd ON channels",
        "DROP TRIGGER feed_users_bd ON users",
        "DROP TRIGGER feed_video_locales_ai ON video_locales",
        "DROP TRIGGER feed_video_locales_ad ON video_locales",
        "DROP TRIGGER feed_video_locales_au ON video_locales",
        "DROP FUNCTION feed_subscriptions_ai()",
        "DROP FUNCTION feed_subscriptions_ad()",
        "DROP FUNCTION feed_subscriptions_au()",
        "DROP FUNCTION feed_instances_ai()",
        "DROP FUNCTION feed_instances_ad()",
        "DROP FUNCTION feed_instances_au()",
        "DROP FUNCTION feed_channels_au()",
        "DROP FUNCTION feed_channels_bd()",
        "DROP FUNCTION feed_users_bd()",
        "DROP FUNCTION feed_video_locales_ai()",
        "DROP FUNCTION feed_video_locales_ad()",
        "DROP FUNCTION feed_video_locales_au()",
        "DROP TRIGGER feed_subscriptions_at ON subscriptions",
        "DROP TRIGGER feed_video_instances_at ON video_instances",
        "DROP TRIGGER feed_channels_at ON channels",
        "DROP TRIGGER feed_video_locales_at ON video_locales",
        "DROP FUNCTION feed_subscriptions_at()",
        "DROP FUNCTION feed_video_instances_at()",
        "DROP FUNCTION feed_channels_at()",
        "DROP FUNCTION feed_video_locales_at()",
        "DROP TABLE feed_entries",
    ],
    "sqlite": [
        "DROP TRIGGER feed_subscriptions_ai",
        "DROP TRIGGER feed_subscriptions_ad",
        "DROP TRIGGER feed_subscriptions_au",
        "DROP TRIGGER feed_instances_ai",
        "DROP TRIGGER feed_instances_ad",
        "DROP TRIGGER feed_instances_au",
        "DROP TRIGGER feed_channels_au",
        "DROP TRIGGER feed_channels_bd",
        "DROP TRIGGER feed_users_bd",
        "DROP TRIGGER feed_video_locales_ai",
        "DROP TRIGGER feed_video_locales_ad",
        "DROP TRIGGER feed_video_locales_au",
        "DROP TABLE feed_entries",
    ],
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            "LOCK TABLE subscriptions, video_instances, channels, video_locales IN SHARE MODE"
        )
        op.execute("SET LOCAL maintenance_work_mem = '256MB'")
    op.execute(CREATE_TABLE[dialect])
    _backfill()
    if dialect == "postgresql":
        started = time.monotonic()
        op.execute(ADD_PRIMARY_KEY)
        log.info("feed_entries: primary key built in %.0f s", time.monotonic() - started)
    for statement in CREATE_TRIGGERS[dialect]:
        op.execute(statement)
    op.execute("ANALYZE feed_entries")


def _backfill() -> None:
    connection = op.get_bind()
    max_user_id = connection.exec_driver_sql(MAX_USER_ID).scalar_one()
    started = time.monotonic()
    for first in range(1, max_user_id + 1, FILL_BATCH):
        last = min(first + FILL_BATCH - 1, max_user_id)
        connection.exec_driver_sql(FILL.format(first=first, last=last))
        log.info(
            "feed_entries: %d of %d user ids (%.0f%%), %.0f s",
            last,
            max_user_id,
            100 * last / max_user_id,
            time.monotonic() - started,
        )


def downgrade() -> None:
    for statement in DROP[op.get_bind().dialect.name]:
        op.execute(statement)
