/*
 * report.c - text and JSON reports of a finished run.
 *
 * Both formats are built from the same numbers: the confusion matrix and
 * rates at the chosen threshold, the threshold-free metrics, the best
 * threshold for each criterion and the findings, all read from the final
 * snapshot.  JSON is built with jansson; a NaN becomes null.
 */
#include "skewtop/report.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include <jansson.h>

#include "skewtop/diagnose.h"
#include "skewtop/metrics.h"

/* Everything both formats print, computed once. */
typedef struct {
    bool scored;                 /* false when no epoch finished */
    sk_confusion confusion;
    sk_rates rates;
    double roc_auc, average_precision, log_loss, brier;
    sk_threshold_choice best[SK_CRITERION_COUNT];
    sk_finding findings[SK_FINDINGS_MAX];
    size_t finding_count;
} report_numbers;

static const char *run_state_name(sk_run_state state)
{
    static const char *const names[] = {
        [SK_RUN_STARTING] = "starting", [SK_RUN_TRAINING] = "training",
        [SK_RUN_PAUSED] = "paused",     [SK_RUN_DONE] = "done",
        [SK_RUN_STOPPED] = "stopped",   [SK_RUN_FAILED] = "failed",
    };
    return names[state];
}

static const char *optimizer_name(sk_optimizer_kind kind)
{
    switch (kind) {
    case SK_OPT_SGD:
        return "sgd";
    case SK_OPT_MOMENTUM:
        return "momentum";
    case SK_OPT_RMSPROP:
        return "rmsprop";
    default:
        return "adam";
    }
}

static void compute_numbers(const sk_report_input *in, report_numbers *out)
{
    memset(out, 0, sizeof *out);
    const sk_snapshot *s = in->snapshot;
    out->roc_auc = out->average_precision = out->log_loss = out->brier = NAN;

    sk_diagnose_input diagnose;
    sk_snapshot_diagnose_input(s, in->data, in->threshold, &diagnose);
    size_t fired = sk_diagnose(&diagnose, out->findings, SK_FINDINGS_MAX);
    out->finding_count = fired < SK_FINDINGS_MAX ? fired : SK_FINDINGS_MAX;

    if (s->sweep == NULL)
        return;
    out->scored = true;
    out->confusion = sk_sweep_confusion(s->sweep, in->threshold);
    out->rates = sk_rates_from_confusion(out->confusion);
    out->roc_auc = sk_sweep_roc_auc(s->sweep);
    out->average_precision = sk_sweep_average_precision(s->sweep);
    out->log_loss = sk_log_loss(s->scores, s->y, s->n);
    out->brier = sk_brier(s->scores, s->y, s->n);

    sk_criterion_options options = sk_criterion_defaults();
    for (int c = 0; c < SK_CRITERION_COUNT; c++)
        out->best[c] = sk_sweep_best_threshold(s->sweep, (sk_criterion)c, &options);
}

/* ---- JSON ---------------------------------------------------------------- */

static json_t *json_number(double value)
{
    return isfinite(value) ? json_real(value) : json_null();
}

/* A ratio that had a zero denominator is reported as null. */
static json_t *json_rate(double value, unsigned undefined, unsigned bit)
{
    return (undefined & bit) ? json_null() : json_number(value);
}

static json_t *json_data(const sk_report_input *in)
{
    const sk_dataset *d = in->data;
    json_t *notices = json_array();
    for (size_t i = 0; i < d->notice_count; i++)
        json_array_append_new(notices, json_string(d->notices[i]));

    return json_pack("{s:s, s:I, s:I, s:I, s:s, s:s, s:s, s:{s:I, s:I, s:o}, "
                     "s:{s:I, s:I, s:o}, s:o}",
        "source", in->source,
        "rows", (json_int_t)d->rows_read,
        "rows_dropped", (json_int_t)d->rows_dropped,
        "features", (json_int_t)d->features,
        "target", d->target_name,
        "positive_label", d->positive_label,
        "negative_label", d->negative_label,
        "train", "rows", (json_int_t)d->train.rows,
            "positives", (json_int_t)d->train.positives,
            "prevalence", json_number((double)d->train.positives / (double)d->train.rows),
        "validation", "rows", (json_int_t)d->val.rows,
            "positives", (json_int_t)d->val.positives,
            "prevalence", json_number((double)d->val.positives / (double)d->val.rows),
        "notices", notices);
}

static json_t *json_metrics(const report_numbers *n)
{
    const sk_rates *r = &n->rates;
    unsigned u = n->scored ? r->undefined : ~0u;
    json_t *metrics = json_object();
    json_object_set_new(metrics, "accuracy", n->scored ? json_number(r->accuracy) : json_null());
    json_object_set_new(metrics, "baseline_accuracy", n->scored ? json_number(r->baseline) : json_null());
    json_object_set_new(metrics, "balanced_accuracy", json_rate(r->balanced_accuracy, u, SK_UNDEF_BALANCED));
    json_object_set_new(metrics, "precision", json_rate(r->precision, u, SK_UNDEF_PRECISION));
    json_object_set_new(metrics, "recall", json_rate(r->recall, u, SK_UNDEF_RECALL));
    json_object_set_new(metrics, "specificity", json_rate(r->specificity, u, SK_UNDEF_SPECIFICITY));
    json_object_set_new(metrics, "npv", json_rate(r->npv, u, SK_UNDEF_NPV));
    json_object_set_new(metrics, "f1", json_rate(r->f1, u, SK_UNDEF_F1));
    json_object_set_new(metrics, "mcc", json_rate(r->mcc, u, SK_UNDEF_MCC));
    json_object_set_new(metrics, "kappa", json_rate(r->kappa, u, SK_UNDEF_KAPPA));
    json_object_set_new(metrics, "gmean", n->scored ? json_number(r->gmean) : json_null());
    json_object_set_new(metrics, "predicted_positive_rate",
                        n->scored ? json_number(r->predicted_positive_rate) : json_null());
    json_object_set_new(metrics, "roc_auc", json_number(n->roc_auc));
    json_object_set_new(metrics, "average_precision", json_number(n->average_precision));
    json_object_set_new(metrics, "log_loss", json_number(n->log_loss));
    json_object_set_new(metrics, "brier", json_number(n->brier));
    return metrics;
}

static json_t *json_thresholds(const report_numbers *n)
{
    json_t *thresholds = json_object();
    for (int c = 0; c < SK_CRITERION_COUNT; c++) {
        const sk_threshold_choice *b = &n->best[c];
        json_t *value = (n->scored && b->found)
            ? json_pack("{s:o, s:o}", "threshold", json_number(b->threshold),
                        "value", json_number(b->value))
            : json_null();
        json_object_set_new(thresholds, sk_criterion_name((sk_criterion)c), value);
    }
    return thresholds;
}

static json_t *json_findings(const report_numbers *n)
{
    json_t *findings = json_array();
    for (size_t i = 0; i < n->finding_count; i++) {
        const sk_finding *f = &n->findings[i];
        json_array_append_new(findings,
            json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", f->id,
                      "severity", sk_severity_name(f->severity),
                      "message", f->message, "evidence", f->evidence,
                      "action", f->action));
    }
    return findings;
}

static json_t *json_history(const sk_snapshot *s)
{
    json_t *history = json_array();
    for (size_t i = 0; i < s->history_len; i++)
        json_array_append_new(history,
            json_pack("{s:I, s:o, s:o}", "epoch", (json_int_t)(i + 1),
                      "train_loss", json_number(s->train_loss[i]),
                      "val_loss", json_number(s->val_loss[i])));
    return history;
}

static json_t *json_training(const sk_report_input *in)
{
    const sk_train_options *o = in->options;
    const sk_snapshot *s = in->snapshot;
    return json_pack("{s:s, s:s, s:o, s:I, s:I, s:{s:o, s:o}, s:s, s:I, s:o}",
        "model", "logreg",
        "optimizer", optimizer_name(o->optimizer),
        "learning_rate", json_number(o->learning_rate),
        "epochs", (json_int_t)o->epochs,
        "batch", (json_int_t)o->batch,
        "class_weight", "negative", json_number(s->weight_neg),
            "positive", json_number(s->weight_pos),
        "loss", o->loss.kind == SK_LOSS_FOCAL ? "focal" : "bce",
        "seed", (json_int_t)o->seed,
        "prior_only_loss", json_number(s->prior_loss));
}

sk_status sk_report_json(FILE *out, const sk_report_input *in, sk_error *err)
{
    report_numbers n;
    compute_numbers(in, &n);

    json_t *root = json_object();
    json_object_set_new(root, "data", json_data(in));
    json_object_set_new(root, "threshold", json_number(in->threshold));
    json_object_set_new(root, "confusion", n.scored
        ? json_pack("{s:I, s:I, s:I, s:I}", "tp", (json_int_t)n.confusion.tp,
                    "fp", (json_int_t)n.confusion.fp, "tn", (json_int_t)n.confusion.tn,
                    "fn", (json_int_t)n.confusion.fn)
        : json_null());
    json_object_set_new(root, "metrics", json_metrics(&n));
    json_object_set_new(root, "thresholds", json_thresholds(&n));
    json_object_set_new(root, "findings", json_findings(&n));
    json_object_set_new(root, "history", json_history(in->snapshot));
    json_object_set_new(root, "training", json_training(in));
    json_object_set_new(root, "run", json_pack("{s:s, s:I, s:s?}",
        "state", run_state_name(in->snapshot->state),
        "epochs_finished", (json_int_t)in->snapshot->epoch,
        "error", in->snapshot->error[0] != '\0' ? in->snapshot->error : NULL));

    int rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
    json_decref(root);
    if (rc != 0 || fputc('\n', out) == EOF || fflush(out) != 0)
        return sk_error_set(err, SK_ERR_IO, "cannot write the JSON report: %s",
                            strerror(errno));
    return SK_OK;
}

/* ---- text ---------------------------------------------------------------- */

static void text_value(FILE *out, const char *name, double value, bool undefined)
{
    if (undefined || !isfinite(value))
        fprintf(out, "  %-20s %10s\n", name, "n/a");
    else
        fprintf(out, "  %-20s %10.4f\n", name, value);
}

static void text_data(FILE *out, const sk_report_input *in)
{
    const sk_dataset *d = in->data;
    fprintf(out, "skewtop report: %s, target '%s', positive class '%s'\n\n",
            in->source, d->target_name, d->positive_label);
    fprintf(out, "data\n");
    fprintf(out, "  rows %zu (%zu dropped for a missing label), %zu features\n",
            d->rows_read, d->rows_dropped, d->features);
    fprintf(out, "  train      %7zu rows, %6zu '%s' (%.2f %%)\n", d->train.rows,
            d->train.positives, d->positive_label,
            100.0 * (double)d->train.positives / (double)d->train.rows);
    fprintf(out, "  validation %7zu rows, %6zu '%s' (%.2f %%)\n", d->val.rows,
            d->val.positives, d->positive_label,
            100.0 * (double)d->val.positives / (double)d->val.rows);
    for (size_t i = 0; i < d->notice_count; i++)
        fprintf(out, "  note: %s\n", d->notices[i]);
}

static void text_training(FILE *out, const sk_report_input *in)
{
    const sk_snapshot *s = in->snapshot;
    fprintf(out, "\ntraining: %s, %zu of %zu epochs, class weights %g:%g\n",
            run_state_name(s->state), s->epoch, s->epochs_total, s->weight_neg,
            s->weight_pos);
    if (s->error[0] != '\0')
        fprintf(out, "  error: %s\n", s->error);
    if (s->history_len > 0)
        fprintf(out, "  last epoch: train loss %.4f, validation loss %.4f, "
                "prior-only loss %.4f\n", s->train_loss[s->history_len - 1],
                s->val_loss[s->history_len - 1], s->prior_loss);
}

static void text_metrics(FILE *out, const sk_report_input *in, const report_numbers *n)
{
    const sk_confusion *c = &n->confusion;
    const sk_rates *r = &n->rates;
    fprintf(out, "\nat threshold %.4g (predicted '%s' when score >= threshold)\n",
            in->threshold, in->data->positive_label);
    fprintf(out, "  confusion            tp %zu  fp %zu  tn %zu  fn %zu\n",
            c->tp, c->fp, c->tn, c->fn);
    text_value(out, "accuracy", r->accuracy, false);
    text_value(out, "baseline accuracy", r->baseline, false);
    text_value(out, "balanced accuracy", r->balanced_accuracy, r->undefined & SK_UNDEF_BALANCED);
    text_value(out, "precision", r->precision, r->undefined & SK_UNDEF_PRECISION);
    text_value(out, "recall", r->recall, r->undefined & SK_UNDEF_RECALL);
    text_value(out, "specificity", r->specificity, r->undefined & SK_UNDEF_SPECIFICITY);
    text_value(out, "F1", r->f1, r->undefined & SK_UNDEF_F1);
    text_value(out, "MCC", r->mcc, r->undefined & SK_UNDEF_MCC);

    fprintf(out, "\nthreshold-free\n");
    text_value(out, "ROC AUC", n->roc_auc, false);
    text_value(out, "average precision", n->average_precision, false);
    text_value(out, "log loss", n->log_loss, false);
    text_value(out, "Brier score", n->brier, false);

    fprintf(out, "\nbest thresholds\n");
    for (int k = 0; k < SK_CRITERION_COUNT; k++) {
        const sk_threshold_choice *b = &n->best[k];
        if (b->found)
            fprintf(out, "  %-20s %10.4g  (value %.4f)\n",
                    sk_criterion_name((sk_criterion)k), b->threshold, b->value);
        else
            fprintf(out, "  %-20s %10s\n", sk_criterion_name((sk_criterion)k), "none");
    }
}

static void text_findings(FILE *out, const report_numbers *n)
{
    fprintf(out, "\nfindings\n");
    if (n->finding_count == 0)
        fprintf(out, "  none\n");
    for (size_t i = 0; i < n->finding_count; i++) {
        const sk_finding *f = &n->findings[i];
        fprintf(out, "  %-7s %s: %s\n", sk_severity_name(f->severity), f->id, f->message);
        fprintf(out, "          evidence: %s\n", f->evidence);
        fprintf(out, "          action:   %s\n", f->action);
    }
}

sk_status sk_report_text(FILE *out, const sk_report_input *in, sk_error *err)
{
    report_numbers n;
    compute_numbers(in, &n);

    text_data(out, in);
    text_training(out, in);
    if (n.scored)
        text_metrics(out, in, &n);
    text_findings(out, &n);

    if (ferror(out) || fflush(out) != 0)
        return sk_error_set(err, SK_ERR_IO, "cannot write the text report: %s",
                            strerror(errno));
    return SK_OK;
}
