/*
 * kafka_mock_cmd.h - the text formats of kafka-mock (tests/programs/kafka-mock.c): control
 * lines split into words, and the record lines of produce files and consume files.
 *
 * Record line (one Kafka message), fields separated by blanks (space or tab):
 *
 *   PARTITION KEY VALUE [HNAME=HVAL ...] [@OFFSET [TIMESTAMP]]
 *
 *   PARTITION  -1 (librdkafka's partitioner on the key) or 0..2^31-1
 *   KEY VALUE  lowercase or uppercase hex of the bytes; "-" = null (a null VALUE is a
 *              tombstone); "" (two double quotes) = empty, zero bytes
 *   HVAL       a header value, same grammar as KEY (so "-" = null header value); an empty
 *              HVAL after '=' is also read as zero bytes
 *   HNAME      the header name as text; a byte that is a blank, a control byte, 0x7f or
 *              above, '=', '%' (and '@' in first place) is written %XX (two hex digits)
 *   @OFFSET    the message's offset (written by `consume`, ignored by produce)
 *   TIMESTAMP  milliseconds since the epoch (written by `consume`; produce uses it as the
 *              message's CreateTime)
 *
 * Everything here reads untrusted text: each length is checked before use, numbers are
 * range-checked, a line is bounded by KFB_KMC_MAX_LINE and at most KFB_KMC_MAX_HEADERS
 * headers. fuzz_kafka_mock_cmd checks the parser and the parse/format round trip.
 */
#ifndef KFB_KAFKA_MOCK_CMD_H
#define KFB_KAFKA_MOCK_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "errors.h"

#define KFB_KMC_MAX_LINE (4u << 20) /* longest record or control line, bytes */
#define KFB_KMC_MAX_WORDS 64         /* most words in a control line */
#define KFB_KMC_MAX_HEADERS 64       /* most headers on one record */

typedef struct kfb_kmc_bytes {
    const uint8_t *data; /* NULL when null or empty */
    size_t len;
    bool is_null;
} kfb_kmc_bytes_t;

typedef struct kfb_kmc_header {
    const char *name; /* decoded name bytes (not NUL-terminated) */
    size_t name_len;
    kfb_kmc_bytes_t value;
} kfb_kmc_header_t;

typedef struct kfb_kmc_record {
    int32_t partition; /* -1 = partitioner */
    kfb_kmc_bytes_t key, value;
    size_t n_headers;
    kfb_kmc_header_t headers[KFB_KMC_MAX_HEADERS];
    int64_t offset;    /* -1 when the line has no @OFFSET */
    int64_t timestamp; /* -1 when the line has no TIMESTAMP */
} kfb_kmc_record_t;

/* Splits the NUL-terminated line in place into blank-separated words (a trailing '\r' or
 * '\n' ends it). Returns the number of words (0 for a blank line), or -1 when there are
 * more than max; words[] points into line. */
int kfb_kmc_split(char *line, char **words, int max);

/* Parses one record line of len bytes (no newline needed; a trailing "\r" is allowed).
 * Decoded keys, values and header names are written into *scratch (reset first, owned by
 * the caller, reused across lines); *rec points into it until the next call with the same
 * scratch. Returns KFB_ERR_OK; KFB_ERR_CORRUPT with a sentence naming the field in err;
 * KFB_ERR_NOMEM. */
kfb_err_t kfb_kmc_parse_record(const char *line, size_t len, kfb_buf_t *scratch,
                               kfb_kmc_record_t *rec, char *err, size_t errlen);

/* Appends rec as one record line ending in "\n" (the @OFFSET part only when
 * rec->offset >= 0, TIMESTAMP only with an offset and when >= 0). KFB_ERR_OK or NOMEM. */
kfb_err_t kfb_kmc_format_record(kfb_buf_t *out, const kfb_kmc_record_t *rec);

/* Appends the record-line form of bytes ("-", "\"\"" or lowercase hex). */
kfb_err_t kfb_kmc_format_bytes(kfb_buf_t *out, const uint8_t *p, size_t n, bool is_null);

/* The Kafka API key for a number or a name ("Fetch", "offsetcommit", "ApiVersions"...),
 * among the APIs librdkafka 2.0.2's mock cluster implements (rdkafka_mock_handlers.c);
 * -1 when unknown. kfb_kmc_api_name gives the name (NULL when not implemented), and
 * kfb_kmc_api_list a static " "-separated list of the names for error messages. */
int kfb_kmc_api_key(const char *word);
const char *kfb_kmc_api_name(int key);
const char *kfb_kmc_api_list(void);

/* Parses a whole word as a decimal integer within [lo, hi]. */
bool kfb_kmc_parse_int(const char *word, long long lo, long long hi, long long *out);

#endif
