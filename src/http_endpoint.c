/*
 * http_endpoint.c - /metrics, /health, /ready over libmicrohttpd (http_endpoint.h).
 *
 * HTTP parsing is libmicrohttpd's; this file only parses the listen address and answers
 * complete request heads. Reference: libmicrohttpd's microhttpd.h (MHD_start_daemon
 * options, the access handler contract: the first call for a request comes after its
 * headers, with *upload_data_size 0; a response queued then ends the request, and a body
 * not read makes MHD close the connection after answering).
 */
#include "http_endpoint.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "buf.h"
#include "logging.h"

#define FAC "http"

struct kfb_http_endpoint {
    struct MHD_Daemon *d;
    kfb_metrics_t *metrics;
    kfb_health_t *health;
    int port;
};

/* ---- listen address ------------------------------------------------------------------- */

static int all_digits(const char *s, size_t n) {
    if (!n) return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return 0;
    return 1;
}

static int parse_port(const char *s, size_t n, int *out) {
    if (!all_digits(s, n) || n > 5) return -1;
    int v = 0;
    for (size_t i = 0; i < n; i++) v = v * 10 + (s[i] - '0');
    if (v > 65535) return -1;
    *out = v;
    return 0;
}

static int host_name_ok(const char *h, size_t n) {
    for (size_t i = 0; i < n; i++) {
        char c = h[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'))
            return 0;
    }
    return n > 0 && h[0] != '-' && h[0] != '.';
}

int kfb_listen_parse(const char *s, kfb_listen_addr_t *out, char *errstr, size_t errstr_size) {
    static const char forms[] = "use PORT (loopback), HOST:PORT or [IPV6]:PORT, e.g. 9464, 0.0.0.0:9464, [::1]:9464";
    memset(out, 0, sizeof *out);
    size_t len = s ? strnlen(s, 300) : 0;
    if (!len || len >= 300) {
        snprintf(errstr, errstr_size, "metrics.listen is %s; %s", len ? "too long" : "empty", forms);
        return -1;
    }
    const char *colon;
    size_t hl;
    const char *h;
    if (all_digits(s, len)) { /* PORT */
        if (parse_port(s, len, &out->port)) goto bad_port;
        snprintf(out->host, sizeof out->host, "127.0.0.1");
        return 0;
    }
    if (s[0] == '[') {
        const char *close = memchr(s, ']', len);
        if (!close || close[1] != ':') {
            snprintf(errstr, errstr_size, "metrics.listen '%.300s': an IPv6 address needs brackets and a port; %s", s, forms);
            return -1;
        }
        h = s + 1;
        hl = (size_t)(close - h);
        colon = close + 1;
        out->ipv6 = 1;
    } else {
        colon = memrchr(s, ':', len);
        if (!colon) {
            snprintf(errstr, errstr_size, "metrics.listen '%.300s' has no port; %s", s, forms);
            return -1;
        }
        h = s;
        hl = (size_t)(colon - s);
    }
    if (parse_port(colon + 1, len - (size_t)(colon + 1 - s), &out->port)) goto bad_port;
    if (!hl || hl >= sizeof out->host) {
        snprintf(errstr, errstr_size, "metrics.listen '%.300s' has %s host; %s", s, hl ? "a too long" : "an empty", forms);
        return -1;
    }
    memcpy(out->host, h, hl);
    out->host[hl] = '\0';
    unsigned char tmp[sizeof(struct in6_addr)];
    if (out->ipv6) {
        if (inet_pton(AF_INET6, out->host, tmp) != 1) {
            snprintf(errstr, errstr_size, "metrics.listen '%.300s': '%s' is not an IPv6 address; %s", s, out->host, forms);
            return -1;
        }
        return 0;
    }
    /* digits and dots must be a whole dotted quad (getaddrinfo would take "1.2" too) */
    if (strspn(out->host, "0123456789.") == hl ? inet_pton(AF_INET, out->host, tmp) != 1 : !host_name_ok(out->host, hl)) {
        snprintf(errstr, errstr_size, "metrics.listen '%.300s': '%s' is neither an IPv4 address nor a host name; %s", s,
                 out->host, forms);
        return -1;
    }
    return 0;
bad_port:
    snprintf(errstr, errstr_size, "metrics.listen '%.300s': the port must be a number 0..65535; %s", s, forms);
    return -1;
}

/* ---- requests --------------------------------------------------------------------------- */

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, const char *type, char *body, size_t len,
                              int owned) {
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, body, owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!r) {
        if (owned) free(body);
        return MHD_NO; /* closes the connection */
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED) MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result answer_text(struct MHD_Connection *c, unsigned status, const char *text) {
    return answer(c, status, "text/plain; charset=utf-8", (char *)text, strlen(text), 0);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **req_cls) {
    (void)version;
    (void)upload_data;
    kfb_http_endpoint_t *e = cls;
    /* Answered at once (libmicrohttpd then closes the connection without reading a body). */
    if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
        return answer_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed: use GET or HEAD\n");
    /* The first call comes with the head only. Answering in the next call, once the request
     * is complete, lets libmicrohttpd keep the connection alive for the next scrape. A
     * request that announces a body is answered at once instead, the body never read. */
    static int seen;
    if (!*req_cls) {
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if ((cl && strcmp(cl, "0")) ||
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING))
            return answer_text(c, MHD_HTTP_CONTENT_TOO_LARGE, "request bodies are not accepted\n");
        *req_cls = &seen;
        return MHD_YES;
    }
    if (*upload_data_size) { /* cannot happen without a body header; discard, never store */
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (!strcmp(url, "/metrics")) {
        kfb_buf_t b = KFB_BUF_INIT;
        if (kfb_metrics_render(e->metrics, &b)) {
            kfb_buf_free(&b);
            return answer_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory rendering the metrics\n");
        }
        if (!b.data) return answer(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", (char *)"", 0, 0);
        return answer(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", (char *)b.data, b.len, 1);
    }
    if (!strcmp(url, "/health")) return answer_text(c, MHD_HTTP_OK, "ok\n");
    if (!strcmp(url, "/ready")) {
        char reason[300];
        if (kfb_health_ready(e->health, kfb_health_now_ms(), reason, sizeof reason))
            return answer_text(c, MHD_HTTP_OK, "ready\n");
        char *body = malloc(sizeof reason + 16);
        if (!body) return MHD_NO;
        int n = snprintf(body, sizeof reason + 16, "not ready: %s\n", reason);
        return answer(c, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain; charset=utf-8", body, (size_t)n, 1);
    }
    return answer_text(c, MHD_HTTP_NOT_FOUND, "not found: the paths are /metrics, /health and /ready\n");
}

/* libmicrohttpd's own messages are about misbehaving clients or the socket: debug level,
 * so a flood of bad requests cannot flood the log. */
static void mhd_log(void *cls, const char *fmt, va_list ap) {
    (void)cls;
    if (kfb_log_get_level() < KFB_LOG_DEBUG) return;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
    KFB_DEBUG(FAC, "libmicrohttpd: %s", line);
}

/* ---- lifecycle ----------------------------------------------------------------------------- */

void kfb_http_conf_init(kfb_http_conf_t *c) {
    memset(c, 0, sizeof *c);
    c->max_connections = 64;
    c->connection_timeout_s = 10;
    c->max_request_bytes = 16 << 10;
}

kfb_http_endpoint_t *kfb_http_endpoint_new(const kfb_http_conf_t *conf, kfb_metrics_t *metrics, kfb_health_t *health,
                                           char *errstr, size_t errstr_size) {
    kfb_listen_addr_t a;
    if (kfb_listen_parse(conf->listen, &a, errstr, errstr_size)) return NULL;
    char port[8];
    snprintf(port, sizeof port, "%d", a.port);
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_family = a.ipv6 ? AF_INET6 : AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    int gai = getaddrinfo(a.host, port, &hints, &ai);
    if (gai || !ai) {
        snprintf(errstr, errstr_size, "metrics.listen '%s': cannot resolve '%s': %s", conf->listen, a.host,
                 gai ? gai_strerror(gai) : "no address");
        if (ai) freeaddrinfo(ai);
        return NULL;
    }
    kfb_http_endpoint_t *e = calloc(1, sizeof *e);
    if (!e) {
        freeaddrinfo(ai);
        snprintf(errstr, errstr_size, "metrics endpoint: out of memory");
        return NULL;
    }
    e->metrics = metrics;
    e->health = health;
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
    if (ai->ai_family == AF_INET6) flags |= MHD_USE_IPv6;
    e->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, e,
                            MHD_OPTION_SOCK_ADDR, ai->ai_addr,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)(conf->max_connections ? conf->max_connections : 64),
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(conf->connection_timeout_s ? conf->connection_timeout_s : 10),
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(conf->max_request_bytes ? conf->max_request_bytes : 16 << 10),
                            MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
                            MHD_OPTION_END);
    freeaddrinfo(ai);
    if (!e->d) {
        /* libmicrohttpd does not return the reason; bind() failing is by far the usual one */
        snprintf(errstr, errstr_size, "metrics.listen '%s': cannot listen there (address in use, not a local "
                 "address, or a privileged port); choose another metrics.listen", conf->listen);
        free(e);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(e->d, MHD_DAEMON_INFO_BIND_PORT);
    e->port = info ? (int)info->port : a.port;
    KFB_INFO(FAC, "serving /metrics, /health and /ready on %s%s%s:%d", a.ipv6 ? "[" : "", a.host, a.ipv6 ? "]" : "", e->port);
    return e;
}

int kfb_http_endpoint_port(const kfb_http_endpoint_t *e) { return e ? e->port : -1; }

void kfb_http_endpoint_destroy(kfb_http_endpoint_t *e) {
    if (!e) return;
    MHD_stop_daemon(e->d);
    free(e);
}
