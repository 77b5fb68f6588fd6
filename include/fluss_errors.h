/*
 * fluss_errors.h - the Fluss server's error codes and what a client should do
 * about each one.
 *
 * Codes, names and default messages follow apache/fluss
 * fluss-rpc/src/main/java/org/apache/fluss/rpc/protocol/Errors.java; the class of
 * each code follows the `extends` chain of its exception in
 * fluss-common/src/main/java/org/apache/fluss/exception/ (RetriableException,
 * InvalidMetadataException) and fluss-protocol.md §11.
 *
 * Classes:
 *   NONE       0, success
 *   RETRY      retriable: resend the same bytes later (with back-off)
 *   REFRESH    retriable, and refresh metadata first (InvalidMetadataException)
 *   FATAL      the operation failed; report it
 *   SPECIAL    handled by a rule of its own (sequence errors §10.5,
 *              re-authentication §13, coordinator re-resolution §4.1)
 *
 * A code not in the table is treated like UNKNOWN_SERVER_ERROR (-1), as the
 * Java client does (Errors.forCode).
 */
#ifndef KFB_FLUSS_ERRORS_H
#define KFB_FLUSS_ERRORS_H

#include <stdint.h>

typedef enum kfb_fluss_errclass {
    KFB_FLUSS_CLASS_NONE = 0,
    KFB_FLUSS_CLASS_RETRY,
    KFB_FLUSS_CLASS_REFRESH,
    KFB_FLUSS_CLASS_FATAL,
    KFB_FLUSS_CLASS_SPECIAL,
} kfb_fluss_errclass_t;

/* X(NAME, code, CLASS) */
#define KFB_FLUSS_ERRORS(X)                                     \
    X(UNKNOWN_SERVER_ERROR, -1, FATAL)                          \
    X(NONE, 0, NONE)                                            \
    X(NETWORK_EXCEPTION, 1, REFRESH)                            \
    X(UNSUPPORTED_VERSION, 2, FATAL)                            \
    X(CORRUPT_MESSAGE, 3, RETRY)                                \
    X(DATABASE_NOT_EXIST, 4, FATAL)                             \
    X(DATABASE_NOT_EMPTY, 5, FATAL)                             \
    X(DATABASE_ALREADY_EXIST, 6, FATAL)                         \
    X(TABLE_NOT_EXIST, 7, FATAL)                                \
    X(TABLE_ALREADY_EXIST, 8, FATAL)                            \
    X(SCHEMA_NOT_EXIST, 9, RETRY)                               \
    X(LOG_STORAGE_EXCEPTION, 10, RETRY)                         \
    X(KV_STORAGE_EXCEPTION, 11, RETRY)                          \
    X(NOT_LEADER_OR_FOLLOWER, 12, REFRESH)                      \
    X(RECORD_TOO_LARGE_EXCEPTION, 13, FATAL)                    \
    X(CORRUPT_RECORD_EXCEPTION, 14, RETRY)                      \
    X(INVALID_TABLE_EXCEPTION, 15, FATAL)                       \
    X(INVALID_DATABASE_EXCEPTION, 16, FATAL)                    \
    X(INVALID_REPLICATION_FACTOR, 17, FATAL)                    \
    X(INVALID_REQUIRED_ACKS, 18, FATAL)                         \
    X(LOG_OFFSET_OUT_OF_RANGE_EXCEPTION, 19, FATAL)             \
    X(NON_PRIMARY_KEY_TABLE_EXCEPTION, 20, FATAL)               \
    X(UNKNOWN_TABLE_OR_BUCKET_EXCEPTION, 21, REFRESH)           \
    X(INVALID_UPDATE_VERSION_EXCEPTION, 22, FATAL)              \
    X(INVALID_COORDINATOR_EXCEPTION, 23, FATAL)                 \
    X(FENCED_LEADER_EPOCH_EXCEPTION, 24, FATAL)                 \
    X(REQUEST_TIME_OUT, 25, RETRY)                              \
    X(STORAGE_EXCEPTION, 26, RETRY)                             \
    X(OPERATION_NOT_ATTEMPTED_EXCEPTION, 27, FATAL)             \
    X(NOT_ENOUGH_REPLICAS_AFTER_APPEND_EXCEPTION, 28, RETRY)    \
    X(NOT_ENOUGH_REPLICAS_EXCEPTION, 29, RETRY)                 \
    X(SECURITY_TOKEN_EXCEPTION, 30, FATAL)                      \
    X(OUT_OF_ORDER_SEQUENCE_EXCEPTION, 31, SPECIAL)             \
    X(DUPLICATE_SEQUENCE_EXCEPTION, 32, SPECIAL)                \
    X(UNKNOWN_WRITER_ID_EXCEPTION, 33, SPECIAL)                 \
    X(INVALID_COLUMN_PROJECTION, 34, FATAL)                     \
    X(INVALID_TARGET_COLUMN, 35, FATAL)                         \
    X(PARTITION_NOT_EXISTS, 36, FATAL)                          \
    X(TABLE_NOT_PARTITIONED_EXCEPTION, 37, FATAL)               \
    X(INVALID_TIMESTAMP_EXCEPTION, 38, FATAL)                   \
    X(INVALID_CONFIG_EXCEPTION, 39, FATAL)                      \
    X(LAKE_STORAGE_NOT_CONFIGURED_EXCEPTION, 40, FATAL)         \
    X(KV_SNAPSHOT_NOT_EXIST, 41, FATAL)                         \
    X(PARTITION_ALREADY_EXISTS, 42, FATAL)                      \
    X(PARTITION_SPEC_INVALID_EXCEPTION, 43, FATAL)              \
    X(LEADER_NOT_AVAILABLE_EXCEPTION, 44, REFRESH)              \
    X(PARTITION_MAX_NUM_EXCEPTION, 45, FATAL)                   \
    X(AUTHENTICATE_EXCEPTION, 46, FATAL)                        \
    X(SECURITY_DISABLED_EXCEPTION, 47, FATAL)                   \
    X(AUTHORIZATION_EXCEPTION, 48, FATAL)                       \
    X(BUCKET_MAX_NUM_EXCEPTION, 49, FATAL)                      \
    X(FENCED_TIERING_EPOCH_EXCEPTION, 50, FATAL)                \
    X(RETRIABLE_AUTHENTICATE_EXCEPTION, 51, SPECIAL)            \
    X(INVALID_SERVER_RACK_INFO_EXCEPTION, 52, FATAL)            \
    X(LAKE_SNAPSHOT_NOT_EXIST, 53, FATAL)                       \
    X(LAKE_TABLE_ALREADY_EXIST, 54, FATAL)                      \
    X(INELIGIBLE_REPLICA_EXCEPTION, 55, FATAL)                  \
    X(INVALID_ALTER_TABLE_EXCEPTION, 56, FATAL)                 \
    X(DELETION_DISABLED_EXCEPTION, 57, FATAL)                   \
    X(SERVER_NOT_EXIST_EXCEPTION, 58, FATAL)                    \
    X(SEVER_TAG_ALREADY_EXIST_EXCEPTION, 59, FATAL)             \
    X(SEVER_TAG_NOT_EXIST_EXCEPTION, 60, FATAL)                 \
    X(REBALANCE_FAILURE_EXCEPTION, 61, FATAL)                   \
    X(NO_REBALANCE_IN_PROGRESS_EXCEPTION, 62, FATAL)            \
    X(INVALID_PRODUCER_ID_EXCEPTION, 63, FATAL)                 \
    X(CONFIG_EXCEPTION, 64, FATAL)                              \
    X(NOT_COORDINATOR_LEADER_EXCEPTION, 65, SPECIAL)            \
    X(SCANNER_EXPIRED, 66, FATAL)                               \
    X(UNKNOWN_SCANNER_ID, 67, FATAL)                            \
    X(INVALID_SCAN_REQUEST, 68, FATAL)                          \
    X(TOO_MANY_SCANNERS, 69, FATAL)                             \
    X(DISK_WRITE_LOCKED, 70, RETRY)                             \
    X(INSUFFICIENT_KV_LEADER_REPLICA_CAPACITY, 71, FATAL)       \
    X(STORAGE_BACKPRESSURE_EXCEPTION, 72, RETRY)                \
    X(HISTORICAL_PARTITION_THROTTLED, 73, RETRY)

typedef enum kfb_fluss_err {
#define KFB_FLUSS_ERR_ENUM_(name, code, cls) KFB_FLUSS_##name = (code),
    KFB_FLUSS_ERRORS(KFB_FLUSS_ERR_ENUM_)
#undef KFB_FLUSS_ERR_ENUM_
} kfb_fluss_err_t;

/* Upper-case Java enum name, e.g. "NOT_LEADER_OR_FOLLOWER"; codes outside the
 * table give "UNKNOWN_SERVER_ERROR". Static string. */
const char *kfb_fluss_err_name(int32_t code);
/* Class of a code; unknown codes are FATAL like -1. */
kfb_fluss_errclass_t kfb_fluss_err_class(int32_t code);
/* True for RETRY and REFRESH. */
int kfb_fluss_err_retriable(int32_t code);
/* "none", "retriable", "retriable+refresh", "fatal", "special". */
const char *kfb_fluss_errclass_name(kfb_fluss_errclass_t cls);

/*
 * 1 when a PutKv bucket answer with this code is caused by the content of one or
 * more records of the batch (or by the batch's target-column list, which the
 * bridge derives from its records), so re-sending the other records in smaller
 * batches can isolate the ones Fluss refuses; 0 otherwise (transport, leader,
 * storage, sequence, authorization and unknown codes). The list, from the
 * tablet server's PutKv path at the commit fluss-protocol.md names
 * ({server} = fluss-server/src/main/java/org/apache/fluss/server):
 *   -1 UNKNOWN_SERVER_ERROR       a record or row the server cannot read:
 *                                 DefaultKvRecord.pointTo throws
 *                                 InvalidRecordException, which Errors.java maps
 *                                 to no code; row readers throw runtime
 *                                 exceptions; {server}/kv/KvTablet.java putAsLeader
 *                                 (processKvRecords). Also a partial update of a
 *                                 first_row / versioned table (RowMerger
 *                                 configureTargetColumns: UnsupportedOperationException).
 *                                 -1 is also what any unexpected server failure
 *                                 gives: if every smaller batch fails with it, the
 *                                 cause is not a record.
 *   13 RECORD_TOO_LARGE_EXCEPTION not raised on the KV path at that commit
 *                                 (RecordTooLargeException is only declared);
 *                                 kept for servers that size-check records.
 *   35 INVALID_TARGET_COLUMN      the batch's target columns:
 *                                 {server}/kv/partialupdate/PartialUpdater.java
 *                                 sanityCheck, {server}/kv/autoinc/
 *                                 PerSchemaAutoIncrementUpdater.java validateTargetColumns.
 *   57 DELETION_DISABLED_EXCEPTION a delete record on a table with
 *                                 table.delete.behavior=DISABLE: KvTablet.processDeletion.
 * Not in the list: there is no INVALID_RECORD code (Errors.java); CORRUPT_MESSAGE
 * (3) and CORRUPT_RECORD_EXCEPTION (14) are retriable and concern the batch
 * framing / the changelog batch the server builds ({server}/log/LogTablet.java
 * analyzeAndValidateRecords), not a record's content; SCHEMA_NOT_EXIST (9) is the
 * batch header's schema id (KvTablet.validateSchemaId) and retriable.
 */
int kfb_fluss_err_is_record_level(int32_t fluss_code);

/*
 * 1 when a PutKv answer with this code (per bucket, or for the whole request)
 * proves that THIS attempt did not change the bucket: the tablet server raises
 * it before it appends the batch's changelog, so neither rows nor the writer's
 * sequence were recorded (and KvTablet.putAsLeader truncates its pre-write
 * buffer on any exception it throws). 0 for every other code, unknown codes
 * included: REQUEST_TIME_OUT (25) and NOT_ENOUGH_REPLICAS_AFTER_APPEND (28) come
 * after the leader applied the batch ({server}/replica/delay/DelayedWrite.java),
 * storage errors (10, 11, 26) may come after the append. Sources:
 *   18, 70 (and 48)  before any bucket: ReplicaManager.putRecordsToKv
 *                    (isRequiredAcksInvalid, ensureWritable), TabletService.putKv
 *                    (authorizeTable); 46 before any request is served
 *   2, 7, 12, 21, 36 ReplicaManager.putToLocalKv (getReplicaOrException,
 *                    validateClientVersionForPkTable), Replica.putRecordsToLeader
 *                    (isLeader)
 *   29               Replica.putRecordsToLeader validateInSyncReplicaSize
 *   72, 9, 35        KvTablet.putAsLeader: admission gate, validateSchemaId,
 *                    target-column checks, all before the records are read
 *   -1, 13, 57       while the records are read (processKvRecords), before the
 *                    changelog append (see kfb_fluss_err_is_record_level)
 *   14, 31           {server}/log/LogTablet.java append: analyzeAndValidateRecords
 *                    and analyzeAndValidateWriterState run before localLog.append
 *   33               not raised by the server at that commit; by its meaning
 *                    the bucket did not accept this writer's batch
 */
int kfb_fluss_err_putkv_not_applied(int32_t code);

#endif
