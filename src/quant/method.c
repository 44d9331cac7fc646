/* Names of the quantization methods (q35/quant.h), as --method and the GGUF key
 * q35.quant.method spell them. */
#include <string.h>

#include "q35/quant.h"

static const char *const names[] = {"rtn", "imatrix", "gptq", "mixed"};

const char *q35_quant_method_name(int method)
{
    return method >= 0 && method < (int)(sizeof names / sizeof names[0]) ? names[method] : NULL;
}

int q35_quant_method_by_name(const char *name)
{
    for (int i = 0; name && i < (int)(sizeof names / sizeof names[0]); i++)
        if (!strcmp(name, names[i])) return i;
    return -1;
}

int q35_quant_method_needs_calib(int method) { return method == Q35_METHOD_IMATRIX || method == Q35_METHOD_GPTQ; }
