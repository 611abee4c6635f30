/* A test-only dnn gradcheck whose tanh layers backpropagate a derivative 1%
 * too large, (1 - a^2) * 1.01, while their forward pass stays right: the
 * gradient check must catch it (tests/gradcheck.test).
 * Usage: dnn_broken_tanh gradcheck [OPTIONS] SPEC DATA */
#include <stdio.h>
#include <string.h>

#include "act.h"
#include "cli.h"
#include "cmds.h"
#include "err.h"
#include "net.h"

static void broken_tanh_bwd(const float *a, float *d, size_t n, size_t m)
{
	for (size_t i = 0; i < n * m; i++)
		d[i] *= (1.0f - a[i] * a[i]) * 1.01f;
}

static struct dnn_act_info broken;

static void tamper(struct dnn_net *net)
{
	broken = *act_by_id(DNN_ACT_TANH);
	broken.backward = broken_tanh_bwd;
	for (size_t l = 0; l < net->n_layers; l++)
		if (net->layers[l].act->id == DNN_ACT_TANH)
			net->layers[l].act = &broken;
}

int main(int argc, char **argv)
{
	struct dnn_error e;

	dnn_error_clear(&e);
	if (argc < 2 || strcmp(argv[1], "gradcheck") != 0) {
		fputs("usage: dnn_broken_tanh gradcheck [OPTIONS] SPEC DATA\n", stderr);
		return 64;
	}
	if (cmd_gradcheck_tampered(argc - 1, argv + 1, tamper, &e) == 0)
		return 0;
	dnn_error_print(&e, stderr);
	return e.code ? e.code : 70;
}
