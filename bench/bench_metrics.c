/*
 * bench_metrics.c - times skewtop's full score sweep on scores from a file.
 *
 * Usage: bench_metrics FILE N REPEATS
 * FILE contains N little-endian doubles (scores) followed by N bytes (labels,
 * 1 = positive), as bench/run_metrics.py writes it.  Prints "key value"
 * lines: the best of REPEATS wall-clock times in seconds for the full sweep
 * (sk_sweep_new, which sorts and computes both AUCs; both curves; a
 * 50-bin histogram per class; 10-bin calibration), and the mean time of one
 * threshold move (confusion matrix plus every rate) in microseconds.
 * bench/run_metrics.sh builds and runs it; it is not part of the test suite.
 */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "skewtop/metrics.h"

/* Bins of the benchmark's histogram: about what a wide terminal shows. */
#define HISTOGRAM_BINS 50
/* Threshold moves timed; enough to average away the clock's resolution. */
#define MOVES 1000000

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int read_input(const char *path, size_t n, double **scores,
                      unsigned char **labels)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return -1;
    }
    *scores = malloc(n * sizeof **scores);
    *labels = malloc(n);
    int ok = *scores != NULL && *labels != NULL &&
             fread(*scores, sizeof **scores, n, f) == n &&
             fread(*labels, 1, n, f) == n;
    fclose(f);
    if (!ok) {
        fprintf(stderr, "%s: cannot read %zu scores and labels\n", path, n);
        return -1;
    }
    return 0;
}

/* Runs the full sweep once; returns its wall-clock time or a negative value
 * on failure.  Keeps the sweep in *kept when kept is not NULL. */
static double full_sweep(const double *scores, const unsigned char *labels,
                         size_t n, sk_sweep **kept, double *checksum)
{
    sk_error err = {""};
    sk_sweep *sweep = NULL;
    sk_curve roc;
    sk_curve pr;
    sk_class_histogram histogram;
    sk_calibration calibration;

    double start = now();
    if (sk_sweep_new(scores, labels, n, &sweep, &err) != SK_OK ||
        sk_sweep_roc_curve(sweep, true, &roc, &err) != SK_OK ||
        sk_sweep_pr_curve(sweep, &pr, &err) != SK_OK ||
        sk_sweep_class_histogram(sweep, HISTOGRAM_BINS, 0.0, 1.0, &histogram,
                                 &err) != SK_OK ||
        sk_sweep_calibration(sweep, SK_CALIBRATION_BINS, &calibration, &err) != SK_OK) {
        fprintf(stderr, "bench_metrics: %s\n", err.message);
        return -1.0;
    }
    double elapsed = now() - start;

    *checksum = sk_sweep_roc_auc(sweep) + sk_sweep_average_precision(sweep) +
                roc.x[roc.points / 2] + pr.y[pr.points / 2] + calibration.ece +
                (double)histogram.positives[HISTOGRAM_BINS - 1];
    sk_curve_free(&roc);
    sk_curve_free(&pr);
    sk_class_histogram_free(&histogram);
    sk_calibration_free(&calibration);
    if (kept != NULL)
        *kept = sweep;
    else
        sk_sweep_free(sweep);
    return elapsed;
}

/* Mean microseconds of one threshold move at random thresholds in [0, 1]. */
static double time_moves(const sk_sweep *sweep, double *checksum)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    double *thresholds = malloc(MOVES * sizeof *thresholds);
    if (rng == NULL || thresholds == NULL)
        return -1.0;
    for (size_t i = 0; i < MOVES; i++)
        thresholds[i] = gsl_rng_uniform(rng);

    double sum = 0.0;
    double start = now();
    for (size_t i = 0; i < MOVES; i++) {
        sk_rates r = sk_rates_from_confusion(sk_sweep_confusion(sweep, thresholds[i]));
        sum += r.f1;
    }
    double elapsed = now() - start;
    *checksum = sum;
    free(thresholds);
    gsl_rng_free(rng);
    return elapsed / MOVES * 1e6;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s FILE N REPEATS\n", argv[0]);
        return 2;
    }
    gsl_set_error_handler_off();
    size_t n = strtoull(argv[2], NULL, 10);
    int repeats = atoi(argv[3]);
    double *scores;
    unsigned char *labels;
    if (read_input(argv[1], n, &scores, &labels) != 0 || repeats < 1)
        return 1;

    double best = -1.0;
    double checksum = 0.0;
    sk_sweep *sweep = NULL;
    for (int r = 0; r < repeats; r++) {
        double t = full_sweep(scores, labels, n, r == 0 ? &sweep : NULL, &checksum);
        if (t < 0)
            return 1;
        if (best < 0 || t < best)
            best = t;
    }
    double move_checksum;
    double move_us = time_moves(sweep, &move_checksum);
    if (move_us < 0)
        return 1;

    printf("skewtop_full_sweep_s %.6f\n", best);
    printf("threshold_move_us %.4f\n", move_us);
    printf("distinct %zu\n", sk_sweep_distinct(sweep));
    printf("roc_auc %.17g\n", sk_sweep_roc_auc(sweep));
    printf("average_precision %.17g\n", sk_sweep_average_precision(sweep));
    printf("checksum %.6g %.6g\n", checksum, move_checksum);
    sk_sweep_free(sweep);
    free(scores);
    free(labels);
    return 0;
}
