/* A classifier's confusion counts over rows: per class the rows right, the
 * rows predicted and the rows true; the whole k x k matrix up to
 * CONFUSION_MAX_MATRIX classes, past it the off-diagonal cells alone, kept
 * as a list that grows with the rows misclassified (not with k^2). */
#ifndef DNN_CONFUSION_H
#define DNN_CONFUSION_H

#include <stddef.h>
#include <stdint.h>

/* The most classes whose full matrix is kept (and shown). */
#define CONFUSION_MAX_MATRIX 50

/* One off-diagonal cell: rows of class truth predicted as pred, their count
 * (or summed weight). */
struct dnn_confusion_cell {
	uint32_t truth, pred;
	double count;
};

struct dnn_confusion {
	size_t k;
	double *matrix; /* k x k (row: true class), or NULL past the cap */
	double *right, *predicted, *truth; /* per class */
	struct dnn_confusion_cell *cells;  /* past the cap: one per row misclassified */
	size_t n_cells, cap_cells;
};

/* Empty counts for k classes. 0, or -1 when out of memory (nothing held). */
int confusion_init(struct dnn_confusion *c, size_t k);

/* Room for n more rows, so that confusion_add does not allocate: 0 or -1
 * when out of memory (the counts unchanged). */
int confusion_reserve(struct dnn_confusion *c, size_t n);

/* Count a row of class truth predicted as pred, weighing w; within the room
 * confusion_reserve made. */
void confusion_add(struct dnn_confusion *c, uint32_t truth, uint32_t pred, double w);

/* The off-diagonal cells with a count, merged, largest count first (ties:
 * by true class, then predicted), into *out (malloc'd; NULL when none):
 * how many, or SIZE_MAX when out of memory. From the matrix or the list. */
size_t confusion_top(const struct dnn_confusion *c, struct dnn_confusion_cell **out);

void confusion_free(struct dnn_confusion *c);

#endif
