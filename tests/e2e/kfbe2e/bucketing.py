"""The Fluss bucket of a key, so a scenario can tell which records a fault on one bucket hits.

The function is tests/golden/mapper/fluss_bucket.py (an independent Python restatement of
FlussBucketingFunction, shared/docs/fluss-protocol.md §7.4, written for the golden mapper
tests), loaded from there; check() runs the source test vectors (§7.5) against it.
"""
import importlib.util
import os

_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "golden", "mapper",
                     "fluss_bucket.py")
_spec = importlib.util.spec_from_file_location("fluss_bucket", _PATH)
_mod = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_mod)

hash_bytes = _mod.hash_bytes  # MurmurHashUtils.hashUnsafeBytes(key, seed 42), unsigned


def bucket(key, buckets):
    """FlussBucketingFunction.bucketForRowKey(key bytes, number of buckets)."""
    if not key:
        raise ValueError("an empty key cannot be bucketed")
    return _mod.bucket(key, buckets)


VECTORS = [  # (key, buckets, Fluss bucket): {ctest}/bucketing/BucketingFunctionTest.java, §7.5
    (bytes.fromhex("000a"), 7, 1),
    (bytes.fromhex("000a0a0a"), 12, 0),
    (b"2bb87d68-baf9-4e64-90f9-f80910419fa6", 16, 6),
    (b"The quick brown fox jumps over the lazy dog", 8, 6),
    (bytes.fromhex("ac02"), 16, 5),  # (derived) §7.5
    (bytes.fromhex("ff"), 16, 9),    # Java's sign-extended tail byte (§14 item 1)
]


def check():
    """The mismatching vectors (empty when this module agrees with Fluss)."""
    bad = [(k.hex(), n, want, bucket(k, n)) for k, n, want in VECTORS if bucket(k, n) != want]
    if hash_bytes(b"") != 0x087FCD5C:
        bad.append(("hash of b''", hex(hash_bytes(b""))))
    if hash_bytes(b"The quick brown fox jumps over the lazy dog") != 0x1BC6F880:
        bad.append(("hash of the fox", hex(hash_bytes(b"The quick brown fox jumps over the lazy dog"))))
    return bad
