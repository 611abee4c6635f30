/* The learning-rate schedules of schedule.h and their resume state. */
#include "schedule.h"

#include <math.h>

#include "bytes.h"

#define PI 3.14159265358979323846

void sched_init(struct dnn_sched *s, const struct dnn_sched_spec *conf, double base_lr,
		unsigned long n_epochs)
{
	s->conf = *conf;
	s->base_lr = base_lr;
	s->n_epochs = n_epochs;
	s->plateau_lr = base_lr;
	s->best = (double)INFINITY;
	s->n_bad = 0;
}

double sched_lr(const struct dnn_sched *s, unsigned long epoch)
{
	const struct dnn_sched_spec *c = &s->conf;
	double base = s->base_lr, k;

	if (epoch <= c->warmup)
		return base * (double)epoch / (double)c->warmup;
	k = (double)(epoch - c->warmup - 1);
	switch (c->kind) {
	case DNN_SCHED_STEP:
		return base * pow(c->gamma, floor(k / (double)c->step_size));
	case DNN_SCHED_EXPONENTIAL:
		return base * pow(c->gamma, k);
	case DNN_SCHED_COSINE: {
		double T = c->t_max
			       ? (double)c->t_max
			       : (double)(s->n_epochs > c->warmup ? s->n_epochs - c->warmup : 1);

		return c->min_lr + (base - c->min_lr) * (1.0 + cos(PI * fmin(k, T) / T)) / 2.0;
	}
	case DNN_SCHED_PLATEAU:
		return s->plateau_lr;
	default:
		return base;
	}
}

void sched_observe(struct dnn_sched *s, unsigned long epoch, double loss)
{
	const struct dnn_sched_spec *c = &s->conf;

	if (c->kind != DNN_SCHED_PLATEAU || epoch <= c->warmup || isnan(loss))
		return;
	if (loss < s->best * (1.0 - c->threshold) || isinf(s->best)) {
		s->best = loss;
		s->n_bad = 0;
		return;
	}
	if (++s->n_bad > c->patience) {
		s->plateau_lr = fmax(c->min_lr, s->plateau_lr * c->factor);
		s->n_bad = 0;
	}
}

void sched_state_encode(const struct dnn_sched *s, struct dnn_wbuf *b)
{
	wbuf_f64(b, s->plateau_lr);
	wbuf_f64(b, s->best);
	wbuf_uint(b, s->n_bad, 8);
}

void sched_state_decode(struct dnn_sched *s, struct dnn_rbuf *d)
{
	s->plateau_lr = rbuf_f64(d);
	s->best = rbuf_f64(d);
	s->n_bad = (unsigned long)rbuf_uint(d, 8);
}
