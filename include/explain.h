/*
 * explain.h - `kafka-fluss-bridge explain`: show what the bridge would write for messages.
 *
 *   kafka-fluss-bridge explain --table TABLE.json (--avro-schema FILE | --schemas-dir DIR)
 *       [--key-schema FILE] [--format avro|debezium] [--key-format avro|string|bytes]
 *       [--key HEX] [--key-from-message-key] [--partial-update] [--rename FIELD=COLUMN]...
 *       [--ignore FIELD]... [--union FIELD=BRANCH]... [MESSAGE_HEX ... | -]
 *   kafka-fluss-bridge explain --config FILE --mapping NAME [--table TABLE.json]
 *       [--avro-schema FILE | --schemas-dir DIR] [--key-schema FILE] [--key HEX] [MESSAGE_HEX ... | -]
 *
 * With --config (config.h) the mapping options come from the named entry of `mappings:`
 * (giving them as flags too is a usage error, so a run never silently differs from the
 * file), the table descriptor from its `table_descriptor` unless --table is given, and the
 * schema source from the file's schemas_dir / schema_registry unless a schema flag is given.
 *
 * TABLE.json is a Fluss table descriptor (table_desc.h). Messages are Confluent-framed
 * value bytes in hex, given as arguments or one per line on stdin ("-"); the word `null` is
 * a tombstone. --key gives the Kafka key bytes (hex) used with every message. For each
 * message one JSON object per Fluss write goes to `out`, one line each:
 *   {"op":"upsert"|"delete"|"skip","key":"<hex>","value":"<hex>"|null,"bucket":<int>,
 *    "partition":<string|null>,"row":{<column>:<value>,...}}
 * or {"error":"<message>","class":"record"|"retriable"|"fatal"} for a message that fails.
 * `row` is the value row decoded back with the row reader (for a delete: the key columns);
 * values are rendered by row_json.h.
 *
 * --avro-schema FILE is used as the writer schema of whatever schema id a value's framing
 * names (--key-schema FILE likewise for Avro-framed keys); --schemas-dir reads <id>.avsc.
 */
#ifndef KFB_EXPLAIN_H
#define KFB_EXPLAIN_H

#include <stdio.h>

/* Runs the subcommand; argv[0] is "explain". Returns the process exit status: 0 when every
 * message mapped, 1 when any failed, 2 for a usage or setup error (message on err). */
int kfb_explain_main(int argc, char **argv, FILE *in, FILE *out, FILE *err);

#endif
