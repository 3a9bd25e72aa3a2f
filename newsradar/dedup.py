"""Near-duplicate fingerprints: MinHash over word 4-shingles, banded for LSH.

A fingerprint is 128 unsigned 32-bit minimums; two fingerprints' share of equal positions
estimates the Jaccard similarity of the two texts' shingle sets. Banding (32 bands of 4 rows)
turns fingerprints into keys that the store indexes, so finding candidates costs one indexed
lookup per article, whatever the size of the store."""

from __future__ import annotations

import hashlib
import zlib

import numpy as np

from .normalize import words

SHINGLE_WORDS = 4
NUM_PERM = 128
BANDS = 32
ROWS = NUM_PERM // BANDS
MIN_SHINGLES = 10  # shorter texts are matched by exact key only: a few shared phrases prove nothing

_rng = np.random.default_rng(20250101)  # fixed: fingerprints are stored and compared across runs
_A = (_rng.integers(1, 2**63, NUM_PERM, dtype=np.uint64) | np.uint64(1))  # odd multipliers
_B = _rng.integers(0, 2**63, NUM_PERM, dtype=np.uint64)
_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5],
                dtype=np.uint64)[:SHINGLE_WORDS]


def fingerprint(text: str) -> np.ndarray | None:
    """The MinHash signature of a text (uint32[128]), or None when it is too short to judge."""
    tokens = words(text)
    count = len(tokens) - SHINGLE_WORDS + 1
    if count < MIN_SHINGLES:
        return None
    word_hashes = np.fromiter((zlib.crc32(t.encode("utf-8")) for t in tokens), dtype=np.uint64, count=len(tokens))
    shingles = np.zeros(count, dtype=np.uint64)
    for offset in range(SHINGLE_WORDS):  # position-weighted mix of the shingle's word hashes
        shingles += word_hashes[offset:offset + count] * _MIX[offset]
    shingles = np.unique(shingles)
    # multiply-shift hashing: the high 32 bits of a*x+b (mod 2^64) for each permutation
    with np.errstate(over="ignore"):
        hashed = (_A[:, None] * shingles[None, :] + _B[:, None]) >> np.uint64(32)
    return hashed.min(axis=1).astype(np.uint32)


def band_keys(signature: np.ndarray) -> list[int]:
    """One signed 64-bit key per band (band number mixed in), for an indexed column."""
    keys = []
    rows = signature.reshape(BANDS, ROWS)
    for band in range(BANDS):
        digest = hashlib.blake2b(rows[band].tobytes(), digest_size=8, person=band.to_bytes(2, "little")).digest()
        keys.append(int.from_bytes(digest, "little", signed=True))
    return keys


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of the shingle sets behind two signatures."""
    return float(np.count_nonzero(a == b)) / NUM_PERM


def to_bytes(signature: np.ndarray) -> bytes:
    return signature.astype("<u4").tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<u4")
