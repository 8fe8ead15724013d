/*
 * make_inspect_data.c - writes a seeded label,score CSV file for the inspect
 * benchmark (bench/run_inspect.sh).
 *
 *     make_inspect_data ROWS SEED FILE     (FILE may be - for standard output)
 *
 * The scores are those of a weak classifier, drawn as in bench/run_metrics.py
 * but from GSL's generator: the label is 1 with probability PREVALENCE, and
 * the score is the logistic of a normal with mean LOGIT_MEAN, shifted by
 * LOGIT_SHIFT for positives.  Scores are written with 17 significant digits,
 * which round-trip every double, so nearly every score is distinct.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

/* Class balance and separation of bench/run_metrics.py, so that both
 * benchmarks time scores of the same shape. */
#define PREVALENCE 0.033
#define LOGIT_MEAN (-3.4)
#define LOGIT_SHIFT 1.5

/* stdio buffer for the output file: fewer write calls for a 200 MB file. */
#define OUTPUT_BUFFER (1 << 20)

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s ROWS SEED FILE\n", argv[0]);
        return 2;
    }
    char *end;
    errno = 0;
    double rows_value = strtod(argv[1], &end);
    if (*end != '\0' || errno != 0 || !(rows_value >= 1.0) || rows_value > 1e12) {
        fprintf(stderr, "make_inspect_data: invalid row count '%s'; give a number "
                        "such as 1e7\n", argv[1]);
        return 2;
    }
    unsigned long seed = strtoul(argv[2], &end, 10);
    if (*end != '\0') {
        fprintf(stderr, "make_inspect_data: invalid seed '%s'; give an integer\n", argv[2]);
        return 2;
    }

    FILE *out = strcmp(argv[3], "-") == 0 ? stdout : fopen(argv[3], "w");
    if (out == NULL) {
        fprintf(stderr, "make_inspect_data: cannot open '%s': %s\n", argv[3], strerror(errno));
        return 1;
    }
    setvbuf(out, NULL, _IOFBF, OUTPUT_BUFFER);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (rng == NULL) {
        fprintf(stderr, "make_inspect_data: out of memory\n");
        return 1;
    }
    gsl_rng_set(rng, seed);

    size_t rows = (size_t)rows_value;
    fprintf(out, "label,score\n");
    for (size_t i = 0; i < rows; i++) {
        int label = gsl_rng_uniform(rng) < PREVALENCE;
        double logit = LOGIT_MEAN + gsl_ran_gaussian(rng, 1.0) + LOGIT_SHIFT * label;
        fprintf(out, "%d,%.17g\n", label, 1.0 / (1.0 + exp(-logit)));
    }
    gsl_rng_free(rng);
    if (fclose(out) != 0) {
        fprintf(stderr, "make_inspect_data: writing '%s' failed: %s\n", argv[3],
                strerror(errno));
        return 1;
    }
    return 0;
}
