/*
 * test_metrics.c - the metrics engine against scikit-learn 1.2.1 fixtures,
 * against naive O(n) implementations, and the bootstrap against a known
 * binomial result.
 *
 * Fixtures: tests/fixtures/metrics/cases.txt, written by generate.py beside
 * it (the format is described there).  Floating-point values must agree to
 * FIXTURE_RELATIVE relative; counts, thresholds and flags exactly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "skewtop/metrics.h"

/* Agreement required with scikit-learn's values. */
#define FIXTURE_RELATIVE 1e-12
/* Print at most this many mismatches per test, then only count them. */
#define MAX_REPORTED 40

/* ---- comparison helpers ------------------------------------------------ */

/* True when both are NaN, equal, or within rel relative of expected. */
static bool close_enough(double expected, double actual, double rel)
{
    if (isnan(expected) || isnan(actual))
        return isnan(expected) && isnan(actual);
    if (expected == actual)
        return true;
    return fabs(actual - expected) <= rel * fabs(expected);
}

#define assert_close(expected, actual, rel)                                  \
    do {                                                                     \
        double e_ = (expected);                                              \
        double a_ = (actual);                                                \
        if (!close_enough(e_, a_, (rel))) {                                  \
            print_error("%s:%d: %s: expected %.17g, actual %.17g, relative " \
                        "tolerance %g\n",                                    \
                        __FILE__, __LINE__, #actual, e_, a_, (double)(rel)); \
            fail();                                                          \
        }                                                                    \
    } while (0)

/* Mismatch counter of one fixture test. */
typedef struct {
    size_t failures;
    const char *case_name;
} tally;

static void report(tally *t, const char *fmt, ...)
{
    t->failures++;
    if (t->failures > MAX_REPORTED)
        return;
    va_list ap;
    va_start(ap, fmt);
    char message[512];
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    print_error("case %s: %s\n", t->case_name, message);
}

static void check_double(tally *t, const char *what, size_t index,
                         double expected, double actual)
{
    if (!close_enough(expected, actual, FIXTURE_RELATIVE))
        report(t, "%s[%zu]: expected %.17g, actual %.17g (relative tolerance %g)",
               what, index, expected, actual, FIXTURE_RELATIVE);
}

static void check_size(tally *t, const char *what, size_t index,
                       size_t expected, size_t actual)
{
    if (expected != actual)
        report(t, "%s[%zu]: expected %zu, actual %zu", what, index, expected,
               actual);
}

/* ---- fixture parsing --------------------------------------------------- */

typedef struct {
    char *key;
    char *rest;
} fixture_line;

typedef struct {
    char *name;
    size_t n;
    unsigned char *y;
    double *s;
    sk_sweep *sweep;
    fixture_line *lines;
    size_t line_count;
} fixture_case;

typedef struct {
    fixture_case *cases;
    size_t count;
} fixture_set;

/* Parses up to cap doubles from text; returns how many. */
static size_t read_doubles(const char *text, double *out, size_t cap)
{
    size_t count = 0;
    char *end;
    while (count < cap) {
        double value = strtod(text, &end);
        if (end == text)
            break;
        out[count++] = value;
        text = end;
    }
    return count;
}

static size_t read_sizes(const char *text, size_t *out, size_t cap)
{
    size_t count = 0;
    char *end;
    while (count < cap) {
        unsigned long long value = strtoull(text, &end, 10);
        if (end == text)
            break;
        out[count++] = (size_t)value;
        text = end;
    }
    return count;
}

/* Returns the number of whitespace-separated tokens in text. */
static size_t count_tokens(const char *text)
{
    size_t count = 0;
    bool in_token = false;
    for (; *text; text++) {
        bool space = *text == ' ' || *text == '\n' || *text == '\t';
        if (!space && !in_token)
            count++;
        in_token = !space;
    }
    return count;
}

static const fixture_line *find_line(const fixture_case *c, const char *key)
{
    for (size_t i = 0; i < c->line_count; i++) {
        if (strcmp(c->lines[i].key, key) == 0)
            return &c->lines[i];
    }
    return NULL;
}

/* Rebuilds the labels and scores of a "rule mod ..." case exactly as
 * generate.py's rule_scores() does. */
static void rule_case(fixture_case *c, const char *rule)
{
    size_t p[5];
    assert_int_equal(sscanf(rule, "mod %zu %zu %zu %zu %zu", &p[0], &p[1],
                            &p[2], &p[3], &p[4]),
                     5);
    c->n = p[0];
    c->y = calloc(c->n + 1, 1);
    c->s = calloc(c->n + 1, sizeof *c->s);
    assert_non_null(c->y);
    assert_non_null(c->s);
    for (size_t i = 0; i < c->n; i++) {
        c->s[i] = (double)((uint64_t)i * p[1] % p[2]) / (double)p[2];
        c->y[i] = i % p[3] == p[4];
    }
}

/* Reads labels and scores of a case from its lines and builds its sweep. */
static void finish_case(fixture_case *c)
{
    const fixture_line *rule = find_line(c, "rule");
    if (rule != NULL) {
        rule_case(c, rule->rest);
    } else {
        const fixture_line *n = find_line(c, "n");
        const fixture_line *labels = find_line(c, "labels");
        const fixture_line *scores = find_line(c, "scores");
        assert_non_null(n);
        assert_non_null(labels);
        assert_non_null(scores);
        c->n = (size_t)strtoull(n->rest, NULL, 10);
        size_t *y = calloc(c->n + 1, sizeof *y);
        c->y = calloc(c->n + 1, 1);
        c->s = calloc(c->n + 1, sizeof *c->s);
        assert_non_null(y);
        assert_non_null(c->y);
        assert_non_null(c->s);
        assert_int_equal(read_sizes(labels->rest, y, c->n), c->n);
        assert_int_equal(read_doubles(scores->rest, c->s, c->n), c->n);
        for (size_t i = 0; i < c->n; i++)
            c->y[i] = (unsigned char)y[i];
        free(y);
    }
    sk_error err = {""};
    assert_int_equal(sk_sweep_new(c->s, c->y, c->n, &c->sweep, &err), SK_OK);
}

static void add_line(fixture_case *c, char *line)
{
    line[strcspn(line, "\n")] = '\0';
    char *space = strchr(line, ' ');
    fixture_line entry = {line, line + strlen(line)};
    if (space != NULL) {
        *space = '\0';
        entry.rest = space + 1;
    }
    fixture_line *grown = realloc(c->lines, (c->line_count + 1) * sizeof *grown);
    assert_non_null(grown);
    c->lines = grown;
    c->lines[c->line_count++] = entry;
}

static int load_fixtures(void **state)
{
    const char *path = SK_TEST_FIXTURES "/metrics/cases.txt";
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        print_error("cannot open %s\n", path);
        return -1;
    }
    fixture_set *set = calloc(1, sizeof *set);
    assert_non_null(set);
    fixture_case *current = NULL;
    char *line = NULL;
    size_t capacity = 0;
    while (getline(&line, &capacity, f) > 0) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        char *copy = strdup(line);
        assert_non_null(copy);
        if (strncmp(copy, "case ", 5) == 0) {
            fixture_case *grown = realloc(set->cases, (set->count + 1) * sizeof *grown);
            assert_non_null(grown);
            set->cases = grown;
            current = &set->cases[set->count++];
            *current = (fixture_case){0};
            copy[strcspn(copy, "\n")] = '\0';
            current->name = copy + 5;
            continue;
        }
        assert_non_null(current);
        if (strncmp(copy, "end", 3) == 0) {
            free(copy);
            finish_case(current);
            current = NULL;
            continue;
        }
        add_line(current, copy);
    }
    free(line);
    fclose(f);
    *state = set;
    return 0;
}

static int free_fixtures(void **state)
{
    fixture_set *set = *state;
    for (size_t i = 0; i < set->count; i++) {
        fixture_case *c = &set->cases[i];
        sk_sweep_free(c->sweep);
        free(c->y);
        free(c->s);
        for (size_t l = 0; l < c->line_count; l++)
            free(c->lines[l].key);
        free(c->lines);
        free(c->name - 5);
    }
    free(set->cases);
    free(set);
    return 0;
}

/* ---- fixture tests ----------------------------------------------------- */

static void fixtures_cover_required_cases(void **state)
{
    fixture_set *set = *state;
    assert_true(set->count >= 200);
    const char *required[] = {"random_", "ties_", "all_equal_", "one_class_",
                              "n1_", "n2_", "imbalance_1_in_100000",
                              "integers_", "logits_", "slightly_above_one"};
    for (size_t r = 0; r < sizeof required / sizeof *required; r++) {
        bool found = false;
        for (size_t i = 0; i < set->count && !found; i++)
            found = strncmp(set->cases[i].name, required[r], strlen(required[r])) == 0;
        if (!found)
            print_error("no fixture case starts with %s\n", required[r]);
        assert_true(found);
    }
}

static void fixtures_threshold_free(void **state)
{
    fixture_set *set = *state;
    tally t = {0, NULL};
    for (size_t i = 0; i < set->count; i++) {
        fixture_case *c = &set->cases[i];
        t.case_name = c->name;
        double v[4] = {0.0, 0.0, 0.0, 0.0};
        read_doubles(find_line(c, "roc_auc")->rest, v, 1);
        check_double(&t, "roc_auc", 0, v[0], sk_sweep_roc_auc(c->sweep));
        read_doubles(find_line(c, "average_precision")->rest, v, 1);
        check_double(&t, "average_precision", 0, v[0],
                     sk_sweep_average_precision(c->sweep));
        read_doubles(find_line(c, "log_loss")->rest, v, 1);
        check_double(&t, "log_loss", 0, v[0], sk_log_loss(c->s, c->y, c->n));
        read_doubles(find_line(c, "brier")->rest, v, 1);
        check_double(&t, "brier", 0, v[0], sk_brier(c->s, c->y, c->n));

        assert_int_equal(read_doubles(find_line(c, "range")->rest, v, 4), 4);
        check_double(&t, "min_score", 0, v[0], sk_sweep_min_score(c->sweep));
        check_double(&t, "max_score", 0, v[1], sk_sweep_max_score(c->sweep));
        check_size(&t, "distinct", 0, (size_t)v[2], sk_sweep_distinct(c->sweep));
        check_size(&t, "positives", 0, (size_t)v[3], sk_sweep_positives(c->sweep));
        check_size(&t, "count", 0, c->n, sk_sweep_count(c->sweep));
        bool probability = find_line(c, "calibration") != NULL;
        if (probability != sk_sweep_is_probability(c->sweep))
            report(&t, "is_probability: expected %d", probability);
    }
    if (t.failures > 0)
        print_error("%zu mismatches\n", t.failures);
    assert_int_equal(t.failures, 0);
}

/* Compares one "threshold" line and the "rates" line after it. */
static void check_threshold_lines(tally *t, const fixture_case *c,
                                  const fixture_line *threshold,
                                  const fixture_line *rates_line)
{
    double th;
    size_t counts[5];
    char *end;
    th = strtod(threshold->rest, &end);
    assert_int_equal(read_sizes(end, counts, 5), 5);
    double r[15];
    assert_int_equal(read_doubles(rates_line->rest, r, 15), 15);

    sk_confusion m = sk_sweep_confusion(c->sweep, th);
    check_size(t, "tp", 0, counts[0], m.tp);
    check_size(t, "fp", 0, counts[1], m.fp);
    check_size(t, "tn", 0, counts[2], m.tn);
    check_size(t, "fn", 0, counts[3], m.fn);

    sk_rates a = sk_rates_from_confusion(m);
    check_size(t, "undefined flags", 0, counts[4], a.undefined);
    const char *names[] = {"accuracy", "baseline", "precision", "recall",
                           "specificity", "npv", "f1", "f2", "f0.5",
                           "balanced_accuracy", "mcc", "kappa", "gmean",
                           "prevalence", "predicted_positive_rate"};
    /* scikit-learn's kappa is NaN where skewtop's is 0 and flagged. */
    double kappa_expected = isnan(r[11]) ? 0.0 : r[11];
    double actual[15] = {a.accuracy, a.baseline, a.precision, a.recall,
                         a.specificity, a.npv, a.f1, sk_fbeta(m, 2.0),
                         sk_fbeta(m, 0.5), a.balanced_accuracy, a.mcc, a.kappa,
                         a.gmean, a.prevalence, a.predicted_positive_rate};
    r[11] = kappa_expected;
    for (int k = 0; k < 15; k++) {
        char what[64];
        snprintf(what, sizeof what, "%s at %.17g", names[k], th);
        check_double(t, what, 0, r[k], actual[k]);
    }
}

static void fixtures_confusion_and_rates(void **state)
{
    fixture_set *set = *state;
    tally t = {0, NULL};
    size_t checked = 0;
    for (size_t i = 0; i < set->count; i++) {
        fixture_case *c = &set->cases[i];
        t.case_name = c->name;
        for (size_t l = 0; l + 1 < c->line_count; l++) {
            if (strcmp(c->lines[l].key, "threshold") != 0)
                continue;
            assert_string_equal(c->lines[l + 1].key, "rates");
            check_threshold_lines(&t, c, &c->lines[l], &c->lines[l + 1]);
            checked++;
        }
    }
    assert_true(checked >= 1000);
    if (t.failures > 0)
        print_error("%zu mismatches\n", t.failures);
    assert_int_equal(t.failures, 0);
}

static sk_criterion criterion_by_name(const char *name)
{
    for (int k = 0; k < SK_CRITERION_COUNT; k++) {
        if (strcmp(sk_criterion_name((sk_criterion)k), name) == 0)
            return (sk_criterion)k;
    }
    fail_msg("unknown criterion %s", name);
    return SK_CRITERION_COUNT;
}

static void fixtures_best_thresholds(void **state)
{
    fixture_set *set = *state;
    tally t = {0, NULL};
    for (size_t i = 0; i < set->count; i++) {
        fixture_case *c = &set->cases[i];
        t.case_name = c->name;
        double o[5];
        assert_int_equal(read_doubles(find_line(c, "options")->rest, o, 5), 5);
        sk_criterion_options options = {o[0], o[1], o[2], o[3], o[4]};
        size_t seen = 0;
        for (size_t l = 0; l < c->line_count; l++) {
            if (strcmp(c->lines[l].key, "best") != 0)
                continue;
            char name[64];
            int found;
            double threshold;
            double value;
            char tail[128];
            assert_int_equal(sscanf(c->lines[l].rest, "%63s %d %127s", name,
                                    &found, tail), 3);
            const char *numbers = strstr(c->lines[l].rest, tail);
            double pair[2] = {NAN, NAN};
            assert_int_equal(read_doubles(numbers, pair, 2), 2);
            threshold = pair[0];
            value = pair[1];
            sk_criterion criterion = criterion_by_name(name);
            sk_threshold_choice choice = sk_sweep_best_threshold(c->sweep, criterion,
                                                                 &options);
            seen++;
            if ((int)choice.found != found) {
                report(&t, "best %s: found expected %d", name, found);
                continue;
            }
            if (!found)
                continue;
            if (choice.threshold != threshold)
                report(&t, "best %s: threshold expected %.17g, actual %.17g",
                       name, threshold, choice.threshold);
            check_double(&t, name, 0, value, choice.value);
            sk_confusion at = sk_sweep_confusion(c->sweep, choice.threshold);
            if (memcmp(&at, &choice.confusion, sizeof at) != 0)
                report(&t, "best %s: confusion differs from the threshold's", name);
        }
        check_size(&t, "criteria", 0, SK_CRITERION_COUNT, seen);
    }
    if (t.failures > 0)
        print_error("%zu mismatches\n", t.failures);
    assert_int_equal(t.failures, 0);
}

/*
 * Compares a curve with the sampled points stored under key.  The mapping
 * rules of generate.py apply: the threshold above every score is
 * nextafter(max) in skewtop (scikit-learn: max + 1 or none), and PR recalls
 * without positives are NAN (scikit-learn: 1).
 */
static void check_curve(tally *t, const fixture_case *c, const char *key,
                        const sk_curve *curve, bool pr)
{
    char name[32];
    const fixture_line *header = find_line(c, key);
    size_t points = (size_t)strtoull(header->rest, NULL, 10);
    check_size(t, key, 0, points, curve->points);
    if (points != curve->points)
        return;

    size_t stored = 0;
    snprintf(name, sizeof name, "%s_i", key);
    const fixture_line *line = find_line(c, name);
    stored = count_tokens(line->rest);
    size_t *index = calloc(stored + 1, sizeof *index);
    double *x = calloc(stored + 1, sizeof *x);
    double *y = calloc(stored + 1, sizeof *y);
    double *th = calloc(stored + 1, sizeof *th);
    assert_true(index && x && y && th);
    read_sizes(line->rest, index, stored);
    snprintf(name, sizeof name, "%s_x", key);
    assert_int_equal(read_doubles(find_line(c, name)->rest, x, stored), stored);
    snprintf(name, sizeof name, "%s_y", key);
    assert_int_equal(read_doubles(find_line(c, name)->rest, y, stored), stored);
    snprintf(name, sizeof name, "%s_t", key);
    assert_int_equal(read_doubles(find_line(c, name)->rest, th, stored), stored);

    double above = nextafter(sk_sweep_max_score(c->sweep), INFINITY);
    bool no_positives = sk_sweep_positives(c->sweep) == 0;
    for (size_t j = 0; j < stored; j++) {
        size_t p = index[j];
        bool top = pr ? p == points - 1 : p == 0;
        double expected_t = top ? above : th[j];
        double expected_x = x[j];
        if (pr && no_positives && !top)
            expected_x = NAN;
        snprintf(name, sizeof name, "%s.x", key);
        check_double(t, name, p, expected_x, curve->x[p]);
        snprintf(name, sizeof name, "%s.y", key);
        check_double(t, name, p, y[j], curve->y[p]);
        snprintf(name, sizeof name, "%s.threshold", key);
        check_double(t, name, p, expected_t, curve->thresholds[p]);
    }
    free(index);
    free(x);
    free(y);
    free(th);
}

static void fixtures_curves(void **state)
{
    fixture_set *set = *state;
    tally t = {0, NULL};
    sk_error err = {""};
    for (size_t i = 0; i < set->count; i++) {
        fixture_case *c = &set->cases[i];
        t.case_name = c->name;
        sk_curve curve;
        assert_int_equal(sk_sweep_roc_curve(c->sweep, true, &curve, &err), SK_OK);
        check_curve(&t, c, "roc", &curve, false);
        sk_curve_free(&curve);
        assert_int_equal(sk_sweep_roc_curve(c->sweep, false, &curve, &err), SK_OK);
        check_curve(&t, c, "rocall", &curve, false);
        sk_curve_free(&curve);
        assert_int_equal(sk_sweep_pr_curve(c->sweep, &curve, &err), SK_OK);
        check_curve(&t, c, "pr", &curve, true);
        sk_curve_free(&curve);
    }
    if (t.failures > 0)
        print_error("%zu mismatches\n", t.failures);
    assert_int_equal(t.failures, 0);
}

static void fixtures_calibration(void **state)
{
    fixture_set *set = *state;
    tally t = {0, NULL};
    sk_error err = {""};
    size_t checked = 0;
    for (size_t i = 0; i < set->count; i++) {
        fixture_case *c = &set->cases[i];
        t.case_name = c->name;
        const fixture_line *line = find_line(c, "calibration");
        sk_calibration cal;
        if (line == NULL) {
            assert_int_equal(sk_sweep_calibration(c->sweep, SK_CALIBRATION_BINS,
                                                  &cal, &err), SK_OK);
            if (cal.applicable || !isnan(cal.ece))
                report(&t, "calibration of non-probabilities is applicable");
            sk_calibration_free(&cal);
            continue;
        }
        char *end;
        size_t bins = (size_t)strtoull(line->rest, &end, 10);
        double ece = strtod(end, NULL);
        assert_int_equal(sk_sweep_calibration(c->sweep, bins, &cal, &err), SK_OK);
        if (!cal.applicable)
            report(&t, "calibration not applicable to probabilities");
        check_double(&t, "ece", 0, ece, cal.ece);

        size_t *sizes = calloc(bins, sizeof *sizes);
        double *values = calloc(bins, sizeof *values);
        assert_true(sizes && values);
        assert_int_equal(read_sizes(find_line(c, "cal_count")->rest, sizes, bins), bins);
        for (size_t b = 0; b < bins; b++)
            check_size(&t, "cal_count", b, sizes[b], cal.count[b]);
        assert_int_equal(read_sizes(find_line(c, "cal_pos")->rest, sizes, bins), bins);
        for (size_t b = 0; b < bins; b++)
            check_size(&t, "cal_pos", b, sizes[b], cal.positives[b]);
        assert_int_equal(read_doubles(find_line(c, "cal_mean")->rest, values, bins), bins);
        for (size_t b = 0; b < bins; b++)
            check_double(&t, "cal_mean", b, values[b], cal.mean_score[b]);
        assert_int_equal(read_doubles(find_line(c, "cal_frac")->rest, values, bins), bins);
        for (size_t b = 0; b < bins; b++)
            check_double(&t, "cal_frac", b, values[b], cal.fraction_positive[b]);
        free(sizes);
        free(values);
        sk_calibration_free(&cal);
        checked++;
    }
    assert_true(checked >= 100);
    if (t.failures > 0)
        print_error("%zu mismatches\n", t.failures);
    assert_int_equal(t.failures, 0);
}

static void check_histogram(tally *t, const char *what,
                            const sk_class_histogram *h, const size_t *neg,
                            const size_t *pos)
{
    for (size_t b = 0; b < h->bins; b++) {
        check_size(t, what, b, neg[b], h->negatives[b]);
        check_size(t, what, b, pos[b], h->positives[b]);
    }
}

static void fixtures_histograms(void **state)
{
    fixture_set *set = *state;
    tally t = {0, NULL};
    sk_error err = {""};
    for (size_t i = 0; i < set->count; i++) {
        fixture_case *c = &set->cases[i];
        t.case_name = c->name;
        for (size_t l = 0; l + 2 < c->line_count; l++) {
            if (strcmp(c->lines[l].key, "hist") != 0)
                continue;
            char *end;
            size_t bins = (size_t)strtoull(c->lines[l].rest, &end, 10);
            double range[2] = {NAN, NAN};
            assert_int_equal(read_doubles(end, range, 2), 2);
            size_t *neg = calloc(bins, sizeof *neg);
            size_t *pos = calloc(bins, sizeof *pos);
            assert_true(neg && pos);
            assert_int_equal(read_sizes(c->lines[l + 1].rest, neg, bins), bins);
            assert_int_equal(read_sizes(c->lines[l + 2].rest, pos, bins), bins);

            sk_class_histogram h;
            assert_int_equal(sk_class_histogram_build(c->s, c->y, c->n, bins,
                                                      range[0], range[1], &h, &err),
                             SK_OK);
            check_histogram(&t, "histogram", &h, neg, pos);
            sk_class_histogram_free(&h);
            assert_int_equal(sk_sweep_class_histogram(c->sweep, bins, range[0],
                                                      range[1], &h, &err),
                             SK_OK);
            check_histogram(&t, "sweep histogram", &h, neg, pos);
            sk_class_histogram_free(&h);
            free(neg);
            free(pos);
        }
    }
    if (t.failures > 0)
        print_error("%zu mismatches\n", t.failures);
    assert_int_equal(t.failures, 0);
}

/* ---- naive implementations -------------------------------------------- */

static sk_confusion naive_confusion(const double *s, const unsigned char *y,
                                    size_t n, double threshold)
{
    sk_confusion c = {0, 0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        bool predicted = s[i] >= threshold;
        if (predicted && y[i])
            c.tp++;
        else if (predicted)
            c.fp++;
        else if (y[i])
            c.fn++;
        else
            c.tn++;
    }
    return c;
}

static void assert_confusion_equal(sk_confusion expected, sk_confusion actual)
{
    assert_int_equal(expected.tp, actual.tp);
    assert_int_equal(expected.fp, actual.fp);
    assert_int_equal(expected.tn, actual.tn);
    assert_int_equal(expected.fn, actual.fn);
}

/* Random scores: a mix of continuous values, heavy ties, signed zeros and
 * values far outside [0, 1]. */
static void random_scores(gsl_rng *rng, size_t n, double *s, unsigned char *y)
{
    for (size_t i = 0; i < n; i++) {
        y[i] = gsl_rng_uniform(rng) < 0.1;
        double u = gsl_rng_uniform(rng);
        int kind = (int)gsl_rng_uniform_int(rng, 6);
        switch (kind) {
        case 0:
            s[i] = u;
            break;
        case 1:
            s[i] = round(u * 20.0) / 20.0;
            break;
        case 2:
            s[i] = (u - 0.5) * 1e6;
            break;
        case 3:
            s[i] = u < 0.5 ? 0.0 : -0.0;
            break;
        case 4:
            s[i] = u * 1e-310;
            break;
        default:
            s[i] = y[i] ? 0.6 + 0.4 * u : 0.8 * u;
            break;
        }
    }
}

static int compare_desc(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;
    return (x < y) - (x > y);
}

static void sweep_matches_naive_at_random_thresholds(void **state)
{
    (void)state;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(rng);
    const size_t sizes[] = {0, 1, 2, 63, 64, 65, 1000, 200000};
    for (size_t t = 0; t < sizeof sizes / sizeof *sizes; t++) {
        size_t n = sizes[t];
        double *s = calloc(n + 1, sizeof *s);
        unsigned char *y = calloc(n + 1, 1);
        assert_true(s && y);
        gsl_rng_set(rng, 100 + t);
        random_scores(rng, n, s, y);
        sk_sweep *sweep = NULL;
        sk_error err = {""};
        assert_int_equal(sk_sweep_new(s, y, n, &sweep, &err), SK_OK);
        assert_int_equal(sk_sweep_count(sweep), n);

        /* Levels are strictly descending and equal the distinct scores. */
        double *sorted = calloc(n + 1, sizeof *sorted);
        assert_non_null(sorted);
        memcpy(sorted, s, n * sizeof *s);
        qsort(sorted, n, sizeof *sorted, compare_desc);
        size_t distinct = 0;
        for (size_t i = 0; i < n; i++) {
            if (i == 0 || sorted[i] != sorted[i - 1]) {
                assert_true(sk_sweep_score_at(sweep, distinct) == sorted[i]);
                distinct++;
            }
        }
        assert_int_equal(sk_sweep_distinct(sweep), distinct);

        for (int k = 0; k < 300 && n > 0; k++) {
            double th;
            size_t pick = gsl_rng_uniform_int(rng, n);
            switch (k % 4) {
            case 0:
                th = s[pick];
                break;
            case 1:
                th = nextafter(s[pick], INFINITY);
                break;
            case 2:
                th = nextafter(s[pick], -INFINITY);
                break;
            default:
                th = (gsl_rng_uniform(rng) - 0.5) * 3.0;
                break;
            }
            assert_confusion_equal(naive_confusion(s, y, n, th),
                                   sk_sweep_confusion(sweep, th));
        }
        for (size_t k = 0; k < distinct; k += 1 + distinct / 50) {
            double th = sk_sweep_score_at(sweep, k);
            assert_confusion_equal(naive_confusion(s, y, n, th),
                                   sk_sweep_confusion_at(sweep, k));
        }
        assert_confusion_equal(naive_confusion(s, y, n, INFINITY),
                               sk_sweep_confusion(sweep, INFINITY));
        assert_confusion_equal(naive_confusion(s, y, n, -INFINITY),
                               sk_sweep_confusion(sweep, -INFINITY));
        sk_confusion none = sk_sweep_confusion(sweep, NAN);
        assert_int_equal(none.tp + none.fp, 0);
        free(sorted);
        free(s);
        free(y);
        sk_sweep_free(sweep);
    }
    gsl_rng_free(rng);
}

/* Pair counting: AUC = P(score_pos > score_neg) + P(tie) / 2, and AP as the
 * sum over positives' levels of precision times the recall step. */
static void areas_match_naive(void **state)
{
    (void)state;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(rng);
    for (unsigned trial = 0; trial < 20; trial++) {
        size_t n = 50 + 97 * trial;
        double *s = calloc(n, sizeof *s);
        unsigned char *y = calloc(n, 1);
        assert_true(s && y);
        gsl_rng_set(rng, 7 + trial);
        random_scores(rng, n, s, y);
        y[0] = 1;
        y[1] = 0;

        uint64_t twice = 0;
        size_t positives = 0;
        size_t negatives = 0;
        for (size_t i = 0; i < n; i++) {
            positives += y[i];
            negatives += !y[i];
            if (!y[i])
                continue;
            for (size_t j = 0; j < n; j++) {
                if (y[j])
                    continue;
                if (s[i] > s[j])
                    twice += 2;
                else if (s[i] == s[j])
                    twice += 1;
            }
        }
        double auc = (double)twice / (2.0 * (double)positives * (double)negatives);

        double ap = 0.0;
        sk_sweep *sweep = NULL;
        sk_error err = {""};
        assert_int_equal(sk_sweep_new(s, y, n, &sweep, &err), SK_OK);
        double previous_recall = 0.0;
        for (size_t k = 0; k < sk_sweep_distinct(sweep); k++) {
            sk_confusion c = naive_confusion(s, y, n, sk_sweep_score_at(sweep, k));
            double recall = (double)c.tp / (double)positives;
            ap += (recall - previous_recall) * (double)c.tp / (double)(c.tp + c.fp);
            previous_recall = recall;
        }
        assert_close(auc, sk_sweep_roc_auc(sweep), 1e-15);
        assert_close(ap, sk_sweep_average_precision(sweep), 1e-12);

        /* The trapezoid under the dropped-point ROC curve is the same area. */
        sk_curve roc;
        assert_int_equal(sk_sweep_roc_curve(sweep, true, &roc, &err), SK_OK);
        double area = 0.0;
        for (size_t p = 1; p < roc.points; p++)
            area += (roc.x[p] - roc.x[p - 1]) * (roc.y[p] + roc.y[p - 1]) / 2.0;
        assert_close(auc, area, 1e-12);
        sk_curve_free(&roc);
        sk_sweep_free(sweep);
        free(s);
        free(y);
    }
    gsl_rng_free(rng);
}

static double naive_criterion(sk_criterion criterion, sk_confusion c,
                              const sk_criterion_options *o, bool *feasible)
{
    sk_rates r = sk_rates_from_confusion(c);
    double n = (double)(c.tp + c.fp + c.tn + c.fn);
    *feasible = true;
    switch (criterion) {
    case SK_CRITERION_F1:
        return r.f1;
    case SK_CRITERION_FBETA:
        return sk_fbeta(c, o->beta);
    case SK_CRITERION_YOUDEN:
        return r.recall + r.specificity - 1.0;
    case SK_CRITERION_BALANCED_ACCURACY:
        return r.balanced_accuracy;
    case SK_CRITERION_MCC:
        return r.mcc;
    case SK_CRITERION_COST:
        return -(o->cost_fn * (double)c.fn + o->cost_fp * (double)c.fp) / n;
    case SK_CRITERION_RECALL_AT_PRECISION:
        *feasible = r.precision >= o->min_precision;
        return r.recall;
    default:
        *feasible = r.recall >= o->min_recall;
        return r.precision;
    }
}

/* A naive scan over the same candidates with O(n) confusion matrices. */
static void best_threshold_matches_naive_scan(void **state)
{
    (void)state;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(rng);
    sk_criterion_options options = sk_criterion_defaults();
    options.cost_fn = 7.0;
    for (unsigned trial = 0; trial < 12; trial++) {
        size_t n = 20 + 53 * trial;
        double *s = calloc(n, sizeof *s);
        unsigned char *y = calloc(n, 1);
        assert_true(s && y);
        gsl_rng_set(rng, 300 + trial);
        random_scores(rng, n, s, y);
        sk_sweep *sweep = NULL;
        sk_error err = {""};
        assert_int_equal(sk_sweep_new(s, y, n, &sweep, &err), SK_OK);
        for (int k = 0; k < SK_CRITERION_COUNT; k++) {
            bool found = false;
            double best = 0.0;
            double best_threshold = NAN;
            size_t distinct = sk_sweep_distinct(sweep);
            for (size_t rank = 0; rank <= distinct; rank++) {
                double th = rank == 0 ? nextafter(sk_sweep_max_score(sweep), INFINITY)
                                      : sk_sweep_score_at(sweep, rank - 1);
                bool feasible;
                double v = naive_criterion((sk_criterion)k,
                                           naive_confusion(s, y, n, th), &options,
                                           &feasible);
                if (feasible && (!found || v - best > SK_CRITERION_TIE_TOLERANCE * fabs(best))) {
                    found = true;
                    best = v;
                    best_threshold = th;
                }
            }
            sk_threshold_choice choice = sk_sweep_best_threshold(sweep, (sk_criterion)k,
                                                                 &options);
            assert_int_equal(choice.found, found);
            if (!found)
                continue;
            if (k == SK_CRITERION_COST)
                best = -best;
            assert_true(choice.threshold == best_threshold);
            assert_close(best, choice.value, 1e-15);
        }
        sk_sweep_free(sweep);
        free(s);
        free(y);
    }
    gsl_rng_free(rng);
}

/* Naive calibration: scikit-learn's binning written out with a linear scan
 * over the edges. */
static void calibration_matches_naive(void **state)
{
    (void)state;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(rng);
    gsl_rng_set(rng, 99);
    size_t n = 5000;
    double *s = calloc(n, sizeof *s);
    unsigned char *y = calloc(n, 1);
    assert_true(s && y);
    for (size_t i = 0; i < n; i++) {
        s[i] = i % 3 == 0 ? (double)gsl_rng_uniform_int(rng, 8) / 7.0
                          : gsl_rng_uniform(rng);
        y[i] = gsl_rng_uniform(rng) < s[i];
    }
    sk_sweep *sweep = NULL;
    sk_error err = {""};
    assert_int_equal(sk_sweep_new(s, y, n, &sweep, &err), SK_OK);
    const size_t bin_counts[] = {1, 2, 7, 10, 13};
    for (size_t t = 0; t < sizeof bin_counts / sizeof *bin_counts; t++) {
        size_t bins = bin_counts[t];
        sk_calibration cal;
        assert_int_equal(sk_sweep_calibration(sweep, bins, &cal, &err), SK_OK);
        assert_true(cal.applicable);
        size_t *count = calloc(bins, sizeof *count);
        size_t *pos = calloc(bins, sizeof *pos);
        double *sum = calloc(bins, sizeof *sum);
        assert_true(count && pos && sum);
        for (size_t i = 0; i < n; i++) {
            size_t b = 0;
            while (b + 1 < bins && s[i] > cal.edges[b + 1])
                b++;
            count[b]++;
            pos[b] += y[i];
            sum[b] += s[i];
        }
        double ece = 0.0;
        for (size_t b = 0; b < bins; b++) {
            assert_int_equal(count[b], cal.count[b]);
            assert_int_equal(pos[b], cal.positives[b]);
            if (count[b] == 0)
                continue;
            assert_close(sum[b] / (double)count[b], cal.mean_score[b], 1e-12);
            double frac = (double)pos[b] / (double)count[b];
            ece += (double)count[b] / (double)n * fabs(frac - sum[b] / (double)count[b]);
        }
        assert_close(ece, cal.ece, 1e-12);
        free(count);
        free(pos);
        free(sum);
        sk_calibration_free(&cal);
    }
    sk_sweep_free(sweep);
    free(s);
    free(y);
    gsl_rng_free(rng);
}

/* Histograms from the raw scores and from the sweep agree, values outside
 * the range included. */
static void histograms_agree(void **state)
{
    (void)state;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(rng);
    gsl_rng_set(rng, 5);
    size_t n = 20000;
    double *s = calloc(n, sizeof *s);
    unsigned char *y = calloc(n, 1);
    assert_true(s && y);
    random_scores(rng, n, s, y);
    sk_sweep *sweep = NULL;
    sk_error err = {""};
    assert_int_equal(sk_sweep_new(s, y, n, &sweep, &err), SK_OK);
    const double ranges[][2] = {{0.0, 1.0}, {-1.0, 2.0}, {0.2, 0.3}, {-1e5, 1e5}};
    for (size_t r = 0; r < 4; r++) {
        for (size_t bins = 1; bins < 60; bins += 7) {
            sk_class_histogram a;
            sk_class_histogram b;
            assert_int_equal(sk_class_histogram_build(s, y, n, bins, ranges[r][0],
                                                      ranges[r][1], &a, &err), SK_OK);
            assert_int_equal(sk_sweep_class_histogram(sweep, bins, ranges[r][0],
                                                      ranges[r][1], &b, &err), SK_OK);
            size_t total = 0;
            for (size_t k = 0; k < bins; k++) {
                assert_int_equal(a.negatives[k], b.negatives[k]);
                assert_int_equal(a.positives[k], b.positives[k]);
                total += a.negatives[k] + a.positives[k];
            }
            assert_int_equal(total, n);
            sk_class_histogram_free(&a);
            sk_class_histogram_free(&b);
        }
    }
    sk_sweep_free(sweep);
    free(s);
    free(y);
    gsl_rng_free(rng);
}

/* ---- input checks ------------------------------------------------------ */

static void sweep_rejects_bad_scores(void **state)
{
    (void)state;
    double s[] = {0.1, 0.2, NAN, INFINITY};
    unsigned char y[] = {0, 1, 0, 1};
    sk_sweep *sweep = (sk_sweep *)&sweep;
    sk_error err = {""};
    assert_int_equal(sk_sweep_new(s, y, 4, &sweep, &err), SK_ERR_INPUT);
    assert_null(sweep);
    assert_non_null(strstr(err.message, "row 3"));
    assert_non_null(strstr(err.message, "nan"));

    s[2] = 0.3;
    assert_int_equal(sk_sweep_new(s, y, 4, &sweep, &err), SK_ERR_INPUT);
    assert_non_null(strstr(err.message, "row 4"));
    assert_non_null(strstr(err.message, "inf"));

    s[3] = -INFINITY;
    assert_int_equal(sk_sweep_new(s, y, 4, &sweep, &err), SK_ERR_INPUT);
    assert_non_null(strstr(err.message, "row 4"));

    s[3] = 0.4;
    y[1] = 2;
    assert_int_equal(sk_sweep_new(s, y, 4, &sweep, &err), SK_ERR_INPUT);
    assert_non_null(strstr(err.message, "label in row 2"));

    sk_class_histogram h;
    s[0] = NAN;
    y[1] = 1;
    assert_int_equal(sk_class_histogram_build(s, y, 4, 10, 0.0, 1.0, &h, &err),
                     SK_ERR_INPUT);
    assert_non_null(strstr(err.message, "row 1"));
    s[0] = 0.1;
    assert_int_equal(sk_class_histogram_build(s, y, 4, 0, 0.0, 1.0, &h, &err),
                     SK_ERR_INPUT);
    assert_int_equal(sk_class_histogram_build(s, y, 4, 3, 1.0, 1.0, &h, &err),
                     SK_ERR_INPUT);
    assert_int_equal(sk_class_histogram_build(s, y, 4, 3, 0.0, NAN, &h, &err),
                     SK_ERR_INPUT);
}

static void empty_sweep(void **state)
{
    (void)state;
    sk_sweep *sweep = NULL;
    sk_error err = {""};
    assert_int_equal(sk_sweep_new(NULL, NULL, 0, &sweep, &err), SK_OK);
    assert_int_equal(sk_sweep_count(sweep), 0);
    assert_int_equal(sk_sweep_distinct(sweep), 0);
    assert_true(isnan(sk_sweep_roc_auc(sweep)));
    assert_true(isnan(sk_sweep_average_precision(sweep)));
    assert_true(isnan(sk_sweep_min_score(sweep)));
    assert_false(sk_sweep_is_probability(sweep));
    sk_confusion c = sk_sweep_confusion(sweep, 0.5);
    assert_int_equal(c.tp + c.fp + c.tn + c.fn, 0);
    sk_rates r = sk_rates_from_confusion(c);
    assert_true(r.undefined & SK_UNDEF_PRECISION);
    assert_true(r.undefined & SK_UNDEF_BALANCED);
    assert_false(sk_sweep_best_threshold(sweep, SK_CRITERION_F1, NULL).found);
    sk_curve curve;
    assert_int_equal(sk_sweep_roc_curve(sweep, true, &curve, &err), SK_OK);
    assert_int_equal(curve.points, 0);
    sk_curve_free(&curve);
    assert_int_equal(sk_sweep_pr_curve(sweep, &curve, &err), SK_OK);
    assert_int_equal(curve.points, 0);
    sk_curve_free(&curve);
    sk_calibration cal;
    assert_int_equal(sk_sweep_calibration(sweep, 10, &cal, &err), SK_OK);
    assert_false(cal.applicable);
    sk_calibration_free(&cal);
    assert_int_equal(sk_sweep_calibration(sweep, 0, &cal, &err), SK_ERR_INPUT);
    sk_bootstrap_result boot;
    assert_int_equal(sk_sweep_bootstrap(sweep, 0.5, NULL, &boot, &err), SK_ERR_INPUT);
    assert_true(isnan(sk_log_loss(NULL, NULL, 0)));
    assert_true(isnan(sk_brier(NULL, NULL, 0)));
    sk_sweep_free(sweep);
}

static void criterion_options_checked(void **state)
{
    (void)state;
    double s[] = {0.1, 0.4, 0.35, 0.8};
    unsigned char y[] = {0, 0, 1, 1};
    sk_sweep *sweep = NULL;
    sk_error err = {""};
    assert_int_equal(sk_sweep_new(s, y, 4, &sweep, &err), SK_OK);
    sk_criterion_options o = sk_criterion_defaults();
    assert_close(2.0, o.beta, 0.0);
    o.beta = -1.0;
    assert_false(sk_sweep_best_threshold(sweep, SK_CRITERION_FBETA, &o).found);
    o = sk_criterion_defaults();
    o.cost_fn = 0.0;
    o.cost_fp = 0.0;
    assert_false(sk_sweep_best_threshold(sweep, SK_CRITERION_COST, &o).found);
    assert_false(sk_sweep_best_threshold(sweep, SK_CRITERION_COUNT, NULL).found);
    assert_string_equal(sk_criterion_name(SK_CRITERION_YOUDEN), "youden");
    assert_string_equal(sk_criterion_name(SK_CRITERION_COUNT), "unknown");

    /* A false positive costs 100 times a false negative: stop above the
     * highest negative, at 0.8, which costs one false negative in four. */
    o = sk_criterion_defaults();
    o.cost_fp = 100.0;
    sk_threshold_choice c = sk_sweep_best_threshold(sweep, SK_CRITERION_COST, &o);
    assert_true(c.found);
    assert_close(0.8, c.threshold, 0.0);
    assert_close(0.25, c.value, 0.0);

    /* With a negative on top, predicting nothing positive is cheapest. */
    sk_sweep *top_negative = NULL;
    s[0] = 0.9;
    assert_int_equal(sk_sweep_new(s, y, 4, &top_negative, &err), SK_OK);
    c = sk_sweep_best_threshold(top_negative, SK_CRITERION_COST, &o);
    assert_true(c.found);
    assert_true(c.threshold > 0.9);
    assert_true(c.threshold == nextafter(0.9, 1.0));
    assert_int_equal(c.confusion.tp + c.confusion.fp, 0);
    assert_close(0.5, c.value, 0.0);
    sk_sweep_free(top_negative);

    /* Precision >= 1 is reachable only at the top score. */
    o = sk_criterion_defaults();
    o.min_precision = 1.0;
    c = sk_sweep_best_threshold(sweep, SK_CRITERION_RECALL_AT_PRECISION, &o);
    assert_true(c.found);
    assert_close(0.8, c.threshold, 0.0);
    assert_close(0.5, c.value, 0.0);
    o.min_precision = 1.5;
    assert_false(sk_sweep_best_threshold(sweep, SK_CRITERION_RECALL_AT_PRECISION,
                                         &o).found);
    sk_sweep_free(sweep);
}

/* ---- bootstrap --------------------------------------------------------- */

static void bootstrap_is_deterministic(void **state)
{
    (void)state;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(rng);
    gsl_rng_set(rng, 17);
    size_t n = 3000;
    double *s = calloc(n, sizeof *s);
    unsigned char *y = calloc(n, 1);
    assert_true(s && y);
    random_scores(rng, n, s, y);
    sk_sweep *sweep = NULL;
    sk_error err = {""};
    assert_int_equal(sk_sweep_new(s, y, n, &sweep, &err), SK_OK);

    sk_bootstrap_options o = sk_bootstrap_defaults();
    assert_int_equal(o.resamples, 1000);
    assert_close(0.95, o.confidence, 0.0);
    o.resamples = 200;
    sk_bootstrap_result a;
    sk_bootstrap_result b;
    assert_int_equal(sk_sweep_bootstrap(sweep, 0.5, &o, &a, &err), SK_OK);
    assert_int_equal(sk_sweep_bootstrap(sweep, 0.5, &o, &b, &err), SK_OK);
    assert_int_equal(a.resamples, 200);
    assert_false(a.cancelled);
    for (int m = 0; m < SK_BOOTSTRAP_COUNT; m++) {
        assert_true(a.metric[m].lo == b.metric[m].lo);
        assert_true(a.metric[m].hi == b.metric[m].hi);
        assert_true(a.metric[m].lo <= a.metric[m].estimate + 0.05);
        assert_true(a.metric[m].lo <= a.metric[m].hi);
        assert_true(a.metric[m].hi >= a.metric[m].estimate - 0.05);
    }
    o.seed = 18;
    assert_int_equal(sk_sweep_bootstrap(sweep, 0.5, &o, &b, &err), SK_OK);
    assert_true(a.metric[SK_BOOTSTRAP_ROC_AUC].lo != b.metric[SK_BOOTSTRAP_ROC_AUC].lo ||
                a.metric[SK_BOOTSTRAP_ROC_AUC].hi != b.metric[SK_BOOTSTRAP_ROC_AUC].hi);
    assert_string_equal(sk_bootstrap_metric_name(SK_BOOTSTRAP_AVERAGE_PRECISION),
                        "average_precision");

    o.resamples = 0;
    assert_int_equal(sk_sweep_bootstrap(sweep, 0.5, &o, &a, &err), SK_ERR_INPUT);
    o.resamples = 10;
    o.confidence = 1.0;
    assert_int_equal(sk_sweep_bootstrap(sweep, 0.5, &o, &a, &err), SK_ERR_INPUT);
    sk_sweep_free(sweep);
    free(s);
    free(y);
    gsl_rng_free(rng);
}

/* Materializes each resample with the same draws and builds a new sweep: the
 * fast path must give the same intervals. */
static void bootstrap_matches_naive(void **state)
{
    (void)state;
    gsl_rng *data_rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    assert_true(data_rng && rng);
    gsl_rng_set(data_rng, 23);
    size_t n = 400;
    double *s = calloc(n, sizeof *s);
    unsigned char *y = calloc(n, 1);
    assert_true(s && y);
    random_scores(data_rng, n, s, y);
    sk_sweep *sweep = NULL;
    sk_error err = {""};
    assert_int_equal(sk_sweep_new(s, y, n, &sweep, &err), SK_OK);

    size_t positives = sk_sweep_positives(sweep);
    size_t negatives = n - positives;
    double *pos = calloc(positives, sizeof *pos);
    double *neg = calloc(negatives, sizeof *neg);
    assert_true(pos && neg);
    size_t np = 0;
    size_t nn = 0;
    for (size_t i = 0; i < n; i++) {
        if (y[i])
            pos[np++] = s[i] == 0.0 ? 0.0 : s[i];
        else
            neg[nn++] = s[i] == 0.0 ? 0.0 : s[i];
    }
    qsort(pos, positives, sizeof *pos, compare_desc);
    qsort(neg, negatives, sizeof *neg, compare_desc);

    const double threshold = 0.5;
    const size_t resamples = 300;
    sk_bootstrap_options o = sk_bootstrap_defaults();
    o.resamples = resamples;
    o.seed = 4242;
    o.confidence = 0.9;
    sk_bootstrap_result fast;
    assert_int_equal(sk_sweep_bootstrap(sweep, threshold, &o, &fast, &err), SK_OK);

    gsl_rng_set(rng, o.seed);
    double *values[SK_BOOTSTRAP_COUNT];
    for (int m = 0; m < SK_BOOTSTRAP_COUNT; m++) {
        values[m] = calloc(resamples, sizeof *values[m]);
        assert_non_null(values[m]);
    }
    double *rs = calloc(n, sizeof *rs);
    unsigned char *ry = calloc(n, 1);
    assert_true(rs && ry);
    for (size_t b = 0; b < resamples; b++) {
        for (size_t i = 0; i < positives; i++) {
            rs[i] = pos[gsl_rng_uniform_int(rng, positives)];
            ry[i] = 1;
        }
        for (size_t i = 0; i < negatives; i++) {
            rs[positives + i] = neg[gsl_rng_uniform_int(rng, negatives)];
            ry[positives + i] = 0;
        }
        sk_sweep *resample = NULL;
        assert_int_equal(sk_sweep_new(rs, ry, n, &resample, &err), SK_OK);
        sk_rates r = sk_rates_from_confusion(sk_sweep_confusion(resample, threshold));
        values[SK_BOOTSTRAP_PRECISION][b] = r.precision;
        values[SK_BOOTSTRAP_RECALL][b] = r.recall;
        values[SK_BOOTSTRAP_F1][b] = r.f1;
        values[SK_BOOTSTRAP_BALANCED_ACCURACY][b] = r.balanced_accuracy;
        values[SK_BOOTSTRAP_ROC_AUC][b] = sk_sweep_roc_auc(resample);
        values[SK_BOOTSTRAP_AVERAGE_PRECISION][b] = sk_sweep_average_precision(resample);
        sk_sweep_free(resample);
    }
    for (int m = 0; m < SK_BOOTSTRAP_COUNT; m++) {
        gsl_sort(values[m], 1, resamples);
        double lo = gsl_stats_quantile_from_sorted_data(values[m], 1, resamples, 0.05);
        double hi = gsl_stats_quantile_from_sorted_data(values[m], 1, resamples, 0.95);
        assert_close(lo, fast.metric[m].lo, 1e-12);
        assert_close(hi, fast.metric[m].hi, 1e-12);
        free(values[m]);
    }
    sk_rates r = sk_rates_from_confusion(sk_sweep_confusion(sweep, threshold));
    assert_close(r.f1, fast.metric[SK_BOOTSTRAP_F1].estimate, 0.0);
    assert_close(sk_sweep_roc_auc(sweep), fast.metric[SK_BOOTSTRAP_ROC_AUC].estimate, 0.0);
    free(rs);
    free(ry);
    free(pos);
    free(neg);
    free(s);
    free(y);
    sk_sweep_free(sweep);
    gsl_rng_free(rng);
    gsl_rng_free(data_rng);
}

/* Builds positives of which `above` score 1 and the rest 0, plus negatives
 * scoring 0, so recall at threshold 0.5 is above / positives. */
static sk_sweep *recall_case(size_t positives, size_t above, size_t negatives)
{
    size_t n = positives + negatives;
    double *s = calloc(n, sizeof *s);
    unsigned char *y = calloc(n, 1);
    assert_true(s && y);
    for (size_t i = 0; i < positives; i++) {
        y[i] = 1;
        s[i] = i < above ? 1.0 : 0.0;
    }
    sk_sweep *sweep = NULL;
    sk_error err = {""};
    assert_int_equal(sk_sweep_new(s, y, n, &sweep, &err), SK_OK);
    free(s);
    free(y);
    return sweep;
}

/* Smallest k with P(Binomial(trials, p) <= k) >= q. */
static unsigned binomial_quantile(double q, double p, unsigned trials)
{
    for (unsigned k = 0; k < trials; k++) {
        if (gsl_cdf_binomial_P(k, p, trials) >= q)
            return k;
    }
    return trials;
}

/* The bootstrap distribution of recall under stratified resampling is
 * Binomial(P, recall) / P, so with many resamples the interval ends sit at
 * its quantiles, within one step of 1 / P. */
static void bootstrap_recall_is_binomial(void **state)
{
    (void)state;
    const unsigned positives = 80;
    const unsigned above = 56;
    sk_sweep *sweep = recall_case(positives, above, 40);
    sk_bootstrap_options o = sk_bootstrap_defaults();
    o.resamples = 20000;
    o.seed = 3;
    sk_bootstrap_result r;
    sk_error err = {""};
    assert_int_equal(sk_sweep_bootstrap(sweep, 0.5, &o, &r, &err), SK_OK);
    double p = (double)above / positives;
    double lo = binomial_quantile(0.025, p, positives) / (double)positives;
    double hi = binomial_quantile(0.975, p, positives) / (double)positives;
    const double step = 1.0 / positives;
    assert_close(p, r.metric[SK_BOOTSTRAP_RECALL].estimate, 1e-15);
    if (fabs(r.metric[SK_BOOTSTRAP_RECALL].lo - lo) > step ||
        fabs(r.metric[SK_BOOTSTRAP_RECALL].hi - hi) > step)
        fail_msg("recall interval [%g, %g], binomial quantiles [%g, %g], "
                 "tolerance %g",
                 r.metric[SK_BOOTSTRAP_RECALL].lo, r.metric[SK_BOOTSTRAP_RECALL].hi,
                 lo, hi, step);
    sk_sweep_free(sweep);
}

/* Over many data sets drawn with true recall 0.7, the 95 % interval
 * contains 0.7 in about 95 % of them.  With 400 data sets the standard error
 * of the coverage is about 0.011, and the bounds leave four of them below
 * and three above. */
static void bootstrap_recall_coverage(void **state)
{
    (void)state;
    const double true_recall = 0.7;
    const unsigned data_sets = 400;
    const unsigned positives = 100;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(rng);
    unsigned covered = 0;
    for (unsigned d = 0; d < data_sets; d++) {
        gsl_rng_set(rng, 1000 + d);
        unsigned above = 0;
        for (unsigned i = 0; i < positives; i++)
            above += gsl_rng_uniform(rng) < true_recall;
        sk_sweep *sweep = recall_case(positives, above, 10);
        sk_bootstrap_options o = sk_bootstrap_defaults();
        o.resamples = 500;
        o.seed = 77 + d;
        sk_bootstrap_result r;
        sk_error err = {""};
        assert_int_equal(sk_sweep_bootstrap(sweep, 0.5, &o, &r, &err), SK_OK);
        covered += r.metric[SK_BOOTSTRAP_RECALL].lo <= true_recall &&
                   true_recall <= r.metric[SK_BOOTSTRAP_RECALL].hi;
        sk_sweep_free(sweep);
    }
    double coverage = (double)covered / data_sets;
    print_message("bootstrap coverage of recall %.2f: %.4f over %u data sets\n",
                  true_recall, coverage, data_sets);
    assert_true(coverage >= 0.905);
    assert_true(coverage <= 0.985);
    gsl_rng_free(rng);
}

static bool stop_after_five(void *context, size_t done, size_t total)
{
    size_t *calls = context;
    (*calls)++;
    assert_true(total == 100);
    return done < 5;
}

static void bootstrap_cancel_and_one_class(void **state)
{
    (void)state;
    sk_sweep *sweep = recall_case(30, 10, 0);
    sk_bootstrap_options o = sk_bootstrap_defaults();
    o.resamples = 100;
    size_t calls = 0;
    o.progress = stop_after_five;
    o.context = &calls;
    sk_bootstrap_result r;
    sk_error err = {""};
    assert_int_equal(sk_sweep_bootstrap(sweep, 0.5, &o, &r, &err), SK_OK);
    assert_true(r.cancelled);
    assert_int_equal(r.resamples, 5);
    assert_int_equal(calls, 5);
    assert_true(isnan(r.metric[SK_BOOTSTRAP_RECALL].lo));

    o.progress = NULL;
    assert_int_equal(sk_sweep_bootstrap(sweep, 0.5, &o, &r, &err), SK_OK);
    assert_false(r.cancelled);
    assert_true(isnan(r.metric[SK_BOOTSTRAP_ROC_AUC].estimate));
    assert_true(isnan(r.metric[SK_BOOTSTRAP_ROC_AUC].lo));
    assert_true(isnan(r.metric[SK_BOOTSTRAP_AVERAGE_PRECISION].hi));
    assert_false(isnan(r.metric[SK_BOOTSTRAP_RECALL].lo));
    sk_sweep_free(sweep);
}

/* ---- binned sweeps ------------------------------------------------------ */

/* Slack on top of a stated error bound: the bound and both areas are
 * computed in floating point, each to within about 1e-15. */
#define BOUND_SLACK 1e-12

/* Sample of the binned tests, for sorting by score with its label. */
typedef struct {
    double score;
    unsigned char y;
} labelled_score;

static int compare_labelled_ascending(const void *a, const void *b)
{
    double x = ((const labelled_score *)a)->score;
    double y = ((const labelled_score *)b)->score;
    return (x > y) - (x < y);
}

/* Bins of a binned test: arrays of n entries, *bins of them filled. */
typedef struct {
    double *lowest;
    size_t *negatives;
    size_t *positives;
    size_t bins;
    double max_score;
} test_bins;

static void test_bins_free(test_bins *b)
{
    free(b->lowest);
    free(b->negatives);
    free(b->positives);
}

/* Bins n scores in score order: a new bin starts at each new distinct score
 * with probability `split` (split = 1 gives one bin per distinct score). */
static test_bins random_bins(gsl_rng *rng, const double *s, const unsigned char *y,
                             size_t n, double split)
{
    labelled_score *sorted = calloc(n, sizeof *sorted);
    test_bins b = {calloc(n, sizeof(double)), calloc(n, sizeof(size_t)),
                   calloc(n, sizeof(size_t)), 0, NAN};
    assert_true(sorted != NULL && b.lowest != NULL && b.negatives != NULL &&
                b.positives != NULL);
    for (size_t i = 0; i < n; i++)
        sorted[i] = (labelled_score){s[i], y[i]};
    qsort(sorted, n, sizeof *sorted, compare_labelled_ascending);
    for (size_t i = 0; i < n; i++) {
        bool new_score = i == 0 || sorted[i].score != sorted[i - 1].score;
        if (i == 0 || (new_score && gsl_rng_uniform(rng) < split)) {
            b.lowest[b.bins] = sorted[i].score;
            b.bins++;
        }
        if (sorted[i].y)
            b.positives[b.bins - 1]++;
        else
            b.negatives[b.bins - 1]++;
        b.max_score = sorted[i].score;
    }
    free(sorted);
    return b;
}

static sk_sweep *binned_sweep(const test_bins *b)
{
    sk_sweep *sweep = NULL;
    sk_error err = {""};
    sk_status status = sk_sweep_new_binned(b->lowest, b->negatives, b->positives, b->bins,
                                           b->max_score, &sweep, &err);
    if (status != SK_OK)
        fail_msg("sk_sweep_new_binned failed: %s", err.message);
    return sweep;
}

/* Fails unless |binned - exact| <= bound + BOUND_SLACK. */
#define assert_within_bound(exact, binned, bound)                               \
    do {                                                                      \
        double x_ = (exact), b_ = (binned), e_ = (bound);                     \
        if (!(fabs(x_ - b_) <= e_ + BOUND_SLACK))                             \
            fail_msg("%s: exact %.17g, binned %.17g, differ by %.3g > bound " \
                     "%.3g + %g",                                             \
                     #binned, x_, b_, fabs(x_ - b_), e_, BOUND_SLACK);         \
    } while (0)

/* With one bin per distinct score, the binned sweep is the exact sweep. */
static void binned_sweep_equals_exact_per_score(void **state)
{
    (void)state;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(rng);
    gsl_rng_set(rng, 11);
    const size_t n = 20000;
    double *s = calloc(n, sizeof *s);
    unsigned char *y = calloc(n, 1);
    assert_true(s != NULL && y != NULL);
    random_scores(rng, n, s, y);

    sk_sweep *exact = NULL;
    sk_error err = {""};
    assert_int_equal(sk_sweep_new(s, y, n, &exact, &err), SK_OK);
    test_bins b = random_bins(rng, s, y, n, 1.0);
    sk_sweep *binned = binned_sweep(&b);

    assert_true(sk_sweep_is_binned(binned));
    assert_false(sk_sweep_is_binned(exact));
    assert_false(sk_sweep_rows(binned, NULL, NULL));
    assert_int_equal(sk_sweep_count(binned), n);
    assert_int_equal(sk_sweep_positives(binned), sk_sweep_positives(exact));
    assert_int_equal(sk_sweep_distinct(binned), sk_sweep_distinct(exact));
    for (size_t k = 0; k < sk_sweep_distinct(exact); k++) {
        assert_true(sk_sweep_score_at(binned, k) == sk_sweep_score_at(exact, k));
        assert_confusion_equal(sk_sweep_confusion_at(exact, k),
                               sk_sweep_confusion_at(binned, k));
    }
    assert_close(sk_sweep_roc_auc(exact), sk_sweep_roc_auc(binned), 0.0);
    assert_close(sk_sweep_average_precision(exact), sk_sweep_average_precision(binned), 0.0);
    assert_close(0.0, sk_sweep_roc_auc_error(exact), 0.0);
    assert_close(0.0, sk_sweep_average_precision_error(exact), 0.0);
    assert_close(sk_sweep_min_score(exact), sk_sweep_min_score(binned), 0.0);
    assert_close(sk_sweep_max_score(exact), sk_sweep_max_score(binned), 0.0);
    for (int i = 0; i < 1000; i++) {
        double t = s[gsl_rng_uniform_int(rng, n)] * (1.0 + 1e-9 * gsl_rng_uniform(rng));
        assert_confusion_equal(naive_confusion(s, y, n, t), sk_sweep_confusion(binned, t));
    }

    sk_curve exact_roc, binned_roc;
    assert_int_equal(sk_sweep_roc_curve(exact, true, &exact_roc, &err), SK_OK);
    assert_int_equal(sk_sweep_roc_curve(binned, true, &binned_roc, &err), SK_OK);
    assert_int_equal(exact_roc.points, binned_roc.points);
    for (size_t i = 0; i < exact_roc.points; i++) {
        assert_close(exact_roc.x[i], binned_roc.x[i], 0.0);
        assert_close(exact_roc.y[i], binned_roc.y[i], 0.0);
        assert_close(exact_roc.thresholds[i], binned_roc.thresholds[i], 0.0);
    }
    sk_curve_free(&exact_roc);
    sk_curve_free(&binned_roc);

    sk_sweep_free(exact);
    sk_sweep_free(binned);
    test_bins_free(&b);
    free(s);
    free(y);
    gsl_rng_free(rng);
}

/* Coarse random bins: the binned areas stay within the stated bounds of
 * the exact ones, and the bounds are not vacuous for fine bins. */
static void binned_areas_within_bounds(void **state)
{
    (void)state;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(rng);
    gsl_rng_set(rng, 12);
    const size_t n = 50000;
    const double splits[] = {0.0, 0.001, 0.01, 0.1, 0.5, 0.9};
    double *s = calloc(n, sizeof *s);
    unsigned char *y = calloc(n, 1);
    assert_true(s != NULL && y != NULL);
    for (int round = 0; round < 4; round++) {
        random_scores(rng, n, s, y);
        sk_sweep *exact = NULL;
        sk_error err = {""};
        assert_int_equal(sk_sweep_new(s, y, n, &exact, &err), SK_OK);
        for (size_t k = 0; k < sizeof splits / sizeof *splits; k++) {
            test_bins b = random_bins(rng, s, y, n, splits[k]);
            sk_sweep *binned = binned_sweep(&b);
            assert_within_bound(sk_sweep_roc_auc(exact), sk_sweep_roc_auc(binned),
                                sk_sweep_roc_auc_error(binned));
            assert_within_bound(sk_sweep_average_precision(exact),
                                sk_sweep_average_precision(binned),
                                sk_sweep_average_precision_error(binned));
            /* At a bin's lowest score the confusion matrix is exact. */
            for (size_t level = 0; level < sk_sweep_distinct(binned); level += 7) {
                double t = sk_sweep_score_at(binned, level);
                assert_confusion_equal(naive_confusion(s, y, n, t),
                                       sk_sweep_confusion(binned, t));
            }
            sk_sweep_free(binned);
            test_bins_free(&b);
        }
        sk_sweep_free(exact);
    }

    /* In every bin the negatives score below the positives: the binned ROC
     * AUC is off by exactly the bound. */
    for (size_t i = 0; i < n; i++) {
        y[i] = gsl_rng_uniform(rng) < 0.3;
        size_t bin = gsl_rng_uniform_int(rng, 500);
        s[i] = (double)bin + (y[i] ? 0.75 : 0.25);
    }
    {
        sk_sweep *exact = NULL;
        sk_error err = {""};
        assert_int_equal(sk_sweep_new(s, y, n, &exact, &err), SK_OK);
        test_bins b = random_bins(rng, s, y, n, 1.0);
        for (size_t i = 0; i < b.bins; i++)
            b.lowest[i] = floor(b.lowest[i]);
        size_t merged = 0;
        for (size_t i = 0; i < b.bins; i++) {
            if (merged > 0 && b.lowest[merged - 1] == b.lowest[i]) {
                b.negatives[merged - 1] += b.negatives[i];
                b.positives[merged - 1] += b.positives[i];
                continue;
            }
            b.lowest[merged] = b.lowest[i];
            b.negatives[merged] = b.negatives[i];
            b.positives[merged] = b.positives[i];
            merged++;
        }
        b.bins = merged;
        sk_sweep *binned = binned_sweep(&b);
        assert_close(sk_sweep_roc_auc(exact) - sk_sweep_roc_auc(binned),
                     sk_sweep_roc_auc_error(binned), 1e-12);
        assert_within_bound(sk_sweep_average_precision(exact),
                            sk_sweep_average_precision(binned),
                            sk_sweep_average_precision_error(binned));
        sk_sweep_free(binned);
        sk_sweep_free(exact);
        test_bins_free(&b);
    }

    /* Continuous scores in 2^16 bins: the bounds are small. */
    for (size_t i = 0; i < n; i++) {
        y[i] = gsl_rng_uniform(rng) < 0.05;
        s[i] = gsl_rng_uniform(rng) * 0.7 + 0.3 * y[i];
    }
    test_bins b = random_bins(rng, s, y, n, 1.0);
    for (size_t i = 0; i < b.bins; i++) {
        /* Merge into bins of width 2^-16 by moving each lowest down. */
        b.lowest[i] = floor(b.lowest[i] * 65536.0) / 65536.0;
    }
    size_t merged = 0;
    for (size_t i = 0; i < b.bins; i++) {
        if (merged > 0 && b.lowest[merged - 1] == b.lowest[i]) {
            b.negatives[merged - 1] += b.negatives[i];
            b.positives[merged - 1] += b.positives[i];
            continue;
        }
        b.lowest[merged] = b.lowest[i];
        b.negatives[merged] = b.negatives[i];
        b.positives[merged] = b.positives[i];
        merged++;
    }
    b.bins = merged;
    sk_sweep *binned = binned_sweep(&b);
    assert_true(sk_sweep_roc_auc_error(binned) < 1e-4);
    assert_true(sk_sweep_average_precision_error(binned) < 1e-3);
    sk_sweep_free(binned);
    test_bins_free(&b);
    free(s);
    free(y);
    gsl_rng_free(rng);
}

/* One bin of 10 negatives below 10 positives: the bounds are reached. */
static void binned_bounds_are_tight(void **state)
{
    (void)state;
    double s[20];
    unsigned char y[20];
    for (int i = 0; i < 20; i++) {
        y[i] = i >= 10;
        s[i] = y[i] ? 0.2 : 0.1;
    }
    sk_sweep *exact = NULL;
    sk_error err = {""};
    assert_int_equal(sk_sweep_new(s, y, 20, &exact, &err), SK_OK);
    double lowest = 0.1;
    size_t negatives = 10, positives = 10;
    sk_sweep *binned = NULL;
    assert_int_equal(sk_sweep_new_binned(&lowest, &negatives, &positives, 1, 0.2, &binned,
                                         &err), SK_OK);
    assert_close(1.0, sk_sweep_roc_auc(exact), 0.0);
    assert_close(0.5, sk_sweep_roc_auc(binned), 0.0);
    assert_close(0.5, sk_sweep_roc_auc_error(binned), 1e-15);
    assert_close(1.0, sk_sweep_average_precision(exact), 0.0);
    assert_close(0.5, sk_sweep_average_precision(binned), 0.0);
    assert_close(0.5, sk_sweep_average_precision_error(binned), 1e-15);

    /* Nothing is predicted positive above the highest score of the bin. */
    sk_curve roc;
    assert_int_equal(sk_sweep_roc_curve(binned, false, &roc, &err), SK_OK);
    assert_close(nextafter(0.2, INFINITY), roc.thresholds[0], 0.0);
    sk_curve_free(&roc);
    sk_threshold_choice none = sk_sweep_best_threshold(binned, SK_CRITERION_COST, NULL);
    assert_true(none.found);
    sk_sweep_free(exact);
    sk_sweep_free(binned);
}

static void binned_rejects_bad_bins(void **state)
{
    (void)state;
    sk_sweep *sweep = (sk_sweep *)&sweep;
    sk_error err = {""};
    double lowest[3] = {0.1, 0.1, 0.3};
    size_t negatives[3] = {1, 1, 1};
    size_t positives[3] = {1, 0, 1};
    assert_int_equal(sk_sweep_new_binned(lowest, negatives, positives, 3, 0.4, &sweep, &err),
                     SK_ERR_INPUT);
    assert_null(sweep);
    assert_non_null(strstr(err.message, "bin 1"));

    lowest[1] = 0.2;
    lowest[2] = NAN;
    assert_int_equal(sk_sweep_new_binned(lowest, negatives, positives, 3, 0.4, &sweep, &err),
                     SK_ERR_INPUT);
    lowest[2] = 0.3;
    assert_int_equal(sk_sweep_new_binned(lowest, negatives, positives, 3, 0.25, &sweep, &err),
                     SK_ERR_INPUT);
    assert_non_null(strstr(err.message, "below the lowest score"));

    /* Empty bins are skipped, also at the top. */
    negatives[2] = 0;
    positives[2] = 0;
    assert_int_equal(sk_sweep_new_binned(lowest, negatives, positives, 3, 0.25, &sweep, &err),
                     SK_OK);
    assert_int_equal(sk_sweep_distinct(sweep), 2);
    assert_int_equal(sk_sweep_count(sweep), 3);
    assert_close(0.2, sk_sweep_score_at(sweep, 0), 0.0);
    assert_close(0.25, sk_sweep_max_score(sweep), 0.0);
    sk_sweep_free(sweep);

    /* All counts 0: an empty sweep. */
    size_t zeros[3] = {0, 0, 0};
    assert_int_equal(sk_sweep_new_binned(lowest, zeros, zeros, 3, NAN, &sweep, &err), SK_OK);
    assert_int_equal(sk_sweep_count(sweep), 0);
    assert_int_equal(sk_sweep_distinct(sweep), 0);
    assert_true(isnan(sk_sweep_roc_auc(sweep)));
    assert_true(isnan(sk_sweep_roc_auc_error(sweep)));
    sk_sweep_free(sweep);
}

/* The binned bootstrap draws per-level counts: deterministic for a seed,
 * and its intervals match the exact sweep's within sampling noise. */
static void binned_bootstrap_matches_exact(void **state)
{
    (void)state;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(rng);
    gsl_rng_set(rng, 13);
    const size_t n = 20000;
    double *s = calloc(n, sizeof *s);
    unsigned char *y = calloc(n, 1);
    assert_true(s != NULL && y != NULL);
    for (size_t i = 0; i < n; i++) {
        y[i] = gsl_rng_uniform(rng) < 0.1;
        s[i] = round((gsl_rng_uniform(rng) * 0.8 + 0.2 * y[i]) * 1000.0) / 1000.0;
    }
    sk_sweep *exact = NULL;
    sk_error err = {""};
    assert_int_equal(sk_sweep_new(s, y, n, &exact, &err), SK_OK);
    test_bins b = random_bins(rng, s, y, n, 1.0);
    sk_sweep *binned = binned_sweep(&b);

    sk_bootstrap_options o = sk_bootstrap_defaults();
    o.resamples = 2000;
    sk_bootstrap_result r_exact, r_binned, r_again;
    assert_int_equal(sk_sweep_bootstrap(exact, 0.5, &o, &r_exact, &err), SK_OK);
    assert_int_equal(sk_sweep_bootstrap(binned, 0.5, &o, &r_binned, &err), SK_OK);
    assert_int_equal(sk_sweep_bootstrap(binned, 0.5, &o, &r_again, &err), SK_OK);
    for (int m = 0; m < SK_BOOTSTRAP_COUNT; m++) {
        assert_close(r_exact.metric[m].estimate, r_binned.metric[m].estimate, 0.0);
        assert_close(r_binned.metric[m].lo, r_again.metric[m].lo, 0.0);
        assert_close(r_binned.metric[m].hi, r_again.metric[m].hi, 0.0);
        /* Interval ends from 2000 resamples vary by about 0.003 here; the
         * intervals themselves are about 0.05 wide. */
        if (fabs(r_exact.metric[m].lo - r_binned.metric[m].lo) > 0.01 ||
            fabs(r_exact.metric[m].hi - r_binned.metric[m].hi) > 0.01)
            fail_msg("%s: exact [%g, %g], binned [%g, %g]", sk_bootstrap_metric_name(m),
                     r_exact.metric[m].lo, r_exact.metric[m].hi, r_binned.metric[m].lo,
                     r_binned.metric[m].hi);
    }
    sk_sweep_free(exact);
    sk_sweep_free(binned);
    test_bins_free(&b);
    free(s);
    free(y);
    gsl_rng_free(rng);
}

/* One scan for every criterion gives what one call per criterion gives. */
static void best_thresholds_match_single_scans(void **state)
{
    (void)state;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(rng);
    const size_t sizes[] = {0, 1, 5, 2000};
    sk_criterion_options options = sk_criterion_defaults();
    options.beta = 0.5;
    options.cost_fp = 3.0;
    options.min_precision = 0.3;
    options.min_recall = 0.9;
    for (size_t t = 0; t < sizeof sizes / sizeof *sizes; t++) {
        size_t n = sizes[t];
        double *s = calloc(n + 1, sizeof *s);
        unsigned char *y = calloc(n + 1, 1);
        assert_true(s && y);
        gsl_rng_set(rng, 300 + t);
        random_scores(rng, n, s, y);
        sk_sweep *sweep = NULL;
        sk_error err = {""};
        assert_int_equal(sk_sweep_new(s, y, n, &sweep, &err), SK_OK);
        sk_threshold_choice all[SK_CRITERION_COUNT];
        sk_sweep_best_thresholds(sweep, &options, all);
        for (int c = 0; c < SK_CRITERION_COUNT; c++) {
            sk_threshold_choice single = sk_sweep_best_threshold(sweep, (sk_criterion)c, &options);
            assert_int_equal(all[c].found, single.found);
            if (!single.found)
                continue;
            assert_true(all[c].threshold == single.threshold);
            assert_true(all[c].value == single.value);
            assert_confusion_equal(single.confusion, all[c].confusion);
        }
        sk_sweep_free(sweep);
        free(s);
        free(y);
    }
    gsl_rng_free(rng);
}

/* ---- building in place, rows, thinned curves ---------------------------- */

/* Orders (score, label) pairs for comparing multisets. */
typedef struct {
    double score;
    unsigned char label;
} scored_row;

static int compare_rows(const void *a, const void *b)
{
    const scored_row *x = a;
    const scored_row *y = b;
    if (x->score != y->score)
        return x->score < y->score ? -1 : 1;
    return (int)x->label - (int)y->label;
}

/* Sorts n pairs of scores and labels into a new array. */
static scored_row *sorted_rows(const double *s, const unsigned char *y, size_t n)
{
    scored_row *rows = calloc(n + 1, sizeof *rows);
    assert_non_null(rows);
    for (size_t i = 0; i < n; i++) {
        /* -0.0 and 0.0 are one score to the sweep. */
        rows[i].score = s[i] == 0.0 ? 0.0 : s[i];
        rows[i].label = y[i];
    }
    qsort(rows, n, sizeof *rows, compare_rows);
    return rows;
}

/* sk_sweep_adopt() gives what sk_sweep_new() gives, bit for bit, and
 * sk_sweep_rows() gives back the input rows in descending score order. */
static void adopt_matches_new_and_gives_rows_back(void **state)
{
    (void)state;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(rng);
    const size_t sizes[] = {1, 47, 48, 300, 50000};
    for (size_t t = 0; t < sizeof sizes / sizeof *sizes; t++) {
        size_t n = sizes[t];
        double *s = calloc(n, sizeof *s);
        unsigned char *y = calloc(n, 1);
        double *owned = malloc(n * sizeof *owned);
        unsigned char *labels = malloc(n);
        assert_true(s && y && owned && labels);
        gsl_rng_set(rng, 700 + t);
        random_scores(rng, n, s, y);
        memcpy(owned, s, n * sizeof *s);
        memcpy(labels, y, n);

        sk_sweep *copied = NULL;
        sk_sweep *adopted = NULL;
        sk_error err = {""};
        assert_int_equal(sk_sweep_new(s, y, n, &copied, &err), SK_OK);
        assert_int_equal(sk_sweep_adopt(owned, labels, n, &adopted, &err), SK_OK);
        assert_int_equal(sk_sweep_distinct(adopted), sk_sweep_distinct(copied));
        assert_int_equal(sk_sweep_positives(adopted), sk_sweep_positives(copied));
        for (size_t k = 0; k < sk_sweep_distinct(copied); k++) {
            assert_true(sk_sweep_score_at(adopted, k) == sk_sweep_score_at(copied, k));
            assert_confusion_equal(sk_sweep_confusion_at(copied, k),
                                   sk_sweep_confusion_at(adopted, k));
        }
        assert_memory_equal(&(double){sk_sweep_roc_auc(copied)},
                            &(double){sk_sweep_roc_auc(adopted)}, sizeof(double));
        assert_memory_equal(&(double){sk_sweep_average_precision(copied)},
                            &(double){sk_sweep_average_precision(adopted)}, sizeof(double));

        /* The labels were reordered, not changed: sorted by score they
         * are the labels of the rows read back. */
        double *back = calloc(n, sizeof *back);
        unsigned char *back_y = calloc(n, 1);
        assert_true(back && back_y);
        assert_true(sk_sweep_rows(adopted, back, back_y));
        for (size_t i = 1; i < n; i++)
            assert_true(back[i] <= back[i - 1]);
        assert_memory_equal(labels, back_y, n);
        scored_row *expected = sorted_rows(s, y, n);
        scored_row *actual = sorted_rows(back, back_y, n);
        for (size_t i = 0; i < n; i++) {
            assert_true(expected[i].score == actual[i].score);
            assert_int_equal(expected[i].label, actual[i].label);
        }

        free(expected);
        free(actual);
        free(back);
        free(back_y);
        sk_sweep_free(copied);
        sk_sweep_free(adopted);
        free(s);
        free(y);
        free(labels);
    }

    /* A bad score fails with its row, and the sweep still frees the block. */
    double *bad = malloc(3 * sizeof *bad);
    assert_non_null(bad);
    bad[0] = 0.2;
    bad[1] = 0.7;
    bad[2] = NAN;
    unsigned char y3[] = {0, 1, 0};
    sk_sweep *sweep = (sk_sweep *)&sweep;
    sk_error err = {""};
    assert_int_equal(sk_sweep_adopt(bad, y3, 3, &sweep, &err), SK_ERR_INPUT);
    assert_null(sweep);
    assert_non_null(strstr(err.message, "row 3"));
    gsl_rng_free(rng);
}

/* True when every point of thin is a point of full, in the same order. */
static bool is_subcurve(const sk_curve *thin, const sk_curve *full)
{
    size_t j = 0;
    for (size_t i = 0; i < thin->points; i++) {
        while (j < full->points && full->thresholds[j] != thin->thresholds[i])
            j++;
        if (j == full->points)
            return false;
        if (!close_enough(full->x[j], thin->x[i], 0.0)
            || !close_enough(full->y[j], thin->y[i], 0.0))
            return false;
        j++;
    }
    return true;
}

static void thin_curves_fit_on_curve(void **state)
{
    (void)state;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(rng);
    const size_t sizes[] = {1, 2, 30, 200000};
    const size_t limits[] = {4, 5, 64, 2048};
    for (size_t t = 0; t < sizeof sizes / sizeof *sizes; t++) {
        size_t n = sizes[t];
        double *s = calloc(n, sizeof *s);
        unsigned char *y = calloc(n, 1);
        assert_true(s && y);
        gsl_rng_set(rng, 900 + t);
        for (size_t i = 0; i < n; i++) {
            y[i] = gsl_rng_uniform(rng) < 0.2;
            s[i] = y[i] ? gsl_rng_uniform(rng) : 0.7 * gsl_rng_uniform(rng);
        }
        /* One size with one class, whose false-positive rates are NaN. */
        if (n == 30)
            memset(y, 1, n);
        sk_sweep *sweep = NULL;
        sk_error err = {""};
        assert_int_equal(sk_sweep_new(s, y, n, &sweep, &err), SK_OK);

        sk_curve full[2];
        assert_int_equal(sk_sweep_roc_curve(sweep, false, &full[0], &err), SK_OK);
        assert_int_equal(sk_sweep_pr_curve(sweep, &full[1], &err), SK_OK);
        for (int pr = 0; pr < 2; pr++) {
            for (size_t l = 0; l < sizeof limits / sizeof *limits; l++) {
                sk_curve thin;
                assert_int_equal(sk_sweep_curve_thin(sweep, pr, limits[l], &thin, &err),
                                 SK_OK);
                assert_true(thin.points <= limits[l]);
                assert_true(thin.points >= (full[pr].points < 3 ? full[pr].points : 3));
                assert_true(is_subcurve(&thin, &full[pr]));
                /* The ends of the full curve are kept. */
                assert_true(thin.thresholds[0] == full[pr].thresholds[0]);
                assert_true(thin.thresholds[thin.points - 1]
                            == full[pr].thresholds[full[pr].points - 1]);
                /* A curve that fits is kept whole. */
                if (full[pr].points <= limits[l] && n < 1000)
                    assert_int_equal(thin.points, full[pr].points);
                sk_curve_free(&thin);
            }
        }
        sk_curve_free(&full[0]);
        sk_curve_free(&full[1]);
        sk_sweep_free(sweep);
        free(s);
        free(y);
    }

    /* Labels that alternate make the precision swing at every level. */
    size_t n = 100000;
    double *s = calloc(n, sizeof *s);
    unsigned char *y = calloc(n, 1);
    assert_true(s && y);
    for (size_t i = 0; i < n; i++) {
        s[i] = (double)i / (double)n;
        y[i] = i % 2 == 0 || (i % 7 == 0);
    }
    sk_sweep *sweep = NULL;
    sk_error err = {""};
    assert_int_equal(sk_sweep_new(s, y, n, &sweep, &err), SK_OK);
    sk_curve thin;
    assert_int_equal(sk_sweep_curve_thin(sweep, true, 16, &thin, &err), SK_OK);
    assert_true(thin.points <= 16 && thin.points >= 3);
    sk_curve_free(&thin);
    assert_int_equal(sk_sweep_curve_thin(sweep, false, 3, &thin, &err), SK_ERR_INPUT);
    assert_non_null(strstr(err.message, "3"));
    assert_int_equal(thin.points, 0);
    sk_sweep_free(sweep);
    free(s);
    free(y);
    gsl_rng_free(rng);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest fixture_tests[] = {
        cmocka_unit_test(fixtures_cover_required_cases),
        cmocka_unit_test(fixtures_threshold_free),
        cmocka_unit_test(fixtures_confusion_and_rates),
        cmocka_unit_test(fixtures_best_thresholds),
        cmocka_unit_test(fixtures_curves),
        cmocka_unit_test(fixtures_calibration),
        cmocka_unit_test(fixtures_histograms),
    };
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sweep_matches_naive_at_random_thresholds),
        cmocka_unit_test(areas_match_naive),
        cmocka_unit_test(best_threshold_matches_naive_scan),
        cmocka_unit_test(calibration_matches_naive),
        cmocka_unit_test(histograms_agree),
        cmocka_unit_test(sweep_rejects_bad_scores),
        cmocka_unit_test(empty_sweep),
        cmocka_unit_test(best_thresholds_match_single_scans),
        cmocka_unit_test(adopt_matches_new_and_gives_rows_back),
        cmocka_unit_test(thin_curves_fit_on_curve),
        cmocka_unit_test(criterion_options_checked),
        cmocka_unit_test(bootstrap_is_deterministic),
        cmocka_unit_test(bootstrap_matches_naive),
        cmocka_unit_test(bootstrap_recall_is_binomial),
        cmocka_unit_test(bootstrap_recall_coverage),
        cmocka_unit_test(bootstrap_cancel_and_one_class),
        cmocka_unit_test(binned_sweep_equals_exact_per_score),
        cmocka_unit_test(binned_areas_within_bounds),
        cmocka_unit_test(binned_bounds_are_tight),
        cmocka_unit_test(binned_rejects_bad_bins),
        cmocka_unit_test(binned_bootstrap_matches_exact),
    };
    int failed = cmocka_run_group_tests_name("metrics fixtures", fixture_tests,
                                             load_fixtures, free_fixtures);
    failed += cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
    return failed;
}
