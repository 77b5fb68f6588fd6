/*
 * fluss_conn.c - one non-blocking connection to a Fluss server (see fluss_conn.h).
 *
 * Handshake per connection follows apache/fluss
 * fluss-rpc/src/main/java/org/apache/fluss/rpc/netty/client/ServerConnection.java
 * (ApiVersions first, request ids counted from 0 per connection, Authenticate
 * before anything else when SASL is configured) and ServerApiVersions.java
 * (highest common version). Frames: rpc_frame.h.
 */
#include "fluss_conn.h"

#include <errno.h>
#include <stdarg.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fluss_api.pb-c.h"
#include "fluss_errors.h"
#include "logging.h"

#define FAC "fluss-conn"
#define READ_CHUNK (64 * 1024)

enum { REQ_USER = 0, REQ_API_VERSIONS, REQ_AUTHENTICATE };

typedef struct conn_req {
    int32_t id;
    int16_t api_key;
    int api_version; /* < 0: negotiated */
    int kind;
    int64_t deadline;
    kfb_fluss_conn_cb_t cb;
    void *opaque;
    uint8_t *body; /* packed body, only while queued before READY */
    size_t body_len;
} conn_req_t;

/* An asynchronous name lookup (glibc getaddrinfo_a) owned by the connection. */
typedef struct dns_req {
    struct gaicb cb;
    struct addrinfo hints;
    char host[256];
    char port[16];
} dns_req_t;

typedef struct req_vec {
    conn_req_t *v;
    size_t n, cap;
} req_vec_t;

struct kfb_fluss_conn {
    char *host;
    int port;
    kfb_fluss_conn_conf_t conf;
    kfb_fluss_ident_t id; /* the strings of conf point here */

    kfb_fluss_conn_state_t state;
    int fd;
    struct addrinfo *ai, *ai_next;
    dns_req_t *dns; /* name lookup in progress */
    int64_t connect_deadline;
    int64_t reconnect_at;
    int backoff_cur;
    uint64_t rng;
    uint32_t gen; /* bumped on every close, so loops notice a close from a callback */

    int32_t next_id;
    int16_t versions[32]; /* negotiated version per KFB_RPC_APIS index, -1 = none */
    int server_type;

    kfb_buf_t wbuf;
    size_t wpos;
    int64_t wbuf_big_ms; /* when the write buffer last needed more than WBUF_KEEP */
    kfb_buf_t rbuf;
    size_t rpos;

    req_vec_t queued;   /* waiting for READY */
    req_vec_t inflight; /* written (or about to be), awaiting a response */

    char last_error[512];
};

int64_t kfb_fluss_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void kfb_fluss_conn_conf_init(kfb_fluss_conn_conf_t *conf) {
    memset(conf, 0, sizeof *conf);
    conf->client_name = "fluss";
    conf->client_version = "0.1.0";
    conf->connect_timeout_ms = 10000;
    conf->backoff_ms = 100;
    conf->backoff_max_ms = 5000;
    conf->max_frame = KFB_RPC_DEFAULT_MAX_FRAME;
}

static kfb_err_t vec_push(req_vec_t *q, const conn_req_t *r) {
    if (q->n == q->cap) {
        size_t nc = q->cap ? q->cap * 2 : 16;
        conn_req_t *nv = realloc(q->v, nc * sizeof *nv);
        if (!nv) return KFB_ERR_NOMEM;
        q->v = nv;
        q->cap = nc;
    }
    q->v[q->n++] = *r;
    return KFB_ERR_OK;
}

static void vec_remove(req_vec_t *q, size_t i) {
    memmove(&q->v[i], &q->v[i + 1], (q->n - i - 1) * sizeof q->v[0]);
    q->n--;
}


kfb_fluss_conn_t *kfb_fluss_conn_new(const char *host, int port,
                                     const kfb_fluss_conn_conf_t *conf, char *errstr,
                                     size_t errstr_size) {
    if (!host || !*host || port <= 0 || port > 65535) {
        snprintf(errstr, errstr_size, "invalid Fluss server address \"%s:%d\": need a host "
                 "name or IP and a port in 1..65535", host ? host : "", port);
        return NULL;
    }
    if (kfb_rpc_api_count > 32) {
        snprintf(errstr, errstr_size, "internal: API table larger than the connection's");
        return NULL;
    }
    kfb_fluss_conn_t *c = calloc(1, sizeof *c);
    if (!c) goto nomem;
    kfb_fluss_conn_conf_t def;
    kfb_fluss_conn_conf_init(&def);
    c->conf = conf ? *conf : def;
    if (c->conf.connect_timeout_ms <= 0) c->conf.connect_timeout_ms = def.connect_timeout_ms;
    if (c->conf.backoff_ms <= 0) c->conf.backoff_ms = def.backoff_ms;
    if (c->conf.backoff_max_ms < c->conf.backoff_ms) c->conf.backoff_max_ms = c->conf.backoff_ms;
    if (!c->conf.max_frame) c->conf.max_frame = KFB_RPC_DEFAULT_MAX_FRAME;
    c->host = strdup(host);
    if (!c->conf.client_name) c->conf.client_name = def.client_name;
    if (!c->conf.client_version) c->conf.client_version = def.client_version;
    if (!c->host || kfb_fluss_ident_adopt(&c->id, &c->conf.client_name, &c->conf.client_version,
                                          &c->conf.sasl_username, &c->conf.sasl_password) < 0)
        goto nomem;
    c->port = port;
    c->fd = -1;
    c->server_type = -1;
    c->rng = (uint64_t)(uintptr_t)c ^ ((uint64_t)kfb_fluss_now_ms() << 20) ^ 0x9E3779B97F4A7C15ULL;
    for (int i = 0; i < 32; i++) c->versions[i] = -1;
    return c;
nomem:
    snprintf(errstr, errstr_size, "out of memory creating a connection to %s:%d", host, port);
    kfb_fluss_conn_destroy(c);
    return NULL;
}

static void set_error(kfb_fluss_conn_t *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void set_error(kfb_fluss_conn_t *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->last_error, sizeof c->last_error, fmt, ap);
    va_end(ap);
}

/* Completes every request of a vector with `err`. The vector is detached first,
 * so callbacks may queue new requests. */
static void fail_vec(kfb_fluss_conn_t *c, req_vec_t *q, kfb_err_t err) {
    req_vec_t taken = *q;
    memset(q, 0, sizeof *q);
    for (size_t i = 0; i < taken.n; i++) {
        conn_req_t *r = &taken.v[i];
        free(r->body);
        if (r->cb) r->cb(c, err, NULL, r->opaque);
    }
    free(taken.v);
}

static int64_t next_backoff(kfb_fluss_conn_t *c) {
    c->backoff_cur = c->backoff_cur ? c->backoff_cur * 2 : c->conf.backoff_ms;
    if (c->backoff_cur > c->conf.backoff_max_ms) c->backoff_cur = c->conf.backoff_max_ms;
    /* +-20% jitter so that many clients do not reconnect in lock step */
    c->rng ^= c->rng << 13;
    c->rng ^= c->rng >> 7;
    c->rng ^= c->rng << 17;
    double j = 0.8 + 0.4 * (double)(c->rng % 1000001) / 1000000.0;
    return (int64_t)(c->backoff_cur * j);
}

/* Gives up a lookup in progress. A lookup glibc cannot cancel any more is
 * waited for: its result lands in memory we are about to free. */
static void dns_abandon(kfb_fluss_conn_t *c) {
    dns_req_t *d = c->dns;
    if (!d) return;
    c->dns = NULL;
    if (gai_cancel(&d->cb) == EAI_NOTCANCELED) {
        const struct gaicb *l[1] = {&d->cb};
        while (gai_error(&d->cb) == EAI_INPROGRESS) gai_suspend(l, 1, NULL);
    }
    if (gai_error(&d->cb) == 0 && d->cb.ar_result) freeaddrinfo(d->cb.ar_result);
    free(d);
}

static void close_socket(kfb_fluss_conn_t *c) {
    dns_abandon(c);
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
    if (c->ai) freeaddrinfo(c->ai);
    c->ai = c->ai_next = NULL;
    c->wbuf.len = 0;
    c->wpos = 0;
    c->rbuf.len = 0;
    c->rpos = 0;
    c->gen++;
}

void kfb_fluss_conn_close(kfb_fluss_conn_t *c, kfb_err_t why, const char *reason) {
    if (c->state == KFB_CONN_DOWN && c->fd < 0) return;
    if (reason) set_error(c, "%s", reason);
    KFB_DEBUG(FAC, "closing connection to %s:%d: %s", c->host, c->port, c->last_error);
    close_socket(c);
    c->state = KFB_CONN_DOWN;
    c->server_type = -1;
    for (int i = 0; i < 32; i++) c->versions[i] = -1;
    c->reconnect_at = kfb_fluss_now_ms() + next_backoff(c);
    fail_vec(c, &c->inflight, why);
    fail_vec(c, &c->queued, why);
}

void kfb_fluss_conn_destroy(kfb_fluss_conn_t *c) {
    if (!c) return;
    set_error(c, "connection to %s:%d destroyed", c->host ? c->host : "?", c->port);
    close_socket(c);
    c->state = KFB_CONN_DOWN;
    fail_vec(c, &c->inflight, KFB_ERR_RPC_SHUTDOWN);
    fail_vec(c, &c->queued, KFB_ERR_RPC_SHUTDOWN);
    kfb_buf_free(&c->wbuf);
    kfb_buf_free(&c->rbuf);
    free(c->host);
    kfb_fluss_ident_free(&c->id);
    free(c);
}

int kfb_fluss_ident_adopt(kfb_fluss_ident_t *id, const char **name, const char **version,
                          const char **user, const char **pass) {
    char **dst[4] = {&id->client_name, &id->client_version, &id->sasl_user, &id->sasl_pass};
    const char **src[4] = {name, version, user, pass};
    int rc = 0;
    for (int i = 0; i < 4; i++) {
        *dst[i] = *src[i] ? strdup(*src[i]) : NULL;
        if (*src[i] && !*dst[i]) rc = -1;
        *src[i] = *dst[i];
    }
    return rc;
}

void kfb_fluss_ident_free(kfb_fluss_ident_t *id) {
    if (id->sasl_pass) memset(id->sasl_pass, 0, strlen(id->sasl_pass));
    free(id->client_name);
    free(id->client_version);
    free(id->sasl_user);
    free(id->sasl_pass);
    memset(id, 0, sizeof *id);
}

/* Writes one frame for `r` into the output buffer and moves it in flight. The
 * body is either a message to pack or raw packed bytes. r->body (an owned copy)
 * is freed by the caller. */
static kfb_err_t write_request(kfb_fluss_conn_t *c, conn_req_t *r, const ProtobufCMessage *body,
                               const uint8_t *raw, size_t raw_len, int version) {
    size_t old_len = c->wbuf.len;
    int32_t id = c->next_id;
    kfb_err_t err;
    if (body)
        err = kfb_rpc_encode_request(&c->wbuf, r->api_key, (int16_t)version, id, body,
                                     KFB_RPC_DEFAULT_MAX_FRAME);
    else
        err = kfb_rpc_encode_request_raw(&c->wbuf, r->api_key, (int16_t)version, id, raw,
                                         raw_len, KFB_RPC_DEFAULT_MAX_FRAME);
    if (err) return err;
    conn_req_t copy = *r;
    copy.id = id;
    copy.body = NULL;
    copy.body_len = 0;
    err = vec_push(&c->inflight, &copy);
    if (err) {
        /* Cannot track it: take the frame back out (it is the tail). */
        c->wbuf.len = old_len;
        return err;
    }
    c->next_id = c->next_id == INT32_MAX ? 0 : c->next_id + 1;
    return KFB_ERR_OK;
}

static int resolve_version(const kfb_fluss_conn_t *c, int16_t api_key, int requested) {
    int idx = kfb_rpc_api_index(api_key);
    if (idx < 0) return requested; /* not ours: the caller knows what it sends */
    int v = c->versions[idx];
    if (v < 0) return -1;
    if (requested >= 0) return requested <= v ? requested : -1;
    return v;
}

static void send_internal(kfb_fluss_conn_t *c, int kind, int64_t now) {
    conn_req_t r = {0};
    r.kind = kind;
    r.deadline = c->connect_deadline;
    (void)now;
    kfb_err_t err;
    if (kind == REQ_API_VERSIONS) {
        Fluss__ApiVersionsRequest req = FLUSS__API_VERSIONS_REQUEST__INIT;
        req.client_software_name = c->id.client_name;
        req.client_software_version = c->id.client_version;
        r.api_key = KFB_API_API_VERSIONS;
        err = write_request(c, &r, &req.base, NULL, 0, 0);
    } else {
        /* SASL/PLAIN (RFC 4616): authzid (empty) NUL user NUL password. */
        size_t ul = strlen(c->id.sasl_user), pl = c->id.sasl_pass ? strlen(c->id.sasl_pass) : 0;
        uint8_t *tok = malloc(ul + pl + 2);
        if (!tok) {
            err = KFB_ERR_NOMEM;
        } else {
            tok[0] = 0;
            memcpy(tok + 1, c->id.sasl_user, ul);
            tok[1 + ul] = 0;
            if (pl) memcpy(tok + 2 + ul, c->id.sasl_pass, pl);
            Fluss__AuthenticateRequest req = FLUSS__AUTHENTICATE_REQUEST__INIT;
            req.protocol = "PLAIN";
            req.token.data = tok;
            req.token.len = ul + pl + 2;
            r.api_key = KFB_API_AUTHENTICATE;
            err = write_request(c, &r, &req.base, NULL, 0, 0);
            memset(tok, 0, ul + pl + 2);
            free(tok);
        }
    }
    if (err) {
        set_error(c, "cannot encode the %s handshake request to %s:%d: %s",
                  kind == REQ_API_VERSIONS ? "ApiVersions" : "Authenticate", c->host, c->port,
                  kfb_err_message(err));
        kfb_fluss_conn_close(c, err, NULL);
    }
}

static void connect_failed(kfb_fluss_conn_t *c) {
    kfb_fluss_conn_close(c, KFB_ERR_RPC_DISCONNECTED, NULL);
}

static void on_connected(kfb_fluss_conn_t *c, int64_t now) {
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (c->ai) freeaddrinfo(c->ai);
    c->ai = c->ai_next = NULL;
    c->state = KFB_CONN_HANDSHAKE;
    c->next_id = 0;
    send_internal(c, REQ_API_VERSIONS, now);
}

/* Tries the remaining resolved addresses until one connects or is in progress. */
static void try_addresses(kfb_fluss_conn_t *c, int64_t now) {
    char why[256] = "no address";
    while (c->ai_next) {
        struct addrinfo *a = c->ai_next;
        c->ai_next = a->ai_next;
        int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                        a->ai_protocol);
        if (fd < 0) {
            snprintf(why, sizeof why, "socket: %s", strerror(errno));
            continue;
        }
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
            c->fd = fd;
            on_connected(c, now);
            return;
        }
        if (errno == EINPROGRESS) {
            c->fd = fd;
            c->state = KFB_CONN_CONNECTING;
            return;
        }
        snprintf(why, sizeof why, "%s", strerror(errno));
        close(fd);
    }
    set_error(c, "cannot connect to Fluss server %s:%d: %s", c->host, c->port, why);
    connect_failed(c);
}

static void dns_failed(kfb_fluss_conn_t *c, const char *host, int rc) {
    set_error(c, "cannot resolve Fluss server host \"%s\": %s", host,
              rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
    connect_failed(c);
}

static void start_connect(kfb_fluss_conn_t *c, int64_t now) {
    struct addrinfo hints = {0};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    char port[16];
    snprintf(port, sizeof port, "%d", c->port);
    /* IPv6 literals may come bracketed from "[::1]:9123". */
    char host[256];
    size_t hl = strlen(c->host);
    if (hl >= 2 && c->host[0] == '[' && c->host[hl - 1] == ']' && hl - 2 < sizeof host) {
        memcpy(host, c->host + 1, hl - 2);
        host[hl - 2] = '\0';
    } else {
        snprintf(host, sizeof host, "%s", c->host);
    }
    c->connect_deadline = now + c->conf.connect_timeout_ms;
    c->state = KFB_CONN_CONNECTING;
    unsigned char addr[sizeof(struct in6_addr)];
    if (inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1) {
        /* an address literal never touches DNS */
        hints.ai_flags = AI_NUMERICHOST;
        int rc = getaddrinfo(host, port, &hints, &c->ai);
        if (rc != 0) {
            c->ai = NULL;
            dns_failed(c, host, rc);
            return;
        }
        c->ai_next = c->ai;
        try_addresses(c, now);
        return;
    }
    /* A name: resolve it without blocking the poll loop (glibc getaddrinfo_a);
     * kfb_fluss_conn_tick picks up the result. */
    dns_req_t *d = calloc(1, sizeof *d);
    if (!d) {
        set_error(c, "out of memory resolving \"%s\"", host);
        connect_failed(c);
        return;
    }
    snprintf(d->host, sizeof d->host, "%s", host);
    snprintf(d->port, sizeof d->port, "%s", port);
    d->hints = hints;
    d->cb.ar_name = d->host;
    d->cb.ar_service = d->port;
    d->cb.ar_request = &d->hints;
    struct gaicb *list[1] = {&d->cb};
    int rc = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL);
    if (rc != 0) {
        free(d);
        dns_failed(c, host, rc);
        return;
    }
    c->dns = d;
}

/* Finishes a name lookup that completed. */
static void dns_poll(kfb_fluss_conn_t *c, int64_t now) {
    dns_req_t *d = c->dns;
    int rc = gai_error(&d->cb);
    if (rc == EAI_INPROGRESS) return;
    c->dns = NULL;
    if (rc != 0) {
        char host[256];
        snprintf(host, sizeof host, "%s", d->host);
        free(d);
        dns_failed(c, host, rc);
        return;
    }
    c->ai = d->cb.ar_result;
    free(d);
    c->ai_next = c->ai;
    try_addresses(c, now);
}

static void maybe_connect(kfb_fluss_conn_t *c, int64_t now) {
    if (c->state == KFB_CONN_DOWN && c->queued.n > 0 && now >= c->reconnect_at)
        start_connect(c, now);
}

static void become_ready(kfb_fluss_conn_t *c) {
    c->state = KFB_CONN_READY;
    c->backoff_cur = 0;
    KFB_DEBUG(FAC, "connection to %s:%d ready (server type %d)", c->host, c->port, c->server_type);
    req_vec_t taken = c->queued;
    memset(&c->queued, 0, sizeof c->queued);
    req_vec_t failed = {0};
    for (size_t i = 0; i < taken.n; i++) {
        conn_req_t *r = &taken.v[i];
        int v = resolve_version(c, r->api_key, r->api_version);
        kfb_err_t err =
            v < 0 ? KFB_ERR_RPC_API_UNSUPPORTED : write_request(c, r, NULL, r->body, r->body_len, v);
        free(r->body);
        r->body = NULL;
        if (err) {
            if (err == KFB_ERR_RPC_API_UNSUPPORTED)
                set_error(c, "Fluss server %s:%d does not support API %s (%d) version %d",
                          c->host, c->port, kfb_rpc_api_name(r->api_key), r->api_key,
                          r->api_version);
            r->kind = (int)err; /* remember the error for the callback below */
            if (vec_push(&failed, r) != KFB_ERR_OK && r->cb) r->cb(c, err, NULL, r->opaque);
        }
    }
    free(taken.v);
    for (size_t i = 0; i < failed.n; i++)
        if (failed.v[i].cb) failed.v[i].cb(c, (kfb_err_t)failed.v[i].kind, NULL, failed.v[i].opaque);
    free(failed.v);
}

static void handle_api_versions(kfb_fluss_conn_t *c, const kfb_rpc_response_t *resp, int64_t now) {
    if (resp->type != KFB_RPC_RESP_SUCCESS) {
        int32_t code = -1;
        char msg[256] = "";
        kfb_rpc_decode_error(resp->body, resp->body_len, &code, msg, sizeof msg);
        set_error(c, "Fluss server %s:%d rejected ApiVersions: %s (%d) %s", c->host, c->port,
                  kfb_fluss_err_name(code), code, msg);
        kfb_fluss_conn_close(c, KFB_ERR_RPC_DISCONNECTED, NULL);
        return;
    }
    ProtobufCMessage *m;
    if (kfb_rpc_unpack(&fluss__api_versions_response__descriptor, resp->body, resp->body_len,
                       &m) != KFB_ERR_OK) {
        set_error(c, "Fluss server %s:%d sent an unparsable ApiVersionsResponse", c->host, c->port);
        kfb_fluss_conn_close(c, KFB_ERR_RPC_BAD_BODY, NULL);
        return;
    }
    Fluss__ApiVersionsResponse *av = (Fluss__ApiVersionsResponse *)m;
    for (int i = 0; i < 32; i++) c->versions[i] = -1;
    for (size_t i = 0; i < av->n_api_versions; i++) {
        const Fluss__PbApiVersion *v = av->api_versions[i];
        int16_t cmin, cmax;
        int idx = kfb_rpc_api_index(v->api_key);
        if (idx < 0 || !kfb_rpc_api_client_versions(v->api_key, &cmin, &cmax)) continue;
        /* ServerApiVersions.availableMaxVersion: min of the maxima if it is not
         * below the max of the minima. */
        int hi = cmax < v->max_version ? cmax : v->max_version;
        int lo = cmin > v->min_version ? cmin : v->min_version;
        c->versions[idx] = (int16_t)(lo <= hi ? hi : -1);
    }
    c->server_type = av->has_server_type ? av->server_type : -1;
    protobuf_c_message_free_unpacked(m, NULL);
    if (c->id.sasl_user) {
        if (c->versions[kfb_rpc_api_index(KFB_API_AUTHENTICATE)] < 0) {
            set_error(c, "SASL is configured but Fluss server %s:%d does not offer the "
                      "Authenticate API", c->host, c->port);
            kfb_fluss_conn_close(c, KFB_ERR_RPC_AUTH_FAILED, NULL);
            return;
        }
        c->state = KFB_CONN_AUTH;
        send_internal(c, REQ_AUTHENTICATE, now);
        return;
    }
    become_ready(c);
}

static void handle_authenticate(kfb_fluss_conn_t *c, const kfb_rpc_response_t *resp) {
    if (resp->type != KFB_RPC_RESP_SUCCESS) {
        int32_t code = -1;
        char msg[256] = "";
        kfb_rpc_decode_error(resp->body, resp->body_len, &code, msg, sizeof msg);
        set_error(c, "SASL/PLAIN authentication as \"%s\" to %s:%d failed: %s (%d) %s",
                  c->id.sasl_user, c->host, c->port, kfb_fluss_err_name(code), code, msg);
        /* 51 is worth another handshake after the back-off; 46 is not, but the
         * caller decides whether to try again. */
        kfb_fluss_conn_close(c, code == KFB_FLUSS_RETRIABLE_AUTHENTICATE_EXCEPTION
                                    ? KFB_ERR_RPC_DISCONNECTED
                                    : KFB_ERR_RPC_AUTH_FAILED,
                             NULL);
        return;
    }
    /* PLAIN completes in one round; the server's challenge is empty (§13). */
    become_ready(c);
}

static void handle_frame(kfb_fluss_conn_t *c, const uint8_t *payload, size_t len, int64_t now) {
    kfb_rpc_response_t resp;
    kfb_err_t err = kfb_rpc_decode_response_header(payload, len, &resp);
    if (err) {
        set_error(c, "malformed response frame from %s:%d: %s", c->host, c->port,
                  kfb_err_message(err));
        kfb_fluss_conn_close(c, err, NULL);
        return;
    }
    if (resp.type == KFB_RPC_RESP_SERVER_FAILURE) {
        int32_t code = -1;
        char msg[384] = "";
        if (kfb_rpc_decode_error(resp.body, resp.body_len, &code, msg, sizeof msg) != KFB_ERR_OK)
            snprintf(msg, sizeof msg, "(unparsable error body)");
        set_error(c, "Fluss server %s:%d reported a server failure: %s (%d): %s", c->host,
                  c->port, kfb_fluss_err_name(code), code, msg);
        kfb_fluss_conn_close(c, KFB_ERR_RPC_SERVER_FAILURE, NULL);
        return;
    }
    for (size_t i = 0; i < c->inflight.n; i++) {
        if (c->inflight.v[i].id != resp.request_id) continue;
        conn_req_t r = c->inflight.v[i];
        vec_remove(&c->inflight, i);
        if (r.kind == REQ_API_VERSIONS)
            handle_api_versions(c, &resp, now);
        else if (r.kind == REQ_AUTHENTICATE)
            handle_authenticate(c, &resp);
        else if (r.cb)
            r.cb(c, KFB_ERR_OK, &resp, r.opaque);
        return;
    }
    /* A response after its request timed out. */
    KFB_DEBUG(FAC, "%s:%d: response for unknown request id %d dropped", c->host, c->port,
              resp.request_id);
}

static void do_read(kfb_fluss_conn_t *c, int64_t now) {
    uint32_t gen = c->gen;
    for (;;) {
        if (kfb_buf_reserve(&c->rbuf, READ_CHUNK) != KFB_ERR_OK) {
            set_error(c, "out of memory reading from %s:%d", c->host, c->port);
            kfb_fluss_conn_close(c, KFB_ERR_NOMEM, NULL);
            return;
        }
        ssize_t n = recv(c->fd, c->rbuf.data + c->rbuf.len, c->rbuf.cap - c->rbuf.len, 0);
        if (n == 0) {
            set_error(c, "Fluss server %s:%d closed the connection", c->host, c->port);
            kfb_fluss_conn_close(c, KFB_ERR_RPC_DISCONNECTED, NULL);
            return;
        }
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            set_error(c, "read from Fluss server %s:%d failed: %s", c->host, c->port,
                      strerror(errno));
            kfb_fluss_conn_close(c, KFB_ERR_RPC_DISCONNECTED, NULL);
            return;
        }
        c->rbuf.len += (size_t)n;
        /* Split off every complete frame. */
        for (;;) {
            size_t avail = c->rbuf.len - c->rpos, total;
            kfb_err_t err =
                kfb_rpc_frame_peek(c->rbuf.data + c->rpos, avail, c->conf.max_frame, &total);
            if (err) {
                set_error(c, "bad frame from Fluss server %s:%d: %s (limit %zu bytes)", c->host,
                          c->port, kfb_err_message(err), c->conf.max_frame);
                kfb_fluss_conn_close(c, err, NULL);
                return;
            }
            if (total == 0 || total > avail) {
                /* Make room for the whole frame in one piece. */
                if (total > c->rbuf.cap - c->rpos &&
                    kfb_buf_reserve(&c->rbuf, total - avail) != KFB_ERR_OK) {
                    set_error(c, "out of memory for a %zu-byte frame", total);
                    kfb_fluss_conn_close(c, KFB_ERR_NOMEM, NULL);
                    return;
                }
                break;
            }
            size_t at = c->rpos;
            c->rpos += total;
            handle_frame(c, c->rbuf.data + at + KFB_RPC_LEN_PREFIX, total - KFB_RPC_LEN_PREFIX,
                         now);
            if (c->gen != gen) return; /* closed during the callback */
        }
        if (c->rpos == c->rbuf.len) {
            c->rbuf.len = c->rpos = 0;
        } else if (c->rpos > 0) {
            memmove(c->rbuf.data, c->rbuf.data + c->rpos, c->rbuf.len - c->rpos);
            c->rbuf.len -= c->rpos;
            c->rpos = 0;
        }
    }
}

/* The write buffer keeps what it grew to while large writes keep coming (freeing it after
 * each one made every PutKv request allocate again), and gives it back once none needed it
 * for WBUF_IDLE_MS (kfb_fluss_conn_tick). */
#define WBUF_KEEP ((size_t)1 << 20)
#define WBUF_IDLE_MS 5000

static void do_write(kfb_fluss_conn_t *c) {
    while (c->wpos < c->wbuf.len) {
        ssize_t n = send(c->fd, c->wbuf.data + c->wpos, c->wbuf.len - c->wpos, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return;
            set_error(c, "write to Fluss server %s:%d failed: %s", c->host, c->port,
                      strerror(errno));
            kfb_fluss_conn_close(c, KFB_ERR_RPC_DISCONNECTED, NULL);
            return;
        }
        c->wpos += (size_t)n;
    }
    if (c->wbuf.len > WBUF_KEEP) c->wbuf_big_ms = kfb_fluss_now_ms();
    c->wbuf.len = c->wpos = 0;
}

size_t kfb_fluss_conn_unsent_bytes(const kfb_fluss_conn_t *c) { return c->wbuf.len - c->wpos; }

static kfb_err_t conn_send(kfb_fluss_conn_t *c, int16_t api_key, int api_version,
                           const ProtobufCMessage *body, const uint8_t *raw, size_t raw_len,
                           int timeout_ms, int64_t now_ms, kfb_fluss_conn_cb_t cb, void *opaque) {
    /* a request is a protobuf message or raw body bytes (raw may be empty, never missing) */
    if (!c || timeout_ms < 0 || (!body && raw_len && !raw)) return KFB_ERR_INVALID_ARG;
    conn_req_t r = {0};
    r.api_key = api_key;
    r.api_version = api_version;
    r.kind = REQ_USER;
    r.deadline = now_ms + timeout_ms;
    r.cb = cb;
    r.opaque = opaque;
    if (c->state == KFB_CONN_READY) {
        int v = resolve_version(c, api_key, api_version);
        if (v < 0) {
            set_error(c, "Fluss server %s:%d does not support API %s (%d) version %d", c->host,
                      c->port, kfb_rpc_api_name(api_key), api_key, api_version);
            return KFB_ERR_RPC_API_UNSUPPORTED;
        }
        return write_request(c, &r, body, raw, raw_len, v);
    }
    /* Not ready: keep a packed copy of the body until the handshake is done. */
    size_t n = body ? protobuf_c_message_get_packed_size(body) : raw_len;
    if (n > KFB_RPC_DEFAULT_MAX_FRAME) return KFB_ERR_RPC_FRAME_TOO_LARGE;
    if (n) {
        r.body = malloc(n);
        if (!r.body) return KFB_ERR_NOMEM;
        if (body)
            r.body_len = protobuf_c_message_pack(body, r.body);
        else if (raw) /* checked above; spelled out for the optimizer's nonnull analysis */
            memcpy(r.body, raw, r.body_len = n);
    }
    if (vec_push(&c->queued, &r) != KFB_ERR_OK) {
        free(r.body);
        return KFB_ERR_NOMEM;
    }
    maybe_connect(c, now_ms);
    return KFB_ERR_OK;
}

kfb_err_t kfb_fluss_conn_send(kfb_fluss_conn_t *c, int16_t api_key, int api_version,
                              const ProtobufCMessage *body, int timeout_ms, int64_t now_ms,
                              kfb_fluss_conn_cb_t cb, void *opaque) {
    return conn_send(c, api_key, api_version, body, NULL, 0, timeout_ms, now_ms, cb, opaque);
}

kfb_err_t kfb_fluss_conn_send_raw(kfb_fluss_conn_t *c, int16_t api_key, int api_version,
                                  const uint8_t *body, size_t body_len, int timeout_ms,
                                  int64_t now_ms, kfb_fluss_conn_cb_t cb, void *opaque) {
    return conn_send(c, api_key, api_version, NULL, body, body_len, timeout_ms, now_ms, cb,
                     opaque);
}

int kfb_fluss_conn_fill_pollfd(kfb_fluss_conn_t *c, struct pollfd *pfd) {
    if (c->fd < 0) return 0;
    pfd->fd = c->fd;
    pfd->events = POLLIN;
    if (c->state == KFB_CONN_CONNECTING || c->wpos < c->wbuf.len) pfd->events |= POLLOUT;
    pfd->revents = 0;
    return 1;
}

void kfb_fluss_conn_handle_events(kfb_fluss_conn_t *c, short revents, int64_t now) {
    if (c->fd >= 0 && c->state == KFB_CONN_CONNECTING && (revents & (POLLOUT | POLLERR | POLLHUP))) {
        int soerr = 0;
        socklen_t sl = sizeof soerr;
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0) soerr = errno;
        if (soerr) {
            close(c->fd);
            c->fd = -1;
            set_error(c, "cannot connect to Fluss server %s:%d: %s", c->host, c->port,
                      strerror(soerr));
            if (c->ai_next)
                try_addresses(c, now);
            else
                connect_failed(c);
        } else {
            on_connected(c, now);
        }
        revents = 0; /* the socket is new; poll it again */
    }
    if (c->fd >= 0 && (revents & (POLLIN | POLLHUP | POLLERR))) do_read(c, now);
    if (c->fd >= 0 && c->wpos < c->wbuf.len && c->state != KFB_CONN_CONNECTING) do_write(c);
    kfb_fluss_conn_tick(c, now);
}

int64_t kfb_fluss_conn_next_deadline_ms(const kfb_fluss_conn_t *c) {
    int64_t d = INT64_MAX;
    for (size_t i = 0; i < c->inflight.n; i++)
        if (c->inflight.v[i].deadline < d) d = c->inflight.v[i].deadline;
    for (size_t i = 0; i < c->queued.n; i++)
        if (c->queued.v[i].deadline < d) d = c->queued.v[i].deadline;
    if (c->state == KFB_CONN_CONNECTING || c->state == KFB_CONN_HANDSHAKE ||
        c->state == KFB_CONN_AUTH)
        if (c->connect_deadline < d) d = c->connect_deadline;
    if (c->state == KFB_CONN_DOWN && c->queued.n > 0 && c->reconnect_at < d) d = c->reconnect_at;
    /* glibc tells about a finished lookup only when asked: look every 5 ms */
    if (c->dns) {
        int64_t soon = kfb_fluss_now_ms() + 5;
        if (soon < d) d = soon;
    }
    return d;
}

/* Fails requests of `q` whose deadline passed; restarts after each callback
 * because a callback may change the vector. */
static void expire(kfb_fluss_conn_t *c, req_vec_t *q, int64_t now) {
    for (size_t i = 0; i < q->n;) {
        if (q->v[i].deadline > now || q->v[i].kind != REQ_USER) {
            i++;
            continue;
        }
        conn_req_t r = q->v[i];
        vec_remove(q, i);
        free(r.body);
        set_error(c, "request %s (id %d) to %s:%d timed out", kfb_rpc_api_name(r.api_key), r.id,
                  c->host, c->port);
        if (r.cb) r.cb(c, KFB_ERR_TIMEOUT, NULL, r.opaque);
        i = 0;
    }
}

void kfb_fluss_conn_tick(kfb_fluss_conn_t *c, int64_t now) {
    if (c->dns) dns_poll(c, now);
    if ((c->state == KFB_CONN_CONNECTING || c->state == KFB_CONN_HANDSHAKE ||
         c->state == KFB_CONN_AUTH) &&
        now >= c->connect_deadline) {
        set_error(c, "connecting to Fluss server %s:%d timed out after %d ms (%s)", c->host,
                  c->port, c->conf.connect_timeout_ms,
                  c->state == KFB_CONN_CONNECTING ? "TCP connect"
                  : c->state == KFB_CONN_HANDSHAKE ? "no ApiVersions response"
                                                   : "no Authenticate response");
        kfb_fluss_conn_close(c, KFB_ERR_RPC_DISCONNECTED, NULL);
    }
    expire(c, &c->inflight, now);
    expire(c, &c->queued, now);
    maybe_connect(c, now);
    if (c->wbuf.cap > WBUF_KEEP && c->wbuf.len == 0 && now - c->wbuf_big_ms >= WBUF_IDLE_MS)
        kfb_buf_free(&c->wbuf);
}

kfb_fluss_conn_state_t kfb_fluss_conn_state(const kfb_fluss_conn_t *c) { return c->state; }

int kfb_fluss_conn_api_version(const kfb_fluss_conn_t *c, int16_t api_key) {
    int idx = kfb_rpc_api_index(api_key);
    return idx < 0 ? -1 : c->versions[idx];
}

int kfb_fluss_conn_server_type(const kfb_fluss_conn_t *c) { return c->server_type; }
size_t kfb_fluss_conn_outstanding(const kfb_fluss_conn_t *c) {
    return c->queued.n + c->inflight.n;
}
const char *kfb_fluss_conn_last_error(const kfb_fluss_conn_t *c) { return c->last_error; }
const char *kfb_fluss_conn_host(const kfb_fluss_conn_t *c) { return c->host; }
int kfb_fluss_conn_port(const kfb_fluss_conn_t *c) { return c->port; }
