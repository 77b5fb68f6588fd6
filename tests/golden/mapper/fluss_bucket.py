#!/usr/bin/python3
"""Independent Python restatement of Fluss's default bucketing (fluss-protocol.md §7.4,
FlussBucketingFunction.bucketForRowKey, MurmurHashUtils.hashUnsafeBytes seed 42 with the
tail bytes mixed one at a time as signed bytes, MathUtils.murmurHash(int)), used only to
derive expected bucket ids for the golden mapper tests. Self-checks against the
BucketingFunctionTest vectors restated in §7.5 when run directly.

usage: fluss_bucket.py HEXKEY NUM_BUCKETS"""
import sys

M = 0xFFFFFFFF


def rotl(x, r):
    return ((x << r) | (x >> (32 - r))) & M


def mix_k(k):
    k = (k * 0xCC9E2D51) & M
    k = rotl(k, 15)
    return (k * 0x1B873593) & M


def mix_h(h, k):
    h ^= k
    h = rotl(h, 13)
    return (h * 5 + 0xE6546B64) & M


def fmix(h):
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & M
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & M
    h ^= h >> 16
    return h


def hash_bytes(b):
    h = 42
    n4 = len(b) // 4 * 4
    for i in range(0, n4, 4):
        h = mix_h(h, mix_k(int.from_bytes(b[i:i + 4], "little")))
    for i in range(n4, len(b)):
        v = b[i] - 256 if b[i] >= 128 else b[i]
        h = mix_h(h, mix_k(v & M))
    return fmix(h ^ len(b))


def murmur_int(c):
    c = mix_k(c)
    c = rotl(c, 13)
    c = (c * 5 + 0xE6546B64) & M
    c ^= 4
    c = fmix(c)
    s = c - (1 << 32) if c >= (1 << 31) else c
    if s >= 0:
        return s
    if s == -(1 << 31):
        return 0
    return -s


def bucket(b, n):
    return murmur_int(hash_bytes(b)) % n


if __name__ == "__main__":
    assert bucket(bytes.fromhex("000a"), 7) == 1
    assert bucket(bytes.fromhex("000a0a0a"), 12) == 0
    assert bucket(b"2bb87d68-baf9-4e64-90f9-f80910419fa6", 16) == 6
    assert bucket(b"The quick brown fox jumps over the lazy dog", 8) == 6
    assert bucket(bytes.fromhex("ac02"), 16) == 5
    assert bucket(bytes.fromhex("ff"), 16) == 9
    if len(sys.argv) == 3:
        print(bucket(bytes.fromhex(sys.argv[1]), int(sys.argv[2])))
