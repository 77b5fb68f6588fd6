/*
 * fluss_conn.h - one non-blocking TCP connection to a Fluss server, driven by
 * the caller's poll() loop (in the bridge: the Fluss client's I/O thread).
 *
 * What it does (fluss-protocol.md §1, §1.6, §13):
 *   - resolves host names without blocking (glibc getaddrinfo_a, polled from
 *     kfb_fluss_conn_tick; address literals skip DNS), IPv4 and IPv6, and
 *     connects without blocking, trying every address before giving up;
 *   - sends ApiVersions first (request id 0, then 1, 2, ... per connection like
 *     ServerConnection.java), keeps for every API the highest version both sides
 *     support, and fails requests for APIs the server lacks;
 *   - optional SASL/PLAIN Authenticate exchange before anything else;
 *   - queues requests until the handshake is done, then pipelines any number of
 *     them, correlating responses by request id (they may arrive out of order);
 *   - a deadline per request (the server silently drops requests it cannot
 *     parse or routes nowhere, §1.5), reconnect with exponential back-off and
 *     +-20% jitter (Java ExponentialBackoff(100, 2, 5000, 0.2)), a maximum frame
 *     size on what it reads.
 *
 * Threading: none. Every function must be called from the one thread that runs
 * the poll loop. Callbacks run on that thread, from inside kfb_fluss_conn_*()
 * calls; a callback may send new requests on the same connection but must not
 * destroy it.
 *
 * Ownership: the connection copies host and configuration strings. A request's
 * body is packed during kfb_fluss_conn_send (so the caller's message may be freed
 * right after). The response passed to a callback points into the connection's
 * read buffer and is valid only during the callback.
 */
#ifndef KFB_FLUSS_CONN_H
#define KFB_FLUSS_CONN_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "errors.h"
#include "rpc_frame.h"

typedef struct kfb_fluss_conn kfb_fluss_conn_t;

typedef enum kfb_fluss_conn_state {
    KFB_CONN_DOWN = 0,   /* no socket; reconnects when a request is queued */
    KFB_CONN_CONNECTING, /* TCP connect in progress */
    KFB_CONN_HANDSHAKE,  /* ApiVersions sent */
    KFB_CONN_AUTH,       /* Authenticate sent */
    KFB_CONN_READY,
} kfb_fluss_conn_state_t;

typedef struct kfb_fluss_conn_conf {
    const char *client_name;    /* ApiVersionsRequest strings; default "fluss"/"0.1.0" */
    const char *client_version; /* (informational only, like the Java client's) */
    const char *sasl_username;  /* NULL = no authentication */
    const char *sasl_password;
    int connect_timeout_ms;     /* TCP connect + handshake; default 10000 */
    int backoff_ms;             /* first reconnect delay; default 100 */
    int backoff_max_ms;         /* default 5000 */
    size_t max_frame;           /* largest response frame accepted; 0 = 100 MiB */
} kfb_fluss_conn_conf_t;

/* Owned copies of the identity strings of a connection or client configuration
 * (client name and version, SASL user and password). */
typedef struct kfb_fluss_ident {
    char *client_name, *client_version, *sasl_user, *sasl_pass;
} kfb_fluss_ident_t;

/* Copies *name, *version, *user and *pass (each may be NULL) into id and points
 * them at the copies, so a configuration never keeps the caller's strings.
 * Returns -1 when out of memory (id then still needs kfb_fluss_ident_free). */
int kfb_fluss_ident_adopt(kfb_fluss_ident_t *id, const char **name, const char **version,
                          const char **user, const char **pass);
/* Frees the copies, wiping the password first. */
void kfb_fluss_ident_free(kfb_fluss_ident_t *id);

/*
 * Completion of one request, on the poll thread.
 *   err == OK:  `resp` is the response (type SUCCESS or ERROR; decode an ERROR body
 *               with kfb_rpc_decode_error).
 *   otherwise:  resp is NULL; err is TIMEOUT (deadline passed; a late response is
 *               discarded), RPC_DISCONNECTED (connect failed or connection lost),
 *               RPC_SERVER_FAILURE (server sent a type-2 frame and closed),
 *               RPC_API_UNSUPPORTED, RPC_AUTH_FAILED, RPC_FRAME_TOO_LARGE, NOMEM or
 *               RPC_SHUTDOWN (connection destroyed). kfb_fluss_conn_last_error()
 *               then holds a sentence saying what happened.
 */
typedef void (*kfb_fluss_conn_cb_t)(kfb_fluss_conn_t *conn, kfb_err_t err,
                                    const kfb_rpc_response_t *resp, void *opaque);

/* Fills defaults. */
void kfb_fluss_conn_conf_init(kfb_fluss_conn_conf_t *conf);

/* Creates a connection object in state DOWN (no I/O yet). NULL + errstr on a
 * bad argument or out of memory. */
kfb_fluss_conn_t *kfb_fluss_conn_new(const char *host, int port,
                                     const kfb_fluss_conn_conf_t *conf, char *errstr,
                                     size_t errstr_size);
/* Closes the socket and completes every queued and in-flight request with
 * RPC_SHUTDOWN. NULL is a no-op. */
void kfb_fluss_conn_destroy(kfb_fluss_conn_t *conn);

/*
 * Queues one request with a deadline of now_ms + timeout_ms. Starts connecting
 * if the connection is DOWN and its back-off has passed. Once READY the frame is
 * written straight into the output buffer (no extra copy of the body).
 * `api_version` < 0 means "the negotiated version"; the request fails with
 * RPC_API_UNSUPPORTED if the server lacks the API (returned directly when the
 * connection is already READY, else through the callback). Returns OK (the
 * callback will run exactly once, never from inside this call) or an error
 * (callback never runs): RPC_API_UNSUPPORTED, RPC_FRAME_TOO_LARGE, NOMEM,
 * INVALID_ARG.
 */
kfb_err_t kfb_fluss_conn_send(kfb_fluss_conn_t *conn, int16_t api_key, int api_version,
                              const ProtobufCMessage *body, int timeout_ms, int64_t now_ms,
                              kfb_fluss_conn_cb_t cb, void *opaque);
/* Same with an already packed body (copied, or written straight to the socket
 * buffer when READY). */
kfb_err_t kfb_fluss_conn_send_raw(kfb_fluss_conn_t *conn, int16_t api_key, int api_version,
                                  const uint8_t *body, size_t body_len, int timeout_ms,
                                  int64_t now_ms, kfb_fluss_conn_cb_t cb, void *opaque);

/* Poll integration. fill_pollfd returns 1 and fills fd/events when the
 * connection has a socket, 0 otherwise. handle_events processes readiness (pass
 * revents 0 to only run timers). next_deadline_ms returns the earliest time at
 * which kfb_fluss_conn_tick must run (INT64_MAX if none). tick fails expired
 * requests and starts a reconnect whose back-off has passed. */
int kfb_fluss_conn_fill_pollfd(kfb_fluss_conn_t *conn, struct pollfd *pfd);
void kfb_fluss_conn_handle_events(kfb_fluss_conn_t *conn, short revents, int64_t now_ms);
int64_t kfb_fluss_conn_next_deadline_ms(const kfb_fluss_conn_t *conn);
void kfb_fluss_conn_tick(kfb_fluss_conn_t *conn, int64_t now_ms);

/* Closes the socket (requests in flight fail with RPC_DISCONNECTED); the next
 * send reconnects after the back-off. */
void kfb_fluss_conn_close(kfb_fluss_conn_t *conn, kfb_err_t why, const char *reason);

kfb_fluss_conn_state_t kfb_fluss_conn_state(const kfb_fluss_conn_t *conn);
/* Negotiated version of an API, or -1 (unknown yet, or unsupported). */
int kfb_fluss_conn_api_version(const kfb_fluss_conn_t *conn, int16_t api_key);
/* From ApiVersionsResponse.server_type: 1 coordinator, 2 tablet server, -1 unknown. */
int kfb_fluss_conn_server_type(const kfb_fluss_conn_t *conn);
/* Requests queued or awaiting a response. */
size_t kfb_fluss_conn_outstanding(const kfb_fluss_conn_t *conn);
/* Bytes of encoded requests not yet written to the socket. */
size_t kfb_fluss_conn_unsent_bytes(const kfb_fluss_conn_t *conn);
/* Last transport error sentence ("" if none). Valid until the next call. */
const char *kfb_fluss_conn_last_error(const kfb_fluss_conn_t *conn);
const char *kfb_fluss_conn_host(const kfb_fluss_conn_t *conn);
int kfb_fluss_conn_port(const kfb_fluss_conn_t *conn);

/* Monotonic milliseconds (CLOCK_MONOTONIC). */
int64_t kfb_fluss_now_ms(void);

#endif
