"""Feed tokens: the secret part of a feed URL.

A calendar app can only GET a URL, so the URL carries the secret: 32 random bytes
(``secrets.token_urlsafe(32)``, 256 bits). The database keeps only its SHA-256, so a token
can be shown once, when it is issued or rotated, and never again. A request is matched by
looking up the hash (an index lookup whose time does not depend on which character of a bad
token is wrong), then the stored hash is compared with ``hmac.compare_digest``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING, Any

from programs.plugins.ical.models import SCOPE_KINDS, FeedToken
from sqlmodel import select

from programs.api import utcnow

if TYPE_CHECKING:
    from sqlmodel import Session as DbSession

    from programs.api import CalendarScope

MAX_TOKEN_LENGTH = 100  # ours are 43 characters; anything much longer is not worth hashing


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def token_row(db: DbSession, scope: CalendarScope) -> FeedToken | None:
    """The token row of a scope (active or revoked), or None if none was ever issued."""
    return db.exec(
        select(FeedToken).where(FeedToken.scope_kind == scope.kind, FeedToken.scope_id == scope.id)
    ).first()


def _set_new(db: DbSession, scope: CalendarScope, row: FeedToken | None) -> str:
    if scope.kind not in SCOPE_KINDS:
        raise ValueError(f"unknown feed scope {scope.kind!r}")
    token = new_token()
    if row is None:
        row = FeedToken(scope_kind=scope.kind, scope_id=scope.id, token_hash=token_hash(token))
        setattr(row, f"{scope.kind}_id", scope.id)  # the owner, by foreign key
        db.add(row)
    else:
        row.token_hash = token_hash(token)
        row.rotated_at = utcnow()
        row.revoked_at = None
    db.flush()
    return token


def issue(db: DbSession, scope: CalendarScope) -> str | None:
    """A new token for ``scope``, or None when it already has an active one (which cannot
    be shown again: only its hash is kept)."""
    row = token_row(db, scope)
    if row is not None and row.revoked_at is None:
        return None
    return _set_new(db, scope, row)


def rotate(db: DbSession, scope: CalendarScope) -> str:
    """Replace the scope's token (the old URL stops working at once); issues one if none."""
    return _set_new(db, scope, token_row(db, scope))


def revoke(db: DbSession, scope: CalendarScope) -> FeedToken | None:
    """Stop the scope's URL from working; None when there was no active token."""
    row = token_row(db, scope)
    if row is None or row.revoked_at is not None:
        return None
    row.revoked_at = utcnow()
    # The hash is replaced by one nobody knows the token of: the old token can never match
    # again, even if the row is later reused by `link`.
    row.token_hash = token_hash(new_token())
    db.flush()
    return row


_RESOLVE: Any = None


def _resolve_statement() -> Any:
    """Built once: a poll's first query costs its execution, not its construction."""
    global _RESOLVE
    if _RESOLVE is None:
        import sqlalchemy as sa

        table = FeedToken.__table__  # type: ignore[attr-defined]
        _RESOLVE = (
            sa.select(table.c.scope_kind, table.c.scope_id, table.c.token_hash)
            .where(table.c.token_hash == sa.bindparam("digest"), table.c.revoked_at.is_(None))
            .limit(1)
        )
    return _RESOLVE


def resolve(db: DbSession | Any, token: str) -> CalendarScope | None:
    """The scope a token opens, or None (unknown, revoked or malformed: the same answer).
    ``db``: a session, a connection or a quick reader (``App.quick_read``)."""
    from programs.api import CalendarScope, read_rows

    digest = token_hash(token[:MAX_TOKEN_LENGTH])
    rows = read_rows(db, _resolve_statement(), digest=digest)
    if not rows or len(token) > MAX_TOKEN_LENGTH:
        return None
    kind, scope_id, stored = rows[0]
    if not hmac.compare_digest(stored.encode(), digest.encode()):
        return None
    return CalendarScope(kind=kind, id=scope_id)
