"""Encryption of secrets at rest with the keys in STAAS_ENCRYPTION_KEY."""

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class SecretUnreadable(Exception):
    """A stored secret that none of the configured keys can open."""


@cache
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def cipher() -> MultiFernet:
    return _cipher(tuple(settings.STAAS_ENCRYPTION_KEYS))


def encrypt_secret(plaintext: str) -> str:
    return cipher().encrypt(plaintext.encode()).decode()


def decrypt_secret(ciphertext: str) -> str:
    try:
        return cipher().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(
            "A stored secret cannot be decrypted with the configured STAAS_ENCRYPTION_KEY."
        ) from None


def reencrypt_secret(ciphertext: str) -> str:
    """The same secret under the first key, for rotating STAAS_ENCRYPTION_KEY."""
    return cipher().rotate(ciphertext.encode()).decode()
