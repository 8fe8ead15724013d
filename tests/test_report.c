/*
 * test_report.c - the JSON and text reports agree with the metrics they
 * are built from, carry every key, and write undefined values as null.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>
#include <jansson.h>

#include "skewtop/report.h"
#include "synthetic.h"

typedef struct {
    sk_dataset *data;
    sk_session *session;
    sk_snapshot *snapshot;
    sk_train_options options;
    sk_report_run report_run;
} run;

static sk_report_input report_input(run *r, double threshold)
{
    r->report_run.info = sk_session_info(r->session);
    r->report_run.snapshot = r->snapshot;
    return (sk_report_input){ .data = r->data, .options = &r->options,
                              .runs = &r->report_run, .run_count = 1,
                              .threshold = threshold };
}

static int run_setup(void **state)
{
    run *r = calloc(1, sizeof *r);
    r->data = synthetic_dataset(600, 30, 300, 15, 2.5, 11);
    r->options = sk_train_defaults();
    r->options.epochs = 8;
    sk_error err = { "" };
    if (sk_session_new(r->data, &r->options, &r->session, &err) != SK_OK
        || sk_session_start(r->session, &err) != SK_OK) {
        fprintf(stderr, "session: %s\n", err.message);
        return -1;
    }
    sk_session_join(r->session);
    sk_session_set_names(r->session, "synthetic.csv", "");
    r->snapshot = sk_session_latest(r->session);
    *state = r;
    return 0;
}

static int run_teardown(void **state)
{
    run *r = *state;
    sk_snapshot_release(r->snapshot);
    sk_session_free(r->session);
    sk_dataset_free(r->data);
    free(r);
    return 0;
}

/* Writes the JSON report at threshold and parses it back. */
static json_t *report_json(run *r, double threshold)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    sk_report_input input = report_input(r, threshold);
    sk_error err = { "" };
    assert_int_equal(sk_report_json(out, &input, &err), SK_OK);
    fclose(out);
    json_error_t error;
    json_t *root = json_loads(text, 0, &error);
    if (root == NULL)
        fail_msg("invalid JSON at line %d: %s", error.line, error.text);
    free(text);
    return root;
}

static double number_at(json_t *root, const char *object, const char *key)
{
    json_t *value = json_object_get(json_object_get(root, object), key);
    if (!json_is_number(value))
        fail_msg("%s.%s is not a number", object, key);
    return json_number_value(value);
}

static void json_has_every_key(void **state)
{
    run *r = *state;
    json_t *root = report_json(r, 0.5);
    const char *keys[] = { "data", "threshold", "confusion", "metrics", "thresholds",
                           "findings", "history", "training", "run" };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (json_object_get(root, keys[i]) == NULL)
            fail_msg("key %s is missing", keys[i]);
    const char *metrics[] = { "accuracy", "balanced_accuracy", "precision", "recall",
                              "f1", "mcc", "roc_auc", "average_precision", "log_loss",
                              "brier" };
    json_t *m = json_object_get(root, "metrics");
    for (size_t i = 0; i < sizeof metrics / sizeof metrics[0]; i++)
        if (json_object_get(m, metrics[i]) == NULL)
            fail_msg("metrics.%s is missing", metrics[i]);
    assert_string_equal(json_string_value(json_object_get(json_object_get(root, "data"),
                                                          "positive_label")), "rare");
    assert_true(json_is_false(json_object_get(m, "binned")));
    assert_null(json_object_get(m, "roc_auc_max_error"));
    assert_int_equal(json_array_size(json_object_get(root, "history")), 8);
    assert_string_equal(json_string_value(json_object_get(json_object_get(root, "run"),
                                                          "state")), "done");
    json_decref(root);
}

static void json_matches_metrics(void **state)
{
    run *r = *state;
    const double threshold = 0.2;
    json_t *root = report_json(r, threshold);
    sk_confusion c = sk_sweep_confusion(r->snapshot->sweep, threshold);
    sk_rates rates = sk_rates_from_confusion(c);

    assert_int_equal((size_t)number_at(root, "confusion", "tp"), c.tp);
    assert_int_equal((size_t)number_at(root, "confusion", "fp"), c.fp);
    assert_int_equal((size_t)number_at(root, "confusion", "tn"), c.tn);
    assert_int_equal((size_t)number_at(root, "confusion", "fn"), c.fn);
    /* JSON carries 17 significant digits, so values round-trip exactly. */
    assert_true(number_at(root, "metrics", "recall") == rates.recall);
    assert_true(number_at(root, "metrics", "mcc") == rates.mcc);
    assert_true(number_at(root, "metrics", "roc_auc") == sk_sweep_roc_auc(r->snapshot->sweep));
    assert_true(number_at(root, "metrics", "log_loss")
                == sk_log_loss(r->snapshot->scores, r->snapshot->y, r->snapshot->n));
    assert_true(json_real_value(json_object_get(root, "threshold")) == threshold);

    json_t *f1 = json_object_get(json_object_get(root, "thresholds"), "f1");
    sk_criterion_options options = sk_criterion_defaults();
    sk_threshold_choice best = sk_sweep_best_threshold(r->snapshot->sweep, SK_CRITERION_F1,
                                                       &options);
    assert_true(json_real_value(json_object_get(f1, "threshold")) == best.threshold);

    json_t *history = json_object_get(root, "history");
    json_t *last = json_array_get(history, 7);
    assert_int_equal(json_integer_value(json_object_get(last, "epoch")), 8);
    assert_true(json_real_value(json_object_get(last, "val_loss")) == r->snapshot->val_loss[7]);
    json_decref(root);
}

static void undefined_values_are_null(void **state)
{
    run *r = *state;
    /* Above every probability nothing is predicted positive: precision
     * has a zero denominator. */
    json_t *root = report_json(r, 1.5);
    json_t *m = json_object_get(root, "metrics");
    assert_true(json_is_null(json_object_get(m, "precision")));
    assert_true(json_is_number(json_object_get(m, "recall")));
    assert_true(number_at(root, "metrics", "recall") == 0.0);
    json_decref(root);
}

static void findings_have_every_field(void **state)
{
    run *r = *state;
    json_t *root = report_json(r, 0.99);
    json_t *findings = json_object_get(root, "findings");
    assert_true(json_array_size(findings) > 0);
    size_t i;
    json_t *finding;
    json_array_foreach(findings, i, finding) {
        const char *fields[] = { "id", "severity", "message", "evidence", "action" };
        for (size_t k = 0; k < 5; k++)
            if (!json_is_string(json_object_get(finding, fields[k])))
                fail_msg("finding %zu lacks %s", i, fields[k]);
    }
    json_decref(root);
}

static void text_report_lines(void **state)
{
    run *r = *state;
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    sk_report_input input = report_input(r, 0.5);
    sk_error err = { "" };
    assert_int_equal(sk_report_text(out, &input, &err), SK_OK);
    fclose(out);

    sk_confusion c = sk_sweep_confusion(r->snapshot->sweep, 0.5);
    char line[128];
    snprintf(line, sizeof line, "tp %zu  fp %zu  tn %zu  fn %zu", c.tp, c.fp, c.tn, c.fn);
    assert_non_null(strstr(text, line));
    assert_non_null(strstr(text, "positive class 'rare'"));
    assert_non_null(strstr(text, "ROC AUC"));
    assert_non_null(strstr(text, "findings"));
    free(text);
}

static void write_failure_is_reported(void **state)
{
    run *r = *state;
    FILE *out = fopen("/dev/full", "w");
    if (out == NULL)
        skip();
    sk_report_input input = report_input(r, 0.5);
    sk_error err = { "" };
    assert_int_equal(sk_report_json(out, &input, &err), SK_ERR_IO);
    assert_non_null(strstr(err.message, "JSON report"));
    fclose(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(json_has_every_key),
        cmocka_unit_test(json_matches_metrics),
        cmocka_unit_test(undefined_values_are_null),
        cmocka_unit_test(findings_have_every_field),
        cmocka_unit_test(text_report_lines),
        cmocka_unit_test(write_failure_is_reported),
    };
    return cmocka_run_group_tests(tests, run_setup, run_teardown);
}
