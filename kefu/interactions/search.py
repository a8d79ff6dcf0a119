"""Full-text search over conversations: SQLite FTS5 or PostgreSQL tsvector.

Documents are pre-tokenised into CJK bigrams and words (core.text) so both engines
only split on spaces; a query matches when every one of its tokens occurs.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import BigIntegerField, F, Func, QuerySet
from django.db.models.expressions import RawSQL

from kefu.interactions.core.text import query_terms

FTS_TABLE = "interactions_conversation_fts"


def is_sqlite() -> bool:
    return connection.vendor == "sqlite"


CREATE_SQLITE = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(tokens, tokenize='unicode61')"
]
DROP_SQLITE = [f"DROP TABLE IF EXISTS {FTS_TABLE}"]
CREATE_POSTGRES = [
    f"CREATE TABLE IF NOT EXISTS {FTS_TABLE} (conversation_id bigint PRIMARY KEY, tokens tsvector)",
    f"CREATE INDEX IF NOT EXISTS {FTS_TABLE}_gin ON {FTS_TABLE} USING gin (tokens)",
]
DROP_POSTGRES = [f"DROP TABLE IF EXISTS {FTS_TABLE}"]


def create_index_table(schema_editor) -> None:
    statements = CREATE_SQLITE if schema_editor.connection.vendor == "sqlite" else CREATE_POSTGRES
    for sql in statements:
        schema_editor.execute(sql)


def drop_index_table(schema_editor) -> None:
    statements = DROP_SQLITE if schema_editor.connection.vendor == "sqlite" else DROP_POSTGRES
    for sql in statements:
        schema_editor.execute(sql)


def replace_documents(rows: Iterable[tuple[int, str]]) -> None:
    """(conversation pk, tokens) pairs; existing documents for those pks are replaced."""
    rows = list(rows)
    if not rows:
        return
    ids = [(pk,) for pk, _ in rows]
    with connection.cursor() as cursor:
        if is_sqlite():
            cursor.executemany(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", ids)
            cursor.executemany(f"INSERT INTO {FTS_TABLE}(rowid, tokens) VALUES (%s, %s)", rows)
        else:
            cursor.execute(
                f"DELETE FROM {FTS_TABLE} WHERE conversation_id = ANY(%s)", [[pk for (pk,) in ids]]
            )
            # The tokens go in as a tsvector literal, not through to_tsvector(): no text
            # parser (whose idea of a word depends on the server locale) sees them.
            with cursor.cursor.copy(
                f"COPY {FTS_TABLE} (conversation_id, tokens) FROM STDIN"
            ) as copy:
                for pk, tokens in rows:
                    copy.write_row((pk, _tsvector_literal(tokens)))


def _quote_lexeme(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def _tsvector_literal(tokens: str) -> str:
    return " ".join(_quote_lexeme(t) for t in tokens.split())


BROAD_MATCHES = 2000


def _is_broad(match: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s "
            f"LIMIT {BROAD_MATCHES})",
            [match],
        )
        return cursor.fetchone()[0] >= BROAD_MATCHES


def filter_conversations(qs: QuerySet, query: str) -> QuerySet:
    terms = query_terms(query)
    if not terms:
        return qs
    if is_sqlite():
        match = " AND ".join(
            '"' + t.replace('"', '""') + '"' + ("*" if prefix else "") for t, prefix in terms
        )
        sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"
        if not _is_broad(match):
            return qs.filter(pk__in=RawSQL(sql, [match]))
        # A broad query (thousands of matches): SQLite would fetch every match by id and
        # sort them all by time (1.3 s at 1M conversations). `+id` hides the id index from
        # the planner, so it walks the time index and probes the matches instead, stopping
        # after one page (60 ms). For a rare word that walk would be the slow plan.
        unindexed_pk = Func(F("pk"), template="+%(expressions)s", output_field=BigIntegerField())
        return qs.alias(_search_pk=unindexed_pk).filter(_search_pk__in=RawSQL(sql, [match]))
    tsquery = " & ".join(_quote_lexeme(t) + (":*" if prefix else "") for t, prefix in terms)
    sql = f"SELECT conversation_id FROM {FTS_TABLE} WHERE tokens @@ %s::tsquery"
    return qs.filter(pk__in=RawSQL(sql, [tsquery]))
