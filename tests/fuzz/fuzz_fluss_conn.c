/* fuzz_fluss_conn.c - the connection state machine of fluss_conn.c (handshake,
 * SASL exchange, response framing across partial reads, correlation by request
 * id, out-of-order and unknown ids, ERROR / SERVER_FAILURE frames, the frame
 * size cap, EOF) fed arbitrary server bytes over a real loopback socket.
 *
 * Input: byte 0 = flags (bit 0: SASL/PLAIN configured; bit 1: max_frame 256;
 * bit 2: write the stream in chunks of byte 1 + 1 bytes, driving the
 * connection between chunks), then the bytes "the server" sends. Three
 * requests (PutKv, Lookup, PutKv, negotiated versions) are queued before
 * connecting. Invariants: no crash or sanitizer report, and every request's
 * callback runs exactly once (by the end, destroy completes what is left). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fluss_conn.h"
#include "logging.h"

#define NREQ 3

static int listen_fd = -1, listen_port;
static int calls[NREQ];
static int32_t got_id[NREQ]; /* request id of the response handed to request i */

static void on_done(kfb_fluss_conn_t *c, kfb_err_t err, const kfb_rpc_response_t *resp,
                    void *opaque) {
    (void)c;
    intptr_t i = (intptr_t)opaque;
    if (i < 0 || i >= NREQ) abort();
    calls[i]++;
    if ((err == KFB_ERR_OK) != (resp != NULL)) abort();
    if (resp && resp->body_len && !resp->body) abort();
    /* correlation: a request only ever gets the response carrying its own id */
    if (resp && (resp->type == KFB_RPC_RESP_SERVER_FAILURE || resp->request_id < 0)) abort();
    got_id[i] = resp ? resp->request_id : -1;
}

static void drop_log(kfb_log_level_t level, const char *facility, const char *line, void *op) {
    (void)level;
    (void)facility;
    (void)op;
    if (!line) abort();
}

static void listen_once(void) {
    if (listen_fd >= 0) return;
    listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(listen_fd, 16) != 0 || getsockname(listen_fd, (struct sockaddr *)&a, &al) != 0)
        abort();
    listen_port = ntohs(a.sin_port);
}

/* One round of the connection's poll loop. */
static void drive(kfb_fluss_conn_t *c, int wait_ms) {
    struct pollfd pfd;
    int64_t now = kfb_fluss_now_ms();
    if (kfb_fluss_conn_fill_pollfd(c, &pfd)) {
        pfd.revents = 0;
        if (poll(&pfd, 1, wait_ms) < 0) pfd.revents = 0;
        kfb_fluss_conn_handle_events(c, pfd.revents, kfb_fluss_now_ms());
    } else {
        kfb_fluss_conn_tick(c, now);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    listen_once();
    /* every log line is still formatted (fuzzed text in messages), then dropped */
    kfb_log_set_level(KFB_LOG_DEBUG);
    kfb_log_set_sink(drop_log, NULL);
    uint8_t flags = data[0];
    size_t chunk = (size_t)data[1] + 1;
    data += 2;
    size -= 2;

    kfb_fluss_conn_conf_t conf;
    kfb_fluss_conn_conf_init(&conf);
    if (flags & 1) {
        conf.sasl_username = "u";
        conf.sasl_password = "p";
    }
    if (flags & 2) conf.max_frame = 256;
    conf.backoff_ms = 600000; /* never reconnect within one input */
    conf.backoff_max_ms = 600000;
    char err[256];
    kfb_fluss_conn_t *c = kfb_fluss_conn_new("127.0.0.1", listen_port, &conf, err, sizeof err);
    if (!c) abort();
    memset(calls, 0, sizeof calls);
    for (int i = 0; i < NREQ; i++) got_id[i] = -1;
    static const int16_t apis[NREQ] = {1016, 1017, 1016};
    int64_t now = kfb_fluss_now_ms();
    for (intptr_t i = 0; i < NREQ; i++) {
        kfb_err_t e = kfb_fluss_conn_send_raw(c, apis[i], -1, (const uint8_t *)"\x08\x01", 2,
                                              600000, now, on_done, (void *)i);
        if (e) calls[i]++; /* rejected up front: no callback will come */
    }
    int srv = accept(listen_fd, NULL, NULL);
    if (srv >= 0) {
        fcntl(srv, F_SETFL, O_NONBLOCK);
        size_t off = 0;
        int stuck = 0;
        while (off < size && stuck < 50 && kfb_fluss_conn_state(c) != KFB_CONN_DOWN) {
            size_t n = (flags & 4) ? chunk : size - off;
            if (n > size - off) n = size - off;
            ssize_t w = write(srv, data + off, n);
            if (w > 0) off += (size_t)w;
            else stuck++;
            drive(c, 0);
        }
        shutdown(srv, SHUT_WR);
        /* until the connection has seen everything (EOF closes it) */
        for (int i = 0; i < 100 && kfb_fluss_conn_state(c) != KFB_CONN_DOWN; i++) drive(c, 10);
        close(srv);
    }
    kfb_fluss_conn_destroy(c);
    for (int i = 0; i < NREQ; i++)
        if (calls[i] != 1) abort();
    /* ids follow ApiVersions (0) and Authenticate (1 with SASL) in queue order,
     * so answered requests carry distinct, increasing ids */
    int32_t last = (flags & 1) ? 1 : 0;
    for (int i = 0; i < NREQ; i++) {
        if (got_id[i] < 0) continue;
        if (got_id[i] <= last) abort();
        last = got_id[i];
    }
    /* a connection the conn may have started after a close */
    int fl = fcntl(listen_fd, F_GETFL);
    fcntl(listen_fd, F_SETFL, fl | O_NONBLOCK);
    for (int s; (s = accept(listen_fd, NULL, NULL)) >= 0;) close(s);
    fcntl(listen_fd, F_SETFL, fl);
    return 0;
}
