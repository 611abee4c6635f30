/* Jobs side by side: child processes over pipes, or MPI ranks (jobs.h). */
#include "jobs.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dist.h"
#include "env.h"
#include "util.h"

/* What a job sends back: its outcome, then its result. */
struct rec_head {
	int rc;
	struct dnn_error err;
};

/* A child at work: its job, its pipe, the record read so far. */
struct child {
	pid_t pid;
	int fd;
	size_t job, got;
	unsigned char *rec;
};

/* Run job i into rec (a record of size bytes of result). */
static int run_one(jobs_fn fn, void *ctx, size_t i, unsigned char *rec)
{
	struct rec_head h = {0};

	dnn_error_clear(&h.err);
	h.rc = fn(i, ctx, rec + sizeof h, &h.err);
	memcpy(rec, &h, sizeof h);
	return h.rc;
}

/* Write all n bytes at p to fd. */
static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* The children's table and the poll set, which a child frees before it
 * ends (so that a leak checker sees nothing of the parent's lost). */
struct table {
	struct child *ch;
	struct pollfd *pf;
	unsigned procs;
	unsigned char *ended; /* per job: its record is in */
};

static void table_free(struct table *t)
{
	for (unsigned k = 0; t->ch && k < t->procs; k++)
		free(t->ch[k].rec);
	free(t->ch);
	free(t->pf);
	free(t->ended);
}

/* A record that says job i never ran: interrupted (130). */
static void not_run(unsigned char *rec)
{
	struct rec_head h = {.rc = -1};

	dnn_error_set(&h.err, DNN_EX_INTERRUPT, NULL, 0, 0, "interrupted");
	memcpy(rec, &h, sizeof h);
}

/* Hand w the records of the jobs from *next on that are in, in order. */
static void deliver(const struct jobs_watch *w, void *ctx, const unsigned char *recs,
		    const unsigned char *ended, size_t n, size_t rec_size, size_t *next)
{
	for (; *next < n && ended[*next]; ++*next) {
		struct rec_head h;

		memcpy(&h, recs + *next * rec_size, sizeof h);
		if (w && w->done)
			w->done(*next, h.rc, recs + *next * rec_size + sizeof h, ctx);
	}
}

/* Start job i in a child writing its record to a pipe. */
static int spawn(struct table *t, struct child *c, size_t i, jobs_fn fn, void *ctx,
		 size_t rec_size, struct dnn_error *e)
{
	int p[2];

	if (pipe(p))
		return dnn_error_set(e, DNN_EX_OSERR, NULL, 0, 0, "cannot make a pipe: %s",
				     strerror(errno));
	c->job = i;
	c->got = 0;
	c->pid = fork();
	if (c->pid < 0) {
		close(p[0]);
		close(p[1]);
		return dnn_error_set(e, DNN_EX_OSERR, NULL, 0, 0, "cannot fork: %s",
				     strerror(errno));
	}
	if (c->pid == 0) {
		int bad;

		close(p[0]);
		run_one(fn, ctx, i, c->rec);
		bad = write_all(p[1], c->rec, rec_size);
		table_free(t);
		_exit(bad ? 1 : 0);
	}
	close(p[1]);
	c->fd = p[0];
	return 0;
}

/* Read what child c has written; at its end, reap it and keep its record
 * (or the error of a child that died). 1 when it is done. */
static int drain(struct child *c, size_t rec_size, unsigned char *rec_out)
{
	ssize_t k = read(c->fd, c->rec + c->got, rec_size - c->got);
	int status = 0;

	if (k < 0 && errno == EINTR)
		return 0;
	if (k > 0) {
		c->got += (size_t)k;
		return 0;
	}
	close(c->fd);
	while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
		;
	if (c->got == rec_size && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		memcpy(rec_out, c->rec, rec_size);
	} else {
		struct rec_head h = {.rc = -1};

		if (WIFSIGNALED(status))
			dnn_error_set(&h.err, DNN_EX_SOFTWARE, NULL, 0, 0,
				      "job %zu was killed by signal %d", c->job + 1,
				      WTERMSIG(status));
		else
			dnn_error_set(&h.err, DNN_EX_SOFTWARE, NULL, 0, 0,
				      "job %zu ended without its result", c->job + 1);
		memcpy(rec_out, &h, sizeof h);
	}
	return 1;
}

/* Send SIGINT to the children at work, once, when w's flag is set; 1 then. */
static int forward_interrupt(const struct jobs_watch *w, const struct table *t, int *sent)
{
	if (!w || !w->interrupt || !*w->interrupt)
		return 0;
	for (unsigned k = 0; !*sent && k < t->procs; k++)
		if (t->ch[k].fd >= 0)
			kill(t->ch[k].pid, SIGINT);
	*sent = 1;
	return 1;
}

/* The records of all jobs, procs children at a time, handed to w in order. */
static int run_forked(size_t n, size_t rec_size, jobs_fn fn, void *ctx, unsigned char *recs,
		      unsigned procs, const struct jobs_watch *w, struct dnn_error *e)
{
	struct table t = {util_calloc_array(procs, sizeof *t.ch),
			  util_calloc_array(procs, sizeof *t.pf), procs, util_calloc_array(n, 1)};
	struct child *ch = t.ch;
	size_t next = 0, active = 0, told = 0;
	int rc = 0, sent = 0;

	for (unsigned k = 0; ch && k < procs; k++)
		if (!(ch[k].rec = malloc(rec_size)))
			rc = -1;
	if (!ch || !t.pf || !t.ended || rc) {
		rc = dnn_error_oom(e);
		goto out;
	}
	for (unsigned k = 0; k < procs; k++)
		ch[k].fd = -1;
	while (next < n || active > 0) {
		if (forward_interrupt(w, &t, &sent))
			for (; next < n; next++) {
				not_run(recs + next * rec_size);
				t.ended[next] = 1;
			}
		for (unsigned k = 0; k < procs && next < n && rc == 0; k++)
			if (ch[k].fd < 0) {
				if (spawn(&t, &ch[k], next, fn, ctx, rec_size, e))
					rc = -1;
				else
					next++, active++;
			}
		if (rc && active == 0)
			break;
		if (rc)
			next = n; /* start nothing more; wait for the others */
		for (unsigned k = 0; k < procs; k++) {
			t.pf[k].fd = ch[k].fd;
			t.pf[k].events = POLLIN;
		}
		if (active == 0)
			continue;
		if (poll(t.pf, procs, -1) < 0) {
			if (errno == EINTR)
				continue;
			rc = dnn_error_set(e, DNN_EX_OSERR, NULL, 0, 0, "poll: %s",
					   strerror(errno));
			break;
		}
		for (unsigned k = 0; k < procs; k++)
			if (ch[k].fd >= 0 && (t.pf[k].revents & (POLLIN | POLLHUP | POLLERR)) &&
			    drain(&ch[k], rec_size, recs + ch[k].job * rec_size)) {
				t.ended[ch[k].job] = 1;
				ch[k].fd = -1;
				active--;
			}
		deliver(w, ctx, recs, t.ended, n, rec_size, &told);
	}
	deliver(w, ctx, recs, t.ended, n, rec_size, &told);
out:
	table_free(&t);
	return rc;
}

/* Every rank runs its jobs (i mod ranks), then all records are shared. */
static int run_ranks(size_t n, size_t rec_size, jobs_fn fn, void *ctx, unsigned char *recs,
		     struct dnn_error *e)
{
	size_t r = (size_t)dist_rank(), p = (size_t)dist_size(), mine = 0, all_len, pos = 0;
	unsigned char *buf = util_malloc_array(n / p + 1, rec_size), *all = NULL;
	size_t *lens = NULL;

	if (dist_agree(!buf ? dnn_error_oom(e) : 0, e)) {
		free(buf);
		return -1;
	}
	for (size_t i = r; i < n; i += p)
		run_one(fn, ctx, i, buf + mine++ * rec_size);
	if (dist_allgather(buf, mine * rec_size, &all, &all_len, &lens)) {
		free(buf);
		return dist_agree(dnn_error_oom(e), e);
	}
	for (size_t q = 0; q < p; q++)
		for (size_t i = q; i < n; i += p, pos += rec_size)
			memcpy(recs + i * rec_size, all + pos, rec_size);
	free(buf);
	free(all);
	free(lens);
	return 0;
}

/* Here, in order, each handed to w as it ends; without w, none after the
 * first that fails. */
static void run_here(size_t n, size_t rec_size, jobs_fn fn, void *ctx, unsigned char *recs,
		     const struct jobs_watch *w)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char *rec = recs + i * rec_size;
		int rc;

		if (w && w->interrupt && *w->interrupt) {
			not_run(rec);
			continue;
		}
		rc = run_one(fn, ctx, i, rec);
		if (w && w->done) {
			w->done(i, rc, rec + sizeof(struct rec_head), ctx);
			continue;
		}
		if (rc) {
			for (i++; i < n; i++)
				not_run(recs + i * rec_size);
			break;
		}
	}
}

int jobs_run_watched(size_t n, size_t size, jobs_fn fn, void *ctx, void *results, unsigned procs,
		     const struct jobs_watch *w, struct dnn_error *e)
{
	size_t rec_size = sizeof(struct rec_head) + size;
	unsigned char *recs = util_malloc_array(n ? n : 1, rec_size);
	int rc = 0;

	if (!recs)
		return dnn_error_oom(e);
	if (dist_active()) {
		rc = run_ranks(n, rec_size, fn, ctx, recs, e);
		for (size_t i = 0; rc == 0 && w && w->done && i < n; i++) {
			struct rec_head h;

			memcpy(&h, recs + i * rec_size, sizeof h);
			w->done(i, h.rc, recs + i * rec_size + sizeof h, ctx);
		}
	} else if (procs > 1 && n > 1) {
		rc = run_forked(n, rec_size, fn, ctx, recs, procs < n ? procs : (unsigned)n, w, e);
	} else {
		run_here(n, rec_size, fn, ctx, recs, w);
	}
	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct rec_head h;

		memcpy(&h, recs + i * rec_size, sizeof h);
		if (h.rc) {
			*e = h.err;
			rc = -1;
		} else {
			memcpy((unsigned char *)results + i * size, recs + i * rec_size + sizeof h,
			       size);
		}
	}
	free(recs);
	return rc;
}

int jobs_run(size_t n, size_t size, jobs_fn fn, void *ctx, void *results, unsigned procs,
	     struct dnn_error *e)
{
	return jobs_run_watched(n, size, fn, ctx, results, procs, NULL, e);
}

/* Parameters of the spec's network on d's inputs. */
static double n_params(const struct dnn_spec *s, const struct dnn_dataset *d, size_t n_out)
{
	double p = 0.0, fan_in = (double)d->n_in;

	for (size_t l = 0; l < s->n_layers; l++) {
		double u = l + 1 == s->n_layers ? (double)n_out : (double)s->layers[l].units;

		p += u * (fan_in + 1.0);
		fan_in = u;
	}
	return p;
}

int jobs_side_by_side(const struct dnn_spec *s, const struct dnn_dataset *d, size_t n_out)
{
	return n_params(s, d, n_out) * (double)s->batch_size < (double)JOBS_SIDE_BY_SIDE;
}

unsigned long jobs_cores(unsigned long threads)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned long n = cpus < 1 ? 1 : (unsigned long)cpus;
	unsigned long local = dist_local_size() > 1 ? (unsigned long)dist_local_size() : 1;

	if (!threads)
		threads = env_threads();
	if (!threads && local > 1)
		threads = n > local ? n / local : 1;
	return threads ? threads : n;
}
