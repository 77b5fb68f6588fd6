/*
 * http_test_server.c - see http_test_server.h. HTTP/1.1 (RFC 9112) reduced to
 * what a GET from libcurl needs: read the head up to CRLFCRLF, answer with a
 * status line, Content-Length, Connection: close, and the body.
 */
#include "http_test_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_ROUTES 64
#define MAX_RESPONSES 16
#define HEAD_MAX 16384

typedef struct response {
    int status;
    char *body;
    int delay_ms;
} response_t;

typedef struct route {
    char *path;
    response_t resp[MAX_RESPONSES];
    int n_resp;
    int served;
    int requests;
} route_t;

struct kfb_http_test_server {
    int listen_fd;
    int wake[2]; /* written to on stop */
    int port;
    char url[64];
    pthread_t thread;
    pthread_mutex_t mu;
    route_t routes[MAX_ROUTES];
    int n_routes;
    int total_requests;
    char *auth_expected; /* "Basic xxx" */
    char last_head[HEAD_MAX];
};

static char *base64(const char *in) {
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(in);
    char *out = malloc(4 * ((n + 2) / 3) + 1), *o = out;
    const unsigned char *p = (const unsigned char *)in;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        *o++ = tbl[(v >> 18) & 63];
        *o++ = tbl[(v >> 12) & 63];
        *o++ = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
        *o++ = i + 2 < n ? tbl[v & 63] : '=';
    }
    *o = '\0';
    return out;
}

static route_t *find_route(kfb_http_test_server_t *s, const char *path, int create) {
    for (int i = 0; i < s->n_routes; i++)
        if (strcmp(s->routes[i].path, path) == 0) return &s->routes[i];
    if (!create || s->n_routes == MAX_ROUTES) return NULL;
    route_t *r = &s->routes[s->n_routes++];
    memset(r, 0, sizeof(*r));
    r->path = strdup(path);
    return r;
}

/* Waits ms milliseconds unless stop is requested; returns 0 if stopping. */
static int wait_ms(kfb_http_test_server_t *s, int ms) {
    struct pollfd p = {.fd = s->wake[0], .events = POLLIN};
    return poll(&p, 1, ms) == 0;
}

static void send_all(int fd, const char *p, size_t n) {
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0) return; /* client went away (e.g. timed out): fine */
        p += w;
        n -= (size_t)w;
    }
}

static const char *reason(int status) {
    switch (status) {
    case 200: return "OK";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "Status";
    }
}

static void serve(kfb_http_test_server_t *s, int fd) {
    char head[HEAD_MAX];
    size_t len = 0;
    /* read the head; give up after 5 s of silence */
    while (len < sizeof(head) - 1) {
        struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = s->wake[0], .events = POLLIN}};
        if (poll(p, 2, 5000) <= 0 || (p[1].revents & POLLIN)) return;
        ssize_t r = recv(fd, head + len, sizeof(head) - 1 - len, 0);
        if (r <= 0) return;
        len += (size_t)r;
        head[len] = '\0';
        if (strstr(head, "\r\n\r\n")) break;
    }
    char path[1024] = "";
    if (sscanf(head, "%*s %1023s", path) != 1) return;
    char *q = strchr(path, '?');
    if (q) *q = '\0';

    int status = 404, delay = 0;
    const char *body = "{\"error_code\":40403,\"message\":\"not scripted\"}";
    char *body_copy = NULL;
    pthread_mutex_lock(&s->mu);
    s->total_requests++;
    snprintf(s->last_head, sizeof(s->last_head), "%s", head);
    route_t *r = find_route(s, path, 1);
    if (r) r->requests++;
    int authorized = 1;
    if (s->auth_expected) {
        authorized = 0;
        for (char *line = strstr(head, "\r\n"); line; line = strstr(line + 2, "\r\n")) {
            if (strncasecmp(line + 2, "Authorization:", 14) == 0) {
                const char *v = line + 16;
                while (*v == ' ') v++;
                size_t n = strcspn(v, "\r");
                authorized = n == strlen(s->auth_expected) && strncmp(v, s->auth_expected, n) == 0;
                break;
            }
        }
    }
    if (!authorized) {
        status = 401;
        body = "{\"error_code\":401,\"message\":\"Unauthorized\"}";
    } else if (r && r->n_resp) {
        response_t *resp = &r->resp[r->served < r->n_resp ? r->served : r->n_resp - 1];
        r->served++;
        status = resp->status;
        delay = resp->delay_ms;
        body = resp->body ? resp->body : "";
    }
    body_copy = strdup(body);
    pthread_mutex_unlock(&s->mu);

    if (delay > 0 && !wait_ms(s, delay)) {
        free(body_copy);
        return;
    }
    char hdr[256];
    int hn = snprintf(hdr, sizeof(hdr),
                      "HTTP/1.1 %d %s\r\nContent-Type: application/vnd.schemaregistry.v1+json\r\n"
                      "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                      status, reason(status), strlen(body_copy));
    send_all(fd, hdr, (size_t)hn);
    send_all(fd, body_copy, strlen(body_copy));
    free(body_copy);
}

static void *run(void *arg) {
    kfb_http_test_server_t *s = arg;
    for (;;) {
        struct pollfd p[2] = {{.fd = s->listen_fd, .events = POLLIN},
                              {.fd = s->wake[0], .events = POLLIN}};
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (p[1].revents & POLLIN) break;
        if (!(p[0].revents & POLLIN)) continue;
        int fd = accept(s->listen_fd, NULL, NULL);
        if (fd < 0) continue;
        serve(s, fd);
        shutdown(fd, SHUT_WR);
        close(fd);
    }
    return NULL;
}

kfb_http_test_server_t *kfb_http_test_server_start(void) {
    kfb_http_test_server_t *s = calloc(1, sizeof(*s));
    if (!s) return NULL;
    s->wake[0] = s->wake[1] = -1;
    s->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    if (s->listen_fd < 0 || pipe(s->wake) != 0) goto fail;
    int one = 1;
    setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(s->listen_fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(s->listen_fd, 64) != 0)
        goto fail;
    socklen_t al = sizeof(a);
    if (getsockname(s->listen_fd, (struct sockaddr *)&a, &al) != 0) goto fail;
    s->port = ntohs(a.sin_port);
    snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%d", s->port);
    pthread_mutex_init(&s->mu, NULL);
    if (pthread_create(&s->thread, NULL, run, s) != 0) {
        pthread_mutex_destroy(&s->mu);
        goto fail;
    }
    return s;
fail:
    if (s->listen_fd >= 0) close(s->listen_fd);
    if (s->wake[0] >= 0) close(s->wake[0]);
    if (s->wake[1] >= 0) close(s->wake[1]);
    free(s);
    return NULL;
}

void kfb_http_test_server_stop(kfb_http_test_server_t *s) {
    if (!s) return;
    if (write(s->wake[1], "x", 1) != 1) { /* cannot happen with an empty pipe */ }
    pthread_join(s->thread, NULL);
    close(s->listen_fd);
    close(s->wake[0]);
    close(s->wake[1]);
    for (int i = 0; i < s->n_routes; i++) {
        free(s->routes[i].path);
        for (int k = 0; k < s->routes[i].n_resp; k++) free(s->routes[i].resp[k].body);
    }
    free(s->auth_expected);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

const char *kfb_http_test_server_url(const kfb_http_test_server_t *s) { return s->url; }
int kfb_http_test_server_port(const kfb_http_test_server_t *s) { return s->port; }

void kfb_http_test_server_script(kfb_http_test_server_t *s, const char *path, int status,
                                 const char *body, int delay_ms) {
    pthread_mutex_lock(&s->mu);
    route_t *r = find_route(s, path, 1);
    if (r && r->n_resp < MAX_RESPONSES) {
        response_t *resp = &r->resp[r->n_resp++];
        resp->status = status;
        resp->body = body ? strdup(body) : NULL;
        resp->delay_ms = delay_ms;
    }
    pthread_mutex_unlock(&s->mu);
}

void kfb_http_test_server_require_basic_auth(kfb_http_test_server_t *s, const char *user,
                                             const char *password) {
    size_t n = strlen(user) + strlen(password) + 2;
    char *up = malloc(n);
    snprintf(up, n, "%s:%s", user, password);
    char *b = base64(up);
    free(up);
    pthread_mutex_lock(&s->mu);
    free(s->auth_expected);
    s->auth_expected = malloc(strlen(b) + 7);
    sprintf(s->auth_expected, "Basic %s", b);
    pthread_mutex_unlock(&s->mu);
    free(b);
}

int kfb_http_test_server_request_count(kfb_http_test_server_t *s, const char *path) {
    pthread_mutex_lock(&s->mu);
    int n = s->total_requests;
    if (path) {
        route_t *r = find_route(s, path, 0);
        n = r ? r->requests : 0;
    }
    pthread_mutex_unlock(&s->mu);
    return n;
}

void kfb_http_test_server_last_request(kfb_http_test_server_t *s, char *buf, unsigned size) {
    pthread_mutex_lock(&s->mu);
    snprintf(buf, size, "%s", s->last_head);
    pthread_mutex_unlock(&s->mu);
}
