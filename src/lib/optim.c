/* The optimizers of optim.h: the minibatch steps, L-BFGS with its line
 * searches, their memory estimate and their part of a run's resume state. */
#include "optim.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "pool.h"
#include "sfn.h"
#include "util.h"

/* Line search constants (Nocedal & Wright, Numerical Optimization, 2nd ed.,
 * section 3.1): sufficient decrease c1, curvature c2, evaluations per
 * search, and the tolerances below which L-BFGS has converged. */
#define LS_C1 1e-4
#define LS_C2 0.9
#define LS_MAX_EVALS 25
#define LB_GRAD_TOL 1e-7
#define LB_REL_FTOL 1e-14

struct dnn_optim *optim_new(const struct dnn_optim_spec *conf, size_t n_params, struct dnn_error *e)
{
	struct dnn_optim *o = calloc(1, sizeof *o);
	size_t n = n_params ? n_params : 1, hist = conf->history_size ? conf->history_size : 1;
	int ok;

	if (!o)
		return dnn_error_oom(e), NULL;
	o->conf = *conf;
	o->learning_rate = conf->learning_rate;
	o->n = n_params;
	ok = 1;
	if (conf->kind == DNN_OPT_SFN) {
		if (conf->krylov_dim > n_params) {
			free(o);
			return dnn_error_set(e, DNN_EX_DATA, NULL, 0, 0,
					     "optimizer.krylov_dim: %zu is more than the "
					     "network's %zu parameters",
					     conf->krylov_dim, n_params),
			       NULL;
		}
		o->sfn = sfn_new(n, conf->krylov_dim ? conf->krylov_dim : 1, e);
		if (!o->sfn) {
			free(o);
			return NULL;
		}
		o->sg = util_malloc_array(n, sizeof *o->sg);
		o->sd = util_malloc_array(n, sizeof *o->sd);
		o->sw = util_malloc_array(n, sizeof *o->sw);
		o->damping = conf->damping;
		ok = o->sg && o->sd && o->sw;
	} else if (conf->kind == DNN_OPT_LBFGS) {
		size_t hn;

		ok = ok && !util_mul_overflow(hist, n, &hn);
		/* What the training state holds is zeroed: its unused history
		 * slots are written too, and must not carry old heap bytes. */
		o->lb.x = ok ? util_calloc_array(n, sizeof(double)) : NULL;
		o->lb.gx = ok ? util_calloc_array(n, sizeof(double)) : NULL;
		o->lb.d = ok ? util_malloc_array(n, sizeof(double)) : NULL;
		for (int i = 0; i < 3; i++)
			o->lb.gb[i] = ok ? util_malloc_array(n, sizeof(double)) : NULL;
		o->lb.wt = ok ? util_malloc_array(n, sizeof(float)) : NULL;
		o->lb.gf = ok ? util_malloc_array(n, sizeof(float)) : NULL;
		/* Zeroed: the training state holds the whole ring, also the
		 * pairs not filled yet. */
		o->lb.s = ok ? util_calloc_array(hn, sizeof(double)) : NULL;
		o->lb.y = ok ? util_calloc_array(hn, sizeof(double)) : NULL;
		o->lb.rho = util_calloc_array(hist, sizeof(double));
		o->lb.alpha = util_malloc_array(hist, sizeof(double));
		ok = ok && o->lb.x && o->lb.gx && o->lb.d && o->lb.gb[0] && o->lb.gb[1] &&
		     o->lb.gb[2] && o->lb.wt && o->lb.gf && o->lb.s && o->lb.y && o->lb.rho &&
		     o->lb.alpha;
	} else {
		/* Both are kept (the checkpoint's training state holds both);
		 * the one an optimizer never touches stays untouched zero
		 * pages. */
		int uses_m = conf->kind != DNN_OPT_RMSPROP;
		int uses_v = conf->kind == DNN_OPT_ADAM || conf->kind == DNN_OPT_RMSPROP;

		o->m = (uses_m ? util_calloc_huge : util_calloc_array)(n, sizeof *o->m);
		o->v = (uses_v ? util_calloc_huge : util_calloc_array)(n, sizeof *o->v);
		ok = ok && o->m && o->v;
	}
	if (!ok) {
		optim_free(o);
		return dnn_error_oom(e), NULL;
	}
	return o;
}

void optim_free(struct dnn_optim *o)
{
	if (!o)
		return;
	free(o->m);
	free(o->v);
	free(o->lb.x);
	free(o->lb.gx);
	free(o->lb.d);
	for (int i = 0; i < 3; i++)
		free(o->lb.gb[i]);
	free(o->lb.wt);
	free(o->lb.gf);
	free(o->lb.s);
	free(o->lb.y);
	free(o->lb.rho);
	free(o->lb.alpha);
	sfn_free(o->sfn);
	free(o->sg);
	free(o->sd);
	free(o->sw);
	free(o);
}

size_t optim_memory_floats(const struct dnn_optim_spec *conf)
{
	switch (conf->kind) {
	case DNN_OPT_ADAM:
		return 3;
	case DNN_OPT_LBFGS:
		/* the point, gradients, direction and trial (doubles), the
		 * trial as floats, and history_size pairs s, y (doubles) */
		return conf->history_size > SIZE_MAX / 8 ? SIZE_MAX / 2
							 : 14 + 4 * conf->history_size;
	case DNN_OPT_SFN:
		return conf->krylov_dim > SIZE_MAX / 8 ? SIZE_MAX / 2 : 9 + 2 * conf->krylov_dim;
	default:
		return 2;
	}
}

int optim_full_batch(const struct dnn_optim *o)
{
	return o->conf.kind == DNN_OPT_LBFGS;
}

int optim_second_order(const struct dnn_optim *o)
{
	return o->conf.kind == DNN_OPT_SFN;
}

/* A v = H v + wd v: the Hessian of the loss with the weight decay term. */
struct penalized {
	dnn_linop hv;
	void *ctx;
	double wd;
	size_t n;
};

static void penalized_hv(void *ctx, const double *v, double *y)
{
	const struct penalized *p = ctx;

	p->hv(p->ctx, v, y);
	if (p->wd != 0.0)
		for (size_t i = 0; i < p->n; i++)
			y[i] += p->wd * v[i];
}

/* F(w) = loss(w) + wd/2 |w|^2 + l1 |w|_1. */
static double penalized_loss(const struct dnn_optim *o, const struct dnn_curvature *c,
			     const double *w)
{
	double f = c->loss(c->ctx, w), sq = 0.0, abs_sum = 0.0;

	for (size_t i = 0; i < o->n; i++) {
		sq += w[i] * w[i];
		abs_sum += fabs(w[i]);
	}
	return f + 0.5 * o->conf.weight_decay * sq + o->conf.l1 * abs_sum;
}

/* Levenberg-Marquardt's damping: the factor on a rejected step, the most
 * tries, and the largest damping (beyond it a step is negligible). */
#define LM_REJECT 4.0
#define LM_TRIES 10
#define LM_MAX 1e10

/* The step of lr d for the Krylov space built: the first damping from
 * o->damping up whose step lowers F (every step when c->loss is NULL),
 * then the damping adapted to rho; 1 when a step was taken. */
static int sfn_damped_step(struct dnn_optim *o, float *params, const struct dnn_curvature *c)
{
	double lr = o->learning_rate, f0 = 0.0, gd, dad;

	for (size_t i = 0; i < o->n; i++)
		o->sw[i] = (double)params[i];
	if (c->loss)
		f0 = penalized_loss(o, c, o->sw);
	for (int t = 0; t < LM_TRIES; t++) {
		sfn_solve(o->sfn, o->damping, o->sd, &gd, &dad);
		if (c->loss) {
			double model = lr * gd + 0.5 * lr * lr * dad, f1, rho;

			for (size_t i = 0; i < o->n; i++)
				o->sw[i] = (double)params[i] + lr * o->sd[i];
			f1 = penalized_loss(o, c, o->sw);
			if (!(f1 < f0) || !isfinite(f0)) {
				o->damping = fmax(fmin(o->damping * LM_REJECT, LM_MAX), o->damping);
				continue;
			}
			rho = model < 0.0 ? (f1 - f0) / model : 0.0;
			if (rho < 0.25)
				o->damping = fmax(fmin(o->damping * 1.5, LM_MAX), o->damping);
			else if (rho > 0.75)
				o->damping = fmax(o->damping * (2.0 / 3.0), o->conf.damping);
		}
		for (size_t i = 0; i < o->n; i++)
			params[i] = (float)((double)params[i] + lr * o->sd[i]);
		return 1;
	}
	return 0;
}

size_t optim_sfn_step(struct dnn_optim *o, float *params, const float *grads,
		      const struct dnn_curvature *c)
{
	struct penalized a = {c->hv, c->ctx, o->conf.weight_decay, o->n};
	double l1 = o->conf.l1, sq = 0.0;
	size_t k;

	for (size_t i = 0; i < o->n; i++) {
		double w = (double)params[i];

		o->sg[i] = (double)grads[i] + a.wd * w + l1 * (double)((w > 0.0) - (w < 0.0));
		sq += o->sg[i] * o->sg[i];
	}
	o->grad_norm = sqrt(sq);
	o->t++;
	k = sfn_build(o->sfn, penalized_hv, &a, o->sg);
	if (k)
		sfn_damped_step(o, params, c);
	return k;
}

/* One minibatch step over params[lo, hi) with the effective gradient
 * g_i = scale * grads_i + wd * params_i (+ l1 * sign(params_i) with L1),
 * computed in the same pass. */
struct step {
	struct dnn_optim *o;
	float *w;
	const float *grads;
	float scale, wd, l1, lr;
	float b1, b2, eps, adam_step, adam_rc2; /* adam, rmsprop (b2 = rho) */
	size_t n;
};

/* The loops below run in groups of 8 elements with a fixed count, which the
 * compiler turns into vector operations (the same float operations, so the
 * same bits as one element at a time), then the rest one by one. */
#define STEP_LOOP(BODY)                                                                            \
	do {                                                                                       \
		size_t i = lo;                                                                     \
                                                                                                   \
		for (; i + 8 <= hi; i += 8)                                                        \
			for (size_t q = 0; q < 8; q++)                                             \
				BODY(i + q);                                                       \
		for (; i < hi; i++)                                                                \
			BODY(i);                                                                   \
	} while (0)

/* The effective gradient of element i; the L1 term only in the loops made
 * with use_l1 = 1, so that those without L1 keep their operations. The
 * sign is 0 at w = 0. */
#define GRAD(i)                                                                                    \
	(use_l1 ? scale * gr[i] + wd * w[i] + l1 * (float)((w[i] > 0.0f) - (w[i] < 0.0f))          \
		: scale * gr[i] + wd * w[i])

/* The ranges below are inlined with use_l1 a constant, one copy each way. */
#define RANGE static inline __attribute__((always_inline)) void

RANGE adam_range(const struct step *c, float *restrict w, float *restrict m, float *restrict v,
		 const float *restrict gr, size_t lo, size_t hi, int use_l1)
{
	const float scale = c->scale, wd = c->wd, l1 = c->l1, b1 = c->b1, b2 = c->b2, eps = c->eps,
		    step = c->adam_step, rc2 = c->adam_rc2;

#define ADAM(i)                                                                                    \
	do {                                                                                       \
		float g = GRAD(i);                                                                 \
                                                                                                   \
		m[i] = b1 * m[i] + (1.0f - b1) * g;                                                \
		v[i] = b2 * v[i] + (1.0f - b2) * g * g;                                            \
		w[i] -= step * m[i] / (sqrtf(v[i]) * rc2 + eps);                                   \
	} while (0)
	STEP_LOOP(ADAM);
}

RANGE rmsprop_range(const struct step *c, float *restrict w, float *restrict v,
		    const float *restrict gr, size_t lo, size_t hi, int use_l1)
{
	const float scale = c->scale, wd = c->wd, l1 = c->l1, lr = c->lr, rho = c->b2, eps = c->eps;

#define RMSPROP(i)                                                                                 \
	do {                                                                                       \
		float g = GRAD(i);                                                                 \
                                                                                                   \
		v[i] = rho * v[i] + (1.0f - rho) * g * g;                                          \
		w[i] -= lr * g / (sqrtf(v[i]) + eps);                                              \
	} while (0)
	STEP_LOOP(RMSPROP);
}

RANGE sgd_range(const struct step *c, float *restrict w, float *restrict m,
		const float *restrict gr, size_t lo, size_t hi, int use_l1)
{
	const float scale = c->scale, wd = c->wd, l1 = c->l1, lr = c->lr, mu = c->b1;

#define NESTEROV(i)                                                                                \
	do {                                                                                       \
		float g = GRAD(i);                                                                 \
                                                                                                   \
		m[i] = mu * m[i] - lr * g;                                                         \
		w[i] += mu * m[i] - lr * g;                                                        \
	} while (0)
#define MOMENTUM(i)                                                                                \
	do {                                                                                       \
		float g = GRAD(i);                                                                 \
                                                                                                   \
		m[i] = mu * m[i] - lr * g;                                                         \
		w[i] += m[i];                                                                      \
	} while (0)
	if (c->o->conf.nesterov)
		STEP_LOOP(NESTEROV);
	else
		STEP_LOOP(MOMENTUM);
}

/* The optimizer's range, with or without the L1 term. */
RANGE kind_range(const struct step *c, size_t lo, size_t hi, int use_l1)
{
	switch (c->o->conf.kind) {
	case DNN_OPT_ADAM:
		adam_range(c, c->w, c->o->m, c->o->v, c->grads, lo, hi, use_l1);
		break;
	case DNN_OPT_RMSPROP:
		rmsprop_range(c, c->w, c->o->v, c->grads, lo, hi, use_l1);
		break;
	default:
		sgd_range(c, c->w, c->o->m, c->grads, lo, hi, use_l1);
		break;
	}
}

static void step_range(const struct step *c, size_t lo, size_t hi)
{
	if (c->l1 != 0.0f)
		kind_range(c, lo, hi, 1);
	else
		kind_range(c, lo, hi, 0);
}

static void step_part(void *ctx, size_t p, size_t n_parts, size_t t)
{
	const struct step *c = ctx;

	(void)t;
	step_range(c, c->n * p / n_parts, c->n * (p + 1) / n_parts);
}

/* Below this many parameters a step runs on the calling thread alone. */
#define STEP_PARALLEL_MIN 65536

void optim_step(struct dnn_optim *o, float *params, const float *grads)
{
	struct step c = {.o = o,
			 .w = params,
			 .grads = grads,
			 .scale = 1.0f,
			 .wd = (float)o->conf.weight_decay,
			 .l1 = (float)o->conf.l1,
			 .lr = (float)o->learning_rate,
			 .n = o->n};
	size_t parts = pool_threads();

	/* The global norm only when clipping needs it (a serial sum). */
	if (o->conf.clip_norm > 0.0) {
		double sq = 0.0;

		for (size_t i = 0; i < o->n; i++)
			sq += (double)grads[i] * (double)grads[i];
		o->grad_norm = sqrt(sq);
		if (o->grad_norm > o->conf.clip_norm)
			c.scale = (float)(o->conf.clip_norm / o->grad_norm);
	}
	o->t++;
	switch (o->conf.kind) {
	case DNN_OPT_ADAM: {
		/* Bias corrections 1 - beta^t, in double: beta^t underflows late. */
		double c1 = 1.0 - pow(o->conf.beta1, (double)o->t);
		double c2 = 1.0 - pow(o->conf.beta2, (double)o->t);

		c.b1 = (float)o->conf.beta1;
		c.b2 = (float)o->conf.beta2;
		c.eps = (float)o->conf.epsilon;
		c.adam_step = (float)(o->learning_rate / c1);
		c.adam_rc2 = (float)(1.0 / sqrt(c2));
		break;
	}
	case DNN_OPT_RMSPROP:
		c.b2 = (float)o->conf.rho;
		c.eps = (float)o->conf.epsilon;
		break;
	default:
		c.b1 = (float)o->conf.momentum;
		break;
	}
	/* Element by element, so the result is the same for any split. */
	if (parts > 1 && o->n >= STEP_PARALLEL_MIN)
		pool_run(step_part, &c, parts);
	else
		step_range(&c, 0, o->n);
}

/* --- L-BFGS ---------------------------------------------------------------- */

static double dot(const double *a, const double *b, size_t n)
{
	double s = 0.0;

	for (size_t i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

/* F and its gradient (into gout) at the float point w, with the weight
 * decay term wd/2 |w|^2 and the L1 term l1 |w|_1 (gradient l1 sign(w), 0
 * at 0) added to f. */
static double eval_at(struct dnn_optim *o, const float *w, dnn_objective f, void *ctx, double *gout)
{
	double wd = o->conf.weight_decay, l1 = o->conf.l1, F = f(ctx, w, o->lb.gf), sq = 0.0;
	double abs_sum = 0.0;

	o->lb.n_evals++;
	for (size_t i = 0; i < o->n; i++) {
		sq += (double)w[i] * (double)w[i];
		gout[i] = (double)o->lb.gf[i] + wd * (double)w[i];
	}
	if (l1 == 0.0)
		return F + 0.5 * wd * sq;
	for (size_t i = 0; i < o->n; i++) {
		abs_sum += fabs((double)w[i]);
		gout[i] += l1 * (double)((w[i] > 0.0f) - (w[i] < 0.0f));
	}
	return F + 0.5 * wd * sq + l1 * abs_sum;
}

/* phi(t) = F(x + t d) and phi'(t) = F'(x + t d) . d; the trial point is
 * rounded to float, as the network holds it. */
static double phi(struct dnn_optim *o, double t, dnn_objective f, void *ctx, double *gout,
		  double *dphi)
{
	double F;

	for (size_t i = 0; i < o->n; i++)
		o->lb.wt[i] = (float)(o->lb.x[i] + t * o->lb.d[i]);
	F = eval_at(o, o->lb.wt, f, ctx, gout);
	*dphi = dot(gout, o->lb.d, o->n);
	return F;
}

/* The minimiser of the cubic that interpolates (x1, f1, g1) and (x2, f2, g2),
 * clamped to [lo, hi]; the middle of [lo, hi] when the cubic has none. */
static double cubic_min(double x1, double f1, double g1, double x2, double f2, double g2, double lo,
			double hi)
{
	double d1 = g1 + g2 - 3.0 * (f1 - f2) / (x1 - x2), d2sq = d1 * d1 - g1 * g2, d2, t;

	if (!(d2sq >= 0.0) || x1 == x2)
		return (lo + hi) / 2.0;
	d2 = sqrt(d2sq);
	if (x1 <= x2)
		t = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2.0 * d2));
	else
		t = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2.0 * d2));
	if (!isfinite(t))
		return (lo + hi) / 2.0;
	return t < lo ? lo : t > hi ? hi : t;
}

/* A bracket end: step, value, slope and the gradient buffer it owns. */
struct lspt {
	double t, f, dg;
	double *g;
};

/* A line search in progress: the objective, F(x) and F'(x).d at its start,
 * max |d_i| and the evaluations made. */
struct lsearch {
	struct dnn_optim *o;
	dnn_objective f;
	void *ctx;
	double f0, dg0, dmax;
	int evals;
};

/* The bracketing phase from step t: grow the step until [*lo, *hi] holds a
 * point that satisfies the strong Wolfe conditions. Returns 1 with *best
 * set when a trial satisfies them itself (or the evaluations ran out),
 * else 0. */
static int ls_bracket(struct lsearch *ls, double t, struct lspt *lo, struct lspt *hi,
		      struct lspt *best)
{
	struct dnn_optim *o = ls->o;
	struct lspt cur, prev = {0.0, ls->f0, ls->dg0, NULL};
	double *spare;

	/* Three gradient buffers rotate among prev, cur and the spare. */
	cur.g = o->lb.gb[0];
	spare = o->lb.gb[1];
	prev.g = o->lb.gb[2];
	memcpy(prev.g, o->lb.gx, o->n * sizeof *prev.g);
	cur.t = t;
	cur.f = phi(o, t, ls->f, ls->ctx, cur.g, &cur.dg);
	ls->evals = 1;
	for (;;) {
		if (!isfinite(cur.f) || cur.f > ls->f0 + LS_C1 * cur.t * ls->dg0 ||
		    (ls->evals > 1 && cur.f >= prev.f)) {
			*lo = prev;
			*hi = cur;
			return 0;
		}
		if (fabs(cur.dg) <= -LS_C2 * ls->dg0) {
			*best = cur;
			return 1;
		}
		if (cur.dg >= 0.0) {
			*lo = cur;
			*hi = prev;
			return 0;
		}
		if (ls->evals >= LS_MAX_EVALS) {
			*best = cur;
			return 1;
		}
		double nt = cubic_min(prev.t, prev.f, prev.dg, cur.t, cur.f, cur.dg,
				      cur.t + 0.01 * (cur.t - prev.t), 10.0 * cur.t);
		double *g = prev.g;

		prev = cur;
		cur.g = spare;
		spare = g;
		cur.t = nt;
		cur.f = phi(o, nt, ls->f, ls->ctx, cur.g, &cur.dg);
		ls->evals++;
	}
}

/* The zoom phase's next trial in [a, b], the ends of [lo, hi]: the cubic's
 * minimiser, or the middle when F or its slope at hi is not finite, kept
 * away from the ends (minFunc's safeguard; *insuf carries its state). */
static double zoom_trial(const struct lspt *lo, const struct lspt *hi, double a, double b,
			 int *insuf)
{
	double nt, eps = 0.1 * (b - a);

	if (isfinite(hi->f) && isfinite(hi->dg))
		nt = cubic_min(lo->t, lo->f, lo->dg, hi->t, hi->f, hi->dg, a, b);
	else
		nt = (a + b) / 2.0;
	if (fmin(b - nt, nt - a) < eps) {
		if (*insuf || nt >= b || nt <= a) {
			nt = fabs(nt - b) < fabs(nt - a) ? b - eps : a + eps;
			*insuf = 0;
		} else {
			*insuf = 1;
		}
	} else {
		*insuf = 0;
	}
	return nt;
}

/* The zoom phase: shrink [lo, hi] (lo: the lower F) around a point that
 * satisfies both conditions; returns the lowest point found. A non-finite F
 * at hi counts as too high; its slope is unusable, so the next trial
 * bisects. */
static struct lspt ls_zoom(struct lsearch *ls, struct lspt lo, struct lspt hi)
{
	struct dnn_optim *o = ls->o;
	struct lspt cur;
	double *spare;
	int done = 0, insuf = 0;

	if (lo.f > hi.f || !isfinite(lo.f)) {
		struct lspt tmp = lo;

		lo = hi;
		hi = tmp;
	}
	spare = lo.g != o->lb.gb[0] && hi.g != o->lb.gb[0]   ? o->lb.gb[0]
		: lo.g != o->lb.gb[1] && hi.g != o->lb.gb[1] ? o->lb.gb[1]
							     : o->lb.gb[2];
	while (!done && ls->evals < LS_MAX_EVALS) {
		double a = fmin(lo.t, hi.t), b = fmax(lo.t, hi.t), nt;

		if ((b - a) * ls->dmax < 1e-12)
			break;
		nt = zoom_trial(&lo, &hi, a, b, &insuf);
		cur.g = spare;
		cur.t = nt;
		cur.f = phi(o, nt, ls->f, ls->ctx, cur.g, &cur.dg);
		ls->evals++;
		if (!isfinite(cur.f) || cur.f > ls->f0 + LS_C1 * nt * ls->dg0 || cur.f >= lo.f) {
			spare = hi.g;
			hi = cur;
		} else {
			if (fabs(cur.dg) <= -LS_C2 * ls->dg0)
				done = 1;
			else if (cur.dg * (hi.t - lo.t) >= 0.0) {
				spare = hi.g;
				hi = lo;
				lo.g = NULL;
			}
			if (lo.g)
				spare = lo.g;
			lo = cur;
		}
	}
	return lo;
}

/* Line search for a step t along d satisfying the strong Wolfe conditions
 *   F(x + t d) <= F(x) + c1 t F'(x).d   and   |F'(x + t d).d| <= c2 |F'(x).d|
 * (Nocedal & Wright, algorithms 3.5 and 3.6, with cubic interpolation as in
 * minFunc). On return *best is the point with the lowest F found, which
 * satisfies the conditions unless the evaluations ran out. */
static void wolfe_search(struct dnn_optim *o, double t, dnn_objective f, void *ctx,
			 struct lspt *best)
{
	struct lsearch ls = {o, f, ctx, o->lb.f, dot(o->lb.gx, o->lb.d, o->n), 0.0, 0};
	struct lspt lo, hi;

	for (size_t i = 0; i < o->n; i++)
		ls.dmax = fmax(ls.dmax, fabs(o->lb.d[i]));
	if (!ls_bracket(&ls, t, &lo, &hi, best))
		*best = ls_zoom(&ls, lo, hi);
}

/* Near the optimum F's rounding errors swamp its decrease, and no step
 * passes the test of sufficient decrease although the gradient is still
 * accurate. Then accept a step by the approximate Wolfe conditions of Hager
 * and Zhang (SIAM J. Optim. 16, 2005), which rest on the slope:
 *   sigma F'(x).d <= F'(x + t d).d <= (2 delta - 1) F'(x).d,
 *   F(x + t d) <= F(x) + eps |F(x)|,
 * with sigma = 0.9, delta = 0.1, eps = 1e-6, found by bisection on the
 * slope. Returns 0 with *best set, -1 when no such step was found. */
static int slope_search(struct dnn_optim *o, double t, dnn_objective f, void *ctx,
			struct lspt *best)
{
	double f0 = o->lb.f, dg0 = dot(o->lb.gx, o->lb.d, o->n), lo = 0.0, hi = (double)INFINITY;

	for (int k = 0; k < LS_MAX_EVALS; k++) {
		best->g = o->lb.gb[0];
		best->t = t;
		best->f = phi(o, t, f, ctx, best->g, &best->dg);
		if (!isfinite(best->f) || best->dg > (2 * 0.1 - 1) * dg0 ||
		    best->f > f0 + 1e-6 * fabs(f0))
			hi = t;
		else if (best->dg < 0.9 * dg0)
			lo = t;
		else
			return 0;
		t = isinf(hi) ? 2.0 * t : (lo + hi) / 2.0;
	}
	return -1;
}

/* The direction d = -H g from the two-loop recursion, H the inverse-Hessian
 * approximation from the stored pairs with H0 = (s.y / y.y) I from the
 * newest; -g, with the pairs dropped, when that is not a descent direction
 * (rounding). */
static void lbfgs_direction(struct dnn_optim *o)
{
	size_t n = o->n, m = o->conf.history_size ? o->conf.history_size : 1;
	double *g = o->lb.gx, *d = o->lb.d;

	for (size_t i = 0; i < n; i++)
		d[i] = -g[i];
	for (size_t k = 0; k < o->lb.count; k++) {
		size_t j = (o->lb.head + m - 1 - k) % m;

		o->lb.alpha[j] = o->lb.rho[j] * dot(o->lb.s + j * n, d, n);
		for (size_t i = 0; i < n; i++)
			d[i] -= o->lb.alpha[j] * o->lb.y[j * n + i];
	}
	if (o->lb.count) {
		size_t j = (o->lb.head + m - 1) % m;
		double *yj = o->lb.y + j * n;
		double gamma = dot(o->lb.s + j * n, yj, n) / dot(yj, yj, n);

		for (size_t i = 0; i < n; i++)
			d[i] *= gamma;
	}
	for (size_t k = o->lb.count; k-- > 0;) {
		size_t j = (o->lb.head + m - 1 - k) % m;
		double beta = o->lb.rho[j] * dot(o->lb.y + j * n, d, n);

		for (size_t i = 0; i < n; i++)
			d[i] += o->lb.s[j * n + i] * (o->lb.alpha[j] - beta);
	}
	if (!(dot(g, d, n) < 0.0)) {
		o->lb.count = 0;
		for (size_t i = 0; i < n; i++)
			d[i] = -g[i];
	}
}

/* Move to the step best found along d: x' = x + t d (as rounded to float
 * into params), and keep the pair s = x' - x, y = g' - g when its curvature
 * is positive, which keeps H positive definite. Returns whether x moved. */
static int lbfgs_accept(struct dnn_optim *o, float *params, const struct lspt *best)
{
	size_t n = o->n, m = o->conf.history_size ? o->conf.history_size : 1, j = o->lb.head;
	double *x = o->lb.x, *g = o->lb.gx, *d = o->lb.d;
	double *s = o->lb.s + j * n, *y = o->lb.y + j * n, sy;
	int moved = 0;

	for (size_t i = 0; i < n; i++) {
		double xn = (double)(float)(x[i] + best->t * d[i]);

		s[i] = xn - x[i];
		y[i] = best->g[i] - g[i];
		moved |= s[i] != 0.0;
		x[i] = xn;
		g[i] = best->g[i];
		params[i] = (float)xn;
	}
	sy = dot(s, y, n);
	if (sy > 1e-10 * dot(y, y, n)) {
		o->lb.rho[j] = 1.0 / sy;
		o->lb.head = (j + 1) % m;
		if (o->lb.count < m)
			o->lb.count++;
	}
	return moved;
}

int optim_lbfgs_iter(struct dnn_optim *o, float *params, dnn_objective f, void *ctx, double *fx)
{
	size_t n = o->n;
	double *g = o->lb.gx, gmax = 0.0, t, f_old;
	struct lspt best;
	int moved, approx = 0;

	if (!o->lb.started) {
		for (size_t i = 0; i < n; i++)
			o->lb.x[i] = (double)params[i];
		o->lb.f = eval_at(o, params, f, ctx, g);
		if (!isfinite(o->lb.f))
			return -1;
		o->lb.started = 1;
	}
	*fx = o->lb.f;
	for (size_t i = 0; i < n; i++)
		gmax = fmax(gmax, fabs(g[i]));
	if (gmax <= LB_GRAD_TOL)
		return 1;
	lbfgs_direction(o);
	/* The first step is scaled down by the gradient's size: without
	 * curvature pairs, the direction says nothing about the distance. */
	t = o->learning_rate;
	if (o->lb.count == 0) {
		double g1 = 0.0;

		for (size_t i = 0; i < n; i++)
			g1 += fabs(g[i]);
		t *= fmin(1.0, 1.0 / g1);
	}
	wolfe_search(o, t, f, ctx, &best);
	if (!(best.f < o->lb.f)) {
		if (slope_search(o, o->learning_rate, f, ctx, &best))
			return 1; /* no step makes progress: as good as float allows */
		approx = 1;
	}
	moved = lbfgs_accept(o, params, &best);
	f_old = o->lb.f;
	o->lb.f = best.f;
	*fx = best.f;
	o->t++;
	if (!moved || (!approx && (f_old - best.f) <= LB_REL_FTOL * fmax(1.0, fabs(f_old))))
		return 1;
	return 0;
}

/* --- the optimizer's part of a run's resume state ------------------------- */

void optim_state_encode_head(const struct dnn_optim *o, struct dnn_wbuf *b)
{
	wbuf_uint(b, (uint64_t)o->conf.kind, 4);
	wbuf_uint(b, o->t, 8);
	wbuf_uint(b, o->n, 8);
}

int optim_state_decode_head(struct dnn_optim *o, struct dnn_rbuf *d, struct dnn_error *e)
{
	uint64_t kind = rbuf_uint(d, 4), n;

	o->t = (unsigned long)rbuf_uint(d, 8);
	n = rbuf_uint(d, 8);
	if (d->overrun)
		return dnn_error_set(e, DNN_EX_DATA, NULL, 0, 0, "truncated");
	if (kind != (uint64_t)o->conf.kind)
		return dnn_error_set(e, DNN_EX_DATA, NULL, 0, 0,
				     "the checkpoint was trained with %s, not %s; a resumed run "
				     "keeps its optimizer",
				     spec_optim_name((int)kind), spec_optim_name(o->conf.kind));
	if (n != o->n)
		return dnn_error_set(e, DNN_EX_DATA, NULL, 0, 0,
				     "%llu parameters for a network of %zu", (unsigned long long)n,
				     o->n);
	return 0;
}

void optim_state_encode(const struct dnn_optim *o, struct dnn_wbuf *b)
{
	size_t n = o->n, m = o->conf.history_size;

	if (optim_second_order(o)) {
		wbuf_f64(b, o->damping);
		return;
	}
	if (!optim_full_batch(o)) {
		wbuf_f32s(b, o->m, n);
		wbuf_f32s(b, o->v, n);
		return;
	}
	wbuf_uint(b, (uint64_t)o->lb.started, 4);
	wbuf_uint(b, m, 4);
	wbuf_uint(b, o->lb.head, 4);
	wbuf_uint(b, o->lb.count, 4);
	wbuf_f64(b, o->lb.f);
	wbuf_f64s(b, o->lb.x, n);
	wbuf_f64s(b, o->lb.gx, n);
	wbuf_f64s(b, o->lb.s, m * n);
	wbuf_f64s(b, o->lb.y, m * n);
	wbuf_f64s(b, o->lb.rho, m);
}

/* L-BFGS's memory: its history_size must be the spec's, its ring inside it. */
static int lbfgs_state_decode(struct dnn_optim *o, struct dnn_rbuf *d, struct dnn_error *e)
{
	size_t n = o->n, m = o->conf.history_size;

	o->lb.started = (int)rbuf_uint(d, 4);
	if (rbuf_uint(d, 4) != m)
		return dnn_error_set(e, DNN_EX_DATA, NULL, 0, 0,
				     "a history_size other than the spec's %zu", m);
	o->lb.head = (size_t)rbuf_uint(d, 4);
	o->lb.count = (size_t)rbuf_uint(d, 4);
	if (o->lb.head >= m || o->lb.count > m)
		return dnn_error_set(e, DNN_EX_DATA, NULL, 0, 0, "inconsistent lbfgs memory");
	o->lb.f = rbuf_f64(d);
	rbuf_f64s(d, o->lb.x, n);
	rbuf_f64s(d, o->lb.gx, n);
	rbuf_f64s(d, o->lb.s, m * n);
	rbuf_f64s(d, o->lb.y, m * n);
	rbuf_f64s(d, o->lb.rho, m);
	return 0;
}

int optim_state_decode(struct dnn_optim *o, struct dnn_rbuf *d, struct dnn_error *e)
{
	if (optim_full_batch(o)) {
		if (lbfgs_state_decode(o, d, e))
			return -1;
	} else if (optim_second_order(o)) {
		o->damping = rbuf_f64(d);
		double hi = fmax(LM_MAX, o->conf.damping);

		if (!d->overrun && !(o->damping >= o->conf.damping && o->damping <= hi))
			return dnn_error_set(e, DNN_EX_DATA, NULL, 0, 0,
					     "a damping of %g, outside %g to %g", o->damping,
					     o->conf.damping, hi);
	} else {
		rbuf_f32s(d, o->m, o->n);
		rbuf_f32s(d, o->v, o->n);
	}
	if (d->overrun)
		return dnn_error_set(e, DNN_EX_DATA, NULL, 0, 0, "truncated");
	return 0;
}
