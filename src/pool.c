#include "pool.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>

/*
 * Workers wait for a new job generation, spinning for a short while (jobs
 * come back to back during training, and a futex wake-up costs more than a
 * small gemm) and then sleeping on a condition variable. The caller publishes
 * the job, bumps the generation, runs part 0 itself and spins until the
 * pending count drops to zero.
 */

#define SPIN_WORKER 20000	/* pause loops before a worker sleeps */
#define SPIN_CALLER 4000	/* pause loops between yields of the caller */

static pthread_t workers[POOL_MAX_THREADS];
static size_t n_threads = 1;	/* the caller included */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static size_t sleepers;		/* under lock */
static int stopping;		/* under lock */

/* The job word: generation << 16 | number of parts, published together so
 * that a worker left out of one job never mistakes the next one's part
 * count for its own. fn and ctx are stable while any part is pending. */
static atomic_ullong job_word;
static atomic_size_t pending;
/* The job word when the workers were started: the last job they have seen. */
static unsigned long long start_word;
static pool_fn job_fn;
static void *job_ctx;

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

static void *worker_main(void *arg)
{
	size_t t = (size_t)arg;
	unsigned long long seen = start_word;

	for (;;) {
		unsigned long long g;
		int spins = 0;

		while ((g = atomic_load_explicit(&job_word, memory_order_acquire)) == seen &&
		       spins < SPIN_WORKER) {
			cpu_relax();
			spins++;
		}
		if (g == seen) {
			pthread_mutex_lock(&lock);
			sleepers++;
			while ((g = atomic_load_explicit(&job_word, memory_order_acquire)) == seen &&
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
		if (t < (g & 0xffff)) {
			job_fn(job_ctx, t, (size_t)(g & 0xffff));
			atomic_fetch_sub_explicit(&pending, 1, memory_order_release);
		}
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
	start_word = atomic_load_explicit(&job_word, memory_order_relaxed);
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

void pool_run(pool_fn fn, void *ctx, size_t n)
{
	if (n > n_threads)
		n = n_threads;
	if (n <= 1) {
		fn(ctx, 0, 1);
		return;
	}
	job_fn = fn;
	job_ctx = ctx;
	atomic_store_explicit(&pending, n - 1, memory_order_relaxed);
	/* Workers past n see the new word too and skip the job. */
	{
		unsigned long long w = atomic_load_explicit(&job_word, memory_order_relaxed);

		w = ((w >> 16) + 1) << 16 | n;
		atomic_store_explicit(&job_word, w, memory_order_seq_cst);
	}
	pthread_mutex_lock(&lock);
	if (sleepers)
		pthread_cond_broadcast(&wake);
	pthread_mutex_unlock(&lock);
	fn(ctx, 0, n);
	for (int spins = 0; atomic_load_explicit(&pending, memory_order_acquire) != 0;) {
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
