"""The publisher's Ed25519 key: it signs every publish record, so a log rewritten by whoever
controls the target's storage no longer verifies.

The private key stays on the publishing machine (a PEM file, mode 0600, made on first use);
the operator keeps the public key (one line of base64, `sitegen key`) and hands it to
`sitegen verify --key`. A key is named in records by its id: the first 16 hex digits of the
sha256 of its 32 raw bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import stat
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from sitegen.errors import ConfigError

KEY_FILE = "signing-key.pem"


def default_key_path(state_dir: Path) -> Path:
    return state_dir / KEY_FILE


def key_id(raw_public: bytes) -> str:
    return hashlib.sha256(raw_public).hexdigest()[:16]


def _raw(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


class Signer:
    """Signs record lines with the publisher's private key (never printed or logged)."""

    def __init__(self, private: Ed25519PrivateKey) -> None:
        self._private = private
        self.public = PublicKey(_raw(private.public_key()))
        self.key_id = self.public.key_id

    def sign(self, payload: bytes) -> bytes:
        return self._private.sign(payload)

    def __repr__(self) -> str:
        return f"Signer(key id {self.key_id})"


class PublicKey:
    """A publisher's public key, as the operator keeps it."""

    def __init__(self, raw: bytes) -> None:
        self._key = Ed25519PublicKey.from_public_bytes(raw)
        self.raw = raw
        self.key_id = key_id(raw)

    @property
    def text(self) -> str:
        """One line of base64: what `sitegen key` prints and `--key` reads."""
        return base64.b64encode(self.raw).decode()

    def verifies(self, payload: bytes, signature: bytes) -> bool:
        try:
            self._key.verify(signature, payload)
        except InvalidSignature:
            return False
        return True

    @classmethod
    def parse(cls, spec: str) -> PublicKey:
        """A key given as base64 or hex, or the name of a file holding one (or a PEM key)."""
        text, where = spec.strip(), "--key"
        path = Path(spec).expanduser()
        if len(text) not in (44, 64) and path.is_file():
            where = str(path)
            try:
                text = path.read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError) as exc:
                raise ConfigError(f"{where}: cannot read the public key: {exc}") from None
        if text.startswith("-----BEGIN PUBLIC KEY-----"):
            loaded = serialization.load_pem_public_key(text.encode())
            if not isinstance(loaded, Ed25519PublicKey):
                raise ConfigError(f"{where}: not an Ed25519 public key")
            return cls(_raw(loaded))
        try:
            raw = bytes.fromhex(text) if len(text) == 64 else base64.b64decode(text, validate=True)
        except (ValueError, binascii.Error):
            raw = b""
        if len(raw) != 32:
            raise ConfigError(
                f"{where}: not a public key (expected 44 characters of base64 or 64 hex digits, "
                "as `sitegen key` prints, or a file holding one)"
            )
        return cls(raw)


def load_signer(path: Path) -> Signer:
    """The private key at `path`, made there on first use; refused if others can read it."""
    if not path.exists():
        return _create(path)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigError(
            f"{path}: the signing key is readable by others (mode {mode:04o}); "
            f"run `chmod 600 {path}`"
        )
    try:
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise ConfigError(f"{path}: cannot read the signing key: {exc}") from None
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ConfigError(f"{path}: not an Ed25519 private key")
    return Signer(loaded)


def _create(path: Path) -> Signer:
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written whole under a temporary name, then linked into place: a second publisher making
    # its key at the same moment finds either no key or a complete one, never half a file.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
        os.link(tmp, path)
    except FileExistsError:
        return load_signer(path)
    finally:
        tmp.unlink(missing_ok=True)
    return Signer(private)
