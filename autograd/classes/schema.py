"""The class database's schema: an ordered list of migrations, applied by the code itself.

Version n is ``MIGRATIONS[n - 1]``; the table ``schema_version`` holds a row
per version applied. Opening a database applies, in one transaction, the
versions it lacks, so a file made by an older autograd is brought up to date
and a new one is made from nothing. A migration, once released, is never
edited: a change is a new migration appended to the list.

The tables (``{id}`` is each dialect's auto-numbered key):

- ``classes``: the join code, the teacher token's digest, the items (JSON)
  and their count, how many questions they ask in all (version 2), the cap
  on students, the pace (item, step, free, paused), the last event's number,
  created and ended times;
- ``students``: class, nickname (as shown) and its key (unique in the class),
  the token's digest, joined and last-seen times;
- ``answers``: class, student, question (numbered across the items), node, the
  number (none for a reveal), revealed, correct, mistake code, message, the
  idempotency key (unique per student), time;
- ``events``: class, its number in the class (1, 2, 3, ...), kind, payload
  (JSON), time.

Times are ISO 8601 text in UTC (``2026-11-30T05:54:01.123Z``): readable in
any database browser and ordered as text. Deleting a class deletes its
students, answers and events (foreign keys, ``ON DELETE CASCADE``).
"""

from __future__ import annotations

from datetime import datetime, timezone

from autograd.classes.connections import Postgres, SQLite
from autograd.classes.errors import SchemaError

MIGRATIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "classes, students, answers and events",
        (
            """CREATE TABLE classes (
                id {id},
                code TEXT NOT NULL UNIQUE,
                teacher_token_hash TEXT NOT NULL UNIQUE,
                items TEXT NOT NULL,
                item_count INTEGER NOT NULL CHECK (item_count >= 1),
                max_students INTEGER NOT NULL CHECK (max_students >= 1),
                pace_item INTEGER NOT NULL DEFAULT 0,
                pace_step INTEGER NOT NULL DEFAULT 0,
                pace_free BOOLEAN NOT NULL DEFAULT FALSE,
                paused BOOLEAN NOT NULL DEFAULT FALSE,
                last_event BIGINT NOT NULL DEFAULT 0,
                created_at TEXT NOT NULL,
                ended_at TEXT
            )""",
            """CREATE TABLE students (
                id {id},
                class_id BIGINT NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                name_key TEXT NOT NULL,
                token_hash TEXT NOT NULL UNIQUE,
                joined_at TEXT NOT NULL,
                last_seen_at TEXT NOT NULL,
                UNIQUE (class_id, name_key),
                UNIQUE (id, class_id)
            )""",
            """CREATE TABLE answers (
                id {id},
                class_id BIGINT NOT NULL,
                student_id BIGINT NOT NULL,
                question INTEGER NOT NULL CHECK (question >= 0),
                node TEXT NOT NULL,
                answer DOUBLE PRECISION,
                revealed BOOLEAN NOT NULL,
                correct BOOLEAN NOT NULL,
                mistake TEXT,
                message TEXT NOT NULL,
                idempotency_key TEXT NOT NULL,
                answered_at TEXT NOT NULL,
                UNIQUE (student_id, idempotency_key),
                FOREIGN KEY (student_id, class_id)
                    REFERENCES students (id, class_id) ON DELETE CASCADE
            )""",
            "CREATE INDEX answers_by_class ON answers (class_id, question, node)",
            """CREATE TABLE events (
                id {id},
                class_id BIGINT NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
                seq BIGINT NOT NULL,
                kind TEXT NOT NULL,
                payload TEXT NOT NULL,
                created_at TEXT NOT NULL,
                UNIQUE (class_id, seq)
            )""",
        ),
    ),
    (
        "a class's number of questions",
        (
            "ALTER TABLE classes ADD COLUMN question_count INTEGER",
            "UPDATE classes SET question_count = item_count",
        ),
    ),
)


def migrate(database: SQLite | Postgres, name: str) -> int:
    """Bring ``database`` (called ``name`` in messages) up to the latest version; that version."""
    with database.transaction(write=True) as db:
        database.lock_migrations(db)
        db.run(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY,"
            " description TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        current = db.one("SELECT MAX(version) FROM schema_version")[0] or 0
        if current > len(MIGRATIONS):
            raise SchemaError(
                f"the class database {name} has schema version {current}, newer than this"
                f" autograd knows ({len(MIGRATIONS)}): upgrade scalar-autograd to open it"
            )
        for version, (description, statements) in enumerate(MIGRATIONS, start=1):
            if version > current:
                for statement in statements:
                    db.run(statement.format(id=database.id_column))
                db.run(
                    "INSERT INTO schema_version (version, description, applied_at)"
                    " VALUES (?, ?, ?)",
                    (version, description, now()),
                )
    return len(MIGRATIONS)


def now(shift: float = 0.0) -> str:
    """The time in UTC as ISO 8601 text, to the millisecond (``shift`` seconds from now)."""
    moment = datetime.fromtimestamp(datetime.now(timezone.utc).timestamp() + shift, timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
