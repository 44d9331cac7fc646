/* Whole-file read-only maps, and outputs that appear only when complete
 * (temporary file + fsync + rename). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "q35/common.h"

int q35_map_open(const char *path, q35_map *out, q35_err *err)
{
    memset(out, 0, sizeof *out);
    int fd = open(path, O_RDONLY);
    if (fd < 0) return q35_fail(err, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return q35_fail(err, "%s: cannot stat: %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return q35_fail(err, "%s: not a regular file", path);
    }
    out->size = (size_t)st.st_size;
    if (out->size == 0) {
        close(fd);
        out->data = (const uint8_t *)"";
        return 0;
    }
    void *p = mmap(NULL, out->size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED) return q35_fail(err, "%s: cannot map: %s", path, strerror(errno));
    out->data = p;
    out->mapped = 1;
    return 0;
}

void q35_map_close(q35_map *m)
{
    if (m->mapped && m->data) munmap((void *)m->data, m->size);
    memset(m, 0, sizeof *m);
}

int q35_out_open(q35_out *o, const char *path, q35_err *err)
{
    memset(o, 0, sizeof *o);
    size_t n = strlen(path);
    o->path = q35_strdup(path, err);
    o->tmp_path = q35_malloc(n + 16, err);
    if (!o->path || !o->tmp_path) {
        free(o->path);
        free(o->tmp_path);
        return -1;
    }
    snprintf(o->tmp_path, n + 16, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(o->tmp_path);
    if (fd < 0) {
        int e = errno;
        q35_fail(err, "%s: cannot create temporary file: %s", path, strerror(e));
        free(o->path);
        free(o->tmp_path);
        memset(o, 0, sizeof *o);
        return -1;
    }
    fchmod(fd, 0644);
    o->fp = fdopen(fd, "wb");
    if (!o->fp) {
        close(fd);
        unlink(o->tmp_path);
        free(o->path);
        free(o->tmp_path);
        memset(o, 0, sizeof *o);
        return q35_fail(err, "%s: cannot open stream", path);
    }
    return 0;
}

int q35_out_write(q35_out *o, const void *data, size_t n, q35_err *err)
{
    if (!o->fp || o->failed) return q35_fail(err, "%s: write after failure", o->path ? o->path : "?");
    if (n && fwrite(data, 1, n, o->fp) != n) {
        o->failed = 1;
        return q35_fail(err, "%s: write failed: %s", o->path, strerror(errno));
    }
    o->written += n;
    return 0;
}

int q35_out_pad(q35_out *o, size_t alignment, q35_err *err)
{
    static const uint8_t zeros[64];
    if (alignment == 0) return 0;
    size_t pad = (size_t)((alignment - o->written % alignment) % alignment);
    while (pad) {
        size_t k = pad < sizeof zeros ? pad : sizeof zeros;
        if (q35_out_write(o, zeros, k, err)) return -1;
        pad -= k;
    }
    return 0;
}

int q35_out_commit(q35_out *o, q35_err *err)
{
    if (!o->fp) return q35_fail(err, "output not open");
    int bad = o->failed;
    if (fflush(o->fp) != 0 || fsync(fileno(o->fp)) != 0) bad = 1;
    if (fclose(o->fp) != 0) bad = 1;
    o->fp = NULL;
    if (bad) {
        q35_fail(err, "%s: write failed: %s", o->path, strerror(errno));
        unlink(o->tmp_path);
    } else if (rename(o->tmp_path, o->path) != 0) {
        q35_fail(err, "%s: cannot rename temporary file: %s", o->path, strerror(errno));
        unlink(o->tmp_path);
        bad = 1;
    }
    free(o->path);
    free(o->tmp_path);
    memset(o, 0, sizeof *o);
    return bad ? -1 : 0;
}

void q35_out_abort(q35_out *o)
{
    if (o->fp) {
        fclose(o->fp);
        unlink(o->tmp_path);
    }
    free(o->path);
    free(o->tmp_path);
    memset(o, 0, sizeof *o);
}
