"""Password hashing (argon2 via pwdlib) and opaque bearer tokens stored only as hashes."""

import hashlib
import secrets

from pwdlib import PasswordHash

_hasher = PasswordHash.recommended()
# A fixed hash to verify against when the user does not exist, so timing does not reveal it.
_DUMMY_HASH = _hasher.hash("loaxa-no-such-user")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    if password_hash is None:
        _hasher.verify(password, _DUMMY_HASH)
        return False
    return _hasher.verify(password, password_hash)


def new_token() -> tuple[str, str]:
    """A fresh bearer token and the hash under which it is stored."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
