/* fluss_ts_client.c - blocking loopback test client (see fluss_ts_client.h). */
#include "fluss_ts_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "bytes.h"

const char *const KFB_TC_USERS_DESC =
    "{\"version\":1,\"schema\":{\"version\":1,\"columns\":["
    "{\"name\":\"id\",\"data_type\":{\"type\":\"INTEGER\",\"nullable\":false},\"id\":0},"
    "{\"name\":\"name\",\"data_type\":{\"type\":\"STRING\"},\"id\":1}],"
    "\"primary_key\":[\"id\"],\"highest_field_id\":1},"
    "\"partition_key\":[],\"properties\":{},\"custom_properties\":{}}";

const char *const KFB_TC_PARTITIONED_DESC =
    "{\"version\":1,\"schema\":{\"version\":1,\"columns\":["
    "{\"name\":\"id\",\"data_type\":{\"type\":\"INTEGER\",\"nullable\":false}},"
    "{\"name\":\"dt\",\"data_type\":{\"type\":\"STRING\",\"nullable\":false}},"
    "{\"name\":\"name\",\"data_type\":{\"type\":\"STRING\"}}],"
    "\"primary_key\":[\"id\",\"dt\"]},\"partition_key\":[\"dt\"],\"properties\":{},"
    "\"custom_properties\":{}}";

int kfb_tc_connect(int port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        close(fd);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

int kfb_tc_send_raw(int fd, const void *p, size_t n) {
    const uint8_t *b = p;
    while (n) {
        ssize_t w = send(fd, b, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        b += w;
        n -= (size_t)w;
    }
    return 0;
}

int kfb_tc_send(int fd, int16_t api_key, int16_t api_version, int32_t request_id,
                const ProtobufCMessage *body) {
    kfb_buf_t b = KFB_BUF_INIT;
    int r = -1;
    if (kfb_rpc_encode_request(&b, api_key, api_version, request_id, body, 0) == KFB_ERR_OK)
        r = kfb_tc_send_raw(fd, b.data, b.len);
    kfb_buf_free(&b);
    return r;
}

/* 1 = n bytes read, 0 = EOF before any byte, -1 = timeout/error/EOF mid-way. */
static int read_full(int fd, uint8_t *p, size_t n) {
    size_t got = 0;
    while (got < n) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int r = poll(&pfd, 1, KFB_TC_TIMEOUT_MS);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        ssize_t k = read(fd, p + got, n - got);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0 && errno == ECONNRESET) return got ? -1 : 0;
        if (k < 0) return -1;
        if (k == 0) return got ? -1 : 0;
        got += (size_t)k;
    }
    return 1;
}

int kfb_tc_recv(int fd, kfb_tc_frame_t *out) {
    memset(out, 0, sizeof(*out));
    uint8_t pre[4];
    int r = read_full(fd, pre, 4);
    if (r <= 0) return r;
    int32_t len = (int32_t)kfb_get_be32(pre);
    if (len < 0 || len > 64 * 1024 * 1024) return -1;
    out->payload = malloc(len ? (size_t)len : 1);
    if (!out->payload) return -1;
    out->len = (size_t)len;
    if (read_full(fd, out->payload, out->len) != 1 ||
        kfb_rpc_decode_response_header(out->payload, out->len, &out->resp) != KFB_ERR_OK) {
        kfb_tc_frame_free(out);
        return -1;
    }
    return 1;
}

void kfb_tc_frame_free(kfb_tc_frame_t *f) {
    free(f->payload);
    f->payload = NULL;
}

ProtobufCMessage *kfb_tc_call(int fd, int16_t api_key, int16_t api_version, int32_t request_id,
                              const ProtobufCMessage *body,
                              const ProtobufCMessageDescriptor *desc) {
    if (kfb_tc_send(fd, api_key, api_version, request_id, body) != 0) return NULL;
    kfb_tc_frame_t f;
    if (kfb_tc_recv(fd, &f) != 1) return NULL;
    ProtobufCMessage *m = NULL;
    if (f.resp.type != KFB_RPC_RESP_SUCCESS || f.resp.request_id != request_id ||
        kfb_rpc_unpack(desc, f.resp.body, f.resp.body_len, &m) != KFB_ERR_OK)
        m = NULL;
    kfb_tc_frame_free(&f);
    return m;
}

int32_t kfb_tc_call_error(int fd, int16_t api_key, int16_t api_version, int32_t request_id,
                          const ProtobufCMessage *body) {
    if (kfb_tc_send(fd, api_key, api_version, request_id, body) != 0) return INT32_MIN;
    kfb_tc_frame_t f;
    if (kfb_tc_recv(fd, &f) != 1) return INT32_MIN;
    int32_t code = INT32_MIN;
    if (f.resp.type != KFB_RPC_RESP_ERROR || f.resp.request_id != request_id ||
        kfb_rpc_decode_error(f.resp.body, f.resp.body_len, &code, NULL, 0) != KFB_ERR_OK)
        code = INT32_MIN;
    kfb_tc_frame_free(&f);
    return code;
}
