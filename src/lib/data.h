/* Data in, as one header for the callers: the CSV reader (csv.h), datasets
 * with their roles and categories (dataset.h), the validation split
 * (split.h), normalization (norm.h) and rows matched to a model by name
 * (rows.h). Only input.c, below them, and ckpt.c (for CRC-32) know zlib. */
#ifndef DNN_DATA_H
#define DNN_DATA_H

#include "csv.h"
#include "dataset.h"
#include "norm.h"
#include "rows.h"
#include "split.h"

#endif
