/* Writing a checkpoint as a Hugging Face LLaMA directory (q35/hf.h, q35_hf_export): the
 * test exporter behind `q35 export-hf`, so the HF reading path can be checked on real
 * weights. q_proj/k_proj rows go back into HF's rotate-half order. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#include "ckpt_internal.h"
#include "q35/hf.h"
#include "q35/types.h"
#include "safetensors.h"

typedef struct ex_tensor {
    const q35_tensor *t;
    char hf[128];
    int shard;
    int qk;        /* rows to reorder (q_proj, k_proj) */
    size_t nbytes; /* in the output dtype */
} ex_tensor;

/* The shortest decimal that reads back as the same float, as a double (so config.json
 * says 1e-05, not 9.99999974737875e-06). */
static double short_float(float f)
{
    char buf[32];
    for (int prec = 1; prec <= 9; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, (double)f);
        if (strtof(buf, NULL) == f) break;
    }
    return strtod(buf, NULL);
}

static const char *torch_dtype(uint32_t type)
{
    return type == Q35_TYPE_F32 ? "float32" : type == Q35_TYPE_F16 ? "float16" : "bfloat16";
}

static int write_json(const char *path, cJSON *root, q35_err *err)
{
    char *s = cJSON_Print(root);
    if (!s) return q35_fail(err, "%s: out of memory", path);
    q35_out out;
    int rc = q35_out_open(&out, path, err);
    if (!rc) {
        rc = q35_out_write(&out, s, strlen(s), err) || q35_out_write(&out, "\n", 1, err);
        if (rc) q35_out_abort(&out);
        else rc = q35_out_commit(&out, err);
    }
    free(s);
    return rc ? -1 : 0;
}

static int write_config(const q35_ckpt *c, const char *path, uint32_t dtype, q35_err *err)
{
    const q35_llama_config *p = &c->cfg;
    cJSON *r = cJSON_CreateObject(), *arch = cJSON_AddArrayToObject(r, "architectures");
    if (!r || !arch) {
        cJSON_Delete(r);
        return q35_fail(err, "%s: out of memory", path);
    }
    cJSON_AddItemToArray(arch, cJSON_CreateString("LlamaForCausalLM"));
    cJSON_AddStringToObject(r, "model_type", "llama");
    cJSON_AddNumberToObject(r, "hidden_size", p->dim);
    cJSON_AddNumberToObject(r, "intermediate_size", p->hidden_dim);
    cJSON_AddNumberToObject(r, "num_hidden_layers", p->n_layers);
    cJSON_AddNumberToObject(r, "num_attention_heads", p->n_heads);
    cJSON_AddNumberToObject(r, "num_key_value_heads", p->n_kv_heads);
    cJSON_AddNumberToObject(r, "head_dim", p->head_dim);
    cJSON_AddNumberToObject(r, "vocab_size", p->vocab_size);
    cJSON_AddNumberToObject(r, "max_position_embeddings", p->ctx_len);
    cJSON_AddNumberToObject(r, "rms_norm_eps", short_float(p->norm_eps));
    cJSON_AddNumberToObject(r, "rope_theta", short_float(p->rope_base));
    cJSON_AddNullToObject(r, "rope_scaling");
    cJSON_AddStringToObject(r, "hidden_act", "silu");
    cJSON_AddFalseToObject(r, "attention_bias");
    cJSON_AddBoolToObject(r, "tie_word_embeddings", q35_ckpt_find(c, "output.weight") == NULL);
    if (c->vocab.bos >= 0) cJSON_AddNumberToObject(r, "bos_token_id", c->vocab.bos);
    if (c->vocab.eos >= 0) cJSON_AddNumberToObject(r, "eos_token_id", c->vocab.eos);
    cJSON_AddStringToObject(r, "torch_dtype", torch_dtype(dtype));
    int rc = write_json(path, r, err);
    cJSON_Delete(r);
    return rc;
}

/* Tensor e's rows in HF order and the output dtype, into dst. */
static int convert(const ex_tensor *e, const q35_type_traits *dt, uint8_t *dst, float *row, q35_err *err)
{
    const q35_tensor *t = e->t;
    const q35_type_traits *st = q35_type_by_id(t->type);
    void *own;
    const uint8_t *src = q35_tensor_data(t, &own, err);
    if (!src) return -1;
    const int64_t n = t->ne[0], rows = t->ne[1] * t->ne[2] * t->ne[3], hd = e->qk;
    const size_t sb = st->row_bytes(n), db = dt->row_bytes(n);
    for (int64_t r = 0; r < rows; r++) {
        const int64_t from = hd ? q35_gguf_qk_row(r, hd) : r; /* HF row r holds this GGUF row */
        st->to_float(src + (size_t)from * sb, n, row);
        dt->from_float(row, n, dst + (size_t)r * db);
    }
    free(own);
    return 0;
}

static int write_shard(const q35_ckpt *c, const ex_tensor *ex, int n, int shard, const char *path,
                       const q35_type_traits *dt, q35_err *err)
{
    q35_st_writer *w = q35_st_writer_new(err);
    if (!w) return -1;
    size_t max_bytes = 0;
    int64_t max_row = 1;
    for (int i = 0; i < n; i++) {
        if (ex[i].shard != shard) continue;
        const q35_tensor *t = ex[i].t;
        int64_t shape[4];
        for (int d = 0; d < t->n_dims; d++) shape[d] = t->ne[t->n_dims - 1 - d];
        if (q35_st_add(w, ex[i].hf, dt->id, t->n_dims, shape, err)) goto fail;
        if (ex[i].nbytes > max_bytes) max_bytes = ex[i].nbytes;
        if (t->ne[0] > max_row) max_row = t->ne[0];
    }
    uint8_t *buf = q35_malloc(max_bytes ? max_bytes : 1, err);
    float *row = q35_malloc((size_t)max_row * sizeof *row, err);
    int rc = !buf || !row || q35_st_write_begin(w, path, err);
    for (int i = 0; i < n && !rc; i++) {
        if (ex[i].shard != shard) continue;
        rc = convert(&ex[i], dt, buf, row, err) || q35_st_write_tensor(w, buf, ex[i].nbytes, err);
        if (rc && err && !strstr(err->msg, path)) {
            char msg[sizeof err->msg];
            memcpy(msg, err->msg, sizeof msg);
            q35_fail(err, "%s: %s", path, msg);
        }
    }
    free(buf);
    free(row);
    if (!rc) rc = q35_st_write_end(w, err);
    q35_st_writer_free(w);
    return rc ? -1 : 0;
fail:
    q35_st_writer_free(w);
    return -1;
}

/* Which tensors go where: the checkpoint's order, cut into n_shards runs of about equal
 * bytes, none empty. */
static void assign_shards(ex_tensor *ex, int n, int n_shards)
{
    size_t total = 0, acc = 0;
    for (int i = 0; i < n; i++) total += ex[i].nbytes;
    int s = 0, in_shard = 0;
    for (int i = 0; i < n; i++) {
        const double boundary = (double)total * (s + 1) / n_shards;
        if (in_shard && s < n_shards - 1 && ((double)acc >= boundary || n - i <= n_shards - 1 - s)) {
            s++;
            in_shard = 0;
        }
        ex[i].shard = s;
        in_shard++;
        acc += ex[i].nbytes;
    }
}

static void shard_name(char *out, size_t n, int k, int n_shards)
{
    if (n_shards == 1) snprintf(out, n, "model.safetensors");
    else snprintf(out, n, "model-%05d-of-%05d.safetensors", k + 1, n_shards);
}

static int write_index(const char *path, const ex_tensor *ex, int n, int n_shards, q35_err *err)
{
    cJSON *r = cJSON_CreateObject(), *meta = cJSON_AddObjectToObject(r, "metadata"),
          *wm = cJSON_AddObjectToObject(r, "weight_map");
    if (!r || !meta || !wm) {
        cJSON_Delete(r);
        return q35_fail(err, "%s: out of memory", path);
    }
    double total = 0;
    for (int i = 0; i < n; i++) {
        char name[64];
        shard_name(name, sizeof name, ex[i].shard, n_shards);
        cJSON_AddStringToObject(wm, ex[i].hf, name);
        total += (double)ex[i].nbytes;
    }
    cJSON_AddNumberToObject(meta, "total_size", total);
    int rc = write_json(path, r, err);
    cJSON_Delete(r);
    return rc;
}

int q35_hf_export(const q35_ckpt *c, const char *dir, const q35_hf_export_opts *o, q35_err *err)
{
    const q35_type_traits *dt = q35_type_by_id(o->dtype);
    if (!dt || !q35_st_dtype_name(o->dtype))
        return q35_fail(err, "%s: output dtype %u is not f32, f16 or bf16", dir, o->dtype);
    if (c->cfg.rope_dim != c->cfg.head_dim)
        return q35_fail(err, "%s: rope dimension %d differs from head dimension %d (not expressible in an HF LLaMA "
                             "config)", c->path, c->cfg.rope_dim, c->cfg.head_dim);
    if (q35_ckpt_find(c, "rope_freqs.weight"))
        return q35_fail(err, "%s: RoPE frequency factors (rope_freqs.weight) are not exported", c->path);
    ex_tensor *ex = q35_calloc((size_t)(c->n_tensors > 0 ? c->n_tensors : 1), sizeof *ex, err);
    if (!ex) return -1;
    int n = 0, rc = -1;
    for (int i = 0; i < c->n_tensors; i++) {
        const q35_tensor *t = &c->tensors[i];
        ex_tensor *e = &ex[n];
        e->t = t;
        if (q35_gguf_name_to_hf(t->name, e->hf, sizeof e->hf)) {
            q35_fail(err, "%s: tensor '%s' has no Hugging Face LLaMA name", c->path, t->name);
            goto done;
        }
        if (!q35_type_by_id(t->type)) {
            q35_fail(err, "%s: tensor '%s' has unknown type %u", c->path, t->name, t->type);
            goto done;
        }
        if (strstr(t->name, ".attn_q.") || strstr(t->name, ".attn_k.")) e->qk = c->cfg.head_dim;
        if (q35_tensor_nbytes(dt->id, t->n_dims, t->ne, &e->nbytes, err)) goto done;
        n++;
    }
    if (o->n_shards < 1 || o->n_shards > n) {
        q35_fail(err, "%s: %d shards for %d tensors (expected 1 to %d)", dir, o->n_shards, n, n);
        goto done;
    }
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        q35_fail(err, "%s: cannot create directory: %s", dir, strerror(errno));
        goto done;
    }
    assign_shards(ex, n, o->n_shards);
    char path[4096], name[64];
    for (int k = 0; k < o->n_shards; k++) {
        shard_name(name, sizeof name, k, o->n_shards);
        if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) {
            q35_fail(err, "%s: path too long", dir);
            goto done;
        }
        if (write_shard(c, ex, n, k, path, dt, err)) goto done;
    }
    snprintf(path, sizeof path, "%s/model.safetensors.index.json", dir);
    if (o->n_shards > 1) {
        if (write_index(path, ex, n, o->n_shards, err)) goto done;
    } else if (unlink(path) != 0 && errno != ENOENT) { /* a stale index would win over model.safetensors */
        q35_fail(err, "%s: cannot remove: %s", path, strerror(errno));
        goto done;
    }
    snprintf(path, sizeof path, "%s/config.json", dir);
    if (write_config(c, path, dt->id, err)) goto done;
    rc = 0;
done:
    free(ex);
    return rc;
}
