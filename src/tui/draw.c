/*
 * draw.c - the overview panels, the help overlay and the too-small screen.
 *
 * Layout at 80x24 (it grows with the terminal):
 *   line 0           title bar
 *   top half         loss curves | score histograms by class
 *   bottom half      confusion | metrics | findings
 *   line LINES - 2   threshold slider
 *   line LINES - 1   key hints
 * Everything is drawn on stdscr in one pass, then one doupdate(): curses
 * sends only the cells that changed.
 */
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "view.h"

/* Width of the y-axis labels of the loss chart. */
#define LOSS_AXIS_WIDTH 7
/* Shares of the bottom row given to the confusion and metrics panels. */
#define CONFUSION_WIDTH 24
#define METRICS_WIDTH 26

/* Eighth blocks for bar tops in UTF-8, lowest first. */
static const char *const eighths[8] = {
    "\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586", "\u2587", "\u2588"
};

/* ---- loss ---------------------------------------------------------------- */

static int loss_row(double value, double lo, double hi, int height)
{
    if (hi <= lo)
        return height / 2;
    double share = (hi - value) / (hi - lo);
    int row = (int)lround(share * (height - 1));
    if (row < 0)
        return 0;
    return row >= height ? height - 1 : row;
}

static void draw_loss(const view_state *v, view_rect r)
{
    const sk_snapshot *s = v->snapshot;
    /* Class weights in effect and the prevalence they make the model learn. */
    char title[96] = " loss ";
    const sk_run_info *d = v->info;
    bool resampled = d->seen_rows != d->train_rows || d->seen_positives != d->train_positives;
    if ((s->weight_neg != s->weight_pos || resampled) && d->seen_rows > 0) {
        double pos = s->weight_pos * (double)d->seen_positives;
        double neg = s->weight_neg * (double)(d->seen_rows - d->seen_positives);
        if (s->weight_neg != s->weight_pos)
            snprintf(title, sizeof title, " loss, weights %.2g:%.2g = %.0f %% seen ",
                     s->weight_neg, s->weight_pos, 100.0 * pos / (pos + neg));
        else
            snprintf(title, sizeof title, " loss, resampled = %.0f %% seen ",
                     100.0 * pos / (pos + neg));
    }
    view_frame(r, title);
    int plot_x = r.x + 1 + LOSS_AXIS_WIDTH;
    int plot_w = r.w - 2 - LOSS_AXIS_WIDTH;
    int plot_y = r.y + 1;
    int plot_h = r.h - 3;
    if (plot_w < 4 || plot_h < 2)
        return;

    double lo = s->prior_loss, hi = s->prior_loss;
    for (size_t i = 0; i < s->history_len; i++) {
        double values[2] = { s->train_loss[i], s->val_loss[i] };
        for (int k = 0; k < 2; k++) {
            if (isfinite(values[k])) {
                lo = fmin(lo, values[k]);
                hi = fmax(hi, values[k]);
            }
        }
    }
    double pad = (hi - lo) * 0.05 + 1e-9;
    lo -= pad;
    hi += pad;

    char label[32];
    snprintf(label, sizeof label, "%6.3f", hi);
    view_text(plot_y, r.x + 1, LOSS_AXIS_WIDTH, label);

    /* The prior-only line first, so the curves draw over it. */
    int prior_row = loss_row(s->prior_loss, lo, hi, plot_h);
    attron(sk_terminal_attr(&v->terminal, ROLE_PRIOR));
    for (int x = 0; x < plot_w; x += 2)
        mvaddch(plot_y + prior_row, plot_x + x, '-');
    attroff(sk_terminal_attr(&v->terminal, ROLE_PRIOR));

    size_t span = s->epochs_total > 1 ? s->epochs_total - 1 : 1;
    for (size_t i = 0; i < s->history_len; i++) {
        int x = plot_x + (int)((double)i * (plot_w - 1) / (double)span);
        if (isfinite(s->val_loss[i])) {
            attron(sk_terminal_attr(&v->terminal, ROLE_VAL));
            mvaddstr(plot_y + loss_row(s->val_loss[i], lo, hi, plot_h), x,
                     v->terminal.utf8 ? "\u25cb" : "o");
            attroff(sk_terminal_attr(&v->terminal, ROLE_VAL));
        }
        if (isfinite(s->train_loss[i])) {
            attron(sk_terminal_attr(&v->terminal, ROLE_TRAIN));
            mvaddstr(plot_y + loss_row(s->train_loss[i], lo, hi, plot_h), x,
                     v->terminal.utf8 ? "\u25cf" : "*");
            attroff(sk_terminal_attr(&v->terminal, ROLE_TRAIN));
        }
    }

    char legend[160];
    if (s->history_len > 0)
        snprintf(legend, sizeof legend, "%s train %.3f %s val %.3f - prior %.3f",
                 v->terminal.utf8 ? "\u25cf" : "*", s->train_loss[s->history_len - 1],
                 v->terminal.utf8 ? "\u25cb" : "o", s->val_loss[s->history_len - 1],
                 s->prior_loss);
    else
        snprintf(legend, sizeof legend, "waiting for the first epoch; - prior %.3f",
                 s->prior_loss);
    view_text(r.y + r.h - 2, r.x + 1, r.w - 2, legend);
}

/* ---- histograms ------------------------------------------------------------ */

/* Bar height in eighths of a row, at least one eighth for a non-empty bin
 * so that a single minority row stays visible. */
static int bar_eighths(size_t count, size_t max, int rows, bool log_scale)
{
    if (count == 0 || max == 0)
        return 0;
    double share = log_scale ? log1p((double)count) / log1p((double)max)
                             : (double)count / (double)max;
    int eighths_total = (int)lround(share * rows * 8);
    return eighths_total < 1 ? 1 : eighths_total;
}

/* Draws one bar per column: bins [cols] are the counts of one class. */
static void draw_bars(const view_state *v, const size_t *bins, int y, int x,
                      int rows, int cols, int role, const char *name,
                      size_t total)
{
    size_t max = 0;
    for (int c = 0; c < cols; c++) {
        if (bins[c] > max)
            max = bins[c];
    }

    attron(sk_terminal_attr(&v->terminal, role));
    for (int c = 0; c < cols; c++) {
        int height = bar_eighths(bins[c], max, rows, v->log_histogram);
        for (int row = 0; row < rows && height > 0; row++, height -= 8) {
            int cell_y = y + rows - 1 - row;
            if (v->terminal.utf8)
                mvaddstr(cell_y, x + c, eighths[(height >= 8 ? 8 : height) - 1]);
            else
                mvaddch(cell_y, x + c, height >= 4 ? '#' : '.');
        }
    }
    attroff(sk_terminal_attr(&v->terminal, role));

    char label[96];
    snprintf(label, sizeof label, "%s n=%zu, peak %zu%s", name, total, max,
             v->log_histogram ? " (log)" : "");
    /* The label goes on the top row, at the right unless the bars reach
     * the top there more often than at the left. */
    int len = (int)strlen(label) < cols ? (int)strlen(label) : cols;
    int covered_left = 0, covered_right = 0;
    for (int c = 0; c < len; c++) {
        covered_left += bar_eighths(bins[c], max, rows, v->log_histogram) > (rows - 1) * 8;
        covered_right += bar_eighths(bins[cols - 1 - c], max, rows, v->log_histogram)
                         > (rows - 1) * 8;
    }
    int at = covered_left < covered_right ? x : x + cols - len;
    attron(A_DIM);
    view_text(y, at, cols, label);
    attroff(A_DIM);
}

static int threshold_column(const view_state *v, int cols)
{
    double share = (v->threshold - v->lo) / (v->hi - v->lo);
    int col = (int)floor(share * cols);
    if (col < 0)
        return -1;
    return col >= cols ? cols : col;
}

static void draw_histogram(const view_state *v, view_rect r)
{
    bool probability = v->snapshot->sweep == NULL || sk_sweep_is_probability(v->snapshot->sweep);
    view_frame(r, probability ? " P(positive) by true class " : " score by true class ");
    int x = r.x + 1, cols = r.w - 2;
    int rows = r.h - 3;
    if (!v->have_range) {
        view_text(r.y + 1, x, cols, "waiting for the first epoch");
        return;
    }

    /* One bin per column, counted from the sweep: regrouping finer bins
     * into columns of unequal size would draw a comb on smooth data. */
    sk_class_histogram h;
    sk_error ignored;
    if (cols < 1 || sk_sweep_class_histogram(v->snapshot->sweep, (size_t)cols, v->lo, v->hi,
                                             &h, &ignored) != SK_OK) {
        view_text(r.y + 1, x, cols, "out of memory for the histogram");
        return;
    }
    int top_rows = rows / 2, bottom_rows = rows - top_rows;
    const sk_run_info *d = v->info;
    const sk_snapshot *s = v->snapshot;
    size_t positives = sk_sweep_positives(s->sweep);
    char name[80];
    snprintf(name, sizeof name, "'%s'", d->negative_label);
    draw_bars(v, h.negatives, r.y + 1, x, top_rows, cols, ROLE_NEGATIVE, name,
              s->n - positives);
    snprintf(name, sizeof name, "'%s'", d->positive_label);
    draw_bars(v, h.positives, r.y + 1 + top_rows, x, bottom_rows, cols, ROLE_POSITIVE, name,
              positives);
    sk_class_histogram_free(&h);

    /* The threshold as a vertical line where no bar covers the cell. */
    int col = threshold_column(v, cols);
    if (col >= 0 && col < cols) {
        attron(sk_terminal_attr(&v->terminal, ROLE_THRESHOLD) | A_BOLD);
        for (int row = 0; row < rows; row++) {
            chtype cell = mvinch(r.y + 1 + row, x + col) & A_CHARTEXT;
            if (cell == ' ')
                mvaddch(r.y + 1 + row, x + col, ACS_VLINE);
        }
        attroff(sk_terminal_attr(&v->terminal, ROLE_THRESHOLD) | A_BOLD);
    }

    char axis[64];
    snprintf(axis, sizeof axis, "%.3g", v->lo);
    view_text(r.y + r.h - 2, x, cols, axis);
    snprintf(axis, sizeof axis, "%.3g", v->hi);
    view_text(r.y + r.h - 2, x + cols - (int)strlen(axis), cols, axis);
    snprintf(axis, sizeof axis, "^ %.3f", v->threshold);
    if (col >= 0 && col < cols) {
        int at = col + (int)strlen(axis) < cols ? col : cols - (int)strlen(axis);
        attron(sk_terminal_attr(&v->terminal, ROLE_THRESHOLD));
        view_text(r.y + r.h - 2, x + at, cols - at, axis);
        attroff(sk_terminal_attr(&v->terminal, ROLE_THRESHOLD));
    }
}

/* ---- confusion and metrics ------------------------------------------------ */

static void draw_confusion(const view_state *v, view_rect r)
{
    char title[48];
    snprintf(title, sizeof title, " confusion @ %.3f ", v->threshold);
    view_frame(r, title);
    if (v->snapshot->sweep == NULL)
        return;

    sk_confusion c = sk_sweep_confusion(v->snapshot->sweep, v->threshold);
    const char *pos = v->info->positive_label, *neg = v->info->negative_label;
    int x = r.x + 1, w = r.w - 2;
    char line[96];
    /* Columns as wide as the largest count (at least 6), and the row names
     * in what is left, between 5 and 9 characters. */
    char digits[24];
    size_t largest = c.tp > c.fn ? c.tp : c.fn;
    largest = largest > c.fp ? largest : c.fp;
    largest = largest > c.tn ? largest : c.tn;
    int cw = snprintf(digits, sizeof digits, "%zu", largest);
    cw = cw < 6 ? 6 : cw;
    int nw = w - 2 * (cw + 1);
    if (nw > 9)
        nw = 9;
    if (nw < 5)
        nw = 5;
    /* Rows are the true class, columns the predicted one. */
    snprintf(line, sizeof line, "%-*.*s%*.*s %*.*s", nw, nw, nw >= 9 ? "true\\pred" : "true",
             cw + 1, cw, pos, cw, cw, neg);
    view_text(r.y + 1, x, w, line);
    snprintf(line, sizeof line, "%-*.*s%*zu %*zu", nw, nw - 1, pos, cw + 1, c.tp, cw, c.fn);
    view_text(r.y + 2, x, w, line);
    snprintf(line, sizeof line, "%-*.*s%*zu %*zu", nw, nw - 1, neg, cw + 1, c.fp, cw, c.tn);
    view_text(r.y + 3, x, w, line);

    snprintf(line, sizeof line, "tp %zu fn %zu", c.tp, c.fn);
    view_text(r.y + 5, x, w, line);
    snprintf(line, sizeof line, "fp %zu tn %zu", c.fp, c.tn);
    view_text(r.y + 6, x, w, line);
}

/* Formats a bootstrap interval compactly (" .01-.06" in narrow panels,
 * " [0.012, 0.061]" in wide ones), or "" when none is current. */
static void format_interval(char *out, size_t size, const view_state *v,
                            sk_bootstrap_metric metric, bool wide)
{
    out[0] = '\0';
    if (!view_intervals_current(v))
        return;
    const sk_interval *i = &v->interval_result.metric[metric];
    if (!isfinite(i->lo) || !isfinite(i->hi))
        return;
    if (wide) {
        snprintf(out, size, " [%.3f, %.3f]", i->lo, i->hi);
        return;
    }
    char lo[8], hi[8];
    snprintf(lo, sizeof lo, "%.2f", i->lo);
    snprintf(hi, sizeof hi, "%.2f", i->hi);
    /* "0.01" -> ".01"; "1.00" stays as it is. */
    snprintf(out, size, " %s-%s", lo[0] == '0' ? lo + 1 : lo, hi[0] == '0' ? hi + 1 : hi);
}

/* One "name value interval" line of the metrics panel. */
static void metric_line(const view_state *v, int y, int x, int w, const char *name,
                        double value, bool undefined, int metric)
{
    char number[16], interval[40], line[96];
    view_format_value(number, sizeof number, value, undefined);
    interval[0] = '\0';
    if (metric >= 0 && !undefined)
        format_interval(interval, sizeof interval, v, (sk_bootstrap_metric)metric, w >= 34);
    snprintf(line, sizeof line, "%-9s %s%s", name, number, interval);
    view_text(y, x, w, line);
}

static void draw_metrics(const view_state *v, view_rect r)
{
    char title[48];
    snprintf(title, sizeof title, " metrics%s ",
             view_intervals_current(v) ? ", 95 % CI" : "");
    view_frame(r, title);
    if (v->snapshot->sweep == NULL)
        return;

    sk_rates m = sk_rates_from_confusion(sk_sweep_confusion(v->snapshot->sweep, v->threshold));
    int x = r.x + 1, w = r.w - 2, y = r.y + 1;
    metric_line(v, y++, x, w, "precision", m.precision, m.undefined & SK_UNDEF_PRECISION,
                SK_BOOTSTRAP_PRECISION);
    metric_line(v, y++, x, w, "recall", m.recall, m.undefined & SK_UNDEF_RECALL,
                SK_BOOTSTRAP_RECALL);
    metric_line(v, y++, x, w, "F1", m.f1, m.undefined & SK_UNDEF_F1, SK_BOOTSTRAP_F1);
    metric_line(v, y++, x, w, "bal. acc.", m.balanced_accuracy,
                m.undefined & SK_UNDEF_BALANCED, SK_BOOTSTRAP_BALANCED_ACCURACY);
    metric_line(v, y++, x, w, "accuracy", m.accuracy, false, -1);
    metric_line(v, y++, x, w, "baseline", m.baseline, false, -1);

    char a[16], b[16], line[96];
    view_format_value(a, sizeof a, v->roc_auc, false);
    view_format_value(b, sizeof b, v->average_precision, false);
    snprintf(line, sizeof line, "ROC AUC %s AP %s", a, b);
    view_text(y++, x, w, line);
    if (sk_sweep_is_binned(v->snapshot->sweep) && y < r.y + r.h - 1) {
        /* Binned scores: the areas are within a stated error of exact. */
        snprintf(line, sizeof line,
                 v->terminal.utf8 ? "binned: AUC \u00b1%.1g AP \u00b1%.1g"
                                  : "binned: AUC +-%.1g AP +-%.1g",
                 sk_sweep_roc_auc_error(v->snapshot->sweep),
                 sk_sweep_average_precision_error(v->snapshot->sweep));
        view_text(y++, x, w, line);
    }
    if (y < r.y + r.h - 1) {
        snprintf(line, sizeof line, "predicted + %5.1f %%", 100.0 * m.predicted_positive_rate);
        view_text(y++, x, w, line);
    }
}

/* ---- findings -------------------------------------------------------------- */

/* Writes text word-wrapped into rows [y, y_end) of width w; returns the
 * next free row. */
static int wrap_text(int y, int y_end, int x, int w, const char *text)
{
    const char *p = text;
    while (*p != '\0' && y < y_end) {
        int len = (int)strlen(p);
        int cut = len <= w ? len : w;
        if (len > w) {
            while (cut > 0 && p[cut] != ' ')
                cut--;
            if (cut == 0)
                cut = w;
        }
        mvaddnstr(y++, x, p, cut);
        p += cut;
        while (*p == ' ')
            p++;
    }
    return y;
}

/* The lesson's goal, and its hint until the goal is reached; returns the
 * next free row. */
static int draw_lesson(const view_state *v, int y, int y_end, int x, int w)
{
    attron(A_BOLD);
    if (v->lesson_done)
        y = wrap_text(y, y_end, x, w, "Goal reached. Keep exploring, or q to quit.");
    else
        y = wrap_text(y, y_end, x, w, v->lesson->goal);
    attroff(A_BOLD);
    if (!v->lesson_done && y < y_end - 1) {
        attron(A_DIM);
        y = wrap_text(y, y_end - 1, x, w, v->lesson->hint);
        attroff(A_DIM);
    }
    return y;
}

static void draw_findings(const view_state *v, view_rect r)
{
    char title[64];
    if (v->lesson != NULL)
        snprintf(title, sizeof title, " lesson %s, findings (%zu) ", v->lesson->name,
                 v->finding_count);
    else
        snprintf(title, sizeof title, " findings (%zu) ", v->finding_count);
    view_frame(r, title);
    int x = r.x + 1, w = r.w - 2, y = r.y + 1, y_end = r.y + r.h - 1;
    if (v->lesson != NULL)
        y = draw_lesson(v, y, y_end, x, w);
    if (v->finding_count == 0) {
        view_text(y, x, w, v->snapshot->sweep == NULL ? "waiting for the first epoch"
                                                    : "none at this threshold");
        return;
    }

    for (size_t i = 0; i < v->finding_count && y < y_end; i++) {
        const sk_finding *f = &v->findings[i];
        bool last_row_left = y == y_end - 1 && i + 1 < v->finding_count;
        if (last_row_left) {
            char more[48];
            snprintf(more, sizeof more, "+%zu more", v->finding_count - i);
            view_text(y++, x, w, more);
            break;
        }
        int role = f->severity == SK_SEVERITY_ERROR ? ROLE_ERROR
                   : f->severity == SK_SEVERITY_WARNING ? ROLE_WARNING : ROLE_DEFAULT;
        static const char markers[] = { [SK_SEVERITY_ERROR] = '!',
                                        [SK_SEVERITY_WARNING] = '~',
                                        [SK_SEVERITY_INFO] = 'i' };
        char head[96];
        snprintf(head, sizeof head, "%c %s", markers[f->severity], f->id);
        attron(sk_terminal_attr(&v->terminal, role) | A_BOLD);
        view_text(y++, x, w, head);
        attroff(sk_terminal_attr(&v->terminal, role) | A_BOLD);
        /* The first finding gets its message and action; later ones as
         * much as fits below. */
        int reserve = (int)(v->finding_count - i - 1);
        int limit = y_end - reserve > y ? y_end - reserve : y;
        y = wrap_text(y, limit, x + 2, w - 2, f->message);
        if (y < limit) {
            char action[200];
            snprintf(action, sizeof action, "-> %s", f->action);
            y = wrap_text(y, limit, x + 2, w - 2, action);
        }
    }
}

/* ---- slider, title and status ---------------------------------------------- */

static void draw_slider(const view_state *v, int y)
{
    char left[32], right[96];
    snprintf(left, sizeof left, " threshold %.3f ", v->threshold);
    const sk_threshold_choice *best = &v->best[v->shown_criterion];
    if (v->snapshot->sweep != NULL && best->found)
        snprintf(right, sizeof right, " %s best at %.3f (o) ",
                 sk_criterion_name(v->shown_criterion), best->threshold);
    else
        snprintf(right, sizeof right, " ");

    int width = COLS - (int)strlen(left) - (int)strlen(right) - 2;
    mvaddstr(y, 0, left);
    int x0 = (int)strlen(left) + 1;
    mvaddch(y, x0 - 1, '[');
    mvhline(y, x0, ACS_HLINE, width);
    mvaddch(y, x0 + width, ']');
    mvaddstr(y, x0 + width + 1, right);
    if (width < 2 || !v->have_range)
        return;

    double lo = v->lo, hi = v->hi;
    if (best->found) {
        int bx = (int)lround((best->threshold - lo) / (hi - lo) * (width - 1));
        if (bx >= 0 && bx < width)
            mvaddstr(y, x0 + bx, v->terminal.utf8 ? "\u25c6" : "*");
    }
    int tx = (int)lround((v->threshold - lo) / (hi - lo) * (width - 1));
    if (tx < 0)
        tx = 0;
    if (tx >= width)
        tx = width - 1;
    attron(sk_terminal_attr(&v->terminal, ROLE_THRESHOLD) | A_BOLD | A_REVERSE);
    mvaddch(y, x0 + tx, '|');
    attroff(sk_terminal_attr(&v->terminal, ROLE_THRESHOLD) | A_BOLD | A_REVERSE);
}

/* True when the run, or the run it was made from, trained here. */
static bool from_training(const sk_session *session)
{
    while (sk_session_base(session) != NULL)
        session = sk_session_base(session);
    return sk_session_dataset(session) != NULL;
}

static const char *state_name(const view_state *v)
{
    switch (v->snapshot->state) {
    case SK_RUN_STARTING: return v->paused ? "paused" : "starting";
    case SK_RUN_TRAINING: return v->paused ? "paused" : "training";
    case SK_RUN_PAUSED: return v->paused ? "paused" : "training";
    case SK_RUN_DONE: return "done";
    case SK_RUN_STOPPED: return "stopped";
    default: return "failed";
    }
}

static void draw_title(const view_state *v)
{
    const sk_run_info *d = v->info;
    const sk_snapshot *s = v->snapshot;
    double prevalence = d->rows > 0 ? 100.0 * (double)d->positives / (double)d->rows : 0.0;
    /* The run goes last: it is the part that may be cut. */
    char run[96] = "";
    if (v->run_count > 1)
        snprintf(run, sizeof run, "run %zu/%zu: %s ", v->current + 1, v->run_count,
                 d->name);
    char line[512];
    if (d->training)
        snprintf(line, sizeof line,
                 " skewtop  epoch %zu/%zu %s  %s  %s='%s' %.1f %%  %s",
                 s->epoch, s->epochs_total, state_name(v), v->title, d->target_name,
                 d->positive_label, prevalence, run);
    else
        snprintf(line, sizeof line, " skewtop  %s  %s  %s='%s' %.1f %%  %s",
                 from_training(v->session) ? "derived" : "inspect", v->title, d->target_name,
                 d->positive_label, prevalence, run);
    attron(A_REVERSE);
    mvhline(0, 0, ' ', COLS);
    mvaddnstr(0, 0, line, COLS);
    attroff(A_REVERSE);
}

static void draw_status(const view_state *v)
{
    if (v->message[0] != '\0') {
        attron(A_REVERSE | A_BOLD);
        mvhline(LINES - 1, 0, ' ', COLS);
        mvaddnstr(LINES - 1, 1, v->message, COLS - 1);
        attroff(A_REVERSE | A_BOLD);
        return;
    }
    /* Scores from a file do not train, so space has nothing to pause. */
    bool training = v->info->training;
    const char *keys = training ? " \u2190/\u2192 \u00b10.01  H/L \u00b10.001  0 reset  o best  "
                                  "Tab view  space pause  ? help  q quit"
                                : " \u2190/\u2192 \u00b10.01  H/L \u00b10.001  0 reset  o best  "
                                  "Tab view  p swap  c recalibrate  ? help  q quit";
    const char *ascii = training ? " left/right +-0.01  H/L +-0.001  0 reset  o best  "
                                   "Tab view  space pause  ? help  q quit"
                                 : " left/right +-0.01  H/L +-0.001  0 reset  o best  "
                                   "Tab view  p swap  c recalibrate  ? help  q quit";
    attron(A_REVERSE);
    mvhline(LINES - 1, 0, ' ', COLS);
    mvaddnstr(LINES - 1, 0, v->terminal.utf8 ? keys : ascii, COLS);
    attroff(A_REVERSE);
}

/* ---- help and too small ---------------------------------------------------- */

static const char *const help_training[] = {
    "left/right, h/l  threshold -/+0.01   H/L, shift-arrows  -/+0.001",
    "PgDn/PgUp        threshold -/+0.1    0  back to the first threshold",
    "o                best threshold; again: next criterion",
    "Tab, shift-Tab   views: overview, curves, calibration, runs",
    "[ ]              previous or next run   g  histogram log scale",
    "w f b r          new run toggling class weights, focal loss,",
    "                 prior bias, or the next resampling (over, under,",
    "                 smote, balanced batches)",
    "n + -            new run: same settings, learning rate x10, /10",
    "p                swap the positive class (again: back)",
    "c                recalibrate: prior shift, Platt, isotonic, then off",
    "                 (fitted on part of validation, shown on the rest)",
    "e                export the operating point as JSON",
    "space  pause/resume   Ctrl-L  redraw   ?  this help   q  quit",
    "",
    "Loss: the dashed line is the loss of predicting the base rate.",
    "Histograms: validation scores per true class, each on its own",
    "scale; rows at or above the threshold are predicted positive.",
};

/* Scores from a file: no training keys, and the notes on how it was read. */
static const char *const help_file[] = {
    "left/right, h/l  threshold -/+0.01   H/L, shift-arrows  -/+0.001",
    "PgDn/PgUp        threshold -/+0.1    0  back to the first threshold",
    "o                best threshold; again: next criterion",
    "Tab, shift-Tab   views: overview, curves, calibration, runs",
    "[ ]              previous or next run   g  histogram log scale",
    "p                swap the positive class (again: back)",
    "c                recalibrate: Platt, isotonic, then off",
    "                 (fitted on half of the rows, shown on the rest)",
    "e                export the operating point as JSON",
    "Ctrl-L  redraw   ?  this help   q  quit",
    "",
    "Histograms: scores per true class, each on its own scale; rows at",
    "or above the threshold are predicted positive.",
};

static void draw_help(const view_state *v)
{
    bool training = from_training(v->session);
    const char *const *lines = training ? help_training : help_file;
    int n = training ? (int)(sizeof help_training / sizeof *help_training)
                     : (int)(sizeof help_file / sizeof *help_file);
    size_t notes = training ? 0 : v->info->notice_count;
    int w = 72 < COLS - 2 ? 72 : COLS - 2;
    int h = notes > 0 ? LINES - 2 : n + 4;
    int y = (LINES - h) / 2, x = (COLS - w) / 2;
    for (int row = 0; row < h; row++)
        mvhline(y + row, x, ' ', w);
    view_frame((view_rect){ y, x, h, w }, " keys (any key closes) ");
    for (int i = 0; i < n; i++)
        view_text(y + 2 + i, x + 2, w - 4, lines[i]);
    /* How the file was read, as far as the box has room. */
    int row = y + 2 + n + 1;
    if (notes > 0 && row < y + h - 1)
        view_text(row++, x + 2, w - 4, "How the file was read:");
    for (size_t i = 0; i < notes && row < y + h - 1; i++)
        row = wrap_text(row, y + h - 1, x + 2, w - 4, v->info->notices[i]);
}

/* The box that explains a lesson once its goal is reached. */
static void draw_explanation(const view_state *v)
{
    int w = 64 < COLS - 4 ? 64 : COLS - 4;
    int h = 14;
    int y = (LINES - h) / 2, x = (COLS - w) / 2;
    for (int row = 0; row < h; row++)
        mvhline(y + row, x, ' ', w);
    char title[96];
    snprintf(title, sizeof title, " lesson %s complete (any key closes) ", v->lesson->name);
    view_frame((view_rect){ y, x, h, w }, title);
    wrap_text(y + 2, y + h - 1, x + 2, w - 4, v->lesson->explanation);
}

/* The too-small screen, in short lines so that narrow terminals show it
 * whole. */
static void draw_too_small(void)
{
    char line[64];
    snprintf(line, sizeof line, "terminal too small: %dx%d", COLS, LINES);
    mvaddnstr(0, 0, line, COLS);
    snprintf(line, sizeof line, "skewtop needs %dx%d", VIEW_MIN_COLS, VIEW_MIN_LINES);
    mvaddnstr(1, 0, line, COLS);
    mvaddnstr(2, 0, "q quits", COLS);
}

/* The loss and histograms on top, confusion, metrics and findings below. */
static void draw_overview(const view_state *v, int top_h, int bottom_h, int half)
{
    /* Scores from a file have no loss: the histograms take the width. */
    if (v->info->training) {
        draw_loss(v, (view_rect){ 1, 0, top_h, half });
        draw_histogram(v, (view_rect){ 1, half, top_h, COLS - half });
    } else {
        draw_histogram(v, (view_rect){ 1, 0, top_h, COLS });
    }

    int extra = COLS - VIEW_MIN_COLS;
    int conf_w = CONFUSION_WIDTH + extra / 6;
    int met_w = METRICS_WIDTH + extra / 6;
    draw_confusion(v, (view_rect){ 1 + top_h, 0, bottom_h, conf_w });
    draw_metrics(v, (view_rect){ 1 + top_h, conf_w, bottom_h, met_w });
    draw_findings(v, (view_rect){ 1 + top_h, conf_w + met_w, bottom_h,
                                  COLS - conf_w - met_w });
}

void view_announce(view_state *v, const char *text)
{
    snprintf(v->message, sizeof v->message, "%s", text);
    draw_status(v);
    refresh();
}

void view_draw(const view_state *v)
{
    werase(stdscr);
    if (COLS < VIEW_MIN_COLS || LINES < VIEW_MIN_LINES) {
        draw_too_small();
    } else {
        int top_h = (LINES - 3) * 4 / 7;
        int bottom_h = LINES - 3 - top_h;
        int half = COLS / 2;
        draw_title(v);
        view_rect body = { 1, 0, LINES - 3, COLS };
        if (v->view == VIEW_CURVES) {
            view_draw_curves(v, body);
        } else if (v->view == VIEW_CALIBRATION) {
            view_draw_calibration(v, body);
        } else if (v->view == VIEW_RUNS) {
            view_draw_runs(v, body);
        } else {
            draw_overview(v, top_h, bottom_h, half);
        }
        draw_slider(v, LINES - 2);
        draw_status(v);
        if (v->show_help)
            draw_help(v);
        else if (v->show_explanation)
            draw_explanation(v);
    }
    wnoutrefresh(stdscr);
    doupdate();
}
