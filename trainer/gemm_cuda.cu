// The layers' cuBLAS context and the one entry point of every matrix product (layers_cuda.h).
//
// fp32 leaves cuBLAS in CUBLAS_DEFAULT_MATH, which never rounds f32 operands to TF32; tf32 asks for
// CUBLAS_TF32_TENSOR_OP_MATH. bf16 casts both operands (round to nearest even) into the context's
// scratch and multiplies with cublasGemmStridedBatchedEx: bf16 inputs, f32 accumulation (compute type
// CUBLAS_COMPUTE_32F), f32 output, so everything outside the products stays f32.
#include <cublas_v2.h>  // before common_cuda.h, whose check_cuda.h defines CC_CHECK_CUBLAS if it sees it

#include "kernels/common_cuda.h"

#include <cuda_bf16.h>
#include <string.h>

#include "kernels/cuda_device.h"
#include "trainer/layers_cuda.h"

static const unsigned CAST_THREADS = 256;

static __global__ void cast_bf16_kernel(__nv_bfloat16 *out, const float *in, size_t n) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
    out[i] = __float2bfloat16_rn(in[i]);
}

void gpt2_cuda_ctx_init(gpt2_cuda_ctx *ctx, cudaStream_t stream, gpt2_math math, size_t bf16_capacity) {
  memset(ctx, 0, sizeof *ctx);
  ctx->stream = stream;
  ctx->math = math;
  CC_CHECK_CUBLAS(cublasCreate(&ctx->blas));
  CC_CHECK_CUBLAS(cublasSetStream(ctx->blas, stream));
  CC_CHECK_CUBLAS(cublasSetMathMode(ctx->blas, math == GPT2_MATH_TF32 ? CUBLAS_TF32_TENSOR_OP_MATH
                                                                      : CUBLAS_DEFAULT_MATH));
  if (math == GPT2_MATH_BF16) {
    ctx->bf16_capacity = bf16_capacity;
    CC_CHECK_CUDA(cudaMalloc(&ctx->bf16_a, bf16_capacity * sizeof(__nv_bfloat16)));
    CC_CHECK_CUDA(cudaMalloc(&ctx->bf16_b, bf16_capacity * sizeof(__nv_bfloat16)));
  }
}

void gpt2_cuda_ctx_free(gpt2_cuda_ctx *ctx) {
  if (ctx->bf16_a) CC_CHECK_CUDA(cudaFree(ctx->bf16_a));
  if (ctx->bf16_b) CC_CHECK_CUDA(cudaFree(ctx->bf16_b));
  if (ctx->blas) CC_CHECK_CUBLAS(cublasDestroy(ctx->blas));
  memset(ctx, 0, sizeof *ctx);
}

// Elements from the first to the last one a column-major operand touches: `rows` x `cols` as stored,
// leading dimension ld, `batch` of them `stride` apart.
static size_t operand_span(int rows, int cols, int ld, long long stride, int batch) {
  return (size_t)(batch - 1) * (size_t)stride + (size_t)(cols - 1) * (size_t)ld + (size_t)rows;
}

static const __nv_bfloat16 *to_bf16(const gpt2_cuda_ctx *ctx, void *scratch, const float *x, size_t n) {
  if (n > ctx->bf16_capacity)
    CC_FATAL("bf16 matmul operand of %zu elements exceeds the scratch of %zu", n, ctx->bf16_capacity);
  __nv_bfloat16 *out = (__nv_bfloat16 *)scratch;
  cast_bf16_kernel<<<cc_cuda_grid_blocks(n, CAST_THREADS, 8), CAST_THREADS, 0, ctx->stream>>>(out, x, n);
  CC_CHECK_CUDA(cudaGetLastError());
  return out;
}

void gemm_cuda(const gpt2_cuda_ctx *ctx, bool ta, bool tb, int m, int n, int k, float alpha, const float *a,
               int lda, long long stride_a, const float *b, int ldb, long long stride_b, float beta, float *c,
               int ldc, long long stride_c, int batch) {
  if (m <= 0 || n <= 0 || batch <= 0) return;
  cublasOperation_t op_a = ta ? CUBLAS_OP_T : CUBLAS_OP_N, op_b = tb ? CUBLAS_OP_T : CUBLAS_OP_N;
  if (ctx->math != GPT2_MATH_BF16) {
    CC_CHECK_CUBLAS(cublasSgemmStridedBatched(ctx->blas, op_a, op_b, m, n, k, &alpha, a, lda, stride_a, b, ldb,
                                              stride_b, &beta, c, ldc, stride_c, batch));
    return;
  }
  // Stored shapes: op(A) is m x k, so A is k x m when transposed; op(B) is k x n.
  size_t span_a = operand_span(ta ? k : m, ta ? m : k, lda, stride_a, batch);
  size_t span_b = operand_span(tb ? n : k, tb ? k : n, ldb, stride_b, batch);
  const __nv_bfloat16 *a16 = to_bf16(ctx, ctx->bf16_a, a, span_a);
  const __nv_bfloat16 *b16 = to_bf16(ctx, ctx->bf16_b, b, span_b);
  CC_CHECK_CUBLAS(cublasGemmStridedBatchedEx(ctx->blas, op_a, op_b, m, n, k, &alpha, a16, CUDA_R_16BF, lda, stride_a,
                                             b16, CUDA_R_16BF, ldb, stride_b, &beta, c, CUDA_R_32F, ldc, stride_c,
                                             batch, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
}
