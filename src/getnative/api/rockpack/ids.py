"""Rockpack's opaque string ids: a type prefix plus a reversible encoding of the integer key.

`ch` + 11 URL-safe characters for channel 42, and so on. Decoding anything malformed or of the
wrong type yields None, which routes turn into a 404 (never a 500).
"""

from __future__ import annotations

import base64
import binascii
import struct

# Mixing the key with a constant keeps ids from reading as a plain counter; it is not a secret.
_MASK = 0x5DEECE66D2B3A17F

USER = "us"
CHANNEL = "ch"
VIDEO_INSTANCE = "vi"
VIDEO = "RP"
COVER_ART = "ca"
SUBSCRIPTION = "su"


def encode(prefix: str, key: int) -> str:
    raw = struct.pack(">Q", (key ^ _MASK) & 0xFFFFFFFFFFFFFFFF)
    return prefix + base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode(prefix: str, value: object) -> int | None:
    if not isinstance(value, str) or not value.startswith(prefix) or len(value) != len(prefix) + 11:
        return None
    try:
        raw = base64.urlsafe_b64decode(value[len(prefix) :] + "=")
    except (binascii.Error, ValueError):
        return None
    if len(raw) != 8:
        return None
    key = struct.unpack(">Q", raw)[0] ^ _MASK
    return key if 0 < key < 2**63 and encode(prefix, key) == value else None
