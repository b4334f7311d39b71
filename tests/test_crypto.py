import pytest
from cryptography.fernet import Fernet

from staas_portal.core.crypto import (
    SecretUnreadable,
    decrypt_secret,
    encrypt_secret,
    reencrypt_secret,
)

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def test_a_secret_survives_the_round_trip():
    stored = encrypt_secret(SECRET)

    assert decrypt_secret(stored) == SECRET
    assert SECRET not in stored


def test_the_same_secret_encrypts_differently_each_time():
    assert encrypt_secret(SECRET) != encrypt_secret(SECRET)


def test_a_rotated_key_still_opens_old_secrets_and_rewraps_them(settings):
    old_key = settings.STAAS_ENCRYPTION_KEYS[0]
    stored_under_old_key = encrypt_secret(SECRET)
    new_key = Fernet.generate_key().decode()
    settings.STAAS_ENCRYPTION_KEYS = [new_key, old_key]

    rewrapped = reencrypt_secret(stored_under_old_key)

    assert decrypt_secret(stored_under_old_key) == SECRET
    settings.STAAS_ENCRYPTION_KEYS = [new_key]
    assert decrypt_secret(rewrapped) == SECRET


def test_a_secret_under_an_unknown_key_is_reported_not_garbled(settings):
    stored = encrypt_secret(SECRET)
    settings.STAAS_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(SecretUnreadable, match="cannot be decrypted"):
        decrypt_secret(stored)
