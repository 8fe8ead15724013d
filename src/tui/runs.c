/*
 * runs.c - the runs view.  It lists one line per run (training runs
 * started by the remedy keys, or several score columns of an inspected
 * file) with its settings and its metrics at its own threshold.  Below,
 * the validation loss of every training run is overlaid, each drawn with
 * its run number.
 */
#include <curses.h>
#include <math.h>
#include <stdio.h>

#include "view.h"

/* Rows of the table part when the loss chart is shown below it. */
#define TABLE_ROWS_MAX 10

static const char *run_state(const sk_snapshot *s)
{
    switch (s->state) {
    case SK_RUN_STARTING: return "starting";
    case SK_RUN_TRAINING: return "training";
    case SK_RUN_PAUSED: return "paused";
    case SK_RUN_DONE: return "done";
    case SK_RUN_STOPPED: return "stopped";
    default: return "failed";
    }
}

/* Width of the name column: what the metric columns leave. */
static int name_width(const view_state *v)
{
    (void)v;
    int width = COLS - 2 - 66;
    if (width < 12)
        width = 12;
    if (width > 60)
        width = 60;
    return width;
}

static void format_run_line(const view_state *v, size_t i, const sk_snapshot *s,
                            char *line, size_t size)
{
    const sk_run_info *info = sk_session_info(v->runs[i]);
    double threshold = i == v->current ? v->threshold : v->run_thresholds[i];
    char name[128];
    snprintf(name, sizeof name, "%zu %s", i + 1, info->name[0] != '\0' ? info->name : "run");
    char mark = i == v->current ? '>' : ' ';
    int name_w = name_width(v);
    /* Scores from a file have no epochs. */
    char epoch[24] = "-";
    if (info->training)
        snprintf(epoch, sizeof epoch, "%zu", s->epoch);
    if (s->sweep == NULL) {
        snprintf(line, size, "%c %-*.*s %-8s %5s", mark, name_w, name_w, name, run_state(s),
                 epoch);
        return;
    }
    sk_rates m = sk_rates_from_confusion(sk_sweep_confusion(s->sweep, threshold));
    char auc[16], recall[32], precision[16], f1[16];
    view_format_value(auc, sizeof auc, sk_sweep_roc_auc(s->sweep), false);
    view_format_value(recall, sizeof recall, m.recall, m.undefined & SK_UNDEF_RECALL);
    char interval[24] = "";
    if (i < VIEW_INTERVAL_RUNS && v->run_interval_valid[i]
        && v->run_interval_epoch[i] == s->epoch && v->run_interval_threshold[i] == threshold
        && isfinite(v->run_recall[i].lo))
        snprintf(interval, sizeof interval, " %.2f-%.2f", v->run_recall[i].lo,
                 v->run_recall[i].hi);
    view_format_value(precision, sizeof precision, m.precision, m.undefined & SK_UNDEF_PRECISION);
    view_format_value(f1, sizeof f1, m.f1, m.undefined & SK_UNDEF_F1);
    snprintf(line, size, "%c %-*.*s %-8s %5s %6.3f %7s %6s%-10s %9s %6s", mark, name_w,
             name_w, name, run_state(s), epoch, threshold, auc, recall, interval,
             precision, f1);
}

/* Draws every training run's validation loss on one chart. */
static void draw_loss_overlay(const view_state *v, view_rect r)
{
    view_frame(r, " validation loss of each run (digit = run) ");
    const int axis = 7;
    int x = r.x + 1 + axis, w = r.w - 2 - axis, y = r.y + 1, h = r.h - 2;
    if (w < 4 || h < 2)
        return;

    double lo = INFINITY, hi = -INFINITY;
    size_t longest = 1;
    for (size_t i = 0; i < v->run_count; i++) {
        sk_snapshot *s = sk_session_latest(v->runs[i]);
        for (size_t e = 0; e < s->history_len; e++) {
            if (isfinite(s->val_loss[e])) {
                lo = fmin(lo, s->val_loss[e]);
                hi = fmax(hi, s->val_loss[e]);
            }
        }
        if (s->epochs_total > longest)
            longest = s->epochs_total;
        sk_snapshot_release(s);
    }
    if (!(hi >= lo)) {
        view_text(y, x, w, "no epoch has finished yet");
        return;
    }
    if (hi == lo)
        hi = lo + 1e-9;

    for (size_t i = 0; i < v->run_count; i++) {
        sk_snapshot *s = sk_session_latest(v->runs[i]);
        char mark[2] = { (char)('1' + i % 9), '\0' };
        attron(i == v->current ? A_BOLD : A_NORMAL);
        for (size_t e = 0; e < s->history_len; e++) {
            if (!isfinite(s->val_loss[e]))
                continue;
            int col = longest > 1 ? (int)((double)e * (w - 1) / (double)(longest - 1)) : 0;
            int row = (int)lround((hi - s->val_loss[e]) / (hi - lo) * (h - 1));
            mvaddstr(y + row, x + col, mark);
        }
        attroff(i == v->current ? A_BOLD : A_NORMAL);
        sk_snapshot_release(s);
    }
    char label[32];
    snprintf(label, sizeof label, "%6.3f", hi);
    view_text(y, r.x + 1, axis, label);
    snprintf(label, sizeof label, "%6.3f", lo);
    view_text(y + h - 1, r.x + 1, axis, label);
}

void view_draw_runs(const view_state *v, view_rect r)
{
    int table_h = (int)v->run_count + 3;
    if (table_h > TABLE_ROWS_MAX)
        table_h = TABLE_ROWS_MAX;
    if (!v->info->training)
        table_h = r.h;
    bool chart = v->info->training && r.h - table_h >= 6;
    view_rect table = { r.y, r.x, chart ? table_h : r.h, r.w };

    view_frame(table, " runs, each at its own threshold ([ ] switch) ");
    int x = table.x + 1, w = table.w - 2, y = table.y + 1;
    char line[256];
    snprintf(line, sizeof line, "  %-*s %-8s %5s %6s %7s %6s%-10s %9s %6s", name_width(v),
             "run", "state", "epoch", "thresh", "ROC AUC", "recall", " 95 % CI", "precision",
             "F1");
    attron(A_BOLD);
    view_text(y++, x, w, line);
    attroff(A_BOLD);

    /* Scroll so that the run shown stays in view. */
    size_t visible = (size_t)(table.h - 3 > 1 ? table.h - 3 : 1);
    size_t first = v->current >= visible ? v->current - visible + 1 : 0;
    for (size_t i = first; i < v->run_count && y < table.y + table.h - 1; i++) {
        sk_snapshot *s = sk_session_latest(v->runs[i]);
        format_run_line(v, i, s, line, sizeof line);
        sk_snapshot_release(s);
        if (i == v->current)
            attron(A_REVERSE);
        view_text(y++, x, w, line);
        if (i == v->current)
            attroff(A_REVERSE);
    }
    if (chart)
        draw_loss_overlay(v, (view_rect){ r.y + table_h, r.x, r.h - table_h, r.w });
}

bool view_refresh_run_intervals(view_state *v)
{
    bool changed = false;
    for (size_t i = 0; i < v->run_count && i < VIEW_INTERVAL_RUNS; i++) {
        double threshold = i == v->current ? v->threshold : v->run_thresholds[i];
        sk_snapshot *s = sk_session_latest(v->runs[i]);
        bool fresh = v->run_interval_valid[i] && v->run_interval_epoch[i] == s->epoch
                     && v->run_interval_threshold[i] == threshold;
        /* Only finished runs: a training run would need one per epoch. */
        bool finished = s->state == SK_RUN_DONE || s->state == SK_RUN_STOPPED;
        if (!fresh && finished && s->sweep != NULL
            && sk_interval_resamples(s->sweep, -1) > 0) {
            sk_bootstrap_options options = sk_bootstrap_defaults();
            sk_bootstrap_result result;
            sk_error ignored;
            if (sk_sweep_bootstrap(s->sweep, threshold, &options, &result, &ignored) == SK_OK) {
                v->run_recall[i] = result.metric[SK_BOOTSTRAP_RECALL];
                v->run_interval_epoch[i] = s->epoch;
                v->run_interval_threshold[i] = threshold;
                v->run_interval_valid[i] = true;
                changed = true;
            }
        }
        sk_snapshot_release(s);
    }
    return changed;
}
