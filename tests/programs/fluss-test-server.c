/*
 * fluss-test-server - the Fluss test server as a standalone process, for
 * benchmarks, the quickstart and shell integration tests.
 *
 *   fluss-test-server [--tables FILE] [--tablet-servers N] [--control-port P] ...
 *
 * On start it prints one line to stdout and flushes it:
 *   READY bootstrap=127.0.0.1:P coordinator=P tablet0=P ... control=P
 * then serves the text control protocol (one command per line, replies "OK ..."
 * or "ERR ...", commands in tests/support/fluss_ts_control.c and --help) on the
 * loopback control port and, with --stdin, on stdin/stdout. "quit", SIGINT,
 * SIGTERM or end of stdin (with --stdin) stop it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "fluss_test_server.h"
#include "logging.h"

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig) {
    (void)sig;
    stop_flag = 1;
}

static void usage(FILE *f) {
    fprintf(f,
            "usage: fluss-test-server [options]\n"
            "A Fluss cluster double on loopback: one coordinator, N tablet servers.\n\n"
            "  --host ADDR             127.0.0.1 (default) or ::1\n"
            "  --coordinator-port P    coordinator port (default 0 = ephemeral)\n"
            "  --tablet-servers N      number of tablet servers, 1..8 (default 1)\n"
            "  --tablet-port P         port of the next tablet server (repeatable)\n"
            "  --tables FILE           tables file (JSON, see tests/data/orders.tables.json)\n"
            "  --table DB.TABLE:BUCKETS:LEADERS:DESCRIPTOR_FILE\n"
            "                          one table from a TableDescriptor JSON file (repeatable);\n"
            "                          BUCKETS 0 = from the descriptor, LEADERS '-' or 0/1/0\n"
            "  --sasl-user U --sasl-password P   require SASL/PLAIN on every listener\n"
            "  --lenient               check only what Fluss checks (no CRC/magic/bucket checks)\n"
            "  --max-request-size N    frame limit in bytes (default 104857600)\n"
            "  --control-port P        control port (default 0 = ephemeral; -1 = none)\n"
            "  --stdin                 also read control commands from stdin\n"
            "  --port-file FILE        also write the READY line to FILE\n"
            "  --verbose               log every request\n"
            "  --help                  this text\n\n"
            "Control commands (one per line; replies start with OK or ERR):\n"
            "  help | ports | stats | faults | clear-faults | batches | quit\n"
            "  table-id DB TABLE\n"
            "  add-table DB TABLE BUCKETS LEADERS|- DESCRIPTOR_JSON\n"
            "  add-partition DB TABLE NAME      (NAME = partition values joined by '$')\n"
            "  load-tables PATH\n"
            "  dump DB TABLE    rows rendered with the latest schema (older rows: null in\n"
            "                   the columns added since)\n"
            "  alter-table DB TABLE add-column NAME TYPE [NOT NULL] [add-column ...]\n"
            "        ALTER TABLE as Fluss's AlterTable: nullable columns added at the end under\n"
            "        the next schema id (earlier ids stay readable); replies OK <schema id> or\n"
            "        ERR <Fluss error> (<code>): <message>. TYPE: BOOLEAN TINYINT SMALLINT INT\n"
            "        BIGINT FLOAT DOUBLE STRING BYTES DATE CHAR(n) BINARY(n) DECIMAL(p,s) TIME(p)\n"
            "        TIMESTAMP(p) TIMESTAMP_LTZ(p), or type JSON without blanks\n"
            "  schema DB TABLE [ID]   the schema JSON of one schema id (default: latest)\n"
            "  fault KIND [api=KEY|NAME|any] [node=N|coordinator|any] [table=ID] [bucket=B]\n"
            "             [code=C] [delay=MS] [count=N|-1] [after_apply=1] [skip=N]\n"
            "        KIND: error, delay, drop-before, drop-after, server-failure, no-response\n"
            "        skip=N lets N matching requests (buckets) pass before it fires, e.g.\n"
            "        'fault drop-after api=PutKv' then 'fault error bucket=0 code=33 skip=1':\n"
            "        a batch is applied and its answer lost, then its bucket's next batch\n"
            "        (the resend) gets UNKNOWN_WRITER_ID\n"
            "  batches     one line per PutKv bucket batch received: node, table, partition,\n"
            "              bucket, writer, seq, records (CRC-32C of the records), result\n"
            "              (applied|duplicate|refused), code, schema (the batch header's\n"
            "              schema id); the reply is the lines after OK\n"
            "  move-leader TABLE_ID BUCKET NODE\n"
            "  refuse NODE|coordinator|any MS\n"
            "  drop-connections NODE|coordinator|any\n");
}

/* --table DB.TABLE:BUCKETS:LEADERS:FILE */
static int add_table_flag(kfb_fts_t *s, const char *spec) {
    char db[256], tb[256], leaders_s[1024], file[1024];
    int buckets;
    if (sscanf(spec, "%255[^.].%255[^:]:%d:%1023[^:]:%1023[^\n]", db, tb, &buckets, leaders_s,
               file) != 5) {
        fprintf(stderr, "fluss-test-server: --table '%s': expected DB.TABLE:BUCKETS:LEADERS:FILE\n",
                spec);
        return -1;
    }
    kfb_buf_t json = KFB_BUF_INIT;
    int sys = 0;
    kfb_err_t rerr = kfb_buf_read_file(&json, file, 0, &sys);
    if (rerr) {
        fprintf(stderr, "fluss-test-server: --table: cannot open %s: %s\n", file,
                rerr == KFB_ERR_IO ? strerror(sys) : kfb_err_message(rerr));
        return -1;
    }
    int leaders[4096], nl = 0;
    if (strcmp(leaders_s, "-") != 0) {
        char *save = NULL;
        for (char *t = strtok_r(leaders_s, "/,", &save); t && nl < 4096; t = strtok_r(NULL, "/,", &save))
            leaders[nl++] = atoi(t);
        if (buckets == 0) buckets = nl;
    }
    char err[512];
    int rc = 0;
    if (nl && nl != buckets) {
        fprintf(stderr, "fluss-test-server: --table '%s': %d leaders for %d buckets\n", spec, nl,
                buckets);
        rc = -1;
    } else if (kfb_fts_add_table(s, db, tb, json.data ? (const char *)json.data : "", buckets,
                                 nl ? leaders : NULL, NULL, err, sizeof(err)) != KFB_ERR_OK) {
        fprintf(stderr, "fluss-test-server: --table '%s': %s\n", spec, err);
        rc = -1;
    }
    kfb_buf_free(&json);
    return rc;
}

typedef struct ctl_conn {
    int fd_in, fd_out;
    kfb_buf_t in;
} ctl_conn_t;

#define MAX_CTL 32

static int open_control(const char *host, int port, int *bound) {
    int v6 = strchr(host, ':') != NULL;
    int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    socklen_t sl;
    if (v6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        inet_pton(AF_INET6, host, &a->sin6_addr);
        sl = sizeof(*a);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)port);
        inet_pton(AF_INET, host, &a->sin_addr);
        sl = sizeof(*a);
    }
    if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 8) != 0) {
        close(fd);
        return -1;
    }
    sl = sizeof(ss);
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    *bound = ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port : ((struct sockaddr_in *)&ss)->sin_port);
    return fd;
}

static void write_all(int fd, const char *p, size_t n) {
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        p += w;
        n -= (size_t)w;
    }
}

/* Runs complete lines; returns 1 when "quit" was seen. */
static int run_lines(kfb_fts_t *s, ctl_conn_t *c) {
    size_t start = 0;
    int quit = 0;
    for (size_t i = 0; i < c->in.len; i++) {
        if (c->in.data[i] != '\n') continue;
        c->in.data[i] = 0;
        if (i > start && c->in.data[i - 1] == '\r') c->in.data[i - 1] = 0;
        const char *line = (const char *)c->in.data + start;
        start = i + 1;
        while (*line == ' ' || *line == '\t') line++;
        if (!*line || *line == '#') continue;
        if (strcmp(line, "quit") == 0) {
            write_all(c->fd_out, "OK bye\n", 7);
            quit = 1;
            break;
        }
        char *r = kfb_fts_control(s, line);
        if (r) write_all(c->fd_out, r, strlen(r));
        free(r);
    }
    memmove(c->in.data, c->in.data + start, c->in.len - start);
    c->in.len -= start;
    return quit;
}

int main(int argc, char **argv) {
    kfb_fts_config_t cfg = {0};
    int control_port = 0, use_stdin = 0, ntp = 0;
    const char *port_file = NULL;
    const char *table_specs[64];
    int ntables = 0;
    enum { O_HOST = 1, O_CPORT, O_NTS, O_TPORT, O_TABLES, O_USER, O_PASS, O_LENIENT, O_MAX,
           O_CTL, O_STDIN, O_PFILE, O_VERBOSE, O_HELP, O_TABLE };
    static const struct option opts[] = {
        {"host", required_argument, 0, O_HOST},
        {"coordinator-port", required_argument, 0, O_CPORT},
        {"tablet-servers", required_argument, 0, O_NTS},
        {"tablet-port", required_argument, 0, O_TPORT},
        {"tables", required_argument, 0, O_TABLES},
        {"table", required_argument, 0, O_TABLE},
        {"sasl-user", required_argument, 0, O_USER},
        {"sasl-password", required_argument, 0, O_PASS},
        {"lenient", no_argument, 0, O_LENIENT},
        {"max-request-size", required_argument, 0, O_MAX},
        {"control-port", required_argument, 0, O_CTL},
        {"stdin", no_argument, 0, O_STDIN},
        {"port-file", required_argument, 0, O_PFILE},
        {"verbose", no_argument, 0, O_VERBOSE},
        {"help", no_argument, 0, O_HELP},
        {0, 0, 0, 0},
    };
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case O_HOST: cfg.host = optarg; break;
        case O_CPORT: cfg.coordinator_port = atoi(optarg); break;
        case O_NTS: cfg.n_tablet_servers = atoi(optarg); break;
        case O_TPORT:
            if (ntp >= KFB_FTS_MAX_TABLET_SERVERS) {
                fprintf(stderr, "fluss-test-server: at most %d --tablet-port\n",
                        KFB_FTS_MAX_TABLET_SERVERS);
                return 2;
            }
            cfg.tablet_ports[ntp++] = atoi(optarg);
            break;
        case O_TABLES: cfg.tables_file = optarg; break;
        case O_TABLE:
            if (ntables == 64) {
                fprintf(stderr, "fluss-test-server: at most 64 --table\n");
                return 2;
            }
            table_specs[ntables++] = optarg;
            break;
        case O_USER: cfg.sasl_username = optarg; break;
        case O_PASS: cfg.sasl_password = optarg; break;
        case O_LENIENT: cfg.lenient = 1; break;
        case O_MAX: cfg.max_request_size = atoi(optarg); break;
        case O_CTL: control_port = atoi(optarg); break;
        case O_STDIN: use_stdin = 1; break;
        case O_PFILE: port_file = optarg; break;
        case O_VERBOSE:
            cfg.verbose = 1;
            kfb_log_set_level(KFB_LOG_DEBUG);
            break;
        case O_HELP: usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "fluss-test-server: unexpected argument '%s'; see --help\n", argv[optind]);
        return 2;
    }
    if (ntp && !cfg.n_tablet_servers) cfg.n_tablet_servers = ntp;
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    char err[512];
    kfb_fts_t *s = kfb_fluss_test_server_start(&cfg, err, sizeof(err));
    if (!s) {
        fprintf(stderr, "fluss-test-server: %s\n", err);
        return 1;
    }
    for (int i = 0; i < ntables; i++) {
        if (add_table_flag(s, table_specs[i]) != 0) {
            kfb_fluss_test_server_stop(s);
            return 1;
        }
    }
    const char *host = cfg.host ? cfg.host : "127.0.0.1";
    int lfd = -1, cport = -1;
    if (control_port >= 0) {
        lfd = open_control(host, control_port, &cport);
        if (lfd < 0) {
            fprintf(stderr, "fluss-test-server: cannot open control port %d: %s\n", control_port,
                    strerror(errno));
            kfb_fluss_test_server_stop(s);
            return 1;
        }
    }
    char ready[512];
    int off = snprintf(ready, sizeof(ready), "READY bootstrap=%s coordinator=%d",
                       kfb_fts_bootstrap(s), kfb_fts_port(s, KFB_FTS_COORDINATOR));
    for (int i = 0; i < kfb_fts_tablet_count(s); i++)
        off += snprintf(ready + off, sizeof(ready) - (size_t)off, " tablet%d=%d", i, kfb_fts_port(s, i));
    snprintf(ready + off, sizeof(ready) - (size_t)off, " control=%d\n", cport);
    fputs(ready, stdout);
    fflush(stdout);
    if (port_file) {
        FILE *pf = fopen(port_file, "w");
        if (pf) {
            fputs(ready, pf);
            fclose(pf);
        }
    }

    ctl_conn_t conns[MAX_CTL];
    int nconns = 0;
    if (use_stdin) conns[nconns++] = (ctl_conn_t){0, 1, KFB_BUF_INIT};
    int quit = 0;
    while (!stop_flag && !quit) {
        struct pollfd pfd[MAX_CTL + 1];
        int np = 0;
        if (lfd >= 0) pfd[np++] = (struct pollfd){.fd = lfd, .events = POLLIN};
        for (int i = 0; i < nconns; i++) pfd[np++] = (struct pollfd){.fd = conns[i].fd_in, .events = POLLIN};
        int r = poll(pfd, (nfds_t)np, 500);
        if (r < 0) {
            if (errno == EINTR) continue;
            break;
        }
        int base = 0;
        if (lfd >= 0) {
            base = 1;
            if (pfd[0].revents & POLLIN) {
                int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
                if (fd >= 0 && nconns < MAX_CTL) conns[nconns++] = (ctl_conn_t){fd, fd, KFB_BUF_INIT};
                else if (fd >= 0) close(fd);
            }
        }
        for (int i = 0; i < np - base && !quit; i++) {
            if (!(pfd[base + i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            ctl_conn_t *c = &conns[i];
            char buf[4096];
            ssize_t n = read(c->fd_in, buf, sizeof(buf));
            if (n > 0 && kfb_buf_append(&c->in, buf, (size_t)n) == KFB_ERR_OK) {
                quit = run_lines(s, c);
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            /* closed: stdin ending stops the server, a socket just goes away */
            if (c->fd_in == 0) quit = 1;
            else close(c->fd_in);
            kfb_buf_free(&c->in);
            c->fd_in = -1;
        }
        int k = 0;
        for (int i = 0; i < nconns; i++)
            if (conns[i].fd_in >= 0 || i >= np - base) conns[k++] = conns[i];
        nconns = k;
    }
    for (int i = 0; i < nconns; i++) {
        if (conns[i].fd_in > 0) close(conns[i].fd_in);
        kfb_buf_free(&conns[i].in);
    }
    if (lfd >= 0) close(lfd);
    kfb_fluss_test_server_stop(s);
    return 0;
}
