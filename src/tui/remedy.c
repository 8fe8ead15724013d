/*
 * remedy.c - the remedy keys: each starts a new training run with one
 * setting changed, on the same data, split and seed, so that the
 * difference between runs comes from the remedy alone.  The old run is
 * kept and keeps training.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "skewtop/export.h"
#include "skewtop/report.h"

#include "view.h"

/* Makes room for one more run. */
static bool grow_runs(view_state *v)
{
    if (v->run_count < v->run_capacity)
        return true;
    size_t capacity = v->run_capacity * 2;
    sk_session **runs = sk_reallocarray(v->runs, capacity, sizeof *runs);
    if (runs == NULL)
        return false;
    v->runs = runs;
    char **names = sk_reallocarray(v->run_names, capacity, sizeof *names);
    if (names == NULL)
        return false;
    v->run_names = names;
    double *thresholds = sk_reallocarray(v->run_thresholds, capacity, sizeof *thresholds);
    if (thresholds == NULL)
        return false;
    v->run_thresholds = thresholds;
    v->run_capacity = capacity;
    return true;
}

bool view_start_run(view_state *v, const sk_train_options *options)
{
    const sk_dataset *data = sk_session_dataset(v->session);
    if (data == NULL) {
        snprintf(v->message, sizeof v->message,
                 "remedies need a training run; these scores come from a file");
        return false;
    }
    if (!grow_runs(v)) {
        snprintf(v->message, sizeof v->message, "out of memory: no new run");
        return false;
    }

    char description[128];
    sk_train_options_describe(options, description, sizeof description);
    char *name = sk_strdup(description);
    sk_session *session = NULL;
    sk_error err = { "" };
    sk_status status = name != NULL ? sk_session_new(data, options, &session, &err)
                                    : SK_ERR_NOMEM;
    if (status == SK_OK) {
        sk_session_set_names(session, sk_session_info(v->runs[0])->source, name);
        sk_session_set_epoch_delay(session, v->epoch_delay_ms);
        status = sk_session_start(session, &err);
    }
    if (status != SK_OK) {
        snprintf(v->message, sizeof v->message, "cannot start the run: %s",
                 err.message[0] != '\0' ? err.message : "out of memory");
        sk_session_free(session);
        free(name);
        return false;
    }

    size_t index = v->run_count++;
    v->runs[index] = session;
    v->run_names[index] = name;
    v->run_thresholds[index] = v->threshold;
    snprintf(v->message, sizeof v->message, "run %zu started: %s", index + 1, description);
    return true;
}

/* Adds a run the screen made, and owns, to the list. */
static bool add_run(view_state *v, sk_session *session)
{
    if (!grow_runs(v)) {
        snprintf(v->message, sizeof v->message, "out of memory: no new run");
        return false;
    }
    size_t index = v->run_count++;
    v->runs[index] = session;
    v->run_names[index] = NULL;
    /* The same threshold, unless the new run's scores are of the other
     * kind: a margin threshold means nothing to probabilities. */
    double threshold = v->threshold;
    sk_snapshot *made = sk_session_latest(session);
    if (made->sweep != NULL && v->snapshot->sweep != NULL
        && sk_sweep_is_probability(made->sweep) != sk_sweep_is_probability(v->snapshot->sweep))
        threshold = sk_sweep_is_probability(made->sweep) ? 0.5 : 0.0;
    sk_snapshot_release(made);
    v->run_thresholds[index] = threshold;
    v->chosen_run = index;
    return true;
}

bool view_is_recalibrated(const sk_session *session)
{
    return sk_session_base(session) != NULL
           && sk_session_calibrator(session)->kind != SK_CALIBRATOR_NONE;
}

bool view_recalibrate(view_state *v)
{
    /* On a recalibrated run, c fits the next map to the same base run. */
    sk_session *base = v->session;
    sk_calibrator_kind kind = SK_CALIBRATOR_PRIOR_SHIFT;
    if (view_is_recalibrated(v->session)) {
        base = sk_session_base(v->session);
        kind = (sk_calibrator_kind)((sk_session_calibrator(v->session)->kind + 1)
                                    % SK_CALIBRATOR_COUNT);
    }
    /* Scores from a file come without the training prevalence that the
     * prior shift undoes, so their maps start with Platt scaling. */
    const sk_train_options *options = sk_session_options(base);
    if (options == NULL && kind == SK_CALIBRATOR_PRIOR_SHIFT)
        kind = SK_CALIBRATOR_PLATT;
    if (kind == SK_CALIBRATOR_NONE) {
        snprintf(v->message, sizeof v->message, "back to the run without recalibration");
        return false;
    }
    /* A map fitted once is shown again rather than fitted twice. */
    for (size_t i = 0; i < v->run_count; i++) {
        if (sk_session_base(v->runs[i]) == base && view_is_recalibrated(v->runs[i])
            && sk_session_calibrator(v->runs[i])->kind == kind) {
            v->chosen_run = i;
            snprintf(v->message, sizeof v->message, "run %zu: %s", i + 1,
                     sk_session_info(v->runs[i])->name);
            return true;
        }
    }

    view_announce(v, "recalibrating...");
    sk_session *session = NULL;
    sk_error err = { "" };
    unsigned long seed = options != NULL ? options->seed : sk_train_defaults().seed;
    sk_status status = sk_session_new_calibrated(base, kind, v->calib_fraction, seed,
                                                 &session, &err);
    if (status != SK_OK) {
        snprintf(v->message, sizeof v->message, "cannot recalibrate: %s", err.message);
        return false;
    }
    if (!add_run(v, session)) {
        sk_session_free(session);
        return false;
    }
    snprintf(v->message, sizeof v->message, "run %zu: %s, fitted on %.0f %% of %s",
             v->run_count, sk_session_info(session)->name, 100.0 * v->calib_fraction,
             options != NULL ? "validation" : "the rows");
    return true;
}

void view_export(view_state *v)
{
    sk_report_run run = { .info = v->info, .snapshot = v->snapshot };
    json_t *document = NULL;
    sk_error err = { "" };
    sk_status status = sk_report_operating_point(&run, v->threshold, &v->criteria,
                                                 v->chosen_criterion,
                                                 sk_session_calibrator(v->session),
                                                 sk_session_options(v->session), &document,
                                                 &err);
    const char *inputs[1] = { v->input_path };
    if (status == SK_OK)
        status = sk_export_write(v->export_path, document, inputs,
                                 v->input_path != NULL ? 1 : 0, &err);
    json_decref(document);
    if (status == SK_OK)
        snprintf(v->message, sizeof v->message, "exported the operating point at %.3f to %s",
                 v->threshold, v->export_path);
    else
        snprintf(v->message, sizeof v->message, "export failed: %s", err.message);
}

bool view_swap_classes(view_state *v)
{
    /* A run swapped once is shown again rather than made twice. */
    for (size_t i = 0; i < v->run_count; i++) {
        if (sk_session_base(v->runs[i]) == v->session && !view_is_recalibrated(v->runs[i])) {
            v->chosen_run = i;
            snprintf(v->message, sizeof v->message, "run %zu: '%s' is the positive class",
                     i + 1, sk_session_info(v->runs[i])->positive_label);
            return true;
        }
    }

    view_announce(v, "swapping the classes...");
    sk_session *session = NULL;
    sk_error err = { "" };
    if (sk_session_new_swapped(v->session, &session, &err) != SK_OK) {
        snprintf(v->message, sizeof v->message, "cannot swap the classes: %s", err.message);
        return false;
    }
    if (!add_run(v, session)) {
        sk_session_free(session);
        return false;
    }
    snprintf(v->message, sizeof v->message, "run %zu: '%s' is now the positive class",
             v->run_count, sk_session_info(session)->positive_label);
    return true;
}
