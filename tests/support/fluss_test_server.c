/*
 * fluss_test_server.c - lifecycle, listeners, the poll() loop, connections and
 * framing of the Fluss test server.
 *
 * Framing (fluss-protocol.md §1.1, §1.5), as the Java server does it:
 *   [int32 BE length][length bytes]
 * - The length field counts the bytes after it. A frame whose prefix + length
 *   exceeds netty.server.max-request-size (100 MiB) or whose length is negative
 *   gets a SERVER_FAILURE frame (code -1, Netty's "Adjusted frame length exceeds"
 *   text) and the connection is closed ({rpc}/netty/server/ServerChannelInitializer.java
 *   frame decoder; NettyServerHandler.java exceptionCaught).
 * - A frame shorter than the 8-byte request header is read whole, then fails the
 *   same way (NettyServerHandler.channelRead reads past the end -> exceptionCaught).
 * - Requests of one connection are processed in arrival order; responses may be
 *   held back by a DELAY fault, so they can leave out of order, which the Java
 *   server also allows (RequestProcessorPool.java, delayed PutKv).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bytes.h"
#include "fluss_ts_internal.h"
#include "logging.h"

int64_t fts_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

fts_node_t *fts_node(kfb_fts_t *s, int node) {
    if (node == KFB_FTS_COORDINATOR) return &s->nodes[0];
    if (node >= 0 && node < s->n_tablets) return &s->nodes[node + 1];
    return NULL;
}

void fts_wake(kfb_fts_t *s) {
    if (s->offline || s->wake_pipe[1] < 0) return;
    char c = 1;
    ssize_t r = write(s->wake_pipe[1], &c, 1);
    (void)r; /* a full pipe already guarantees a wake-up */
}

static char *dupstr(const char *p) { return p ? strdup(p) : NULL; }

static bool host_is_v6(const char *host) { return strchr(host, ':') != NULL; }

/* Binds the node's listener on s->host:port (port 0 = ephemeral, then remembered
 * so a listener reopened after a refusal window comes back on the same port). */
static int node_listen(kfb_fts_t *s, fts_node_t *n, char *errstr, size_t errstr_size) {
    bool v6 = host_is_v6(s->host);
    int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(errstr, errstr_size, "socket(): %s", strerror(errno));
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_storage ss;
    socklen_t sl;
    memset(&ss, 0, sizeof(ss));
    if (v6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)n->port);
        inet_pton(AF_INET6, s->host, &a->sin6_addr);
        sl = sizeof(*a);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)n->port);
        inet_pton(AF_INET, s->host, &a->sin_addr);
        sl = sizeof(*a);
    }
    if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 64) != 0) {
        snprintf(errstr, errstr_size, "cannot listen on %s port %d: %s; pick another port or 0",
                 s->host, n->port, strerror(errno));
        close(fd);
        return -1;
    }
    sl = sizeof(ss);
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    /* Only the first bind picks the port (0 = ephemeral); a listener reopened by the
     * loop thread binds the same port again and must not write n->port, which
     * kfb_fts_port() reads from other threads without s->mu. */
    if (n->port == 0)
        n->port = ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                           : ((struct sockaddr_in *)&ss)->sin_port);
    n->listen_fd = fd;
    return 0;
}

void fts_conn_free(fts_conn_t *c) {
    if (!c) return;
    if (c->fd >= 0) close(c->fd);
    kfb_buf_free(&c->in);
    kfb_buf_free(&c->out);
    while (c->delayed) {
        fts_delayed_t *d = c->delayed;
        c->delayed = d->next;
        free(d);
    }
    free(c);
}

/* ---- framing ---- */

void fts_conn_process_input(kfb_fts_t *s, fts_conn_t *c) {
    while (!c->dead && !c->closing) {
        size_t avail = c->in.len - c->in_off;
        if (avail < 4) break;
        const uint8_t *p = c->in.data + c->in_off;
        int32_t flen = (int32_t)kfb_get_be32(p);
        /* Netty's LengthFieldBasedFrameDecoder (failFast) rejects as soon as it
         * has seen the length field. */
        if (flen < 0) {
            char msg[128];
            snprintf(msg, sizeof(msg), "negative pre-adjustment length field: %d", flen);
            fts_send_server_failure(s, c, KFB_FLUSS_UNKNOWN_SERVER_ERROR, msg);
            break;
        }
        if ((int64_t)flen + 4 > s->max_request) {
            char msg[160];
            snprintf(msg, sizeof(msg), "Adjusted frame length exceeds %d: %lld - discarded",
                     s->max_request, (long long)flen + 4);
            fts_send_server_failure(s, c, KFB_FLUSS_UNKNOWN_SERVER_ERROR, msg);
            break;
        }
        if (avail - 4 < (size_t)flen) break;
        c->in_off += 4 + (size_t)flen;
        fts_dispatch_frame(s, c, p + 4, (size_t)flen);
    }
    if (c->in_off == c->in.len) {
        c->in_off = 0;
        kfb_buf_reset(&c->in);
    } else if (c->in_off > 65536 && c->in_off * 2 > c->in.len) {
        memmove(c->in.data, c->in.data + c->in_off, c->in.len - c->in_off);
        c->in.len -= c->in_off;
        c->in_off = 0;
    }
}

long kfb_fts_feed_bytes(kfb_fts_t *s, int node, const uint8_t *data, size_t len) {
    fts_conn_t *c = calloc(1, sizeof(*c));
    if (!c) return -1;
    c->fd = -1;
    c->node = node;
    c->authenticated = s->sasl_user == NULL;
    long ret = -1;
    if (kfb_buf_append(&c->in, data, len) == KFB_ERR_OK) {
        pthread_mutex_lock(&s->mu);
        fts_conn_process_input(s, c);
        pthread_mutex_unlock(&s->mu);
        size_t n = c->out.len;
        for (fts_delayed_t *d = c->delayed; d; d = d->next) n += d->len;
        ret = (c->dead || c->closing) ? -1 : (long)n;
    }
    fts_conn_free(c);
    return ret;
}

/* ---- the loop ---- */

static void conn_read(kfb_fts_t *s, fts_conn_t *c) {
    for (int rounds = 0; rounds < 64; rounds++) {
        if (kfb_buf_reserve(&c->in, 65536) != KFB_ERR_OK) {
            c->dead = true;
            return;
        }
        ssize_t r = read(c->fd, c->in.data + c->in.len, c->in.cap - c->in.len);
        if (r > 0) {
            c->in.len += (size_t)r;
            fts_conn_process_input(s, c);
            if (c->dead || c->closing) return;
            continue;
        }
        if (r == 0) {
            c->dead = true;
            return;
        }
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) c->dead = true;
        return;
    }
}

static void conn_write(fts_conn_t *c) {
    while (c->out_off < c->out.len) {
        ssize_t w = send(c->fd, c->out.data + c->out_off, c->out.len - c->out_off, MSG_NOSIGNAL);
        if (w > 0) {
            c->out_off += (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        c->dead = true;
        return;
    }
    c->out_off = 0;
    kfb_buf_reset(&c->out);
}

/* Moves due delayed responses into the output buffer. */
static void conn_release_delayed(fts_conn_t *c, int64_t now) {
    while (c->delayed && c->delayed->due_ms <= now) {
        fts_delayed_t *d = c->delayed;
        c->delayed = d->next;
        if (kfb_buf_append(&c->out, d->data, d->len) != KFB_ERR_OK) c->dead = true;
        if (d->close_after) c->closing = true;
        free(d);
    }
}

static void accept_all(kfb_fts_t *s, fts_node_t *n) {
    for (;;) {
        int fd = accept4(n->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return;
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        fts_conn_t *c = calloc(1, sizeof(*c));
        if (!c) {
            close(fd);
            return;
        }
        c->fd = fd;
        c->node = n->node;
        c->authenticated = s->sasl_user == NULL;
        c->next = s->conns;
        s->conns = c;
        s->stats.connections++;
    }
}

/* Applies refusal windows and drop requests; caller holds s->mu. Returns the
 * earliest time something must happen again. */
static int64_t apply_node_intents(kfb_fts_t *s, int64_t now) {
    int64_t next = INT64_MAX;
    for (int i = 0; i <= s->n_tablets; i++) {
        fts_node_t *n = &s->nodes[i];
        bool drop = n->drop_requested;
        if (n->refuse_until_ms > now) {
            if (n->listen_fd >= 0) {
                close(n->listen_fd);
                n->listen_fd = -1;
                drop = true;
            }
            if (n->refuse_until_ms < next) next = n->refuse_until_ms;
        } else if (n->listen_fd < 0) {
            char err[256];
            if (node_listen(s, n, err, sizeof(err)) != 0) {
                KFB_WARN(FTS_FAC, "reopening listener: %s (retrying)", err);
                if (now + 50 < next) next = now + 50;
            } else {
                n->refuse_until_ms = 0;
            }
        }
        if (drop) {
            for (fts_conn_t *c = s->conns; c; c = c->next)
                if (c->node == n->node) c->dead = true;
            n->drop_requested = false;
        }
    }
    return next;
}

/* Frees connections marked dead; caller holds s->mu. */
static void reap_dead(kfb_fts_t *s) {
    for (fts_conn_t **pp = &s->conns; *pp;) {
        fts_conn_t *c = *pp;
        if (c->dead) {
            *pp = c->next;
            fts_conn_free(c);
        } else {
            pp = &c->next;
        }
    }
}

static void *loop_main(void *arg) {
    kfb_fts_t *s = arg;
    struct pollfd *pfds = NULL;
    fts_conn_t **pconns = NULL;
    size_t cap = 0;
    while (!atomic_load(&s->stopping)) {
        int64_t now = fts_now_ms();
        pthread_mutex_lock(&s->mu);
        int64_t next = apply_node_intents(s, now);
        reap_dead(s);
        size_t nconns = 0;
        for (fts_conn_t *c = s->conns; c; c = c->next) {
            conn_release_delayed(c, now);
            if (c->delayed && c->delayed->due_ms < next) next = c->delayed->due_ms;
            nconns++;
        }
        size_t need = 1 + (size_t)s->n_tablets + 1 + nconns;
        if (need > cap) {
            cap = need * 2;
            pfds = realloc(pfds, cap * sizeof(*pfds));
            pconns = realloc(pconns, cap * sizeof(*pconns));
            if (!pfds || !pconns) abort(); /* test support: no recovery from OOM */
        }
        size_t np = 0;
        pfds[np] = (struct pollfd){.fd = s->wake_pipe[0], .events = POLLIN};
        pconns[np++] = NULL;
        for (int i = 0; i <= s->n_tablets; i++) {
            pfds[np] = (struct pollfd){.fd = s->nodes[i].listen_fd, .events = POLLIN};
            pconns[np++] = NULL; /* fd -1 is ignored by poll */
        }
        size_t first_conn = np;
        for (fts_conn_t *c = s->conns; c; c = c->next) {
            short ev = POLLIN;
            if (c->out.len > c->out_off) ev |= POLLOUT;
            if (c->closing) ev = POLLOUT;
            pfds[np] = (struct pollfd){.fd = c->fd, .events = ev};
            pconns[np++] = c;
        }
        pthread_mutex_unlock(&s->mu);

        int timeout = 1000;
        if (next != INT64_MAX) {
            int64_t d = next - now;
            timeout = d < 0 ? 0 : (d > 1000 ? 1000 : (int)d);
        }
        int r = poll(pfds, np, timeout);
        if (r < 0 && errno != EINTR) break;
        if (atomic_load(&s->stopping)) break;

        pthread_mutex_lock(&s->mu);
        if (pfds[0].revents & POLLIN) {
            char buf[64];
            while (read(s->wake_pipe[0], buf, sizeof(buf)) > 0) {
            }
        }
        for (int i = 0; i <= s->n_tablets; i++) {
            fts_node_t *n = &s->nodes[i];
            if (n->listen_fd >= 0 && pfds[1 + i].fd == n->listen_fd &&
                (pfds[1 + i].revents & POLLIN))
                accept_all(s, n);
        }
        for (size_t i = first_conn; i < np; i++) {
            fts_conn_t *c = pconns[i];
            if (c->dead) continue;
            if ((pfds[i].revents & (POLLIN | POLLHUP | POLLERR)) && !c->closing)
                conn_read(s, c);
            if (pfds[i].revents & POLLERR) c->dead = true;
        }
        now = fts_now_ms();
        for (fts_conn_t **pp = &s->conns; *pp;) {
            fts_conn_t *c = *pp;
            if (!c->dead) {
                conn_release_delayed(c, now);
                if (c->out.len > c->out_off) conn_write(c);
                if (c->closing && c->out.len == c->out_off) c->dead = true;
            }
            pp = &c->next;
        }
        reap_dead(s);
        pthread_mutex_unlock(&s->mu);
    }
    free(pfds);
    free(pconns);
    return NULL;
}

/* ---- lifecycle ---- */

static kfb_fts_t *server_new(const kfb_fts_config_t *cfg, bool offline, char *errstr,
                             size_t errstr_size) {
    kfb_fts_config_t dflt = {0};
    if (!cfg) cfg = &dflt;
    const char *host = cfg->host ? cfg->host : "127.0.0.1";
    if (strcmp(host, "127.0.0.1") != 0 && strcmp(host, "::1") != 0) {
        snprintf(errstr, errstr_size,
                 "test server host '%s' refused: only 127.0.0.1 or ::1 (loopback) are allowed",
                 host);
        return NULL;
    }
    int nt = cfg->n_tablet_servers ? cfg->n_tablet_servers : 1;
    if (nt < 1 || nt > KFB_FTS_MAX_TABLET_SERVERS) {
        snprintf(errstr, errstr_size, "n_tablet_servers %d out of range 1..%d",
                 cfg->n_tablet_servers, KFB_FTS_MAX_TABLET_SERVERS);
        return NULL;
    }
    if ((cfg->sasl_username == NULL) != (cfg->sasl_password == NULL) ||
        (cfg->sasl_username && (!*cfg->sasl_username || !*cfg->sasl_password))) {
        snprintf(errstr, errstr_size,
                 "SASL needs both a non-empty username and a non-empty password");
        return NULL;
    }
    if (cfg->max_request_size < 0 || (cfg->max_request_size > 0 && cfg->max_request_size < 12)) {
        snprintf(errstr, errstr_size, "max_request_size %d is too small (at least 12)",
                 cfg->max_request_size);
        return NULL;
    }
    kfb_fts_t *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    s->cfg = *cfg;
    s->host = dupstr(host);
    s->sasl_user = dupstr(cfg->sasl_username);
    s->sasl_pass = dupstr(cfg->sasl_password);
    s->cfg.host = s->host;
    s->cfg.tables_file = NULL;
    s->cfg.sasl_username = s->sasl_user;
    s->cfg.sasl_password = s->sasl_pass;
    s->offline = offline;
    s->max_request = cfg->max_request_size ? cfg->max_request_size : FTS_DEFAULT_MAX_REQUEST;
    s->n_tablets = nt;
    s->next_table_id = 1;
    s->next_partition_id = 1;
    s->wake_pipe[0] = s->wake_pipe[1] = -1;
    pthread_mutex_init(&s->mu, NULL);
    for (int i = 0; i <= nt; i++) {
        s->nodes[i].node = i == 0 ? KFB_FTS_COORDINATOR : i - 1;
        s->nodes[i].listen_fd = -1;
        s->nodes[i].port = i == 0 ? cfg->coordinator_port : cfg->tablet_ports[i - 1];
    }
    if (!offline) {
        for (int i = 0; i <= nt; i++) {
            if (node_listen(s, &s->nodes[i], errstr, errstr_size) != 0) {
                kfb_fluss_test_server_stop(s);
                return NULL;
            }
        }
        if (pipe2(s->wake_pipe, O_NONBLOCK | O_CLOEXEC) != 0) {
            snprintf(errstr, errstr_size, "pipe(): %s", strerror(errno));
            kfb_fluss_test_server_stop(s);
            return NULL;
        }
    }
    snprintf(s->bootstrap, sizeof(s->bootstrap), host_is_v6(host) ? "[%s]:%d" : "%s:%d", host,
             s->nodes[0].port);
    if (cfg->tables_file &&
        kfb_fts_load_tables_file(s, cfg->tables_file, errstr, errstr_size) != KFB_ERR_OK) {
        kfb_fluss_test_server_stop(s);
        return NULL;
    }
    return s;
}

kfb_fts_t *kfb_fts_new_offline(const kfb_fts_config_t *cfg, char *errstr, size_t errstr_size) {
    return server_new(cfg, true, errstr, errstr_size);
}

kfb_fts_t *kfb_fluss_test_server_start(const kfb_fts_config_t *cfg, char *errstr,
                                       size_t errstr_size) {
    kfb_fts_t *s = server_new(cfg, false, errstr, errstr_size);
    if (!s) return NULL;
    if (pthread_create(&s->thread, NULL, loop_main, s) != 0) {
        snprintf(errstr, errstr_size, "cannot start the server thread");
        kfb_fluss_test_server_stop(s);
        return NULL;
    }
    s->thread_started = true;
    return s;
}

void kfb_fluss_test_server_stop(kfb_fts_t *s) {
    if (!s) return;
    if (s->thread_started) {
        atomic_store(&s->stopping, true);
        fts_wake(s);
        pthread_join(s->thread, NULL);
    }
    while (s->conns) {
        fts_conn_t *c = s->conns;
        s->conns = c->next;
        fts_conn_free(c);
    }
    for (int i = 0; i <= s->n_tablets; i++)
        if (s->nodes[i].listen_fd >= 0) close(s->nodes[i].listen_fd);
    if (s->wake_pipe[0] >= 0) close(s->wake_pipe[0]);
    if (s->wake_pipe[1] >= 0) close(s->wake_pipe[1]);
    for (int i = 0; i < FTS_NUM_APIS; i++) kfb_buf_free(&s->last_request[i]);
    for (size_t i = 0; i < s->ntables; i++) fts_table_free(s->tables[i]);
    free(s->tables);
    for (size_t i = 0; i < s->ndatabases; i++) free(s->databases[i]);
    free(s->databases);
    free(s->faults);
    kfb_buf_free(&s->putkv_log);
    kfb_buf_free(&s->batch_log);
    kfb_buf_free(&s->last_putkv);
    free(s->host);
    free(s->sasl_user);
    free(s->sasl_pass);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

int kfb_fts_port(const kfb_fts_t *s, int node) {
    if (!s) return -1;
    if (node == KFB_FTS_COORDINATOR) return s->nodes[0].port;
    if (node >= 0 && node < s->n_tablets) return s->nodes[node + 1].port;
    return -1;
}

int kfb_fts_tablet_count(const kfb_fts_t *s) { return s ? s->n_tablets : 0; }

const char *kfb_fts_bootstrap(const kfb_fts_t *s) { return s->bootstrap; }

kfb_err_t kfb_fts_refuse_connections(kfb_fts_t *s, int node, int ms) {
    if (ms < 0 || (node != KFB_FTS_ANY && !fts_node(s, node))) return KFB_ERR_INVALID_ARG;
    pthread_mutex_lock(&s->mu);
    int64_t until = fts_now_ms() + ms;
    for (int i = 0; i <= s->n_tablets; i++)
        if (node == KFB_FTS_ANY || s->nodes[i].node == node) s->nodes[i].refuse_until_ms = until;
    pthread_mutex_unlock(&s->mu);
    fts_wake(s);
    /* The listener must be closed before the caller's next connect attempt. */
    for (int spins = 0; spins < 2000 && !s->offline; spins++) {
        bool done = true;
        pthread_mutex_lock(&s->mu);
        for (int i = 0; i <= s->n_tablets; i++)
            if ((node == KFB_FTS_ANY || s->nodes[i].node == node) &&
                s->nodes[i].refuse_until_ms > fts_now_ms() && s->nodes[i].listen_fd >= 0)
                done = false;
        pthread_mutex_unlock(&s->mu);
        if (done) break;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    return KFB_ERR_OK;
}

void kfb_fts_drop_connections(kfb_fts_t *s, int node) {
    pthread_mutex_lock(&s->mu);
    for (int i = 0; i <= s->n_tablets; i++)
        if (node == KFB_FTS_ANY || s->nodes[i].node == node) s->nodes[i].drop_requested = true;
    pthread_mutex_unlock(&s->mu);
    fts_wake(s);
}
