/* Which tensors the quantizer treats as block matrices, by GGUF name. */
#include <string.h>

#include "q35/quant.h"

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

int q35_tensor_role(const char *name)
{
    if (!name) return 0;
    if (!strcmp(name, "token_embd.weight")) return 2;
    if (!strcmp(name, "output.weight")) return 3;
    /* blk.N.<kind>.weight, norms excepted (they are vectors, kept in F32) */
    if (!strncmp(name, "blk.", 4) && ends_with(name, ".weight") && !strstr(name, "norm")) return 1;
    return 0;
}
