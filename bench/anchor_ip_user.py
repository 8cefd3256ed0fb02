"""The anchor's `/like` plus the one write the likes API must make that the anchor skips.

The likes API maps every client IP to a user record of its own, created on first sight (spec
README, "Likes-API users are identified by client IP"); a toggle from a new address writes that
row as well as the like and the counter. The anchor's toggle takes a user id from its path and
writes no user. This module is the anchor (`bench/anchor.py`, imported, not copied) with a user
row of kind `ip` inserted in the same statement, as our toggle inserts it: a new hash per request
(each request plays a new address), `ON CONFLICT (ip_hash) DO NOTHING` as ours. Nothing else
changes: same server, pool, response and like. `bench.like_floor` serves it next to the anchor
and our server, to show how much of the like's gap is this database work rather than our stack.

    DATABASE_URL=... granian --interface asgi --workers 2 --loop uvloop --working-dir bench \
        anchor_ip_user:app
"""

import anchor  # bench/ is the working directory, as when the anchor is served alone

IP_USER = """nu AS (INSERT INTO users (kind, ip_hash, created_at, updated_at, lang,
                               default_study_language_code, browser_notifications_enabled,
                               email_notifications_enabled, email_verified, is_active,
                               token_version)
            VALUES ('ip', md5($2::bigint::text || random()::text) || md5($1::bigint::text),
                    now(), now(), 'en', 'en', false, false, false, true, 0)
            ON CONFLICT (ip_hash) DO NOTHING RETURNING id),
     """
"""A data-modifying CTE runs to completion whether or not the statement reads it."""

_WITH = "WITH d AS"
assert anchor.TOGGLE.count(_WITH) == 1, "the anchor's toggle changed: revisit this module"
anchor.TOGGLE = anchor.TOGGLE.replace(_WITH, "WITH " + IP_USER + "d AS")

app = anchor.app
