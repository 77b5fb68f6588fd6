/*
 * http_test_server.h - a tiny scriptable HTTP/1.1 server for tests.
 *
 * Listens on 127.0.0.1 at an ephemeral port and serves in one background
 * thread, one connection at a time, every response with "Connection: close".
 * Each test scripts what a path answers:
 *
 *   kfb_http_test_server_t *srv = kfb_http_test_server_start();
 *   kfb_http_test_server_script(srv, "/schemas/ids/1", 500, "{}", 0);
 *   kfb_http_test_server_script(srv, "/schemas/ids/1", 200, "{\"schema\":\"\\\"long\\\"\"}", 0);
 *   ... GET /schemas/ids/1 answers 500, then 200 for every later request ...
 *   ASSERT_EQ_INT(kfb_http_test_server_request_count(srv, "/schemas/ids/1"), 2);
 *   kfb_http_test_server_stop(srv);
 *
 * Responses queued for a path are served in order; the last one repeats.
 * A path without a script answers 404. With required basic-auth credentials,
 * a request without the matching Authorization header answers 401 (and is
 * still counted). A delay holds the response back (the stop call interrupts
 * it). The query string is not part of the path. All calls are thread-safe.
 */
#ifndef KFB_HTTP_TEST_SERVER_H
#define KFB_HTTP_TEST_SERVER_H

typedef struct kfb_http_test_server kfb_http_test_server_t;

/* NULL if the socket or thread cannot be created (the test should fail). */
kfb_http_test_server_t *kfb_http_test_server_start(void);

/* Stops the thread, closes the socket, frees everything. NULL is a no-op. */
void kfb_http_test_server_stop(kfb_http_test_server_t *srv);

/* "http://127.0.0.1:PORT" (owned by the server). */
const char *kfb_http_test_server_url(const kfb_http_test_server_t *srv);
int kfb_http_test_server_port(const kfb_http_test_server_t *srv);

/* Appends a response for `path`; body is copied (NULL = empty). */
void kfb_http_test_server_script(kfb_http_test_server_t *srv, const char *path, int status,
                                 const char *body, int delay_ms);

/* Requires "Authorization: Basic base64(user:password)" on every request. */
void kfb_http_test_server_require_basic_auth(kfb_http_test_server_t *srv, const char *user,
                                             const char *password);

/* Requests received for `path` (NULL = all paths). */
int kfb_http_test_server_request_count(kfb_http_test_server_t *srv, const char *path);

/* Copies the head (request line and headers) of the last request into buf. */
void kfb_http_test_server_last_request(kfb_http_test_server_t *srv, char *buf, unsigned size);

#endif
