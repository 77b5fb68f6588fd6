/*
 * fluss_ts_dispatch.c - the request side of the Fluss test server: header,
 * routing by server role, the authentication gate, fault injection and one
 * handler per API.
 *
 * Request payload (fluss-protocol.md §1.2, rpc_frame.h): int16 api_key,
 * int16 api_version, int32 request_id, protobuf body. Behaviours mirrored from
 * the Java server ({rpc} = fluss-rpc/src/main/java/org/apache/fluss/rpc,
 * {server} = fluss-server/src/main/java/org/apache/fluss/server):
 *   - payload shorter than 8 bytes: SERVER_FAILURE, close
 *     ({rpc}/netty/server/NettyServerHandler.java channelRead reads past the end
 *     and exceptionCaught answers)
 *   - api key unknown to this server's role: NO response
 *     ({rpc}/netty/server/NettyServerHandler.java `api == null`, {rpc}/protocol/ApiManager.java)
 *   - body that does not parse (incl. missing required fields): NO response
 *     (NettyServerHandler.channelRead: parseFrom precedes the response callback)
 *   - api_version is not validated by the RPC layer (passed to handlers)
 *   - before SASL completes only ApiVersions and Authenticate are served; other
 *     requests get AUTHENTICATE_EXCEPTION (46) (NettyServerHandler.handleAuthenticateRequest)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bytes.h"
#include "crc32c.h"
#include "fluss_api.pb-c.h"
#include "fluss_ts_internal.h"
#include "kv_batch.h"
#include "logging.h"

#define ROLE_COORD 1u
#define ROLE_TABLET 2u

typedef struct req_ctx {
    kfb_fts_t *s;
    fts_conn_t *c;
    const kfb_rpc_request_hdr_t *h;
    kfb_buf_t *out; /* the response frame */
} req_ctx_t;

typedef void (*handler_fn)(req_ctx_t *x, const ProtobufCMessage *req);

typedef struct api_entry {
    int16_t key;
    int16_t min_version, max_version;
    unsigned roles;
    const ProtobufCMessageDescriptor *req_desc;
    handler_fn fn;
} api_entry_t;

static void h_api_versions(req_ctx_t *x, const ProtobufCMessage *req);
static void h_authenticate(req_ctx_t *x, const ProtobufCMessage *req);
static void h_create_database(req_ctx_t *x, const ProtobufCMessage *req);
static void h_database_exists(req_ctx_t *x, const ProtobufCMessage *req);
static void h_create_table(req_ctx_t *x, const ProtobufCMessage *req);
static void h_get_table_info(req_ctx_t *x, const ProtobufCMessage *req);
static void h_table_exists(req_ctx_t *x, const ProtobufCMessage *req);
static void h_get_table_schema(req_ctx_t *x, const ProtobufCMessage *req);
static void h_metadata(req_ctx_t *x, const ProtobufCMessage *req);
static void h_put_kv(req_ctx_t *x, const ProtobufCMessage *req);
static void h_lookup(req_ctx_t *x, const ProtobufCMessage *req);
static void h_init_writer(req_ctx_t *x, const ProtobufCMessage *req);
static void h_list_partitions(req_ctx_t *x, const ProtobufCMessage *req);
static void h_create_partition(req_ctx_t *x, const ProtobufCMessage *req);
static void h_alter_table(req_ctx_t *x, const ProtobufCMessage *req);

/* Versions as served at apache/fluss 545c553 ({rpc}/protocol/ApiKeys.java); roles from
 * the gateway interfaces ({rpc}/gateway/CoordinatorGateway.java, TabletServerGateway.java,
 * AdminReadOnlyGateway.java): read-only metadata calls on both, mutations on the
 * coordinator, data-plane calls on tablet servers. */
static const api_entry_t apis[] = {
    {KFB_API_API_VERSIONS, 0, 0, ROLE_COORD | ROLE_TABLET,
     &fluss__api_versions_request__descriptor, h_api_versions},
    {KFB_API_CREATE_DATABASE, 0, 0, ROLE_COORD, &fluss__create_database_request__descriptor,
     h_create_database},
    {KFB_API_DATABASE_EXISTS, 0, 0, ROLE_COORD | ROLE_TABLET,
     &fluss__database_exists_request__descriptor, h_database_exists},
    {KFB_API_CREATE_TABLE, 0, 0, ROLE_COORD, &fluss__create_table_request__descriptor,
     h_create_table},
    {KFB_API_GET_TABLE_INFO, 0, 0, ROLE_COORD | ROLE_TABLET,
     &fluss__get_table_info_request__descriptor, h_get_table_info},
    {KFB_API_LIST_PARTITION_INFOS, 0, 0, ROLE_COORD | ROLE_TABLET,
     &fluss__list_partition_infos_request__descriptor, h_list_partitions},
    {KFB_API_TABLE_EXISTS, 0, 0, ROLE_COORD | ROLE_TABLET,
     &fluss__table_exists_request__descriptor, h_table_exists},
    {KFB_API_GET_TABLE_SCHEMA, 0, 0, ROLE_COORD | ROLE_TABLET,
     &fluss__get_table_schema_request__descriptor, h_get_table_schema},
    {KFB_API_GET_METADATA, 0, 0, ROLE_COORD | ROLE_TABLET, &fluss__metadata_request__descriptor,
     h_metadata},
    {KFB_API_PUT_KV, 0, 2, ROLE_TABLET, &fluss__put_kv_request__descriptor, h_put_kv},
    {KFB_API_LOOKUP, 0, 1, ROLE_TABLET, &fluss__lookup_request__descriptor, h_lookup},
    {KFB_API_INIT_WRITER, 0, 0, ROLE_TABLET, &fluss__init_writer_request__descriptor,
     h_init_writer},
    {KFB_API_CREATE_PARTITION, 0, 0, ROLE_COORD, &fluss__create_partition_request__descriptor,
     h_create_partition},
    {KFB_API_AUTHENTICATE, 0, 0, ROLE_COORD | ROLE_TABLET,
     &fluss__authenticate_request__descriptor, h_authenticate},
    {KFB_API_ALTER_TABLE, 0, 0, ROLE_COORD, &fluss__alter_table_request__descriptor,
     h_alter_table},
};
#define NAPIS (sizeof(apis) / sizeof(apis[0]))

static unsigned role_of(int node) { return node == KFB_FTS_COORDINATOR ? ROLE_COORD : ROLE_TABLET; }

static const api_entry_t *find_api(int key, int node) {
    for (size_t i = 0; i < NAPIS; i++)
        if (apis[i].key == key) return (apis[i].roles & role_of(node)) ? &apis[i] : NULL;
    return NULL;
}

void fts_count_rejection(kfb_fts_t *s, int code) {
    s->stats.rejections++;
    if (code >= -1 && code < FTS_MAX_ERRCODE - 1) s->rejections_by_code[code + 1]++;
}

/* ---- response helpers ---- */

static void reply(req_ctx_t *x, const ProtobufCMessage *body) {
    if (kfb_rpc_encode_response(x->out, x->h->request_id, body, 0) != KFB_ERR_OK)
        KFB_ERROR(FTS_FAC, "cannot encode %s response", kfb_rpc_api_name(x->h->api_key));
}

/* Whole-request failure: ERROR_RESPONSE (NettyServerHandler.sendError). */
static void reply_error(req_ctx_t *x, int code, const char *msg) {
    x->s->stats.error_responses++;
    fts_count_rejection(x->s, code);
    kfb_rpc_encode_error_response(x->out, x->h->request_id, code, msg);
}

void fts_send_server_failure(kfb_fts_t *s, fts_conn_t *c, int code, const char *msg) {
    s->stats.server_failures++;
    if (kfb_rpc_encode_server_failure(&c->out, code, msg) != KFB_ERR_OK) c->dead = true;
    c->closing = true;
}

/* Queues a finished response on the connection, now or after delay_ms. */
static void emit(fts_conn_t *c, const uint8_t *p, size_t n, int delay_ms) {
    if (n == 0) return;
    if (delay_ms <= 0 && !c->delayed) {
        if (kfb_buf_append(&c->out, p, n) != KFB_ERR_OK) c->dead = true;
        return;
    }
    fts_delayed_t *d = malloc(sizeof(*d) + n);
    if (!d) {
        c->dead = true;
        return;
    }
    d->due_ms = fts_now_ms() + (delay_ms > 0 ? delay_ms : 0);
    d->close_after = false;
    d->len = n;
    memcpy(d->data, p, n);
    /* Sorted by due time, stable: an undelayed response queued behind a delayed
     * one still leaves first when it is due (responses may overtake each other,
     * as the Java server's delayed PutKv responses can). */
    fts_delayed_t **pp = &c->delayed;
    while (*pp && (*pp)->due_ms <= d->due_ms) pp = &(*pp)->next;
    d->next = *pp;
    *pp = d;
}

static bool valid_name(const char *n) {
    /* {common}/metadata/TablePath.java detectInvalidName */
    size_t len = strlen(n);
    if (len == 0 || len > 200 || strcmp(n, ".") == 0 || strcmp(n, "..") == 0) return false;
    for (size_t i = 0; i < len; i++) {
        char ch = n[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '-'))
            return false;
    }
    return true;
}

/* ---- dispatcher ---- */

void fts_dispatch_frame(kfb_fts_t *s, fts_conn_t *c, const uint8_t *frame, size_t len) {
    kfb_rpc_request_hdr_t h;
    if (kfb_rpc_decode_request_header(frame, len, &h) != KFB_ERR_OK) {
        char msg[160];
        snprintf(msg, sizeof(msg),
                 "java.lang.IndexOutOfBoundsException: frame of %zu bytes is shorter than the "
                 "8-byte request header",
                 len);
        fts_send_server_failure(s, c, KFB_FLUSS_UNKNOWN_SERVER_ERROR, msg);
        return;
    }
    if (h.api_key >= 1000 && h.api_key < 1000 + FTS_NUM_APIS) {
        kfb_buf_t *lr = &s->last_request[h.api_key - 1000];
        kfb_buf_reset(lr);
        (void)kfb_buf_append(lr, frame, len); /* best effort: a test sees NULL */
    }
    const api_entry_t *api = find_api(h.api_key, c->node);
    if (!api) {
        s->stats.dropped++;
        KFB_WARN(FTS_FAC, "Received unknown API key %d on the %s; no response", h.api_key,
                 c->node == KFB_FTS_COORDINATOR ? "coordinator" : "tablet server");
        return;
    }
    ProtobufCMessage *req = NULL;
    if (kfb_rpc_unpack(api->req_desc, h.body, h.body_len, &req) != KFB_ERR_OK) {
        s->stats.dropped++;
        KFB_WARN(FTS_FAC, "Error while parsing request (%s, %zu body bytes); no response",
                 kfb_rpc_api_name(h.api_key), h.body_len);
        return;
    }
    s->stats.requests++;
    if (h.api_key >= 1000 && h.api_key < 1000 + FTS_NUM_APIS) s->api_calls[h.api_key - 1000]++;
    if (s->cfg.verbose)
        KFB_DEBUG(FTS_FAC, "node %d: %s v%d id %d", c->node, kfb_rpc_api_name(h.api_key),
                  h.api_version, h.request_id);

    kfb_buf_t out = KFB_BUF_INIT;
    req_ctx_t x = {s, c, &h, &out};
    int delay = 0;
    bool drop_after = false;
    kfb_fts_fault_t f;

    if (h.api_key == KFB_API_AUTHENTICATE || (!c->authenticated && h.api_key != KFB_API_API_VERSIONS)) {
        /* The network layer answers these itself, before any request queue, so
         * only connection-level faults apply. */
        h_authenticate(&x, req);
        goto send;
    }
    unsigned whole = (1u << KFB_FTS_FAULT_ERROR) | (1u << KFB_FTS_FAULT_DROP_BEFORE) |
                     (1u << KFB_FTS_FAULT_DROP_AFTER) | (1u << KFB_FTS_FAULT_SERVER_FAILURE) |
                     (1u << KFB_FTS_FAULT_NO_RESPONSE);
    if (fts_fault_take(s, whole, h.api_key, c->node, &f)) {
        switch (f.kind) {
        case KFB_FTS_FAULT_ERROR:
            reply_error(&x, f.error_code, "injected error");
            goto send_delay;
        case KFB_FTS_FAULT_DROP_BEFORE:
            c->dead = true;
            goto done;
        case KFB_FTS_FAULT_SERVER_FAILURE:
            fts_send_server_failure(s, c, f.error_code ? f.error_code : -1,
                                    "injected server failure");
            goto done;
        case KFB_FTS_FAULT_NO_RESPONSE:
            s->stats.dropped++;
            goto done;
        case KFB_FTS_FAULT_DROP_AFTER:
            drop_after = true;
            break;
        default:
            break;
        }
    }
    api->fn(&x, req);
    if (drop_after) {
        c->dead = true;
        goto done;
    }
send_delay:
    if (fts_fault_take(s, 1u << KFB_FTS_FAULT_DELAY, h.api_key, c->node, &f)) delay = f.delay_ms;
send:
    emit(c, out.data, out.len, delay);
done:
    kfb_buf_free(&out);
    protobuf_c_message_free_unpacked(req, NULL);
}

/* ---- handshake ---- */

static void h_api_versions(req_ctx_t *x, const ProtobufCMessage *req) {
    (void)req;
    Fluss__PbApiVersion vs[NAPIS], *pv[NAPIS];
    size_t n = 0;
    unsigned role = role_of(x->c->node);
    for (size_t i = 0; i < NAPIS; i++) {
        if (!(apis[i].roles & role)) continue;
        fluss__pb_api_version__init(&vs[n]);
        vs[n].api_key = apis[i].key;
        vs[n].min_version = apis[i].min_version;
        vs[n].max_version = apis[i].max_version;
        pv[n] = &vs[n];
        n++;
    }
    Fluss__ApiVersionsResponse r = FLUSS__API_VERSIONS_RESPONSE__INIT;
    r.n_api_versions = n;
    r.api_versions = pv;
    r.has_server_type = 1;
    r.server_type = role == ROLE_COORD ? KFB_FLUSS_SERVER_COORDINATOR : KFB_FLUSS_SERVER_TABLET;
    reply(x, &r.base);
}

/* {rpc}/netty/server/NettyServerHandler.java handleAuthenticateRequest,
 * {common}/security/auth/PlainTextAuthenticationPlugin.java,
 * {common}/security/auth/sasl/plain/PlainSaslServer.java evaluateResponse. */
static void h_authenticate(req_ctx_t *x, const ProtobufCMessage *req) {
    if (x->h->api_key != KFB_API_AUTHENTICATE) {
        reply_error(x, KFB_FLUSS_AUTHENTICATE_EXCEPTION,
                    "The connection has not completed authentication yet. This may be caused by "
                    "a missing or incorrect configuration of 'client.security.protocol' on the "
                    "client side.");
        return;
    }
    const Fluss__AuthenticateRequest *a = (const Fluss__AuthenticateRequest *)req;
    Fluss__AuthenticateResponse r = FLUSS__AUTHENTICATE_RESPONSE__INIT;
    const char *want = x->s->sasl_user ? "PLAIN" : "PLAINTEXT";
    if (strcasecmp(a->protocol, want) != 0) {
        char msg[200];
        snprintf(msg, sizeof(msg), "Unsupported authentication protocol: %.64s, expected %s",
                 a->protocol, want);
        reply_error(x, KFB_FLUSS_AUTHENTICATE_EXCEPTION, msg);
        return;
    }
    if (!x->s->sasl_user || x->c->authenticated) {
        /* Authenticator already complete: an empty response, no challenge. */
        reply(x, &r.base);
        return;
    }
    /* RFC 4616: [authzid] NUL authcid NUL passwd */
    const uint8_t *p = a->token.data;
    size_t n = a->token.len, nul1 = SIZE_MAX, nul2 = SIZE_MAX, nuls = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] != 0) continue;
        if (nuls == 0) nul1 = i;
        else if (nuls == 1) nul2 = i;
        nuls++;
    }
    if (nuls != 2) {
        char msg[96];
        snprintf(msg, sizeof(msg), "Invalid SASL/PLAIN response: expected 3 tokens, got %zu",
                 nuls + 1);
        reply_error(x, KFB_FLUSS_AUTHENTICATE_EXCEPTION, msg);
        return;
    }
    size_t ulen = nul2 - nul1 - 1, plen = n - nul2 - 1;
    const char *user = (const char *)p + nul1 + 1, *pass = (const char *)p + nul2 + 1;
    const char *err = NULL;
    if (ulen == 0) err = "Authentication failed: username not specified";
    else if (plen == 0) err = "Authentication failed: password not specified";
    else if (ulen != strlen(x->s->sasl_user) || memcmp(user, x->s->sasl_user, ulen) != 0 ||
             plen != strlen(x->s->sasl_pass) || memcmp(pass, x->s->sasl_pass, plen) != 0)
        err = "Authentication failed: Invalid username or password";
    else if (nul1 != 0 && (nul1 != ulen || memcmp(p, user, ulen) != 0))
        err = "Authentication failed: Client requested an authorization id that is different "
              "from username";
    if (err) {
        reply_error(x, KFB_FLUSS_AUTHENTICATE_EXCEPTION, err);
        return;
    }
    x->c->authenticated = true;
    r.has_challenge = 1; /* present but empty: the exchange is complete */
    r.challenge.len = 0;
    r.challenge.data = NULL;
    reply(x, &r.base);
}

/* ---- metadata ---- */

static void h_database_exists(req_ctx_t *x, const ProtobufCMessage *req) {
    const Fluss__DatabaseExistsRequest *q = (const Fluss__DatabaseExistsRequest *)req;
    Fluss__DatabaseExistsResponse r = FLUSS__DATABASE_EXISTS_RESPONSE__INIT;
    r.exists = fts_has_database(x->s, q->database_name);
    reply(x, &r.base);
}

static void h_table_exists(req_ctx_t *x, const ProtobufCMessage *req) {
    const Fluss__TableExistsRequest *q = (const Fluss__TableExistsRequest *)req;
    Fluss__TableExistsResponse r = FLUSS__TABLE_EXISTS_RESPONSE__INIT;
    r.exists = fts_find_table(x->s, q->table_path->database_name, q->table_path->table_name) != NULL;
    reply(x, &r.base);
}

static void table_not_exist(req_ctx_t *x, const Fluss__PbTablePath *p) {
    char msg[512];
    snprintf(msg, sizeof(msg), "Table '%.200s.%.200s' does not exist.", p->database_name,
             p->table_name);
    reply_error(x, KFB_FLUSS_TABLE_NOT_EXIST, msg);
}

/* The partitioned table at p; NULL after replying TABLE_NOT_EXIST or
 * TABLE_NOT_PARTITIONED (MetadataManager / CoordinatorService checks). */
static fts_table_t *partitioned_table(req_ctx_t *x, const Fluss__PbTablePath *p) {
    fts_table_t *t = fts_find_table(x->s, p->database_name, p->table_name);
    if (!t) {
        table_not_exist(x, p);
        return NULL;
    }
    if (!t->partitioned) {
        char msg[512];
        snprintf(msg, sizeof(msg), "Table %.200s.%.200s is not partitioned.", t->db, t->name);
        reply_error(x, KFB_FLUSS_TABLE_NOT_PARTITIONED_EXCEPTION, msg);
        return NULL;
    }
    return t;
}

static void h_get_table_info(req_ctx_t *x, const ProtobufCMessage *req) {
    const Fluss__GetTableInfoRequest *q = (const Fluss__GetTableInfoRequest *)req;
    fts_table_t *t = fts_find_table(x->s, q->table_path->database_name, q->table_path->table_name);
    if (!t) {
        table_not_exist(x, q->table_path);
        return;
    }
    Fluss__GetTableInfoResponse r = FLUSS__GET_TABLE_INFO_RESPONSE__INIT;
    r.table_id = t->table_id;
    r.schema_id = t->schema_id;
    r.table_json.data = (uint8_t *)t->table_json;
    r.table_json.len = strlen(t->table_json);
    r.created_time = t->created_ms;
    r.modified_time = t->modified_ms;
    reply(x, &r.base);
}

/* {server}/RpcServiceBase.java getTableSchema: the latest schema, or the one
 * `schema_id` names (MetadataManager.getSchemaById); a missing table reads as latest
 * schema id 0, so it answers SCHEMA_NOT_EXIST, not TABLE_NOT_EXIST (§16), as does an
 * id the table never had. */
static void h_get_table_schema(req_ctx_t *x, const ProtobufCMessage *req) {
    const Fluss__GetTableSchemaRequest *q = (const Fluss__GetTableSchemaRequest *)req;
    fts_table_t *t = fts_find_table(x->s, q->table_path->database_name, q->table_path->table_name);
    int32_t want = q->has_schema_id ? q->schema_id : (t ? t->schema_id : 0);
    if (!t || want < 1 || want > t->schema_id) {
        char msg[512];
        snprintf(msg, sizeof(msg), "Schema for table %.200s.%.200s with schema id %d does not exist.",
                 q->table_path->database_name, q->table_path->table_name, want);
        reply_error(x, KFB_FLUSS_SCHEMA_NOT_EXIST, msg);
        return;
    }
    Fluss__GetTableSchemaResponse r = FLUSS__GET_TABLE_SCHEMA_RESPONSE__INIT;
    r.schema_id = want;
    r.schema_json.data = (uint8_t *)t->schema_jsons[want];
    r.schema_json.len = strlen(t->schema_jsons[want]);
    reply(x, &r.base);
}

static void fill_node(kfb_fts_t *s, Fluss__PbServerNode *pn, int node) {
    fluss__pb_server_node__init(pn);
    /* Tablet server ids are 0..n-1; the coordinator has its own id space (0). */
    pn->node_id = node == KFB_FTS_COORDINATOR ? 0 : node;
    pn->host = s->host;
    pn->port = kfb_fts_port(s, node);
}

/* Fills bucket metadata for `nb` buckets into bm/pbm/replicas starting at *k. */
static void fill_buckets(const fts_bucket_t *bk, int nb, Fluss__PbBucketMetadata *bm,
                         Fluss__PbBucketMetadata **pbm, int32_t *replicas, size_t *k) {
    for (int b = 0; b < nb; b++, (*k)++) {
        size_t i = *k;
        fluss__pb_bucket_metadata__init(&bm[i]);
        bm[i].bucket_id = b;
        if (bk[b].leader >= 0) {
            bm[i].has_leader_id = 1;
            bm[i].leader_id = bk[b].leader;
            replicas[i] = bk[b].leader;
            bm[i].n_replica_id = 1;
            bm[i].replica_id = &replicas[i];
        }
        bm[i].has_leader_epoch = 1;
        bm[i].leader_epoch = bk[b].leader_epoch;
        pbm[i] = &bm[i];
    }
}

/* A partition of any table by id; the owning table in *t. */
static fts_partition_t *find_partition_any(kfb_fts_t *s, int64_t id, fts_table_t **t) {
    for (size_t i = 0; i < s->ntables; i++) {
        fts_partition_t *p = fts_find_partition(s->tables[i], id);
        if (p) {
            *t = s->tables[i];
            return p;
        }
    }
    return NULL;
}

/* {server}/RpcServiceBase.java processMetadataRequest: one missing table fails the
 * whole request with TABLE_NOT_EXIST, a missing partition (by name or id) with
 * PARTITION_NOT_EXISTS (36). Partitioned tables have no table-level buckets
 * (CoordinatorService.createTable assigns buckets per partition). */
static void h_metadata(req_ctx_t *x, const ProtobufCMessage *req) {
    const Fluss__MetadataRequest *q = (const Fluss__MetadataRequest *)req;
    kfb_fts_t *s = x->s;
    size_t nt = q->n_table_path, np = q->n_partitions_path + q->n_partitions_id;
    fts_table_t **tabs = calloc(nt ? nt : 1, sizeof(*tabs));
    fts_table_t **ptabs = calloc(np ? np : 1, sizeof(*ptabs));
    fts_partition_t **parts = calloc(np ? np : 1, sizeof(*parts));
    Fluss__PbTableMetadata *tm = calloc(nt ? nt : 1, sizeof(*tm));
    Fluss__PbTableMetadata **ptm = calloc(nt ? nt : 1, sizeof(*ptm));
    Fluss__PbPartitionMetadata *pm = calloc(np ? np : 1, sizeof(*pm));
    Fluss__PbPartitionMetadata **ppm = calloc(np ? np : 1, sizeof(*ppm));
    Fluss__PbBucketMetadata *bm = NULL, **pbm = NULL;
    int32_t *replicas = NULL;
    char msg[768];
    if (!tabs || !ptabs || !parts || !tm || !ptm || !pm || !ppm) goto oom;
    size_t nb_total = 0;
    for (size_t i = 0; i < nt; i++) {
        tabs[i] = fts_find_table(s, q->table_path[i]->database_name, q->table_path[i]->table_name);
        if (!tabs[i]) {
            table_not_exist(x, q->table_path[i]);
            goto out;
        }
        if (!tabs[i]->partitioned) nb_total += (size_t)tabs[i]->bucket_count;
    }
    for (size_t i = 0; i < np; i++) {
        if (i < q->n_partitions_path) {
            const Fluss__PbPhysicalTablePath *pp = q->partitions_path[i];
            ptabs[i] = fts_find_table(s, pp->database_name, pp->table_name);
            if (!ptabs[i]) {
                snprintf(msg, sizeof(msg), "Table '%.200s.%.200s' does not exist.",
                         pp->database_name, pp->table_name);
                reply_error(x, KFB_FLUSS_TABLE_NOT_EXIST, msg);
                goto out;
            }
            parts[i] = pp->partition_name ? fts_find_partition_name(ptabs[i], pp->partition_name)
                                          : NULL;
            if (!parts[i]) {
                snprintf(msg, sizeof(msg), "Table partition '%.200s.%.200s(p=%.200s)' does not "
                         "exist.", pp->database_name, pp->table_name,
                         pp->partition_name ? pp->partition_name : "null");
                reply_error(x, KFB_FLUSS_PARTITION_NOT_EXISTS, msg);
                goto out;
            }
        } else {
            int64_t id = q->partitions_id[i - q->n_partitions_path];
            parts[i] = find_partition_any(s, id, &ptabs[i]);
            if (!parts[i]) {
                snprintf(msg, sizeof(msg), "Partition with id %lld does not exist.", (long long)id);
                reply_error(x, KFB_FLUSS_PARTITION_NOT_EXISTS, msg);
                goto out;
            }
        }
        nb_total += (size_t)ptabs[i]->bucket_count;
    }
    bm = calloc(nb_total ? nb_total : 1, sizeof(*bm));
    pbm = calloc(nb_total ? nb_total : 1, sizeof(*pbm));
    replicas = calloc(nb_total ? nb_total : 1, sizeof(*replicas));
    if (!bm || !pbm || !replicas) goto oom;

    Fluss__PbServerNode coord, ts[KFB_FTS_MAX_TABLET_SERVERS], *pts[KFB_FTS_MAX_TABLET_SERVERS];
    fill_node(s, &coord, KFB_FTS_COORDINATOR);
    for (int i = 0; i < s->n_tablets; i++) {
        fill_node(s, &ts[i], i);
        pts[i] = &ts[i];
    }
    Fluss__MetadataResponse r = FLUSS__METADATA_RESPONSE__INIT;
    r.coordinator_server = &coord;
    r.n_tablet_servers = (size_t)s->n_tablets;
    r.tablet_servers = pts;
    size_t k = 0;
    for (size_t i = 0; i < nt; i++) {
        fts_table_t *t = tabs[i];
        fluss__pb_table_metadata__init(&tm[i]);
        tm[i].table_path = q->table_path[i];
        tm[i].table_id = t->table_id;
        tm[i].schema_id = t->schema_id;
        tm[i].table_json.data = (uint8_t *)t->table_json;
        tm[i].table_json.len = strlen(t->table_json);
        tm[i].created_time = t->created_ms;
        tm[i].modified_time = t->modified_ms;
        if (!t->partitioned) {
            tm[i].bucket_metadata = &pbm[k];
            tm[i].n_bucket_metadata = (size_t)t->bucket_count;
            fill_buckets(t->buckets, t->bucket_count, bm, pbm, replicas, &k);
        }
        ptm[i] = &tm[i];
    }
    for (size_t i = 0; i < np; i++) {
        fluss__pb_partition_metadata__init(&pm[i]);
        pm[i].table_id = ptabs[i]->table_id;
        pm[i].partition_name = parts[i]->name;
        pm[i].partition_id = parts[i]->id;
        pm[i].bucket_metadata = &pbm[k];
        pm[i].n_bucket_metadata = (size_t)ptabs[i]->bucket_count;
        fill_buckets(parts[i]->buckets, ptabs[i]->bucket_count, bm, pbm, replicas, &k);
        ppm[i] = &pm[i];
    }
    r.n_table_metadata = nt;
    r.table_metadata = ptm;
    r.n_partition_metadata = np;
    r.partition_metadata = ppm;
    reply(x, &r.base);
    goto out;
oom:
    reply_error(x, KFB_FLUSS_UNKNOWN_SERVER_ERROR, "out of memory");
out:
    free(tabs);
    free(ptabs);
    free(parts);
    free(tm);
    free(ptm);
    free(pm);
    free(ppm);
    free(bm);
    free(pbm);
    free(replicas);
}

/* ListPartitionInfos: {server}/coordinator/MetadataManager.java listPartitions
 * (7 for a missing table, 37 for a non-partitioned one); a partial spec keeps the
 * partitions whose named keys all have the given values. */
static void h_list_partitions(req_ctx_t *x, const ProtobufCMessage *req) {
    const Fluss__ListPartitionInfosRequest *q = (const Fluss__ListPartitionInfosRequest *)req;
    fts_table_t *t = partitioned_table(x, q->table_path);
    if (!t) return;
    size_t nk = fts_schema_partition_key_count(t->schema), np = t->nparts, nv = np * nk;
    Fluss__PbPartitionInfo *pi = calloc(np ? np : 1, sizeof(*pi));
    Fluss__PbPartitionInfo **ppi = calloc(np ? np : 1, sizeof(*ppi));
    Fluss__PbPartitionSpec *spec = calloc(np ? np : 1, sizeof(*spec));
    Fluss__PbKeyValue *kv = calloc(nv ? nv : 1, sizeof(*kv));
    Fluss__PbKeyValue **pkv = calloc(nv ? nv : 1, sizeof(*pkv));
    char **vals = calloc(nv ? nv : 1, sizeof(*vals));
    size_t n = 0;
    if (!pi || !ppi || !spec || !kv || !pkv || !vals) {
        reply_error(x, KFB_FLUSS_UNKNOWN_SERVER_ERROR, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < np; i++) {
        fts_partition_t *p = &t->parts[i];
        size_t base = i * nk;
        const char *c = p->name;
        for (size_t j = 0; j < nk; j++) {
            const char *e = strchr(c, '$');
            size_t len = e ? (size_t)(e - c) : strlen(c);
            vals[base + j] = strndup(c, len);
            c = e ? e + 1 : c + len;
            fluss__pb_key_value__init(&kv[base + j]);
            kv[base + j].key = (char *)fts_schema_partition_key_name(t->schema, j);
            kv[base + j].value = vals[base + j] ? vals[base + j] : (char *)"";
            pkv[base + j] = &kv[base + j];
        }
        bool keep = true;
        const Fluss__PbPartitionSpec *ps = q->partial_partition_spec;
        for (size_t f = 0; ps && f < ps->n_partition_key_values; f++)
            for (size_t j = 0; j < nk; j++)
                if (strcmp(kv[base + j].key, ps->partition_key_values[f]->key) == 0 &&
                    strcmp(kv[base + j].value, ps->partition_key_values[f]->value) != 0)
                    keep = false;
        if (!keep) continue;
        fluss__pb_partition_spec__init(&spec[n]);
        spec[n].n_partition_key_values = nk;
        spec[n].partition_key_values = &pkv[base];
        fluss__pb_partition_info__init(&pi[n]);
        pi[n].partition_id = p->id;
        pi[n].partition_spec = &spec[n];
        ppi[n] = &pi[n];
        n++;
    }
    Fluss__ListPartitionInfosResponse r = FLUSS__LIST_PARTITION_INFOS_RESPONSE__INIT;
    r.n_partitions_info = n;
    r.partitions_info = ppi;
    reply(x, &r.base);
out:
    for (size_t i = 0; vals && i < nv; i++) free(vals[i]);
    free(vals);
    free(pi);
    free(ppi);
    free(spec);
    free(kv);
    free(pkv);
}

/* CreatePartition: {server}/coordinator/CoordinatorService.java createPartition.
 * The spec must name every partition key; the partition name is the values in
 * partition-key order joined with '$'. `ignore_if_not_exists` really means
 * "ignore if it already exists" (§3.2). */
static void h_create_partition(req_ctx_t *x, const ProtobufCMessage *req) {
    const Fluss__CreatePartitionRequest *q = (const Fluss__CreatePartitionRequest *)req;
    fts_table_t *t = partitioned_table(x, q->table_path);
    if (!t) return;
    char msg[768];
    size_t nk = fts_schema_partition_key_count(t->schema);
    const Fluss__PbPartitionSpec *ps = q->partition_spec;
    kfb_buf_t name = KFB_BUF_INIT;
    bool ok = ps->n_partition_key_values == nk;
    for (size_t j = 0; ok && j < nk; j++) {
        const char *key = fts_schema_partition_key_name(t->schema, j);
        const char *val = NULL;
        for (size_t f = 0; f < ps->n_partition_key_values; f++)
            if (strcmp(ps->partition_key_values[f]->key, key) == 0)
                val = ps->partition_key_values[f]->value;
        if (!val) {
            ok = false;
        } else {
            if (j) kfb_buf_append_byte(&name, '$');
            kfb_buf_append(&name, val, strlen(val));
        }
    }
    kfb_buf_append_byte(&name, 0);
    int code;
    if (!ok || !name.data) {
        snprintf(msg, sizeof(msg), "PartitionSpec for table %.200s.%.200s must give a value for "
                 "each of its %zu partition key(s)", t->db, t->name, nk);
        code = KFB_FLUSS_PARTITION_SPEC_INVALID_EXCEPTION;
    } else if (fts_find_partition_name(t, (const char *)name.data) && q->ignore_if_not_exists) {
        code = KFB_FLUSS_NONE;
    } else {
        code = fts_add_partition(x->s, t, (const char *)name.data, NULL, msg, sizeof(msg));
    }
    kfb_buf_free(&name);
    if (code != KFB_FLUSS_NONE) {
        reply_error(x, code, msg);
        return;
    }
    Fluss__CreatePartitionResponse r = FLUSS__CREATE_PARTITION_RESPONSE__INIT;
    reply(x, &r.base);
}

/* ---- coordinator mutations ---- */

/* {server}/coordinator/CoordinatorService.java createDatabase */
static void h_create_database(req_ctx_t *x, const ProtobufCMessage *req) {
    const Fluss__CreateDatabaseRequest *q = (const Fluss__CreateDatabaseRequest *)req;
    char msg[320];
    if (!valid_name(q->database_name)) {
        snprintf(msg, sizeof(msg),
                 "Database name %.200s is invalid: only 1-200 characters of [a-zA-Z0-9_-]",
                 q->database_name);
        reply_error(x, KFB_FLUSS_INVALID_DATABASE_EXCEPTION, msg);
        return;
    }
    if (fts_has_database(x->s, q->database_name)) {
        if (!q->ignore_if_exists) {
            snprintf(msg, sizeof(msg), "Database %.200s already exists.", q->database_name);
            reply_error(x, KFB_FLUSS_DATABASE_ALREADY_EXIST, msg);
            return;
        }
    } else if (fts_add_database(x->s, q->database_name) != KFB_ERR_OK) {
        reply_error(x, KFB_FLUSS_UNKNOWN_SERVER_ERROR, "out of memory");
        return;
    }
    Fluss__CreateDatabaseResponse r = FLUSS__CREATE_DATABASE_RESPONSE__INIT;
    reply(x, &r.base);
}

/* {server}/coordinator/CoordinatorService.java createTable */
static void h_create_table(req_ctx_t *x, const ProtobufCMessage *req) {
    const Fluss__CreateTableRequest *q = (const Fluss__CreateTableRequest *)req;
    const char *db = q->table_path->database_name, *name = q->table_path->table_name;
    char msg[512];
    if (!valid_name(db) || !valid_name(name)) {
        snprintf(msg, sizeof(msg), "Table path %.200s.%.200s is invalid: names are 1-200 "
                 "characters of [a-zA-Z0-9_-]", db, name);
        reply_error(x, KFB_FLUSS_INVALID_TABLE_EXCEPTION, msg);
        return;
    }
    if (!fts_has_database(x->s, db)) {
        snprintf(msg, sizeof(msg), "Database %.200s does not exist.", db);
        reply_error(x, KFB_FLUSS_DATABASE_NOT_EXIST, msg);
        return;
    }
    if (fts_find_table(x->s, db, name)) {
        if (!q->ignore_if_exists) {
            snprintf(msg, sizeof(msg), "Table %.200s.%.200s already exists.", db, name);
            reply_error(x, KFB_FLUSS_TABLE_ALREADY_EXIST, msg);
            return;
        }
    } else {
        int code = fts_create_table(x->s, db, name, (const char *)q->table_json.data,
                                    q->table_json.len, 0, NULL, NULL, msg, sizeof(msg));
        if (code != KFB_FLUSS_NONE) {
            reply_error(x, code, msg);
            return;
        }
    }
    Fluss__CreateTableResponse r = FLUSS__CREATE_TABLE_RESPONSE__INIT;
    reply(x, &r.base);
}

/* ---- tablet server ---- */

/* {server}/tablet/TabletService.java initWriter: a cluster-wide counter; the
 * table list is only checked with an authorizer (none here). */
static void h_init_writer(req_ctx_t *x, const ProtobufCMessage *req) {
    (void)req;
    Fluss__InitWriterResponse r = FLUSS__INIT_WRITER_RESPONSE__INIT;
    r.writer_id = x->s->next_writer_id++;
    reply(x, &r.base);
}

/* Resolves a (table, partition, bucket) the way ReplicaManager.getReplicaOrException
 * and Replica.putRecordsToLeader do: unknown to the cluster -> 21, known but led
 * elsewhere -> 12. The partition lookup does not check the table (§12), so the id
 * of another table's partition that has this bucket gives 12. Returns the code. */
static int resolve_bucket(req_ctx_t *x, fts_table_t *t, bool has_partition, int64_t partition_id,
                          int32_t bucket_id, fts_partition_t **part_out, fts_bucket_t **out,
                          char *msg, size_t msg_size) {
    *out = NULL;
    *part_out = NULL;
    fts_partition_t *part = NULL;
    fts_bucket_t *b = NULL;
    if (t && has_partition == t->partitioned && bucket_id >= 0 && bucket_id < t->bucket_count) {
        if (!has_partition) {
            b = &t->buckets[bucket_id];
        } else if ((part = fts_find_partition(t, partition_id))) {
            b = &part->buckets[bucket_id];
        }
    }
    if (!b) {
        fts_table_t *other = NULL;
        if (has_partition && find_partition_any(x->s, partition_id, &other) && bucket_id >= 0 &&
            bucket_id < other->bucket_count) {
            snprintf(msg, msg_size, "Leader not local for partition %lld bucket %d",
                     (long long)partition_id, bucket_id);
            return KFB_FLUSS_NOT_LEADER_OR_FOLLOWER;
        }
        snprintf(msg, msg_size,
                 "Unknown table or bucket: TableBucket{tableId=%lld, partitionId=%s%lld, "
                 "bucket=%d}",
                 t ? (long long)t->table_id : -1LL, has_partition ? "" : "null/",
                 has_partition ? (long long)partition_id : 0LL, bucket_id);
        return KFB_FLUSS_UNKNOWN_TABLE_OR_BUCKET_EXCEPTION;
    }
    if (b->leader != x->c->node) {
        snprintf(msg, msg_size,
                 "Leader not local for bucket TableBucket{tableId=%lld, bucket=%d} on tablet "
                 "server %d (leader is %d)",
                 (long long)t->table_id, bucket_id, x->c->node, b->leader);
        return KFB_FLUSS_NOT_LEADER_OR_FOLLOWER;
    }
    *out = b;
    *part_out = part;
    return KFB_FLUSS_NONE;
}

static void set_bucket_error(req_ctx_t *x, int32_t *code_field, protobuf_c_boolean *has,
                             char **msg_field, int code, const char *msg, char *msg_store) {
    *has = 1;
    *code_field = code;
    snprintf(msg_store, 512, "%s", msg);
    *msg_field = msg_store;
    fts_count_rejection(x->s, code);
}

/* kfb_fts_batch_log: one line per bucket batch looked at. */
static void log_batch(kfb_fts_t *s, int node, int64_t table_id, const Fluss__PbPutKvReqForBucket *bq,
                      const char *result, int code) {
    const uint8_t *p = bq->records.data;
    size_t len = bq->records.len;
    int64_t writer = -1;
    int32_t seq = -1;
    int schema = -1;
    uint32_t crc = 0;
    if (p && len >= KFB_KV_BATCH_HEADER_SIZE) {
        writer = (int64_t)kfb_get_le64(p + KFB_KV_BATCH_WRITER_ID_OFFSET);
        seq = (int32_t)kfb_get_le32(p + KFB_KV_BATCH_SEQUENCE_OFFSET);
        schema = (int16_t)kfb_get_le16(p + KFB_KV_BATCH_SCHEMA_ID_OFFSET);
        crc = kfb_crc32c(0, p + KFB_KV_BATCH_HEADER_SIZE, len - KFB_KV_BATCH_HEADER_SIZE);
    }
    char line[256];
    int k = snprintf(line, sizeof(line),
                     "node=%d table=%lld partition=%lld bucket=%d writer=%lld seq=%d "
                     "records=%08x result=%s code=%d schema=%d\n",
                     node, (long long)table_id,
                     (long long)(bq->has_partition_id ? bq->partition_id : -1), bq->bucket_id,
                     (long long)writer, seq, crc, result, code, schema);
    /* bounded, for long runs of the standalone server (benchmarks) */
    if (s->batch_log.len + (size_t)k <= FTS_BATCH_LOG_MAX)
        kfb_buf_append(&s->batch_log, line, (size_t)k);
}

/* {server}/tablet/TabletService.java putKv -> {server}/replica/ReplicaManager.java
 * putRecordsToKv / putToLocalKv, {server}/utils/ServerRpcMessageUtils.java
 * getPutKvData / makePutKvResponse. */
static void h_put_kv(req_ctx_t *x, const ProtobufCMessage *req) {
    const Fluss__PutKvRequest *q = (const Fluss__PutKvRequest *)req;
    kfb_fts_t *s = x->s;
    /* ReplicaManager.isRequiredAcksInvalid: the whole request fails. */
    if (q->acks != 0 && q->acks != 1 && q->acks != -1) {
        reply_error(x, KFB_FLUSS_INVALID_REQUIRED_ACKS, "Invalid required acks for put kv.");
        return;
    }
    {
        char line[160];
        int k = snprintf(line, sizeof(line), "table=%lld targets=", (long long)q->table_id);
        kfb_buf_append(&s->putkv_log, line, (size_t)k);
        if (!q->n_target_columns) kfb_buf_append(&s->putkv_log, "all", 3);
        for (size_t i = 0; i < q->n_target_columns; i++) {
            k = snprintf(line, sizeof(line), "%s%d", i ? "," : "", q->target_columns[i]);
            kfb_buf_append(&s->putkv_log, line, (size_t)k);
        }
        if (q->has_agg_mode) k = snprintf(line, sizeof(line), " agg=%d", q->agg_mode);
        else k = snprintf(line, sizeof(line), " agg=unset");
        kfb_buf_append(&s->putkv_log, line, (size_t)k);
        k = snprintf(line, sizeof(line), " buckets=%zu\n", q->n_buckets_req);
        kfb_buf_append(&s->putkv_log, line, (size_t)k);
        kfb_buf_reset(&s->last_putkv);
        kfb_buf_append(&s->last_putkv, x->h->body, x->h->body_len);
    }
    fts_table_t *t = fts_find_table_id(s, q->table_id);
    size_t n = q->n_buckets_req;
    Fluss__PbPutKvRespForBucket *rb = calloc(n ? n : 1, sizeof(*rb));
    Fluss__PbPutKvRespForBucket **prb = calloc(n ? n : 1, sizeof(*prb));
    char(*msgs)[512] = calloc(n ? n : 1, sizeof(*msgs));
    if (!rb || !prb || !msgs) {
        reply_error(x, KFB_FLUSS_UNKNOWN_SERVER_ERROR, "out of memory");
        goto out;
    }
    size_t nr = 0;
    for (size_t i = 0; i < n; i++) {
        const Fluss__PbPutKvReqForBucket *bq = q->buckets_req[i];
        /* getPutKvData builds a map: a later entry for the same bucket replaces an
         * earlier one, which is neither applied nor answered (§16). */
        bool superseded = false;
        for (size_t j = i + 1; j < n; j++)
            if (q->buckets_req[j]->bucket_id == bq->bucket_id &&
                q->buckets_req[j]->has_partition_id == bq->has_partition_id &&
                (!bq->has_partition_id || q->buckets_req[j]->partition_id == bq->partition_id))
                superseded = true;
        if (superseded) continue;
        Fluss__PbPutKvRespForBucket *r = &rb[nr];
        fluss__pb_put_kv_resp_for_bucket__init(r);
        prb[nr++] = r;
        r->bucket_id = bq->bucket_id;
        r->has_partition_id = bq->has_partition_id;
        r->partition_id = bq->partition_id;

        char msg[512];
        fts_bucket_t *b;
        fts_partition_t *part;
        int code = resolve_bucket(x, t, bq->has_partition_id, bq->partition_id, bq->bucket_id,
                                  &part, &b, msg, sizeof(msg));
        kfb_fts_fault_t f;
        bool after = false, applied = false;
        int fault_code = 0;
        if (code == KFB_FLUSS_NONE &&
            fts_fault_take_bucket(s, KFB_API_PUT_KV, x->c->node, t->table_id, bq->bucket_id, &f)) {
            fault_code = f.error_code;
            /* ReplicaManager.putToLocalKv: v0/v1 clients get STORAGE_BACKPRESSURE
             * downgraded to KV_STORAGE_EXCEPTION. */
            if (fault_code == KFB_FLUSS_STORAGE_BACKPRESSURE_EXCEPTION && x->h->api_version < 2)
                fault_code = KFB_FLUSS_KV_STORAGE_EXCEPTION;
            after = f.after_apply != 0;
            if (!after) {
                code = fault_code;
                snprintf(msg, sizeof(msg), "injected error");
            }
        }
        int64_t leo = 0;
        /* target_columns are checked per bucket inside KvTablet.putAsLeader, so
         * a bad list fails each bucket entry with its own error (§10.3). */
        uint64_t dups = s->stats.duplicates;
        if (code == KFB_FLUSS_NONE) {
            code = fts_put_batch(s, t, part, b, bq->records.data, bq->records.len,
                                 q->has_agg_mode && q->agg_mode == 1, q->target_columns,
                                 q->n_target_columns, &leo, msg, sizeof(msg));
            applied = code == KFB_FLUSS_NONE && s->stats.duplicates == dups;
        }
        bool duplicate = code == KFB_FLUSS_NONE && !applied;
        if (code == KFB_FLUSS_NONE && after) {
            code = fault_code;
            snprintf(msg, sizeof(msg), "injected error after the batch was applied");
        }
        log_batch(s, x->c->node, q->table_id, bq,
                  applied ? "applied" : duplicate ? "duplicate" : "refused", code);
        if (code != KFB_FLUSS_NONE) {
            set_bucket_error(x, &r->error_code, &r->has_error_code, &r->error_message, code, msg,
                             msgs[nr - 1]);
        } else {
            r->has_log_end_offset = 1;
            r->log_end_offset = leo;
        }
    }
    Fluss__PutKvResponse resp = FLUSS__PUT_KV_RESPONSE__INIT;
    resp.n_buckets_resp = nr;
    resp.buckets_resp = prb;
    reply(x, &resp.base);
out:
    free(rb);
    free(prb);
    free(msgs);
}

/* {server}/tablet/TabletService.java lookup -> ReplicaManager.lookups,
 * ServerRpcMessageUtils.makeLookupResponse: values are int16 LE schema id + row
 * (ValueEncoder), absent for a missing key. A row keeps the schema id it was written
 * with; the Java client fetches that schema and converts the row to its own
 * (fluss-client/.../lookup/AbstractLookuper.java, FixedSchemaDecoder). */
static void h_lookup(req_ctx_t *x, const ProtobufCMessage *req) {
    const Fluss__LookupRequest *q = (const Fluss__LookupRequest *)req;
    kfb_fts_t *s = x->s;
    fts_table_t *t = fts_find_table_id(s, q->table_id);
    size_t n = q->n_buckets_req, nkeys = 0;
    for (size_t i = 0; i < n; i++) nkeys += q->buckets_req[i]->n_keys;
    Fluss__PbLookupRespForBucket *rb = calloc(n ? n : 1, sizeof(*rb));
    Fluss__PbLookupRespForBucket **prb = calloc(n ? n : 1, sizeof(*prb));
    Fluss__PbValue *vals = calloc(nkeys ? nkeys : 1, sizeof(*vals));
    Fluss__PbValue **pvals = calloc(nkeys ? nkeys : 1, sizeof(*pvals));
    char(*msgs)[512] = calloc(n ? n : 1, sizeof(*msgs));
    kfb_buf_t store = KFB_BUF_INIT;
    size_t *offs = calloc(nkeys ? nkeys : 1, sizeof(*offs));
    if (!rb || !prb || !vals || !pvals || !msgs || !offs) {
        reply_error(x, KFB_FLUSS_UNKNOWN_SERVER_ERROR, "out of memory");
        goto out;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const Fluss__PbLookupReqForBucket *bq = q->buckets_req[i];
        Fluss__PbLookupRespForBucket *r = &rb[i];
        fluss__pb_lookup_resp_for_bucket__init(r);
        prb[i] = r;
        r->bucket_id = bq->bucket_id;
        r->has_partition_id = bq->has_partition_id;
        r->partition_id = bq->partition_id;
        char msg[512];
        fts_bucket_t *b;
        fts_partition_t *part;
        int code = resolve_bucket(x, t, bq->has_partition_id, bq->partition_id, bq->bucket_id,
                                  &part, &b, msg, sizeof(msg));
        kfb_fts_fault_t f;
        if (code == KFB_FLUSS_NONE &&
            fts_fault_take_bucket(s, KFB_API_LOOKUP, x->c->node, t->table_id, bq->bucket_id, &f)) {
            code = f.error_code;
            snprintf(msg, sizeof(msg), "injected error");
        }
        if (code == KFB_FLUSS_NONE && q->has_insert_if_not_exists && q->insert_if_not_exists) {
            code = KFB_FLUSS_UNKNOWN_SERVER_ERROR;
            snprintf(msg, sizeof(msg), "insert_if_not_exists is not supported by the test server");
        }
        if (code != KFB_FLUSS_NONE) {
            set_bucket_error(x, &r->error_code, &r->has_error_code, &r->error_message, code, msg,
                             msgs[i]);
            continue;
        }
        r->values = &pvals[k];
        r->n_values = bq->n_keys;
        for (size_t j = 0; j < bq->n_keys; j++, k++) {
            fluss__pb_value__init(&vals[k]);
            pvals[k] = &vals[k];
            offs[k] = SIZE_MAX;
            fts_kv_entry_t *e = fts_kv_get(&b->kv, bq->keys[j].data, bq->keys[j].len);
            if (!e) continue;
            offs[k] = store.len;
            uint8_t sid[2];
            kfb_put_le16(sid, (uint16_t)e->schema_id);
            if (kfb_buf_append(&store, sid, 2) || kfb_buf_append(&store, e->val, e->vlen)) {
                reply_error(x, KFB_FLUSS_UNKNOWN_SERVER_ERROR, "out of memory");
                goto out;
            }
            vals[k].has_values = 1;
            vals[k].values.len = 2 + e->vlen;
        }
    }
    /* The store may have moved while growing: point into it only now. */
    for (size_t j = 0; j < k; j++)
        if (offs[j] != SIZE_MAX) vals[j].values.data = store.data + offs[j];
    Fluss__LookupResponse resp = FLUSS__LOOKUP_RESPONSE__INIT;
    resp.n_buckets_resp = n;
    resp.buckets_resp = prb;
    reply(x, &resp.base);
out:
    kfb_buf_free(&store);
    free(offs);
    free(rb);
    free(prb);
    free(vals);
    free(pvals);
    free(msgs);
}

/* TablePath.detectInvalidName / validatePrefix: NULL when the name is valid, else
 * the reason, into buf. */
static const char *name_problem(const char *n, char *buf, size_t size) {
    size_t len = strlen(n);
    if (len == 0) return "the empty string is not allowed";
    if (strcmp(n, ".") == 0) return "'.' is not allowed";
    if (strcmp(n, "..") == 0) return "'..' is not allowed";
    if (len > 200) {
        snprintf(buf, size, "the length of '%.200s...' is longer than the max allowed length 200",
                 n);
        return buf;
    }
    if (!valid_name(n)) {
        snprintf(buf, size, "'%.200s' contains one or more characters other than ASCII "
                 "alphanumerics, '_' and '-'", n);
        return buf;
    }
    if (strncmp(n, "__", 2) == 0)
        return "'__' is not allowed as prefix, since it is reserved for internal "
               "databases/internal tables/internal partitions in Fluss server";
    return NULL;
}

/* AlterTable: {server}/coordinator/CoordinatorService.java alterTable. The request is
 * converted first (ServerRpcMessageUtils.toAlterTableConfigChanges /
 * toAlterTableSchemaChanges: op types, data types and column positions are checked
 * before the table is looked up), then MetadataManager.alterTableSchema applies the
 * column changes (fts_alter_add_columns). Table property changes are not modelled. */
static void h_alter_table(req_ctx_t *x, const ProtobufCMessage *req) {
    const Fluss__AlterTableRequest *q = (const Fluss__AlterTableRequest *)req;
    const char *db = q->table_path->database_name, *name = q->table_path->table_name;
    char msg[768], why[400];
    const char *p;
    if ((p = name_problem(db, why, sizeof(why)))) {
        snprintf(msg, sizeof(msg), "Database name %.200s is invalid: %s", db, p);
        reply_error(x, KFB_FLUSS_INVALID_DATABASE_EXCEPTION, msg);
        return;
    }
    if ((p = name_problem(name, why, sizeof(why)))) {
        snprintf(msg, sizeof(msg), "Table name %.200s is invalid: %s", name, p);
        reply_error(x, KFB_FLUSS_INVALID_TABLE_EXCEPTION, msg);
        return;
    }
    for (size_t i = 0; i < q->n_config_changes; i++) {
        int32_t op = q->config_changes[i]->op_type;
        if (op < 0 || op > 3) { /* AlterConfigOpType.from */
            snprintf(msg, sizeof(msg), "java.lang.IllegalArgumentException: Unsupported "
                     "AlterConfigOpType: %d", op);
            reply_error(x, KFB_FLUSS_UNKNOWN_SERVER_ERROR, msg);
            return;
        }
        if (op > 1) { /* APPEND, SUBTRACT */
            snprintf(msg, sizeof(msg), "java.lang.IllegalArgumentException: Unsupported alter "
                     "table configs op type %d", op);
            reply_error(x, KFB_FLUSS_UNKNOWN_SERVER_ERROR, msg);
            return;
        }
    }
    size_t n = q->n_add_columns;
    fts_add_column_t *cols = calloc(n ? n : 1, sizeof(*cols));
    if (!cols) {
        reply_error(x, KFB_FLUSS_UNKNOWN_SERVER_ERROR, "out of memory");
        return;
    }
    int code = KFB_FLUSS_NONE;
    for (size_t i = 0; i < n && code == KFB_FLUSS_NONE; i++) {
        const Fluss__PbAddColumn *a = q->add_columns[i];
        bool nullable;
        code = fts_parse_column_type(a->data_type_json.data, a->data_type_json.len, &nullable, msg,
                                     sizeof(msg));
        if (code == KFB_FLUSS_NONE && a->column_position_type != 0) {
            /* ColumnPositionType.from: only LAST (0) */
            snprintf(msg, sizeof(msg), "java.lang.IllegalArgumentException: Unsupported "
                     "ColumnPositionType: %d", a->column_position_type);
            code = KFB_FLUSS_UNKNOWN_SERVER_ERROR;
        }
        cols[i] = (fts_add_column_t){a->column_name, a->data_type_json.data, a->data_type_json.len,
                                     a->comment, a->agg_function_type};
    }
    for (size_t i = 0; i < q->n_modify_columns && code == KFB_FLUSS_NONE; i++) {
        const Fluss__PbModifyColumn *m = q->modify_columns[i];
        bool nullable;
        if (m->has_data_type_json)
            code = fts_parse_column_type(m->data_type_json.data, m->data_type_json.len, &nullable,
                                         msg, sizeof(msg));
        if (code == KFB_FLUSS_NONE && m->has_column_position_type && m->column_position_type != 0) {
            snprintf(msg, sizeof(msg), "java.lang.IllegalArgumentException: Unsupported "
                     "ColumnPositionType: %d", m->column_position_type);
            code = KFB_FLUSS_UNKNOWN_SERVER_ERROR;
        }
    }
    bool schema_change = n || q->n_drop_columns || q->n_rename_columns || q->n_modify_columns;
    fts_table_t *t = NULL;
    if (code != KFB_FLUSS_NONE) {
        /* msg filled above */
    } else if (!schema_change && !q->n_config_changes) {
        /* nothing to change: alterTable calls neither alterTableSchema nor
         * alterTableProperties, so not even a missing table is noticed */
    } else if (schema_change && q->n_config_changes) {
        snprintf(msg, sizeof(msg), "Table alteration can only be applied to one of the "
                 "following: table properties or table schema.");
        code = KFB_FLUSS_INVALID_ALTER_TABLE_EXCEPTION;
    } else if (!(t = fts_find_table(x->s, db, name))) {
        if (!q->ignore_if_not_exists) {
            snprintf(msg, sizeof(msg), "Table '%.200s.%.200s' does not exist.", db, name);
            code = KFB_FLUSS_TABLE_NOT_EXIST;
        }
    } else if (q->n_config_changes) {
        snprintf(msg, sizeof(msg), "test server: AlterTable config_changes (table properties) "
                 "are not modelled; only add_columns is");
        code = KFB_FLUSS_UNKNOWN_SERVER_ERROR;
    } else {
        /* SchemaUpdate.applySchemaChanges: the additions first, then drop, rename and
         * modify, each of which Fluss 0.9 refuses with a SchemaChangeException (no
         * Fluss code) */
        const char *refused = q->n_drop_columns     ? "drop"
                              : q->n_rename_columns ? "rename"
                              : q->n_modify_columns ? "modify"
                                                    : NULL;
        code = refused ? fts_alter_check_add_columns(t, cols, n, msg, sizeof(msg))
                       : fts_alter_add_columns(x->s, t, cols, n, msg, sizeof(msg));
        if (code == KFB_FLUSS_NONE && refused) {
            snprintf(msg, sizeof(msg), "org.apache.fluss.exception.SchemaChangeException: Not "
                     "support %s column now.", refused);
            code = KFB_FLUSS_UNKNOWN_SERVER_ERROR;
        }
    }
    free(cols);
    if (code != KFB_FLUSS_NONE) {
        reply_error(x, code, msg);
        return;
    }
    Fluss__AlterTableResponse r = FLUSS__ALTER_TABLE_RESPONSE__INIT;
    reply(x, &r.base);
}
