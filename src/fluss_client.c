/*
 * fluss_client.c - Fluss client: I/O thread, connections, metadata cache and
 * the blocking admin calls (see fluss_client.h). The PutKv writer lives in
 * fluss_writer.c; fluss_client_internal.h holds the state both share.
 *
 * References (apache/fluss, fluss-client/src/main/java/org/apache/fluss/client/):
 * metadata/MetadataUpdater.java (bootstrap, refresh on InvalidMetadataException),
 * admin/FlussAdmin.java (the blocking calls), fluss-protocol.md §4.
 *
 * Locking: `lock` guards the submit queue, the call queue, the completion queue,
 * the outstanding counters and the table registry's names. Everything else
 * (connections, buckets, batches, leaders) belongs to the I/O thread alone.
 */
#include "fluss_client.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bytes.h"
#include "fluss_api.pb-c.h"
#include "fluss_conn.h"
#include "fluss_errors.h"
#include "fluss_client_internal.h"
#include "fluss_writer.h"
#include "logging.h"
#include "rpc_frame.h"


/* ------------------------------------------------------------------ types */

#define TARGET_LEADER 100

typedef struct call {
    struct call *next;
    kfb_fluss_client_t *client;
    int target;       /* kfb_fluss_target_t, or TARGET_LEADER */
    int64_t table_id, partition_id;
    int32_t bucket_id;
    int16_t api_key;
    uint8_t *body;
    size_t body_len;
    int64_t deadline;
    int64_t next_try;
    int rr;           /* round-robin position for ANY */
    int in_flight;
    kfb_err_t last_err; /* transport error of the previous attempt, if any */
    /* GetTableInfo registration */
    const char *reg_db, *reg_table;
    /* result */
    int done;
    kfb_err_t err;
    int32_t ferr;
    uint8_t *resp;
    size_t resp_len;
    char msg[512];
    pthread_cond_t cond;
} call_t;

/* ------------------------------------------------------------ conf, nodes */

void kfb_fluss_client_conf_init(kfb_fluss_client_conf_t *conf) {
    memset(conf, 0, sizeof *conf);
    conf->request_timeout_ms = 30000;
    conf->connect_timeout_ms = 10000;
    conf->reconnect_backoff_ms = 100;
    conf->reconnect_backoff_max_ms = 5000;
    conf->retry_backoff_ms = 100;
    conf->metadata_max_age_ms = 300000;
    conf->putkv_timeout_ms = 30000;
    conf->acks = -1;
    conf->max_inflight_per_bucket = 5;
    conf->delivery_timeout_ms = 0;
    conf->max_request_bytes = 10 * 1024 * 1024;
    conf->max_frame = KFB_RPC_DEFAULT_MAX_FRAME;
    conf->queue_max_batches = 10000;
    conf->queue_max_bytes = (size_t)256 * 1024 * 1024;
    conf->backpressure_max_throttle_ms = 3000;
}

static int add_node(kfb_fluss_client_t *c, int role, int32_t id, const char *host, int port) {
    if (c->n_nodes == c->cap_nodes) {
        int nc = c->cap_nodes ? c->cap_nodes * 2 : 8;
        node_t *nn = realloc(c->nodes, (size_t)nc * sizeof *nn);
        if (!nn) return -1;
        c->nodes = nn;
        c->cap_nodes = nc;
    }
    char err[256];
    node_t *n = &c->nodes[c->n_nodes];
    memset(n, 0, sizeof *n);
    n->role = role;
    n->id = id;
    n->host = strdup(host);
    n->port = port;
    n->alive = 1;
    n->conn = n->host ? kfb_fluss_conn_new(host, port, &c->cconf, err, sizeof err) : NULL;
    if (!n->conn) {
        free(n->host);
        return -1;
    }
    return c->n_nodes++;
}

static int find_node(const kfb_fluss_client_t *c, int role, int32_t id) {
    for (int i = 0; i < c->n_nodes; i++)
        if (c->nodes[i].role == role && c->nodes[i].id == id) return i;
    return -1;
}

/* Parses "h1:p1,[v6]:p2" into bootstrap nodes. */
static int parse_bootstrap(kfb_fluss_client_t *c, const char *list, char *errstr, size_t es) {
    char *copy = strdup(list), *save = NULL;
    if (!copy) return -1;
    int n = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ') tok++;
        char *end = tok + strlen(tok);
        while (end > tok && end[-1] == ' ') *--end = '\0';
        if (!*tok) continue;
        char *colon = strrchr(tok, ':');
        char *close_br = strrchr(tok, ']');
        if (!colon || (close_br && colon < close_br) || colon == tok) {
            snprintf(errstr, es, "bootstrap server \"%s\" has no port: write host:port "
                     "(IPv6 as [addr]:port)", tok);
            free(copy);
            return -1;
        }
        *colon = '\0';
        char *pend;
        long port = strtol(colon + 1, &pend, 10);
        if (*pend || port <= 0 || port > 65535) {
            snprintf(errstr, es, "bootstrap server \"%s:%s\" has an invalid port", tok, colon + 1);
            free(copy);
            return -1;
        }
        if (add_node(c, NODE_BOOT, -1 - n, tok, (int)port) < 0) {
            snprintf(errstr, es, "cannot use bootstrap server \"%s:%ld\"", tok, port);
            free(copy);
            return -1;
        }
        n++;
    }
    free(copy);
    if (!n) {
        snprintf(errstr, es, "no bootstrap servers given: set a \"host:port\" list");
        return -1;
    }
    c->n_boot = n;
    return 0;
}

/* ---------------------------------------------------------------- tables */

table_t *kfb_fc_find_table(kfb_fluss_client_t *c, int64_t id) {
    for (int i = 0; i < c->n_tables; i++)
        if (c->tables[i].id == id) return &c->tables[i];
    return NULL;
}

partition_t *kfb_fc_find_partition(table_t *t, int64_t id) {
    for (int i = 0; i < t->n_parts; i++)
        if (t->parts[i].id == id) return &t->parts[i];
    return NULL;
}

static int set_leaders(int32_t **leaders, int *n, Fluss__PbBucketMetadata **bm, size_t nbm) {
    int need = *n;
    for (size_t i = 0; i < nbm; i++)
        if (bm[i]->bucket_id >= need) need = bm[i]->bucket_id + 1;
    if (need > 65536) return -1; /* far above max.bucket.num (4096): ignore */
    if (need > *n) {
        int32_t *nl = realloc(*leaders, (size_t)need * sizeof *nl);
        if (!nl) return -1;
        for (int i = *n; i < need; i++) nl[i] = -1;
        *leaders = nl;
        *n = need;
    }
    for (size_t i = 0; i < nbm; i++) {
        if (bm[i]->bucket_id < 0) continue;
        (*leaders)[bm[i]->bucket_id] = bm[i]->has_leader_id ? bm[i]->leader_id : -1;
    }
    return 0;
}

/* Leader node index of a bucket, or -1. */
int kfb_fc_leader_node(kfb_fluss_client_t *c, int64_t table_id, int64_t partition_id,
                       int32_t bucket_id) {
    table_t *t = kfb_fc_find_table(c, table_id);
    if (!t) return -1;
    int32_t *l;
    int n;
    if (partition_id >= 0) {
        partition_t *p = kfb_fc_find_partition(t, partition_id);
        if (!p) return -1;
        l = p->leaders;
        n = p->n_leaders;
    } else {
        l = t->leaders;
        n = t->n_leaders;
    }
    if (bucket_id < 0 || bucket_id >= n || l[bucket_id] < 0) return -1;
    return find_node(c, NODE_TABLET, l[bucket_id]);
}

static void node_upsert(kfb_fluss_client_t *c, int role, const Fluss__PbServerNode *sn) {
    int i = find_node(c, role, sn->node_id);
    if (i >= 0) {
        node_t *n = &c->nodes[i];
        n->alive = 1;
        if (n->port == sn->port && strcmp(n->host, sn->host) == 0) return;
        /* Moved: the old connection is closed (its requests fail and are
         * retried) but kept until shutdown, since we may be inside its callback. */
        char err[256];
        kfb_fluss_conn_t *nc = kfb_fluss_conn_new(sn->host, sn->port, &c->cconf, err, sizeof err);
        char *nh = strdup(sn->host);
        if (!nc || !nh) {
            kfb_fluss_conn_destroy(nc);
            free(nh);
            return;
        }
        kfb_fluss_conn_close(n->conn, KFB_ERR_RPC_DISCONNECTED, "server moved");
        /* We may be inside a callback of the old connection: retire it and
         * destroy it from the top of the I/O loop. */
        kfb_fluss_conn_t **nr = realloc(c->retired, (size_t)(c->n_retired + 1) * sizeof *nr);
        if (!nr) {
            kfb_fluss_conn_destroy(nc);
            free(nh);
            return;
        }
        c->retired = nr;
        c->retired[c->n_retired++] = n->conn;
        n->conn = nc;
        free(n->host);
        n->host = nh;
        n->port = sn->port;
        return;
    }
    add_node(c, role, sn->node_id, sn->host, sn->port);
}

void kfb_fc_apply_metadata(kfb_fluss_client_t *c, const Fluss__MetadataResponse *md, int64_t now) {
    for (int i = 0; i < c->n_nodes; i++)
        if (c->nodes[i].role == NODE_TABLET) c->nodes[i].alive = 0;
    if (md->coordinator_server) node_upsert(c, NODE_COORD, md->coordinator_server);
    for (size_t i = 0; i < md->n_tablet_servers; i++)
        node_upsert(c, NODE_TABLET, md->tablet_servers[i]);
    /* MetadataUtils: an empty tablet-server list is stale metadata. */
    if (md->n_tablet_servers > 0) c->have_cluster = 1;
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < md->n_table_metadata; i++) {
        const Fluss__PbTableMetadata *tm = md->table_metadata[i];
        table_t *t = kfb_fc_find_table(c, tm->table_id);
        if (!t) continue;
        set_leaders(&t->leaders, &t->n_leaders, tm->bucket_metadata, tm->n_bucket_metadata);
        t->stale = 0;
        t->last_refresh_ms = now;
    }
    for (size_t i = 0; i < md->n_partition_metadata; i++) {
        const Fluss__PbPartitionMetadata *pm = md->partition_metadata[i];
        table_t *t = kfb_fc_find_table(c, pm->table_id);
        if (!t) continue;
        partition_t *p = kfb_fc_find_partition(t, pm->partition_id);
        if (!p) {
            if (t->n_parts == t->cap_parts) {
                int nc = t->cap_parts ? t->cap_parts * 2 : 8;
                partition_t *np = realloc(t->parts, (size_t)nc * sizeof *np);
                if (!np) continue;
                t->parts = np;
                t->cap_parts = nc;
            }
            p = &t->parts[t->n_parts];
            memset(p, 0, sizeof *p);
            p->id = pm->partition_id;
            p->name = strdup(pm->partition_name);
            if (!p->name) continue;
            t->n_parts++;
        }
        set_leaders(&p->leaders, &p->n_leaders, pm->bucket_metadata, pm->n_bucket_metadata);
    }
    pthread_mutex_unlock(&c->lock);
}

/* Reads bucket_count and partition_key from a TableDescriptor JSON (§5.1). */
static void parse_table_json(const uint8_t *json, size_t len, int32_t *bucket_count,
                             int *partitioned) {
    *bucket_count = -1;
    *partitioned = 0;
    json_error_t je;
    json_t *root = json_loadb((const char *)json, len, 0, &je);
    if (!root) return;
    json_t *bc = json_object_get(root, "bucket_count");
    if (json_is_integer(bc)) *bucket_count = (int32_t)json_integer_value(bc);
    json_t *pk = json_object_get(root, "partition_key");
    if (json_is_array(pk) && json_array_size(pk) > 0) *partitioned = 1;
    json_decref(root);
}

static void register_table(kfb_fluss_client_t *c, const char *db, const char *name,
                           const Fluss__GetTableInfoResponse *ti) {
    pthread_mutex_lock(&c->lock);
    table_t *t = kfb_fc_find_table(c, ti->table_id);
    if (!t) {
        if (c->n_tables == c->cap_tables) {
            int nc = c->cap_tables ? c->cap_tables * 2 : 8;
            table_t *nt = realloc(c->tables, (size_t)nc * sizeof *nt);
            if (!nt) goto out;
            c->tables = nt;
            c->cap_tables = nc;
        }
        t = &c->tables[c->n_tables];
        memset(t, 0, sizeof *t);
        t->id = ti->table_id;
        t->db = strdup(db);
        t->name = strdup(name);
        if (!t->db || !t->name) {
            free(t->db);
            free(t->name);
            goto out;
        }
        t->stale = 1;
        c->n_tables++;
    }
    t->schema_id = ti->schema_id;
    t->gone = 0; /* the server just described it */
    parse_table_json(ti->table_json.data, ti->table_json.len, &t->bucket_count, &t->partitioned);
out:
    pthread_mutex_unlock(&c->lock);
}

/* ------------------------------------------------------------- completion */

static void finish_call(kfb_fluss_client_t *c, call_t *k) {
    pthread_mutex_lock(&c->lock);
    k->done = 1;
    pthread_cond_signal(&k->cond);
    pthread_mutex_unlock(&c->lock);
}

static void unlink_call(kfb_fluss_client_t *c, call_t *k) {
    for (call_t **pp = &c->calls; *pp; pp = &(*pp)->next)
        if (*pp == k) {
            *pp = k->next;
            return;
        }
}

/* ----------------------------------------------------------- routing */

/* A node of `role`: READY connections first, then any alive one; rr picks
 * among candidates. -1 if there is none. */
int kfb_fc_ready_or_any(kfb_fluss_client_t *c, int role, int rr) {
    if (rr < 0) rr = -rr;
    for (int pass = 0; pass < 2; pass++) {
        int cnt = 0;
        for (int i = 0; i < c->n_nodes; i++) {
            node_t *n = &c->nodes[i];
            if (n->role != role || !n->alive) continue;
            if (pass == 0 && kfb_fluss_conn_state(n->conn) != KFB_CONN_READY) continue;
            cnt++;
        }
        if (!cnt) continue;
        int want = rr % cnt;
        for (int i = 0; i < c->n_nodes; i++) {
            node_t *n = &c->nodes[i];
            if (n->role != role || !n->alive) continue;
            if (pass == 0 && kfb_fluss_conn_state(n->conn) != KFB_CONN_READY) continue;
            if (want-- == 0) return i;
        }
    }
    return -1;
}

/* Node for a call, or -1 (wait: metadata is being fetched). */
static int route(kfb_fluss_client_t *c, int target, int64_t tid, int64_t pid, int32_t bid, int rr) {
    int i = -1;
    switch (target) {
    case KFB_FLUSS_TARGET_COORDINATOR:
        i = kfb_fc_ready_or_any(c, NODE_COORD, 0);
        if (i < 0) kfb_fc_request_cluster_refresh(c);
        return i;
    case KFB_FLUSS_TARGET_TABLET:
        i = kfb_fc_ready_or_any(c, NODE_TABLET, rr);
        if (i < 0) kfb_fc_request_cluster_refresh(c);
        return i;
    case TARGET_LEADER: {
        i = kfb_fc_leader_node(c, tid, pid, bid);
        if (i < 0) {
            table_t *t = kfb_fc_find_table(c, tid);
            if (t) t->stale = 1;
        }
        return i;
    }
    default:
        i = kfb_fc_ready_or_any(c, NODE_TABLET, rr);
        if (i < 0) i = kfb_fc_ready_or_any(c, NODE_COORD, 0);
        if (i < 0) i = kfb_fc_ready_or_any(c, NODE_BOOT, rr);
        return i;
    }
}

/* --------------------------------------------------------- blocking calls */

static void call_done_cb(kfb_fluss_conn_t *conn, kfb_err_t err, const kfb_rpc_response_t *resp,
                         void *opaque);

static void send_call(kfb_fluss_client_t *c, call_t *k, int64_t now) {
    int ni = route(c, k->target, k->table_id, k->partition_id, k->bucket_id, k->rr);
    if (ni < 0) {
        k->next_try = now + 50;
        kfb_fc_timer_at(c, k->next_try);
        return;
    }
    int timeout = (int)(k->deadline - now);
    if (timeout < 0) timeout = 0;
    kfb_err_t err = kfb_fluss_conn_send_raw(c->nodes[ni].conn, k->api_key, -1, k->body,
                                            k->body_len, timeout, now, call_done_cb, k);
    if (err) {
        k->err = err;
        snprintf(k->msg, sizeof k->msg, "%s", kfb_fluss_conn_last_error(c->nodes[ni].conn));
        unlink_call(c, k);
        finish_call(c, k);
        return;
    }
    k->in_flight = 1;
}

static void call_done_cb(kfb_fluss_conn_t *conn, kfb_err_t err, const kfb_rpc_response_t *resp,
                         void *opaque) {
    call_t *k = opaque;
    kfb_fluss_client_t *c = k->client;
    k->in_flight = 0;
    int64_t now = kfb_fluss_now_ms();
    if (c->shutting_down) err = KFB_ERR_RPC_SHUTDOWN;
    if (err) {
        /* Transport failures are retried until the call's deadline. */
        if ((err == KFB_ERR_RPC_DISCONNECTED || err == KFB_ERR_RPC_SERVER_FAILURE) &&
            now + 100 < k->deadline && !c->shutting_down) {
            k->last_err = err;
            snprintf(k->msg, sizeof k->msg, "%s", kfb_fluss_conn_last_error(conn));
            k->rr++;
            k->next_try = now + 100;
            kfb_fc_timer_at(c, k->next_try);
            if (k->target == TARGET_LEADER) {
                table_t *t = kfb_fc_find_table(c, k->table_id);
                if (t) t->stale = 1;
            }
            return;
        }
        k->err = err;
        snprintf(k->msg, sizeof k->msg, "%s", kfb_fluss_conn_last_error(conn));
        unlink_call(c, k);
        finish_call(c, k);
        return;
    }
    if (resp->type == KFB_RPC_RESP_ERROR) {
        int32_t code = -1;
        char m[384] = "";
        if (kfb_rpc_decode_error(resp->body, resp->body_len, &code, m, sizeof m) != KFB_ERR_OK)
            snprintf(m, sizeof m, "(unparsable ErrorResponse)");
        if (code == KFB_FLUSS_NOT_COORDINATOR_LEADER_EXCEPTION && now + 100 < k->deadline) {
            /* a standby coordinator: find the leader again (§4.1) */
            c->have_cluster = 0;
            kfb_fc_request_cluster_refresh(c);
            k->rr++;
            k->next_try = now + 100;
            kfb_fc_timer_at(c, k->next_try);
            return;
        }
        k->ferr = code;
        k->err = kfb_fluss_err_retriable(code) ? KFB_ERR_FLUSS_RETRIABLE : KFB_ERR_FLUSS_ERROR;
        snprintf(k->msg, sizeof k->msg, "%s (%d)%s%s", kfb_fluss_err_name(code), code,
                 *m ? ": " : "", m);
        unlink_call(c, k);
        finish_call(c, k);
        return;
    }
    k->err = KFB_ERR_OK;
    k->ferr = 0;
    if (k->api_key == KFB_API_GET_METADATA || k->api_key == KFB_API_GET_TABLE_INFO) {
        ProtobufCMessage *m;
        const ProtobufCMessageDescriptor *d = k->api_key == KFB_API_GET_METADATA
                                                  ? &fluss__metadata_response__descriptor
                                                  : &fluss__get_table_info_response__descriptor;
        if (kfb_rpc_unpack(d, resp->body, resp->body_len, &m) == KFB_ERR_OK) {
            if (k->api_key == KFB_API_GET_METADATA)
                kfb_fc_apply_metadata(c, (Fluss__MetadataResponse *)m, now);
            else if (k->reg_db)
                register_table(c, k->reg_db, k->reg_table, (Fluss__GetTableInfoResponse *)m);
            protobuf_c_message_free_unpacked(m, NULL);
        }
    }
    k->resp = malloc(resp->body_len ? resp->body_len : 1);
    if (!k->resp) {
        k->err = KFB_ERR_NOMEM;
    } else {
        if (resp->body_len) memcpy(k->resp, resp->body, resp->body_len);
        k->resp_len = resp->body_len;
    }
    unlink_call(c, k);
    finish_call(c, k);
}

static void process_calls(kfb_fluss_client_t *c, int64_t now) {
    /* take new ones */
    pthread_mutex_lock(&c->lock);
    call_t *in = c->calls_in;
    c->calls_in = NULL;
    pthread_mutex_unlock(&c->lock);
    while (in) {
        call_t *k = in;
        in = in->next;
        k->next = c->calls;
        c->calls = k;
    }
    for (call_t *k = c->calls, *next; k; k = next) {
        next = k->next;
        if (k->in_flight) continue;
        if (now >= k->deadline) {
            /* out of time: the last transport error says more than "timeout" */
            k->err = k->last_err ? k->last_err : KFB_ERR_TIMEOUT;
            if (!k->msg[0])
                snprintf(k->msg, sizeof k->msg, "%s timed out: no suitable Fluss server became "
                         "reachable (%s)", kfb_rpc_api_name(k->api_key),
                         k->target == KFB_FLUSS_TARGET_COORDINATOR ? "coordinator unknown"
                         : k->target == TARGET_LEADER ? "bucket leader unknown"
                                                      : "no server ready");
            unlink_call(c, k);
            finish_call(c, k);
            continue;
        }
        if (now >= k->next_try) send_call(c, k, now);
        else kfb_fc_timer_at(c, k->next_try);
        if (!k->in_flight) kfb_fc_timer_at(c, k->deadline);
    }
}

/* ------------------------------------------------------ metadata refresh */

static void md_done_cb(kfb_fluss_conn_t *conn, kfb_err_t err, const kfb_rpc_response_t *resp,
                       void *opaque);

typedef struct md_req {
    kfb_fluss_client_t *client;
    int cluster;        /* bootstrap / cluster-only refresh */
    int64_t table_ids[16];
    int n;
    int no_parts;       /* table paths only */
    int64_t probe_pid;  /* >= 0: only this partition of the (single) table */
} md_req_t;

static void send_metadata(kfb_fluss_client_t *c, md_req_t *r, int64_t now) {
    Fluss__MetadataRequest req = FLUSS__METADATA_REQUEST__INIT;
    Fluss__PbTablePath paths[16], *pp[16];
    int64_t pids[256];
    size_t npid = 0;
    for (int i = 0; i < r->n; i++) {
        table_t *t = kfb_fc_find_table(c, r->table_ids[i]);
        fluss__pb_table_path__init(&paths[i]);
        paths[i].database_name = t->db;
        paths[i].table_name = t->name;
        pp[i] = &paths[i];
        if (r->probe_pid >= 0) {
            pids[npid++] = r->probe_pid;
            partition_t *p = kfb_fc_find_partition(t, r->probe_pid);
            if (p) p->probing = 1;
            continue;
        }
        for (int j = 0; j < t->n_parts && npid < 256 && !r->no_parts; j++)
            if (!t->parts[j].gone) pids[npid++] = t->parts[j].id;
        t->refreshing = 1;
    }
    req.n_table_path = (size_t)r->n;
    req.table_path = pp;
    req.n_partitions_id = npid;
    req.partitions_id = pids;
    /* Cluster discovery goes to the bootstrap servers in turn (MetadataUpdater
     * initializeCluster); table refreshes to any known server. */
    int ni = -1;
    /* After a failed refresh, every other attempt goes back to the bootstrap
     * servers, in case every known server moved or died (MetadataUpdater re-runs
     * the bootstrap when no server is reachable). */
    if (!r->cluster && c->have_cluster && c->md_failures % 2 == 0) {
        ni = kfb_fc_ready_or_any(c, NODE_TABLET, (int)(c->rng++ % 64));
        if (ni < 0) ni = kfb_fc_ready_or_any(c, NODE_COORD, 0);
    }
    if (ni < 0) ni = kfb_fc_ready_or_any(c, NODE_BOOT, c->boot_rr++);
    kfb_err_t err = ni < 0 ? KFB_ERR_NOT_FOUND
                           : kfb_fluss_conn_send(c->nodes[ni].conn, KFB_API_GET_METADATA, -1,
                                                 &req.base, c->conf.request_timeout_ms, now,
                                                 md_done_cb, r);
    if (err) {
        for (int i = 0; i < r->n; i++) {
            table_t *t = kfb_fc_find_table(c, r->table_ids[i]);
            partition_t *p = r->probe_pid >= 0 ? kfb_fc_find_partition(t, r->probe_pid) : NULL;
            if (p) p->probing = 0;
            else t->refreshing = 0;
        }
        if (r->cluster) c->cluster_refreshing = 0;
        free(r);
    }
}

static void md_done_cb(kfb_fluss_conn_t *conn, kfb_err_t err, const kfb_rpc_response_t *resp,
                       void *opaque) {
    md_req_t *r = opaque;
    kfb_fluss_client_t *c = r->client;
    int64_t now = kfb_fluss_now_ms();
    for (int i = 0; i < r->n; i++) {
        table_t *t = kfb_fc_find_table(c, r->table_ids[i]);
        partition_t *p = t && r->probe_pid >= 0 ? kfb_fc_find_partition(t, r->probe_pid) : NULL;
        if (p) p->probing = 0;
        else if (t) t->refreshing = 0;
    }
    if (r->cluster) {
        c->cluster_refreshing = 0;
        c->cluster_next_try = now + 100;
    }
    if (!err && resp->type == KFB_RPC_RESP_SUCCESS && !c->shutting_down) {
        c->md_failures = 0;
        c->md_warned = 0;
        ProtobufCMessage *m;
        if (kfb_rpc_unpack(&fluss__metadata_response__descriptor, resp->body, resp->body_len,
                           &m) == KFB_ERR_OK) {
            kfb_fc_apply_metadata(c, (Fluss__MetadataResponse *)m, now);
            protobuf_c_message_free_unpacked(m, NULL);
        }
    } else if (!c->shutting_down) {
        if (err) c->md_failures++;
        int32_t code = -1;
        char msg[256] = "";
        if (!err) kfb_rpc_decode_error(resp->body, resp->body_len, &code, msg, sizeof msg);
        if (!err && code == KFB_FLUSS_TABLE_NOT_EXIST && r->n == 1 && r->probe_pid < 0) {
            table_t *t = kfb_fc_find_table(c, r->table_ids[0]);
            if (t && !t->gone) {
                KFB_WARN(FAC, "table %s.%s (id %lld) no longer exists", t->db, t->name,
                         (long long)t->id);
                t->gone = 1;
            }
            free(r);
            return;
        }
        if (!err && code == KFB_FLUSS_PARTITION_NOT_EXISTS) {
            /* One of the listed partitions is gone (§4.3: a missing partition fails
             * the whole request): find out which, one at a time. */
            for (int i = 0; i < r->n; i++) {
                table_t *t = kfb_fc_find_table(c, r->table_ids[i]);
                partition_t *p = t && r->probe_pid >= 0 ? kfb_fc_find_partition(t, r->probe_pid) : NULL;
                if (p) {
                    KFB_WARN(FAC, "partition %s (id %lld) of %s.%s no longer exists",
                             p->name, (long long)p->id, t->db, t->name);
                    p->gone = 1;
                } else if (t) {
                    t->split_refresh = 1;
                }
            }
            free(r);
            return;
        }
        /* Refreshes are retried every 100 ms while metadata is stale: warn on
         * the first failure of a run, then every 50th. */
        c->md_warned++;
        if (c->md_warned % 50 == 1)
            KFB_WARN(FAC, "metadata request to %s:%d failed: %s%s%s (failure %d in a row)",
                     kfb_fluss_conn_host(conn), kfb_fluss_conn_port(conn),
                     err ? kfb_fluss_conn_last_error(conn) : kfb_fluss_err_name(code),
                     !err && *msg ? ": " : "", !err ? msg : "", c->md_warned);
        for (int i = 0; i < r->n; i++) {
            table_t *t = kfb_fc_find_table(c, r->table_ids[i]);
            if (t) t->last_refresh_ms = now; /* rate-limit the next attempt */
        }
    }
    free(r);
}

void kfb_fc_request_cluster_refresh(kfb_fluss_client_t *c) {
    if (c->cluster_refreshing) return;
    int64_t now = kfb_fluss_now_ms();
    if (now < c->cluster_next_try) {
        kfb_fc_timer_at(c, c->cluster_next_try);
        return;
    }
    md_req_t *r = calloc(1, sizeof *r);
    if (!r) return;
    r->client = c;
    r->cluster = 1;
    r->probe_pid = -1;
    c->cluster_refreshing = 1;
    send_metadata(c, r, now);
}

static void maintain_metadata(kfb_fluss_client_t *c, int64_t now) {
    if (!c->have_cluster) {
        kfb_fc_request_cluster_refresh(c);
        return;
    }
    md_req_t *r = NULL;
    for (int i = 0; i < c->n_tables; i++) {
        table_t *t = &c->tables[i];
        if (t->refreshing || t->gone) continue;
        int due = t->stale ? now >= t->last_refresh_ms + 100
                           : now >= t->last_refresh_ms + c->conf.metadata_max_age_ms;
        if (!due) {
            kfb_fc_timer_at(c, t->stale ? t->last_refresh_ms + 100
                                 : t->last_refresh_ms + c->conf.metadata_max_age_ms);
            continue;
        }
        if (t->split_refresh) {
            t->split_refresh = 0;
            md_req_t *one = calloc(1, sizeof *one);
            if (!one) return;
            one->client = c;
            one->table_ids[one->n++] = t->id;
            one->no_parts = 1;
            one->probe_pid = -1;
            for (int j = 0; j < t->n_parts; j++) {
                if (t->parts[j].gone || t->parts[j].probing) continue;
                md_req_t *pr = calloc(1, sizeof *pr);
                if (!pr) break;
                pr->client = c;
                pr->table_ids[pr->n++] = t->id;
                pr->probe_pid = t->parts[j].id;
                send_metadata(c, pr, now);
            }
            send_metadata(c, one, now);
            continue;
        }
        /* One request per table: a missing table or partition fails the whole
         * request (§4.3), which must not hold up the others. */
        if (!(r = calloc(1, sizeof *r))) return;
        r->client = c;
        r->probe_pid = -1;
        r->table_ids[r->n++] = t->id;
        send_metadata(c, r, now);
    }
}

/* ----------------------------------------------------------------- thread */

static void *io_main(void *arg) {
    kfb_fluss_client_t *c = arg;
    struct pollfd *pfds = NULL;
    int *pnode = NULL;
    int cap = 0;
    for (;;) {
        pthread_mutex_lock(&c->lock);
        int stop = c->stop;
        pthread_mutex_unlock(&c->lock);
        if (stop) break;
        while (c->n_retired > 0) kfb_fluss_conn_destroy(c->retired[--c->n_retired]);
        int64_t now = kfb_fluss_now_ms();
        c->next_timer = now + 1000;
        kfb_fluss_writer_take_submissions(c);
        kfb_fluss_writer_drive_resolvers(c, now);
        maintain_metadata(c, now);
        process_calls(c, now);
        kfb_fluss_writer_maybe_init(c, now);
        kfb_fluss_writer_schedule(c, now);

        if (cap < c->n_nodes + 1 || !pfds || !pnode) {
            int nc = c->n_nodes + 8;
            struct pollfd *np = realloc(pfds, (size_t)nc * sizeof *np);
            if (np) pfds = np;
            int *nn = realloc(pnode, (size_t)nc * sizeof *nn);
            if (nn) pnode = nn;
            if (np && nn) cap = nc;
        }
        int n = 0;
        pfds[n].fd = c->wake_pipe[0];
        pfds[n].events = POLLIN;
        pnode[n++] = -1;
        int64_t deadline = c->next_timer;
        for (int i = 0; i < c->n_nodes && n < cap; i++) {
            kfb_fluss_conn_t *cn = c->nodes[i].conn;
            int64_t d = kfb_fluss_conn_next_deadline_ms(cn);
            if (d < deadline) deadline = d;
            if (kfb_fluss_conn_fill_pollfd(cn, &pfds[n])) pnode[n++] = i;
        }
        int timeout = deadline <= now ? 0 : (int)(deadline - now);
        if (timeout > 1000) timeout = 1000;
        int rc = poll(pfds, (nfds_t)n, timeout);
        if (rc < 0 && errno != EINTR) KFB_ERROR(FAC, "poll failed: %s", strerror(errno));
        now = kfb_fluss_now_ms();
        if (rc > 0 && (pfds[0].revents & POLLIN)) {
            char buf[256];
            while (read(c->wake_pipe[0], buf, sizeof buf) > 0) {
            }
        }
        /* Nodes may be added by callbacks below; only the polled ones get events. */
        int polled = n;
        for (int k = 1; k < polled; k++)
            kfb_fluss_conn_handle_events(c->nodes[pnode[k]].conn, rc > 0 ? pfds[k].revents : 0, now);
        for (int i = 0; i < c->n_nodes; i++) kfb_fluss_conn_tick(c->nodes[i].conn, now);
    }
    free(pfds);
    free(pnode);
    return NULL;
}

/* ------------------------------------------------------------ public API */

kfb_fluss_client_t *kfb_fluss_client_new(const kfb_fluss_client_conf_t *conf, char *errstr,
                                         size_t errstr_size) {
    if (!conf || !conf->bootstrap_servers) {
        snprintf(errstr, errstr_size, "fluss client: bootstrap_servers is required");
        return NULL;
    }
    if (conf->max_inflight_per_bucket < 1 || conf->max_inflight_per_bucket > 5) {
        snprintf(errstr, errstr_size, "fluss client: max_inflight_per_bucket must be 1..5 "
                 "(Fluss keeps the last 5 batches per writer for deduplication), got %d",
                 conf->max_inflight_per_bucket);
        return NULL;
    }
    if (conf->acks != -1 && conf->acks != 0 && conf->acks != 1) {
        snprintf(errstr, errstr_size, "fluss client: acks must be -1, 0 or 1, got %d", conf->acks);
        return NULL;
    }
    if (conf->acks != -1) {
        snprintf(errstr, errstr_size, "fluss client: the idempotent writer needs acks = -1 "
                 "(all), got %d", conf->acks);
        return NULL;
    }
    if (conf->request_timeout_ms <= 0 || conf->putkv_timeout_ms <= 0 ||
        conf->queue_max_batches <= 0 || conf->retry_backoff_ms <= 0 ||
        conf->metadata_max_age_ms <= 0) {
        snprintf(errstr, errstr_size, "fluss client: request_timeout_ms, putkv_timeout_ms, "
                 "retry_backoff_ms, metadata_max_age_ms and queue_max_batches must be > 0");
        return NULL;
    }
    if (conf->backpressure_max_throttle_ms < 0) {
        snprintf(errstr, errstr_size, "fluss client: backpressure_max_throttle_ms must be >= 0");
        return NULL;
    }
    if ((conf->sasl_username == NULL) != (conf->sasl_password == NULL)) {
        snprintf(errstr, errstr_size, "fluss client: SASL needs both a username and a password");
        return NULL;
    }
    kfb_fluss_client_t *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(errstr, errstr_size, "fluss client: out of memory");
        return NULL;
    }
    c->conf = *conf;
    c->wake_pipe[0] = c->wake_pipe[1] = -1;
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->done_cond, NULL);
    c->writer_id = c->writer_id_pub = -1;
    c->rng = (uint64_t)kfb_fluss_now_ms();
    c->bootstrap = strdup(conf->bootstrap_servers);
    c->conf.bootstrap_servers = c->bootstrap;
    if (kfb_fluss_ident_adopt(&c->id, &c->conf.client_name, &c->conf.client_version,
                              &c->conf.sasl_username, &c->conf.sasl_password) < 0) {
        snprintf(errstr, errstr_size, "fluss client: out of memory");
        kfb_fluss_client_destroy(c);
        return NULL;
    }
    if (!c->conf.max_request_bytes) c->conf.max_request_bytes = 10 * 1024 * 1024;
    if (!c->conf.queue_max_bytes) c->conf.queue_max_bytes = (size_t)256 * 1024 * 1024;
    kfb_fluss_conn_conf_init(&c->cconf);
    if (c->id.client_name) c->cconf.client_name = c->id.client_name;
    if (c->id.client_version) c->cconf.client_version = c->id.client_version;
    c->cconf.sasl_username = c->id.sasl_user;
    c->cconf.sasl_password = c->id.sasl_pass;
    if (conf->connect_timeout_ms > 0) c->cconf.connect_timeout_ms = conf->connect_timeout_ms;
    if (conf->reconnect_backoff_ms > 0) c->cconf.backoff_ms = conf->reconnect_backoff_ms;
    if (conf->reconnect_backoff_max_ms > 0) c->cconf.backoff_max_ms = conf->reconnect_backoff_max_ms;
    if (conf->max_frame) c->cconf.max_frame = conf->max_frame;
    if (!c->bootstrap || parse_bootstrap(c, c->bootstrap, errstr, errstr_size) < 0) {
        kfb_fluss_client_destroy(c);
        return NULL;
    }
    if (pipe2(c->wake_pipe, O_NONBLOCK | O_CLOEXEC) < 0) {
        snprintf(errstr, errstr_size, "fluss client: pipe: %s", strerror(errno));
        kfb_fluss_client_destroy(c);
        return NULL;
    }
    if (pthread_create(&c->thread, NULL, io_main, c) != 0) {
        snprintf(errstr, errstr_size, "fluss client: cannot start the I/O thread");
        kfb_fluss_client_destroy(c);
        return NULL;
    }
    c->thread_started = 1;
    pthread_setname_np(c->thread, "kfb-fluss-io"); /* top, gdb and the benches see whose it is */
    return c;
}

void kfb_fluss_client_destroy(kfb_fluss_client_t *c) {
    if (!c) return;
    if (c->thread_started) {
        pthread_mutex_lock(&c->lock);
        c->stop = 1;
        pthread_mutex_unlock(&c->lock);
        kfb_fc_wake(c);
        pthread_join(c->thread, NULL);
    }
    /* Connections complete their requests with RPC_SHUTDOWN on this thread. */
    c->shutting_down = 1;
    for (int i = 0; i < c->n_nodes; i++) {
        kfb_fluss_conn_destroy(c->nodes[i].conn);
        free(c->nodes[i].host);
    }
    free(c->nodes);
    while (c->n_retired > 0) kfb_fluss_conn_destroy(c->retired[--c->n_retired]);
    free(c->retired);
    /* Calls still waiting: wake their threads with RPC_SHUTDOWN. */
    pthread_mutex_lock(&c->lock);
    call_t *lists[2] = {c->calls, c->calls_in};
    c->calls = c->calls_in = NULL;
    for (int l = 0; l < 2; l++)
        for (call_t *k = lists[l], *next; k; k = next) {
            next = k->next;
            k->err = KFB_ERR_RPC_SHUTDOWN;
            snprintf(k->msg, sizeof k->msg, "the Fluss client is shutting down");
            k->done = 1;
            pthread_cond_signal(&k->cond);
        }
    pthread_mutex_unlock(&c->lock);
    size_t dropped = kfb_fluss_writer_discard(c);
    kfb_fluss_writer_free_spares(c);
    if (dropped)
        KFB_WARN(FAC, "destroying the Fluss client with %zu undelivered batches (call "
                 "kfb_fluss_client_flush first)", dropped);
    for (int i = 0; i < c->n_tables; i++) {
        table_t *t = &c->tables[i];
        free(t->db);
        free(t->name);
        free(t->leaders);
        for (int j = 0; j < t->n_parts; j++) {
            free(t->parts[j].name);
            free(t->parts[j].leaders);
        }
        free(t->parts);
    }
    free(c->tables);
    if (c->wake_pipe[0] >= 0) close(c->wake_pipe[0]);
    if (c->wake_pipe[1] >= 0) close(c->wake_pipe[1]);
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->done_cond);
    free(c->bootstrap);
    kfb_fluss_ident_free(&c->id);
    free(c);
}

/* Runs one call to completion on the I/O thread and waits for it. */
static kfb_err_t run_call(kfb_fluss_client_t *c, call_t *k, const ProtobufCMessage *req,
                          int timeout_ms) {
    size_t n = protobuf_c_message_get_packed_size(req);
    k->body = malloc(n ? n : 1);
    if (!k->body) return KFB_ERR_NOMEM;
    k->body_len = protobuf_c_message_pack(req, k->body);
    k->deadline = kfb_fluss_now_ms() + (timeout_ms > 0 ? timeout_ms : c->conf.request_timeout_ms);
    k->ferr = 0;
    k->client = c;
    pthread_cond_init(&k->cond, NULL);
    pthread_mutex_lock(&c->lock);
    if (c->stop) {
        pthread_mutex_unlock(&c->lock);
        pthread_cond_destroy(&k->cond);
        free(k->body);
        snprintf(k->msg, sizeof k->msg, "the Fluss client is shutting down");
        return KFB_ERR_RPC_SHUTDOWN;
    }
    k->next = c->calls_in;
    c->calls_in = k;
    pthread_mutex_unlock(&c->lock);
    kfb_fc_wake(c);
    pthread_mutex_lock(&c->lock);
    while (!k->done) pthread_cond_wait(&k->cond, &c->lock);
    pthread_mutex_unlock(&c->lock);
    pthread_cond_destroy(&k->cond);
    free(k->body);
    k->body = NULL;
    return k->err;
}

kfb_err_t kfb_fluss_client_call(kfb_fluss_client_t *c, kfb_fluss_target_t target, int16_t api_key,
                                const ProtobufCMessage *req,
                                const ProtobufCMessageDescriptor *resp_desc, int timeout_ms,
                                ProtobufCMessage **resp, int32_t *fluss_error, char *errstr,
                                size_t errstr_size) {
    call_t k;
    memset(&k, 0, sizeof k);
    k.target = target;
    k.api_key = api_key;
    if (resp) *resp = NULL;
    kfb_err_t err = run_call(c, &k, req, timeout_ms);
    if (fluss_error) *fluss_error = k.ferr;
    if (!err && resp && resp_desc) {
        err = kfb_rpc_unpack(resp_desc, k.resp, k.resp_len, resp);
        if (err) snprintf(k.msg, sizeof k.msg, "the server's %s response could not be parsed",
                          kfb_rpc_api_name(api_key));
    }
    if (err && errstr)
        snprintf(errstr, errstr_size, "%s failed: %s", kfb_rpc_api_name(api_key),
                 k.msg[0] ? k.msg : kfb_err_message(err));
    free(k.resp);
    return err;
}

void kfb_fluss_table_info_free(kfb_fluss_table_info_t *info) {
    if (!info) return;
    free(info->database);
    free(info->table);
    free(info->table_json);
    kfb_table_desc_destroy(info->desc);
    free(info);
}

kfb_err_t kfb_fluss_client_get_table(kfb_fluss_client_t *c, const char *database,
                                     const char *table, int timeout_ms,
                                     kfb_fluss_table_info_t **out, char *errstr,
                                     size_t errstr_size) {
    *out = NULL;
    int64_t end = kfb_fluss_now_ms() + (timeout_ms > 0 ? timeout_ms : c->conf.request_timeout_ms);
    Fluss__PbTablePath tp = FLUSS__PB_TABLE_PATH__INIT;
    tp.database_name = (char *)database;
    tp.table_name = (char *)table;
    Fluss__GetTableInfoRequest req = FLUSS__GET_TABLE_INFO_REQUEST__INIT;
    req.table_path = &tp;
    call_t k;
    memset(&k, 0, sizeof k);
    k.target = KFB_FLUSS_TARGET_ANY;
    k.api_key = KFB_API_GET_TABLE_INFO;
    k.reg_db = database;
    k.reg_table = table;
    kfb_err_t err = run_call(c, &k, &req.base, timeout_ms);
    ProtobufCMessage *m = NULL;
    if (!err) err = kfb_rpc_unpack(&fluss__get_table_info_response__descriptor, k.resp,
                                   k.resp_len, &m);
    free(k.resp);
    if (err) {
        snprintf(errstr, errstr_size, "cannot get Fluss table %s.%s: %s", database, table,
                 k.msg[0] ? k.msg : kfb_err_message(err));
        return err;
    }
    Fluss__GetTableInfoResponse *ti = (Fluss__GetTableInfoResponse *)m;
    kfb_fluss_table_info_t *info = calloc(1, sizeof *info);
    if (!info || !(info->database = strdup(database)) || !(info->table = strdup(table)) ||
        !(info->table_json = malloc(ti->table_json.len + 1))) {
        kfb_fluss_table_info_free(info);
        protobuf_c_message_free_unpacked(m, NULL);
        snprintf(errstr, errstr_size, "out of memory");
        return KFB_ERR_NOMEM;
    }
    memcpy(info->table_json, ti->table_json.data, ti->table_json.len);
    info->table_json[ti->table_json.len] = '\0';
    info->table_json_len = ti->table_json.len;
    info->table_id = ti->table_id;
    info->schema_id = ti->schema_id;
    protobuf_c_message_free_unpacked(m, NULL);
    char derr[384];
    info->desc = kfb_table_desc_parse(info->table_json, info->table_json_len, derr, sizeof derr);
    if (!info->desc) {
        snprintf(errstr, errstr_size, "Fluss table %s.%s has a descriptor this bridge cannot "
                 "read: %s", database, table, derr);
        kfb_fluss_table_info_free(info);
        return KFB_ERR_UNSUPPORTED_FORMAT;
    }
    info->bucket_count = info->desc->bucket_count;
    info->partitioned = info->desc->partition_key_count > 0;

    /* Leaders of a non-partitioned table; partitioned tables get theirs per
     * partition (resolve_partition). */
    if (!info->partitioned) {
        Fluss__PbTablePath *tps[1] = {&tp};
        Fluss__MetadataRequest mr = FLUSS__METADATA_REQUEST__INIT;
        mr.n_table_path = 1;
        mr.table_path = tps;
        int left = (int)(end - kfb_fluss_now_ms());
        err = kfb_fluss_client_call(c, KFB_FLUSS_TARGET_ANY, KFB_API_GET_METADATA, &mr.base, NULL,
                                    left > 0 ? left : 1, NULL, NULL, errstr, errstr_size);
        if (err) {
            char tmp[512];
            snprintf(tmp, sizeof tmp, "%s", errstr);
            snprintf(errstr, errstr_size, "cannot get bucket leaders of Fluss table %s.%s: %s",
                     database, table, tmp);
            kfb_fluss_table_info_free(info);
            return err;
        }
    }
    *out = info;
    return KFB_ERR_OK;
}

/* Copies the registered path of a table (under lock). */
static int table_path_of(kfb_fluss_client_t *c, int64_t table_id, char *db, size_t dbn, char *tb,
                         size_t tbn) {
    int ok = 0;
    pthread_mutex_lock(&c->lock);
    for (int i = 0; i < c->n_tables; i++)
        if (c->tables[i].id == table_id) {
            snprintf(db, dbn, "%s", c->tables[i].db);
            snprintf(tb, tbn, "%s", c->tables[i].name);
            ok = 1;
        }
    pthread_mutex_unlock(&c->lock);
    return ok;
}

kfb_err_t kfb_fluss_client_resolve_partition(kfb_fluss_client_t *c, int64_t table_id,
                                             const char *partition_name, int create,
                                             const char *const *spec_keys,
                                             const char *const *spec_values, size_t n,
                                             int timeout_ms, int64_t *partition_id,
                                             char *errstr, size_t errstr_size) {
    char db[256], tb[256];
    if (!table_path_of(c, table_id, db, sizeof db, tb, sizeof tb)) {
        snprintf(errstr, errstr_size, "table id %lld is not open: call kfb_fluss_client_get_table "
                 "first", (long long)table_id);
        return KFB_ERR_INVALID_ARG;
    }
    int64_t end = kfb_fluss_now_ms() + (timeout_ms > 0 ? timeout_ms : c->conf.request_timeout_ms);
    kfb_fc_partition_reqs_t pr;
    if (kfb_fc_partition_reqs_init(&pr, db, tb, partition_name, spec_keys, spec_values, n) < 0)
        return KFB_ERR_NOMEM;
    kfb_err_t err = KFB_ERR_NOT_FOUND;
    for (int attempt = 0; attempt < 2; attempt++) {
        int left = (int)(end - kfb_fluss_now_ms());
        if (left <= 0) left = 1;
        ProtobufCMessage *m;
        int32_t ferr = 0;
        err = kfb_fluss_client_call(c, KFB_FLUSS_TARGET_ANY, KFB_API_GET_METADATA,
                                    &pr.lookup.base, &fluss__metadata_response__descriptor, left,
                                    &m, &ferr, errstr, errstr_size);
        if (!err) {
            Fluss__MetadataResponse *md = (Fluss__MetadataResponse *)m;
            err = KFB_ERR_NOT_FOUND;
            for (size_t i = 0; i < md->n_partition_metadata; i++)
                if (strcmp(md->partition_metadata[i]->partition_name, partition_name) == 0) {
                    *partition_id = md->partition_metadata[i]->partition_id;
                    err = KFB_ERR_OK;
                }
            protobuf_c_message_free_unpacked(m, NULL);
            if (err)
                snprintf(errstr, errstr_size, "partition \"%s\" of %s.%s missing from the "
                         "metadata response", partition_name, db, tb);
            break;
        }
        if (ferr != KFB_FLUSS_PARTITION_NOT_EXISTS || !create || attempt > 0) break;
        /* DynamicPartitionCreator: create with "ignore if exists", then look again. */
        left = (int)(end - kfb_fluss_now_ms());
        err = kfb_fluss_client_call(c, KFB_FLUSS_TARGET_COORDINATOR, KFB_API_CREATE_PARTITION,
                                    &pr.create.base, NULL, left > 0 ? left : 1, NULL, NULL,
                                    errstr, errstr_size);
        if (err) break;
        err = KFB_ERR_NOT_FOUND;
    }
    kfb_fc_partition_reqs_free(&pr);
    return err;
}

int kfb_fc_partition_reqs_init(kfb_fc_partition_reqs_t *r, const char *db, const char *table,
                               const char *partition_name, const char *const *keys,
                               const char *const *values, size_t n) {
    r->kv = calloc(n ? n : 1, sizeof *r->kv);
    r->kvp = calloc(n ? n : 1, sizeof *r->kvp);
    if (!r->kv || !r->kvp) {
        kfb_fc_partition_reqs_free(r);
        return -1;
    }
    fluss__pb_table_path__init(&r->tp);
    r->tp.database_name = (char *)db;
    r->tp.table_name = (char *)table;
    r->tps[0] = &r->tp;
    fluss__pb_physical_table_path__init(&r->pp);
    r->pp.database_name = (char *)db;
    r->pp.table_name = (char *)table;
    r->pp.partition_name = (char *)partition_name;
    r->pps[0] = &r->pp;
    fluss__metadata_request__init(&r->lookup);
    r->lookup.n_table_path = 1;
    r->lookup.table_path = r->tps;
    r->lookup.n_partitions_path = 1;
    r->lookup.partitions_path = r->pps;
    for (size_t i = 0; i < n; i++) {
        fluss__pb_key_value__init(&r->kv[i]);
        r->kv[i].key = (char *)keys[i];
        r->kv[i].value = (char *)values[i];
        r->kvp[i] = &r->kv[i];
    }
    fluss__pb_partition_spec__init(&r->spec);
    r->spec.n_partition_key_values = n;
    r->spec.partition_key_values = r->kvp;
    fluss__create_partition_request__init(&r->create);
    r->create.table_path = &r->tp;
    r->create.partition_spec = &r->spec;
    r->create.ignore_if_not_exists = 1; /* means "ignore if it exists" (§3.2) */
    return 0;
}

void kfb_fc_partition_reqs_free(kfb_fc_partition_reqs_t *r) {
    free(r->kv);
    free(r->kvp);
    r->kv = NULL;
    r->kvp = NULL;
}

static kfb_err_t exists_call(kfb_fluss_client_t *c, int16_t api, const ProtobufCMessage *req,
                             const ProtobufCMessageDescriptor *d, int timeout_ms, int *exists,
                             char *errstr, size_t es) {
    ProtobufCMessage *m;
    kfb_err_t err = kfb_fluss_client_call(c, KFB_FLUSS_TARGET_ANY, api, req, d, timeout_ms, &m,
                                          NULL, errstr, es);
    if (err) return err;
    /* TableExistsResponse and DatabaseExistsResponse share the layout. */
    *exists = api == KFB_API_TABLE_EXISTS ? ((Fluss__TableExistsResponse *)m)->exists
                                          : ((Fluss__DatabaseExistsResponse *)m)->exists;
    protobuf_c_message_free_unpacked(m, NULL);
    return KFB_ERR_OK;
}

kfb_err_t kfb_fluss_client_database_exists(kfb_fluss_client_t *c, const char *database,
                                           int timeout_ms, int *exists, char *errstr,
                                           size_t errstr_size) {
    Fluss__DatabaseExistsRequest req = FLUSS__DATABASE_EXISTS_REQUEST__INIT;
    req.database_name = (char *)database;
    return exists_call(c, KFB_API_DATABASE_EXISTS, &req.base,
                       &fluss__database_exists_response__descriptor, timeout_ms, exists, errstr,
                       errstr_size);
}

kfb_err_t kfb_fluss_client_table_exists(kfb_fluss_client_t *c, const char *database,
                                        const char *table, int timeout_ms, int *exists,
                                        char *errstr, size_t errstr_size) {
    Fluss__PbTablePath tp = FLUSS__PB_TABLE_PATH__INIT;
    tp.database_name = (char *)database;
    tp.table_name = (char *)table;
    Fluss__TableExistsRequest req = FLUSS__TABLE_EXISTS_REQUEST__INIT;
    req.table_path = &tp;
    return exists_call(c, KFB_API_TABLE_EXISTS, &req.base,
                       &fluss__table_exists_response__descriptor, timeout_ms, exists, errstr,
                       errstr_size);
}

kfb_err_t kfb_fluss_client_create_database(kfb_fluss_client_t *c, const char *database,
                                           int ignore_if_exists, int timeout_ms, char *errstr,
                                           size_t errstr_size) {
    Fluss__CreateDatabaseRequest req = FLUSS__CREATE_DATABASE_REQUEST__INIT;
    req.database_name = (char *)database;
    req.ignore_if_exists = ignore_if_exists != 0;
    return kfb_fluss_client_call(c, KFB_FLUSS_TARGET_COORDINATOR, KFB_API_CREATE_DATABASE,
                                 &req.base, NULL, timeout_ms, NULL, NULL, errstr, errstr_size);
}

kfb_err_t kfb_fluss_client_create_table(kfb_fluss_client_t *c, const char *database,
                                        const char *table, const char *table_json,
                                        int ignore_if_exists, int timeout_ms, char *errstr,
                                        size_t errstr_size) {
    Fluss__PbTablePath tp = FLUSS__PB_TABLE_PATH__INIT;
    tp.database_name = (char *)database;
    tp.table_name = (char *)table;
    Fluss__CreateTableRequest req = FLUSS__CREATE_TABLE_REQUEST__INIT;
    req.table_path = &tp;
    req.table_json.data = (uint8_t *)table_json;
    req.table_json.len = strlen(table_json);
    req.ignore_if_exists = ignore_if_exists != 0;
    return kfb_fluss_client_call(c, KFB_FLUSS_TARGET_COORDINATOR, KFB_API_CREATE_TABLE,
                                 &req.base, NULL, timeout_ms, NULL, NULL, errstr, errstr_size);
}

kfb_err_t kfb_fluss_client_alter_table(kfb_fluss_client_t *c, const char *database,
                                       const char *table, const kfb_fluss_column_add_t *cols,
                                       size_t n, int ignore_if_not_exists, int timeout_ms,
                                       int32_t *fluss_error, char *errstr, size_t errstr_size) {
    if (fluss_error) *fluss_error = 0;
    if (n == 0 || !cols) {
        snprintf(errstr, errstr_size, "alter table %s.%s: no column to add", database, table);
        return KFB_ERR_INVALID_ARG;
    }
    for (size_t i = 0; i < n; i++) {
        if (!cols[i].name || !*cols[i].name || !cols[i].data_type_json || !*cols[i].data_type_json) {
            snprintf(errstr, errstr_size, "alter table %s.%s: column %zu to add needs a name and "
                     "a data type JSON", database, table, i);
            return KFB_ERR_INVALID_ARG;
        }
    }
    Fluss__PbAddColumn *ac = calloc(n, sizeof *ac);
    Fluss__PbAddColumn **pac = calloc(n, sizeof *pac);
    if (!ac || !pac) {
        free(ac);
        free(pac);
        snprintf(errstr, errstr_size, "out of memory");
        return KFB_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        fluss__pb_add_column__init(&ac[i]);
        ac[i].column_name = (char *)cols[i].name;
        ac[i].data_type_json.data = (uint8_t *)cols[i].data_type_json;
        ac[i].data_type_json.len = strlen(cols[i].data_type_json);
        ac[i].comment = (char *)cols[i].comment;
        ac[i].column_position_type = 0; /* LAST: ColumnPositionType, the only one Fluss takes */
        pac[i] = &ac[i];
    }
    Fluss__PbTablePath tp = FLUSS__PB_TABLE_PATH__INIT;
    tp.database_name = (char *)database;
    tp.table_name = (char *)table;
    Fluss__AlterTableRequest req = FLUSS__ALTER_TABLE_REQUEST__INIT;
    req.table_path = &tp;
    req.ignore_if_not_exists = ignore_if_not_exists != 0;
    req.n_add_columns = n;
    req.add_columns = pac;
    char msg[1024];
    kfb_err_t err = kfb_fluss_client_call(c, KFB_FLUSS_TARGET_COORDINATOR, KFB_API_ALTER_TABLE,
                                          &req.base, NULL, timeout_ms, NULL, fluss_error, msg,
                                          sizeof msg);
    free(ac);
    free(pac);
    if (err) snprintf(errstr, errstr_size, "cannot add %zu column%s to Fluss table %s.%s: %s", n,
                      n == 1 ? "" : "s", database, table, msg);
    return err;
}

kfb_err_t kfb_fluss_client_lookup(kfb_fluss_client_t *c, int64_t table_id, int64_t partition_id,
                                  int32_t bucket_id, const uint8_t *const *keys,
                                  const size_t *key_lens, size_t n, int timeout_ms,
                                  uint8_t **values, size_t *value_lens, int32_t *schema_ids,
                                  char *errstr, size_t errstr_size) {
    for (size_t i = 0; i < n; i++) {
        values[i] = NULL;
        value_lens[i] = 0;
        if (schema_ids) schema_ids[i] = -1;
    }
    ProtobufCBinaryData *kb = calloc(n ? n : 1, sizeof *kb);
    if (!kb) return KFB_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        kb[i].data = (uint8_t *)keys[i];
        kb[i].len = key_lens[i];
    }
    Fluss__PbLookupReqForBucket br = FLUSS__PB_LOOKUP_REQ_FOR_BUCKET__INIT;
    if (partition_id >= 0) {
        br.has_partition_id = 1;
        br.partition_id = partition_id;
    }
    br.bucket_id = bucket_id;
    br.n_keys = n;
    br.keys = kb;
    Fluss__PbLookupReqForBucket *brs[1] = {&br};
    Fluss__LookupRequest req = FLUSS__LOOKUP_REQUEST__INIT;
    req.table_id = table_id;
    req.n_buckets_req = 1;
    req.buckets_req = brs;
    call_t k;
    memset(&k, 0, sizeof k);
    k.target = TARGET_LEADER;
    k.table_id = table_id;
    k.partition_id = partition_id;
    k.bucket_id = bucket_id;
    k.api_key = KFB_API_LOOKUP;
    kfb_err_t err = run_call(c, &k, &req.base, timeout_ms);
    free(kb);
    ProtobufCMessage *m = NULL;
    if (!err) err = kfb_rpc_unpack(&fluss__lookup_response__descriptor, k.resp, k.resp_len, &m);
    free(k.resp);
    if (err) {
        snprintf(errstr, errstr_size, "Lookup on table %lld bucket %d failed: %s",
                 (long long)table_id, bucket_id, k.msg[0] ? k.msg : kfb_err_message(err));
        return err;
    }
    Fluss__LookupResponse *lr = (Fluss__LookupResponse *)m;
    err = KFB_ERR_OK;
    if (lr->n_buckets_resp != 1) {
        snprintf(errstr, errstr_size, "Lookup response has %zu bucket entries, expected 1",
                 lr->n_buckets_resp);
        err = KFB_ERR_PROTOCOL;
    } else if (lr->buckets_resp[0]->has_error_code && lr->buckets_resp[0]->error_code != 0) {
        int32_t code = lr->buckets_resp[0]->error_code;
        snprintf(errstr, errstr_size, "Lookup on table %lld bucket %d failed: %s (%d)%s%s",
                 (long long)table_id, bucket_id, kfb_fluss_err_name(code), code,
                 lr->buckets_resp[0]->error_message ? ": " : "",
                 lr->buckets_resp[0]->error_message ? lr->buckets_resp[0]->error_message : "");
        err = kfb_fluss_err_retriable(code) ? KFB_ERR_FLUSS_RETRIABLE : KFB_ERR_FLUSS_ERROR;
    } else if (lr->buckets_resp[0]->n_values != n) {
        snprintf(errstr, errstr_size, "Lookup response has %zu values for %zu keys",
                 lr->buckets_resp[0]->n_values, n);
        err = KFB_ERR_PROTOCOL;
    } else {
        for (size_t i = 0; i < n && !err; i++) {
            const Fluss__PbValue *v = lr->buckets_resp[0]->values[i];
            if (!v->has_values) continue;
            /* §6.6: 2-byte little-endian schema id, then the row */
            if (v->values.len < 2) {
                snprintf(errstr, errstr_size, "Lookup value %zu is %zu bytes, shorter than its "
                         "schema id prefix", i, v->values.len);
                err = KFB_ERR_TRUNCATED;
                break;
            }
            size_t rl = v->values.len - 2;
            values[i] = malloc(rl ? rl : 1);
            if (!values[i]) {
                err = KFB_ERR_NOMEM;
                break;
            }
            memcpy(values[i], v->values.data + 2, rl);
            value_lens[i] = rl;
            if (schema_ids) schema_ids[i] = (int16_t)kfb_get_le16(v->values.data);
        }
        if (err)
            for (size_t i = 0; i < n; i++) {
                free(values[i]);
                values[i] = NULL;
                value_lens[i] = 0;
            }
    }
    protobuf_c_message_free_unpacked(m, NULL);
    return err;
}
