"""API keys: `sk_<key_id>_<secret>`. Only the SHA-256 of the secret is stored; a presented key
is checked by its id and a constant-time comparison of the hashes."""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

import psycopg

_KEY = re.compile(r"sk_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{20,100})")
# Compared against when the key id is unknown, so that both paths do the same work.
_NO_HASH = hashlib.sha256(b"no such key").hexdigest()


@dataclass(frozen=True)
class KeyInfo:
    key_id: str
    account_id: str
    created_at: datetime
    revoked_at: datetime | None


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(conn: psycopg.Connection, account_id: str) -> str:
    """A new key for the account; the only time its secret is ever seen."""
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    conn.execute(
        "insert into api.keys (account_id, key_id, key_sha256) values (%s, %s, %s)",
        (account_id, key_id, _sha256(secret)),
    )
    return f"sk_{key_id}_{secret}"


def list_keys(conn: psycopg.Connection, account_id: str | None = None) -> list[KeyInfo]:
    rows = conn.execute(
        "select key_id, account_id, created_at, revoked_at from api.keys "
        "where %(account)s::text is null or account_id = %(account)s "
        "order by account_id, created_at",
        {"account": account_id},
    ).fetchall()
    return [KeyInfo(*row) for row in rows]


def revoke_key(conn: psycopg.Connection, key_id: str) -> bool:
    """Revoke a key by its id (or the whole key); False when there is no such valid key."""
    key_id = key_id_of(key_id)
    revoked = conn.execute(
        "update api.keys set revoked_at = now() where key_id = %s and revoked_at is null",
        (key_id,),
    ).rowcount
    return revoked == 1


async def account_for_key(conn: psycopg.AsyncConnection, key: str) -> str | None:
    """The account a presented key acts for, or None when it is unknown or revoked."""
    match = _KEY.fullmatch(key.strip())
    if match is None:
        return None
    key_id, secret = match.groups()
    cursor = await conn.execute(
        "select account_id, key_sha256 from api.keys where key_id = %s and revoked_at is null",
        (key_id,),
    )
    row = await cursor.fetchone()
    account_id, stored = row if row else (None, _NO_HASH)
    if hmac.compare_digest(_sha256(secret), stored) and account_id is not None:
        return account_id
    return None


def key_id_of(key_or_id: str) -> str:
    """The id part of a whole key, or the text itself when it is no key."""
    match = _KEY.fullmatch(key_or_id.strip())
    return match.group(1) if match else key_or_id
