/*
 * test_session.c - the worker thread and the snapshot exchange: runs to
 * the end, pause, stop, the publish pipe, divergence, and references that
 * outlive newer snapshots.
 */
#include <math.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "skewtop/session.h"
#include "synthetic.h"

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static sk_session *new_session(const sk_dataset *data, const sk_train_options *options)
{
    sk_session *session = NULL;
    sk_error err = { "" };
    if (sk_session_new(data, options, &session, &err) != SK_OK)
        fail_msg("sk_session_new: %s", err.message);
    return session;
}

static void start(sk_session *session)
{
    sk_error err = { "" };
    if (sk_session_start(session, &err) != SK_OK)
        fail_msg("sk_session_start: %s", err.message);
}

static void initial_snapshot(void **state)
{
    (void)state;
    sk_dataset *data = synthetic_dataset(400, 40, 200, 20, 2.0, 1);
    sk_train_options options = sk_train_defaults();
    options.epochs = 4;
    sk_session *session = new_session(data, &options);

    sk_snapshot *s = sk_session_latest(session);
    assert_int_equal(s->epoch, 0);
    assert_int_equal(s->epochs_total, 4);
    assert_int_equal(s->state, SK_RUN_STARTING);
    assert_null(s->scores);
    assert_null(s->sweep);
    /* prior-only loss at the training prevalence 0.1 */
    double p = 0.1;
    assert_true(fabs(s->prior_loss - (-p * log(p) - (1 - p) * log(1 - p))) < 1e-12);
    assert_true(fabs(s->train_prevalence - p) < 1e-12);
    sk_snapshot_release(s);
    sk_session_free(session);
    sk_dataset_free(data);
}

static void runs_every_epoch(void **state)
{
    (void)state;
    sk_dataset *data = synthetic_dataset(400, 40, 200, 20, 2.0, 2);
    sk_train_options options = sk_train_defaults();
    options.epochs = 30;
    sk_session *session = new_session(data, &options);
    start(session);
    sk_session_join(session);

    sk_snapshot *s = sk_session_latest(session);
    assert_int_equal(s->state, SK_RUN_DONE);
    assert_int_equal(s->epoch, 30);
    assert_int_equal(s->history_len, 30);
    assert_int_equal(s->n, 200);
    assert_non_null(s->scores);
    assert_non_null(s->sweep);
    assert_int_equal(sk_sweep_count(s->sweep), 200);
    assert_int_equal(sk_sweep_positives(s->sweep), 20);
    for (size_t i = 0; i < s->history_len; i++) {
        assert_true(isfinite(s->train_loss[i]));
        assert_true(isfinite(s->val_loss[i]));
    }
    /* The validation loss of the snapshot is the log loss of its scores. */
    double expected = sk_log_loss(s->scores, s->y, s->n);
    assert_true(fabs(s->val_loss[29] - expected) < 1e-12);
    /* A shifted feature is learned: the ranking beats chance clearly. */
    assert_true(sk_sweep_roc_auc(s->sweep) > 0.8);
    assert_true(s->train_loss[29] < s->prior_loss);
    sk_snapshot_release(s);
    sk_session_free(session);
    sk_dataset_free(data);
}

static void notify_pipe_is_readable(void **state)
{
    (void)state;
    sk_dataset *data = synthetic_dataset(400, 40, 200, 20, 2.0, 3);
    sk_train_options options = sk_train_defaults();
    options.epochs = 2;
    sk_session *session = new_session(data, &options);
    struct pollfd fd = { .fd = sk_session_notify_fd(session), .events = POLLIN };
    assert_int_equal(poll(&fd, 1, 0), 0);

    start(session);
    assert_int_equal(poll(&fd, 1, 5000), 1);
    sk_session_join(session);
    sk_session_drain_notify(session);
    assert_int_equal(poll(&fd, 1, 0), 0);
    sk_session_free(session);
    sk_dataset_free(data);
}

static void pause_holds_training(void **state)
{
    (void)state;
    sk_dataset *data = synthetic_dataset(400, 40, 200, 20, 2.0, 4);
    sk_train_options options = sk_train_defaults();
    options.epochs = 3;
    sk_session *session = new_session(data, &options);
    sk_session_set_paused(session, true);
    assert_true(sk_session_is_paused(session));
    start(session);
    sleep_ms(200);

    sk_snapshot *s = sk_session_latest(session);
    assert_int_equal(s->epoch, 0);
    sk_snapshot_release(s);

    sk_session_set_paused(session, false);
    sk_session_join(session);
    s = sk_session_latest(session);
    assert_int_equal(s->epoch, 3);
    assert_int_equal(s->state, SK_RUN_DONE);
    sk_snapshot_release(s);
    sk_session_free(session);
    sk_dataset_free(data);
}

static void stop_ends_early(void **state)
{
    (void)state;
    sk_dataset *data = synthetic_dataset(400, 40, 200, 20, 2.0, 5);
    sk_train_options options = sk_train_defaults();
    options.epochs = 100000;
    sk_session *session = new_session(data, &options);
    sk_session_set_epoch_delay(session, 5);
    start(session);
    sleep_ms(100);
    sk_session_stop(session);

    sk_snapshot *s = sk_session_latest(session);
    assert_int_equal(s->state, SK_RUN_STOPPED);
    assert_true(s->epoch < 100000);
    sk_snapshot_release(s);
    sk_session_free(session);
    sk_dataset_free(data);
}

static void stop_while_paused(void **state)
{
    (void)state;
    sk_dataset *data = synthetic_dataset(400, 40, 200, 20, 2.0, 6);
    sk_train_options options = sk_train_defaults();
    options.epochs = 5;
    sk_session *session = new_session(data, &options);
    sk_session_set_paused(session, true);
    start(session);
    sk_session_stop(session);   /* must not wait for a resume */
    sk_snapshot *s = sk_session_latest(session);
    assert_int_equal(s->state, SK_RUN_STOPPED);
    assert_int_equal(s->epoch, 0);
    sk_snapshot_release(s);
    sk_session_free(session);
    sk_dataset_free(data);
}

static void held_snapshot_outlives_newer(void **state)
{
    (void)state;
    sk_dataset *data = synthetic_dataset(400, 40, 200, 20, 2.0, 7);
    sk_train_options options = sk_train_defaults();
    options.epochs = 50;
    sk_session *session = new_session(data, &options);
    start(session);

    /* Take a snapshot after the first epoch and keep reading it while the
     * worker publishes newer ones (under ASan a use after free fails). */
    sk_snapshot *held = NULL;
    for (int tries = 0; tries < 5000; tries++) {
        held = sk_session_latest(session);
        if (held->epoch > 0)
            break;
        sk_snapshot_release(held);
        held = NULL;
        sleep_ms(1);
    }
    assert_non_null(held);
    size_t epoch = held->epoch;
    sk_session_join(session);
    double sum = 0.0;
    for (size_t i = 0; i < held->n; i++)
        sum += held->scores[i];
    assert_true(isfinite(sum));
    assert_int_equal(held->epoch, epoch);
    assert_int_equal(held->history_len, epoch);
    sk_snapshot_release(held);
    sk_session_free(session);
    sk_dataset_free(data);
}

static void divergence_fails_the_run(void **state)
{
    (void)state;
    sk_dataset *data = synthetic_dataset(400, 40, 200, 20, 2.0, 8);
    /* A NaN feature makes the first loss NaN. */
    gsl_matrix_set(data->train.x, 17, 0, NAN);
    sk_train_options options = sk_train_defaults();
    options.epochs = 20;
    sk_session *session = new_session(data, &options);
    start(session);
    sk_session_join(session);

    sk_snapshot *s = sk_session_latest(session);
    assert_int_equal(s->state, SK_RUN_FAILED);
    assert_true(s->diverged);
    assert_true(s->error[0] != '\0');
    assert_true(s->epoch < 20);

    sk_diagnose_input input;
    sk_snapshot_diagnose_input(s, sk_session_info(session), 0.5, &input);
    assert_true(input.diverged);
    sk_snapshot_release(s);
    sk_session_free(session);
    sk_dataset_free(data);
}

static void invalid_options_fail_early(void **state)
{
    (void)state;
    sk_dataset *data = synthetic_dataset(400, 40, 200, 20, 2.0, 9);
    sk_train_options options = sk_train_defaults();
    options.learning_rate = -1.0;
    sk_session *session = NULL;
    sk_error err = { "" };
    assert_int_equal(sk_session_new(data, &options, &session, &err), SK_ERR_INPUT);
    assert_null(session);
    assert_non_null(strstr(err.message, "--lr"));
    sk_dataset_free(data);
}

static void fixed_scores_session(void **state)
{
    (void)state;
    double scores[6] = { 0.9, 0.8, 0.3, 0.2, 0.6, 0.1 };
    unsigned char y[6] = { 1, 1, 0, 0, 1, 0 };
    sk_run_info info = { .source = "p.csv", .name = "p", .target_name = "y",
                         .positive_label = "1", .negative_label = "0" };
    sk_session *session = NULL;
    sk_error err = { "" };
    assert_int_equal(sk_session_new_scores(&info, scores, y, 6, &session, &err), SK_OK);
    assert_int_equal(sk_session_start(session, &err), SK_OK);
    sk_session_join(session);

    const sk_run_info *stored = sk_session_info(session);
    assert_int_equal(stored->rows, 6);
    assert_int_equal(stored->positives, 3);
    assert_false(stored->training);
    sk_snapshot *s = sk_session_latest(session);
    assert_int_equal(s->state, SK_RUN_DONE);
    assert_int_equal(s->history_len, 0);
    assert_int_equal(s->n, 6);
    assert_true(sk_sweep_roc_auc(s->sweep) == 1.0);
    /* The arrays were copied. */
    scores[0] = 0.0;
    assert_true(s->scores[0] == 0.9);
    sk_snapshot_release(s);
    sk_session_free(session);
}

static void fixed_scores_reject_nan(void **state)
{
    (void)state;
    double scores[3] = { 0.9, NAN, 0.1 };
    unsigned char y[3] = { 1, 0, 0 };
    sk_run_info info = { .source = "p.csv", .name = "p", .target_name = "y",
                         .positive_label = "1", .negative_label = "0" };
    sk_session *session = NULL;
    sk_error err = { "" };
    assert_int_equal(sk_session_new_scores(&info, scores, y, 3, &session, &err), SK_ERR_INPUT);
    assert_null(session);
    assert_non_null(strstr(err.message, "2"));
}

/* Reads the demo data as the CLI does. */
static sk_dataset *demo_dataset(void)
{
    sk_table *table = NULL;
    sk_dataset *data = NULL;
    sk_error err = { "" };
    if (sk_table_read(SK_SAMPLE_DATA "/lending_club.csv", NULL, &table, &err) != SK_OK)
        fail_msg("%s", err.message);
    sk_prepare_options options = { .target = "Class", .val_fraction = 0.25, .seed = 1 };
    if (sk_dataset_prepare(table, &options, &data, &err) != SK_OK)
        fail_msg("%s", err.message);
    sk_table_free(table);
    return data;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median score of the positive rows of a finished session. */
static double positive_median(sk_session *session)
{
    sk_snapshot *s = sk_session_latest(session);
    double *values = calloc(s->n, sizeof *values);
    size_t m = 0;
    for (size_t i = 0; i < s->n; i++)
        if (s->y[i])
            values[m++] = s->scores[i];
    qsort(values, m, sizeof *values, compare_doubles);
    double median = m % 2 ? values[m / 2] : 0.5 * (values[m / 2 - 1] + values[m / 2]);
    free(values);
    sk_snapshot_release(s);
    return median;
}

static sk_session *run_to_end(const sk_dataset *data, const sk_train_options *options)
{
    sk_session *session = new_session(data, options);
    start(session);
    sk_session_join(session);
    return session;
}

static void balanced_weights_raise_minority(void **state)
{
    (void)state;
    sk_dataset *data = demo_dataset();
    sk_train_options options = sk_train_defaults();
    sk_session *plain = run_to_end(data, &options);
    options.weights = SK_WEIGHTS_BALANCED;
    sk_session *weighted = run_to_end(data, &options);

    double before = positive_median(plain), after = positive_median(weighted);
    print_message("median minority score: unweighted %.4f, balanced %.4f\n", before, after);
    assert_true(after > before);
    sk_session_free(weighted);
    sk_session_free(plain);
    sk_dataset_free(data);
}

static void balanced_batches_raise_minority(void **state)
{
    (void)state;
    sk_dataset *data = demo_dataset();
    sk_train_options options = sk_train_defaults();
    options.epochs = 10;
    sk_session *plain = run_to_end(data, &options);
    options.balanced_batches = true;
    sk_session *balanced = run_to_end(data, &options);

    const sk_run_info *info = sk_session_info(balanced);
    assert_int_equal(info->seen_positives, info->seen_rows / 2);
    double before = positive_median(plain), after = positive_median(balanced);
    print_message("median minority score: shuffled %.4f, balanced batches %.4f\n", before,
                  after);
    assert_true(after > 0.3);
    assert_true(after > before);
    sk_session_free(balanced);
    sk_session_free(plain);
    sk_dataset_free(data);
}

static void resampling_changes_training_only(void **state)
{
    (void)state;
    sk_dataset *data = demo_dataset();
    sk_train_options options = sk_train_defaults();
    options.epochs = 2;
    options.resample = SK_RESAMPLE_UNDER;
    sk_session *session = run_to_end(data, &options);
    const sk_run_info *info = sk_session_info(session);
    /* Under-sampling to a ratio of 1 leaves as many negatives as positives. */
    assert_int_equal(info->seen_rows, 2 * info->seen_positives);
    assert_int_equal(info->seen_positives, data->train.positives);
    /* Validation keeps its rows and prevalence. */
    assert_int_equal(info->rows, data->val.rows);
    assert_int_equal(info->positives, data->val.positives);
    sk_snapshot *s = sk_session_latest(session);
    assert_int_equal(s->n, data->val.rows);
    sk_snapshot_release(s);
    sk_session_free(session);
    sk_dataset_free(data);
}

static double mean_of(const double *values, size_t n)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += values[i];
    return sum / (double)n;
}

static void prior_shift_restores_prevalence(void **state)
{
    (void)state;
    sk_dataset *data = demo_dataset();
    sk_train_options options = sk_train_defaults();
    options.weights = SK_WEIGHTS_BALANCED;
    sk_session *weighted = run_to_end(data, &options);

    sk_session *shifted = NULL;
    sk_error err = { "" };
    assert_int_equal(sk_session_new_calibrated(weighted, SK_CALIBRATOR_PRIOR_SHIFT, 0.5, 1,
                                               &shifted, &err), SK_OK);
    assert_true(sk_session_base(shifted) == weighted);
    assert_int_equal(sk_session_calibrator(shifted)->kind, SK_CALIBRATOR_PRIOR_SHIFT);

    sk_snapshot *s = sk_session_latest(shifted);
    const double *before = sk_session_reference_scores(shifted);
    double p = (double)data->train.positives / (double)data->train.rows;
    double mean_before = mean_of(before, s->n), mean_after = mean_of(s->scores, s->n);
    print_message("prevalence %.4f, mean score weighted %.4f, after prior shift %.4f\n",
                  p, mean_before, mean_after);
    /* Balanced weights put the mean near 0.5; the shift brings it back to
     * the training prevalence within one percentage point. */
    assert_true(mean_before > 0.3);
    assert_true(fabs(mean_after - p) < 0.01);
    sk_snapshot_release(s);
    sk_session_free(shifted);
    sk_session_free(weighted);
    sk_dataset_free(data);
}

static void isotonic_lowers_ece(void **state)
{
    (void)state;
    sk_dataset *data = demo_dataset();
    sk_train_options options = sk_train_defaults();
    options.weights = SK_WEIGHTS_BALANCED;
    sk_session *weighted = run_to_end(data, &options);

    for (int kind = SK_CALIBRATOR_PLATT; kind <= SK_CALIBRATOR_ISOTONIC; kind++) {
        sk_session *calibrated = NULL;
        sk_error err = { "" };
        assert_int_equal(sk_session_new_calibrated(weighted, (sk_calibrator_kind)kind, 0.5, 1,
                                                   &calibrated, &err), SK_OK);
        sk_snapshot *s = sk_session_latest(calibrated);
        sk_sweep *before = NULL;
        assert_int_equal(sk_sweep_new(sk_session_reference_scores(calibrated), s->y, s->n,
                                      &before, &err), SK_OK);
        sk_calibration cb, ca;
        assert_int_equal(sk_sweep_calibration(before, 10, &cb, &err), SK_OK);
        assert_int_equal(sk_sweep_calibration(s->sweep, 10, &ca, &err), SK_OK);
        print_message("%s: ECE %.4f -> %.4f\n", sk_calibrator_name((sk_calibrator_kind)kind),
                      cb.ece, ca.ece);
        assert_true(ca.ece < cb.ece);
        sk_calibration_free(&cb);
        sk_calibration_free(&ca);
        sk_sweep_free(before);
        sk_snapshot_release(s);
        sk_session_free(calibrated);
    }
    sk_session_free(weighted);
    sk_dataset_free(data);
}

static void recalibration_needs_scores(void **state)
{
    (void)state;
    sk_dataset *data = synthetic_dataset(400, 40, 200, 20, 2.0, 12);
    sk_train_options options = sk_train_defaults();
    sk_session *session = new_session(data, &options);
    sk_session *calibrated = NULL;
    sk_error err = { "" };
    assert_int_equal(sk_session_new_calibrated(session, SK_CALIBRATOR_PLATT, 0.5, 1,
                                               &calibrated, &err), SK_ERR_INPUT);
    assert_non_null(strstr(err.message, "first epoch"));
    sk_session_free(session);
    sk_dataset_free(data);
}

/* A session over a sweep built in place keeps no rows, yet recalibrates
 * and swaps from the rows the sweep gives back.  A binned one cannot. */
static void file_sweep_session_reads_rows_back(void **state)
{
    (void)state;
    size_t n = 2000;
    double *scores = malloc(n * sizeof *scores);
    unsigned char *y = malloc(n);
    assert_true(scores != NULL && y != NULL);
    for (size_t i = 0; i < n; i++) {
        y[i] = i % 10 == 0;
        /* Over-confident scores that recalibration can improve. */
        double u = (double)((i * 7919) % n) / (double)n;
        scores[i] = y[i] ? 0.5 + 0.5 * u : 0.9 * u;
    }
    sk_run_info info = { .source = "p.csv", .name = "p", .target_name = "y",
                         .positive_label = "1", .negative_label = "0" };
    sk_error err = { "" };
    sk_session *reference = NULL;
    assert_int_equal(sk_session_new_scores(&info, scores, y, n, &reference, &err), SK_OK);

    sk_sweep *sweep = NULL;
    assert_int_equal(sk_sweep_adopt(scores, y, n, &sweep, &err), SK_OK);
    free(y);
    sk_sweep_summary summary = { 0.3, 0.1, 0.2, 0.25 };
    sk_session *file = NULL;
    assert_int_equal(sk_session_new_sweep(&info, sweep, &summary, &file, &err), SK_OK);
    sk_snapshot *s = sk_session_latest(file);
    assert_null(s->scores);
    assert_int_equal(s->n, n);
    sk_snapshot_release(s);

    sk_session *swapped = NULL;
    sk_session *expected = NULL;
    assert_int_equal(sk_session_new_swapped(file, &swapped, &err), SK_OK);
    assert_int_equal(sk_session_new_swapped(reference, &expected, &err), SK_OK);
    sk_snapshot *a = sk_session_latest(swapped);
    sk_snapshot *b = sk_session_latest(expected);
    assert_int_equal(sk_session_info(swapped)->positives, n - n / 10);
    assert_int_equal(sk_sweep_distinct(a->sweep), sk_sweep_distinct(b->sweep));
    assert_true(sk_sweep_roc_auc(a->sweep) == sk_sweep_roc_auc(b->sweep));
    assert_true(sk_sweep_average_precision(a->sweep) == sk_sweep_average_precision(b->sweep));
    sk_snapshot_release(a);
    sk_snapshot_release(b);

    sk_session *calibrated = NULL;
    assert_int_equal(sk_session_new_calibrated(file, SK_CALIBRATOR_ISOTONIC, 0.5, 1,
                                               &calibrated, &err), SK_OK);
    a = sk_session_latest(calibrated);
    assert_int_equal(a->n, n / 2);
    assert_int_equal(sk_session_info(calibrated)->positives, n / 20);
    sk_sweep *before = NULL;
    assert_int_equal(sk_sweep_new(sk_session_reference_scores(calibrated), a->y, a->n,
                                  &before, &err), SK_OK);
    sk_calibration cb, ca;
    assert_int_equal(sk_sweep_calibration(before, 10, &cb, &err), SK_OK);
    assert_int_equal(sk_sweep_calibration(a->sweep, 10, &ca, &err), SK_OK);
    assert_true(ca.ece < cb.ece);
    sk_calibration_free(&cb);
    sk_calibration_free(&ca);
    sk_sweep_free(before);
    sk_snapshot_release(a);

    /* Binned: no rows to read back, and the message names the option. */
    double lowest[2] = { 0.0, 0.5 };
    size_t negatives[2] = { 90, 10 };
    size_t positives[2] = { 2, 8 };
    sk_sweep *binned = NULL;
    assert_int_equal(sk_sweep_new_binned(lowest, negatives, positives, 2, 0.9, &binned, &err),
                     SK_OK);
    sk_session *big = NULL;
    assert_int_equal(sk_session_new_sweep(&info, binned, &summary, &big, &err), SK_OK);
    sk_session *none = NULL;
    assert_int_equal(sk_session_new_swapped(big, &none, &err), SK_ERR_INPUT);
    assert_non_null(strstr(err.message, "--exact"));
    assert_int_equal(sk_session_new_calibrated(big, SK_CALIBRATOR_PLATT, 0.5, 1, &none, &err),
                     SK_ERR_INPUT);
    assert_non_null(strstr(err.message, "binned"));
    assert_non_null(strstr(err.message, "--exact"));
    assert_null(none);

    sk_session_free(big);
    sk_session_free(calibrated);
    sk_session_free(expected);
    sk_session_free(swapped);
    sk_session_free(file);
    sk_session_free(reference);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(initial_snapshot),
        cmocka_unit_test(runs_every_epoch),
        cmocka_unit_test(notify_pipe_is_readable),
        cmocka_unit_test(pause_holds_training),
        cmocka_unit_test(stop_ends_early),
        cmocka_unit_test(stop_while_paused),
        cmocka_unit_test(held_snapshot_outlives_newer),
        cmocka_unit_test(divergence_fails_the_run),
        cmocka_unit_test(invalid_options_fail_early),
        cmocka_unit_test(fixed_scores_session),
        cmocka_unit_test(fixed_scores_reject_nan),
        cmocka_unit_test(balanced_weights_raise_minority),
        cmocka_unit_test(balanced_batches_raise_minority),
        cmocka_unit_test(resampling_changes_training_only),
        cmocka_unit_test(prior_shift_restores_prevalence),
        cmocka_unit_test(isotonic_lowers_ece),
        cmocka_unit_test(recalibration_needs_scores),
        cmocka_unit_test(file_sweep_session_reads_rows_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
