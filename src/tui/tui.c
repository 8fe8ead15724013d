/*
 * tui.c - the event loop and the keymap of the interactive screen.
 *
 * The loop sleeps in poll() on the terminal (keys and, through EINTR,
 * SIGWINCH), the signal self-pipe, the interval worker's pipe and the
 * publish pipe of each run.  A new snapshot triggers the per-snapshot work
 * (score range, curves, best thresholds).  A key only changes the state and
 * marks the screen dirty.  Frames are capped at FRAME_INTERVAL_MS, and nothing is
 * drawn while nothing changed.
 */
#include "skewtop/tui.h"

#include <curses.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#include "view.h"

/* Minimum time between two frames: 30 frames a second is smooth for a
 * person and cheap over SSH. */
#define FRAME_INTERVAL_MS 33

/* Threshold steps of the arrow keys, H/L and PgUp/PgDn. */
#define STEP_SMALL 0.001
#define STEP_NORMAL 0.01
#define STEP_LARGE 0.1

/* Criteria that `o` cycles through, in order. */
static const sk_criterion cycle_criteria[] = {
    SK_CRITERION_F1, SK_CRITERION_BALANCED_ACCURACY, SK_CRITERION_MCC,
    SK_CRITERION_YOUDEN, SK_CRITERION_FBETA, SK_CRITERION_COST,
};

typedef enum {
    ACTION_NONE = 0,
    ACTION_QUIT,
    ACTION_STEP,           /* move the threshold by the key's step */
    ACTION_RESET,
    ACTION_BEST,
    ACTION_PAUSE,
    ACTION_LOG_SCALE,
    ACTION_HELP,
    ACTION_NEXT_VIEW,
    ACTION_PREVIOUS_VIEW,
    ACTION_NEXT_RUN,
    ACTION_PREVIOUS_RUN,
    ACTION_WEIGHTS,        /* new run: cycle class weights none, balanced */
    ACTION_FOCAL,          /* new run: BCE <-> focal loss */
    ACTION_BIAS,           /* new run: zero <-> prior output bias */
    ACTION_RESTART,        /* new run with the current settings */
    ACTION_RESAMPLE,       /* new run: cycle none, over, under, smote */
    ACTION_RECALIBRATE,    /* new run: the next calibration map */
    ACTION_SWAP,           /* new run: the other class as positive */
    ACTION_FASTER,         /* new run: learning rate x 10 */
    ACTION_SLOWER,         /* new run: learning rate / 10 */
    ACTION_EXPORT,
    ACTION_REDRAW
} key_action;

typedef struct {
    int key;
    key_action action;
    double step;
} key_binding;

static const key_binding keymap[] = {
    { 'q', ACTION_QUIT, 0 },
    { KEY_LEFT, ACTION_STEP, -STEP_NORMAL },  { KEY_RIGHT, ACTION_STEP, STEP_NORMAL },
    { 'h', ACTION_STEP, -STEP_NORMAL },       { 'l', ACTION_STEP, STEP_NORMAL },
    { 'H', ACTION_STEP, -STEP_SMALL },        { 'L', ACTION_STEP, STEP_SMALL },
    { KEY_SLEFT, ACTION_STEP, -STEP_SMALL },  { KEY_SRIGHT, ACTION_STEP, STEP_SMALL },
    { KEY_NPAGE, ACTION_STEP, -STEP_LARGE },  { KEY_PPAGE, ACTION_STEP, STEP_LARGE },
    { '0', ACTION_RESET, 0 },
    { 'o', ACTION_BEST, 0 },
    { ' ', ACTION_PAUSE, 0 },
    { 'g', ACTION_LOG_SCALE, 0 },
    { '?', ACTION_HELP, 0 },
    { '\t', ACTION_NEXT_VIEW, 0 },
    { KEY_BTAB, ACTION_PREVIOUS_VIEW, 0 },
    { ']', ACTION_NEXT_RUN, 0 },
    { 'w', ACTION_WEIGHTS, 0 },
    { 'f', ACTION_FOCAL, 0 },
    { 'b', ACTION_BIAS, 0 },
    { 'n', ACTION_RESTART, 0 },
    { 'r', ACTION_RESAMPLE, 0 },
    { 'c', ACTION_RECALIBRATE, 0 },
    { 'p', ACTION_SWAP, 0 },
    { '+', ACTION_FASTER, 0 },
    { '-', ACTION_SLOWER, 0 },
    { 'e', ACTION_EXPORT, 0 },
    { '[', ACTION_PREVIOUS_RUN, 0 },
    { 12 /* Ctrl-L */, ACTION_REDRAW, 0 },
};

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Bootstrap resamples for a sweep under the --resamples setting. */
static size_t interval_resamples(const view_state *v, const sk_sweep *sweep)
{
    /* The setting's 0 means the default, which sk_interval_resamples()
     * takes as -1; a negative setting means none. */
    long requested = v->resamples;
    if (requested == 0)
        requested = -1;
    else if (requested < 0)
        requested = 0;
    return sk_interval_resamples(sweep, requested);
}

/* Frees what take_snapshot() computed for the previous snapshot. */
static void release_snapshot_work(view_state *v)
{
    if (v->have_calibration_before)
        sk_calibration_free(&v->calibration_before);
    v->have_calibration_before = false;
    v->have_range = false;
    sk_curve_free(&v->roc);
    sk_curve_free(&v->pr);
    if (v->have_calibration)
        sk_calibration_free(&v->calibration);
    v->have_calibration = false;
}

bool view_intervals_current(const view_state *v)
{
    return v->have_intervals && v->snapshot != NULL
           && v->interval_epoch == v->snapshot->epoch
           && v->interval_result.threshold == v->threshold;
}

/* Recomputes the findings at the current threshold and requests the
 * intervals there. */
static void update_findings(view_state *v)
{
    if (v->intervals != NULL && v->snapshot->sweep != NULL
        && interval_resamples(v, v->snapshot->sweep) > 0)
        sk_intervals_request(v->intervals, v->snapshot, v->threshold);
    v->diagnose.threshold = v->threshold;
    size_t fired = sk_diagnose(&v->diagnose, v->findings, SK_FINDINGS_MAX);
    v->finding_count = fired < SK_FINDINGS_MAX ? fired : SK_FINDINGS_MAX;
}

/* For a recalibrated run: the reliability of the same rows before the map. */
static void calibration_before(view_state *v, const sk_snapshot *s)
{
    const double *reference = sk_session_reference_scores(v->session);
    if (reference == NULL)
        return;
    sk_sweep *sweep = NULL;
    sk_error ignored;
    if (sk_sweep_new(reference, s->y, s->n, &sweep, &ignored) != SK_OK)
        return;
    v->have_calibration_before = sk_sweep_calibration(sweep, SK_CALIBRATION_BINS,
                                                      &v->calibration_before,
                                                      &ignored) == SK_OK;
    v->brier_before = sk_brier(reference, s->y, s->n);
    sk_sweep_free(sweep);
}

/* For a weighted run, finds a run on the same data without weights and
 * lends its scores to the weights-no-effect check. */
static void attach_unweighted(view_state *v, const sk_snapshot *s)
{
    sk_snapshot_release(v->unweighted);
    v->unweighted = NULL;
    const sk_train_options *mine = sk_session_options(v->session);
    if (mine == NULL || mine->weights == SK_WEIGHTS_NONE || s->scores == NULL)
        return;
    for (size_t i = 0; i < v->run_count; i++) {
        const sk_train_options *other = sk_session_options(v->runs[i]);
        if (other == NULL || other->weights != SK_WEIGHTS_NONE
            || sk_session_dataset(v->runs[i]) != sk_session_dataset(v->session))
            continue;
        sk_snapshot *candidate = sk_session_latest(v->runs[i]);
        if (candidate->scores != NULL && candidate->n == s->n) {
            v->unweighted = candidate;
            v->diagnose.unweighted_scores = candidate->scores;
            return;
        }
        sk_snapshot_release(candidate);
    }
}

/* Takes the newest snapshot and does the work that depends only on it. */
static void take_snapshot(view_state *v)
{
    sk_snapshot *next = sk_session_latest(v->session);
    sk_snapshot_release(v->snapshot);
    v->snapshot = next;

    release_snapshot_work(v);
    v->roc_auc = v->average_precision = NAN;
    memset(v->best, 0, sizeof v->best);

    const sk_snapshot *s = next;
    if (s->sweep != NULL) {
        bool probability = sk_sweep_is_probability(s->sweep);
        double lo = probability ? 0.0 : sk_sweep_min_score(s->sweep);
        double hi = probability ? 1.0 : sk_sweep_max_score(s->sweep);
        if (hi <= lo)
            hi = lo + 1.0;
        sk_error ignored;
        v->lo = lo;
        v->hi = hi;
        v->have_range = true;
        /* Thinned to what a screen can show, so that 10^7 distinct scores
         * need no full curves.  A failed curve has 0 points and draws
         * nothing. */
        if (sk_sweep_curve_thin(s->sweep, false, VIEW_CURVE_POINTS, &v->roc, &ignored) != SK_OK)
            memset(&v->roc, 0, sizeof v->roc);
        if (sk_sweep_curve_thin(s->sweep, true, VIEW_CURVE_POINTS, &v->pr, &ignored) != SK_OK)
            memset(&v->pr, 0, sizeof v->pr);
        v->have_calibration = sk_sweep_calibration(s->sweep, SK_CALIBRATION_BINS,
                                                   &v->calibration, &ignored) == SK_OK;
        v->roc_auc = sk_sweep_roc_auc(s->sweep);
        calibration_before(v, s);
        v->average_precision = sk_sweep_average_precision(s->sweep);
        /* One scan of every distinct score for all criteria, on the UI
         * thread, once per snapshot. */
        sk_sweep_best_thresholds(s->sweep, &v->criteria, v->best);
    }

    sk_snapshot_diagnose_input(s, v->info, v->threshold, &v->diagnose);
    /* F1 needs no options, so the scan above serves the findings too. */
    if (v->best[SK_CRITERION_F1].found)
        v->diagnose.best_f1 = &v->best[SK_CRITERION_F1];
    attach_unweighted(v, s);
    sk_diagnose_cache(&v->diagnose, &v->diagnose_best_f1);
    update_findings(v);
}

/* Shows run `index`: its snapshot, its threshold, and its pause state on
 * the key. */
static void select_run(view_state *v, size_t index)
{
    v->run_thresholds[v->current] = v->threshold;
    v->current = index;
    v->threshold = v->run_thresholds[index];
    v->session = v->runs[index];
    v->info = sk_session_info(v->session);
    v->paused = sk_session_is_paused(v->session);
    v->have_intervals = false;
    if (v->info->rows <= VIEW_SLOW_ROWS) {
        take_snapshot(v);
        return;
    }
    /* Curves and best thresholds of millions of scores take a moment. */
    char kept[sizeof v->message];
    memcpy(kept, v->message, sizeof kept);
    char text[64];
    snprintf(text, sizeof text, "preparing run %zu...", index + 1);
    view_announce(v, text);
    take_snapshot(v);
    memcpy(v->message, kept, sizeof kept);
}

/* Shows the run whose session is `session`, if the list has it. */
static void select_session(view_state *v, const sk_session *session)
{
    for (size_t i = 0; i < v->run_count; i++) {
        if (v->runs[i] == session) {
            select_run(v, i);
            return;
        }
    }
}

static void set_threshold(view_state *v, double threshold)
{
    /* Keep the threshold a multiple of the smallest step, so that repeated
     * steps do not accumulate rounding error on screen, and inside the
     * scores' range (0 to 1 for probabilities): beyond it nothing changes. */
    double lo = v->have_range ? v->lo : 0.0;
    double hi = v->have_range ? v->hi : 1.0;
    threshold = round(threshold / STEP_SMALL) * STEP_SMALL;
    v->threshold = fmin(fmax(threshold, lo), hi);
    update_findings(v);
}

/* Returns where 0 takes the threshold: the first one, or 0.5 or 0 for a
 * run whose scores are of the other kind than the first run's (a
 * recalibrated run of margins has probabilities). */
static double start_threshold(const view_state *v)
{
    if (v->snapshot->sweep == NULL)
        return v->start_threshold;
    bool probability = sk_sweep_is_probability(v->snapshot->sweep);
    if (probability == v->start_probability)
        return v->start_threshold;
    return probability ? 0.5 : 0.0;
}

/* Jumps to the best threshold of the next criterion in the cycle. */
static void jump_to_best(view_state *v)
{
    size_t count = sizeof cycle_criteria / sizeof cycle_criteria[0];
    for (size_t tried = 0; tried < count; tried++) {
        sk_criterion c = v->criterion;
        size_t index = 0;
        while (cycle_criteria[index] != c)
            index++;
        v->criterion = cycle_criteria[(index + 1) % count];
        if (v->best[c].found) {
            v->shown_criterion = c;
            v->chosen_criterion = sk_criterion_name(c);
            v->threshold = v->best[c].threshold;
            update_findings(v);
            return;
        }
    }
}

/* Shows the other class as positive: back to the base run when the
 * current run is already swapped, else a new swapped run. */
static void swap_classes(view_state *v)
{
    sk_session *base = sk_session_base(v->session);
    if (base != NULL && !view_is_recalibrated(v->session)) {
        select_session(v, base);
        return;
    }
    if (view_swap_classes(v))
        select_run(v, v->chosen_run);
}

/* Starts a run with the current run's settings and one remedy changed. */
static void apply_remedy(view_state *v, key_action action)
{
    const sk_train_options *current = sk_session_options(v->session);
    if (current == NULL) {
        snprintf(v->message, sizeof v->message,
                 "remedies need a training run; these scores come from a file");
        return;
    }
    sk_train_options options = *current;
    switch (action) {
    case ACTION_WEIGHTS:
        options.weights = options.weights == SK_WEIGHTS_NONE ? SK_WEIGHTS_BALANCED
                                                             : SK_WEIGHTS_NONE;
        break;
    case ACTION_FOCAL:
        options.loss.kind = options.loss.kind == SK_LOSS_BCE ? SK_LOSS_FOCAL : SK_LOSS_BCE;
        break;
    case ACTION_BIAS:
        options.bias_prior = !options.bias_prior;
        break;
    case ACTION_RESAMPLE:
        /* none, over, under, smote, balanced batches, then none again */
        if (options.balanced_batches) {
            options.balanced_batches = false;
            options.resample = SK_RESAMPLE_NONE;
        } else if (options.resample + 1 == SK_RESAMPLE_COUNT) {
            options.resample = SK_RESAMPLE_NONE;
            options.balanced_batches = true;
        } else {
            options.resample = (sk_resample_kind)(options.resample + 1);
        }
        break;
    case ACTION_FASTER:
        options.learning_rate *= 10.0;
        break;
    case ACTION_SLOWER:
        options.learning_rate /= 10.0;
        break;
    default:
        break;
    }
    if (view_start_run(v, &options))
        select_run(v, v->run_count - 1);
}

/* Applies one key; returns false when the screen should close. */
static bool handle_key(view_state *v, int key)
{
    if (key == KEY_RESIZE)
        return true;
    if (v->show_help || v->show_explanation) {
        /* Any key closes the help or the lesson box, q included. */
        v->show_help = v->show_explanation = false;
        return true;
    }
    if (COLS < VIEW_MIN_COLS || LINES < VIEW_MIN_LINES)
        return key != 'q';

    v->message[0] = '\0';
    const key_binding *binding = NULL;
    for (size_t i = 0; i < sizeof keymap / sizeof keymap[0]; i++)
        if (keymap[i].key == key)
            binding = &keymap[i];
    if (binding == NULL)
        return true;

    switch (binding->action) {
    case ACTION_QUIT:
        return false;
    case ACTION_STEP:
        set_threshold(v, v->threshold + binding->step);
        v->chosen_criterion = NULL;
        break;
    case ACTION_RESET:
        set_threshold(v, start_threshold(v));
        v->chosen_criterion = NULL;
        break;
    case ACTION_BEST:
        jump_to_best(v);
        break;
    case ACTION_PAUSE:
        v->paused = !v->paused;
        sk_session_set_paused(v->session, v->paused);
        break;
    case ACTION_LOG_SCALE:
        v->log_histogram = !v->log_histogram;
        break;
    case ACTION_HELP:
        v->show_help = true;
        break;
    case ACTION_NEXT_VIEW:
        v->view = (view_kind)((v->view + 1) % VIEW_COUNT);
        break;
    case ACTION_PREVIOUS_VIEW:
        v->view = (view_kind)((v->view + VIEW_COUNT - 1) % VIEW_COUNT);
        break;
    case ACTION_NEXT_RUN:
        select_run(v, (v->current + 1) % v->run_count);
        break;
    case ACTION_PREVIOUS_RUN:
        select_run(v, (v->current + v->run_count - 1) % v->run_count);
        break;
    case ACTION_WEIGHTS:
    case ACTION_FOCAL:
    case ACTION_BIAS:
    case ACTION_RESTART:
    case ACTION_RESAMPLE:
    case ACTION_FASTER:
    case ACTION_SLOWER:
        apply_remedy(v, binding->action);
        break;
    case ACTION_SWAP:
        swap_classes(v);
        break;
    case ACTION_RECALIBRATE:
        if (view_recalibrate(v)) {
            select_run(v, v->chosen_run);
        } else if (view_is_recalibrated(v->session)) {
            /* After the last map, c returns to the run it started from. */
            select_session(v, sk_session_base(v->session));
        }
        break;
    case ACTION_EXPORT:
        view_export(v);
        break;
    case ACTION_REDRAW:
        clearok(curscr, TRUE);
        break;
    case ACTION_NONE:
        break;
    }
    return true;
}

/* Reads every pending key.  Returns false when the user quit. */
static bool read_keys(view_state *v, bool *dirty)
{
    int key;
    while ((key = getch()) != ERR) {
        *dirty = true;
        if (!handle_key(v, key))
            return false;
    }
    return true;
}

static void view_release(view_state *v)
{
    sk_snapshot_release(v->unweighted);
    v->unweighted = NULL;
    sk_intervals_free(v->intervals);
    v->intervals = NULL;
    release_snapshot_work(v);
    sk_snapshot_release(v->snapshot);
    v->snapshot = NULL;
    for (size_t i = v->caller_runs; i < v->run_count; i++) {
        sk_session_free(v->runs[i]);
        free(v->run_names[i]);
    }
    free(v->runs);
    free(v->run_names);
    free(v->run_thresholds);
}

/* Copies the caller's runs into the screen's growable list. */
static sk_status view_init_runs(view_state *v, sk_session *const *runs, size_t run_count,
                                sk_error *err)
{
    v->run_capacity = run_count + 8;
    v->runs = sk_calloc(v->run_capacity, sizeof *v->runs);
    v->run_names = sk_calloc(v->run_capacity, sizeof *v->run_names);
    v->run_thresholds = sk_calloc(v->run_capacity, sizeof *v->run_thresholds);
    if (v->runs == NULL || v->run_names == NULL || v->run_thresholds == NULL)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory while starting the screen");
    for (size_t i = 0; i < run_count; i++) {
        v->runs[i] = runs[i];
        v->run_thresholds[i] = v->threshold;
    }
    v->run_count = v->caller_runs = run_count;
    return SK_OK;
}

/* Most runs whose publish pipes the loop watches; later runs still show
 * their newest snapshot whenever the screen redraws. */
#define MAX_WATCHED_RUNS 16

/* Picks the runs whose pipes the loop watches: the one shown, then the
 * newest others.  Returns how many it wrote into watch. */
static size_t watched_runs(const view_state *v, size_t watch[MAX_WATCHED_RUNS])
{
    size_t count = 0;
    watch[count++] = v->current;
    for (size_t i = v->run_count; i-- > 0 && count < MAX_WATCHED_RUNS;)
        if (i != v->current)
            watch[count++] = i;
    return count;
}

sk_status sk_tui_run(sk_session *const *runs, size_t run_count,
                     const sk_tui_options *options, int *exit_signal,
                     sk_error *err)
{
    view_state v;
    memset(&v, 0, sizeof v);
    v.session = runs[0];
    v.info = sk_session_info(runs[0]);
    v.title = options->title;
    v.threshold = options->threshold;
    v.start_threshold = options->threshold;
    v.data = options->data;
    v.epoch_delay_ms = options->epoch_delay_ms;
    v.export_path = options->export_path != NULL ? options->export_path
                                                 : "skewtop-operating-point.json";
    v.input_path = options->input_path;
    v.lesson = options->lesson;
    v.criteria = options->criteria;
    v.calib_fraction = options->calib_fraction > 0 && options->calib_fraction < 1
                           ? options->calib_fraction
                           : SK_CALIBRATION_FRACTION;
    v.criterion = SK_CRITERION_F1;
    v.shown_criterion = SK_CRITERION_F1;
    *exit_signal = 0;

    v.resamples = options->resamples;
    sk_bootstrap_options bootstrap = sk_bootstrap_defaults();
    if (options->resamples > 0)
        bootstrap.resamples = (size_t)options->resamples;
    sk_status status = view_init_runs(&v, runs, run_count, err);
    if (status == SK_OK)
        status = sk_intervals_new(&bootstrap, &v.intervals, err);
    if (status != SK_OK) {
        view_release(&v);
        return status;
    }
    status = sk_terminal_open(&v.terminal, err);
    if (status != SK_OK) {
        view_release(&v);
        return status;
    }
    take_snapshot(&v);
    v.start_probability = v.snapshot->sweep == NULL || sk_sweep_is_probability(v.snapshot->sweep);
    /* How a file was read (columns detected, classes merged, scores turned
     * around) matters before any number on the screen does. */
    if (!v.info->training && v.info->notice_count > 0)
        snprintf(v.message, sizeof v.message, "%zu note%s (? lists them): %s",
                 v.info->notice_count, v.info->notice_count > 1 ? "s" : "",
                 v.info->notices[0]);

    bool running = true, dirty = true;
    long last_frame = 0;
    while (running) {
        long wait = -1;
        if (dirty) {
            long since = now_ms() - last_frame;
            if (since >= FRAME_INTERVAL_MS) {
                view_draw(&v);
                last_frame = now_ms();
                dirty = false;
            } else {
                wait = FRAME_INTERVAL_MS - since;
            }
        }

        enum { FD_TERMINAL, FD_SIGNAL, FD_INTERVALS, FD_RUNS };
        struct pollfd fds[FD_RUNS + MAX_WATCHED_RUNS] = {
            [FD_TERMINAL] = { .fd = v.terminal.input_fd, .events = POLLIN },
            [FD_SIGNAL] = { .fd = v.terminal.signal_fd, .events = POLLIN },
            [FD_INTERVALS] = { .fd = sk_intervals_notify_fd(v.intervals), .events = POLLIN },
        };
        size_t watch[MAX_WATCHED_RUNS];
        size_t watched = watched_runs(&v, watch);
        for (size_t i = 0; i < watched; i++)
            fds[FD_RUNS + i] = (struct pollfd){ .fd = sk_session_notify_fd(v.runs[watch[i]]),
                                                .events = POLLIN };
        int ready = poll(fds, FD_RUNS + watched, (int)wait);
        if (ready < 0 && errno != EINTR) {
            status = sk_error_set(err, SK_ERR_IO, "waiting for input failed: %s",
                                  strerror(errno));
            break;
        }

        int signo = sk_terminal_pending_signal(&v.terminal);
        if (signo != 0) {
            *exit_signal = signo;
            break;
        }
        for (size_t i = 0; ready > 0 && i < watched; i++) {
            if (!(fds[FD_RUNS + i].revents & POLLIN))
                continue;
            sk_session_drain_notify(v.runs[watch[i]]);
            if (watch[i] == v.current)
                take_snapshot(&v);
            dirty = true;
        }
        if (ready > 0 && (fds[FD_INTERVALS].revents & POLLIN)) {
            v.have_intervals = sk_intervals_take(v.intervals, &v.interval_result,
                                                 &v.interval_epoch) || v.have_intervals;
            dirty = true;
        }
        /* After EINTR (SIGWINCH) curses has a KEY_RESIZE waiting. */
        running = read_keys(&v, &dirty);
        if (v.view == VIEW_RUNS && view_refresh_run_intervals(&v))
            dirty = true;
        if (v.lesson != NULL && !v.lesson_done && view_lesson_reached(&v)) {
            v.lesson_done = true;
            v.show_explanation = true;
            dirty = true;
        }
        if (ready > 0 && (fds[FD_TERMINAL].revents & (POLLHUP | POLLERR))) {
            status = sk_error_set(err, SK_ERR_IO, "the terminal closed");
            break;
        }
    }

    sk_terminal_close(&v.terminal);
    view_release(&v);
    return status;
}
