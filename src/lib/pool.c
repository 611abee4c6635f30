/* The fork-join thread pool of the numeric kernels (pool.h). */
#include "pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "fpmode.h"

/*
 * A job is n parts, claimed one at a time by whichever thread comes first:
 * the caller and the workers alike, so that a worker that is slow to wake
 * (or descheduled by a busy machine) delays nothing, the caller runs its
 * parts. Which thread runs a part does not change what the part computes.
 *
 * Workers wait for a new job generation, spinning for a short while (jobs
 * come back to back during training, and a futex wake-up costs more than a
 * small gemm), then sleeping on a condition variable.
 */

#define SPIN_WORKER 20000	/* pause loops (~20 ns each) before a worker sleeps */
#define SPIN_CALLER 4000	/* pause loops between yields of the caller */

static pthread_t workers[POOL_MAX_THREADS];
static size_t n_threads = 1;	/* the caller included */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static size_t sleepers;		/* under lock */
static int stopping;		/* under lock */

/* The job word: generation << 32 | parts << 16 | next unclaimed part.
 * fn and ctx are written before the word is published and stay valid
 * until every part is done, which the caller waits for. */
static atomic_uint_fast64_t job_word;
static atomic_size_t done;
static pool_fn job_fn;
static void *job_ctx;
/* The caller's floating-point mode (fpmode.h), which the workers take on
 * for the job: training's flushing of subnormals reaches its parts. */
static unsigned job_mode;
/* The generation when the workers were started: the last they have seen. */
static uint64_t start_gen;
/* On a thread running a part: 1 + the thread's index t, for a nested
 * pool_run (0 elsewhere). */
static _Thread_local size_t in_part;

#define GEN(w) ((w) >> 32)
#define PARTS(w) (((w) >> 16) & 0xffff)
#define NEXT(w) ((w)&0xffff)

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/* Claim and run the unclaimed parts of generation gen on thread t. */
static void run_parts(uint64_t gen, size_t t)
{
	uint_fast64_t w = atomic_load_explicit(&job_word, memory_order_acquire);

	for (;;) {
		if (GEN(w) != gen || NEXT(w) >= PARTS(w))
			return;
		if (atomic_compare_exchange_weak_explicit(&job_word, &w, w + 1,
							  memory_order_acq_rel,
							  memory_order_acquire)) {
			in_part = t + 1;
			job_fn(job_ctx, (size_t)NEXT(w), (size_t)PARTS(w), t);
			in_part = 0;
			atomic_fetch_add_explicit(&done, 1, memory_order_release);
			w = atomic_load_explicit(&job_word, memory_order_acquire);
		}
	}
}

static void *worker_main(void *arg)
{
	size_t t = (size_t)arg;
	uint64_t seen = start_gen;
	unsigned mode = fpmode_get();

	for (;;) {
		uint64_t g;
		int spins = 0;

		while ((g = GEN(atomic_load_explicit(&job_word, memory_order_acquire))) == seen &&
		       spins < SPIN_WORKER) {
			cpu_relax();
			spins++;
		}
		if (g == seen) {
			pthread_mutex_lock(&lock);
			sleepers++;
			while ((g = GEN(atomic_load_explicit(&job_word, memory_order_acquire))) ==
				       seen &&
			       !stopping)
				pthread_cond_wait(&wake, &lock);
			sleepers--;
			if (stopping) {
				pthread_mutex_unlock(&lock);
				return NULL;
			}
			pthread_mutex_unlock(&lock);
		}
		seen = g;
		if (job_mode != mode)
			fpmode_set(mode = job_mode);
		run_parts(g, t);
	}
}

static void stop_workers(void)
{
	pthread_mutex_lock(&lock);
	stopping = 1;
	pthread_cond_broadcast(&wake);
	pthread_mutex_unlock(&lock);
	for (size_t t = 1; t < n_threads; t++)
		pthread_join(workers[t], NULL);
	pthread_mutex_lock(&lock);
	stopping = 0;
	pthread_mutex_unlock(&lock);
	n_threads = 1;
}

int pool_set_threads(size_t n, struct dnn_error *e)
{
	if (n < 1 || n > POOL_MAX_THREADS)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "thread count must be from 1 to %d, not %zu",
				     POOL_MAX_THREADS, n);
	if (n == n_threads)
		return 0;
	stop_workers();
	start_gen = GEN(atomic_load_explicit(&job_word, memory_order_relaxed));
	for (size_t t = 1; t < n; t++) {
		int rc = pthread_create(&workers[t], NULL, worker_main, (void *)t);

		if (rc) {
			/* Keep the workers that started. */
			n_threads = t;
			return dnn_error_set(e, DNN_EX_SOFTWARE, NULL, 0, 0,
					     "cannot start thread %zu of %zu: %s", t + 1, n,
					     strerror(rc));
		}
		n_threads = t + 1;
	}
	return 0;
}

size_t pool_threads(void)
{
	return n_threads;
}

size_t pool_available(void)
{
	return in_part ? 1 : n_threads;
}

void pool_run(pool_fn fn, void *ctx, size_t n)
{
	uint64_t gen;

	if (n > POOL_MAX_THREADS)
		n = POOL_MAX_THREADS;
	if (in_part) {
		/* Nested in a part: the whole job on that part's thread. */
		for (size_t p = 0; p < n; p++)
			fn(ctx, p, n, in_part - 1);
		return;
	}
	if (n_threads == 1 || n == 1) {
		for (size_t p = 0; p < n; p++)
			fn(ctx, p, n, 0);
		return;
	}
	job_fn = fn;
	job_ctx = ctx;
	job_mode = fpmode_get();
	atomic_store_explicit(&done, 0, memory_order_relaxed);
	gen = GEN(atomic_load_explicit(&job_word, memory_order_relaxed)) + 1;
	atomic_store_explicit(&job_word, gen << 32 | (uint64_t)n << 16, memory_order_seq_cst);
	pthread_mutex_lock(&lock);
	if (sleepers)
		pthread_cond_broadcast(&wake);
	pthread_mutex_unlock(&lock);
	run_parts(gen, 0);
	for (int spins = 0; atomic_load_explicit(&done, memory_order_acquire) != n;) {
		cpu_relax();
		if (++spins == SPIN_CALLER) {
			sched_yield();
			spins = 0;
		}
	}
}

void pool_shutdown(void)
{
	stop_workers();
}
