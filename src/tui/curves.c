/*
 * curves.c - the curves view (ROC and precision-recall side by side) and
 * the calibration view (reliability diagram and its table).
 *
 * Both plot on a character grid with the origin at the bottom left; a
 * curve is drawn by stepping along each segment between its points, so
 * that steep parts stay connected at any terminal size.
 */
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "view.h"

/* Width of the y-axis labels of a plot. */
#define AXIS_WIDTH 5

typedef struct {
    int y, x, h, w;   /* the plotting cells */
} plot_area;

static void plot_cell(plot_area a, double fx, double fy, const char *mark)
{
    if (!isfinite(fx) || !isfinite(fy))
        return;
    int col = (int)lround(fx * (a.w - 1));
    int row = (int)lround((1.0 - fy) * (a.h - 1));
    if (col < 0 || col >= a.w || row < 0 || row >= a.h)
        return;
    mvaddstr(a.y + row, a.x + col, mark);
}

/* Draws a straight segment in unit coordinates, one cell per step. */
static void plot_segment(plot_area a, double x0, double y0, double x1, double y1,
                         const char *mark)
{
    double dx = fabs(x1 - x0) * a.w, dy = fabs(y1 - y0) * a.h;
    int steps = (int)ceil(dx > dy ? dx : dy);
    if (steps < 1)
        steps = 1;
    for (int i = 0; i <= steps; i++) {
        double t = (double)i / steps;
        plot_cell(a, x0 + t * (x1 - x0), y0 + t * (y1 - y0), mark);
    }
}

/* Frames r, writes axis labels and returns the plotting cells. */
static plot_area plot_frame(view_rect r, const char *title, const char *x_name,
                            const char *y_name)
{
    view_frame(r, title);
    plot_area a = { r.y + 2, r.x + 1 + AXIS_WIDTH, r.h - 5, r.w - 3 - AXIS_WIDTH };
    view_text(a.y, r.x + 1, AXIS_WIDTH, "  1.0");
    view_text(a.y + a.h - 1, r.x + 1, AXIS_WIDTH, "  0.0");
    view_text(r.y + 1, r.x + 1, r.w - 2, y_name);
    char axis[96];
    snprintf(axis, sizeof axis, "0.0 %*s 1.0", a.w - 8, x_name);
    view_text(a.y + a.h, a.x, a.w, axis);
    return a;
}

static void plot_curve(const view_state *v, plot_area a, const sk_curve *c, int role)
{
    const char *mark = v->terminal.utf8 ? "\u2022" : "*";
    attron(sk_terminal_attr(&v->terminal, role));
    for (size_t i = 0; i + 1 < c->points; i++)
        plot_segment(a, c->x[i], c->y[i], c->x[i + 1], c->y[i + 1], mark);
    if (c->points == 1)
        plot_cell(a, c->x[0], c->y[0], mark);
    attroff(sk_terminal_attr(&v->terminal, role));
}

static void plot_operating_point(const view_state *v, plot_area a, double x, double y)
{
    attron(sk_terminal_attr(&v->terminal, ROLE_THRESHOLD) | A_BOLD);
    plot_cell(a, x, y, v->terminal.utf8 ? "\u25c9" : "@");
    attroff(sk_terminal_attr(&v->terminal, ROLE_THRESHOLD) | A_BOLD);
}

/* Appends " (lo-hi)" for a bootstrap metric when a current one exists. */
static void append_interval(char *out, size_t size, const view_state *v,
                            sk_bootstrap_metric metric)
{
    if (!view_intervals_current(v))
        return;
    const sk_interval *i = &v->interval_result.metric[metric];
    if (isfinite(i->lo) && isfinite(i->hi)) {
        size_t used = strlen(out);
        snprintf(out + used, size - used, " (%.3f-%.3f)", i->lo, i->hi);
    }
}

void view_draw_curves(const view_state *v, view_rect r)
{
    view_rect left = { r.y, r.x, r.h, r.w / 2 };
    view_rect right = { r.y, r.x + r.w / 2, r.h, r.w - r.w / 2 };
    char title[96];

    snprintf(title, sizeof title, " ROC, AUC %.3f", v->roc_auc);
    append_interval(title, sizeof title, v, SK_BOOTSTRAP_ROC_AUC);
    strncat(title, " ", sizeof title - strlen(title) - 1);
    plot_area roc = plot_frame(left, title, "false-positive rate", "true-positive rate");
    snprintf(title, sizeof title, " PR, AP %.3f", v->average_precision);
    append_interval(title, sizeof title, v, SK_BOOTSTRAP_AVERAGE_PRECISION);
    strncat(title, " ", sizeof title - strlen(title) - 1);
    plot_area pr = plot_frame(right, title, "recall", "precision");
    if (v->snapshot->sweep == NULL || roc.w < 4 || roc.h < 3)
        return;

    /* Chance: the diagonal for ROC, the prevalence for precision. */
    double prevalence = (double)sk_sweep_positives(v->snapshot->sweep)
                        / (double)sk_sweep_count(v->snapshot->sweep);
    attron(A_DIM);
    plot_segment(roc, 0, 0, 1, 1, ".");
    plot_segment(pr, 0, prevalence, 1, prevalence, ".");
    attroff(A_DIM);

    plot_curve(v, roc, &v->roc, ROLE_NEGATIVE);
    plot_curve(v, pr, &v->pr, ROLE_POSITIVE);

    sk_rates m = sk_rates_from_confusion(sk_sweep_confusion(v->snapshot->sweep, v->threshold));
    plot_operating_point(v, roc, 1.0 - m.specificity, m.recall);
    if (!(m.undefined & SK_UNDEF_PRECISION))
        plot_operating_point(v, pr, m.recall, m.precision);

    char legend[128];
    snprintf(legend, sizeof legend, "%s %.3f: FPR %.3f TPR %.3f, . chance",
             v->terminal.utf8 ? "\u25c9" : "@", v->threshold, 1.0 - m.specificity, m.recall);
    view_text(left.y + left.h - 2, left.x + 1, left.w - 2, legend);
    snprintf(legend, sizeof legend, "%s recall %.3f precision %.3f, . base",
             v->terminal.utf8 ? "\u25c9" : "@", m.recall, m.precision);
    view_text(right.y + right.h - 2, right.x + 1, right.w - 2, legend);
}

/* The reliability diagram: fraction of positives per score bin against
 * the bin's mean score, with the diagonal of perfect calibration. */
static void draw_reliability(const view_state *v, view_rect r)
{
    const sk_calibration *c = &v->calibration;
    plot_area a = plot_frame(r, v->have_calibration_before
                                    ? " reliability, filled after, hollow before "
                                    : " reliability ",
                             "mean score in bin", "fraction positive");
    if (a.w < 4 || a.h < 3)
        return;
    attron(A_DIM);
    plot_segment(a, 0, 0, 1, 1, ".");
    attroff(A_DIM);

    if (v->have_calibration_before) {
        const sk_calibration *b = &v->calibration_before;
        attron(A_DIM);
        for (size_t k = 0; k < b->bins; k++)
            if (b->count[k] > 0)
                plot_cell(a, b->mean_score[k], b->fraction_positive[k],
                          v->terminal.utf8 ? "\u25cb" : "x");
        attroff(A_DIM);
    }

    const char *mark = v->terminal.utf8 ? "\u25cf" : "o";
    attron(sk_terminal_attr(&v->terminal, ROLE_POSITIVE) | A_BOLD);
    double px = NAN, py = NAN;
    for (size_t b = 0; b < c->bins; b++) {
        if (c->count[b] == 0)
            continue;
        if (isfinite(px))
            plot_segment(a, px, py, c->mean_score[b], c->fraction_positive[b],
                         v->terminal.utf8 ? "\u00b7" : "-");
        px = c->mean_score[b];
        py = c->fraction_positive[b];
    }
    for (size_t b = 0; b < c->bins; b++)
        if (c->count[b] > 0)
            plot_cell(a, c->mean_score[b], c->fraction_positive[b], mark);
    attroff(sk_terminal_attr(&v->terminal, ROLE_POSITIVE) | A_BOLD);
}

static void draw_calibration_table(const view_state *v, view_rect r)
{
    const sk_calibration *c = &v->calibration;
    view_frame(r, " bins ");
    int x = r.x + 1, w = r.w - 2, y = r.y + 1;
    char line[128];
    double brier = v->snapshot->brier;
    snprintf(line, sizeof line, "ECE %.4f   Brier %.4f", c->ece, brier);
    view_text(y++, x, w, line);
    if (v->have_calibration_before) {
        snprintf(line, sizeof line, "before: ECE %.4f Brier %.4f", v->calibration_before.ece,
                 v->brier_before);
        view_text(y++, x, w, line);
    }
    view_text(y++, x, w, "bin        rows  mean   positive");
    for (size_t b = 0; b < c->bins && y < r.y + r.h - 1; b++) {
        char mean[16], fraction[16];
        view_format_value(mean, sizeof mean, c->mean_score[b], c->count[b] == 0);
        view_format_value(fraction, sizeof fraction, c->fraction_positive[b], c->count[b] == 0);
        snprintf(line, sizeof line, "%.1f-%.1f %7zu  %s  %s", c->edges[b], c->edges[b + 1],
                 c->count[b], mean, fraction);
        view_text(y++, x, w, line);
    }
}

void view_draw_calibration(const view_state *v, view_rect r)
{
    if (v->snapshot->sweep == NULL || !v->have_calibration) {
        view_frame(r, " calibration ");
        view_text(r.y + 1, r.x + 1, r.w - 2, "waiting for the first epoch");
        return;
    }
    if (!v->calibration.applicable) {
        view_frame(r, " calibration ");
        view_text(r.y + 1, r.x + 1, r.w - 2,
                  "The scores are not probabilities (some lie outside [0, 1]), so "
                  "calibration does not apply.");
        return;
    }
    int table_w = 36;
    draw_reliability(v, (view_rect){ r.y, r.x, r.h, r.w - table_w });
    draw_calibration_table(v, (view_rect){ r.y, r.x + r.w - table_w, r.h, table_w });
}
