/*
 * bench_inspect.c - times the stages of `skewtop inspect` on a label,score
 * file, for bench/run_inspect.py.
 *
 *     bench_inspect FILE EXACT_LIMIT RESAMPLES
 *
 * Reads FILE with sk_predictions_stream(), where EXACT_LIMIT 0 is the
 * default limit.  Then builds the sweep as `inspect` does: exact in the
 * memory of the scores, or binned from the bins.  Then the views: the ROC
 * and precision-recall curves thinned to 2048 points as the screen draws
 * them, a 50-bin histogram per class and 10-bin calibration.  Last come
 * RESAMPLES bootstrap resamples (0 for none).  Prints one "key value" line per number: seconds per stage, the
 * peak resident set size in kilobytes (getrusage), and the areas with
 * their error bounds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "skewtop/metrics.h"
#include "skewtop/predictions.h"

/* Bins of the score histogram, and points of a drawn curve, as on the
 * screen. */
#define HISTOGRAM_BINS 50
#define CURVE_POINTS 2048

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static long peak_rss_kb(void)
{
    struct rusage usage;
    return getrusage(RUSAGE_SELF, &usage) == 0 ? usage.ru_maxrss : -1;
}

static int fail(const char *what, const sk_error *err)
{
    fprintf(stderr, "bench_inspect: %s: %s\n", what, err->message);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s FILE EXACT_LIMIT RESAMPLES\n", argv[0]);
        return 2;
    }
    sk_predictions_options options = { 0 };
    options.exact_limit = strtoul(argv[2], NULL, 10);
    size_t resamples = strtoul(argv[3], NULL, 10);
    sk_error err = { "" };

    double start = now();
    sk_predictions *p = NULL;
    if (sk_predictions_stream(argv[1], &options, NULL, &p, &err) != SK_OK)
        return fail("reading", &err);
    double read_done = now();
    long read_rss = peak_rss_kb();

    sk_sweep *sweep = NULL;
    sk_status status;
    if (p->binned) {
        const sk_score_bins *b = &p->bins[0];
        status = sk_sweep_new_binned(b->lowest, b->negatives, b->positives, b->bins,
                                     b->max_score, &sweep, &err);
    } else {
        unsigned char *y = sk_predictions_take_labels(p);
        status = sk_sweep_adopt(sk_predictions_take_scores(p, 0), y, p->rows, &sweep, &err);
        free(y);
    }
    if (status != SK_OK)
        return fail("building the sweep", &err);
    double sweep_done = now();
    long sweep_rss = peak_rss_kb();

    sk_curve roc, pr;
    sk_class_histogram histogram;
    sk_calibration calibration;
    if (sk_sweep_curve_thin(sweep, false, CURVE_POINTS, &roc, &err) != SK_OK
        || sk_sweep_curve_thin(sweep, true, CURVE_POINTS, &pr, &err) != SK_OK
        || sk_sweep_class_histogram(sweep, HISTOGRAM_BINS, sk_sweep_min_score(sweep),
                                    sk_sweep_max_score(sweep), &histogram, &err) != SK_OK
        || sk_sweep_calibration(sweep, SK_CALIBRATION_BINS, &calibration, &err) != SK_OK)
        return fail("curves", &err);
    double views_done = now();
    long views_rss = peak_rss_kb();

    double bootstrap_done = views_done;
    if (resamples > 0) {
        sk_bootstrap_options bootstrap = sk_bootstrap_defaults();
        bootstrap.resamples = resamples;
        sk_bootstrap_result intervals;
        if (sk_sweep_bootstrap(sweep, 0.5, &bootstrap, &intervals, &err) != SK_OK)
            return fail("bootstrap", &err);
        bootstrap_done = now();
    }

    printf("rows %zu\n", p->rows);
    printf("positives %zu\n", p->positives);
    printf("binned %d\n", p->binned ? 1 : 0);
    printf("levels %zu\n", sk_sweep_distinct(sweep));
    printf("read_s %.4f\n", read_done - start);
    printf("sweep_s %.4f\n", sweep_done - read_done);
    printf("views_s %.4f\n", views_done - sweep_done);
    printf("bootstrap_per_resample_s %.4f\n",
           resamples > 0 ? (bootstrap_done - views_done) / (double)resamples : 0.0);
    printf("read_rss_kb %ld\n", read_rss);
    printf("sweep_rss_kb %ld\n", sweep_rss);
    printf("views_rss_kb %ld\n", views_rss);
    printf("peak_rss_kb %ld\n", peak_rss_kb());
    printf("roc_auc %.17g\n", sk_sweep_roc_auc(sweep));
    printf("roc_auc_error %.3g\n", sk_sweep_roc_auc_error(sweep));
    printf("average_precision %.17g\n", sk_sweep_average_precision(sweep));
    printf("average_precision_error %.3g\n", sk_sweep_average_precision_error(sweep));
    printf("log_loss %.17g\n", p->summary[0].log_loss);

    sk_curve_free(&roc);
    sk_curve_free(&pr);
    sk_class_histogram_free(&histogram);
    sk_calibration_free(&calibration);
    sk_sweep_free(sweep);
    sk_predictions_free(p);
    return 0;
}
