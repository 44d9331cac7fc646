/* q35 quantize: a checkpoint (GGUF or llama2.c) to a 3.5-bit q35 GGUF.
 *
 * The block matrices take --type, the token embedding and the output head their own
 * types (q8_0 by default: they are few weights and sensitive), the norms stay F32. The
 * output appears only when complete (temporary file + rename). --method picks how the
 * block matrices are rounded; with --calibration the default is the best calibrated
 * method (GPTQ, measured in docs/QUALITY.md), without it RTN. --method mixed (implied by
 * --target-bpw) lets each block matrix take q45_cb instead where that lowers the error
 * most per bit, within --target-bpw bits/weight over the block matrices. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "q35/ckpt.h"
#include "q35/quant.h"

static const char USAGE[] =
    "usage: q35 quantize --checkpoint PATH --output PATH [--type q35_cb|q35_p11|q35_s43|f32|f16|bf16]\n"
    "                    [--embd-type T] [--output-type T] [--tokenizer FILE] [--threads N]\n"
    "                    [--method rtn|imatrix|gptq|mixed] [--target-bpw B] [--calibration TEXTFILE]\n"
    "                    [--calib-tokens N] [--calib-ctx N] [--damp X] [--damp-diag X]\n\n"
    "Quantizes a LLaMA checkpoint (GGUF, llama2.c with --tokenizer, or a Hugging Face directory of\n"
    "config.json and safetensors) to a q35 GGUF file. --type f32, f16 or bf16 converts without\n"
    "quantizing (every matrix in that type unless --embd-type/--output-type say otherwise). An HF\n"
    "directory's vocabulary comes from its tokenizer.model or tokenizer.json, or from --tokenizer (a\n"
    "GGUF file, tokenizer.bin, tokenizer.model or tokenizer.json). With\n"
    "--calibration the model first runs over the text to measure its layers' inputs, and the default\n"
    "method is gptq; without it, rtn. --method mixed puts each block matrix in the 3.5-bit type or\n"
    "q45_cb, whichever choice has the least total error within --target-bpw bits/weight (all-in, as\n"
    "q35 info counts the block matrices; default 3.65).";

/* Resolves a type name for option `opt`; q35_only restricts it to the 3.5-bit family and
 * the float pass-through types. */
static int parse_type(const char *cmd, const char *opt, const char *name, int q35_only, uint32_t *out)
{
    const q35_type_traits *t = q35_type_by_name(name);
    if (!t || (q35_only && !t->is_q35 && !q35_type_is_float(t))) {
        char list[256] = "";
        for (int i = 0; q35_type_at(i); i++) {
            const q35_type_traits *u = q35_type_at(i);
            if (q35_only && !u->is_q35 && !q35_type_is_float(u)) continue;
            strncat(list, *list ? ", " : "", sizeof list - strlen(list) - 1);
            strncat(list, u->name, sizeof list - strlen(list) - 1);
        }
        cli_error(cmd, "%s '%s': unknown type (expected one of %s)", opt, name, list);
        return -1;
    }
    *out = t->id;
    return 0;
}

/* The solver's choice: how many block matrices took each type, and the summed error
 * proxy against every one in the 3.5-bit type. */
static void print_mixed(const q35_quant_report *r)
{
    printf("  mixed          target %.4f bits/weight (%llu bits):", r->target_bpw, (unsigned long long)r->budget_bits);
    for (int k = 0; k < r->mixed_n_cand; k++)
        printf("%s %d %s", k ? "," : "", r->mixed_count[k], q35_type_by_id(r->mixed_type[k])->name);
    printf(" (%.2f s measuring and solving)\n", r->mixed_seconds);
    printf("  error proxy    %.6g, all %s %.6g (%+.2f%%)\n", r->mixed_error, q35_type_by_id(r->mixed_type[0])->name,
           r->mixed_error_base,
           r->mixed_error_base > 0 ? 100.0 * (r->mixed_error / r->mixed_error_base - 1.0) : 0.0);
}

int cmd_quantize(int argc, char **argv)
{
    const char *cmd = argv[0];
    const char *ckpt_path = NULL, *out_path = NULL, *tokenizer = NULL, *calibration = NULL;
    const char *type = NULL, *embd_type = NULL, *output_type = NULL, *method = NULL;
    int threads = 0, calib_ctx = 512;
    uint64_t calib_tokens = UINT64_MAX; /* not given: the library's default */
    float damp = NAN, damp_diag = NAN; /* not given: the library's defaults */
    const char *target_bpw = NULL;     /* parsed as a double: the budget is floor(B x weights) */
    const cli_opt opts[] = {
        {"--checkpoint", CLI_STR, &ckpt_path, "PATH", "input model: GGUF, llama2.c .bin, or a Hugging Face directory"},
        {"--output", CLI_STR, &out_path, "PATH", "output GGUF file"},
        {"--type", CLI_STR, &type, "T", "3.5-bit type of the block matrices (default: q35_cb), or f32/f16/bf16 (no quantization)"},
        {"--embd-type", CLI_STR, &embd_type, "T", "type of token_embd (default: q45_cb; with a tied head, the output type)"},
        {"--output-type", CLI_STR, &output_type, "T", "type of the output head (default: q8_0)"},
        {"--tokenizer", CLI_STR, &tokenizer, "FILE",
         "tokenizer.bin or SentencePiece tokenizer.model (by .model name or protobuf content) for a llama2.c "
         "checkpoint; for an HF directory, a GGUF or tokenizer file to use instead of its own"},
        {"--threads", CLI_INT, &threads, "N", "threads (default: all cores)"},
        {"--method", CLI_STR, &method, "M",
         "rtn, imatrix, gptq or mixed (default: mixed with --target-bpw, else gptq with --calibration, else rtn)"},
        {"--target-bpw", CLI_STR, &target_bpw, "B",
         "mixed: bits/weight of the block matrices, scales and padding counted (default 3.65)"},
        {"--calibration", CLI_STR, &calibration, "TEXTFILE", "calibration text, e.g. wikitext-2-raw-test.txt"},
        {"--calib-tokens", CLI_U64, &calib_tokens, "N", "calibrate on at most N tokens; 0: the whole file (default 131072)"},
        {"--calib-ctx", CLI_INT, &calib_ctx, "N", "tokens per calibration chunk (default 512)"},
        {"--damp", CLI_FLOAT, &damp, "X", "gptq: add X times the Hessian's mean diagonal to its diagonal (default 0.3)"},
        {"--damp-diag", CLI_FLOAT, &damp_diag, "X", "gptq: multiply the Hessian's diagonal by 1 + X (default 0.3)"},
    };
    int rc = cli_parse(argc, argv, USAGE, opts, (int)(sizeof opts / sizeof opts[0]));
    if (rc) return rc == 1 ? 0 : 2;
    if (!ckpt_path) return cli_error(cmd, "--checkpoint is required (see --help)"), 2;
    if (!out_path) return cli_error(cmd, "--output is required (see --help)"), 2;
    int m = method        ? q35_quant_method_by_name(method)
            : target_bpw  ? Q35_METHOD_MIXED
            : calibration ? Q35_METHOD_GPTQ
                          : Q35_METHOD_RTN;
    if (m < 0) return cli_error(cmd, "--method %s: unknown method (expected rtn, imatrix, gptq or mixed)", method), 2;
    double bpw = 0; /* 0: the library's default */
    if (target_bpw) {
        char *end;
        errno = 0;
        bpw = strtod(target_bpw, &end);
        if (errno || end == target_bpw || *end || !(bpw > 0 && bpw <= 64))
            return cli_error(cmd, "--target-bpw '%s': expected a number of bits/weight in (0, 64]", target_bpw), 2;
        if (m != Q35_METHOD_MIXED) return cli_error(cmd, "--target-bpw needs --method mixed, not %s", method), 2;
    }
    if (q35_quant_method_needs_calib(m) && !calibration)
        return cli_error(cmd, "--method %s needs --calibration TEXTFILE", method), 2;
    if (m == Q35_METHOD_RTN && calibration)
        return cli_error(cmd, "--calibration: method rtn uses no calibration data"), 2;
    if (threads < 0) return cli_error(cmd, "--threads %d is negative", threads), 2;
    if (calib_ctx < 2 || calib_ctx > (1 << 20))
        return cli_error(cmd, "--calib-ctx %d is out of range [2, %d]", calib_ctx, 1 << 20), 2;
    if (calib_tokens != UINT64_MAX && calib_tokens > ((uint64_t)1 << 40))
        return cli_error(cmd, "--calib-tokens %llu is too large", (unsigned long long)calib_tokens), 2;
    if (!isnan(damp) && !(damp >= 0.0f && damp <= 100.0f))
        return cli_error(cmd, "--damp %g is out of range [0, 100]", (double)damp), 2;
    if (!isnan(damp_diag) && !(damp_diag >= 0.0f && damp_diag <= 100.0f))
        return cli_error(cmd, "--damp-diag %g is out of range [0, 100]", (double)damp_diag), 2;

    q35_quant_opts o;
    q35_quant_opts_default(&o);
    o.n_threads = threads;
    o.method = m;
    o.calibration = calibration;
    o.calib_ctx = calib_ctx;
    if (calib_tokens != UINT64_MAX) o.calib_tokens = (int64_t)calib_tokens;
    if (!isnan(damp)) o.gptq_damp = damp;
    if (!isnan(damp_diag)) o.gptq_damp_diag = damp_diag;
    o.target_bpw = bpw;
    if (type && parse_type(cmd, "--type", type, 1, &o.type)) return 2;
    const int passthrough = q35_type_is_float(q35_type_by_id(o.type));
    if (passthrough && m != Q35_METHOD_RTN)
        return cli_error(cmd, "--type %s converts without quantizing; --method %s does not apply", type,
                         q35_quant_method_name(m)), 2;
    /* a pass-through keeps every matrix in its type unless told otherwise */
    if (passthrough && !embd_type) embd_type = type;
    if (!output_type) output_type = passthrough ? type : "q8_0";
    if ((embd_type && parse_type(cmd, "--embd-type", embd_type, 0, &o.embd_type)) ||
        parse_type(cmd, "--output-type", output_type, 0, &o.output_type))
        return 2;

    q35_err err;
    q35_ckpt ck;
    if (q35_ckpt_open(ckpt_path, tokenizer, &ck, &err)) return cli_error(cmd, "%s", err.msg);
    q35_quant_report rep;
    double in_bytes = 0; /* the checkpoint's tensor bytes, for the throughput line */
    for (int i = 0; i < ck.n_tensors; i++) {
        size_t nb;
        if (!q35_tensor_nbytes(ck.tensors[i].type, ck.tensors[i].n_dims, ck.tensors[i].ne, &nb, NULL)) in_bytes += (double)nb;
    }
    rc = q35_quantize_ckpt(&ck, out_path, &o, &rep, &err);
    q35_ckpt_close(&ck);
    if (rc) return cli_error(cmd, "%s", err.msg);

    struct stat st;
    double file_bytes = stat(out_path, &st) == 0 ? (double)st.st_size : (double)rep.bytes_all;
    printf("q35 quantize: %s -> %s (%s, method %s)\n", ckpt_path, out_path, q35_type_by_id(o.type)->name,
           q35_quant_method_name(o.method));
    printf("  tensors        %d\n", rep.n_tensors);
    printf("  block matrices %llu weights, %llu bytes, %.4f bits/weight\n", (unsigned long long)rep.n_weights_blocks,
           (unsigned long long)rep.bytes_blocks,
           rep.n_weights_blocks ? 8.0 * (double)rep.bytes_blocks / (double)rep.n_weights_blocks : 0.0);
    printf("  all tensors    %llu weights, %llu bytes, %.4f bits/weight\n", (unsigned long long)rep.n_weights_all,
           (unsigned long long)rep.bytes_all,
           rep.n_weights_all ? 8.0 * (double)rep.bytes_all / (double)rep.n_weights_all : 0.0);
    printf("  whole file     %.0f bytes, %.4f bits/weight (metadata and tokenizer included)\n", file_bytes,
           rep.n_weights_all ? 8.0 * file_bytes / (double)rep.n_weights_all : 0.0);
    if (o.calibration)
        printf("  calibration    %lld tokens of %s in %.2f s\n", (long long)rep.calib_tokens, o.calibration,
               rep.calib_seconds);
    if (o.method == Q35_METHOD_MIXED) print_mixed(&rep);
    printf("  quantization   %.2f s\n", rep.quant_seconds);
    printf("  time           %.2f s\n", rep.seconds);
    printf("  read           %.3f GB of tensors, %.3f GB/s over the whole run\n", in_bytes / 1e9,
           rep.seconds > 0 ? in_bytes / 1e9 / rep.seconds : 0.0);
    printf("  peak RSS       %.1f MiB\n", (double)q35_peak_rss() / (1024.0 * 1024.0));
    return 0;
}
