/* test_buf.c - kfb_buf_read_file: exact contents (no trailing newline assumed), the NUL kept
 * past len, the size cap, empty and missing files. */
#include <errno.h>
#include <unistd.h>

#include "buf.h"
#include "harness.h"

static void write_file(const char *path, const char *data, size_t n) {
    FILE *f = fopen(path, "wb");
    ASSERT_TRUE(f != NULL);
    ASSERT_EQ_INT(fwrite(data, 1, n, f), n);
    fclose(f);
}

TEST(read_file_exact_bytes_and_nul_past_len) {
    char path[] = "/tmp/kfb-buf-XXXXXX";
    int fd = mkstemp(path);
    ASSERT_TRUE(fd >= 0);
    close(fd);
    write_file(path, "{\"a\":1}", 7); /* no trailing newline */
    kfb_buf_t b = KFB_BUF_INIT;
    ASSERT_OK(kfb_buf_read_file(&b, path, 0, NULL));
    ASSERT_MEMEQ(b.data, b.len, "{\"a\":1}", 7);
    ASSERT_EQ_INT(b.data[b.len], 0);
    /* capped: 7 bytes > 6 */
    int sys = -1;
    ASSERT_ERR(kfb_buf_read_file(&b, path, 6, &sys), KFB_ERR_OUT_OF_RANGE);
    ASSERT_EQ_INT(b.len, 0);
    ASSERT_OK(kfb_buf_read_file(&b, path, 7, &sys));
    ASSERT_EQ_INT(b.len, 7);
    /* a file larger than one read chunk */
    static char big[20000];
    for (size_t i = 0; i < sizeof(big); i++) big[i] = (char)('a' + i % 26);
    write_file(path, big, sizeof(big));
    ASSERT_OK(kfb_buf_read_file(&b, path, 0, NULL));
    ASSERT_MEMEQ(b.data, b.len, big, sizeof(big));
    /* empty */
    write_file(path, "", 0);
    ASSERT_OK(kfb_buf_read_file(&b, path, 0, NULL));
    ASSERT_EQ_INT(b.len, 0);
    ASSERT_EQ_INT(b.data[0], 0);
    unlink(path);
    /* missing: IO with ENOENT */
    ASSERT_ERR(kfb_buf_read_file(&b, path, 0, &sys), KFB_ERR_IO);
    ASSERT_EQ_INT(sys, ENOENT);
    /* a directory opens but cannot be read */
    ASSERT_ERR(kfb_buf_read_file(&b, "/tmp", 0, &sys), KFB_ERR_IO);
    ASSERT_EQ_INT(sys, EISDIR);
    kfb_buf_free(&b);
}
