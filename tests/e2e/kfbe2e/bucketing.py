"""The Fluss bucket of a key, written here from the rules (never by calling the bridge), so a
scenario can tell which records a fault on one bucket hits.

FlussBucketingFunction (shared/docs/fluss-protocol.md §7.4; Java
fluss-common/.../bucketing/FlussBucketingFunction.java, utils/MurmurHashUtils.java
hashUnsafeBytes with seed 42, utils/MathUtils.java murmurHash/bitMix): Murmur3-style mixing
of the key bytes in 4-byte little-endian blocks, each tail byte mixed on its own as a
sign-extended Java byte, fmix32, a second round on the result, abs (INT_MIN -> 0), mod
the bucket count. check() runs the source test vectors (§7.5).
"""

M32 = 0xFFFFFFFF


def _rotl(x, r):
    return ((x << r) | (x >> (32 - r))) & M32


def _mix_k(k):
    k = (k * 0xCC9E2D51) & M32
    k = _rotl(k, 15)
    return (k * 0x1B873593) & M32


def _mix_h(h, k):
    h ^= k
    h = _rotl(h, 13)
    return (h * 5 + 0xE6546B64) & M32


def _fmix(h, length):
    h ^= length
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & M32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & M32
    return h ^ (h >> 16)


def hash_bytes(key):
    """MurmurHashUtils.hashUnsafeBytes(key, seed 42) as an unsigned 32-bit value."""
    h = 42
    n = len(key) // 4 * 4
    for i in range(0, n, 4):
        h = _mix_h(h, _mix_k(int.from_bytes(key[i:i + 4], "little")))
    for b in key[n:]:
        k = (b - 256 if b >= 128 else b) & M32  # Java byte -> int
        h = _mix_h(h, _mix_k(k))
    return _fmix(h, len(key))


def _signed(x):
    return x - (1 << 32) if x & 0x80000000 else x


def bucket(key, buckets):
    """FlussBucketingFunction.bucketForRowKey(key bytes, number of buckets)."""
    if not key:
        raise ValueError("an empty key cannot be bucketed")
    c = hash_bytes(key)
    c = _mix_h(0, _mix_k(c)) ^ 0  # MathUtils.murmurHash: one block with seed 0 ...
    c = _fmix(c, 4)               # ... then h ^= 4 and fmix32
    c = _signed(c)
    c = 0 if c == -(1 << 31) else abs(c)
    return c % buckets


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
