/*
 * row_json.h - decoded Fluss values and rows rendered as JSON text (for `explain` and the
 * test server's table dump). Output only; nothing here parses JSON.
 *
 * One representation per type (stable, so dumps can be diffed):
 *   null                         null
 *   BOOLEAN                      true / false
 *   TINYINT SMALLINT INTEGER BIGINT   number (BIGINT too, full 64-bit, no quotes)
 *   FLOAT DOUBLE                 number with the fewest %g digits that read back to the
 *                                same float/double, always with a '.' or exponent ("1.0",
 *                                "13.2", "1e+300", "-0.0"); "NaN", "Infinity", "-Infinity"
 *                                as strings
 *   DECIMAL(p, s)                string of the plain value, s fraction digits: "123.45"
 *   DATE                         "YYYY-MM-DD" (proleptic Gregorian, years outside
 *                                0000..9999 as "+12345"/"-0001" like java.time)
 *   TIME(p)                      "HH:MM:SS.mmm" (values outside one day are not clamped)
 *   TIMESTAMP(p)                 "YYYY-MM-DDTHH:MM:SS.fffffffff" (always 9 fraction digits)
 *   TIMESTAMP_LTZ(p)             same in UTC with a trailing "Z"
 *   STRING CHAR                  JSON string; invalid UTF-8 sequences become \ufffd,
 *                                control characters \u00XX (or \n \t ...)
 *   BYTES BINARY                 lowercase hex string "0aff"
 *   ROW                          nested JSON object (decoded with its field types); bytes
 *                                that do not decode: {"undecodable": "<hex>"}
 *   ARRAY MAP                    {"binary": "<hex of the nested payload>"} (not decoded)
 *
 * Output is appended to a caller-owned kfb_buf_t; on error the buffer may hold a partial
 * rendering (truncate to the previous length).
 */
#ifndef KFB_ROW_JSON_H
#define KFB_ROW_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "compacted_row.h"
#include "datatype.h"
#include "errors.h"

/* Appends bytes as a JSON string literal (quotes included), escaping per RFC 8259 and
 * replacing each maximal invalid UTF-8 subsequence with \ufffd. */
kfb_err_t kfb_json_append_string(kfb_buf_t *out, const uint8_t *s, size_t n);

/* Appends bytes as a JSON string of their lowercase hex ("0aff"), quotes included; on
 * error nothing is appended. */
kfb_err_t kfb_json_append_hex(kfb_buf_t *out, const uint8_t *p, size_t n);

/* Appends one value of the given type. */
kfb_err_t kfb_row_json_append_value(kfb_buf_t *out, const kfb_datatype_t *type,
                                    const kfb_value_t *v);

/* Appends {"name0": v0, "name1": v1, ...} for n columns. */
kfb_err_t kfb_row_json_append_row(kfb_buf_t *out, const char *const *names,
                                  const kfb_datatype_t *types, const kfb_value_t *values,
                                  size_t n);

#endif
