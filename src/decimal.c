/*
 * decimal.c - DECIMAL(p, s) conversion with Java BigDecimal semantics.
 *
 * Reference: fluss-common/src/main/java/org/apache/fluss/row/Decimal.java (fromBigDecimal:
 * setScale(s, HALF_UP), then precision() > p -> null; toUnscaledBytes = BigInteger.toByteArray;
 * toString = toPlainString). Format of the unscaled input: Avro `decimal` logical type, a
 * big-endian two's-complement integer of any length (Avro 1.11 spec, "Decimal").
 *
 * Arithmetic: the input magnitude is held in base-2^32 limbs (little-endian limb order) on
 * the stack; rescaling multiplies or divides by powers of ten in 10^9 steps. HALF_UP only
 * needs the most significant dropped digit: the value is divided by 10^(k-1), then by 10, and
 * the last remainder decides (>= 5 rounds the magnitude up, i.e. away from zero). A result
 * of 38 digits is below 2^127, so the final value fits an unsigned __int128.
 */
#include "decimal.h"

#include <string.h>

#include "datatype.h"

#define MAX_LIMBS (KFB_DECIMAL_MAX_INPUT_BYTES / 4 + 2)

__extension__ typedef unsigned __int128 u128;

typedef struct mag {
    uint32_t limb[MAX_LIMBS];
    size_t n; /* significant limbs; 0 = zero */
} mag_t;

static void mag_trim(mag_t *m) {
    while (m->n && m->limb[m->n - 1] == 0) m->n--;
}

/* m *= f (f < 2^32). Returns false when the result would not fit MAX_LIMBS. */
static bool mag_mul_small(mag_t *m, uint32_t f) {
    uint64_t carry = 0;
    for (size_t i = 0; i < m->n; i++) {
        uint64_t x = (uint64_t)m->limb[i] * f + carry;
        m->limb[i] = (uint32_t)x;
        carry = x >> 32;
    }
    if (carry) {
        if (m->n == MAX_LIMBS) return false;
        m->limb[m->n++] = (uint32_t)carry;
    }
    return true;
}

/* m /= d, returns the remainder. */
static uint32_t mag_div_small(mag_t *m, uint32_t d) {
    uint64_t rem = 0;
    for (size_t i = m->n; i-- > 0;) {
        uint64_t x = (rem << 32) | m->limb[i];
        m->limb[i] = (uint32_t)(x / d);
        rem = x % d;
    }
    mag_trim(m);
    return (uint32_t)rem;
}

static void mag_add_one(mag_t *m) {
    for (size_t i = 0; i < m->n; i++)
        if (++m->limb[i] != 0) return;
    m->limb[m->n++] = 1; /* n < MAX_LIMBS: callers only round after dividing */
}

static const uint32_t pow10_u32[10] = {1,      10,      100,      1000,      10000,
                                       100000, 1000000, 10000000, 100000000, 1000000000};

/* Parses big-endian two's complement into sign + magnitude. Redundant sign bytes are
 * skipped first so that wide Avro encodings of small values are accepted. */
static kfb_err_t mag_from_be(const uint8_t *be, size_t n, mag_t *m, bool *neg) {
    memset(m, 0, sizeof(*m));
    *neg = n > 0 && (be[0] & 0x80);
    uint8_t fill = *neg ? 0xff : 0x00;
    while (n > 1 && be[0] == fill && ((be[1] & 0x80) != 0) == *neg) {
        be++;
        n--;
    }
    if (n > KFB_DECIMAL_MAX_INPUT_BYTES) return KFB_ERR_DECIMAL_OVERFLOW;
    /* Limbs of the raw bits (sign-extended in the top limb), then negate if needed. */
    size_t limbs = (n + 3) / 4;
    for (size_t i = 0; i < limbs; i++) m->limb[i] = *neg ? 0xffffffffu : 0;
    for (size_t i = 0; i < n; i++) {
        size_t bit = 8 * (n - 1 - i);
        uint32_t *l = &m->limb[bit / 32];
        *l = (*l & ~(0xffu << (bit % 32))) | ((uint32_t)be[i] << (bit % 32));
    }
    m->n = limbs;
    if (*neg) {
        uint64_t carry = 1;
        for (size_t i = 0; i < limbs; i++) {
            uint64_t x = (uint64_t)(uint32_t)~m->limb[i] + carry;
            m->limb[i] = (uint32_t)x;
            carry = x >> 32;
        }
    }
    mag_trim(m);
    if (m->n == 0) *neg = false;
    return KFB_ERR_OK;
}

const uint64_t kfb_decimal_pow10_u64[19] = {
    1ULL,
    10ULL,
    100ULL,
    1000ULL,
    10000ULL,
    100000ULL,
    1000000ULL,
    10000000ULL,
    100000000ULL,
    1000000000ULL,
    10000000000ULL,
    100000000000ULL,
    1000000000000ULL,
    10000000000000ULL,
    100000000000000ULL,
    1000000000000000ULL,
    10000000000000000ULL,
    100000000000000000ULL,
    1000000000000000000ULL,
};

static u128 pow10_u128(int p) {
    if (p <= 18) return kfb_decimal_pow10_u64[p];
    return (u128)kfb_decimal_pow10_u64[18] * pow10_u128(p - 18);
}

/* Fills out from a rounded sign + magnitude; checks the digit count against precision. */
static kfb_err_t finish(const mag_t *m, bool neg, int32_t precision, int32_t scale,
                        kfb_decimal_t *out) {
    if (m->n > 4) return KFB_ERR_DECIMAL_OVERFLOW;
    u128 v = 0;
    for (size_t i = m->n; i-- > 0;) v = (v << 32) | m->limb[i];
    /* BigDecimal.precision() of zero is 1, so zero fits every precision >= 1. */
    if (v >= pow10_u128(precision)) return KFB_ERR_DECIMAL_OVERFLOW;
    memset(out, 0, sizeof(*out));
    out->precision = precision;
    out->scale = scale;
    u128 twos = neg ? (u128)0 - v : v; /* |v| < 10^38 < 2^127: no overflow of the sign */
    if (neg ? v <= ((u128)1 << 63) : v < ((u128)1 << 63))
        out->unscaled = (int64_t)(uint64_t)twos; /* always the case for precision <= 18 */
    uint8_t b[16];
    for (int i = 15; i >= 0; i--) {
        b[i] = (uint8_t)twos;
        twos >>= 8;
    }
    const uint8_t *start = b;
    size_t n = sizeof(b);
    kfb_decimal_trim_sign_bytes(&start, &n);
    out->nbytes = (uint8_t)n;
    memcpy(out->bytes, start, n);
    return KFB_ERR_OK;
}

/* Beyond this many digits of rescaling a non-zero value, Java's setScale needs
 * BigInteger.TEN.pow(k), which throws "BigInteger would overflow supported range" (OpenJDK 17:
 * instantly for k around 7.2e8) or runs for minutes (k = 5.4e8 did not finish in two), so no
 * Java client produces a value there; we fail instead of rounding to zero. */
#define MAX_RESCALE_DIGITS (INT64_C(1) << 29)

static kfb_err_t rescale(mag_t *m, int64_t k) {
    if (m->n == 0) return KFB_ERR_OK;
    if (k > MAX_RESCALE_DIGITS || k < -MAX_RESCALE_DIGITS) return KFB_ERR_DECIMAL_OVERFLOW;
    if (k > 0) {
        /* Growing past 2^128 can only end above 10^38: stop early. */
        while (k > 0) {
            int step = k > 9 ? 9 : (int)k;
            if (!mag_mul_small(m, pow10_u32[step]) || m->n > 4) return KFB_ERR_DECIMAL_OVERFLOW;
            k -= step;
        }
    } else if (k < 0) {
        int64_t drop = -k;
        /* Discard all but the most significant dropped digit. */
        int64_t silent = drop - 1;
        while (silent > 0 && m->n) {
            int step = silent > 9 ? 9 : (int)silent;
            mag_div_small(m, pow10_u32[step]);
            silent -= step;
        }
        if (m->n == 0) return KFB_ERR_OK;
        uint32_t digit = mag_div_small(m, 10);
        if (digit >= 5) {
            if (m->n == 0) {
                m->limb[0] = 1;
                m->n = 1;
            } else {
                mag_add_one(m);
            }
        }
    }
    return KFB_ERR_OK;
}

static bool target_valid(int32_t precision, int32_t scale) {
    return precision >= KFB_DECIMAL_MIN_PRECISION && precision <= KFB_DECIMAL_MAX_PRECISION &&
           scale >= 0 && scale <= precision;
}

static kfb_err_t convert(mag_t *m, bool neg, int64_t src_scale, int32_t precision, int32_t scale,
                         kfb_decimal_t *out) {
    kfb_err_t err = rescale(m, (int64_t)scale - src_scale);
    if (err) return err;
    if (m->n == 0) neg = false;
    return finish(m, neg, precision, scale, out);
}

kfb_err_t kfb_decimal_from_unscaled_be(const uint8_t *be, size_t n, int32_t src_scale,
                                       int32_t precision, int32_t scale, kfb_decimal_t *out) {
    if (!target_valid(precision, scale) || (n && !be)) return KFB_ERR_INVALID_ARG;
    mag_t m;
    bool neg;
    kfb_err_t err = mag_from_be(be, n, &m, &neg);
    if (err) return err;
    return convert(&m, neg, src_scale, precision, scale, out);
}

/* m = m * 10^k + add, k <= 9. False when the magnitude outgrows MAX_LIMBS. */
static bool mag_push_digits(mag_t *m, int k, uint32_t add) {
    if (!mag_mul_small(m, pow10_u32[k])) return false;
    for (size_t i = 0; add; i++) {
        if (i == m->n) {
            if (m->n == MAX_LIMBS) return false;
            m->limb[m->n++] = 0;
        }
        uint64_t x = (uint64_t)m->limb[i] + add;
        m->limb[i] = (uint32_t)x;
        add = (uint32_t)(x >> 32);
    }
    return true;
}

kfb_err_t kfb_decimal_from_string(const char *s, size_t len, int32_t precision, int32_t scale,
                                  kfb_decimal_t *out) {
    if (!target_valid(precision, scale) || (len && !s)) return KFB_ERR_INVALID_ARG;
    size_t i = 0;
    bool neg = false;
    if (i < len && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
    mag_t m;
    memset(&m, 0, sizeof(m));
    int64_t frac = 0, digits = 0;
    bool dot = false, overflow = false;
    uint32_t chunk = 0;
    int chunk_len = 0;
    for (; i < len; i++) {
        char c = s[i];
        if (c == '.' && !dot) {
            dot = true;
            continue;
        }
        if (c < '0' || c > '9') break;
        digits++;
        if (dot) frac++;
        if (m.n == 0 && chunk_len == 0 && c == '0') continue; /* leading zeros */
        chunk = chunk * 10 + (uint32_t)(c - '0');
        if (++chunk_len == 9) {
            overflow |= !mag_push_digits(&m, 9, chunk);
            chunk = 0;
            chunk_len = 0;
        }
    }
    if (chunk_len) overflow |= !mag_push_digits(&m, chunk_len, chunk);
    mag_trim(&m);
    if (digits == 0) return KFB_ERR_CORRUPT;
    int64_t exp = 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < len && (s[i] == '+' || s[i] == '-')) eneg = s[i++] == '-';
        size_t start = i;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
            if (exp < 10000000000LL) exp = exp * 10 + (s[i] - '0'); /* saturate */
        if (i == start) return KFB_ERR_CORRUPT;
        if (eneg) exp = -exp;
    }
    if (i != len) return KFB_ERR_CORRUPT;
    /* BigDecimal(String) throws NumberFormatException unless the exponent lies in
     * -Integer.MAX_VALUE..Integer.MAX_VALUE and the resulting scale (fraction digits minus
     * exponent) fits an int (its javadoc; "1e-2147483648" and "0.1e-2147483647" fail). */
    if (exp > INT32_MAX || exp < -INT32_MAX) return KFB_ERR_CORRUPT;
    if (frac - exp > INT32_MAX || frac - exp < INT32_MIN) return KFB_ERR_CORRUPT;
    if (overflow) return KFB_ERR_DECIMAL_OVERFLOW;
    return convert(&m, neg, frac - exp, precision, scale, out);
}

kfb_err_t kfb_decimal_from_unscaled_i64(int64_t unscaled, int32_t src_scale, int32_t precision,
                                        int32_t scale, kfb_decimal_t *out) {
    uint8_t be[8];
    uint64_t u = (uint64_t)unscaled;
    for (int i = 7; i >= 0; i--) {
        be[i] = (uint8_t)u;
        u >>= 8;
    }
    return kfb_decimal_from_unscaled_be(be, 8, src_scale, precision, scale, out);
}

bool kfb_decimal_bytes_minimal(const uint8_t *be, size_t n) {
    if (n == 0) return false;
    size_t m = n;
    kfb_decimal_trim_sign_bytes(&be, &m);
    return m == n;
}

/* Bounded character sink with snprintf counting. */
typedef struct sink {
    char *p;
    size_t size, len;
} sink_t;

static void put(sink_t *s, char c) {
    if (s->len + 1 < s->size) s->p[s->len] = c;
    s->len++;
}

/* Renders sign + magnitude at `scale` like BigDecimal.toPlainString. */
static size_t format_mag(mag_t *m, bool neg, int32_t scale, char *out, size_t out_size) {
    /* 128 significant bytes give at most 309 digits. */
    char digits[KFB_DECIMAL_MAX_INPUT_BYTES * 3 + 8];
    size_t nd = 0;
    while (m->n) {
        uint32_t r = mag_div_small(m, 1000000000u);
        for (int i = 0; i < 9; i++) {
            digits[nd++] = (char)('0' + r % 10);
            r /= 10;
        }
    }
    while (nd > 1 && digits[nd - 1] == '0') nd--;
    if (nd == 0) digits[nd++] = '0';
    /* digits[] is least significant first. */
    sink_t s = {out, out_size, 0};
    if (neg) put(&s, '-');
    if (scale <= 0) {
        for (size_t i = nd; i-- > 0;) put(&s, digits[i]);
        if (!(nd == 1 && digits[0] == '0'))
            for (int32_t i = 0; i < -scale; i++) put(&s, '0');
    } else if ((size_t)scale < nd) {
        for (size_t i = nd; i-- > 0;) {
            put(&s, digits[i]);
            if (i == (size_t)scale) put(&s, '.');
        }
    } else {
        put(&s, '0');
        put(&s, '.');
        for (size_t i = nd; i < (size_t)scale; i++) put(&s, '0');
        for (size_t i = nd; i-- > 0;) put(&s, digits[i]);
    }
    if (out_size) out[s.len < out_size ? s.len : out_size - 1] = '\0';
    return s.len;
}

size_t kfb_decimal_format_be(const uint8_t *be, size_t n, int32_t scale, char *out,
                             size_t out_size) {
    mag_t m;
    bool neg;
    if ((n && !be) || scale > 1000 || scale < -1000 || mag_from_be(be, n, &m, &neg) != KFB_ERR_OK) {
        if (out_size) out[0] = '\0';
        return 0;
    }
    return format_mag(&m, neg, scale, out, out_size);
}

size_t kfb_decimal_format_i64(int64_t unscaled, int32_t scale, char *out, size_t out_size) {
    uint8_t be[8];
    uint64_t u = (uint64_t)unscaled;
    for (int i = 7; i >= 0; i--) {
        be[i] = (uint8_t)u;
        u >>= 8;
    }
    return kfb_decimal_format_be(be, 8, scale, out, out_size);
}

size_t kfb_decimal_to_string(const kfb_decimal_t *d, char *out, size_t out_size) {
    return kfb_decimal_format_be(d->bytes, d->nbytes, d->scale, out, out_size);
}
