/* dnn hessian --density: the spectral density of the Hessian by stochastic
 * Lanczos quadrature (density.h), its trace and negative mass, printed as a
 * table or JSON and drawn as SVG. */
#ifndef DNN_HESSIAN_DENSITY_H
#define DNN_HESSIAN_DENSITY_H

#include "csv.h"
#include "err.h"
#include "prepare.h"
#include "rng.h"

/* What dnn hessian's command line asked for. */
struct hs_args {
	const char *spec, *model, *data_path, *seed;
	unsigned long top, samples, iterations; /* top: 0 until defaulted */
	double tolerance;			/* < 0 until defaulted */
	int json;
	/* --density */
	int density;
	unsigned long probes, steps, grid; /* 0: the default */
	const char *probe, *plot;
	double sigma; /* NaN: the default */
	struct dnn_csv_opts csv;
};

/* The density of the Hessian of p's loss over its rows at its weights, with
 * a's options, printed on standard output (and drawn to a->plot, replaced
 * only when all went well); the probes are drawn from rng. Returns 0, or
 * -1 with e set (73/74 for the plot, 64 for more basis probes than
 * parameters, 70 out of memory). */
int hessian_density(const struct hs_args *a, const struct dnn_prepared *p, struct dnn_rng *rng,
		    struct dnn_error *e);

#endif
