/*
 * session.h - one training run: a dataset, a trainer, a worker thread and
 * the exchange of snapshots between the worker and the thread that
 * displays them.
 *
 * Threading contract.  sk_session_start() starts one worker thread that
 * owns the trainer; nothing else touches the trainer until the worker has
 * ended.  After every epoch the worker scores the validation split and
 * publishes an immutable, reference-counted sk_snapshot by swapping a
 * pointer under a mutex, then writes one byte to a pipe whose read end
 * sk_session_notify_fd() returns, so a UI can sleep in poll().  Readers take
 * a reference with sk_session_latest() and drop it with
 * sk_snapshot_release(); they never wait for training.  Commands (pause,
 * resume, stop) are flags the worker checks between batches of work; a
 * paused worker sleeps on a condition variable.  The worker blocks every
 * signal, so signals reach the UI thread only.
 */
#ifndef SKEWTOP_SESSION_H
#define SKEWTOP_SESSION_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "skewtop/common.h"
#include "skewtop/data.h"
#include "skewtop/diagnose.h"
#include "skewtop/calibrate.h"
#include "skewtop/metrics.h"
#include "skewtop/train.h"

typedef enum {
    SK_RUN_STARTING = 0, /* no epoch finished yet */
    SK_RUN_TRAINING,
    SK_RUN_PAUSED,
    SK_RUN_DONE,         /* every epoch ran */
    SK_RUN_STOPPED,      /* stopped on request before the last epoch */
    SK_RUN_FAILED        /* an error ended the run; see the snapshot's error */
} sk_run_state;

/* What the worker publishes.  Everything is read-only once published. */
typedef struct {
    atomic_int refs;          /* managed by the session functions */
    size_t epoch;             /* epochs finished, 0 before the first */
    size_t epochs_total;
    sk_run_state state;
    char error[SK_ERROR_MAX]; /* set when state == SK_RUN_FAILED */
    bool diverged;            /* the failure was a NaN or infinite loss */

    size_t history_len;       /* == epoch */
    double *train_loss;       /* [history_len] mean weighted training loss per epoch */
    double *val_loss;         /* [history_len] unweighted validation log loss per epoch */
    double prior_loss;        /* prior-only loss at the training prevalence p:
                                 -p log p - (1 - p) log(1 - p) */
    double train_prevalence;  /* share of positives in the training split */
    double weight_neg, weight_pos; /* class weights in effect */

    size_t n;                 /* validation rows */
    double *scores;           /* [n] P(positive) per validation row; NULL before epoch 1 */
    unsigned char *y;         /* [n] 1 for the positive class */
    sk_sweep *sweep;          /* over scores; NULL before epoch 1.  A binned
                                 sweep (too many rows to keep) comes with
                                 scores == NULL */

    /* Summaries of the scores, valid when the sweep is set, so that no
     * reader needs the scores themselves. */
    double log_loss;          /* NAN unless every score lies in [0, 1] */
    double brier;             /* likewise */
    double score_mean;
    double score_sd;          /* with n - 1; NAN for one row */
} sk_snapshot;

/* What a run is about, for titles, messages and reports.  The strings
 * belong to the caller that made the session and must outlive it. */
typedef struct {
    const char *source;           /* data file as the user named it ("-" for stdin) */
    const char *name;             /* run name: the score column, or "" */
    const char *target_name;      /* label column */
    const char *positive_label;   /* the class of interest (y == 1) */
    const char *negative_label;
    bool training;                /* a training run; false for scores from a file */
    size_t train_rows;            /* training split; 0 when not training */
    size_t train_positives;
    size_t seen_rows;             /* the training split the model learns from: */
    size_t seen_positives;        /*   after resampling, if any */
    size_t rows;                  /* rows scored: the validation split or the file */
    size_t positives;             /* positives among them */
    bool leakage_risk;            /* validation shares data with training (windows
                                     of a random split) */
    char *const *notices;         /* [notice_count] sentences about the data */
    size_t notice_count;
    const char *other_score_of;   /* scores from a file: the label that --score-of
                                     would name to read them the other way round,
                                     or NULL (training, or more than two labels) */
} sk_run_info;

typedef struct sk_session sk_session;

/* Creates a session on data (borrowed: it must outlive the session).  The
 * options are validated here, so a bad option fails before any thread
 * starts.  An initial snapshot (epoch 0) is available at once. */
sk_status sk_session_new(const sk_dataset *data, const sk_train_options *options,
                         sk_session **out, sk_error *err);

/*
 * Creates a session over fixed scores [n] and labels y [n] (1 = positive),
 * such as predictions exported from another framework: its one snapshot
 * (state SK_RUN_DONE, no history) is published at once and no thread runs.
 * The arrays are copied.  Fails with SK_ERR_INPUT for a NaN or infinite
 * score, naming its row.
 */
sk_status sk_session_new_scores(const sk_run_info *info, const double *scores,
                                const unsigned char *y, size_t n,
                                sk_session **out, sk_error *err);

/* Default share of the validation rows that a recalibrated run fits its
 * map on; the rest evaluate it, so the metrics shown are not fitted on
 * themselves. */
#define SK_CALIBRATION_FRACTION 0.5

/*
 * Creates a session over recalibrated scores of base's newest snapshot.
 * The validation rows are split (stratified, seeded) into a calibration
 * part of calib_fraction, on which a map of `kind` is fitted, and an
 * evaluation part, whose recalibrated scores the new session holds; its
 * reference scores (sk_session_reference_scores) are the same rows before
 * recalibration.  Prior shift needs no fitting data but uses the same
 * evaluation part, so the kinds compare on the same rows.  base must
 * outlive the new session.  Fails with SK_ERR_INPUT before the first
 * epoch, or when a part would lack a class, and as the fit does.
 */
sk_status sk_session_new_calibrated(sk_session *base, sk_calibrator_kind kind,
                                    double calib_fraction, unsigned long seed,
                                    sk_session **out, sk_error *err);

/*
 * Creates a session over base's newest scores with the classes swapped:
 * the negative class becomes the class of interest, each probability p
 * becomes 1 - p (other scores change sign) and each label flips.  base
 * must outlive it.  Fails with SK_ERR_INPUT before the first epoch.
 */
sk_status sk_session_new_swapped(sk_session *base, sk_session **out, sk_error *err);

/* The run a recalibrated or swapped session was made from, or NULL. */
sk_session *sk_session_base(const sk_session *session);
/* The fitted map of a recalibrated session (the identity otherwise). */
const sk_calibrator *sk_session_calibrator(const sk_session *session);
/* Scores of the same rows before recalibration [rows], or NULL. */
const double *sk_session_reference_scores(const sk_session *session);

/* Sets the data file and run name shown for the run; the strings must
 * outlive the session. */
void sk_session_set_names(sk_session *session, const char *source, const char *name);

/* Writes a short description of the remedies in options into out, such as
 * "baseline" or "weights balanced, focal 2/0.25, bias prior". */
void sk_train_options_describe(const sk_train_options *options, char *out, size_t size);

/* Returns the dataset of a training session, or NULL. */
const sk_dataset *sk_session_dataset(const sk_session *session);

/* Returns the training options of a training session, or NULL. */
const sk_train_options *sk_session_options(const sk_session *session);

/* Summaries that sk_session_new_sweep() takes with a ready-made sweep. */
typedef struct {
    double log_loss, brier, mean, sd;
} sk_sweep_summary;

/*
 * Creates a session over a ready-made sweep, such as a binned one of a
 * file too large to keep: its one snapshot has the sweep and the summary
 * but no scores.  The session takes ownership of sweep, also on failure.
 */
sk_status sk_session_new_sweep(const sk_run_info *info, sk_sweep *sweep,
                               const sk_sweep_summary *summary, sk_session **out,
                               sk_error *err);

/* Default bootstrap resamples of the intervals, and the most rows they are
 * computed for by default: each resample costs about a pass over the
 * scores, so 1000 of them over 10^7 rows took 12 minutes (bench/README.md). */
#define SK_INTERVAL_RESAMPLES 1000
#define SK_INTERVAL_MAX_ROWS 1000000

/* Returns how many bootstrap resamples to run on a sweep: requested when
 * it is not negative, else SK_INTERVAL_RESAMPLES up to
 * SK_INTERVAL_MAX_ROWS rows and 0 (no intervals) above. */
size_t sk_interval_resamples(const sk_sweep *sweep, long requested);

/* Returns what the run is about.  For a training session the strings point
 * into its dataset. */
const sk_run_info *sk_session_info(const sk_session *session);

/* Makes the worker wait at least delay_ms milliseconds between epochs, so
 * that a person can follow a fast run on screen.  0 (the default) waits
 * not at all.  Call before sk_session_start(). */
void sk_session_set_epoch_delay(sk_session *session, unsigned delay_ms);

/* Starts the worker thread; does nothing for a session over fixed scores. */
sk_status sk_session_start(sk_session *session, sk_error *err);

/* Returns a new reference to the newest snapshot (never NULL). */
sk_snapshot *sk_session_latest(sk_session *session);
void sk_snapshot_release(sk_snapshot *snapshot);

/* The read end of the publish pipe; readable after each publication. */
int sk_session_notify_fd(const sk_session *session);
/* Empties the publish pipe without blocking. */
void sk_session_drain_notify(sk_session *session);

void sk_session_set_paused(sk_session *session, bool paused);
bool sk_session_is_paused(sk_session *session);

/* Asks the worker to stop after the current step and waits for it. */
void sk_session_stop(sk_session *session);

/* Waits until the worker has finished every epoch (or failed). */
void sk_session_join(sk_session *session);

/* Fills a diagnosis input from a snapshot of a run, at threshold.  The
 * input points into snapshot and info, which must outlive it. */
void sk_snapshot_diagnose_input(const sk_snapshot *snapshot, const sk_run_info *info,
                                double threshold, sk_diagnose_input *input);

/* Stops the worker if it runs and frees everything. */
void sk_session_free(sk_session *session);

#endif
