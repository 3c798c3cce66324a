"""Feed tokens: the secret part of a feed URL.

A calendar app can only GET a URL, so the URL carries the secret: 32 random bytes
(``secrets.token_urlsafe(32)``, 256 bits). The database keeps only its SHA-256, so a token
can be shown once, when it is issued or rotated, and never again. A request is matched by
looking up the hash (an index lookup whose time does not depend on which character of a bad
token is wrong), then the stored hash is compared with ``hmac.compare_digest``.

A token is not drawn at random but derived (since ical_0003): ``HMAC-SHA256(key, "token:<row
id>:<salt>:<generation>")``, 256 bits, the key being 32 random bytes kept in ``ical_key``
and the salt 16 random bytes drawn for the row (SQLite may give a deleted row's id again:
the salt keeps an erased person's old link from ever opening anyone else's). So the
link can be rebuilt for a message sent again (:func:`link_token`, the ``participant_links``
hook) while the table still holds only hashes; a rotation counts the generation up, so the
old link never comes back. Tokens issued before are random (generation NULL): they keep
working and are not offered to messages.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING, Any

from programs.plugins.ical.models import SCOPE_KINDS, FeedToken, LinkKey
from sqlmodel import select

from programs.api import utcnow

if TYPE_CHECKING:
    from sqlmodel import Session as DbSession

    from programs.api import CalendarScope

MAX_TOKEN_LENGTH = 100  # ours are 43 characters; anything much longer is not worth hashing


KEY_ID = 1  # one key: a second writer making it at the same time fails on the primary key


def new_token() -> str:
    return secrets.token_urlsafe(32)


def key_of(db: DbSession, *, create: bool = True) -> bytes | None:
    """The database's link key, made (in ``db``'s write) the first time it is needed."""
    row = db.get(LinkKey, KEY_ID)
    if row is None:
        if not create:
            return None
        row = LinkKey(id=KEY_ID, secret=secrets.token_hex(32))
        db.add(row)
        db.flush()
    return bytes.fromhex(row.secret)


def derive(key: bytes, row_id: int, salt: str, generation: int) -> str:
    """The token of a row's generation: 43 URL-safe characters, like a random one."""
    import base64

    message = f"token:{row_id}:{salt}:{generation}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def form_check(key: bytes, token: str, form: str) -> str:
    """The CSRF token of a page's form: bound to the link (by its hash) and the form."""
    message = f"form:{token_hash(token[:MAX_TOKEN_LENGTH])}:{form}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:40]


def link_token(db: DbSession, scope: CalendarScope) -> str | None:
    """The scope's working token rebuilt, or None: no active token, or a random one issued
    before tokens were derived (it cannot be rebuilt)."""
    row = token_row(db, scope)
    if row is None or row.revoked_at is not None or row.generation is None or not row.salt:
        return None
    key = key_of(db, create=False)
    if key is None:
        return None
    token = derive(key, row.id, row.salt, row.generation)  # type: ignore[arg-type]
    return token if hmac.compare_digest(token_hash(token), row.token_hash) else None


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
    key = key_of(db)
    assert key is not None
    if row is None:
        # a placeholder hash nobody knows the token of, until the row has its id
        row = FeedToken(
            scope_kind=scope.kind, scope_id=scope.id, token_hash=token_hash(new_token())
        )
        setattr(row, f"{scope.kind}_id", scope.id)  # the owner, by foreign key
        row.generation = 1
        db.add(row)
        db.flush()
    else:
        row.generation = (row.generation or 0) + 1
        row.rotated_at = utcnow()
        row.revoked_at = None
    if not row.salt:
        row.salt = secrets.token_hex(16)
    token = derive(key, row.id, row.salt, row.generation)  # type: ignore[arg-type]
    row.token_hash = token_hash(token)
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
