/* gemm: time mat_gemm_ex on the three products of a dense layer's training
 * step (forward X W^T with the bias+relu epilogue, dW = dY^T X, dX = dY W
 * with the relu-grad mask) for the W3 network of scripts/bench-train, and
 * a whole step (net_loss_grad, optim_step) on it; with OpenBLAS (when
 * configure found it) the same shapes through cblas_sgemm, runs of the two
 * interleaved. Best of --repeat runs; GFLOP/s count 2 m n k.
 *
 * --precision bf16 (or auto) runs the products as mat_set_precision says,
 * --bf16-kernel emulated|avx512bf16|amx forces the bf16 kernel.
 *
 * usage: gemm [--threads N] [--repeat R] [--batch B] [--kernel NAME]
 *             [--precision fp32|bf16|auto] [--bf16-kernel NAME]
 *             [--shape M,N,K,TA,TB]... [--no-step] */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_OPENBLAS
#include <cblas.h>
#endif

#include "loss.h"
#include "mat.h"
#include "net.h"
#include "optim.h"
#include "rng.h"
#include "spec.h"

/* With one thread, the thread's CPU time: other processes on a busy
 * machine then take less from the figures (but still share the caches). */
static clockid_t clock_id = CLOCK_MONOTONIC;

static double now(void)
{
	struct timespec ts;

	clock_gettime(clock_id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct shape {
	const char *label;
	size_t m, n, k;
	int ta, tb, act; /* act: MAT_ACT_* of the epilogue, with a bias for RELU */
};

static float *filled(size_t n, struct dnn_rng *rng)
{
	float *p = aligned_alloc(64, (n * sizeof(float) + 63) / 64 * 64);

	if (!p) {
		fprintf(stderr, "gemm: out of memory\n");
		exit(1);
	}
	for (size_t i = 0; i < n; i++)
		p[i] = (float)(2.0 * rng_uniform(rng) - 1.0);
	return p;
}

static void time_shape(const struct shape *s, int repeat, struct dnn_rng *rng)
{
	size_t ra = s->ta ? s->k : s->m, ca = s->ta ? s->m : s->k;
	size_t rb = s->tb ? s->n : s->k, cb = s->tb ? s->k : s->n;
	float *A = filled(ra * ca, rng), *B = filled(rb * cb, rng), *C = filled(s->m * s->n, rng);
	float *bias = filled(s->n, rng), *mask = filled(s->m * s->n, rng);
	struct mat_epilogue ep = {
	    .bias = s->act == MAT_ACT_RELU ? bias : NULL, .act = s->act, .mask = mask, .ldm = s->n};
	double flop = 2.0 * (double)s->m * (double)s->n * (double)s->k, best = 1e30;
	double best_blas = 1e30;

	/* Enough calls per run for about 20 ms at 300 GFLOP/s. */
	int calls = flop < 6e6 ? 1000 : (int)(6e9 / flop) + 1;

	for (int r = 0; r < repeat; r++) {
		double t0 = now();

		for (int c = 0; c < calls; c++)
			mat_gemm_ex(s->ta, s->tb, s->m, s->n, s->k, 1.0f, A, ca, B, cb, 0.0f, C,
				    s->n, s->act ? &ep : NULL);
		double t = (now() - t0) / calls;

		if (t < best)
			best = t;
#ifdef HAVE_OPENBLAS
		t0 = now();
		for (int c = 0; c < calls; c++)
			cblas_sgemm(CblasRowMajor, s->ta ? CblasTrans : CblasNoTrans,
				    s->tb ? CblasTrans : CblasNoTrans, (int)s->m, (int)s->n,
				    (int)s->k, 1.0f, A, (int)ca, B, (int)cb, 0.0f, C, (int)s->n);
		t = (now() - t0) / calls;
		if (t < best_blas)
			best_blas = t;
#endif
	}
	printf("%-10s %5zu %5zu %5zu %c%c  %8.3f ms %7.1f GF/s", s->label, s->m, s->n, s->k,
	       s->ta ? 'T' : 'N', s->tb ? 'T' : 'N', best * 1e3, flop / best * 1e-9);
	if (best_blas < 1e30)
		printf("   blas %8.3f ms %7.1f GF/s  %5.1f%%", best_blas * 1e3,
		       flop / best_blas * 1e-9, 100.0 * best_blas / best);
	printf("\n");
	free(A);
	free(B);
	free(C);
	free(bias);
	free(mask);
}

/* A whole step of W3: forward, loss, backward, sgd momentum. */
static void time_step(size_t batch, int repeat, struct dnn_rng *rng)
{
	size_t units[] = {2048, 2048, 10};
	int acts[] = {DNN_ACT_RELU, DNN_ACT_RELU, DNN_ACT_SOFTMAX};
	struct dnn_optim_spec conf;
	struct dnn_error e;
	struct dnn_net *net = net_new(1024, 3, units, acts, DNN_LOSS_CROSS_ENTROPY, &e);
	struct dnn_optim *o;
	float *x = filled(batch * 1024, rng), *t = filled(batch * 10, rng);
	double best = 1e30, best_grad = 1e30, best_opt = 1e30, flop;

	memset(&conf, 0, sizeof conf);
	conf.kind = DNN_OPT_SGD;
	conf.learning_rate = 0.001;
	conf.momentum = 0.9;
	if (!net || net_reserve(net, batch, &e) || !(o = optim_new(&conf, net->n_params, &e))) {
		fprintf(stderr, "gemm: %s\n", e.msg);
		exit(1);
	}
	net_init(net, DNN_INIT_HE_NORMAL, rng);
	for (size_t i = 0; i < batch; i++)
		for (size_t j = 0; j < 10; j++)
			t[i * 10 + j] = j == i % 10 ? 1.0f : 0.0f;
	flop = 6.0 * (double)net->n_params * (double)batch;
	for (int r = 0; r < repeat; r++) {
		double tg = 0.0, to = 0.0, t0 = now();

		for (int c = 0; c < 8; c++) {
			double t1 = now(), t2;

			net_loss_grad(net, x, t, batch, NULL);
			t2 = now();
			optim_step(o, net->params, net->grads);
			tg += t2 - t1;
			to += now() - t2;
		}
		double tt = (now() - t0) / 8;

		if (tt < best)
			best = tt;
		if (tg / 8 < best_grad)
			best_grad = tg / 8;
		if (to / 8 < best_opt)
			best_opt = to / 8;
	}
	printf("step W3 batch %zu: %.3f ms (%.1f GF/s as 6 x params x rows); forward+backward "
	       "%.3f ms, optimizer %.3f ms\n",
	       batch, best * 1e3, flop / best * 1e-9, best_grad * 1e3, best_opt * 1e3);
	optim_free(o);
	net_free(net);
	free(x);
	free(t);
}

int main(int argc, char **argv)
{
	struct shape shapes[32];
	size_t n_shapes = 0, threads = 0, batch = 256;
	int repeat = 5, step = 1;
	struct dnn_error e;
	struct dnn_rng rng;
	static char labels[32][32];

#ifdef HAVE_OPENBLAS
	/* OpenBLAS's idle threads spin for a long while (2^28 cycles by
	 * default) after each call, taking the cores from the next dnn run:
	 * make them sleep at once. The library reads this at load time. */
	if (!getenv("OPENBLAS_THREAD_TIMEOUT")) {
		setenv("OPENBLAS_THREAD_TIMEOUT", "4", 1);
		execv("/proc/self/exe", argv);
	}
#endif
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
			threads = strtoul(argv[++i], NULL, 10);
		} else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) {
			repeat = atoi(argv[++i]);
		} else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc) {
			batch = strtoul(argv[++i], NULL, 10);
		} else if (strcmp(argv[i], "--no-step") == 0) {
			step = 0;
		} else if (strcmp(argv[i], "--kernel") == 0 && i + 1 < argc) {
			const char *k = argv[++i];
			int which = strcmp(k, "portable") == 0 ? MAT_KERNEL_PORTABLE
				    : strcmp(k, "avx2") == 0   ? MAT_KERNEL_AVX2
				    : strcmp(k, "avx512") == 0 ? MAT_KERNEL_AVX512
							       : MAT_KERNEL_AUTO;

			if (mat_set_kernel(which)) {
				fprintf(stderr, "gemm: kernel %s not available\n", k);
				return 1;
			}
		} else if (strcmp(argv[i], "--precision") == 0 && i + 1 < argc) {
			const char *p = argv[++i];

			mat_set_precision(strcmp(p, "bf16") == 0   ? MAT_PREC_BF16
					  : strcmp(p, "auto") == 0 ? MAT_PREC_AUTO
								   : MAT_PREC_FP32);
		} else if (strcmp(argv[i], "--bf16-kernel") == 0 && i + 1 < argc) {
			const char *k = argv[++i];

			if (mat_set_bf16_kernel(strcmp(k, "emulated") == 0 ? MAT_BF16_EMULATED
						: strcmp(k, "amx") == 0	    ? MAT_BF16_AMX
									    : MAT_BF16_AVX512)) {
				fprintf(stderr, "gemm: bf16 kernel %s not available\n", k);
				return 1;
			}
		} else if (strcmp(argv[i], "--shape") == 0 && i + 1 < argc && n_shapes < 32) {
			struct shape *s = &shapes[n_shapes];

			if (sscanf(argv[++i], "%zu,%zu,%zu,%d,%d", &s->m, &s->n, &s->k, &s->ta,
				   &s->tb) != 5) {
				fprintf(stderr, "gemm: --shape M,N,K,TA,TB\n");
				return 2;
			}
			s->act = MAT_ACT_NONE;
			snprintf(labels[n_shapes], sizeof labels[n_shapes], "shape%zu", n_shapes);
			s->label = labels[n_shapes];
			n_shapes++;
		} else {
			fprintf(stderr, "usage: gemm [--threads N] [--repeat R] [--batch B] "
					"[--kernel NAME] [--precision P] [--bf16-kernel NAME] "
					"[--shape M,N,K,TA,TB]... [--no-step]\n");
			return 2;
		}
	}
	if (mat_set_threads(threads, &e)) {
		fprintf(stderr, "gemm: %s\n", e.msg);
		return 2;
	}
#ifdef HAVE_OPENBLAS
	openblas_set_num_threads((int)mat_threads());
#endif
	if (mat_threads() == 1)
		clock_id = CLOCK_THREAD_CPUTIME_ID;
	if (n_shapes == 0) {
		const struct shape w3[] = {
		    {"fwd1", batch, 2048, 1024, 0, 1, MAT_ACT_RELU},
		    {"fwd2", batch, 2048, 2048, 0, 1, MAT_ACT_RELU},
		    {"fwd3", batch, 10, 2048, 0, 1, MAT_ACT_NONE},
		    {"dW3", 10, 2048, batch, 1, 0, MAT_ACT_NONE},
		    {"dX3", batch, 2048, 10, 0, 0, MAT_ACT_RELU_GRAD},
		    {"dW2", 2048, 2048, batch, 1, 0, MAT_ACT_NONE},
		    {"dX2", batch, 2048, 2048, 0, 0, MAT_ACT_RELU_GRAD},
		    {"dW1", 2048, 1024, batch, 1, 0, MAT_ACT_NONE},
		    {"sq2048", 2048, 2048, 2048, 0, 0, MAT_ACT_NONE},
		};

		memcpy(shapes, w3, sizeof w3);
		n_shapes = sizeof w3 / sizeof w3[0];
	}
	rng_seed(&rng, 1);
	printf("kernel %s, precision %s (bf16 kernel %s), %zu threads, best of %d, %s time\n",
	       mat_kernel_name(),
	       mat_precision() == MAT_PREC_BF16   ? "bf16"
	       : mat_precision() == MAT_PREC_AUTO ? "auto"
						  : "fp32",
	       mat_bf16_kernel_name(), mat_threads(), repeat,
	       clock_id == CLOCK_MONOTONIC ? "wall" : "CPU");
	for (size_t i = 0; i < n_shapes; i++)
		time_shape(&shapes[i], repeat, &rng);
	if (step)
		time_step(batch, repeat, &rng);
	return 0;
}
