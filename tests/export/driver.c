/* The driver of tests/export.test: NAME_selftest, then NAME_predict over
 * rows of raw inputs read from standard input (comma-separated, "nan" for a
 * missing value), one line of outputs ("%.9g") per row; with an argument,
 * the input names, one a line. Build with -DHDR='"NAME.h"' -DP(x)=NAME_##x. */
#include <stdio.h>
#include <stdlib.h>
#include HDR

int main(int argc, char **argv)
{
	static char line[1 << 16];
	float in[P(N_INPUTS)], out[P(N_OUTPUTS)];
	size_t j;

	(void)argv;
	if (argc > 1) {
		for (j = 0; j < P(N_INPUTS); j++)
			printf("%s\n", P(input_names)[j]);
		return 0;
	}
	if (P(selftest)() != 0) {
		fprintf(stderr, "selftest failed\n");
		return 2;
	}
	while (fgets(line, sizeof line, stdin)) {
		char *s = line, *end;

		for (j = 0; j < P(N_INPUTS); j++) {
			in[j] = strtof(s, &end);
			s = *end == ',' ? end + 1 : end;
		}
		P(predict)(in, out);
		for (j = 0; j < P(N_OUTPUTS); j++)
			printf("%s%.9g", j ? "," : "", (double)out[j]);
		printf("\n");
	}
	return 0;
}
