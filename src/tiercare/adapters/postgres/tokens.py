"""API bearer tokens (访问令牌). Only the SHA-256 of a token is stored."""

from __future__ import annotations

import hashlib
import secrets

import psycopg


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(conn: psycopg.Connection, name: str, days: int | None = None) -> str:
    """Issue a token for ``name`` (a person or system); return it (shown once, never stored)."""
    token = "tc_" + secrets.token_urlsafe(32)
    conn.execute(
        "INSERT INTO auth_token (name, token_hash, expires_at) "
        "VALUES (%s, %s, CASE WHEN %s::int IS NULL THEN NULL ELSE now() + make_interval(days => %s::int) END)",
        (name, _hash(token), days, days),
    )
    return token


def lookup_token(conn: psycopg.Connection, token: str) -> str | None:
    """The name the token was issued to, or None if unknown, expired or revoked."""
    row = conn.execute(
        "SELECT name FROM auth_token WHERE token_hash = %s AND revoked_at IS NULL "
        "AND (expires_at IS NULL OR expires_at > now())",
        (_hash(token),),
    ).fetchone()
    return str(row[0]) if row else None


def revoke_token(conn: psycopg.Connection, name: str) -> int:
    cur = conn.execute("UPDATE auth_token SET revoked_at = now() WHERE name = %s AND revoked_at IS NULL", (name,))
    return cur.rowcount
