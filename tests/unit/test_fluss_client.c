/* test_fluss_client.c - the connection layer and the client against a tiny
 * scripted Fluss peer on loopback (the full test server lives on the
 * `testserver` branch). The peer answers the handful of APIs the client uses,
 * keeps per-bucket writer state like the Java server (fluss-protocol.md §10.5:
 * duplicates of the last 5 sequences succeed, anything but last+1 is
 * OUT_OF_ORDER_SEQUENCE) and can be told to fail, drop or delay requests. */
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bytes.h"
#include "crc32c.h"
#include "fluss_api.pb-c.h"
#include "fluss_client.h"
#include "fluss_conn.h"
#include "fluss_errors.h"
#include "rpc_frame.h"

/* ------------------------------------------------------------ the peer */

#define NB 16
#define MAXC 16

typedef struct peer {
    int lfd, port, family;
    pthread_t th;
    int stop_pipe[2];
    pthread_mutex_t mu;
    /* knobs (set before start or under mu) */
    int drop_api;             /* never answer this api */
    int fail_api;             /* answer this api with SERVER_FAILURE */
    int omit_api;             /* leave out of ApiVersions */
    int putkv_max_version;    /* advertised; default 2 */
    int script[64];           /* per-bucket PutKv error codes, consumed in order */
    int script_bucket[64];    /* which bucket each entry applies to (-1 any) */
    int nscript;
    int drop_putkv_after_apply; /* apply the next N PutKv requests but do not answer */
    int whole_putkv_error;    /* ERROR frame for the next PutKv */
    const char *sasl_user, *sasl_pass;
    int bucket_count;
    int partition_created;
    int p1_dropped;           /* partition 100 ("p1") no longer exists */
    int t_dropped;            /* table "t" (id 7) no longer exists */
    int pressure_pct;         /* pressure reported on success, percent */
    /* observations */
    int count[64];            /* per api key - 1000 */
    int request_ids[32];
    int n_request_ids;
    int applied[NB];
    int32_t last_seq[NB];
    int64_t last_writer[NB];
    int64_t leo[NB];
    int seq_log[NB][64];
    int nseq_log[NB];
    int bad_crc;
    int max_bucket_entries_dup; /* a request that named one bucket twice */
    int putkv_version_seen;
    int64_t next_writer;
} peer_t;

static void put_frame(int fd, kfb_buf_t *b) {
    size_t off = 0;
    while (off < b->len) {
        ssize_t n = send(fd, b->data + off, b->len - off, MSG_NOSIGNAL);
        if (n <= 0) {
            if (n < 0 && errno == EINTR) continue;
            break;
        }
        off += (size_t)n;
    }
    kfb_buf_reset(b);
}

static void respond(int fd, int32_t id, const ProtobufCMessage *m) {
    kfb_buf_t b = KFB_BUF_INIT;
    if (kfb_rpc_encode_response(&b, id, m, 0) == KFB_ERR_OK) put_frame(fd, &b);
    kfb_buf_free(&b);
}

static void respond_error(int fd, int32_t id, int32_t code, const char *msg) {
    kfb_buf_t b = KFB_BUF_INIT;
    if (kfb_rpc_encode_error_response(&b, id, code, msg) == KFB_ERR_OK) put_frame(fd, &b);
    kfb_buf_free(&b);
}

static const char *TABLE_JSON =
    "{\"version\":1,\"schema\":{\"version\":1,\"columns\":[{\"name\":\"id\",\"data_type\":"
    "{\"type\":\"INTEGER\",\"nullable\":false},\"id\":0}],\"primary_key\":[\"id\"],"
    "\"highest_field_id\":0},\"partition_key\":[],\"bucket_key\":[\"id\"],\"bucket_count\":4,"
    "\"properties\":{},\"custom_properties\":{}}";
static const char *PTABLE_JSON =
    "{\"version\":1,\"schema\":{\"version\":1,\"columns\":[{\"name\":\"id\",\"data_type\":"
    "{\"type\":\"INTEGER\",\"nullable\":false},\"id\":0},{\"name\":\"day\",\"data_type\":"
    "{\"type\":\"STRING\",\"nullable\":false},\"id\":1}],\"primary_key\":[\"id\",\"day\"],"
    "\"highest_field_id\":1},\"partition_key\":[\"day\"],\"bucket_key\":[\"id\"],"
    "\"bucket_count\":2,\"properties\":{},\"custom_properties\":{}}";

static void fill_buckets(peer_t *p, Fluss__PbBucketMetadata *bm, Fluss__PbBucketMetadata **bmp,
                         int n) {
    (void)p;
    for (int i = 0; i < n; i++) {
        fluss__pb_bucket_metadata__init(&bm[i]);
        bm[i].bucket_id = i;
        bm[i].has_leader_id = 1;
        bm[i].leader_id = 1;
        bmp[i] = &bm[i];
    }
}

static void handle_metadata(peer_t *p, int fd, int32_t id, const uint8_t *body, size_t len) {
    ProtobufCMessage *m;
    if (kfb_rpc_unpack(&fluss__metadata_request__descriptor, body, len, &m)) return;
    Fluss__MetadataRequest *rq = (Fluss__MetadataRequest *)m;
    Fluss__PbServerNode coord = FLUSS__PB_SERVER_NODE__INIT, tab = FLUSS__PB_SERVER_NODE__INIT;
    char host[64];
    snprintf(host, sizeof host, "%s", p->family == AF_INET6 ? "::1" : "127.0.0.1");
    coord.node_id = 0;
    coord.host = host;
    coord.port = p->port;
    tab.node_id = 1;
    tab.host = host;
    tab.port = p->port;
    Fluss__PbServerNode *tabs[1] = {&tab};
    Fluss__MetadataResponse r = FLUSS__METADATA_RESPONSE__INIT;
    r.coordinator_server = &coord;
    r.n_tablet_servers = 1;
    r.tablet_servers = tabs;
    Fluss__PbTableMetadata tm[4], *tmp[4];
    Fluss__PbTablePath tps[4];
    Fluss__PbBucketMetadata bm[NB], *bmp[NB];
    Fluss__PbPartitionMetadata pm[4], *pmp[4];
    Fluss__PbBucketMetadata pbm[4][2], *pbmp[4][2];
    int nb = p->bucket_count;
    fill_buckets(p, bm, bmp, nb);
    for (size_t i = 0; i < rq->n_table_path && i < 4; i++) {
        const char *t = rq->table_path[i]->table_name;
        if ((strcmp(t, "t") && strcmp(t, "pt")) || (p->t_dropped && strcmp(t, "t") == 0)) {
            respond_error(fd, id, KFB_FLUSS_TABLE_NOT_EXIST, "The table does not exist.");
            protobuf_c_message_free_unpacked(m, NULL);
            return;
        }
        fluss__pb_table_metadata__init(&tm[i]);
        fluss__pb_table_path__init(&tps[i]);
        tps[i].database_name = rq->table_path[i]->database_name;
        tps[i].table_name = rq->table_path[i]->table_name;
        tm[i].table_path = &tps[i];
        tm[i].table_id = strcmp(t, "t") == 0 ? 7 : 8;
        tm[i].schema_id = 1;
        tm[i].table_json.data = (uint8_t *)"{}";
        tm[i].table_json.len = 2;
        if (tm[i].table_id == 7) {
            tm[i].n_bucket_metadata = (size_t)nb;
            tm[i].bucket_metadata = bmp;
        }
        tmp[i] = &tm[i];
        r.n_table_metadata++;
    }
    r.table_metadata = tmp;
    size_t np = 0;
    for (size_t i = 0; i < rq->n_partitions_path && i < 4; i++) {
        const char *name = rq->partitions_path[i]->partition_name;
        int64_t pid = -1;
        if (name && strcmp(name, "p1") == 0 && !p->p1_dropped) pid = 100;
        if (name && strcmp(name, "p2") == 0 && p->partition_created) pid = 101;
        if (pid < 0) {
            respond_error(fd, id, KFB_FLUSS_PARTITION_NOT_EXISTS, "The partition does not exist.");
            protobuf_c_message_free_unpacked(m, NULL);
            return;
        }
        fluss__pb_partition_metadata__init(&pm[np]);
        pm[np].table_id = 8;
        pm[np].partition_name = (char *)name;
        pm[np].partition_id = pid;
        fill_buckets(p, pbm[np], pbmp[np], 2);
        pm[np].n_bucket_metadata = 2;
        pm[np].bucket_metadata = pbmp[np];
        pmp[np] = &pm[np];
        np++;
    }
    for (size_t i = 0; i < rq->n_partitions_id && np < 4; i++) {
        int64_t pid = rq->partitions_id[i];
        if (!((pid == 100 && !p->p1_dropped) || (pid == 101 && p->partition_created))) {
            respond_error(fd, id, KFB_FLUSS_PARTITION_NOT_EXISTS, "The partition does not exist.");
            protobuf_c_message_free_unpacked(m, NULL);
            return;
        }
        fluss__pb_partition_metadata__init(&pm[np]);
        pm[np].table_id = 8;
        pm[np].partition_name = pid == 100 ? "p1" : "p2";
        pm[np].partition_id = pid;
        fill_buckets(p, pbm[np], pbmp[np], 2);
        pm[np].n_bucket_metadata = 2;
        pm[np].bucket_metadata = pbmp[np];
        pmp[np] = &pm[np];
        np++;
    }
    r.n_partition_metadata = np;
    r.partition_metadata = pmp;
    respond(fd, id, &r.base);
    protobuf_c_message_free_unpacked(m, NULL);
}

static void handle_putkv(peer_t *p, int fd, int32_t id, int16_t version, const uint8_t *body,
                         size_t len) {
    ProtobufCMessage *m;
    if (kfb_rpc_unpack(&fluss__put_kv_request__descriptor, body, len, &m)) return;
    Fluss__PutKvRequest *rq = (Fluss__PutKvRequest *)m;
    p->putkv_version_seen = version;
    if (p->whole_putkv_error) {
        int code = p->whole_putkv_error;
        p->whole_putkv_error = 0;
        respond_error(fd, id, code, "whole request rejected");
        protobuf_c_message_free_unpacked(m, NULL);
        return;
    }
    Fluss__PbPutKvRespForBucket br[NB], *brp[NB];
    size_t n = 0;
    int seen[NB] = {0};
    for (size_t i = 0; i < rq->n_buckets_req && n < NB; i++) {
        Fluss__PbPutKvReqForBucket *b = rq->buckets_req[i];
        int bk = b->bucket_id;
        fluss__pb_put_kv_resp_for_bucket__init(&br[n]);
        br[n].bucket_id = bk;
        if (b->has_partition_id) {
            br[n].has_partition_id = 1;
            br[n].partition_id = b->partition_id;
        }
        brp[n] = &br[n];
        n++;
        /* writer state per (partition, bucket): partitions 100, 101 use slots 4.., 8.. */
        if (b->has_partition_id && bk >= 0 && bk < 4 && b->partition_id >= 100 &&
            b->partition_id <= 102)
            bk += 4 * (int)(b->partition_id - 99);
        else if (b->has_partition_id)
            bk = -1;
        if (bk < 0 || bk >= NB || b->records.len < 28) {
            br[n - 1].has_error_code = 1;
            br[n - 1].error_code = 21;
            continue;
        }
        if (seen[bk]++) p->max_bucket_entries_dup = 1;
        if ((b->has_partition_id && b->partition_id == 100 && p->p1_dropped) ||
            (rq->table_id == 7 && p->t_dropped)) {
            br[n - 1].has_error_code = 1;
            br[n - 1].error_code = KFB_FLUSS_UNKNOWN_TABLE_OR_BUCKET_EXCEPTION;
            continue;
        }
        const uint8_t *r = b->records.data;
        uint32_t crc = kfb_get_le32(r + 5);
        if (crc != kfb_crc32c(0, r + 9, b->records.len - 9)) {
            p->bad_crc++;
            br[n - 1].has_error_code = 1;
            br[n - 1].error_code = -1;
            br[n - 1].error_message = "bad crc";
            continue;
        }
        int64_t writer = (int64_t)kfb_get_le64(r + 12);
        int32_t seq = (int32_t)kfb_get_le32(r + 20);
        int32_t cnt = (int32_t)kfb_get_le32(r + 24);
        int code = 0;
        for (int s = 0; s < p->nscript; s++) {
            if (p->script_bucket[s] == -1 || p->script_bucket[s] == bk) {
                code = p->script[s];
                memmove(&p->script[s], &p->script[s + 1], (size_t)(p->nscript - s - 1) * sizeof(int));
                memmove(&p->script_bucket[s], &p->script_bucket[s + 1],
                        (size_t)(p->nscript - s - 1) * sizeof(int));
                p->nscript--;
                break;
            }
        }
        if (!code) {
            /* §10.5 writer state */
            if (writer != p->last_writer[bk]) {
                if (seq != 0) code = KFB_FLUSS_OUT_OF_ORDER_SEQUENCE_EXCEPTION;
            } else if (seq <= p->last_seq[bk] && seq > p->last_seq[bk] - 5) {
                code = -100; /* duplicate: success, not applied */
            } else if (seq != p->last_seq[bk] + 1) {
                code = KFB_FLUSS_OUT_OF_ORDER_SEQUENCE_EXCEPTION;
            }
        }
        if (code == 0) {
            p->last_writer[bk] = writer;
            p->last_seq[bk] = seq;
            p->applied[bk]++;
            p->leo[bk] += cnt;
            if (p->nseq_log[bk] < 64) p->seq_log[bk][p->nseq_log[bk]++] = seq;
        }
        if (code == 0 || code == -100) {
            br[n - 1].has_log_end_offset = 1;
            br[n - 1].log_end_offset = p->leo[bk];
            if (p->pressure_pct) {
                br[n - 1].has_pressure = 1;
                br[n - 1].pressure = (float)p->pressure_pct / 100.0f;
            }
        } else {
            br[n - 1].has_error_code = 1;
            br[n - 1].error_code = code;
            br[n - 1].error_message = "scripted";
        }
    }
    if (p->drop_putkv_after_apply > 0) {
        p->drop_putkv_after_apply--;
    } else {
        Fluss__PutKvResponse resp = FLUSS__PUT_KV_RESPONSE__INIT;
        resp.n_buckets_resp = n;
        resp.buckets_resp = brp;
        respond(fd, id, &resp.base);
    }
    protobuf_c_message_free_unpacked(m, NULL);
}

typedef struct pconn {
    int fd;
    int authed;
    kfb_buf_t in;
} pconn_t;

static void handle_request(peer_t *p, pconn_t *pc, const uint8_t *payload, size_t len) {
    kfb_rpc_request_hdr_t h;
    int fd = pc->fd;
    if (kfb_rpc_decode_request_header(payload, len, &h)) return;
    if (h.api_key >= 1000 && h.api_key < 1064) p->count[h.api_key - 1000]++;
    if (p->n_request_ids < 32) p->request_ids[p->n_request_ids++] = h.request_id;
    if (h.api_key == p->drop_api) return;
    if (h.api_key == p->fail_api) {
        kfb_buf_t b = KFB_BUF_INIT;
        kfb_rpc_encode_server_failure(&b, -1, "Adjusted frame length exceeds 10");
        put_frame(fd, &b);
        kfb_buf_free(&b);
        return;
    }
    if (p->sasl_user && !pc->authed && h.api_key != KFB_API_API_VERSIONS &&
        h.api_key != KFB_API_AUTHENTICATE) {
        respond_error(fd, h.request_id, KFB_FLUSS_AUTHENTICATE_EXCEPTION, "not authenticated");
        return;
    }
    switch (h.api_key) {
    case KFB_API_API_VERSIONS: {
        Fluss__PbApiVersion v[16], *vp[16];
        int keys[] = {1000, 1001, 1004, 1005, 1007, 1009, 1010, 1011, 1012, 1016, 1017, 1026, 1036, 1038};
        size_t n = 0;
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            if (keys[i] == p->omit_api) continue;
            fluss__pb_api_version__init(&v[n]);
            v[n].api_key = keys[i];
            v[n].min_version = 0;
            v[n].max_version = keys[i] == 1016 ? p->putkv_max_version : keys[i] == 1017 ? 1 : 0;
            vp[n] = &v[n];
            n++;
        }
        Fluss__ApiVersionsResponse r = FLUSS__API_VERSIONS_RESPONSE__INIT;
        r.n_api_versions = n;
        r.api_versions = vp;
        r.has_server_type = 1;
        r.server_type = 2;
        respond(fd, h.request_id, &r.base);
        break;
    }
    case KFB_API_AUTHENTICATE: {
        ProtobufCMessage *m;
        if (kfb_rpc_unpack(&fluss__authenticate_request__descriptor, h.body, h.body_len, &m)) return;
        Fluss__AuthenticateRequest *a = (Fluss__AuthenticateRequest *)m;
        char want[128];
        size_t ul = strlen(p->sasl_user ? p->sasl_user : ""), pl = strlen(p->sasl_pass ? p->sasl_pass : "");
        want[0] = 0;
        memcpy(want + 1, p->sasl_user ? p->sasl_user : "", ul);
        want[1 + ul] = 0;
        memcpy(want + 2 + ul, p->sasl_pass ? p->sasl_pass : "", pl);
        if (strcmp(a->protocol, "PLAIN") == 0 && a->token.len == ul + pl + 2 &&
            memcmp(a->token.data, want, ul + pl + 2) == 0) {
            pc->authed = 1;
            Fluss__AuthenticateResponse r = FLUSS__AUTHENTICATE_RESPONSE__INIT;
            r.has_challenge = 1; /* present but empty (§13) */
            respond(fd, h.request_id, &r.base);
        } else {
            respond_error(fd, h.request_id, KFB_FLUSS_AUTHENTICATE_EXCEPTION,
                          "Authentication failed: Invalid username or password");
        }
        protobuf_c_message_free_unpacked(m, NULL);
        break;
    }
    case KFB_API_GET_METADATA:
        handle_metadata(p, fd, h.request_id, h.body, h.body_len);
        break;
    case KFB_API_GET_TABLE_INFO: {
        ProtobufCMessage *m;
        if (kfb_rpc_unpack(&fluss__get_table_info_request__descriptor, h.body, h.body_len, &m)) return;
        Fluss__GetTableInfoRequest *rq = (Fluss__GetTableInfoRequest *)m;
        const char *t = rq->table_path->table_name;
        if (strcmp(t, "bad") == 0) {
            Fluss__GetTableInfoResponse r = FLUSS__GET_TABLE_INFO_RESPONSE__INIT;
            r.table_id = 9;
            r.schema_id = 1;
            r.table_json.data = (uint8_t *)"{\"version\":1}"; /* no schema */
            r.table_json.len = 13;
            respond(fd, h.request_id, &r.base);
        } else if (strcmp(t, "t") && strcmp(t, "pt")) {
            respond_error(fd, h.request_id, KFB_FLUSS_TABLE_NOT_EXIST, "Table 'db.nope' does not exist.");
        } else {
            Fluss__GetTableInfoResponse r = FLUSS__GET_TABLE_INFO_RESPONSE__INIT;
            int pt = strcmp(t, "pt") == 0;
            r.table_id = pt ? 8 : 7;
            r.schema_id = 1;
            r.table_json.data = (uint8_t *)(pt ? PTABLE_JSON : TABLE_JSON);
            r.table_json.len = strlen(pt ? PTABLE_JSON : TABLE_JSON);
            respond(fd, h.request_id, &r.base);
        }
        protobuf_c_message_free_unpacked(m, NULL);
        break;
    }
    case KFB_API_INIT_WRITER: {
        Fluss__InitWriterResponse r = FLUSS__INIT_WRITER_RESPONSE__INIT;
        r.writer_id = p->next_writer++;
        respond(fd, h.request_id, &r.base);
        break;
    }
    case KFB_API_PUT_KV:
        handle_putkv(p, fd, h.request_id, h.api_version, h.body, h.body_len);
        break;
    case KFB_API_LOOKUP: {
        ProtobufCMessage *m;
        if (kfb_rpc_unpack(&fluss__lookup_request__descriptor, h.body, h.body_len, &m)) return;
        Fluss__LookupRequest *rq = (Fluss__LookupRequest *)m;
        Fluss__PbLookupReqForBucket *b = rq->buckets_req[0];
        Fluss__PbValue v[8], *vp[8];
        for (size_t i = 0; i < b->n_keys && i < 8; i++) {
            fluss__pb_value__init(&v[i]);
            if (b->keys[i].len == 2 && memcmp(b->keys[i].data, "k1", 2) == 0) {
                v[i].has_values = 1;
                v[i].values.data = (uint8_t *)"\x01\x00row";
                v[i].values.len = 5;
            }
            vp[i] = &v[i];
        }
        Fluss__PbLookupRespForBucket br = FLUSS__PB_LOOKUP_RESP_FOR_BUCKET__INIT;
        br.bucket_id = b->bucket_id;
        br.n_values = b->n_keys < 8 ? b->n_keys : 8;
        br.values = vp;
        Fluss__PbLookupRespForBucket *brp[1] = {&br};
        Fluss__LookupResponse r = FLUSS__LOOKUP_RESPONSE__INIT;
        r.n_buckets_resp = 1;
        r.buckets_resp = brp;
        respond(fd, h.request_id, &r.base);
        protobuf_c_message_free_unpacked(m, NULL);
        break;
    }
    case KFB_API_CREATE_PARTITION: {
        p->partition_created = 1;
        Fluss__CreatePartitionResponse r = FLUSS__CREATE_PARTITION_RESPONSE__INIT;
        respond(fd, h.request_id, &r.base);
        break;
    }
    case KFB_API_DATABASE_EXISTS: {
        ProtobufCMessage *m;
        if (kfb_rpc_unpack(&fluss__database_exists_request__descriptor, h.body, h.body_len, &m)) return;
        Fluss__DatabaseExistsResponse r = FLUSS__DATABASE_EXISTS_RESPONSE__INIT;
        r.exists = strcmp(((Fluss__DatabaseExistsRequest *)m)->database_name, "db") == 0;
        respond(fd, h.request_id, &r.base);
        protobuf_c_message_free_unpacked(m, NULL);
        break;
    }
    default: /* like the real server: unknown -> no answer */
        break;
    }
}

static void *peer_main(void *arg) {
    peer_t *p = arg;
    pconn_t conns[MAXC];
    int nc = 0;
    for (;;) {
        struct pollfd pf[MAXC + 2];
        pf[0].fd = p->stop_pipe[0];
        pf[0].events = POLLIN;
        pf[1].fd = p->lfd;
        pf[1].events = POLLIN;
        for (int i = 0; i < nc; i++) {
            pf[2 + i].fd = conns[i].fd;
            pf[2 + i].events = POLLIN;
        }
        if (poll(pf, (nfds_t)(2 + nc), -1) < 0) continue;
        if (pf[0].revents) break;
        if ((pf[1].revents & POLLIN) && nc < MAXC) {
            int fd = accept(p->lfd, NULL, NULL);
            if (fd >= 0) {
                memset(&conns[nc], 0, sizeof conns[nc]);
                conns[nc++].fd = fd;
            }
        }
        for (int i = 0; i < nc; i++) {
            if (!(pf[2 + i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            pconn_t *pc = &conns[i];
            kfb_buf_reserve(&pc->in, 65536);
            ssize_t n = recv(pc->fd, pc->in.data + pc->in.len, pc->in.cap - pc->in.len, 0);
            if (n <= 0) {
                close(pc->fd);
                kfb_buf_free(&pc->in);
                conns[i] = conns[--nc];
                pf[2 + i] = pf[2 + nc];
                i--;
                continue;
            }
            pc->in.len += (size_t)n;
            size_t pos = 0, total;
            while (kfb_rpc_frame_peek(pc->in.data + pos, pc->in.len - pos, 0, &total) == KFB_ERR_OK &&
                   total && total <= pc->in.len - pos) {
                pthread_mutex_lock(&p->mu);
                handle_request(p, pc, pc->in.data + pos + 4, total - 4);
                pthread_mutex_unlock(&p->mu);
                pos += total;
            }
            memmove(pc->in.data, pc->in.data + pos, pc->in.len - pos);
            pc->in.len -= pos;
        }
    }
    for (int i = 0; i < nc; i++) {
        close(conns[i].fd);
        kfb_buf_free(&conns[i].in);
    }
    return NULL;
}

static peer_t *peer_start_family(int family) {
    peer_t *p = calloc(1, sizeof *p);
    p->family = family;
    p->putkv_max_version = 2;
    p->bucket_count = 4;
    p->next_writer = 1;
    for (int i = 0; i < NB; i++) {
        p->last_seq[i] = -1;
        p->last_writer[i] = -1;
    }
    pthread_mutex_init(&p->mu, NULL);
    p->lfd = socket(family, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(p->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (family == AF_INET6) {
        struct sockaddr_in6 a = {0};
        a.sin6_family = AF_INET6;
        a.sin6_addr = in6addr_loopback;
        if (bind(p->lfd, (struct sockaddr *)&a, sizeof a) < 0) {
            close(p->lfd);
            free(p);
            return NULL;
        }
        socklen_t sl = sizeof a;
        getsockname(p->lfd, (struct sockaddr *)&a, &sl);
        p->port = ntohs(a.sin6_port);
    } else {
        struct sockaddr_in a = {0};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (bind(p->lfd, (struct sockaddr *)&a, sizeof a) < 0) abort();
        socklen_t sl = sizeof a;
        getsockname(p->lfd, (struct sockaddr *)&a, &sl);
        p->port = ntohs(a.sin_port);
    }
    listen(p->lfd, 16);
    if (pipe(p->stop_pipe) < 0) abort();
    pthread_create(&p->th, NULL, peer_main, p);
    return p;
}

static peer_t *peer_start(void) { return peer_start_family(AF_INET); }

static void peer_stop(peer_t *p) {
    if (write(p->stop_pipe[1], "x", 1) != 1) abort();
    pthread_join(p->th, NULL);
    close(p->lfd);
    close(p->stop_pipe[0]);
    close(p->stop_pipe[1]);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

#define PEER(p, expr)                 \
    do {                              \
        pthread_mutex_lock(&(p)->mu); \
        expr;                         \
        pthread_mutex_unlock(&(p)->mu); \
    } while (0)

/* A port nothing listens on: bind, read the port, close. */
static int dead_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, (struct sockaddr *)&a, sizeof a);
    socklen_t sl = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &sl);
    close(fd);
    return ntohs(a.sin_port);
}

/* ------------------------------------------------------- conn-level tests */

typedef struct result {
    int done;
    kfb_err_t err;
    int type;
    uint8_t body[4096];
    size_t body_len;
    char msg[512];
} result_t;

static void on_result(kfb_fluss_conn_t *conn, kfb_err_t err, const kfb_rpc_response_t *resp,
                      void *opaque) {
    result_t *r = opaque;
    r->done = 1;
    r->err = err;
    if (resp) {
        r->type = resp->type;
        r->body_len = resp->body_len < sizeof r->body ? resp->body_len : sizeof r->body;
        memcpy(r->body, resp->body, r->body_len);
    }
    snprintf(r->msg, sizeof r->msg, "%s", kfb_fluss_conn_last_error(conn));
}

/* Drives one connection's loop until `r` is done or 5 s pass. */
static void run_until(kfb_fluss_conn_t *c, result_t *r) {
    int64_t end = kfb_fluss_now_ms() + 5000;
    while (!r->done && kfb_fluss_now_ms() < end) {
        struct pollfd pf;
        int64_t now = kfb_fluss_now_ms();
        int64_t d = kfb_fluss_conn_next_deadline_ms(c);
        int to = d == INT64_MAX ? 50 : (int)(d > now ? (d - now > 50 ? 50 : d - now) : 0);
        if (kfb_fluss_conn_fill_pollfd(c, &pf)) {
            int rc = poll(&pf, 1, to);
            kfb_fluss_conn_handle_events(c, rc > 0 ? pf.revents : 0, kfb_fluss_now_ms());
        } else {
            usleep((useconds_t)to * 1000);
            kfb_fluss_conn_tick(c, kfb_fluss_now_ms());
        }
    }
}

static kfb_fluss_conn_t *conn_to(const char *host, int port) {
    char err[256];
    kfb_fluss_conn_conf_t cc;
    kfb_fluss_conn_conf_init(&cc);
    cc.backoff_ms = 20;
    cc.backoff_max_ms = 40;
    kfb_fluss_conn_t *c = kfb_fluss_conn_new(host, port, &cc, err, sizeof err);
    if (!c) fprintf(stderr, "%s\n", err);
    return c;
}

static kfb_err_t send_db_exists(kfb_fluss_conn_t *c, const char *db, int timeout, result_t *r) {
    Fluss__DatabaseExistsRequest req = FLUSS__DATABASE_EXISTS_REQUEST__INIT;
    req.database_name = (char *)db;
    memset(r, 0, sizeof *r);
    return kfb_fluss_conn_send(c, KFB_API_DATABASE_EXISTS, -1, &req.base, timeout,
                               kfb_fluss_now_ms(), on_result, r);
}

TEST(conn_handshake_negotiates_versions) {
    peer_t *p = peer_start();
    p->putkv_max_version = 1; /* an older server: we must clamp to 1 */
    kfb_fluss_conn_t *c = conn_to("127.0.0.1", p->port);
    ASSERT_TRUE(c != NULL);
    ASSERT_EQ_INT(kfb_fluss_conn_state(c), KFB_CONN_DOWN);
    result_t r;
    ASSERT_OK(send_db_exists(c, "db", 5000, &r));
    run_until(c, &r);
    ASSERT_TRUE(r.done);
    ASSERT_OK(r.err);
    ASSERT_EQ_INT(r.type, KFB_RPC_RESP_SUCCESS);
    ProtobufCMessage *m;
    ASSERT_OK(kfb_rpc_unpack(&fluss__database_exists_response__descriptor, r.body, r.body_len, &m));
    ASSERT_TRUE(((Fluss__DatabaseExistsResponse *)m)->exists);
    protobuf_c_message_free_unpacked(m, NULL);
    ASSERT_EQ_INT(kfb_fluss_conn_state(c), KFB_CONN_READY);
    ASSERT_EQ_INT(kfb_fluss_conn_api_version(c, KFB_API_PUT_KV), 1);
    ASSERT_EQ_INT(kfb_fluss_conn_api_version(c, KFB_API_LOOKUP), 1);
    ASSERT_EQ_INT(kfb_fluss_conn_server_type(c), KFB_FLUSS_SERVER_TABLET);
    /* ApiVersions is request 0, the first user request 1 (ServerConnection.java) */
    PEER(p, {
        ASSERT_EQ_INT(p->n_request_ids, 2);
        ASSERT_EQ_INT(p->request_ids[0], 0);
        ASSERT_EQ_INT(p->request_ids[1], 1);
        ASSERT_EQ_INT(p->count[0], 1);
    });
    kfb_fluss_conn_destroy(c);
    peer_stop(p);
}

TEST(conn_pipelines_many_requests) {
    peer_t *p = peer_start();
    kfb_fluss_conn_t *c = conn_to("127.0.0.1", p->port);
    result_t rs[20];
    for (int i = 0; i < 20; i++) ASSERT_OK(send_db_exists(c, i % 2 ? "db" : "x", 5000, &rs[i]));
    run_until(c, &rs[19]);
    for (int i = 0; i < 20; i++) {
        ASSERT_TRUE(rs[i].done);
        ASSERT_OK(rs[i].err);
        ProtobufCMessage *m;
        ASSERT_OK(kfb_rpc_unpack(&fluss__database_exists_response__descriptor, rs[i].body,
                                 rs[i].body_len, &m));
        ASSERT_EQ_INT(((Fluss__DatabaseExistsResponse *)m)->exists, i % 2);
        protobuf_c_message_free_unpacked(m, NULL);
    }
    ASSERT_EQ_INT(kfb_fluss_conn_outstanding(c), 0);
    kfb_fluss_conn_destroy(c);
    peer_stop(p);
}

TEST(conn_dropped_request_times_out) {
    /* The server silently drops requests it cannot parse or route (§1.5). */
    peer_t *p = peer_start();
    p->drop_api = KFB_API_DATABASE_EXISTS;
    kfb_fluss_conn_t *c = conn_to("127.0.0.1", p->port);
    result_t r;
    ASSERT_OK(send_db_exists(c, "db", 150, &r));
    run_until(c, &r);
    ASSERT_TRUE(r.done);
    ASSERT_ERR(r.err, KFB_ERR_TIMEOUT);
    ASSERT_CONTAINS(r.msg, "request DatabaseExists (id 1)");
    ASSERT_CONTAINS(r.msg, "timed out");
    ASSERT_EQ_INT(kfb_fluss_conn_outstanding(c), 0);
    PEER(p, ASSERT_EQ_INT(p->count[4], 1)); /* it did reach the server */
    /* the connection stays usable */
    ASSERT_EQ_INT(kfb_fluss_conn_state(c), KFB_CONN_READY);
    PEER(p, p->drop_api = 0);
    ASSERT_OK(send_db_exists(c, "db", 5000, &r));
    run_until(c, &r);
    ASSERT_OK(r.err);
    kfb_fluss_conn_destroy(c);
    peer_stop(p);
}

TEST(conn_server_failure_fails_connection) {
    peer_t *p = peer_start();
    p->fail_api = KFB_API_DATABASE_EXISTS;
    kfb_fluss_conn_t *c = conn_to("127.0.0.1", p->port);
    result_t r;
    ASSERT_OK(send_db_exists(c, "db", 5000, &r));
    run_until(c, &r);
    ASSERT_ERR(r.err, KFB_ERR_RPC_SERVER_FAILURE);
    ASSERT_CONTAINS(r.msg, "UNKNOWN_SERVER_ERROR");
    ASSERT_CONTAINS(r.msg, "Adjusted frame length exceeds");
    ASSERT_EQ_INT(kfb_fluss_conn_state(c), KFB_CONN_DOWN);
    /* reconnects after the back-off */
    PEER(p, p->fail_api = 0);
    ASSERT_OK(send_db_exists(c, "db", 5000, &r));
    run_until(c, &r);
    ASSERT_OK(r.err);
    PEER(p, ASSERT_EQ_INT(p->count[0], 2));
    kfb_fluss_conn_destroy(c);
    peer_stop(p);
}

TEST(conn_refused_and_unresolvable) {
    kfb_fluss_conn_t *c = conn_to("127.0.0.1", dead_port());
    result_t r;
    ASSERT_OK(send_db_exists(c, "db", 5000, &r));
    run_until(c, &r);
    ASSERT_ERR(r.err, KFB_ERR_RPC_DISCONNECTED);
    ASSERT_CONTAINS(r.msg, "cannot connect to Fluss server 127.0.0.1:");
    ASSERT_EQ_INT(kfb_fluss_conn_state(c), KFB_CONN_DOWN);
    kfb_fluss_conn_destroy(c);
    c = conn_to("no-such-host.invalid", 9123);
    ASSERT_OK(send_db_exists(c, "db", 5000, &r));
    run_until(c, &r);
    ASSERT_ERR(r.err, KFB_ERR_RPC_DISCONNECTED);
    ASSERT_CONTAINS(r.msg, "cannot resolve");
    kfb_fluss_conn_destroy(c);
    /* destroyed while the name lookup is still running: no crash, no leak */
    c = conn_to("another-missing-host.invalid", 9123);
    ASSERT_OK(send_db_exists(c, "db", 5000, &r));
    ASSERT_EQ_INT(kfb_fluss_conn_state(c), KFB_CONN_CONNECTING);
    kfb_fluss_conn_destroy(c);
    ASSERT_ERR(r.err, KFB_ERR_RPC_SHUTDOWN);
    char err[256];
    ASSERT_TRUE(kfb_fluss_conn_new("", 1, NULL, err, sizeof err) == NULL);
    ASSERT_CONTAINS(err, "invalid Fluss server address");
    ASSERT_TRUE(kfb_fluss_conn_new("h", 70000, NULL, err, sizeof err) == NULL);
}

TEST(conn_missing_api_is_reported) {
    peer_t *p = peer_start();
    p->omit_api = KFB_API_DATABASE_EXISTS;
    kfb_fluss_conn_t *c = conn_to("localhost", p->port); /* DNS name */
    result_t r;
    ASSERT_OK(send_db_exists(c, "db", 5000, &r));
    run_until(c, &r);
    ASSERT_ERR(r.err, KFB_ERR_RPC_API_UNSUPPORTED);
    ASSERT_CONTAINS(r.msg, "does not support API DatabaseExists (1004)");
    /* once READY the error comes back directly */
    ASSERT_ERR(send_db_exists(c, "db", 5000, &r), KFB_ERR_RPC_API_UNSUPPORTED);
    kfb_fluss_conn_destroy(c);
    peer_stop(p);
}

TEST(conn_ipv6_loopback) {
    peer_t *p = peer_start_family(AF_INET6);
    /* IPv6 support is a requirement: a machine without ::1 fails here rather than skipping */
    if (!p) fprintf(stderr, "  cannot listen on [::1]: no IPv6 loopback on this machine\n");
    ASSERT_TRUE(p != NULL);
    kfb_fluss_conn_t *c = conn_to("[::1]", p->port);
    result_t r;
    ASSERT_OK(send_db_exists(c, "db", 5000, &r));
    run_until(c, &r);
    ASSERT_OK(r.err);
    kfb_fluss_conn_destroy(c);
    peer_stop(p);
}

TEST(conn_destroy_fails_pending_with_shutdown) {
    peer_t *p = peer_start();
    p->drop_api = KFB_API_DATABASE_EXISTS;
    kfb_fluss_conn_t *c = conn_to("127.0.0.1", p->port);
    result_t r;
    ASSERT_OK(send_db_exists(c, "db", 5000, &r));
    kfb_fluss_conn_destroy(c);
    ASSERT_TRUE(r.done);
    ASSERT_ERR(r.err, KFB_ERR_RPC_SHUTDOWN);
    peer_stop(p);
}

TEST(conn_rejects_oversized_response) {
    /* a peer that answers with a frame longer than our max_frame */
    peer_t *p = peer_start();
    char err[256];
    kfb_fluss_conn_conf_t cc;
    kfb_fluss_conn_conf_init(&cc);
    cc.max_frame = 16; /* the ApiVersions response is longer */
    kfb_fluss_conn_t *c = kfb_fluss_conn_new("127.0.0.1", p->port, &cc, err, sizeof err);
    result_t r;
    ASSERT_OK(send_db_exists(c, "db", 5000, &r));
    run_until(c, &r);
    ASSERT_ERR(r.err, KFB_ERR_RPC_FRAME_TOO_LARGE);
    ASSERT_CONTAINS(r.msg, "limit 16 bytes");
    kfb_fluss_conn_destroy(c);
    peer_stop(p);
}

/* ----------------------------------------------------- client-level tests */

/* A KV batch with one record (§9.1): header + "06 00 00 00 01 <id> 00 01 01 61",
 * unstamped (writer id / sequence -1) as kfb_kv_batch_build leaves it, with its
 * CRC-32C of [9, end) at 5: the client checks that before it stamps. */
static size_t make_batch(uint8_t *b, uint8_t key) {
    memset(b, 0, 28);
    kfb_put_le32(b, 38 - 4);
    b[4] = 0;
    kfb_put_le16(b + 9, 1);
    kfb_put_le64(b + 12, (uint64_t)-1);
    kfb_put_le32(b + 20, (uint32_t)-1);
    kfb_put_le32(b + 24, 1);
    uint8_t rec[10] = {6, 0, 0, 0, 1, key, 0, 1, 1, 0x61};
    memcpy(b + 28, rec, 10);
    kfb_put_le32(b + 5, kfb_crc32c(0, b + 9, 38 - 9));
    return 38;
}

typedef struct deliveries {
    int n;
    int opaque[256];
    kfb_err_t err[256];
    int32_t ferr[256];
    int64_t leo[256];
    int32_t seq[256];
    int attempts[256];
    char name[256][48];
    char msg[256][1024];
} deliveries_t;

static deliveries_t *dl;

static void on_delivery(kfb_fluss_client_t *c, const kfb_fluss_batch_result_t *r, void *op) {
    (void)c;
    (void)op;
    int i = dl->n++;
    dl->opaque[i] = (int)(intptr_t)r->opaque;
    dl->err[i] = r->err;
    dl->ferr[i] = r->fluss_error;
    dl->leo[i] = r->log_end_offset;
    dl->seq[i] = r->batch_sequence;
    dl->attempts[i] = r->attempts;
    snprintf(dl->name[i], sizeof dl->name[i], "%s", r->error_name);
    snprintf(dl->msg[i], sizeof dl->msg[i], "%s", r->message);
}

static kfb_fluss_client_t *client_for(peer_t *p, kfb_fluss_client_conf_t *conf) {
    static char bs[64];
    snprintf(bs, sizeof bs, "127.0.0.1:%d", p ? p->port : dead_port());
    conf->bootstrap_servers = bs;
    conf->delivery_cb = on_delivery;
    conf->retry_backoff_ms = 10;
    conf->reconnect_backoff_ms = 10;
    conf->reconnect_backoff_max_ms = 50;
    conf->backpressure_max_throttle_ms = 50;
    static deliveries_t d;
    memset(&d, 0, sizeof d);
    dl = &d;
    char err[256];
    kfb_fluss_client_t *c = kfb_fluss_client_new(conf, err, sizeof err);
    if (!c) fprintf(stderr, "  %s\n", err);
    return c;
}

/* Opens the peer's table db.<name> (get_table registers it with the client). */
static void open_table(kfb_fluss_client_t *c, const char *name) {
    char err[512];
    kfb_fluss_table_info_t *ti;
    ASSERT_OK(kfb_fluss_client_get_table(c, "db", name, 5000, &ti, err, sizeof err));
    kfb_fluss_table_info_free(ti);
}

/* client_for with the peer's table db.t (id 7) opened, as most tests need. */
static kfb_fluss_client_t *client_with_table(peer_t *p, kfb_fluss_client_conf_t *conf) {
    kfb_fluss_client_t *c = client_for(p, conf);
    ASSERT_TRUE(c != NULL);
    open_table(c, "t");
    return c;
}

TEST(client_writes_batches_in_order) {
    peer_t *p = peer_start();
    kfb_fluss_client_conf_t conf;
    kfb_fluss_client_conf_init(&conf);
    kfb_fluss_client_t *c = client_for(p, &conf);
    ASSERT_TRUE(c != NULL);
    char err[512];
    kfb_fluss_table_info_t *ti;
    ASSERT_OK(kfb_fluss_client_get_table(c, "db", "t", 5000, &ti, err, sizeof err));
    ASSERT_EQ_INT(ti->table_id, 7);
    ASSERT_EQ_INT(ti->schema_id, 1);
    ASSERT_EQ_INT(ti->bucket_count, 4);
    ASSERT_FALSE(ti->partitioned);
    ASSERT_CONTAINS(ti->table_json, "\"bucket_key\":[\"id\"]");
    ASSERT_TRUE(ti->desc != NULL); /* parsed for the mapper */
    ASSERT_EQ_INT(ti->desc->column_count, 1);
    ASSERT_EQ_INT(ti->desc->primary_key_count, 1);
    kfb_fluss_table_info_free(ti);
    uint8_t b[64];
    for (int i = 0; i < 40; i++) {
        size_t n = make_batch(b, (uint8_t)i);
        ASSERT_OK(kfb_fluss_client_submit(c, 7, -1, i % 4, b, n, (void *)(intptr_t)i));
    }
    ASSERT_OK(kfb_fluss_client_flush(c, 10000));
    ASSERT_EQ_INT(dl->n, 40);
    int last[4] = {-1, -1, -1, -1};
    int64_t last_leo[4] = {0, 0, 0, 0};
    for (int i = 0; i < 40; i++) {
        ASSERT_OK(dl->err[i]);
        ASSERT_STREQ(dl->name[i], "");
        int bk = dl->opaque[i] % 4;
        ASSERT_GT_INT(dl->opaque[i], last[bk]); /* per-bucket order kept */
        last[bk] = dl->opaque[i];
        ASSERT_EQ_INT(dl->leo[i], last_leo[bk] + 1); /* one record per batch */
        last_leo[bk] = dl->leo[i];
        ASSERT_EQ_INT(dl->seq[i], dl->opaque[i] / 4);
    }
    ASSERT_EQ_INT(kfb_fluss_client_writer_id(c), 1);
    PEER(p, {
        ASSERT_EQ_INT(p->bad_crc, 0);
        ASSERT_EQ_INT(p->max_bucket_entries_dup, 0);
        ASSERT_EQ_INT(p->putkv_version_seen, 2);
        ASSERT_EQ_INT(p->count[26], 1); /* one InitWriter */
        for (int bk = 0; bk < 4; bk++) {
            ASSERT_EQ_INT(p->applied[bk], 10);
            for (int s = 0; s < 10; s++) ASSERT_EQ_INT(p->seq_log[bk][s], s);
        }
    });
    ASSERT_EQ_INT(kfb_fluss_client_outstanding(c), 0);
    kfb_fluss_client_destroy(c);
    peer_stop(p);
}

TEST(client_retries_leader_error_with_same_sequence) {
    peer_t *p = peer_start();
    p->script[0] = KFB_FLUSS_NOT_LEADER_OR_FOLLOWER;
    p->script_bucket[0] = 2;
    p->script[1] = KFB_FLUSS_STORAGE_BACKPRESSURE_EXCEPTION;
    p->script_bucket[1] = 3;
    p->nscript = 2;
    kfb_fluss_client_conf_t conf;
    kfb_fluss_client_conf_init(&conf);
    kfb_fluss_client_t *c = client_with_table(p, &conf);
    int md_before;
    PEER(p, md_before = p->count[12]);
    uint8_t b[64];
    for (int i = 0; i < 12; i++) {
        size_t n = make_batch(b, (uint8_t)i);
        ASSERT_OK(kfb_fluss_client_submit(c, 7, -1, 2 + i % 2, b, n, (void *)(intptr_t)i));
    }
    ASSERT_OK(kfb_fluss_client_flush(c, 15000));
    ASSERT_EQ_INT(dl->n, 12);
    for (int i = 0; i < 12; i++) ASSERT_OK(dl->err[i]);
    ASSERT_EQ_INT(dl->attempts[0], 2); /* first batch of bucket 2 was retried */
    PEER(p, {
        /* NOT_LEADER_OR_FOLLOWER refreshed the metadata (InvalidMetadataException) */
        ASSERT_GT_INT(p->count[12], md_before);
        ASSERT_EQ_INT(p->applied[2], 6);
        ASSERT_EQ_INT(p->applied[3], 6);
        for (int s = 0; s < 6; s++) ASSERT_EQ_INT(p->seq_log[2][s], s);
        for (int s = 0; s < 6; s++) ASSERT_EQ_INT(p->seq_log[3][s], s);
    });
    kfb_fluss_client_destroy(c);
    peer_stop(p);
}

TEST(client_fatal_error_renumbers_later_batches) {
    /* §10.5: after a batch fails for good, the later in-flight batches of its
     * bucket move down one sequence and still get written. */
    peer_t *p = peer_start();
    p->script[0] = KFB_FLUSS_DELETION_DISABLED_EXCEPTION;
    p->script_bucket[0] = 1;
    p->nscript = 1;
    kfb_fluss_client_conf_t conf;
    kfb_fluss_client_conf_init(&conf);
    kfb_fluss_client_t *c = client_with_table(p, &conf);
    uint8_t b[64];
    for (int i = 0; i < 8; i++) {
        size_t n = make_batch(b, (uint8_t)i);
        ASSERT_OK(kfb_fluss_client_submit(c, 7, -1, 1, b, n, (void *)(intptr_t)i));
    }
    ASSERT_OK(kfb_fluss_client_flush(c, 15000));
    ASSERT_EQ_INT(dl->n, 8);
    ASSERT_EQ_INT(dl->opaque[0], 0);
    ASSERT_ERR(dl->err[0], KFB_ERR_FLUSS_ERROR);
    ASSERT_EQ_INT(dl->ferr[0], 57);
    ASSERT_STREQ(dl->name[0], "DELETION_DISABLED_EXCEPTION");
    ASSERT_CONTAINS(dl->msg[0], "DELETION_DISABLED_EXCEPTION (57): scripted");
    for (int i = 1; i < 8; i++) {
        ASSERT_EQ_INT(dl->opaque[i], i);
        ASSERT_OK(dl->err[i]);
        ASSERT_EQ_INT(dl->seq[i], i - 1);
    }
    PEER(p, {
        ASSERT_EQ_INT(p->applied[1], 7);
        for (int s = 0; s < 7; s++) ASSERT_EQ_INT(p->seq_log[1][s], s);
        ASSERT_EQ_INT(p->bad_crc, 0); /* renumbered batches carry a fresh CRC */
    });
    kfb_fluss_client_destroy(c);
    peer_stop(p);
}

TEST(client_lost_response_is_acknowledged_as_duplicate) {
    /* The leader applies a batch but the response never arrives: the client
     * times out and resends the same sequence, which the server acknowledges
     * without applying it again (§16, codes 25/28 and lost responses). */
    peer_t *p = peer_start();
    p->drop_putkv_after_apply = 1;
    kfb_fluss_client_conf_t conf;
    kfb_fluss_client_conf_init(&conf);
    conf.putkv_timeout_ms = 100;
    conf.request_timeout_ms = 200;
    kfb_fluss_client_t *c = client_with_table(p, &conf);
    uint8_t b[64];
    size_t n = make_batch(b, 1);
    ASSERT_OK(kfb_fluss_client_submit(c, 7, -1, 0, b, n, NULL));
    ASSERT_OK(kfb_fluss_client_flush(c, 10000));
    ASSERT_EQ_INT(dl->n, 1);
    ASSERT_OK(dl->err[0]);
    ASSERT_EQ_INT(dl->attempts[0], 2);
    PEER(p, {
        ASSERT_EQ_INT(p->applied[0], 1);
        ASSERT_EQ_INT(p->count[16], 2);
    });
    kfb_fluss_client_destroy(c);
    peer_stop(p);
}

TEST(client_whole_request_error_is_reported_per_batch) {
    peer_t *p = peer_start();
    p->whole_putkv_error = KFB_FLUSS_AUTHORIZATION_EXCEPTION;
    kfb_fluss_client_conf_t conf;
    kfb_fluss_client_conf_init(&conf);
    kfb_fluss_client_t *c = client_with_table(p, &conf);
    uint8_t b[64];
    size_t n = make_batch(b, 1);
    ASSERT_OK(kfb_fluss_client_submit(c, 7, -1, 0, b, n, NULL));
    ASSERT_OK(kfb_fluss_client_flush(c, 10000));
    ASSERT_EQ_INT(dl->n, 1);
    ASSERT_ERR(dl->err[0], KFB_ERR_FLUSS_ERROR);
    ASSERT_STREQ(dl->name[0], "AUTHORIZATION_EXCEPTION");
    ASSERT_CONTAINS(dl->msg[0], "whole request rejected");
    kfb_fluss_client_destroy(c);
    peer_stop(p);
}

TEST(client_fails_a_corrupt_batch_unsent_without_taking_a_sequence) {
    peer_t *p = peer_start();
    kfb_fluss_client_conf_t conf;
    kfb_fluss_client_conf_init(&conf);
    kfb_fluss_client_t *c = client_with_table(p, &conf);
    uint8_t bad[64], badlen[64], good[64];
    size_t n = make_batch(bad, 1);
    bad[30] ^= 0x01; /* a record byte changed after the CRC was taken */
    make_batch(badlen, 2);
    kfb_put_le32(badlen, 38); /* length field says 4 bytes more than there are */
    make_batch(good, 3);
    ASSERT_OK(kfb_fluss_client_submit(c, 7, -1, 0, bad, n, (void *)1));
    ASSERT_OK(kfb_fluss_client_submit(c, 7, -1, 0, badlen, n, (void *)2));
    ASSERT_OK(kfb_fluss_client_submit(c, 7, -1, 0, good, n, (void *)3));
    ASSERT_OK(kfb_fluss_client_flush(c, 10000));
    ASSERT_EQ_INT(dl->n, 3);
    ASSERT_EQ_INT(dl->opaque[0], 1);
    ASSERT_ERR(dl->err[0], KFB_ERR_BAD_CRC);
    ASSERT_CONTAINS(dl->msg[0], "not a valid KV batch");
    ASSERT_EQ_INT(dl->opaque[1], 2);
    ASSERT_ERR(dl->err[1], KFB_ERR_BAD_LENGTH);
    ASSERT_EQ_INT(dl->opaque[2], 3);
    ASSERT_OK(dl->err[2]);
    ASSERT_EQ_INT(dl->seq[2], 0); /* the rejected batches took no sequence */
    PEER(p, {
        ASSERT_EQ_INT(p->applied[0], 1);
        ASSERT_EQ_INT(p->bad_crc, 0);
    });
    kfb_fluss_client_destroy(c);
    peer_stop(p);
}

TEST(client_queue_full_and_unknown_table) {
    kfb_fluss_client_conf_t conf;
    kfb_fluss_client_conf_init(&conf);
    conf.queue_max_batches = 2;
    kfb_fluss_client_t *c = client_for(NULL, &conf); /* nobody listening */
    ASSERT_TRUE(c != NULL);
    uint8_t b[64];
    size_t n = make_batch(b, 1);
    /* the table was never opened */
    ASSERT_ERR(kfb_fluss_client_submit(c, 7, -1, 0, b, n, NULL), KFB_ERR_INVALID_ARG);
    ASSERT_ERR(kfb_fluss_client_submit(c, 7, -1, 0, b, 10, NULL), KFB_ERR_INVALID_ARG);
    char err[512];
    kfb_fluss_table_info_t *ti;
    /* out of time, the last transport error is reported */
    ASSERT_ERR(kfb_fluss_client_get_table(c, "db", "t", 300, &ti, err, sizeof err),
               KFB_ERR_RPC_DISCONNECTED);
    ASSERT_CONTAINS(err, "cannot get Fluss table db.t");
    ASSERT_CONTAINS(err, "cannot connect to Fluss server 127.0.0.1:");
    ASSERT_TRUE(ti == NULL);
    kfb_fluss_client_destroy(c);

    peer_t *p = peer_start();
    p->drop_api = KFB_API_PUT_KV;
    c = client_for(p, &conf);
    open_table(c, "t");
    ASSERT_OK(kfb_fluss_client_submit(c, 7, -1, 0, b, n, NULL));
    ASSERT_OK(kfb_fluss_client_submit(c, 7, -1, 1, b, n, NULL));
    ASSERT_ERR(kfb_fluss_client_submit(c, 7, -1, 2, b, n, NULL), KFB_ERR_RPC_QUEUE_FULL);
    ASSERT_EQ_INT(kfb_fluss_client_outstanding(c), 2);
    ASSERT_EQ_INT(kfb_fluss_client_poll(c, 50), 0);
    kfb_test_log_capture_start();
    kfb_fluss_client_destroy(c); /* undelivered batches are dropped with a warning */
    ASSERT_CONTAINS(kfb_test_log_captured(), "2 undelivered batches");
    kfb_test_log_capture_stop();
    peer_stop(p);
}

/* PutKv is never answered: every attempt's outcome is unknown (the peer may
 * have applied it), so when delivery_timeout_ms passes the batch ends with
 * WRITE_IN_DOUBT, not with a plain TIMEOUT that would claim it was not written. */
TEST(client_delivery_timeout) {
    peer_t *p = peer_start();
    p->drop_api = KFB_API_PUT_KV;
    kfb_fluss_client_conf_t conf;
    kfb_fluss_client_conf_init(&conf);
    conf.putkv_timeout_ms = 50;
    conf.request_timeout_ms = 50;
    conf.delivery_timeout_ms = 300;
    kfb_fluss_client_t *c = client_with_table(p, &conf);
    uint8_t b[64];
    size_t n = make_batch(b, 1);
    ASSERT_OK(kfb_fluss_client_submit(c, 7, -1, 0, b, n, NULL));
    ASSERT_OK(kfb_fluss_client_flush(c, 10000));
    ASSERT_EQ_INT(dl->n, 1);
    ASSERT_ERR(dl->err[0], KFB_ERR_WRITE_IN_DOUBT);
    ASSERT_GE_INT(dl->attempts[0], 2);
    ASSERT_CONTAINS(dl->msg[0], "may or may not have been written");
    ASSERT_CONTAINS(dl->msg[0], "attempt 1 ended with TIMEOUT");
    ASSERT_CONTAINS(dl->msg[0], "delivery_timeout_ms=300");
    kfb_fluss_client_destroy(c);
    peer_stop(p);
}

/* InitWriter is never answered: the batch is never sent, so it ends with
 * TIMEOUT (certainly not written) and the message says it had no writer id. */
TEST(client_delivery_timeout_without_writer_id) {
    peer_t *p = peer_start();
    p->drop_api = KFB_API_INIT_WRITER;
    kfb_fluss_client_conf_t conf;
    kfb_fluss_client_conf_init(&conf);
    conf.request_timeout_ms = 50;
    conf.delivery_timeout_ms = 300;
    kfb_fluss_client_t *c = client_with_table(p, &conf);
    uint8_t b[64];
    size_t n = make_batch(b, 1);
    ASSERT_OK(kfb_fluss_client_submit(c, 7, -1, 0, b, n, (void *)1));
    ASSERT_OK(kfb_fluss_client_submit(c, 7, -1, 1, b, n, (void *)2));
    ASSERT_OK(kfb_fluss_client_flush(c, 10000));
    ASSERT_EQ_INT(dl->n, 2);
    for (int i = 0; i < 2; i++) {
        ASSERT_ERR(dl->err[i], KFB_ERR_TIMEOUT);
        ASSERT_EQ_INT(dl->attempts[i], 0);
        ASSERT_CONTAINS(dl->msg[i], "no writer id yet");
        ASSERT_CONTAINS(dl->msg[i], "InitWriter");
    }
    PEER(p, ASSERT_EQ_INT(p->count[16], 0)); /* no PutKv */
    kfb_fluss_client_destroy(c);
    peer_stop(p);
}

TEST(client_admin_calls) {
    peer_t *p = peer_start();
    kfb_fluss_client_conf_t conf;
    kfb_fluss_client_conf_init(&conf);
    kfb_fluss_client_t *c = client_for(p, &conf);
    char err[512];
    int exists = -1;
    ASSERT_OK(kfb_fluss_client_database_exists(c, "db", 5000, &exists, err, sizeof err));
    ASSERT_EQ_INT(exists, 1);
    ASSERT_OK(kfb_fluss_client_database_exists(c, "other", 5000, &exists, err, sizeof err));
    ASSERT_EQ_INT(exists, 0);
    kfb_fluss_table_info_t *ti;
    ASSERT_ERR(kfb_fluss_client_get_table(c, "db", "nope", 5000, &ti, err, sizeof err),
               KFB_ERR_FLUSS_ERROR);
    ASSERT_CONTAINS(err, "db.nope");
    ASSERT_CONTAINS(err, "TABLE_NOT_EXIST (7)");
    ASSERT_ERR(kfb_fluss_client_get_table(c, "db", "bad", 5000, &ti, err, sizeof err),
               KFB_ERR_UNSUPPORTED_FORMAT);
    ASSERT_CONTAINS(err, "db.bad has a descriptor this bridge cannot read");
    ASSERT_TRUE(ti == NULL);
    /* a missing API on the server -> no answer -> our deadline */
    ASSERT_ERR(kfb_fluss_client_create_database(c, "db", 1, 300, err, sizeof err),
               KFB_ERR_TIMEOUT);
    ASSERT_CONTAINS(err, "CreateDatabase");
    kfb_fluss_client_destroy(c);
    peer_stop(p);
}

TEST(client_lookup_strips_schema_id) {
    peer_t *p = peer_start();
    kfb_fluss_client_conf_t conf;
    kfb_fluss_client_conf_init(&conf);
    kfb_fluss_client_t *c = client_with_table(p, &conf);
    char err[512];
    const uint8_t *keys[2] = {(const uint8_t *)"k1", (const uint8_t *)"k2"};
    size_t kl[2] = {2, 2};
    uint8_t *vals[2];
    size_t vl[2];
    int32_t sid[2];
    ASSERT_OK(kfb_fluss_client_lookup(c, 7, -1, 3, keys, kl, 2, 5000, vals, vl, sid, err,
                                      sizeof err));
    ASSERT_MEMEQ(vals[0], vl[0], "row", 3);
    ASSERT_EQ_INT(sid[0], 1);
    ASSERT_TRUE(vals[1] == NULL);
    ASSERT_EQ_INT(sid[1], -1);
    free(vals[0]);
    PEER(p, ASSERT_EQ_INT(p->count[17], 1));
    kfb_fluss_client_destroy(c);
    peer_stop(p);
}

TEST(client_partition_resolved_and_created) {
    peer_t *p = peer_start();
    kfb_fluss_client_conf_t conf;
    kfb_fluss_client_conf_init(&conf);
    kfb_fluss_client_t *c = client_for(p, &conf);
    char err[512];
    kfb_fluss_table_info_t *ti;
    ASSERT_OK(kfb_fluss_client_get_table(c, "db", "pt", 5000, &ti, err, sizeof err));
    ASSERT_TRUE(ti->partitioned);
    ASSERT_EQ_INT(ti->bucket_count, 2);
    ASSERT_EQ_INT(ti->desc->physical_primary_key_count, 1);
    kfb_fluss_table_info_free(ti);
    int64_t pid = 0;
    ASSERT_OK(kfb_fluss_client_resolve_partition(c, 8, "p1", 0, NULL, NULL, 0, 5000, &pid, err,
                                                 sizeof err));
    ASSERT_EQ_INT(pid, 100);
    const char *k[1] = {"day"}, *v[1] = {"p2"};
    ASSERT_ERR(kfb_fluss_client_resolve_partition(c, 8, "p2", 0, k, v, 1, 5000, &pid, err,
                                                  sizeof err),
               KFB_ERR_FLUSS_ERROR);
    ASSERT_CONTAINS(err, "PARTITION_NOT_EXISTS");
    ASSERT_OK(kfb_fluss_client_resolve_partition(c, 8, "p2", 1, k, v, 1, 5000, &pid, err,
                                                 sizeof err));
    ASSERT_EQ_INT(pid, 101);
    PEER(p, ASSERT_EQ_INT(p->count[36], 1));
    /* and write to it */
    uint8_t b[64];
    size_t n = make_batch(b, 1);
    ASSERT_OK(kfb_fluss_client_submit(c, 8, 101, 1, b, n, NULL));
    ASSERT_OK(kfb_fluss_client_flush(c, 10000));
    ASSERT_EQ_INT(dl->n, 1);
    ASSERT_OK(dl->err[0]);
    kfb_fluss_client_destroy(c);
    peer_stop(p);
}

TEST(client_submit_by_partition_name) {
    peer_t *p = peer_start();
    kfb_fluss_client_conf_t conf;
    kfb_fluss_client_conf_init(&conf);
    kfb_fluss_client_t *c = client_for(p, &conf);
    open_table(c, "pt");
    uint8_t b[64];
    size_t n = make_batch(b, 1);
    const char *k[1] = {"day"}, *v2[1] = {"p2"}, *v3[1] = {"p3"};
    /* p1 exists; p2 is created on demand; p3 may not be created */
    for (int i = 0; i < 3; i++)
        ASSERT_OK(kfb_fluss_client_submit_to_partition(c, 8, "p1", 0, NULL, NULL, 0, i % 2, b, n,
                                                       (void *)(intptr_t)(10 + i)));
    for (int i = 0; i < 3; i++)
        ASSERT_OK(kfb_fluss_client_submit_to_partition(c, 8, "p2", 1, k, v2, 1, 0, b, n,
                                                       (void *)(intptr_t)(20 + i)));
    ASSERT_OK(kfb_fluss_client_submit_to_partition(c, 8, "p3", 0, k, v3, 1, 0, b, n,
                                                   (void *)(intptr_t)30));
    ASSERT_ERR(kfb_fluss_client_submit_to_partition(c, 8, "", 0, NULL, NULL, 0, 0, b, n, NULL),
               KFB_ERR_INVALID_ARG);
    ASSERT_OK(kfb_fluss_client_flush(c, 10000));
    ASSERT_EQ_INT(dl->n, 7);
    int seen_p2 = 0;
    for (int i = 0; i < 7; i++) {
        if (dl->opaque[i] == 30) {
            ASSERT_ERR(dl->err[i], KFB_ERR_FLUSS_ERROR);
            ASSERT_EQ_INT(dl->ferr[i], 36);
            ASSERT_STREQ(dl->name[i], "PARTITION_NOT_EXISTS");
            ASSERT_CONTAINS(dl->msg[i], "partition \"p3\" of db.pt");
        } else {
            ASSERT_OK(dl->err[i]);
        }
        if (dl->opaque[i] >= 20 && dl->opaque[i] < 30) {
            ASSERT_EQ_INT(dl->opaque[i], 20 + seen_p2); /* submit order kept */
            ASSERT_EQ_INT(dl->seq[i], seen_p2);
            seen_p2++;
        }
    }
    ASSERT_EQ_INT(seen_p2, 3);
    PEER(p, {
        ASSERT_EQ_INT(p->count[36], 1); /* one CreatePartition for p2 */
        ASSERT_EQ_INT(p->partition_created, 1);
        ASSERT_EQ_INT(p->applied[4 + 0], 2); /* p1 bucket 0 */
        ASSERT_EQ_INT(p->applied[4 + 1], 1); /* p1 bucket 1 */
        ASSERT_EQ_INT(p->applied[8 + 0], 3); /* p2 bucket 0 */
    });
    kfb_fluss_client_destroy(c);
    peer_stop(p);
}

TEST(client_dropped_partition_fails_its_batches_only) {
    /* A partition dropped on the server (e.g. by auto-partition retention): its
     * batches get UNKNOWN_TABLE_OR_BUCKET, the refresh listing it fails with
     * PARTITION_NOT_EXISTS (§4.3), the client probes partitions one by one, marks
     * it gone and fails its batches; the other partition keeps working. */
    peer_t *p = peer_start();
    kfb_fluss_client_conf_t conf;
    kfb_fluss_client_conf_init(&conf);
    kfb_fluss_client_t *c = client_for(p, &conf);
    open_table(c, "pt");
    uint8_t b[64];
    size_t n = make_batch(b, 1);
    const char *k[1] = {"day"}, *v2[1] = {"p2"};
    ASSERT_OK(kfb_fluss_client_submit_to_partition(c, 8, "p1", 0, NULL, NULL, 0, 0, b, n, NULL));
    ASSERT_OK(kfb_fluss_client_submit_to_partition(c, 8, "p2", 1, k, v2, 1, 0, b, n, NULL));
    ASSERT_OK(kfb_fluss_client_flush(c, 10000));
    ASSERT_EQ_INT(dl->n, 2);
    ASSERT_OK(dl->err[0]);
    ASSERT_OK(dl->err[1]);
    PEER(p, p->p1_dropped = 1);
    for (int i = 0; i < 3; i++)
        ASSERT_OK(kfb_fluss_client_submit(c, 8, 100, 0, b, n, (void *)(intptr_t)(100 + i)));
    ASSERT_OK(kfb_fluss_client_submit(c, 8, 101, 0, b, n, (void *)(intptr_t)200));
    ASSERT_OK(kfb_fluss_client_flush(c, 10000));
    ASSERT_EQ_INT(dl->n, 6);
    int failed = 0;
    for (int i = 2; i < 6; i++) {
        if (dl->opaque[i] == 200) {
            ASSERT_OK(dl->err[i]);
            continue;
        }
        failed++;
        ASSERT_ERR(dl->err[i], KFB_ERR_FLUSS_ERROR);
        ASSERT_STREQ(dl->name[i], "PARTITION_NOT_EXISTS");
        ASSERT_CONTAINS(dl->msg[i], "partition p1 (id 100) of db.pt no longer exists");
    }
    ASSERT_EQ_INT(failed, 3);
    kfb_fluss_client_destroy(c);
    peer_stop(p);
}

static int peer_count(peer_t *p, int api) {
    pthread_mutex_lock(&p->mu);
    int n = p->count[api - 1000];
    pthread_mutex_unlock(&p->mu);
    return n;
}

/* Returns once every request the client's I/O thread decided to send before
 * this call has reached the peer: two Lookups to the bucket leader travel on
 * the same connection as its PutKv requests (FIFO), and the second is only
 * issued after the first was answered, i.e. after at least one more full
 * pass of the I/O loop (which schedules every ready batch) following the
 * submits. Replaces a sleep ("give any extra request the chance to show up"). */
static void io_barrier(kfb_fluss_client_t *c) {
    const uint8_t *keys[1] = {(const uint8_t *)"k2"};
    size_t kl[1] = {2};
    uint8_t *vals[1];
    size_t vl[1];
    char err[256];
    for (int i = 0; i < 2; i++) {
        if (kfb_fluss_client_lookup(c, 7, -1, 0, keys, kl, 1, 10000, vals, vl, NULL, err,
                                    sizeof err)) {
            fprintf(stderr, "barrier lookup: %s\n", err);
            abort();
        }
        free(vals[0]);
    }
}

TEST(client_caps_batches_in_flight_per_bucket) {
    /* The server never answers PutKv: exactly max_inflight_per_bucket requests
     * go out for one bucket (Fluss keeps 5 batches per writer for dedup). */
    for (int cap = 2; cap <= 5; cap += 3) {
        peer_t *p = peer_start();
        p->drop_api = KFB_API_PUT_KV;
        kfb_fluss_client_conf_t conf;
        kfb_fluss_client_conf_init(&conf);
        conf.max_inflight_per_bucket = cap;
        kfb_fluss_client_t *c = client_with_table(p, &conf);
        uint8_t b[64];
        size_t n = make_batch(b, 1);
        for (int i = 0; i < 10; i++) ASSERT_OK(kfb_fluss_client_submit(c, 7, -1, 0, b, n, NULL));
        for (int i = 0; i < 500 && peer_count(p, KFB_API_PUT_KV) < cap; i++) usleep(10000);
        io_barrier(c);
        ASSERT_EQ_INT(peer_count(p, KFB_API_PUT_KV), cap);
        /* and a second bucket is not held back by the first */
        ASSERT_OK(kfb_fluss_client_submit(c, 7, -1, 1, b, n, NULL));
        for (int i = 0; i < 500 && peer_count(p, KFB_API_PUT_KV) < cap + 1; i++) usleep(10000);
        ASSERT_EQ_INT(peer_count(p, KFB_API_PUT_KV), cap + 1);
        kfb_test_log_capture_start();
        kfb_fluss_client_destroy(c);
        kfb_test_log_capture_stop();
        peer_stop(p);
    }
}

TEST(client_dropped_table_fails_its_batches) {
    peer_t *p = peer_start();
    kfb_fluss_client_conf_t conf;
    kfb_fluss_client_conf_init(&conf);
    kfb_fluss_client_t *c = client_with_table(p, &conf);
    char err[512];
    open_table(c, "pt");
    int64_t pid;
    ASSERT_OK(kfb_fluss_client_resolve_partition(c, 8, "p1", 0, NULL, NULL, 0, 5000, &pid, err,
                                                 sizeof err));
    uint8_t b[64];
    size_t n = make_batch(b, 1);
    ASSERT_OK(kfb_fluss_client_submit(c, 7, -1, 0, b, n, NULL));
    ASSERT_OK(kfb_fluss_client_flush(c, 10000));
    ASSERT_OK(dl->err[0]);
    PEER(p, p->t_dropped = 1);
    ASSERT_OK(kfb_fluss_client_submit(c, 7, -1, 0, b, n, (void *)1));
    ASSERT_OK(kfb_fluss_client_submit(c, 7, -1, 1, b, n, (void *)2));
    ASSERT_OK(kfb_fluss_client_submit(c, 8, 100, 0, b, n, (void *)3)); /* other table: fine */
    ASSERT_OK(kfb_fluss_client_flush(c, 10000));
    ASSERT_EQ_INT(dl->n, 4);
    for (int i = 1; i < 4; i++) {
        if (dl->opaque[i] == 3) {
            ASSERT_OK(dl->err[i]);
            continue;
        }
        ASSERT_ERR(dl->err[i], KFB_ERR_FLUSS_ERROR);
        ASSERT_STREQ(dl->name[i], "TABLE_NOT_EXIST");
        ASSERT_CONTAINS(dl->msg[i], "table db.t (id 7) no longer exists");
    }
    kfb_fluss_client_destroy(c);
    peer_stop(p);
}

TEST(client_sasl_plain) {
    peer_t *p = peer_start();
    p->sasl_user = "admin";
    p->sasl_pass = "secret";
    kfb_fluss_client_conf_t conf;
    kfb_fluss_client_conf_init(&conf);
    conf.sasl_username = "admin";
    conf.sasl_password = "secret";
    kfb_fluss_client_t *c = client_for(p, &conf);
    char err[512];
    int exists = 0;
    ASSERT_OK(kfb_fluss_client_database_exists(c, "db", 5000, &exists, err, sizeof err));
    ASSERT_EQ_INT(exists, 1);
    PEER(p, ASSERT_GE_INT(p->count[38], 1)); /* once per connection (bootstrap, tablet) */
    kfb_fluss_client_destroy(c);

    conf.sasl_password = "wrong";
    c = client_for(p, &conf);
    ASSERT_ERR(kfb_fluss_client_database_exists(c, "db", 2000, &exists, err, sizeof err),
               KFB_ERR_RPC_AUTH_FAILED);
    ASSERT_CONTAINS(err, "AUTHENTICATE_EXCEPTION (46)");
    ASSERT_CONTAINS(err, "\"admin\"");
    kfb_fluss_client_destroy(c);

    /* without credentials the server refuses the call itself */
    conf.sasl_username = conf.sasl_password = NULL;
    c = client_for(p, &conf);
    ASSERT_ERR(kfb_fluss_client_database_exists(c, "db", 2000, &exists, err, sizeof err),
               KFB_ERR_FLUSS_ERROR);
    kfb_fluss_client_destroy(c);
    peer_stop(p);
}

TEST(client_conf_validation) {
    kfb_fluss_client_conf_t conf;
    char err[256];
    kfb_fluss_client_conf_init(&conf);
    ASSERT_TRUE(kfb_fluss_client_new(&conf, err, sizeof err) == NULL);
    ASSERT_CONTAINS(err, "bootstrap_servers");
    conf.bootstrap_servers = "localhost";
    ASSERT_TRUE(kfb_fluss_client_new(&conf, err, sizeof err) == NULL);
    ASSERT_CONTAINS(err, "has no port");
    conf.bootstrap_servers = "localhost:99999";
    ASSERT_TRUE(kfb_fluss_client_new(&conf, err, sizeof err) == NULL);
    ASSERT_CONTAINS(err, "invalid port");
    conf.bootstrap_servers = "[::1]:9123, localhost:9124";
    conf.max_inflight_per_bucket = 6;
    ASSERT_TRUE(kfb_fluss_client_new(&conf, err, sizeof err) == NULL);
    ASSERT_CONTAINS(err, "1..5");
    conf.max_inflight_per_bucket = 5;
    conf.acks = 1;
    ASSERT_TRUE(kfb_fluss_client_new(&conf, err, sizeof err) == NULL);
    ASSERT_CONTAINS(err, "acks");
    conf.acks = -1;
    conf.sasl_username = "u";
    ASSERT_TRUE(kfb_fluss_client_new(&conf, err, sizeof err) == NULL);
    ASSERT_CONTAINS(err, "password");
    conf.sasl_username = NULL;
    kfb_fluss_client_t *c = kfb_fluss_client_new(&conf, err, sizeof err);
    ASSERT_TRUE(c != NULL);
    kfb_fluss_client_destroy(c);
    kfb_fluss_client_destroy(NULL);
    kfb_fluss_conn_destroy(NULL);
}

TEST(client_pressure_on_success_pauses_that_bucket) {
    /* PbPutKvRespForBucket.pressure 0.5 on a success pauses the bucket for
     * max * p^2 = 1000 ms (RecordAccumulator.updateThrottle); a bucket answered
     * without pressure is not held back: six round trips of bucket 1 finish
     * before bucket 0's next batch goes out. Ordering, not time, is asserted. */
    peer_t *p = peer_start();
    kfb_fluss_client_conf_t conf;
    kfb_fluss_client_conf_init(&conf);
    static char bs[64];
    snprintf(bs, sizeof bs, "127.0.0.1:%d", p->port);
    conf.bootstrap_servers = bs;
    conf.delivery_cb = on_delivery;
    conf.backpressure_max_throttle_ms = 4000;
    static deliveries_t d;
    memset(&d, 0, sizeof d);
    dl = &d;
    char err[256];
    kfb_fluss_client_t *c = kfb_fluss_client_new(&conf, err, sizeof err);
    ASSERT_TRUE(c != NULL);
    open_table(c, "t");
    uint8_t b[64];
    size_t n = make_batch(b, 1);
    PEER(p, p->pressure_pct = 50);
    ASSERT_OK(kfb_fluss_client_submit(c, 7, -1, 0, b, n, (void *)(intptr_t)0));
    for (int i = 0; i < 1000 && dl->n < 1; i++) kfb_fluss_client_poll(c, 10);
    ASSERT_EQ_INT(dl->n, 1);
    PEER(p, p->pressure_pct = 0);
    ASSERT_OK(kfb_fluss_client_submit(c, 7, -1, 0, b, n, (void *)(intptr_t)1));
    for (int k = 2; k < 8; k++) {
        ASSERT_OK(kfb_fluss_client_submit(c, 7, -1, 1, b, n, (void *)(intptr_t)k));
        for (int i = 0; i < 1000 && dl->n < k; i++) kfb_fluss_client_poll(c, 10);
        ASSERT_EQ_INT(dl->opaque[k - 1], k); /* bucket 1 went ahead */
    }
    PEER(p, ASSERT_EQ_INT(p->applied[0], 1)); /* bucket 0 still paused */
    ASSERT_OK(kfb_fluss_client_flush(c, 10000));
    ASSERT_EQ_INT(dl->n, 8);
    ASSERT_EQ_INT(dl->opaque[7], 1);
    ASSERT_OK(dl->err[7]);
    ASSERT_EQ_INT(dl->attempts[7], 1); /* delayed, not retried */
    kfb_fluss_client_destroy(c);
    peer_stop(p);
}
