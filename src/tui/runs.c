/*
 * runs.c - the runs view: one line per run (several score columns of an
 * inspected file, or training runs), with the numbers to compare them by
 * at the current threshold.
 */
#include <curses.h>
#include <math.h>
#include <stdio.h>

#include "view.h"

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

void view_draw_runs(const view_state *v, view_rect r)
{
    char title[64];
    snprintf(title, sizeof title, " runs at threshold %.3f ([ ] switch) ", v->threshold);
    view_frame(r, title);
    int x = r.x + 1, w = r.w - 2, y = r.y + 1;
    char line[256];
    snprintf(line, sizeof line, "  %-16s %-8s %5s %8s %6s %6s %9s %6s", "run", "state",
             "epoch", "ROC AUC", "AP", "recall", "precision", "F1");
    attron(A_BOLD);
    view_text(y++, x, w, line);
    attroff(A_BOLD);

    for (size_t i = 0; i < v->run_count && y < r.y + r.h - 1; i++) {
        const sk_run_info *info = sk_session_info(v->runs[i]);
        sk_snapshot *s = sk_session_latest(v->runs[i]);
        char name[64];
        snprintf(name, sizeof name, "%zu %s", i + 1, info->name[0] != '\0' ? info->name : "run");
        if (s->sweep == NULL) {
            snprintf(line, sizeof line, "%c %-16.16s %-8s %5zu", i == v->current ? '>' : ' ',
                     name, run_state(s), s->epoch);
        } else {
            sk_rates m = sk_rates_from_confusion(sk_sweep_confusion(s->sweep, v->threshold));
            char auc[16], ap[16], recall[16], precision[16], f1[16];
            view_format_value(auc, sizeof auc, sk_sweep_roc_auc(s->sweep), false);
            view_format_value(ap, sizeof ap, sk_sweep_average_precision(s->sweep), false);
            view_format_value(recall, sizeof recall, m.recall, m.undefined & SK_UNDEF_RECALL);
            view_format_value(precision, sizeof precision, m.precision,
                              m.undefined & SK_UNDEF_PRECISION);
            view_format_value(f1, sizeof f1, m.f1, m.undefined & SK_UNDEF_F1);
            snprintf(line, sizeof line, "%c %-16.16s %-8s %5zu %8s %6s %6s %9s %6s",
                     i == v->current ? '>' : ' ', name, run_state(s), s->epoch, auc, ap,
                     recall, precision, f1);
        }
        if (i == v->current)
            attron(A_REVERSE);
        view_text(y++, x, w, line);
        if (i == v->current)
            attroff(A_REVERSE);
        sk_snapshot_release(s);
    }
}
