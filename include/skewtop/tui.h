/*
 * tui.h - the interactive screen.
 *
 * The UI thread is the only caller of ncurses.  It sleeps in poll() on the
 * terminal, the session's publish pipe and a self-pipe fed by the signal
 * handlers, and redraws only when a snapshot arrives, a key changes
 * something or the terminal is resized.
 */
#ifndef SKEWTOP_TUI_H
#define SKEWTOP_TUI_H

#include "skewtop/common.h"
#include "skewtop/data.h"
#include "skewtop/lesson.h"
#include "skewtop/metrics.h"
#include "skewtop/predictions.h"
#include "skewtop/session.h"

typedef struct {
    const char *title;      /* shown in the top line, e.g. the data file name */
    double threshold;       /* starting threshold */
    /* Training data for the remedy keys, which start new runs on it; NULL
     * (scores from a file) turns those keys off. */
    const sk_dataset *data;
    unsigned epoch_delay_ms; /* pause between epochs of the runs it starts */
    const char *export_path; /* where e writes the operating point */
    const char *input_path;  /* the data file, which e never overwrites */
    const sk_lesson *lesson; /* a lesson whose goal the screen follows, or NULL */
    sk_criterion_options criteria; /* parameters of the threshold criteria */
    double calib_fraction;   /* share of validation rows recalibration fits on */
    long resamples;          /* intervals' bootstrap resamples: 0 default, < 0 none */
} sk_tui_options;

/*
 * Runs the screen over runs [run_count] (>= 1; the first is shown first)
 * until the user quits or a signal ends it, and restores the terminal on
 * every way out.  Training sessions must have been started.
 * Returns SK_ERR_INPUT when standard input or output is not a terminal,
 * SK_ERR_IO when the terminal cannot be set up; *exit_signal receives the
 * number of a terminating signal (SIGINT, SIGTERM, SIGHUP) or 0.
 */
sk_status sk_tui_run(sk_session *const *runs, size_t run_count,
                     const sk_tui_options *options, int *exit_signal,
                     sk_error *err);

/*
 * Shows the progress of a reader running on another thread (bytes and
 * rows read, rate, time left) until done_fd becomes readable, and sets
 * progress->cancel when the user presses q.  Restores the terminal before
 * it returns.  *exit_signal is as for sk_tui_run(); a terminating signal
 * also cancels the reader.
 */
sk_status sk_tui_progress(const char *title, sk_read_progress *progress, int done_fd,
                          int *exit_signal, sk_error *err);

#endif
