/* bench_putkv.c - PutKv throughput of the Fluss client against the Fluss test
 * server running in its own process on loopback, side by side with a baseline
 * measured in the same run: the same PutKv frames (same batches, same writer
 * stamping, same grouping of one batch per bucket per request), pre-encoded and
 * blasted through one plain blocking TCP socket to the same server, responses
 * read back. The ratio client/baseline is the client's cost: its I/O thread,
 * queue, per-bucket sequencing and callbacks.
 *
 * Workload: 16 buckets, 100-byte records (INTEGER key + STRING payload), 256 KiB
 * batches, 64 MiB per run, 5 alternating rounds; the median ratio is the result. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "bucketing.h"
#include "bytes.h"
#include "compacted_row.h"
#include "crc32c.h"
#include "fluss_api.pb-c.h"
#include "fluss_client.h"
#include "kv_batch.h"
#include "rpc_frame.h"

#define NBUCKETS 16
#define BATCH_LIMIT (256 * 1024)
#define TOTAL_BYTES ((size_t)64 * 1024 * 1024)
#define ROUNDS 5

static const char *DESC =
    "{\"version\":1,\"schema\":{\"version\":1,\"columns\":["
    "{\"name\":\"id\",\"data_type\":{\"type\":\"INTEGER\",\"nullable\":false},\"id\":0},"
    "{\"name\":\"payload\",\"data_type\":{\"type\":\"STRING\"},\"id\":1}],"
    "\"primary_key\":[\"id\"],\"highest_field_id\":1},"
    "\"partition_key\":[],\"properties\":{},\"custom_properties\":{}}";

typedef struct batch {
    uint8_t *bytes;
    size_t len;
    int bucket;
    int records;
} batch_t;

static batch_t *batches;
static int nbatches;
static long total_records;

static void die(const char *m) {
    fprintf(stderr, "bench_putkv: %s\n", m);
    exit(1);
}

/* Builds batches in round-robin bucket order (b0 b1 .. b15 b0 ...), which is
 * also the order both senders use. */
static void build_batches(void) {
    char err[256];
    kfb_kv_batch_builder_t *bb[NBUCKETS];
    for (int b = 0; b < NBUCKETS; b++)
        if (!(bb[b] = kfb_kv_batch_builder_new(1, BATCH_LIMIT, err, sizeof err))) die(err);
    batch_t *per[NBUCKETS];
    int nper[NBUCKETS] = {0}, cap = (int)(TOTAL_BYTES / BATCH_LIMIT / NBUCKETS) + 4;
    for (int b = 0; b < NBUCKETS; b++) per[b] = calloc((size_t)cap, sizeof(batch_t));
    kfb_buf_t key = KFB_BUF_INIT, val = KFB_BUF_INIT;
    char payload[91];
    memset(payload, 'x', 90);
    size_t bytes = 0;
    for (int32_t id = 0; bytes < TOTAL_BYTES; id++) {
        kfb_row_writer_t w;
        kfb_buf_reset(&key);
        kfb_buf_reset(&val);
        kfb_key_writer_begin(&w, &key);
        kfb_row_write_int(&w, id);
        kfb_row_writer_begin(&w, &val, 2);
        kfb_row_write_int(&w, id);
        kfb_row_write_string(&w, payload, 90);
        int b = kfb_bucket_fluss(key.data, key.len, NBUCKETS);
        kfb_err_t e = kfb_kv_batch_append(bb[b], key.data, key.len, val.data, val.len);
        if (e == KFB_ERR_BATCH_FULL) {
            const uint8_t *p;
            size_t n;
            if (kfb_kv_batch_build(bb[b], &p, &n)) die("build");
            if (nper[b] == cap) die("too many batches");
            batch_t *x = &per[b][nper[b]++];
            x->bytes = malloc(n);
            memcpy(x->bytes, p, n);
            x->len = n;
            x->bucket = b;
            x->records = kfb_kv_batch_record_count(bb[b]);
            bytes += n;
            kfb_kv_batch_reset(bb[b]);
            e = kfb_kv_batch_append(bb[b], key.data, key.len, val.data, val.len);
        }
        if (e) die("append");
    }
    int rounds = 0;
    for (int b = 0; b < NBUCKETS; b++) rounds = nper[b] > rounds ? nper[b] : rounds;
    batches = calloc((size_t)(rounds * NBUCKETS), sizeof(batch_t));
    for (int r = 0; r < rounds; r++)
        for (int b = 0; b < NBUCKETS; b++)
            if (r < nper[b]) {
                batches[nbatches++] = per[b][r];
                total_records += per[b][r].records;
            }
    for (int b = 0; b < NBUCKETS; b++) {
        free(per[b]);
        kfb_kv_batch_abort(bb[b]); /* the partial tail batches are not part of the run */
        kfb_kv_batch_builder_destroy(bb[b]);
    }
    kfb_buf_free(&key);
    kfb_buf_free(&val);
}

/* ---------------------------------------------------------- server process */

static pid_t server_pid;
static FILE *srv_in, *srv_out;
static char bootstrap[128];
static int tablet_port;
static int64_t table_id;

static void start_server(const char *argv0) {
    char path[1024];
    snprintf(path, sizeof path, "%s", argv0);
    char *slash = strrchr(path, '/');
    /* build/X/bench/bench_putkv -> build/X/fluss-test-server */
    if (slash) *slash = '\0';
    slash = strrchr(path, '/');
    if (slash) *slash = '\0';
    else snprintf(path, sizeof path, "..");
    strncat(path, "/fluss-test-server", sizeof path - strlen(path) - 1);
    int in[2], out[2];
    if (pipe(in) || pipe(out)) die("pipe");
    server_pid = fork();
    if (server_pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[1]);
        close(out[0]);
        execl(path, path, "--stdin", "--control-port", "-1", (char *)NULL);
        perror(path);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    srv_in = fdopen(in[1], "w");
    srv_out = fdopen(out[0], "r");
    char line[1024];
    if (!fgets(line, sizeof line, srv_out)) die("test server did not start (is it built?)");
    char *b = strstr(line, "bootstrap="), *t = strstr(line, "tablet0=");
    if (!b || !t) die("unexpected READY line");
    sscanf(b, "bootstrap=%127s", bootstrap);
    tablet_port = atoi(t + 8);
    fprintf(srv_in, "add-table bench t %d - %s\n", NBUCKETS, DESC);
    fflush(srv_in);
    if (!fgets(line, sizeof line, srv_out) || strncmp(line, "OK", 2)) die(line);
    fprintf(srv_in, "table-id bench t\n");
    fflush(srv_in);
    if (!fgets(line, sizeof line, srv_out) || strncmp(line, "OK", 2)) die(line);
    table_id = atoll(line + 3);
}

static void stop_server(void) {
    fprintf(srv_in, "quit\n");
    fflush(srv_in);
    fclose(srv_in);
    int st;
    waitpid(server_pid, &st, 0);
    fclose(srv_out);
}

/* ---------------------------------------------------------------- baseline */

static void write_all(int fd, const uint8_t *p, size_t n) {
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) die("send");
        p += w;
        n -= (size_t)w;
    }
}

/* Reads one response frame; returns its payload length (payload in buf). */
static size_t read_frame(int fd, kfb_buf_t *buf) {
    uint8_t hdr[4];
    size_t got = 0;
    while (got < 4) {
        ssize_t r = recv(fd, hdr + got, 4 - got, 0);
        if (r <= 0) die("recv");
        got += (size_t)r;
    }
    size_t len = kfb_get_be32(hdr);
    kfb_buf_reset(buf);
    if (kfb_buf_reserve(buf, len)) die("nomem");
    got = 0;
    while (got < len) {
        ssize_t r = recv(fd, buf->data + got, len - got, 0);
        if (r <= 0) die("recv");
        got += (size_t)r;
    }
    buf->len = len;
    return len;
}

typedef struct blast {
    int fd;
    kfb_buf_t frames;
} blast_t;

static void *blast_writer(void *arg) {
    blast_t *b = arg;
    write_all(b->fd, b->frames.data, b->frames.len);
    return NULL;
}

static double run_baseline(int *nreq_out) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)tablet_port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a)) die("connect");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    kfb_buf_t out = KFB_BUF_INIT, in = KFB_BUF_INIT;
    Fluss__ApiVersionsRequest av = FLUSS__API_VERSIONS_REQUEST__INIT;
    av.client_software_name = "fluss";
    av.client_software_version = "0.1.0";
    kfb_rpc_encode_request(&out, 1000, 0, 0, &av.base, 0);
    Fluss__InitWriterRequest iw = FLUSS__INIT_WRITER_REQUEST__INIT;
    kfb_rpc_encode_request(&out, 1026, 0, 1, &iw.base, 0);
    write_all(fd, out.data, out.len);
    read_frame(fd, &in);
    read_frame(fd, &in);
    ProtobufCMessage *m = NULL;
    if (in.data[0] != 0 || kfb_rpc_unpack(&fluss__init_writer_response__descriptor, in.data + 5,
                                          in.len - 5, &m))
        die("InitWriter");
    int64_t writer = ((Fluss__InitWriterResponse *)m)->writer_id;
    protobuf_c_message_free_unpacked(m, NULL);
    /* stamp and frame everything before the clock starts */
    int32_t seq[NBUCKETS] = {0};
    blast_t bl = {fd, KFB_BUF_INIT};
    int nreq = 0;
    for (int i = 0; i < nbatches; i += NBUCKETS) {
        Fluss__PbPutKvReqForBucket bb[NBUCKETS], *bp[NBUCKETS];
        int n = 0;
        for (int j = i; j < nbatches && j < i + NBUCKETS; j++, n++) {
            batch_t *x = &batches[j];
            kfb_put_le64(x->bytes + 12, (uint64_t)writer);
            kfb_put_le32(x->bytes + 20, (uint32_t)seq[x->bucket]++);
            kfb_put_le32(x->bytes + 5, kfb_crc32c(0, x->bytes + 9, x->len - 9));
            fluss__pb_put_kv_req_for_bucket__init(&bb[n]);
            bb[n].bucket_id = x->bucket;
            bb[n].records.data = x->bytes;
            bb[n].records.len = x->len;
            bp[n] = &bb[n];
        }
        Fluss__PutKvRequest rq = FLUSS__PUT_KV_REQUEST__INIT;
        rq.acks = -1;
        rq.table_id = table_id;
        rq.timeout_ms = 30000;
        rq.has_agg_mode = 1;
        rq.n_buckets_req = (size_t)n;
        rq.buckets_req = bp;
        if (kfb_rpc_encode_request(&bl.frames, 1016, 2, 2 + nreq, &rq.base, 0)) die("encode");
        nreq++;
    }
    double t0 = now();
    pthread_t th;
    pthread_create(&th, NULL, blast_writer, &bl);
    for (int i = 0; i < nreq; i++) {
        read_frame(fd, &in);
        if (in.data[0] != 0) die("baseline PutKv failed");
    }
    double t = now() - t0;
    pthread_join(th, NULL);
    close(fd);
    kfb_buf_free(&bl.frames);
    kfb_buf_free(&out);
    kfb_buf_free(&in);
    *nreq_out = nreq;
    return t;
}

/* ------------------------------------------------------------------ client */

static long delivered, failures;
static void on_delivery(kfb_fluss_client_t *c, const kfb_fluss_batch_result_t *r, void *op) {
    (void)c;
    (void)op;
    delivered++;
    if (r->err) {
        if (!failures) fprintf(stderr, "batch failed: %s\n", r->message);
        failures++;
    }
}

static double run_client(void) {
    kfb_fluss_client_conf_t conf;
    kfb_fluss_client_conf_init(&conf);
    conf.bootstrap_servers = bootstrap;
    conf.delivery_cb = on_delivery;
    char err[512];
    kfb_fluss_client_t *c = kfb_fluss_client_new(&conf, err, sizeof err);
    if (!c) die(err);
    kfb_fluss_table_info_t *ti;
    if (kfb_fluss_client_get_table(c, "bench", "t", 10000, &ti, err, sizeof err)) die(err);
    kfb_fluss_table_info_free(ti);
    delivered = failures = 0;
    double t0 = now();
    for (int i = 0; i < nbatches; i++) {
        batch_t *x = &batches[i];
        kfb_err_t e;
        while ((e = kfb_fluss_client_submit(c, table_id, -1, x->bucket, x->bytes, x->len, NULL)) ==
               KFB_ERR_RPC_QUEUE_FULL)
            kfb_fluss_client_poll(c, 1);
        if (e) die("submit");
        kfb_fluss_client_poll(c, 0);
    }
    if (kfb_fluss_client_flush(c, 120000)) die("flush timed out");
    double t = now() - t0;
    if (failures) die("client batches failed");
    kfb_fluss_client_destroy(c);
    return t;
}

int main(int argc, char **argv) {
    (void)argc;
    signal(SIGPIPE, SIG_IGN);
    build_batches();
    start_server(argv[0]);
    double mb = 0;
    for (int i = 0; i < nbatches; i++) mb += (double)batches[i].len;
    mb /= 1024.0 * 1024.0;
    printf("bench_putkv: %d batches, %ld records, %.1f MiB, %d buckets, 256 KiB batches\n",
           nbatches, total_records, mb, NBUCKETS);
    double ratios[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
        int nreq;
        double tb = run_baseline(&nreq);
        double tc = run_client();
        double ratio = tb / tc;
        ratios[r] = ratio;
        printf("  round %d: baseline %.0f rec/s %.0f MiB/s (%d requests) | client %.0f rec/s "
               "%.0f MiB/s | client/baseline %.2fx\n",
               r, total_records / tb, mb / tb, nreq, total_records / tc, mb / tc, ratio);
    }
    bench_summary_t sum = bench_summarize(ratios, ROUNDS);
    printf("client/baseline throughput: median %.2fx (min %.2fx, max %.2fx; target >= 0.5x)\n",
           sum.median, sum.min, sum.max);
    stop_server();
    for (int i = 0; i < nbatches; i++) free(batches[i].bytes);
    free(batches);
    return 0;
}
