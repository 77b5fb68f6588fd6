/* fuzz_listen_addr.c - arbitrary bytes as a metrics.listen value: the parser never reads
 * past the string, refuses with a sentence that names the key, and whatever it accepts is a
 * port 0..65535 with a non-empty host that parses again, written back as HOST:PORT or
 * [HOST]:PORT, to the same address. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_endpoint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *s = malloc(size + 1);
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    kfb_listen_addr_t a, b;
    char err[512];
    if (kfb_listen_parse(s, &a, err, sizeof err)) {
        if (!strstr(err, "metrics.listen")) abort();
        free(s);
        return 0;
    }
    if (a.port < 0 || a.port > 65535 || !a.host[0] || strlen(a.host) >= sizeof a.host) abort();
    if (!a.ipv6 && strchr(a.host, ':')) abort();
    char again[300];
    snprintf(again, sizeof again, a.ipv6 ? "[%s]:%d" : "%s:%d", a.host, a.port);
    if (kfb_listen_parse(again, &b, err, sizeof err)) abort();
    if (strcmp(a.host, b.host) || a.port != b.port || a.ipv6 != b.ipv6) abort();
    free(s);
    return 0;
}
