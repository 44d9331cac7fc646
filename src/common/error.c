/* One-line error messages carried by q35_err (no global state). */
#include <stdarg.h>
#include <stdio.h>

#include "q35/common.h"

int q35_fail(q35_err *err, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        /* keep it one line */
        for (char *p = err->msg; *p; p++)
            if (*p == '\n' || *p == '\r') *p = ' ';
    }
    return -1;
}
