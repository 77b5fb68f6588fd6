/*
 * http_endpoint.h - the bridge's HTTP endpoint on `metrics.listen`, served by libmicrohttpd
 * (Debian's libmicrohttpd-dev) on its own thread:
 *
 *   GET /metrics  200, Prometheus text format 0.0.4 (Content-Type
 *                 "text/plain; version=0.0.4; charset=utf-8") rendered from the registry
 *   GET /health   200 "ok" while the process runs (liveness)
 *   GET /ready    200 "ready", or 503 "not ready: <reason>" (readiness, health.h)
 *   HEAD          the same status and headers without a body
 *   other paths   404; other methods 405 with "Allow: GET, HEAD"; a request body 413
 *
 * It cannot stall the pipeline: it runs on libmicrohttpd's internal polling thread, which
 * multiplexes every connection (a slow client holds one connection slot, never the thread),
 * reads the registry under its lock only for the time of one render, and the pipeline
 * updates its metrics without that lock (metrics.h). Limits: max_connections open at once
 * (more wait in the kernel's listen backlog until a slot frees), connection_timeout_s of
 * inactivity closes a connection (slowloris clients included, so idle clients cannot hold
 * every slot for long), and max_request_bytes of memory per connection
 * for the request line and headers (a larger request is answered with an error by
 * libmicrohttpd). Request bodies are never read: a GET or HEAD that announces one
 * (Content-Length > 0, Transfer-Encoding) is answered 413, other methods 405, at once, and
 * the connection closed. Complete requests keep the connection alive (HTTP/1.1).
 *
 * Address syntax (metrics.listen), parsed by kfb_listen_parse():
 *   "9464"            127.0.0.1:9464 (loopback unless a host is given)
 *   "HOST:9464"       an IPv4 address ("0.0.0.0": every interface) or a host name
 *   "[::1]:9464"      an IPv6 address in brackets ("[::]": every interface)
 * Ports 0..65535; 0 picks a free port (kfb_http_endpoint_port tells which; for tests).
 *
 * Ownership: the endpoint borrows the registry and the health state; both must outlive it.
 */
#ifndef KFB_HTTP_ENDPOINT_H
#define KFB_HTTP_ENDPOINT_H

#include <stddef.h>

#include "health.h"
#include "metrics.h"

typedef struct kfb_listen_addr {
    char host[256]; /* without brackets: "127.0.0.1", "::1", "localhost" */
    int port;
    int ipv6;       /* the host was given in brackets */
} kfb_listen_addr_t;

/* Parses a metrics.listen value. 0, or -1 with a sentence in errstr (what is wrong, the
 * accepted forms). Does not resolve names. */
int kfb_listen_parse(const char *s, kfb_listen_addr_t *out, char *errstr, size_t errstr_size);

typedef struct kfb_http_conf {
    const char *listen;            /* metrics.listen (required) */
    unsigned max_connections;      /* default 64 */
    unsigned connection_timeout_s; /* default 10 (libmicrohttpd counts in seconds) */
    size_t max_request_bytes;      /* default 16 KiB */
} kfb_http_conf_t;

void kfb_http_conf_init(kfb_http_conf_t *c);

typedef struct kfb_http_endpoint kfb_http_endpoint_t;

/*
 * Binds conf->listen and starts serving. metrics may be NULL (/metrics is then empty);
 * health may be NULL (/ready is then 503). NULL + errstr naming the address and the
 * system's reason (address in use, cannot resolve, permission) on failure.
 */
kfb_http_endpoint_t *kfb_http_endpoint_new(const kfb_http_conf_t *conf, kfb_metrics_t *metrics,
                                           kfb_health_t *health, char *errstr, size_t errstr_size);

/* The bound port (useful with port 0). */
int kfb_http_endpoint_port(const kfb_http_endpoint_t *e);

/* Stops the thread, closes every connection, frees. NULL is a no-op. */
void kfb_http_endpoint_destroy(kfb_http_endpoint_t *e);

#endif
