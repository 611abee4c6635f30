/* libFuzzer harness for the spec parser (spec_parse): any bytes either
 * parse or give an error with a code and a message; a spec that parses
 * writes out (spec_to_json) to text that parses again to the same text. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dnn_spec s = {0}, s2 = {0};
	struct dnn_error e;
	char *json, *json2;

	dnn_error_clear(&e);
	if (spec_parse(&s, (const char *)data, size, "fuzz.json", &e) != 0) {
		if (e.code == 0 || e.msg[0] == '\0')
			abort(); /* an error without a code or a message */
		spec_free(&s);
		return 0;
	}
	json = spec_to_json(&s);
	if (!json)
		abort();
	dnn_error_clear(&e);
	if (spec_parse(&s2, json, strlen(json), "again.json", &e) != 0) {
		fprintf(stderr, "spec_to_json wrote what spec_parse refuses: %s\n%s\n", e.msg, json);
		abort();
	}
	json2 = spec_to_json(&s2);
	if (!json2 || strcmp(json, json2) != 0) {
		fprintf(stderr, "spec_to_json does not round-trip:\n%s\n%s\n", json, json2);
		abort();
	}
	free(json);
	free(json2);
	spec_free(&s);
	spec_free(&s2);
	return 0;
}
