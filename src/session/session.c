/*
 * session.c - the worker thread and the snapshot exchange.
 *
 * The threading contract is stated in session.h.  In short, the worker is
 * the only user of the trainer, and the mutex guards `latest`, the command
 * flags and the state.  Snapshots are immutable once published, and the
 * holder of the last reference frees them.
 */
#include "skewtop/session.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

struct sk_session {
    sk_run_info info;
    const sk_dataset *data;     /* NULL for a session over fixed scores */
    sk_dataset *resampled;      /* data with a resampled training split, or NULL;
                                   shares everything else with data */

    /* Recalibrated sessions only. */
    sk_session *base;           /* the run whose scores were recalibrated */
    sk_calibrator calibrator;   /* the fitted map; identity otherwise */
    double *reference_scores;   /* [info.rows] the scores before the map */
    char *owned_name;           /* info.name when the session made it */
    sk_train_options options;
    sk_trainer *trainer;
    unsigned epoch_delay_ms;

    pthread_t worker;
    bool worker_started;
    bool worker_joined;

    pthread_mutex_t lock;
    pthread_cond_t wake;        /* signalled on resume and stop */
    sk_snapshot *latest;        /* guarded by lock */
    bool paused;                /* guarded by lock */
    bool stop_requested;        /* guarded by lock */

    int notify_pipe[2];         /* [0] read end for the UI, [1] written by the worker */

    /* History grows on the worker only; each snapshot gets its own copy. */
    double *train_loss;
    double *val_loss;
    size_t history_len;
};

static void snapshot_free(sk_snapshot *snapshot)
{
    if (snapshot == NULL)
        return;
    free(snapshot->train_loss);
    free(snapshot->val_loss);
    free(snapshot->scores);
    free(snapshot->y);
    sk_sweep_free(snapshot->sweep);
    free(snapshot);
}

void sk_snapshot_release(sk_snapshot *snapshot)
{
    if (snapshot != NULL && atomic_fetch_sub(&snapshot->refs, 1) == 1)
        snapshot_free(snapshot);
}

/* Allocates a snapshot holding the session's current history.  The caller
 * fills the scores and state. */
static sk_snapshot *snapshot_alloc(const sk_session *session)
{
    sk_snapshot *snapshot = calloc(1, sizeof *snapshot);
    if (snapshot == NULL)
        return NULL;
    atomic_init(&snapshot->refs, 1);
    snapshot->epoch = session->history_len;
    snapshot->epochs_total = session->options.epochs;
    snapshot->history_len = session->history_len;
    snapshot->train_loss = sk_calloc(session->history_len, sizeof(double));
    snapshot->val_loss = sk_calloc(session->history_len, sizeof(double));
    if (snapshot->train_loss == NULL || snapshot->val_loss == NULL) {
        snapshot_free(snapshot);
        return NULL;
    }
    if (session->history_len > 0) {
        memcpy(snapshot->train_loss, session->train_loss,
               session->history_len * sizeof(double));
        memcpy(snapshot->val_loss, session->val_loss,
               session->history_len * sizeof(double));
    }

    if (session->data == NULL) {
        snapshot->train_prevalence = snapshot->prior_loss = NAN;
        snapshot->weight_neg = snapshot->weight_pos = 1.0;
        return snapshot;
    }
    const sk_split *train = &session->data->train;
    snapshot->train_prevalence = (double)train->positives / (double)train->rows;
    snapshot->prior_loss = sk_prior_only_loss(snapshot->train_prevalence);
    sk_trainer_weights(session->trainer, &snapshot->weight_neg,
                       &snapshot->weight_pos);
    snapshot->n = session->data->val.rows;
    return snapshot;
}

/* Replaces the published snapshot and wakes the reader. */
static void publish(sk_session *session, sk_snapshot *snapshot)
{
    pthread_mutex_lock(&session->lock);
    sk_snapshot *old = session->latest;
    session->latest = snapshot;
    pthread_mutex_unlock(&session->lock);
    sk_snapshot_release(old);

    /* A full pipe already means "something new"; losing the byte is fine. */
    ssize_t written = write(session->notify_pipe[1], "s", 1);
    (void)written;
}

/* Returns the state the published snapshot should carry right now. */
static sk_run_state current_state(sk_session *session)
{
    pthread_mutex_lock(&session->lock);
    sk_run_state state = session->paused ? SK_RUN_PAUSED : SK_RUN_TRAINING;
    pthread_mutex_unlock(&session->lock);
    return state;
}

/* Returns the summaries of scores [n] with labels y. */
static sk_sweep_summary summarise(const double *scores, const unsigned char *y, size_t n)
{
    sk_sweep_summary summary = { .log_loss = sk_log_loss(scores, y, n),
                                 .brier = sk_brier(scores, y, n) };
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += scores[i];
    summary.mean = n > 0 ? sum / (double)n : NAN;
    double squares = 0.0;
    for (size_t i = 0; i < n; i++)
        squares += (scores[i] - summary.mean) * (scores[i] - summary.mean);
    summary.sd = n > 1 ? sqrt(squares / (double)(n - 1)) : NAN;
    return summary;
}

/* Fills the snapshot's summaries from its scores. */
static void summarise_scores(sk_snapshot *snapshot)
{
    sk_sweep_summary summary = summarise(snapshot->scores, snapshot->y, snapshot->n);
    snapshot->log_loss = summary.log_loss;
    snapshot->brier = summary.brier;
    snapshot->score_mean = summary.mean;
    snapshot->score_sd = summary.sd;
}

/* Builds a snapshot of the history with a copy of scores [val rows] and
 * its sweep. */
static sk_status snapshot_with_scores(sk_session *session, const double *scores,
                                      const unsigned char *y, size_t n,
                                      sk_snapshot **out, sk_error *err)
{
    sk_snapshot *snapshot = snapshot_alloc(session);
    if (snapshot == NULL)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory while publishing a snapshot");

    snapshot->n = n;
    snapshot->scores = sk_calloc(n, sizeof(double));
    snapshot->y = sk_calloc(n, 1);
    if (snapshot->scores == NULL || snapshot->y == NULL) {
        snapshot_free(snapshot);
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory while publishing a snapshot");
    }
    memcpy(snapshot->scores, scores, n * sizeof(double));
    memcpy(snapshot->y, y, n);

    sk_status status = sk_sweep_new(snapshot->scores, snapshot->y, n,
                                    &snapshot->sweep, err);
    if (status != SK_OK) {
        snapshot_free(snapshot);
        return status;
    }
    summarise_scores(snapshot);
    *out = snapshot;
    return SK_OK;
}

/* Waits while paused.  Returns false when a stop was requested. */
static bool wait_while_paused(sk_session *session)
{
    pthread_mutex_lock(&session->lock);
    while (session->paused && !session->stop_requested)
        pthread_cond_wait(&session->wake, &session->lock);
    bool keep_going = !session->stop_requested;
    pthread_mutex_unlock(&session->lock);
    return keep_going;
}

/* Sleeps up to delay_ms, returning early on stop.  Returns false on stop. */
static bool wait_epoch_delay(sk_session *session)
{
    if (session->epoch_delay_ms == 0)
        return true;

    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += session->epoch_delay_ms / 1000;
    deadline.tv_nsec += (long)(session->epoch_delay_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec += 1;
        deadline.tv_nsec -= 1000000000L;
    }

    pthread_mutex_lock(&session->lock);
    int rc = 0;
    while (!session->stop_requested && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&session->wake, &session->lock, &deadline);
    bool keep_going = !session->stop_requested;
    pthread_mutex_unlock(&session->lock);
    return keep_going;
}

/* Publishes a final snapshot with the newest history, the last good
 * scores (those of the previous snapshot) and an end state. */
static void publish_final(sk_session *session, sk_run_state state,
                          sk_status status, const char *message)
{
    pthread_mutex_lock(&session->lock);
    sk_snapshot *last = session->latest;
    atomic_fetch_add(&last->refs, 1);
    pthread_mutex_unlock(&session->lock);

    sk_snapshot *final = NULL;
    sk_error ignored;
    if (last->scores == NULL
        || snapshot_with_scores(session, last->scores, last->y, last->n, &final,
                                &ignored) != SK_OK)
        final = snapshot_alloc(session);
    sk_snapshot_release(last);
    if (final == NULL)
        return;

    final->state = state;
    final->diverged = status == SK_ERR_NUMERIC;
    if (message != NULL)
        snprintf(final->error, sizeof final->error, "%s", message);
    publish(session, final);
}

/* Runs one epoch, scores the validation split and publishes the result. */
static sk_status run_epoch(sk_session *session, double *scores, sk_error *err)
{
    double train_loss = 0.0;
    sk_status status = sk_trainer_epoch(session->trainer, &train_loss, err);
    if (status == SK_OK)
        status = sk_trainer_predict(session->trainer, &session->data->val, scores, err);
    if (status != SK_OK)
        return status;

    const sk_split *val = &session->data->val;
    session->train_loss[session->history_len] = train_loss;
    session->val_loss[session->history_len] = sk_log_loss(scores, val->y, val->rows);
    session->history_len++;

    sk_snapshot *snapshot = NULL;
    status = snapshot_with_scores(session, scores, val->y, val->rows, &snapshot, err);
    if (status != SK_OK)
        return status;
    snapshot->state = current_state(session);
    publish(session, snapshot);
    return SK_OK;
}

static void *worker_main(void *arg)
{
    sk_session *session = arg;
    sk_error err = {""};
    sk_run_state end_state = SK_RUN_DONE;
    sk_status status = SK_OK;

    double *scores = sk_calloc(session->data->val.rows, sizeof(double));
    if (scores == NULL) {
        publish_final(session, SK_RUN_FAILED, SK_ERR_NOMEM,
                      "out of memory before the first epoch");
        return NULL;
    }

    for (size_t epoch = 0; epoch < session->options.epochs; epoch++) {
        if (!wait_while_paused(session)) {
            end_state = SK_RUN_STOPPED;
            break;
        }
        status = run_epoch(session, scores, &err);
        if (status != SK_OK) {
            end_state = SK_RUN_FAILED;
            break;
        }
        if (epoch + 1 < session->options.epochs && !wait_epoch_delay(session)) {
            end_state = SK_RUN_STOPPED;
            break;
        }
    }

    free(scores);
    publish_final(session, end_state, status,
                  end_state == SK_RUN_FAILED ? err.message : NULL);
    return NULL;
}

/* Allocates a session described by info with its lock, condition variable
 * and publish pipe; the caller fills the rest. */
static sk_status session_alloc(const sk_run_info *info, sk_session **out, sk_error *err)
{
    sk_session *session = calloc(1, sizeof *session);
    if (session == NULL)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory while creating a session");
    session->info = *info;
    pthread_mutex_init(&session->lock, NULL);
    pthread_cond_init(&session->wake, NULL);
    sk_status status = sk_pipe_open(session->notify_pipe, err);
    if (status != SK_OK) {
        session->notify_pipe[0] = session->notify_pipe[1] = -1;
        sk_session_free(session);
        return status;
    }
    *out = session;
    return SK_OK;
}

/* Makes session->resampled when the options request resampling: a shallow
 * copy of the dataset whose training split alone is replaced. */
static sk_status resample_training(sk_session *session, sk_error *err)
{
    if (session->options.resample == SK_RESAMPLE_NONE)
        return SK_OK;
    sk_dataset *copy = malloc(sizeof *copy);
    if (copy == NULL)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory while resampling");
    *copy = *session->data;

    sk_resample_options options = sk_resample_defaults();
    options.neighbours = session->options.resample_neighbours;
    options.seed = session->options.seed;
    sk_status status = sk_resample_split(&session->data->train, session->data->steps,
                                         session->options.resample, &options,
                                         &copy->train, err);
    if (status != SK_OK) {
        free(copy);
        return status;
    }
    session->resampled = copy;
    return SK_OK;
}

sk_status sk_session_new(const sk_dataset *data, const sk_train_options *options,
                         sk_session **out, sk_error *err)
{
    if (data->train.rows == 0 || data->val.rows == 0)
        return sk_error_set(err, SK_ERR_INPUT,
                            "the training and validation splits both need rows");

    sk_run_info info = {
        .source = "",
        .name = "",
        .target_name = data->target_name,
        .positive_label = data->positive_label,
        .negative_label = data->negative_label,
        .training = true,
        .train_rows = data->train.rows,
        .train_positives = data->train.positives,
        .rows = data->val.rows,
        .positives = data->val.positives,
        .leakage_risk = data->leakage_risk,
        .notices = data->notices,
        .notice_count = data->notice_count,
    };
    sk_session *session = NULL;
    sk_status status = session_alloc(&info, &session, err);
    if (status != SK_OK)
        return status;
    session->data = data;
    session->options = *options;

    status = resample_training(session, err);
    if (status != SK_OK)
        goto fail;
    const sk_dataset *train_data = session->resampled != NULL ? session->resampled : data;
    session->info.seen_rows = train_data->train.rows;
    session->info.seen_positives = options->balanced_batches ? train_data->train.rows / 2
                                                             : train_data->train.positives;
    status = sk_trainer_new(train_data, options, &session->trainer, err);
    if (status != SK_OK)
        goto fail;

    status = sk_error_set(err, SK_ERR_NOMEM, "out of memory while creating a session");
    session->train_loss = sk_calloc(options->epochs, sizeof(double));
    session->val_loss = sk_calloc(options->epochs, sizeof(double));
    if (session->train_loss == NULL || session->val_loss == NULL)
        goto fail;

    session->latest = snapshot_alloc(session);
    if (session->latest == NULL)
        goto fail;
    session->latest->state = SK_RUN_STARTING;

    *out = session;
    return SK_OK;

fail:
    sk_session_free(session);
    return status;
}

void sk_session_set_epoch_delay(sk_session *session, unsigned delay_ms)
{
    session->epoch_delay_ms = delay_ms;
}

sk_status sk_session_new_scores(const sk_run_info *info, const double *scores,
                                const unsigned char *y, size_t n,
                                sk_session **out, sk_error *err)
{
    sk_session *session = NULL;
    sk_status status = session_alloc(info, &session, err);
    if (status != SK_OK)
        return status;
    session->info.rows = n;
    session->info.positives = 0;
    for (size_t i = 0; i < n; i++)
        session->info.positives += y[i] != 0;

    status = snapshot_with_scores(session, scores, y, n, &session->latest, err);
    if (status != SK_OK)
        goto fail;
    session->latest->state = SK_RUN_DONE;
    *out = session;
    return SK_OK;

fail:
    sk_session_free(session);
    return status;
}

void sk_session_set_names(sk_session *session, const char *source, const char *name)
{
    session->info.source = source;
    session->info.name = name;
}

const sk_dataset *sk_session_dataset(const sk_session *session)
{
    return session->data;
}

const sk_train_options *sk_session_options(const sk_session *session)
{
    return session->data != NULL ? &session->options : NULL;
}

sk_status sk_session_new_sweep(const sk_run_info *info, sk_sweep *sweep,
                               const sk_sweep_summary *summary, sk_session **out,
                               sk_error *err)
{
    sk_session *session = NULL;
    sk_status status = session_alloc(info, &session, err);
    if (status != SK_OK) {
        sk_sweep_free(sweep);
        return status;
    }
    session->info.rows = sk_sweep_count(sweep);
    session->info.positives = sk_sweep_positives(sweep);
    session->latest = snapshot_alloc(session);
    if (session->latest == NULL) {
        sk_sweep_free(sweep);
        status = sk_error_set(err, SK_ERR_NOMEM, "out of memory while creating a session");
        goto fail;
    }
    session->latest->state = SK_RUN_DONE;
    session->latest->n = sk_sweep_count(sweep);
    session->latest->sweep = sweep;
    session->latest->log_loss = summary->log_loss;
    session->latest->brier = summary->brier;
    session->latest->score_mean = summary->mean;
    session->latest->score_sd = summary->sd;
    *out = session;
    return SK_OK;

fail:
    sk_session_free(session);
    return status;
}

size_t sk_interval_resamples(const sk_sweep *sweep, long requested)
{
    if (requested >= 0)
        return (size_t)requested;
    return sk_sweep_count(sweep) <= SK_INTERVAL_MAX_ROWS ? SK_INTERVAL_RESAMPLES : 0;
}

const sk_run_info *sk_session_info(const sk_session *session)
{
    return &session->info;
}

sk_status sk_session_start(sk_session *session, sk_error *err)
{
    if (session->data == NULL)
        return SK_OK;
    if (session->worker_started)
        return sk_error_set(err, SK_ERR_INTERNAL, "the session was started twice");

    /* The worker inherits this mask, so every signal goes to the UI thread. */
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &previous);
    int rc = pthread_create(&session->worker, NULL, worker_main, session);
    pthread_sigmask(SIG_SETMASK, &previous, NULL);

    if (rc != 0)
        return sk_error_set(err, SK_ERR_IO, "cannot start the training thread: %s",
                            strerror(rc));
    session->worker_started = true;
    return SK_OK;
}

sk_snapshot *sk_session_latest(sk_session *session)
{
    pthread_mutex_lock(&session->lock);
    sk_snapshot *snapshot = session->latest;
    atomic_fetch_add(&snapshot->refs, 1);
    pthread_mutex_unlock(&session->lock);
    return snapshot;
}

int sk_session_notify_fd(const sk_session *session)
{
    return session->notify_pipe[0];
}

void sk_session_drain_notify(sk_session *session)
{
    char buffer[64];
    while (read(session->notify_pipe[0], buffer, sizeof buffer) > 0)
        continue;
}

void sk_session_set_paused(sk_session *session, bool paused)
{
    pthread_mutex_lock(&session->lock);
    session->paused = paused;
    pthread_cond_broadcast(&session->wake);
    pthread_mutex_unlock(&session->lock);
}

bool sk_session_is_paused(sk_session *session)
{
    pthread_mutex_lock(&session->lock);
    bool paused = session->paused;
    pthread_mutex_unlock(&session->lock);
    return paused;
}

void sk_session_join(sk_session *session)
{
    if (session->worker_started && !session->worker_joined) {
        pthread_join(session->worker, NULL);
        session->worker_joined = true;
    }
}

void sk_session_stop(sk_session *session)
{
    pthread_mutex_lock(&session->lock);
    session->stop_requested = true;
    pthread_cond_broadcast(&session->wake);
    pthread_mutex_unlock(&session->lock);
    sk_session_join(session);
}

void sk_session_free(sk_session *session)
{
    if (session == NULL)
        return;
    sk_session_stop(session);
    sk_snapshot_release(session->latest);
    sk_trainer_free(session->trainer);
    if (session->resampled != NULL) {
        sk_resample_split_free(&session->resampled->train);
        free(session->resampled);
    }
    free(session->train_loss);
    free(session->val_loss);
    sk_calibrator_free(&session->calibrator);
    free(session->reference_scores);
    free(session->owned_name);
    for (int i = 0; i < 2; i++)
        if (session->notify_pipe[i] >= 0)
            close(session->notify_pipe[i]);
    pthread_cond_destroy(&session->wake);
    pthread_mutex_destroy(&session->lock);
    free(session);
}

void sk_snapshot_diagnose_input(const sk_snapshot *snapshot, const sk_run_info *info,
                                double threshold, sk_diagnose_input *input)
{
    memset(input, 0, sizeof *input);
    input->sweep = snapshot->sweep;
    input->scores = snapshot->scores;
    input->n = snapshot->scores != NULL ? snapshot->n : 0;
    input->threshold = threshold;
    input->positive_label = info->positive_label;
    input->negative_label = info->negative_label;
    input->train_loss = snapshot->train_loss;
    input->val_loss = snapshot->val_loss;
    input->epochs = snapshot->history_len;
    input->prior_loss = snapshot->prior_loss;
    if (snapshot->sweep != NULL) {
        input->have_score_stats = true;
        input->score_mean = snapshot->score_mean;
        input->score_sd = snapshot->score_sd;
    }
    input->train_prevalence = snapshot->train_prevalence;
    input->weighted = snapshot->weight_neg != snapshot->weight_pos;
    input->weight_neg = snapshot->weight_neg;
    input->weight_pos = snapshot->weight_pos;
    input->train_rows = info->train_rows;
    input->train_positives = info->train_positives;
    input->diverged = snapshot->diverged;
    input->leakage_risk = info->leakage_risk;
    input->can_retrain = info->training;
    input->other_score_of = info->other_score_of;
    input->single_class_train = info->training
                                && (info->train_positives == 0
                                    || info->train_positives == info->train_rows);
}

void sk_train_options_describe(const sk_train_options *o, char *out, size_t size)
{
    char part[64];
    out[0] = '\0';
    size_t used = 0;
#define APPEND(...)                                                              \
    do {                                                                         \
        snprintf(part, sizeof part, __VA_ARGS__);                                \
        int n = snprintf(out + used, size - used, "%s%s", used > 0 ? ", " : "", part); \
        used += n > 0 && (size_t)n < size - used ? (size_t)n : 0;                \
    } while (0)

    if (o->weights == SK_WEIGHTS_BALANCED)
        APPEND("weights balanced");
    else if (o->weights == SK_WEIGHTS_CUSTOM)
        APPEND("weights %g:%g", o->weight_neg, o->weight_pos);
    if (o->loss.kind == SK_LOSS_FOCAL)
        APPEND("focal %g/%g", o->loss.focal_gamma, o->loss.focal_alpha);
    if (o->bias_prior)
        APPEND("bias prior");
    if (o->resample != SK_RESAMPLE_NONE)
        APPEND("resample %s", sk_resample_name(o->resample));
    if (o->balanced_batches)
        APPEND("balanced batches");
    if (o->learning_rate != sk_train_defaults().learning_rate)
        APPEND("lr %g", o->learning_rate);
#undef APPEND
    if (used == 0)
        snprintf(out, size, "baseline");
}

/* Points *scores and *y at the rows of snapshot s, for a run made from
 * them.  A snapshot that keeps only a sweep (a file's scores) gets its
 * rows read back in descending score order, into *owned_scores and
 * *owned_y for the caller to free.  `what` names the action in messages. */
static sk_status snapshot_rows(const sk_snapshot *s, const char *what, const double **scores,
                               const unsigned char **y, double **owned_scores,
                               unsigned char **owned_y, sk_error *err)
{
    *owned_scores = NULL;
    *owned_y = NULL;
    if (s->scores != NULL) {
        *scores = s->scores;
        *y = s->y;
        return SK_OK;
    }
    if (s->sweep == NULL)
        return sk_error_set(err, SK_ERR_INPUT, "there are no scores to %s before the first epoch",
                            what);
    if (sk_sweep_is_binned(s->sweep))
        return sk_error_set(err, SK_ERR_INPUT,
                            "the scores were binned past --exact-limit, not kept; run "
                            "with --exact");
    *owned_scores = sk_calloc(s->n, sizeof **owned_scores);
    *owned_y = sk_calloc(s->n, 1);
    if (*owned_scores == NULL || *owned_y == NULL) {
        free(*owned_scores);
        free(*owned_y);
        *owned_scores = NULL;
        *owned_y = NULL;
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory while reading back %zu scores",
                            s->n);
    }
    sk_sweep_rows(s->sweep, *owned_scores, *owned_y);
    *scores = *owned_scores;
    *y = *owned_y;
    return SK_OK;
}

/* Splits the rows of y [n] into a calibration part (flag 1) of `fraction`
 * per class and an evaluation part (flag 0), shuffled by a seeded RNG. */
static sk_status stratified_halves(const unsigned char *y, size_t n, double fraction,
                                   unsigned long seed, unsigned char *in_calibration,
                                   sk_error *err)
{
    size_t *order = sk_calloc(n, sizeof *order);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (order == NULL || rng == NULL) {
        free(order);
        if (rng != NULL)
            gsl_rng_free(rng);
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory while splitting for calibration");
    }
    gsl_rng_set(rng, seed);
    for (int cls = 0; cls < 2; cls++) {
        size_t count = 0;
        for (size_t i = 0; i < n; i++)
            if (y[i] == cls)
                order[count++] = i;
        gsl_ran_shuffle(rng, order, count, sizeof *order);
        size_t take = (size_t)llround(fraction * (double)count);
        for (size_t k = 0; k < count; k++)
            in_calibration[order[k]] = k < take;
    }
    gsl_rng_free(rng);
    free(order);
    return SK_OK;
}

/* Fits the map of `kind` for base on the calibration rows. */
static sk_status fit_calibrator(const sk_session *base, const sk_snapshot *s,
                                const double *rows, const unsigned char *labels,
                                sk_calibrator_kind kind, const unsigned char *in_calibration,
                                sk_calibrator *out, sk_error *err)
{
    size_t m = 0;
    for (size_t i = 0; i < s->n; i++)
        m += in_calibration[i];
    double *scores = sk_calloc(m, sizeof *scores);
    unsigned char *y = sk_calloc(m, 1);
    if (scores == NULL || y == NULL) {
        free(scores);
        free(y);
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory while fitting a calibration");
    }
    for (size_t i = 0, k = 0; i < s->n; i++) {
        if (in_calibration[i]) {
            scores[k] = rows[i];
            y[k++] = labels[i];
        }
    }

    const sk_run_info *info = &base->info;
    sk_calibration_input input = {
        .scores = scores,
        .y = y,
        .n = m,
        .training_prevalence = (double)info->train_positives / (double)info->train_rows,
        .effective_prevalence = sk_calibrate_effective_prevalence(
            s->weight_neg, s->weight_pos, info->seen_rows - info->seen_positives,
            info->seen_positives),
    };
    sk_status status = sk_calibrator_fit(kind, &input, out, err);
    free(scores);
    free(y);
    return status;
}

sk_status sk_session_new_calibrated(sk_session *base, sk_calibrator_kind kind,
                                    double calib_fraction, unsigned long seed,
                                    sk_session **out, sk_error *err)
{
    sk_snapshot *s = sk_session_latest(base);
    const double *rows = NULL;
    const unsigned char *labels = NULL;
    double *owned_rows = NULL;
    unsigned char *owned_labels = NULL;
    sk_status status = snapshot_rows(s, "recalibrate", &rows, &labels, &owned_rows,
                                     &owned_labels, err);
    if (status != SK_OK) {
        sk_snapshot_release(s);
        return status;
    }

    unsigned char *in_calibration = sk_calloc(s->n, 1);
    double *before = sk_calloc(s->n, sizeof *before);
    double *after = sk_calloc(s->n, sizeof *after);
    unsigned char *y = sk_calloc(s->n, 1);
    sk_calibrator calibrator = { .kind = SK_CALIBRATOR_NONE };
    sk_session *session = NULL;
    if (in_calibration == NULL || before == NULL || after == NULL || y == NULL) {
        status = sk_error_set(err, SK_ERR_NOMEM, "out of memory while recalibrating");
        goto done;
    }

    status = stratified_halves(labels, s->n, calib_fraction, seed, in_calibration, err);
    if (status == SK_OK)
        status = fit_calibrator(base, s, rows, labels, kind, in_calibration, &calibrator, err);
    if (status != SK_OK)
        goto done;

    size_t n = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (!in_calibration[i]) {
            before[n] = rows[i];
            y[n++] = labels[i];
        }
    }
    sk_calibrator_apply(&calibrator, before, after, n);

    char name[160];
    snprintf(name, sizeof name, "%s + %s", base->info.name[0] != '\0' ? base->info.name : "run",
             sk_calibrator_name(kind));
    char *owned_name = sk_strdup(name);
    sk_run_info info = base->info;
    info.name = owned_name != NULL ? owned_name : "";
    info.training = false;
    status = sk_session_new_scores(&info, after, y, n, &session, err);
    if (status != SK_OK) {
        free(owned_name);
        goto done;
    }
    session->owned_name = owned_name;
    session->base = base;
    session->calibrator = calibrator;
    calibrator = (sk_calibrator){ .kind = SK_CALIBRATOR_NONE };
    session->reference_scores = before;
    before = NULL;
    *out = session;

done:
    sk_calibrator_free(&calibrator);
    free(owned_rows);
    free(owned_labels);
    free(in_calibration);
    free(before);
    free(after);
    free(y);
    sk_snapshot_release(s);
    return status;
}

sk_session *sk_session_base(const sk_session *session)
{
    return session->base;
}

const sk_calibrator *sk_session_calibrator(const sk_session *session)
{
    return &session->calibrator;
}

const double *sk_session_reference_scores(const sk_session *session)
{
    return session->reference_scores;
}

sk_status sk_session_new_swapped(sk_session *base, sk_session **out, sk_error *err)
{
    sk_snapshot *s = sk_session_latest(base);
    const double *rows = NULL;
    const unsigned char *labels = NULL;
    double *scores = NULL;
    unsigned char *y = NULL;
    sk_status status = snapshot_rows(s, "swap the classes", &rows, &labels, &scores, &y, err);
    if (status != SK_OK) {
        sk_snapshot_release(s);
        return status;
    }
    /* Rows read back from a sweep are swapped in their own memory. */
    bool keeps_rows = s->scores != NULL;
    if (keeps_rows) {
        scores = sk_calloc(s->n, sizeof *scores);
        y = sk_calloc(s->n, 1);
    }
    char name[160];
    snprintf(name, sizeof name, "%s, '%s' positive",
             base->info.name[0] != '\0' ? base->info.name : "run", base->info.negative_label);
    char *owned_name = sk_strdup(name);
    if (scores == NULL || y == NULL || owned_name == NULL) {
        status = sk_error_set(err, SK_ERR_NOMEM, "out of memory while swapping the classes");
        goto done;
    }

    bool probability = sk_sweep_is_probability(s->sweep);
    for (size_t i = 0; i < s->n; i++) {
        scores[i] = probability ? 1.0 - rows[i] : -rows[i];
        y[i] = !labels[i];
    }
    sk_run_info info = base->info;
    info.name = owned_name;
    info.positive_label = base->info.negative_label;
    info.negative_label = base->info.positive_label;
    info.train_positives = base->info.train_rows - base->info.train_positives;
    info.seen_positives = base->info.seen_rows - base->info.seen_positives;
    info.training = false;
    sk_session *session = NULL;
    if (keeps_rows) {
        status = sk_session_new_scores(&info, scores, y, s->n, &session, err);
    } else {
        /* A file's run keeps a sweep only, and so does its swap. */
        sk_sweep_summary summary = summarise(scores, y, s->n);
        sk_sweep *sweep = NULL;
        status = sk_sweep_adopt(scores, y, s->n, &sweep, err);
        scores = NULL;
        if (status == SK_OK)
            status = sk_session_new_sweep(&info, sweep, &summary, &session, err);
    }
    if (status == SK_OK) {
        session->owned_name = owned_name;
        owned_name = NULL;
        session->base = base;
        *out = session;
    }

done:
    free(owned_name);
    free(scores);
    free(y);
    sk_snapshot_release(s);
    return status;
}
