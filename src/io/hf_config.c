/* Hugging Face config.json for LlamaForCausalLM and MistralForCausalLM (q35/hf.h), the
 * HF <-> GGUF tensor names, and LLaMA-3.1's RoPE frequency factors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "q35/hf.h"

/* ---------------------------------------------------------------- config.json */

/* An integer key in [lo, hi]. Absent or null: dflt, or an error when required. */
static int get_int(const char *path, const cJSON *o, const char *key, int64_t lo, int64_t hi, int required,
                   int dflt, int *out, q35_err *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v || cJSON_IsNull(v)) {
        if (required) return q35_fail(err, "%s: key '%s' missing", path, key);
        *out = dflt;
        return 0;
    }
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || !(v->valuedouble >= (double)lo) ||
        !(v->valuedouble <= (double)hi))
        return q35_fail(err, "%s: key '%s' must be an integer in [%lld, %lld]", path, key, (long long)lo,
                        (long long)hi);
    *out = (int)v->valuedouble;
    return 0;
}

/* A positive finite number; absent or null: dflt. */
static int get_num(const char *path, const cJSON *o, const char *key, double dflt, double *out, q35_err *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v || cJSON_IsNull(v)) {
        *out = dflt;
        return 0;
    }
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || !(v->valuedouble > 0))
        return q35_fail(err, "%s: key '%s' must be a positive number", path, key);
    *out = v->valuedouble;
    return 0;
}

static int get_bool(const char *path, const cJSON *o, const char *key, int dflt, int *out, q35_err *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v || cJSON_IsNull(v)) {
        *out = dflt;
        return 0;
    }
    if (!cJSON_IsBool(v)) return q35_fail(err, "%s: key '%s' must be true or false", path, key);
    *out = cJSON_IsTrue(v);
    return 0;
}

/* bos_token_id / eos_token_id: an integer, a list of them (the first counts), or null. */
static int get_token_id(const char *path, const cJSON *o, const char *key, int *out, q35_err *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = -1;
    if (cJSON_IsArray(v)) v = v->child;
    if (!v || cJSON_IsNull(v)) return 0;
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || !(v->valuedouble >= 0) ||
        !(v->valuedouble < 2147483647.0))
        return q35_fail(err, "%s: key '%s' must be a non-negative token id", path, key);
    *out = (int)v->valuedouble;
    return 0;
}

static int read_arch(const char *path, const cJSON *root, q35_hf_config *c, q35_err *err)
{
    static const char *const known[] = {"LlamaForCausalLM", "MistralForCausalLM"};
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(root, "architectures");
    if (a) {
        if (!cJSON_IsArray(a) || !cJSON_IsString(a->child))
            return q35_fail(err, "%s: key 'architectures' must be a list of names", path);
        for (size_t k = 0; k < 2; k++)
            if (!strcmp(a->child->valuestring, known[k])) {
                snprintf(c->arch, sizeof c->arch, "%s", known[k]);
                return 0;
            }
        return q35_fail(err, "%s: architecture '%.64s' is not supported (LlamaForCausalLM, MistralForCausalLM)",
                        path, a->child->valuestring);
    }
    const cJSON *mt = cJSON_GetObjectItemCaseSensitive(root, "model_type");
    if (cJSON_IsString(mt) && (!strcmp(mt->valuestring, "llama") || !strcmp(mt->valuestring, "mistral"))) {
        snprintf(c->arch, sizeof c->arch, "%s", known[mt->valuestring[0] == 'm']);
        return 0;
    }
    return q35_fail(err, "%s: neither 'architectures' nor a llama/mistral 'model_type'", path);
}

static int read_rope_scaling(const char *path, const cJSON *root, q35_hf_config *c, q35_err *err)
{
    const cJSON *rs = cJSON_GetObjectItemCaseSensitive(root, "rope_scaling");
    if (!rs || cJSON_IsNull(rs)) return 0;
    if (!cJSON_IsObject(rs)) return q35_fail(err, "%s: key 'rope_scaling' must be an object or null", path);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(rs, "rope_type");
    if (!t) t = cJSON_GetObjectItemCaseSensitive(rs, "type");
    if (!cJSON_IsString(t)) return q35_fail(err, "%s: rope_scaling has no 'rope_type' string", path);
    if (!strcmp(t->valuestring, "default")) return 0;
    if (strcmp(t->valuestring, "llama3"))
        return q35_fail(err, "%s: rope_scaling type '%.32s' is not supported (only llama3)", path, t->valuestring);
    c->rope_llama3 = 1;
    if (get_num(path, rs, "factor", 8.0, &c->rope_factor, err) ||
        get_num(path, rs, "low_freq_factor", 1.0, &c->rope_low_freq_factor, err) ||
        get_num(path, rs, "high_freq_factor", 4.0, &c->rope_high_freq_factor, err) ||
        get_int(path, rs, "original_max_position_embeddings", 1, 1 << 30, 0, 8192, &c->rope_orig_ctx, err))
        return -1;
    if (!(c->rope_high_freq_factor > c->rope_low_freq_factor))
        return q35_fail(err, "%s: rope_scaling high_freq_factor %g must exceed low_freq_factor %g", path,
                        c->rope_high_freq_factor, c->rope_low_freq_factor);
    if (!(c->rope_factor >= 1)) return q35_fail(err, "%s: rope_scaling factor %g is below 1", path, c->rope_factor);
    return 0;
}

/* Keys whose other values change the model in ways q35's forward pass does not do. */
static int refuse_unsupported(const char *path, const cJSON *root, q35_err *err)
{
    const cJSON *act = cJSON_GetObjectItemCaseSensitive(root, "hidden_act");
    if (act && !cJSON_IsNull(act) && (!cJSON_IsString(act) || strcmp(act->valuestring, "silu")))
        return q35_fail(err, "%s: hidden_act '%.32s' is not supported (only silu)",
                        path, cJSON_IsString(act) ? act->valuestring : "?");
    int b;
    if (get_bool(path, root, "attention_bias", 0, &b, err)) return -1;
    if (b) return q35_fail(err, "%s: attention_bias true is not supported", path);
    if (get_bool(path, root, "mlp_bias", 0, &b, err)) return -1;
    if (b) return q35_fail(err, "%s: mlp_bias true is not supported", path);
    double prf;
    if (get_num(path, root, "partial_rotary_factor", 1.0, &prf, err)) return -1;
    if (prf != 1.0) return q35_fail(err, "%s: partial_rotary_factor %g is not supported (only 1)", path, prf);
    return 0;
}

static int parse_config(const char *path, const cJSON *root, q35_hf_config *c, q35_err *err)
{
    if (!cJSON_IsObject(root)) return q35_fail(err, "%s: not a JSON object", path);
    if (read_arch(path, root, c, err) || refuse_unsupported(path, root, err)) return -1;
    if (get_int(path, root, "hidden_size", 1, 1 << 20, 1, 0, &c->hidden_size, err) ||
        get_int(path, root, "intermediate_size", 1, 1 << 22, 1, 0, &c->intermediate_size, err) ||
        get_int(path, root, "num_hidden_layers", 1, 4096, 1, 0, &c->n_layers, err) ||
        get_int(path, root, "num_attention_heads", 1, c->hidden_size, 1, 0, &c->n_heads, err) ||
        get_int(path, root, "num_key_value_heads", 1, c->n_heads, 0, c->n_heads, &c->n_kv_heads, err) ||
        get_int(path, root, "vocab_size", 1, 1 << 24, 1, 0, &c->vocab_size, err) ||
        get_int(path, root, "max_position_embeddings", 1, 1 << 30, 0, 2048, &c->max_pos, err) ||
        get_int(path, root, "sliding_window", 1, 1 << 30, 0, 0, &c->sliding_window, err) ||
        get_num(path, root, "rms_norm_eps", 1e-6, &c->rms_norm_eps, err) ||
        get_num(path, root, "rope_theta", 10000.0, &c->rope_theta, err) ||
        get_bool(path, root, "tie_word_embeddings", 0, &c->tie_word_embeddings, err) ||
        get_token_id(path, root, "bos_token_id", &c->bos, err) ||
        get_token_id(path, root, "eos_token_id", &c->eos, err) || read_rope_scaling(path, root, c, err))
        return -1;
    if (c->hidden_size % c->n_heads)
        return q35_fail(err, "%s: num_attention_heads %d does not divide hidden_size %d", path, c->n_heads,
                        c->hidden_size);
    if (c->n_heads % c->n_kv_heads)
        return q35_fail(err, "%s: num_key_value_heads %d does not divide num_attention_heads %d", path,
                        c->n_kv_heads, c->n_heads);
    const int hd = c->hidden_size / c->n_heads;
    if (get_int(path, root, "head_dim", 1, 1 << 16, 0, hd, &c->head_dim, err)) return -1;
    if (c->head_dim != hd)
        return q35_fail(err, "%s: head_dim %d differs from hidden_size / num_attention_heads = %d (not supported)",
                        path, c->head_dim, hd);
    if (c->head_dim % 2) return q35_fail(err, "%s: head dimension %d is odd", path, c->head_dim);
    if (!(c->rms_norm_eps < 1)) return q35_fail(err, "%s: rms_norm_eps %g out of range", path, c->rms_norm_eps);
    if (!(c->rope_theta > 1)) return q35_fail(err, "%s: rope_theta %g out of range", path, c->rope_theta);
    return 0;
}

int q35_hf_config_read(const char *path, q35_hf_config *c, q35_err *err)
{
    memset(c, 0, sizeof *c);
    c->bos = c->eos = -1;
    q35_map m;
    if (q35_map_open(path, &m, err)) return -1;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts((const char *)m.data, m.size, &end, 0);
    if (!root) {
        size_t at = end && end >= (const char *)m.data ? (size_t)(end - (const char *)m.data) : 0;
        q35_map_close(&m);
        return q35_fail(err, "%s: not valid JSON (at byte %zu)", path, at);
    }
    q35_map_close(&m);
    int rc = parse_config(path, root, c, err);
    cJSON_Delete(root);
    return rc;
}

/* ---------------------------------------------------------------- RoPE scaling */

void q35_hf_llama3_rope_factors(const q35_hf_config *c, int rope_dim, float *out)
{
    const double pi = 3.14159265358979323846;
    const double lo = c->rope_low_freq_factor, hi = c->rope_high_freq_factor, ctx = c->rope_orig_ctx;
    const double low_wavelen = ctx / lo, high_wavelen = ctx / hi;
    for (int i = 0; i < rope_dim / 2; i++) {
        /* llama.cpp's converter computes the base frequency in float32, as torch does */
        const float freq = 1.0f / powf((float)c->rope_theta, (float)(2 * i) / (float)rope_dim);
        const double wavelen = 2 * pi / (double)freq;
        double f;
        if (wavelen < high_wavelen) f = 1;
        else if (wavelen > low_wavelen) f = c->rope_factor;
        else {
            const double s = (ctx / wavelen - lo) / (hi - lo);
            f = 1 / ((1 - s) / c->rope_factor + s);
        }
        out[i] = (float)f;
    }
}

/* ---------------------------------------------------------------- names */

static const struct { const char *hf, *gguf; } layer_names[] = {
    {"self_attn.q_proj", "attn_q"},     {"self_attn.k_proj", "attn_k"},  {"self_attn.v_proj", "attn_v"},
    {"self_attn.o_proj", "attn_output"}, {"mlp.gate_proj", "ffn_gate"},  {"mlp.up_proj", "ffn_up"},
    {"mlp.down_proj", "ffn_down"},      {"input_layernorm", "attn_norm"}, {"post_attention_layernorm", "ffn_norm"},
};
#define N_LAYER_NAMES (sizeof layer_names / sizeof layer_names[0])

static const struct { const char *hf, *gguf; } global_names[] = {
    {"model.embed_tokens.weight", "token_embd.weight"},
    {"model.norm.weight", "output_norm.weight"},
    {"lm_head.weight", "output.weight"},
};
#define N_GLOBAL_NAMES (sizeof global_names / sizeof global_names[0])

/* "PREFIX<N>.REST" with N a decimal layer number without leading zeros: returns N and
 * points *rest at REST, or -1. */
static long layer_of(const char *s, const char *prefix, const char **rest)
{
    size_t k = strlen(prefix);
    if (strncmp(s, prefix, k)) return -1;
    s += k;
    if (*s < '0' || *s > '9' || (*s == '0' && s[1] != '.')) return -1;
    long n = 0;
    while (*s >= '0' && *s <= '9') {
        n = n * 10 + (*s++ - '0');
        if (n > 1000000) return -1;
    }
    if (*s != '.') return -1;
    *rest = s + 1;
    return n;
}

int q35_hf_name_to_gguf(const char *hf, char *out, size_t n)
{
    for (size_t i = 0; i < N_GLOBAL_NAMES; i++)
        if (!strcmp(hf, global_names[i].hf)) return snprintf(out, n, "%s", global_names[i].gguf) < (int)n ? 0 : -1;
    const char *rest;
    long l = layer_of(hf, "model.layers.", &rest);
    if (l < 0) return -1;
    if (!strcmp(rest, "self_attn.rotary_emb.inv_freq")) return 1;
    for (size_t i = 0; i < N_LAYER_NAMES; i++) {
        size_t k = strlen(layer_names[i].hf);
        if (!strncmp(rest, layer_names[i].hf, k) && !strcmp(rest + k, ".weight"))
            return snprintf(out, n, "blk.%ld.%s.weight", l, layer_names[i].gguf) < (int)n ? 0 : -1;
    }
    return -1;
}

int q35_gguf_name_to_hf(const char *gguf, char *out, size_t n)
{
    for (size_t i = 0; i < N_GLOBAL_NAMES; i++)
        if (!strcmp(gguf, global_names[i].gguf)) return snprintf(out, n, "%s", global_names[i].hf) < (int)n ? 0 : -1;
    const char *rest;
    long l = layer_of(gguf, "blk.", &rest);
    if (l < 0) return -1;
    for (size_t i = 0; i < N_LAYER_NAMES; i++) {
        size_t k = strlen(layer_names[i].gguf);
        if (!strncmp(rest, layer_names[i].gguf, k) && !strcmp(rest + k, ".weight"))
            return snprintf(out, n, "model.layers.%ld.%s.weight", l, layer_names[i].hf) < (int)n ? 0 : -1;
    }
    return -1;
}
