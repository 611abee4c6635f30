/* dnn train's messages: epoch line, progress bar, --log line, notes, -v timings, warnings. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "dist.h"
#include "mat.h"
#include "report.h"

double report_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void report_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("dnn: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void report_start(struct report *r, unsigned long n_epochs, FILE *log)
{
	r->progress = !r->quiet && isatty(STDERR_FILENO);
	r->n_epochs = n_epochs;
	r->log = log;
}

#define BAR_WIDTH 30
#define BAR_DELAY 0.25	 /* seconds into an epoch before a bar shows */
#define BAR_INTERVAL 0.1 /* seconds between redraws */

void report_progress(unsigned long epoch, size_t done, size_t total, void *ctx)
{
	struct report *r = ctx;
	double t = report_now(), rate, left;
	char bar[BAR_WIDTH + 1];
	size_t fill;

	if (!r->progress)
		return;
	if (epoch != r->bar_epoch) {
		r->bar_epoch = epoch;
		r->epoch_start = r->last_draw = t;
	}
	if (t - r->epoch_start < BAR_DELAY || t - r->last_draw < BAR_INTERVAL || !total)
		return;
	r->last_draw = t;
	rate = (double)done / (t - r->epoch_start);
	left = rate > 0.0 ? (double)(total - done) / rate : 0.0;
	fill = done * BAR_WIDTH / total;
	for (size_t i = 0; i < BAR_WIDTH; i++)
		bar[i] = i < fill ? '=' : i == fill ? '>' : ' ';
	bar[BAR_WIDTH] = '\0';
	fprintf(stderr, "\repoch %lu/%lu [%s] %3d%%  %.0f rows/s  ETA %.0fs\033[K", epoch,
		r->n_epochs, bar, (int)(100.0 * (double)done / (double)total), rate, left);
	r->drawn = 1;
}

void report_progress_clear(struct report *r)
{
	if (r->drawn) {
		fputs("\r\033[K", stderr);
		r->drawn = 0;
	}
}

/* ,"key":value with so many significant digits, left out when not
 * finite. */
static void json_field(FILE *f, const char *key, int digits, double v)
{
	if (isfinite(v))
		fprintf(f, ",\"%s\":%.*g", key, digits, v);
}

/* One line of --log, as in dnn-train(1); keys of figures that do not apply (NaN)
 * are left out. printf's numbers use '.': dnn never calls setlocale.
 * Returns 0, or -1 when the write failed. */
static int log_epoch(FILE *f, const struct dnn_epoch *ep, const struct dnn_epoch_reg *reg,
		     const struct report *r)
{
	fprintf(f, "{\"epoch\":%lu", ep->epoch);
	json_field(f, "loss", 4, ep->loss);
	json_field(f, "val_loss", 4, ep->val_loss);
	json_field(f, "accuracy", 4, ep->accuracy);
	json_field(f, "val_accuracy", 4, ep->val_accuracy);
	if (reg) {
		json_field(f, "mae", 4, reg->mae);
		json_field(f, "val_mae", 4, reg->val_mae);
		json_field(f, "r2", 4, reg->r2);
		json_field(f, "val_r2", 4, reg->val_r2);
	}
	json_field(f, "learning_rate", 6, ep->learning_rate);
	json_field(f, "seconds", 4, ep->seconds);
	if (r->before_epoch) {
		json_field(f, "sharpness", 6, r->sharpness);
		if (!isnan(r->sharpness))
			json_field(f, "stability_limit", 6, r->sharpness_limit);
	}
	fputs("}\n", f);
	return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}

void report_epoch(const struct dnn_epoch *ep, const struct dnn_epoch_reg *reg,
		  unsigned long n_epochs, void *ctx)
{
	struct report *r = ctx;

	if (r->before_epoch)
		r->before_epoch(r, ep);
	if (r->log && !r->log_failed && log_epoch(r->log, ep, reg, r)) {
		r->log_failed = 1;
		r->log_errno = errno;
		r->log_epoch = ep->epoch;
	}
	if (r->quiet)
		return;
	report_progress_clear(r);
	fprintf(stderr, "epoch %lu/%lu  loss %.4g", ep->epoch, n_epochs, ep->loss);
	if (!isnan(ep->val_loss))
		fprintf(stderr, "  val_loss %.4g", ep->val_loss);
	if (!isnan(ep->accuracy))
		fprintf(stderr, "  acc %.4f", ep->accuracy);
	if (!isnan(ep->val_accuracy))
		fprintf(stderr, "  val_acc %.4f", ep->val_accuracy);
	if (reg) {
		fprintf(stderr, "  mae %.4g", reg->mae);
		if (!isnan(reg->val_mae))
			fprintf(stderr, "  val_mae %.4g", reg->val_mae);
		fprintf(stderr, "  r2 %.4f", reg->r2);
		if (!isnan(reg->val_r2))
			fprintf(stderr, "  val_r2 %.4f", reg->val_r2);
	}
	fprintf(stderr, "  lr %g  %.2fs", ep->learning_rate, ep->seconds);
	if (r->before_epoch && !isnan(r->sharpness)) {
		fprintf(stderr, "  sharpness %.4g", r->sharpness);
		if (r->sharpness_label)
			fprintf(stderr, " (%s %.4g)", r->sharpness_label, r->sharpness_limit);
		if (r->verbose)
			fprintf(stderr, " in %.3fs", r->sharpness_secs);
	}
	fputc('\n', stderr);
}

void report_precision(const struct report *r, int precision)
{
	if (!r->verbose || r->quiet)
		return;
	if (precision == DNN_PREC_BF16)
		fprintf(stderr,
			"products: bf16 operands, fp32 sums (bf16 kernel %s); weights, "
			"gradients, optimizer and losses in fp32\n",
			mat_bf16_kernel_name());
	else if (precision == DNN_PREC_AUTO && mat_bf16_auto_possible())
		fprintf(stderr,
			"products: auto: bf16 (bf16 kernel %s) for those of at least %d x %d x %d "
			"and %d multiply-adds, fp32 (gemm kernel %s) for the others\n",
			mat_bf16_kernel_name(), MAT_BF16_AUTO_M, MAT_BF16_AUTO_N, MAT_BF16_AUTO_K,
			MAT_BF16_AUTO_FMA, mat_kernel_name());
	else
		fprintf(stderr, "products: %sfp32 (gemm kernel %s)\n",
			precision == DNN_PREC_AUTO
				? "auto: no bf16 kernel here beats fp32 at any shape, so "
				: "",
			mat_kernel_name());
}

void report_read(const struct report *r, const struct dnn_dataset *d, const char *data_name,
		 double secs, int shared)
{
	if (r->verbose && !r->quiet)
		fprintf(stderr,
			"read %zu rows of %zu columns (%zu network inputs) from %s in %.3fs%s\n",
			d->n_rows_total, d->n_cols, d->n_in, data_name, secs,
			shared ? " (shared among the MPI ranks)" : "");
}

void report_filled(const struct report *r, double n)
{
	if (!r->quiet && n > 0.0)
		fprintf(stderr, "filled %.0f missing input cell%s with the training means\n", n,
			n == 1.0 ? "" : "s");
}

void report_auto_lr(const struct report *r, double rate, double momentum, double lmax)
{
	if (!r->quiet)
		fprintf(stderr,
			"learning rate auto: %.3g = (1 - momentum %g) / lambda_max %.4g, the "
			"largest eigenvalue of the loss's Hessian at the initial weights: "
			"Newton's step along the sharpest direction\n",
			rate, momentum, lmax);
}

void report_trained(const struct report *r, size_t epochs, size_t rows, double secs,
		    const struct dnn_train_stop *st, int shared, size_t n_params)
{
	if (!r->verbose || r->quiet)
		return;
	fprintf(stderr, "trained %zu epoch%s on %zu rows in %.3fs (%.0f rows/s)\n", epochs,
		epochs == 1 ? "" : "s", rows, secs,
		secs > 0.0 ? (double)rows * (double)epochs / secs : 0.0);
	if (shared && st->reductions)
		fprintf(stderr,
			"%d MPI ranks: %lu gradient sums of %zu bytes %s took %.3fs (%.1f%% "
			"of rank 0's training time), %.1f us each\n",
			dist_size(), st->reductions, 4 * (n_params + 2), dist_sum_f32_how(),
			st->reduce_seconds, secs > 0.0 ? 100.0 * st->reduce_seconds / secs : 0.0,
			1e6 * st->reduce_seconds / (double)st->reductions);
}

void report_stop(const struct report *r, const struct dnn_train_stop *st,
		 const struct dnn_history *h, unsigned long patience)
{
	const char *watched = st->monitor_val ? "val_loss" : "loss";

	if (r->quiet)
		return;
	if (st->early)
		fprintf(stderr,
			"early stopping: %s has not improved for %lu epochs; kept the weights of "
			"epoch %lu\n",
			watched, patience, st->best_epoch);
	else if (patience && st->best_epoch && st->best_epoch != h->n)
		fprintf(stderr, "kept the weights of epoch %lu, the lowest %s\n", st->best_epoch,
			watched);
	if (st->converged)
		fprintf(stderr, "lbfgs converged in epoch %zu\n", h->n);
}

void report_wrote(const struct report *r, const char *path, double secs)
{
	if (r->verbose && !r->quiet)
		fprintf(stderr, "wrote %s in %.3fs\n", path, secs);
}

void report_saved(const struct report *r, const char *path)
{
	if (!r->quiet)
		fprintf(stderr, "saved %s\n", path);
}

void report_human_size(double bytes, char *buf, size_t size)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB"};
	size_t u = 0;

	while (bytes >= 1024.0 && u + 1 < sizeof units / sizeof units[0]) {
		bytes /= 1024.0;
		u++;
	}
	snprintf(buf, size, "%.1f %s", bytes, units[u]);
}
