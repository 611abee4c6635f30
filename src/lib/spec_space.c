/* A search space (space.h): the spec document with its search objects
 * found and checked, points drawn or enumerated, concrete specs written. */
#include "space.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "rng.h"
#include "util.h"

static const char *const kind_names[] = {"choice", "uniform", "log_uniform", "int"};
#define N_KINDS (sizeof kind_names / sizeof *kind_names)

/* The walk over the document: where messages point, what was found. */
struct walk {
	const char *file;
	struct dnn_error *e;
	struct dnn_space *sp;
};

static int bad(const struct walk *w, const char *key, const char *fmt, ...) DNN_PRINTF(3, 4);

/* A space error: "FILE: KEY: message", code 65, as spec.c words its own. */
static int bad(const struct walk *w, const char *key, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return dnn_error_set(w->e, DNN_EX_DATA, w->file, 0, 0, "%s: %s", key, msg);
}

/* The kind (enum dnn_space_kind) of the first member of obj that names one,
 * 0 when none does (obj is no search object). */
static int search_kind(const cJSON *obj)
{
	if (!cJSON_IsObject(obj))
		return 0;
	for (const cJSON *it = obj->child; it; it = it->next)
		for (size_t k = 0; k < N_KINDS; k++)
			if (strcmp(it->string, kind_names[k]) == 0)
				return (int)k + 1;
	return 0;
}

/* An object of one array member whose name is close to a search key: a
 * search object misspelt. The close name, or NULL. */
static const char *misspelt(const cJSON *obj)
{
	if (!cJSON_IsObject(obj) || !obj->child || obj->child->next || !cJSON_IsArray(obj->child))
		return NULL;
	return util_closest(obj->child->string, kind_names, N_KINDS);
}

/* The two bounds [a, b] of a range search object, checked for its kind. */
static int get_range(const struct walk *w, const cJSON *arr, const char *key, int kind, double *lo,
		     double *hi)
{
	const cJSON *a = cJSON_IsArray(arr) ? arr->child : NULL, *b = a ? a->next : NULL;

	if (!a || !b || b->next || !cJSON_IsNumber(a) || !cJSON_IsNumber(b))
		return bad(w, key, "expected [a, b], two numbers");
	*lo = a->valuedouble;
	*hi = b->valuedouble;
	if (*lo > *hi)
		return bad(w, key, "expected [a, b] with a <= b, got [%g, %g]", *lo, *hi);
	if (kind == DNN_SPACE_LOG_UNIFORM && *lo <= 0.0)
		return bad(w, key, "a log_uniform range needs a > 0, got [%g, %g]", *lo, *hi);
	if (kind == DNN_SPACE_INT && (*lo != floor(*lo) || *hi != floor(*hi)))
		return bad(w, key, "an int range needs whole numbers, got [%g, %g]", *lo, *hi);
	if (kind == DNN_SPACE_INT &&
	    (fabs(*lo) > 9007199254740992.0 || fabs(*hi) > 9007199254740992.0))
		return bad(w, key, "an int range must lie within +-2^53");
	return 0;
}

static int walk_value(struct walk *w, const cJSON *it, const char *path, int inside);

/* Search object obj at path: checked and added to the space. */
static int add_param(struct walk *w, const cJSON *obj, const char *path, int kind)
{
	struct dnn_space *sp = w->sp;
	struct dnn_space_param *p;
	const cJSON *arr = NULL;
	char key[512];
	size_t j = 0;

	for (const cJSON *it = obj->child; it; it = it->next) {
		const char *near;

		if (strcmp(it->string, kind_names[kind - 1]) == 0 && !arr) {
			arr = it;
			continue;
		}
		snprintf(key, sizeof key, "%s.%s", path, it->string);
		if (strcmp(it->string, kind_names[kind - 1]) == 0)
			return bad(w, key, "given twice");
		for (size_t k = 0; k < N_KINDS; k++)
			if (strcmp(it->string, kind_names[k]) == 0)
				return bad(w, key,
					   "a search object holds one of choice, uniform, "
					   "log_uniform or int, not two");
		near = util_closest(it->string, kind_names, N_KINDS);
		if (near)
			return bad(w, key, "unknown key in a search object; did you mean '%s'?",
				   near);
		return bad(w, key,
			   "unknown key in a search object (expected one of: choice, "
			   "uniform, log_uniform, int)");
	}
	snprintf(key, sizeof key, "%s.%s", path, kind_names[kind - 1]);
	p = util_realloc_array(sp->params, sp->n_params + 1, sizeof *sp->params);
	if (!p)
		return dnn_error_oom(w->e);
	sp->params = p;
	p += sp->n_params;
	memset(p, 0, sizeof *p);
	p->kind = kind;
	if (!(p->path = util_strdup(path)))
		return dnn_error_oom(w->e);
	sp->n_params++;
	if (kind != DNN_SPACE_CHOICE)
		return get_range(w, arr, key, kind, &p->lo, &p->hi);
	if (!cJSON_IsArray(arr) || !arr->child)
		return bad(w, key,
			   cJSON_IsArray(arr) ? "the choice is empty"
					      : "expected an array of values");
	p->n_choices = (size_t)cJSON_GetArraySize(arr);
	if (!(p->choices = util_calloc_array(p->n_choices, sizeof *p->choices)))
		return dnn_error_oom(w->e);
	for (const cJSON *c = arr->child; c; c = c->next, j++) {
		/* The walk only checks that no search object hides in c. */
		if (walk_value(w, c, key, 1))
			return -1;
		if (!(p->choices[j] = cJSON_PrintUnformatted(c)))
			return dnn_error_oom(w->e);
	}
	return 0;
}

/* Walk value it at path: search objects found (inside: within a choice,
 * where none may be), the containers walked in document order. */
static int walk_value(struct walk *w, const cJSON *it, const char *path, int inside)
{
	char key[512];
	const char *near;
	int kind = search_kind(it);
	size_t i = 0;

	if (kind && *path) {
		if (inside)
			return bad(w, path, "a search object inside another is not allowed");
		return add_param(w, it, path, kind);
	}
	if (*path && (near = misspelt(it))) {
		snprintf(key, sizeof key, "%s.%s", path, it->child->string);
		return bad(w, key, "unknown search key; did you mean '%s'?", near);
	}
	if (!cJSON_IsObject(it) && !cJSON_IsArray(it))
		return 0;
	for (const cJSON *c = it->child; c; c = c->next, i++) {
		if (cJSON_IsArray(it))
			snprintf(key, sizeof key, "%s[%zu]", path, i);
		else
			snprintf(key, sizeof key, "%s%s%s", path, *path ? "." : "", c->string);
		if (walk_value(w, c, key, inside))
			return -1;
	}
	return 0;
}

/* FNV-1a over the bytes of s. */
static uint64_t fnv1a(const char *s)
{
	uint64_t h = 14695981039346656037ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

int space_parse(struct dnn_space *sp, const char *text, size_t len, const char *name,
		struct dnn_error *e)
{
	struct walk w = {name, e, sp};
	cJSON *root;
	char *canon;
	size_t i = 0;

	memset(sp, 0, sizeof *sp);
	if (json_check(text, len, 0, name, &i, e))
		return -1;
	if (!(root = cJSON_ParseWithLengthOpts(text + i, len - i, NULL, 0)))
		return dnn_error_oom(e);
	sp->doc = root;
	if (!cJSON_IsObject(root)) {
		space_free(sp);
		return dnn_error_set(e, DNN_EX_DATA, name, 0, 0,
				     "expected a spec (a JSON object), got %s",
				     cJSON_IsArray(root) ? "an array" : "a scalar");
	}
	if (walk_value(&w, root, "", 0)) {
		space_free(sp);
		return -1;
	}
	if (sp->n_params == 0) {
		space_free(sp);
		return dnn_error_set(e, DNN_EX_DATA, name, 0, 0,
				     "the space has no search object ({\"choice\": [...]}, "
				     "{\"uniform\": [a, b]}, {\"log_uniform\": [a, b]} or "
				     "{\"int\": [a, b]}); use dnn train for a plain spec");
	}
	if (!(canon = cJSON_PrintUnformatted(root))) {
		space_free(sp);
		return dnn_error_oom(e);
	}
	sp->fingerprint = fnv1a(canon);
	cJSON_free(canon);
	return 0;
}

/* x rounded to 4 significant digits. */
static double round4(double x)
{
	double scale;

	if (x == 0.0 || !isfinite(x))
		return x;
	scale = pow(10.0, 3.0 - floor(log10(fabs(x))));
	return round(x * scale) / scale;
}

void space_sample(const struct dnn_space *sp, uint64_t seed, size_t trial, double *v)
{
	struct dnn_rng r;

	rng_seed(&r, rng_mix(rng_mix(seed, 0x74756e65u), (uint64_t)trial));
	for (size_t i = 0; i < sp->n_params; i++) {
		const struct dnn_space_param *p = &sp->params[i];
		double u = rng_uniform(&r), x;

		switch (p->kind) {
		case DNN_SPACE_CHOICE:
			v[i] = (double)rng_below(&r, p->n_choices);
			break;
		case DNN_SPACE_INT:
			v[i] = p->lo + (double)rng_below(&r, (uint64_t)(p->hi - p->lo) + 1);
			break;
		default:
			x = p->kind == DNN_SPACE_UNIFORM
				? p->lo + u * (p->hi - p->lo)
				: exp(log(p->lo) + u * (log(p->hi) - log(p->lo)));
			x = round4(x);
			v[i] = x < p->lo ? p->lo : x > p->hi ? p->hi : x;
		}
	}
}

/* The grid's values of parameter p. */
static size_t grid_width(const struct dnn_space_param *p)
{
	return p->kind == DNN_SPACE_CHOICE ? p->n_choices : (size_t)(p->hi - p->lo) + 1;
}

int space_grid_size(const struct dnn_space *sp, size_t max, size_t *n, struct dnn_error *e)
{
	size_t total = 1;

	for (size_t i = 0; i < sp->n_params; i++) {
		const struct dnn_space_param *p = &sp->params[i];

		if (p->kind == DNN_SPACE_UNIFORM || p->kind == DNN_SPACE_LOG_UNIFORM)
			return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
					     "--method grid enumerates choices and int ranges; %s "
					     "is a %s range (give a choice of values, or use "
					     "--method random or halving)",
					     p->path, kind_names[p->kind - 1]);
		if (p->kind == DNN_SPACE_INT && p->hi - p->lo + 1.0 > (double)max) {
			total = max + 1;
			break;
		}
		if (util_mul_overflow(total, grid_width(p), &total) || total > max) {
			total = max + 1;
			break;
		}
	}
	if (total > max)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "the grid has more than %zu points; narrow the space or use "
				     "--method random",
				     max);
	*n = total;
	return 0;
}

void space_grid_point(const struct dnn_space *sp, size_t i, double *v)
{
	for (size_t k = sp->n_params; k-- > 0;) {
		const struct dnn_space_param *p = &sp->params[k];
		size_t w = grid_width(p);

		v[k] = p->kind == DNN_SPACE_CHOICE ? (double)(i % w) : p->lo + (double)(i % w);
		i /= w;
	}
}

/* The value of parameter p at v as a new JSON item (NULL: out of memory). */
static cJSON *value_item(const struct dnn_space_param *p, double v)
{
	if (p->kind == DNN_SPACE_CHOICE)
		return cJSON_Parse(p->choices[(size_t)v]);
	return cJSON_CreateNumber(v);
}

/* Replace the search objects under it, in document order, the next being
 * parameter *k. -1 when out of memory. */
static int replace(const struct dnn_space *sp, cJSON *it, const double *v, size_t *k)
{
	for (cJSON *c = it->child; c;) {
		cJSON *next = c->next;

		if (search_kind(c)) {
			cJSON *val = value_item(&sp->params[*k], v[*k]);

			/* An object's member keeps its name. */
			if (val && c->string && !(val->string = util_strdup(c->string))) {
				cJSON_Delete(val);
				return -1;
			}
			if (!val || !cJSON_ReplaceItemViaPointer(it, c, val)) {
				cJSON_Delete(val);
				return -1;
			}
			++*k;
		} else if ((cJSON_IsObject(c) || cJSON_IsArray(c)) && replace(sp, c, v, k)) {
			return -1;
		}
		c = next;
	}
	return 0;
}

char *space_spec_json(const struct dnn_space *sp, const double *v, unsigned long epochs, int pretty)
{
	cJSON *doc = cJSON_Duplicate(sp->doc, 1), *n = NULL;
	char *text = NULL, *out = NULL;
	size_t k = 0;

	if (doc && epochs && !(n = cJSON_CreateNumber((double)epochs)))
		goto out;
	if (n && (cJSON_HasObjectItem(doc, "epochs") ? !cJSON_ReplaceItemInObject(doc, "epochs", n)
						     : !cJSON_AddItemToObject(doc, "epochs", n))) {
		cJSON_Delete(n);
		goto out;
	}
	if (doc && replace(sp, doc, v, &k) == 0)
		text = pretty ? cJSON_Print(doc) : cJSON_PrintUnformatted(doc);
	/* Ours to free with free(), not cJSON_free. */
	if (text)
		out = util_strdup(text);
out:
	cJSON_Delete(doc);
	cJSON_free(text);
	return out;
}

char *space_value_json(const struct dnn_space *sp, size_t p, double v)
{
	cJSON *it = value_item(&sp->params[p], v);
	char *text = it ? cJSON_PrintUnformatted(it) : NULL, *out = text ? util_strdup(text) : NULL;

	cJSON_Delete(it);
	cJSON_free(text);
	return out;
}

void space_free(struct dnn_space *sp)
{
	for (size_t i = 0; sp->params && i < sp->n_params; i++) {
		for (size_t j = 0; sp->params[i].choices && j < sp->params[i].n_choices; j++)
			cJSON_free(sp->params[i].choices[j]);
		free(sp->params[i].choices);
		free(sp->params[i].path);
	}
	free(sp->params);
	cJSON_Delete(sp->doc);
	memset(sp, 0, sizeof *sp);
}

struct dnn_space_record *space_record_parse(const char *text, size_t len)
{
	struct dnn_error e;
	size_t i = 0;
	cJSON *root;

	dnn_error_clear(&e);
	if (json_check(text, len, 0, "", &i, &e))
		return NULL;
	root = cJSON_ParseWithLengthOpts(text + i, len - i, NULL, 0);
	if (root && !cJSON_IsObject(root)) {
		cJSON_Delete(root);
		root = NULL;
	}
	return (struct dnn_space_record *)(void *)root;
}

int space_record_number(const struct dnn_space_record *r, const char *key, double *x)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive((const cJSON *)(const void *)r, key);

	if (!cJSON_IsNumber(it))
		return -1;
	*x = it->valuedouble;
	return 0;
}

int space_record_string(const struct dnn_space_record *r, const char *key, char *buf, size_t cap)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive((const cJSON *)(const void *)r, key);

	if (!cJSON_IsString(it) || cap == 0)
		return -1;
	snprintf(buf, cap, "%s", it->valuestring);
	return 0;
}

void space_record_free(struct dnn_space_record *r)
{
	cJSON_Delete((cJSON *)(void *)r);
}
