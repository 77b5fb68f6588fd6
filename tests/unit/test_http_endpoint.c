/*
 * test_http_endpoint.c - metrics.listen parsing, readiness, and the HTTP endpoint over real
 * loopback sockets: the three paths, HEAD, 404/405, bad requests, slow clients, idle
 * timeouts, hundreds of connections, and scrapes while the metrics are updated.
 * Every wait is bounded (poll with a timeout, a fixed number of rounds).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "health.h"
#include "http_endpoint.h"
#include "metrics.h"

static char err[512];

/* ---- metrics.listen --------------------------------------------------------------------- */

TEST(listen_forms) {
    kfb_listen_addr_t a;
    ASSERT_EQ_INT(kfb_listen_parse("9464", &a, err, sizeof err), 0);
    ASSERT_STREQ(a.host, "127.0.0.1"); /* a port alone stays on loopback */
    ASSERT_EQ_INT(a.port, 9464);
    ASSERT_EQ_INT(a.ipv6, 0);
    ASSERT_EQ_INT(kfb_listen_parse("0.0.0.0:80", &a, err, sizeof err), 0);
    ASSERT_STREQ(a.host, "0.0.0.0");
    ASSERT_EQ_INT(a.port, 80);
    ASSERT_EQ_INT(kfb_listen_parse("[::1]:65535", &a, err, sizeof err), 0);
    ASSERT_STREQ(a.host, "::1");
    ASSERT_EQ_INT(a.port, 65535);
    ASSERT_EQ_INT(a.ipv6, 1);
    ASSERT_EQ_INT(kfb_listen_parse("[::]:0", &a, err, sizeof err), 0);
    ASSERT_STREQ(a.host, "::");
    ASSERT_EQ_INT(kfb_listen_parse("metrics-host.local:9464", &a, err, sizeof err), 0);
    ASSERT_STREQ(a.host, "metrics-host.local");
    static const char *const bad[] = {
        "", "65536", "99999999", "-1", ":9464", "host:", "host:port", "host:94 64", "::1:9464", "[::1]",
        "[::1]9464", "[1.2.3.4]:80", "[zz]:80", "1.2.3:80", "1.2.3.4.5:80", "256.1.1.1:80", "ho st:80",
        "-host:80", "host/x:80", " 9464", "9464 ",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        if (kfb_listen_parse(bad[i], &a, err, sizeof err) == 0) fprintf(stderr, "accepted '%s'\n", bad[i]);
        ASSERT_EQ_INT(kfb_listen_parse(bad[i], &a, err, sizeof err), -1);
        ASSERT_CONTAINS(err, "metrics.listen");
        ASSERT_CONTAINS(err, "[IPV6]:PORT"); /* every refusal says what is accepted */
    }
    ASSERT_EQ_INT(kfb_listen_parse(NULL, &a, err, sizeof err), -1);
}

/* ---- readiness ------------------------------------------------------------------------- */

TEST(readiness_rules) {
    kfb_health_t *h = kfb_health_new(60000);
    char why[300];
    ASSERT_EQ_INT(kfb_health_ready(h, 1000, why, sizeof why), 0);
    ASSERT_CONTAINS(why, "starting");
    kfb_health_set_state(h, KFB_HEALTH_RUNNING);
    ASSERT_EQ_INT(kfb_health_ready(h, 1000, why, sizeof why), 0);
    ASSERT_CONTAINS(why, "no Kafka partitions assigned");
    kfb_health_set_assigned(h, 3);
    ASSERT_EQ_INT(kfb_health_ready(h, 1000, why, sizeof why), 1);
    kfb_health_set_fluss_reachable(h, 0);
    ASSERT_EQ_INT(kfb_health_ready(h, 1000, why, sizeof why), 0);
    ASSERT_CONTAINS(why, "Fluss is not reachable");
    kfb_health_set_fluss_reachable(h, 1);
    /* idle for long, then data: judged from when the data appeared */
    kfb_health_acked(h, 1000);
    kfb_health_set_pending(h, 500, 3600000);
    ASSERT_EQ_INT(kfb_health_ready(h, 3600000 + 60000, why, sizeof why), 1);
    ASSERT_EQ_INT(kfb_health_ready(h, 3600000 + 60001, why, sizeof why), 0);
    ASSERT_CONTAINS(why, "stalled: no acknowledgement from Fluss for 60001 ms");
    /* an acknowledgement restarts the clock; more pending data does not */
    kfb_health_acked(h, 3700000);
    kfb_health_set_pending(h, 900, 3750000);
    ASSERT_EQ_INT(kfb_health_ready(h, 3760000, why, sizeof why), 1);
    ASSERT_EQ_INT(kfb_health_ready(h, 3760001, why, sizeof why), 0);
    /* nothing pending: never stalled */
    kfb_health_set_pending(h, 0, 3800000);
    ASSERT_EQ_INT(kfb_health_ready(h, 99999999, why, sizeof why), 1);
    kfb_health_set_state(h, KFB_HEALTH_STOPPING);
    ASSERT_EQ_INT(kfb_health_ready(h, 99999999, why, sizeof why), 0);
    ASSERT_CONTAINS(why, "stopping");
    ASSERT_EQ_INT(kfb_health_ready(NULL, 0, why, sizeof why), 0);
    kfb_health_destroy(h);
}

/* ---- a raw HTTP client ---------------------------------------------------------------- */

static int connect_to(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_TRUE(fd >= 0);
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ_INT(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

static void send_all(int fd, const char *p, size_t n) {
    while (n) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return; /* the server may close first: that is an answer too */
        p += k;
        n -= (size_t)k;
    }
}

/* Reads until the peer closes (each wait at most 10 s); returns what came, NUL-terminated. */
static char *read_all(int fd) {
    kfb_buf_t b = KFB_BUF_INIT;
    char chunk[4096];
    for (int rounds = 0; rounds < 100000; rounds++) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 10000) <= 0) break;
        ssize_t k = recv(fd, chunk, sizeof chunk, 0);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;
        ASSERT_OK(kfb_buf_append(&b, chunk, (size_t)k));
    }
    ASSERT_OK(kfb_buf_append_byte(&b, 0));
    return (char *)b.data;
}

static char *request(int port, const char *raw) {
    int fd = connect_to(port);
    send_all(fd, raw, strlen(raw));
    char *r = read_all(fd);
    close(fd);
    return r;
}

static char *get(int port, const char *method, const char *path) {
    char raw[512];
    snprintf(raw, sizeof raw, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", method, path);
    return request(port, raw);
}

static int status_of(const char *resp) {
    int st = 0;
    return sscanf(resp, "HTTP/1.%*d %d", &st) == 1 ? st : 0;
}

static const char *body_of(const char *resp) {
    const char *p = strstr(resp, "\r\n\r\n");
    return p ? p + 4 : NULL;
}

typedef struct fixture {
    kfb_metrics_t *m;
    kfb_health_t *h;
    kfb_http_endpoint_t *e;
    kfb_counter_t *c;
    int port;
} fixture_t;

static void start(fixture_t *f, unsigned max_conn, unsigned timeout_s) {
    signal(SIGPIPE, SIG_IGN);
    f->m = kfb_metrics_new();
    const char *l[] = {"table"};
    const char *v[] = {"db.\"t\""};
    f->c = kfb_metrics_counter(
        kfb_metrics_family(f->m, KFB_METRIC_COUNTER, "t_batches_total", "Batches", l, 1, NULL, 0, err, sizeof err), v);
    kfb_counter_add(f->c, 7);
    f->h = kfb_health_new(60000);
    kfb_http_conf_t conf;
    kfb_http_conf_init(&conf);
    conf.listen = "127.0.0.1:0";
    if (max_conn) conf.max_connections = max_conn;
    if (timeout_s) conf.connection_timeout_s = timeout_s;
    f->e = kfb_http_endpoint_new(&conf, f->m, f->h, err, sizeof err);
    if (!f->e) fprintf(stderr, "%s\n", err);
    ASSERT_TRUE(f->e != NULL);
    f->port = kfb_http_endpoint_port(f->e);
    ASSERT_GT_INT(f->port, 0);
}

static void stop(fixture_t *f) {
    kfb_http_endpoint_destroy(f->e);
    kfb_health_destroy(f->h);
    kfb_metrics_destroy(f->m);
}

static void assert_health_ok(int port) {
    char *r = get(port, "GET", "/health");
    ASSERT_EQ_INT(status_of(r), 200);
    ASSERT_STREQ(body_of(r), "ok\n");
    free(r);
}

#define BODY                                                              \
    "# HELP t_batches_total Batches\n# TYPE t_batches_total counter\n" \
    "t_batches_total{table=\"db.\\\"t\\\"\"} 7\n"

TEST(paths_and_methods) {
    fixture_t f;
    start(&f, 0, 0);
    char *r = get(f.port, "GET", "/metrics");
    ASSERT_EQ_INT(status_of(r), 200);
    ASSERT_CONTAINS(r, "\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n");
    ASSERT_STREQ(body_of(r), BODY);
    free(r);
    r = get(f.port, "GET", "/metrics?name[]=x"); /* query strings are ignored */
    ASSERT_EQ_INT(status_of(r), 200);
    free(r);
    assert_health_ok(f.port);
    r = get(f.port, "GET", "/ready");
    ASSERT_EQ_INT(status_of(r), 503);
    ASSERT_STREQ(body_of(r), "not ready: starting: connecting to Fluss and Kafka\n");
    free(r);
    kfb_health_set_state(f.h, KFB_HEALTH_RUNNING);
    kfb_health_set_assigned(f.h, 1);
    r = get(f.port, "GET", "/ready");
    ASSERT_EQ_INT(status_of(r), 200);
    ASSERT_STREQ(body_of(r), "ready\n");
    free(r);
    /* HEAD: status and headers, no body */
    r = get(f.port, "HEAD", "/metrics");
    ASSERT_EQ_INT(status_of(r), 200);
    char cl[64];
    snprintf(cl, sizeof cl, "Content-Length: %zu\r\n", strlen(BODY));
    ASSERT_CONTAINS(r, cl);
    ASSERT_STREQ(body_of(r), "");
    free(r);
    r = get(f.port, "HEAD", "/ready");
    ASSERT_EQ_INT(status_of(r), 200);
    ASSERT_STREQ(body_of(r), "");
    free(r);
    r = get(f.port, "GET", "/nope");
    ASSERT_EQ_INT(status_of(r), 404);
    free(r);
    r = get(f.port, "GET", "/metrics/");
    ASSERT_EQ_INT(status_of(r), 404);
    free(r);
    static const char *const methods[] = {"POST", "PUT", "DELETE", "OPTIONS", "PATCH", "BREW"};
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        r = get(f.port, methods[i], "/metrics");
        ASSERT_EQ_INT(status_of(r), 405);
        ASSERT_CONTAINS(r, "\r\nAllow: GET, HEAD\r\n");
        free(r);
    }
    /* a body is never read: answered, then the connection is closed */
    r = request(f.port, "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nabc");
    ASSERT_EQ_INT(status_of(r), 405);
    free(r);
    /* GET with a body: refused at once, the body not read */
    r = request(f.port, "GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
    ASSERT_EQ_INT(status_of(r), 413);
    free(r);
    r = request(f.port, "GET /health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
    ASSERT_EQ_INT(status_of(r), 413);
    free(r);
    /* keep-alive: a second request on the same connection (as Prometheus scrapes) */
    int fd = connect_to(f.port);
    const char *first = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
    send_all(fd, first, strlen(first));
    char one[1024];
    size_t got = 0;
    for (int i = 0; i < 1000 && !(got >= 3 && !memcmp(one + got - 3, "ok\n", 3)); i++) {
        struct pollfd p = {fd, POLLIN, 0};
        ASSERT_EQ_INT(poll(&p, 1, 10000), 1);
        ssize_t k = recv(fd, one + got, sizeof one - 1 - got, 0);
        ASSERT_GT_INT(k, 0);
        got += (size_t)k;
    }
    one[got] = '\0';
    ASSERT_TRUE(strstr(one, "Connection: close") == NULL);
    const char *second = "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    send_all(fd, second, strlen(second));
    r = read_all(fd);
    close(fd);
    ASSERT_EQ_INT(status_of(r), 200);
    free(r);
    stop(&f);
}

TEST(bad_requests_do_not_hurt) {
    fixture_t f;
    start(&f, 0, 2);
    char huge[40000];
    int n = snprintf(huge, sizeof huge, "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ");
    memset(huge + n, 'a', sizeof huge - (size_t)n - 5);
    memcpy(huge + sizeof huge - 5, "\r\n\r\n", 5);
    char binary[256];
    for (int i = 0; i < 256; i++) binary[i] = (char)(255 - i);
    binary[255] = '\0';
    const char *const bad[] = {
        "GARBAGE\r\n\r\n",
        "GET\r\n\r\n",
        "GET /metrics\r\n\r\n",
        "GET /metrics HTTP/9.9\r\nHost: x\r\n\r\n",
        "GET /metrics HTTP/1.1\r\nno colon here\r\n\r\n",
        "GET /metrics HTTP/1.1\r\n\r\n", /* HTTP/1.1 without Host */
        "GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
        "GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "GET http://evil/metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "\r\n\r\n\r\n",
        "GET /%00%ff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        huge,
        binary,
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *r = request(f.port, bad[i]);
        /* an error status, a valid answer, or a closed connection: never a hang or a crash */
        int st = status_of(r);
        ASSERT_TRUE(r[0] == '\0' || (st >= 200 && st <= 505));
        free(r);
        assert_health_ok(f.port);
    }
    /* the oversized head is refused, not served */
    char *r = request(f.port, huge);
    ASSERT_TRUE(r[0] == '\0' || status_of(r) >= 400);
    free(r);
    stop(&f);
}

/* Slow clients (a byte per round) hold connections, not the server: complete requests from
 * others are answered while every slow request is still unfinished. */
TEST(slow_clients_do_not_block_others) {
    fixture_t f;
    start(&f, 64, 30);
    enum { SLOW = 40 };
    const char *req = "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Pad: slowloris\r\nConnection: close\r\n\r\n";
    size_t len = strlen(req);
    int fds[SLOW];
    for (int i = 0; i < SLOW; i++) fds[i] = connect_to(f.port);
    int served = 0;
    for (size_t pos = 0; pos + 1 < len; pos++) { /* all but the last byte */
        for (int i = 0; i < SLOW; i++) send_all(fds[i], req + pos, 1);
        if (pos % 8 == 0) {
            assert_health_ok(f.port);
            served++;
        }
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    ASSERT_GE_INT(served, 8);
    /* the slow ones had no answer yet ... */
    for (int i = 0; i < SLOW; i++) {
        struct pollfd p = {fds[i], POLLIN, 0};
        ASSERT_EQ_INT(poll(&p, 1, 0), 0);
    }
    /* ... and get theirs once they finish */
    for (int i = 0; i < SLOW; i++) send_all(fds[i], req + len - 1, 1);
    for (int i = 0; i < SLOW; i++) {
        char *r = read_all(fds[i]);
        ASSERT_EQ_INT(status_of(r), 200);
        free(r);
        close(fds[i]);
    }
    stop(&f);
}

/* A client that stops sending is disconnected after connection_timeout_s. */
TEST(idle_connections_are_closed) {
    fixture_t f;
    start(&f, 0, 1);
    int fd = connect_to(f.port);
    send_all(fd, "GET /met", 8);
    char *r = read_all(fd); /* returns when the server closes (each wait bounded) */
    ASSERT_STREQ(r, "");
    struct pollfd p = {fd, POLLIN, 0};
    ASSERT_EQ_INT(poll(&p, 1, 0), 1);
    char c;
    ASSERT_TRUE(recv(fd, &c, 1, 0) <= 0); /* closed, not merely quiet */
    free(r);
    close(fd);
    assert_health_ok(f.port);
    stop(&f);
}

/* 500 clients against a limit of 32: all connect first (idle ones hold the slots), then
 * each sends a request. Each gets a whole answer or a closed connection (no garbage, no
 * hang), and the endpoint serves normally afterwards. */
TEST(many_connections) {
    fixture_t f;
    start(&f, 32, 5);
    enum { N = 500 };
    static int fds[N];
    const char *req = "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    int opened = 0;
    for (int i = 0; i < N; i++) {
        fds[i] = socket(AF_INET, SOCK_STREAM, 0);
        ASSERT_TRUE(fds[i] >= 0);
        struct sockaddr_in sa = {0};
        sa.sin_family = AF_INET;
        sa.sin_port = htons((uint16_t)f.port);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (connect(fds[i], (struct sockaddr *)&sa, sizeof sa) == 0) opened++;
    }
    ASSERT_GT_INT(opened, 0);
    for (int i = 0; i < N; i++) send_all(fds[i], req, strlen(req));
    int ok = 0, closed = 0;
    for (int i = 0; i < N; i++) {
        char *r = read_all(fds[i]);
        if (status_of(r) == 200) {
            ASSERT_CONTAINS(body_of(r), "t_batches_total{table=\"db.\\\"t\\\"\"} 7\n");
            ok++;
        } else {
            ASSERT_STREQ(r, ""); /* refused over the limit: closed, no garbage */
            closed++;
        }
        free(r);
        close(fds[i]);
    }
    fprintf(stderr, "  %d answered, %d closed at the limit\n", ok, closed);
    ASSERT_EQ_INT(ok + closed, N);
    ASSERT_GE_INT(ok, 32);
    assert_health_ok(f.port);
    stop(&f);
}

/* Idle clients fill every slot: a real request waits (in the listen backlog) and is answered
 * once connection_timeout_s closes the idle ones; they cannot hold the endpoint forever. */
TEST(connection_limit_recovers) {
    fixture_t f;
    start(&f, 8, 1);
    int idle[8];
    for (int i = 0; i < 8; i++) idle[i] = connect_to(f.port);
    assert_health_ok(f.port); /* read_all's bounded waits cover the 1 s timeout */
    for (int i = 0; i < 8; i++) {
        char *r = read_all(idle[i]);
        ASSERT_STREQ(r, ""); /* closed by the server, nothing sent */
        free(r);
        close(idle[i]);
    }
    stop(&f);
}

TEST(address_in_use_and_ipv6) {
    fixture_t f;
    start(&f, 0, 0);
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", f.port);
    kfb_http_conf_t conf;
    kfb_http_conf_init(&conf);
    conf.listen = addr;
    ASSERT_TRUE(kfb_http_endpoint_new(&conf, f.m, f.h, err, sizeof err) == NULL);
    ASSERT_CONTAINS(err, addr);
    ASSERT_CONTAINS(err, "cannot listen there");
    conf.listen = "nonexistent-host.invalid:0";
    ASSERT_TRUE(kfb_http_endpoint_new(&conf, f.m, f.h, err, sizeof err) == NULL);
    ASSERT_CONTAINS(err, "cannot resolve");
    conf.listen = "[::1]:0";
    kfb_http_endpoint_t *e6 = kfb_http_endpoint_new(&conf, f.m, f.h, err, sizeof err);
    int s6 = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 sa = {0};
    sa.sin6_family = AF_INET6;
    sa.sin6_addr = in6addr_loopback;
    if (s6 >= 0 && bind(s6, (struct sockaddr *)&sa, sizeof sa) == 0) { /* the machine has ::1 */
        ASSERT_TRUE(e6 != NULL);
        sa.sin6_port = htons((uint16_t)kfb_http_endpoint_port(e6));
        int c6 = socket(AF_INET6, SOCK_STREAM, 0);
        ASSERT_EQ_INT(connect(c6, (struct sockaddr *)&sa, sizeof sa), 0);
        const char *rq = "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        send_all(c6, rq, strlen(rq));
        char *r = read_all(c6);
        ASSERT_EQ_INT(status_of(r), 200);
        free(r);
        close(c6);
    } else {
        fprintf(stderr, "  no IPv6 loopback here: [::1] not exercised\n");
    }
    if (s6 >= 0) close(s6);
    kfb_http_endpoint_destroy(e6);
    kfb_http_endpoint_destroy(NULL);
    stop(&f);
}

/* ---- scrapes while the pipeline updates (also run under TSan by hand) -------------------- */

#define UPDATES 300000

static void *updater(void *arg) {
    fixture_t *f = arg;
    for (int i = 0; i < UPDATES; i++) {
        kfb_counter_inc(f->c);
        if (i % 1000 == 0) kfb_health_set_pending(f->h, i, i);
    }
    return NULL;
}

static unsigned long long scraped(int port) {
    char *r = get(port, "GET", "/metrics");
    ASSERT_EQ_INT(status_of(r), 200);
    const char *p = strstr(r, "\nt_batches_total{table=\"db.\\\"t\\\"\"} ");
    ASSERT_TRUE(p != NULL);
    unsigned long long v = strtoull(strchr(p, '}') + 2, NULL, 10);
    free(r);
    return v;
}

TEST(scrapes_during_updates) {
    fixture_t f;
    start(&f, 0, 0);
    pthread_t t;
    ASSERT_EQ_INT(pthread_create(&t, NULL, updater, &f), 0);
    unsigned long long last = 0;
    for (int i = 0; i < 50; i++) {
        unsigned long long v = scraped(f.port);
        ASSERT_GE_INT(v, last);
        last = v;
        char *r = get(f.port, "GET", "/ready");
        ASSERT_TRUE(status_of(r) == 200 || status_of(r) == 503);
        free(r);
    }
    pthread_join(t, NULL);
    ASSERT_EQ_U64(scraped(f.port), UPDATES + 7);
    stop(&f);
}
