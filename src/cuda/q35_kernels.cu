/* The 3.5-bit GPU kernels. Weights come in the tile layout (q35/gpu_layout.h): a warp
 * owns one 16-row x 128-column tile at a time; each lane loads its 32 codes with three
 * coalesced loads (16 + 8 + 4 bytes) and turns them, four at a time, into the A
 * registers of mma.m16n8k16 by one shift and one mask per plane plus a table lookup.
 *
 * The lookup table maps a 7-bit code to the pair (G[c][0], G[c][1]) as a half2. It is
 * replicated 32 times in shared memory, copy L in bank L, so lane L always reads bank L:
 * a warp's 32 lookups never conflict, whatever the codes (16 KB per block). */
#include <stdint.h>

#include "q35_kernels.h"

#define TILE_BYTES 912
#define LUT_WORDS (128 * 32)
#define LUT64_WORDS (128 * 64)

__device__ __forceinline__ float scale_from_byte(uint32_t s)
{
    /* d = (8 + s%8) * 2^(s/8 - 27), built as float bits as the CPU kernels do */
    uint32_t bits = s ? (((s >> 3) + 103u) << 23) | ((s & 7u) << 20) : 0u;
    return __uint_as_float(bits);
}

__device__ __forceinline__ uint32_t pack_half2(float a, float b)
{
    __half2 h = __floats2half2_rn(a, b);
    return *reinterpret_cast<uint32_t *>(&h);
}

/* lut[c * STRIDE + lane] = half2(G[c][0], G[c][1]); the grid's int8 values are exact in
 * fp16. With STRIDE 32 the table is 16 KB; with STRIDE 64 (32 KB, half of it unused) the
 * byte offset of an entry is code * 256 + lane * 4, which one byte permute builds from
 * the packed codes (see lut_offset). Either way lane L only ever reads bank L. */
template <int STRIDE>
__device__ void build_lut(uint32_t *lut, const int8_t *__restrict__ grid)
{
    for (int i = threadIdx.x; i < 128 * 32; i += blockDim.x) {
        int c = i >> 5, l = i & 31;
        lut[c * STRIDE + l] = pack_half2((float)grid[2 * c], (float)grid[2 * c + 1]);
    }
}

/* Byte offset of code r (byte r of `codes`) in a STRIDE-64 table: byte 0 = lane * 4,
 * byte 1 = the code, bytes 2-3 = 0 (taken from lane4's zero byte 1): one PRMT. */
__device__ __forceinline__ uint32_t lut_offset(uint32_t codes, uint32_t lane4, int r)
{
    return __byte_perm(codes, lane4, 0x5504u | (uint32_t)(r << 4));
}

/* The four codes of k-tile j of this lane, as bytes 0..3 (slot order r = 0..3). */
__device__ __forceinline__ uint32_t tile_codes(uint4 W, uint2 C, uint32_t B, int j)
{
    uint32_t w = (j >> 1) == 0 ? W.x : (j >> 1) == 1 ? W.y : (j >> 1) == 2 ? W.z : W.w;
    uint32_t c = (j >> 2) == 0 ? C.x : C.y;
    return ((w >> (4 * (j & 1))) & 0x0F0F0F0Fu) | (((c >> (2 * (j & 3))) & 0x03030303u) << 4) |
           (((B >> j) & 0x01010101u) << 6);
}

/* X[m][k], X[m][k+1] as a half2, zero outside M x K. */
__device__ __forceinline__ uint32_t load_x2(const __half *__restrict__ X, int M, int K, int m, int k)
{
    if (m >= M) return 0u;
    if ((K & 1) == 0 && k + 1 < K) /* aligned pair: one 4-byte load */
        return __ldg(reinterpret_cast<const unsigned int *>(X + (size_t)m * K + k));
    __half lo = k < K ? X[(size_t)m * K + k] : __float2half(0.0f);
    __half hi = k + 1 < K ? X[(size_t)m * K + k + 1] : __float2half(0.0f);
    __half2 h = __halves2half2(lo, hi);
    return *reinterpret_cast<uint32_t *>(&h);
}

#if defined(Q35_GPU_HAVE_MMA)
__device__ __forceinline__ void mma16816(float *c, const uint32_t *a, const uint32_t *b)
{
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
                 "{%0,%1,%2,%3};\n"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

struct tile_regs {
    uint4 W;
    uint2 C;
    uint32_t B;
    uint32_t s0, s1;
};

/* The lane's part of the tile at byte offset `off` (under 4 GB). The lane's four
 * pointers are fixed; only the warp-uniform offset moves. */
struct lane_ptrs {
    const uint8_t *nib, *crumb, *bit, *scale;
};

__device__ __forceinline__ void load_tile(tile_regs &t, const lane_ptrs &p, uint32_t off)
{
    t.W = __ldg(reinterpret_cast<const uint4 *>(p.nib + off));
    t.C = __ldg(reinterpret_cast<const uint2 *>(p.crumb + off));
    t.B = __ldg(reinterpret_cast<const uint32_t *>(p.bit + off));
    t.s0 = __ldg(p.scale + off);
    t.s1 = __ldg(p.scale + off + 8);
}

__device__ __forceinline__ uint32_t lds32(uint32_t addr)
{
    uint32_t v;
    asm volatile("ld.shared.b32 %0, [%1];\n" : "=r"(v) : "r"(addr));
    return v;
}

/* One tile times the activations in b[8][NT][2], added into out[NT][4] (rows g and
 * g + 8, batch columns 2c and 2c + 1 of each n-tile). The table offset of code r of a
 * k-tile is one PRMT: byte 0 = lane * 4 and bytes 2-3 from `ysrc`, byte 1 = the code
 * plus the table's own byte 1 (added to all four codes at once), so no add is left per
 * lookup: 5 logic ops, 1 add, 4 PRMT, 4 LDS and NT HMMA per k-tile. */
template <int NT>
__device__ __forceinline__ void tile_mma(const tile_regs &t, const uint32_t (&b)[8][NT][2], uint32_t ysrc,
                                         uint32_t badd, float (&out)[NT][4])
{
    float acc[NT][4];
#pragma unroll
    for (int nt = 0; nt < NT; nt++) acc[nt][0] = acc[nt][1] = acc[nt][2] = acc[nt][3] = 0.0f;
#pragma unroll
    for (int j = 0; j < 8; j++) {
        const uint32_t codes = tile_codes(t.W, t.C, t.B, j) + badd;
        uint32_t a[4];
#pragma unroll
        for (int r = 0; r < 4; r++) a[r] = lds32(__byte_perm(codes, ysrc, 0x7604u | (uint32_t)(r << 4)));
#pragma unroll
        for (int nt = 0; nt < NT; nt++) mma16816(acc[nt], a, b[j][nt]);
    }
    const float d0 = scale_from_byte(t.s0), d1 = scale_from_byte(t.s1);
#pragma unroll
    for (int nt = 0; nt < NT; nt++) {
        out[nt][0] += d0 * acc[nt][0];
        out[nt][1] += d0 * acc[nt][1];
        out[nt][2] += d1 * acc[nt][2];
        out[nt][3] += d1 * acc[nt][3];
    }
}

/* Block = 8 warps; the grid is persistent (as many blocks as fit at once), looping over
 * work items. An item is 8 strips (one per warp) times a chunk of kchunk k-blocks. The
 * block first stages the chunk's activations in shared memory already in mma B-fragment
 * order (xf), then each warp walks its strip's tiles along k, which lie back to back in
 * memory, with loads running two tiles ahead (three buffers in rotation). Sums stay in
 * registers across the chunk; one atomic add per output and chunk at the end. */
template <int NT>
__global__ void __launch_bounds__(256, 2) mm_small_kernel(const uint8_t *__restrict__ tiles,
                                                          const int8_t *__restrict__ grid, int N, int K,
                                                          int strips, int kblocks, const __half *__restrict__ X,
                                                          int M, float *__restrict__ Y, int kchunk)
{
    extern __shared__ __align__(1024) uint32_t smem[];
    uint32_t *lut = smem;
    uint4 *xf = reinterpret_cast<uint4 *>(smem + LUT64_WORDS); /* [kchunk][NT][32 lanes][4] */
    build_lut<64>(lut, grid);
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, g = lane >> 2, c = lane & 3;
    const uint32_t base = (uint32_t)__cvta_generic_to_shared(lut);
    /* the offset trick needs byte 0 of the table address zero and byte 1 small */
    if ((base & 0xFFu) != 0u || ((base >> 8) & 0xFFu) > 128u) __trap();
    const uint32_t ysrc = (uint32_t)lane * 4u | (base & 0xFFFF0000u);
    const uint32_t badd = ((base >> 8) & 0xFFu) * 0x01010101u;
    const lane_ptrs lp = {tiles + 16 * lane, tiles + 512 + 8 * lane, tiles + 768 + 4 * lane, tiles + 896 + g};
    const int groups = (strips + 7) / 8, n_chunks = (kblocks + kchunk - 1) / kchunk;
    const int items = groups * n_chunks;

    for (int item = blockIdx.x; item < items; item += gridDim.x) {
        const int kc = item / groups, sg = item % groups;
        const int kb0 = kc * kchunk, nkb = kblocks - kb0 < kchunk ? kblocks - kb0 : kchunk;
        __syncthreads(); /* the previous item is done with xf (and the table is built) */
        /* Only the fragments of real batch rows are staged: the consumer reads zeros for
         * rows >= M without touching xf. For M = 1 that is one lane in eight. */
        const int mr = NT == 1 ? M : 8; /* rows per n-tile to stage */
        for (int i = threadIdx.x; i < nkb * NT * mr * 16; i += blockDim.x) {
            const int q = i & 3, cc = (i >> 2) & 3, gg = (i >> 4) % mr, rest = (i >> 4) / mr;
            const int nt = rest % NT, kk = rest / NT, m = nt * 8 + gg;
            if (m >= M) continue;
            const int k = (kb0 + kk) * 128 + 32 * q + 2 * cc;
            uint4 v;
            if ((K & 1) == 0 && k + 25 < K) { /* the common case: four aligned 4-byte loads */
                const unsigned int *xr = reinterpret_cast<const unsigned int *>(X + (size_t)m * K + k);
                v = make_uint4(__ldg(xr), __ldg(xr + 4), __ldg(xr + 8), __ldg(xr + 12));
            } else {
                v = make_uint4(load_x2(X, M, K, m, k), load_x2(X, M, K, m, k + 8), load_x2(X, M, K, m, k + 16),
                               load_x2(X, M, K, m, k + 24));
            }
            xf[((kk * NT + nt) * 32 + 4 * gg + cc) * 4 + q] = v;
        }
        __syncthreads();
        const int s = sg * 8 + warp;
        if (s >= strips) continue;
        uint32_t off = ((uint32_t)s * (uint32_t)kblocks + (uint32_t)kb0) * TILE_BYTES;
        float out[NT][4];
#pragma unroll
        for (int nt = 0; nt < NT; nt++) out[nt][0] = out[nt][1] = out[nt][2] = out[nt][3] = 0.0f;
        tile_regs t0, t1, t2;
        load_tile(t0, lp, off);
        if (nkb > 1) load_tile(t1, lp, off + TILE_BYTES);
        for (int kk = 0; kk < nkb; kk += 3, off += 3 * TILE_BYTES) {
#define Q35_STEP(CUR, NEXT2, I)                                                                         \
    if (kk + I < nkb) {                                                                                  \
        if (kk + I + 2 < nkb) load_tile(NEXT2, lp, off + (I + 2) * TILE_BYTES);                          \
        uint32_t b[8][NT][2];                                                                            \
        _Pragma("unroll") for (int nt = 0; nt < NT; nt++) {                                              \
            const uint4 *src = xf + ((kk + I) * NT + nt) * 128 + lane * 4;                               \
            _Pragma("unroll") for (int q = 0; q < 4; q++) {                                              \
                uint4 v = nt * 8 + g < M ? src[q] : make_uint4(0u, 0u, 0u, 0u);                           \
                b[2 * q][nt][0] = v.x, b[2 * q][nt][1] = v.y, b[2 * q + 1][nt][0] = v.z, b[2 * q + 1][nt][1] = v.w; \
            }                                                                                            \
        }                                                                                                \
        tile_mma<NT>(CUR, b, ysrc, badd, out);                                                           \
    }
            Q35_STEP(t0, t2, 0)
            Q35_STEP(t1, t0, 1)
            Q35_STEP(t2, t1, 2)
#undef Q35_STEP
        }
        const int row0 = s * 16 + g, row1 = row0 + 8;
#pragma unroll
        for (int nt = 0; nt < NT; nt++) {
            const int m0 = nt * 8 + 2 * c, m1 = m0 + 1;
            if (row0 < N) {
                if (m0 < M) atomicAdd(Y + (size_t)m0 * N + row0, out[nt][0]);
                if (m1 < M) atomicAdd(Y + (size_t)m1 * N + row0, out[nt][1]);
            }
            if (row1 < N) {
                if (m0 < M) atomicAdd(Y + (size_t)m0 * N + row1, out[nt][2]);
                if (m1 < M) atomicAdd(Y + (size_t)m1 * N + row1, out[nt][3]);
            }
        }
    }
}

/* The batch-9-to-16 kernel. Activations for 16 rows as B fragments take 32 registers a
 * k-block; loading them from shared memory for every tile (as above) makes shared memory
 * the bottleneck, so here a warp owns one k-block, keeps its B fragments in registers
 * for the whole launch and walks strips instead, adding each strip's partial sums to Y.
 * Loads run two strips ahead (three buffers in rotation). */
template <int NT>
__global__ void __launch_bounds__(256, 2) mm_regs_kernel(const uint8_t *__restrict__ tiles,
                                                         const int8_t *__restrict__ grid, int N, int K,
                                                         int strips, int kblocks, const __half *__restrict__ X,
                                                         int M, float *__restrict__ Y, int strips_per_cta)
{
    __shared__ __align__(1024) uint32_t lut[LUT64_WORDS];
    build_lut<64>(lut, grid);
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, g = lane >> 2, c = lane & 3;
    const int kb = blockIdx.y * 8 + warp;
    const uint32_t base = (uint32_t)__cvta_generic_to_shared(lut);
    if ((base & 0xFFu) != 0u || ((base >> 8) & 0xFFu) > 128u) __trap();
    const uint32_t ysrc = (uint32_t)lane * 4u | (base & 0xFFFF0000u);
    const uint32_t badd = ((base >> 8) & 0xFFu) * 0x01010101u;
    uint32_t b[8][NT][2];
#pragma unroll
    for (int j = 0; j < 8; j++)
#pragma unroll
        for (int nt = 0; nt < NT; nt++) {
            int k = kb * 128 + 16 * j + 2 * c;
            b[j][nt][0] = load_x2(X, M, K, nt * 8 + g, k);
            b[j][nt][1] = load_x2(X, M, K, nt * 8 + g, k + 8);
        }
    __syncthreads();
    if (kb >= kblocks) return;
    const int s_begin = blockIdx.x * strips_per_cta;
    const int s_end = s_begin + strips_per_cta < strips ? s_begin + strips_per_cta : strips;
    const uint32_t stride = (uint32_t)kblocks * TILE_BYTES;
    const lane_ptrs lp = {tiles + 16 * lane, tiles + 512 + 8 * lane, tiles + 768 + 4 * lane, tiles + 896 + g};
    uint32_t off = ((uint32_t)s_begin * (uint32_t)kblocks + (uint32_t)kb) * TILE_BYTES;
    tile_regs t0, t1, t2;
    if (s_begin < s_end) load_tile(t0, lp, off);
    if (s_begin + 1 < s_end) load_tile(t1, lp, off + stride);
    for (int s = s_begin; s < s_end; s += 3, off += 3 * stride) {
#define Q35_STEP(CUR, NEXT2, I)                                                                              \
    if (s + I < s_end) {                                                                                      \
        if (s + I + 2 < s_end) load_tile(NEXT2, lp, off + (I + 2) * stride);                                  \
        float out[NT][4];                                                                                     \
        _Pragma("unroll") for (int nt = 0; nt < NT; nt++) out[nt][0] = out[nt][1] = out[nt][2] = out[nt][3] = 0.0f; \
        tile_mma<NT>(CUR, b, ysrc, badd, out);                                                                \
        const int row0 = (s + I) * 16 + g, row1 = row0 + 8;                                                   \
        _Pragma("unroll") for (int nt = 0; nt < NT; nt++) {                                                   \
            const int m0 = nt * 8 + 2 * c, m1 = m0 + 1;                                                       \
            if (row0 < N) {                                                                                   \
                if (m0 < M) atomicAdd(Y + (size_t)m0 * N + row0, out[nt][0]);                                 \
                if (m1 < M) atomicAdd(Y + (size_t)m1 * N + row0, out[nt][1]);                                 \
            }                                                                                                 \
            if (row1 < N) {                                                                                   \
                if (m0 < M) atomicAdd(Y + (size_t)m0 * N + row1, out[nt][2]);                                 \
                if (m1 < M) atomicAdd(Y + (size_t)m1 * N + row1, out[nt][3]);                                 \
            }                                                                                                 \
        }                                                                                                     \
    }
        Q35_STEP(t0, t2, 0)
        Q35_STEP(t1, t0, 1)
        Q35_STEP(t2, t1, 2)
#undef Q35_STEP
    }
}
#endif /* Q35_GPU_HAVE_MMA */

/* One thread per output Y[m][row]: decode the row's codes from the tiles and sum in
 * float. Slow and plain on purpose. */
__global__ void mm_simt_kernel(const uint8_t *__restrict__ tiles, const int8_t *__restrict__ grid, int N, int K,
                               int kblocks, const __half *__restrict__ X, int M, float *__restrict__ Y)
{
    const int row = blockIdx.x * blockDim.x + threadIdx.x, m = blockIdx.y;
    if (row >= N || m >= M) return;
    const int s = row / 16, rr = row % 16, gg = rr % 8, hi_row = rr / 8;
    float sum = 0.0f;
    for (int kb = 0; kb < kblocks; kb++) {
        const uint8_t *tile = tiles + ((size_t)s * kblocks + kb) * TILE_BYTES;
        const float d = scale_from_byte(tile[896 + rr]);
        float bs = 0.0f;
        for (int p = 0; p < 64; p++) {
            const int k = kb * 128 + 2 * p;
            if (k >= K) break;
            const int lane = 4 * gg + p % 4, j = p / 8, r = hi_row + 2 * ((p % 8) / 4);
            const uint32_t W = reinterpret_cast<const uint32_t *>(tile)[4 * lane + j / 2];
            const uint32_t C = reinterpret_cast<const uint32_t *>(tile + 512)[2 * lane + j / 4];
            const uint32_t B = reinterpret_cast<const uint32_t *>(tile + 768)[lane];
            const uint32_t code = ((W >> (4 * (2 * r + j % 2))) & 15u) | (((C >> (2 * (4 * r + j % 4))) & 3u) << 4) |
                                  (((B >> (8 * r + j)) & 1u) << 6);
            bs += (float)grid[2 * code] * __half2float(X[(size_t)m * K + k]);
            if (k + 1 < K) bs += (float)grid[2 * code + 1] * __half2float(X[(size_t)m * K + k + 1]);
        }
        sum += d * bs;
    }
    Y[(size_t)m * N + row] = sum;
}

/* Dequantize one tile per warp into fp16 rows: decode to a 16 x 128 staging tile in
 * shared memory, then write whole rows with 16-byte stores. 4 warps per block. */
__global__ void __launch_bounds__(128) dequant_kernel(const uint8_t *__restrict__ tiles,
                                                      const int8_t *__restrict__ grid, int N, int K, int strips,
                                                      int kblocks, __half *__restrict__ Wout)
{
    __shared__ uint32_t lut[LUT_WORDS];
    __shared__ uint32_t stage[4][16][64 + 4]; /* half2 words; +4 keeps rows in different banks */
    build_lut<32>(lut, grid);
    __syncthreads();
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, g = lane >> 2, c = lane & 3;
    const long t = (long)blockIdx.x * 4 + warp;
    /* no early return: every thread reaches the barrier below (a block barrier on HIP) */
    const bool active = t < (long)strips * kblocks;
    const long tt = active ? t : 0;
    const int s = (int)(tt / kblocks), kb = (int)(tt % kblocks);
    const uint8_t *tile = tiles + (size_t)tt * TILE_BYTES;
    const uint4 W = __ldg(reinterpret_cast<const uint4 *>(tile) + lane);
    const uint2 C = __ldg(reinterpret_cast<const uint2 *>(tile + 512) + lane);
    const uint32_t B = __ldg(reinterpret_cast<const uint32_t *>(tile + 768) + lane);
    const float d0 = scale_from_byte(tile[896 + g]), d1 = scale_from_byte(tile[896 + g + 8]);
#pragma unroll
    for (int j = 0; j < 8; j++) {
        uint32_t codes = tile_codes(W, C, B, j);
#pragma unroll
        for (int r = 0; r < 4; r++) {
            uint32_t v = lut[((codes >> (8 * r)) & 0x7Fu) * 32u + lane];
            __half2 gv = *reinterpret_cast<__half2 *>(&v);
            /* d * G in float is exact (4 x 7 significant bits); round once to fp16 */
            float2 f = __half22float2(gv);
            const float d = (r & 1) ? d1 : d0;
            stage[warp][g + 8 * (r & 1)][8 * j + c + 4 * (r >> 1)] = pack_half2(d * f.x, d * f.y);
        }
    }
    gpu_syncwarp();
    if (!active) return;
    const int col0 = kb * 128;
    const bool full = col0 + 128 <= K && (K % 8) == 0;
    for (int i = lane; i < 16 * 16; i += 32) { /* 16 rows x 16 uint4 */
        const int rr = i / 16, q = i % 16, row = s * 16 + rr;
        if (row >= N) continue;
        const uint32_t *src = &stage[warp][rr][4 * q];
        if (full) {
            uint4 v = make_uint4(src[0], src[1], src[2], src[3]);
            *reinterpret_cast<uint4 *>(Wout + (size_t)row * K + col0 + 8 * q) = v;
        } else {
            const __half *hs = reinterpret_cast<const __half *>(src);
            for (int e = 0; e < 8; e++) {
                int col = col0 + 8 * q + e;
                if (col < K) Wout[(size_t)row * K + col] = hs[e];
            }
        }
    }
}

static int ceil_div(long a, long b) { return (int)((a + b - 1) / b); }

extern "C" gpuError_t q35_gpu_mm_simt(const q35_gpu_weights *w, const __half *X, int M, float *Y, gpuStream_t st)
{
    dim3 grid(ceil_div(w->n, 128), M);
    int kblocks = ceil_div(w->k, 128);
    mm_simt_kernel<<<grid, 128, 0, st>>>(w->tiles, w->grid, w->n, w->k, kblocks, X, M, Y);
    return gpuGetLastError();
}

extern "C" gpuError_t q35_gpu_dequant(const q35_gpu_weights *w, __half *W, gpuStream_t st)
{
    int strips = ceil_div(w->n, 16), kblocks = ceil_div(w->k, 128);
    dequant_kernel<<<ceil_div((long)strips * kblocks, 4), 128, 0, st>>>(w->tiles, w->grid, w->n, w->k, strips,
                                                                         kblocks, W);
    return gpuGetLastError();
}

#if defined(Q35_GPU_HAVE_MMA)
template <int NT>
static gpuError_t launch_small(const q35_gpu_weights *w, const __half *X, int M, float *Y, gpuStream_t st)
{
    const int strips = ceil_div(w->n, 16), kblocks = ceil_div(w->k, 128), groups = ceil_div(strips, 8);
    /* Chunks along k so that there are about four items per resident block: enough to
     * balance, few enough that each warp runs a long stretch of tiles between atomics. */
    const int max_chunk = 16;
    const size_t smem_max = LUT64_WORDS * 4 + (size_t)NT * max_chunk * 2048;
    gpuError_t e = cudaFuncSetAttribute(mm_small_kernel<NT>, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem_max);
    if (e != gpuSuccess) return e;
    int per_sm = 1;
    e = cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, mm_small_kernel<NT>, 256, smem_max);
    if (e != gpuSuccess) return e;
    const int resident = (per_sm > 0 ? per_sm : 1) * (w->sms > 0 ? w->sms : 132);
    int n_chunks = ceil_div(4L * resident, groups);
    if (n_chunks > kblocks) n_chunks = kblocks;
    int kchunk = ceil_div(kblocks, n_chunks);
    if (kchunk > max_chunk) kchunk = max_chunk;
    n_chunks = ceil_div(kblocks, kchunk);
    const long items = (long)groups * n_chunks;
    const int blocks = (int)(items < resident ? items : resident);
    const size_t smem = LUT64_WORDS * 4 + (size_t)NT * kchunk * 2048;
    mm_small_kernel<NT><<<blocks, 256, smem, st>>>(w->tiles, w->grid, w->n, w->k, strips, kblocks, X, M, Y, kchunk);
    return gpuGetLastError();
}
template <int NT>
static gpuError_t launch_regs(const q35_gpu_weights *w, const __half *X, int M, float *Y, gpuStream_t st)
{
    const int strips = ceil_div(w->n, 16), kblocks = ceil_div(w->k, 128), ky = ceil_div(kblocks, 8);
    int per_sm = 1;
    gpuError_t e = cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, mm_regs_kernel<NT>, 256, 0);
    if (e != gpuSuccess) return e;
    const int target = (per_sm > 0 ? per_sm : 1) * (w->sms > 0 ? w->sms : 132);
    const int per = ceil_div((long)strips * ky, target);
    dim3 grid(ceil_div(strips, per), ky);
    mm_regs_kernel<NT><<<grid, 256, 0, st>>>(w->tiles, w->grid, w->n, w->k, strips, kblocks, X, M, Y, per);
    return gpuGetLastError();
}
#endif

extern "C" gpuError_t q35_gpu_mm_small(const q35_gpu_weights *w, const __half *X, int M, float *Y, gpuStream_t st)
{
    gpuError_t e = gpuMemsetAsync(Y, 0, sizeof(float) * (size_t)M * (size_t)w->n, st);
    if (e != gpuSuccess) return e;
#if defined(Q35_GPU_HAVE_MMA)
    /* tile offsets are 32-bit in the kernel */
    const bool fits = (double)ceil_div(w->n, 16) * ceil_div(w->k, 128) * TILE_BYTES < 4294967296.0;
    if (fits && M <= 8) return launch_small<1>(w, X, M, Y, st);
    if (fits && M <= 16) return launch_regs<2>(w, X, M, Y, st);
#endif
    return q35_gpu_mm_simt(w, X, M, Y, st);
}
