/*
 * golden_rows.h - value rows of golden messages (tests/golden/mapper/messages.txt, written by
 * python3-avro) that more than one test checks, hand-derived once.
 *
 * KFB_GOLDEN_COLL_1_ROW: coll_1 (schema 8) as a CompactedRow over the columns id INT,
 * ai ARRAY<INT>, af ARRAY<FLOAT NOT NULL>, am MAP<STRING, BIGINT>, as ARRAY<STRING> (column
 * and element nullability do not change these bytes). The ARRAY<INT> and
 * ARRAY<FLOAT NOT NULL> bytes are restated from fluss-rust row/encode/
 * compacted_key_encoder.rs test_all_data_types_java_compatible (which matches Java's
 * encoded_key.hex); the MAP and the long-string array are hand-derived from
 * BinaryArrayWriter / AbstractBinaryWriter / BinaryMap.valueOf (fluss-protocol.md §6.4).
 */
#ifndef KFB_GOLDEN_ROWS_H
#define KFB_GOLDEN_ROWS_H

#define KFB_GOLDEN_COLL_1_ROW                                                                   \
    "00|01"                                                                                     \
    /* ai ARRAY<INT> [1,2,3,4,5,-11,null,444,102234] */                                         \
    "|30 09 00 00 00 40 00 00 00 01 00 00 00 02 00 00 00 03 00 00 00 04 00 00 00"               \
    "   05 00 00 00 f5 ff ff ff 00 00 00 00 bc 01 00 00 5a 8f 01 00 00 00 00 00"               \
    /* af ARRAY<FLOAT NOT NULL> [0.1f,1.1f,-0.5f,6.6f,MAX,MIN] */                               \
    "|20 06 00 00 00 00 00 00 00 cd cc cc 3d cd cc 8c 3f 00 00 00 bf 33 33 d3 40"               \
    "   ff ff 7f 7f 01 00 00 00"                                                               \
    /* am MAP<STRING,BIGINT> {a:1, bb:300}: 52 bytes = key-array size 24, keys (2 inline     \
     * strings: data LE, top byte 0x80|len), values (2 longs) */                                \
    "|34 18 00 00 00"                                                                           \
    "   02 00 00 00 00 00 00 00 61 00 00 00 00 00 00 81 62 62 00 00 00 00 00 82"               \
    "   02 00 00 00 00 00 00 00 01 00 00 00 00 00 00 00 2c 01 00 00 00 00 00 00"               \
    /* as ARRAY<STRING> [\"hello world!\", null]: 12 bytes go to the variable part at offset \
     * 24 (slot = 24 << 32 | 12), padded to 16; null bit 1 */                                   \
    "|28 02 00 00 00 02 00 00 00 0c 00 00 00 18 00 00 00 00 00 00 00 00 00 00 00"               \
    "   68 65 6c 6c 6f 20 77 6f 72 6c 64 21 00 00 00 00"

#endif
