/*
 * main.c - skewtop's entry point: parse the command line, load the data,
 * start the training run, then either show the screen or print a report.
 *
 * Every error reaches the user here, after the screen (if any) is closed,
 * as one line "skewtop: MESSAGE" on standard error, with exit status 2
 * for invalid usage or input and 1 for anything else.
 */
#include <errno.h>
#include <pthread.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>

#include "config.h"
#include "skewtop/data.h"
#include "skewtop/export.h"
#include "skewtop/predictions.h"
#include "skewtop/report.h"
#include "skewtop/session.h"
#include "skewtop/tui.h"
#include "skewtop/windows.h"

#include "cli.h"

/* Finds a shipped data file: in $SKEWTOP_DATA_DIR, then the source tree
 * the binary was built from, then the installed data directory. */
static const char *find_sample_data(const char *file, char *buffer, size_t size)
{
    const char *dirs[] = { getenv("SKEWTOP_DATA_DIR"), SKEWTOP_SOURCE_DATADIR,
                           SKEWTOP_DATADIR };
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        if (dirs[i] == NULL || dirs[i][0] == '\0')
            continue;
        snprintf(buffer, size, "%s/%s", dirs[i], file);
        if (access(buffer, R_OK) == 0)
            return buffer;
    }
    return NULL;
}

/* True when both paths name the same existing file. */
static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev
           && sa.st_ino == sb.st_ino;
}

static sk_status write_report(const cli_settings *settings, const sk_report_input *input,
                              sk_error *err)
{
    FILE *out = stdout;
    if (settings->output_path != NULL) {
        if (same_file(settings->output_path, settings->data_path))
            return sk_error_set(err, SK_ERR_INPUT,
                                "--output '%s' is the input file; choose another file name",
                                settings->output_path);
        out = fopen(settings->output_path, "w");
        if (out == NULL)
            return sk_error_set(err, SK_ERR_INPUT, "cannot write --output '%s': %s",
                                settings->output_path, strerror(errno));
    }

    sk_status status = settings->report == CLI_REPORT_JSON
                           ? sk_report_json(out, input, err)
                           : sk_report_text(out, input, err);
    if (out != stdout && fclose(out) != 0 && status == SK_OK)
        status = sk_error_set(err, SK_ERR_IO, "cannot write --output '%s': %s",
                              settings->output_path, strerror(errno));
    return status;
}

/* Writes the first run's operating point at the report's threshold. */
static sk_status export_operating_point(const cli_settings *settings,
                                        const sk_report_run *run, bool training,
                                        sk_error *err)
{
    json_t *document = NULL;
    sk_status status = sk_report_operating_point(run, settings->threshold, &settings->criteria,
                                                 NULL, NULL,
                                                 training ? &settings->train : NULL,
                                                 &document, err);
    const char *inputs[1] = { settings->data_path };
    if (status == SK_OK)
        status = sk_export_write(settings->export_path, document, inputs, 1, err);
    json_decref(document);
    return status;
}

/* Waits for every run to finish and prints the report of them all. */
static sk_status run_report(const cli_settings *settings, sk_session **runs,
                            size_t run_count, const sk_dataset *data, sk_error *err)
{
    sk_report_run *report_runs = sk_calloc(run_count, sizeof *report_runs);
    if (report_runs == NULL)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory while writing the report");
    for (size_t i = 0; i < run_count; i++) {
        sk_session_join(runs[i]);
        report_runs[i].info = sk_session_info(runs[i]);
        report_runs[i].snapshot = sk_session_latest(runs[i]);
    }

    sk_report_input input = {
        .data = data,
        .options = data != NULL ? &settings->train : NULL,
        .runs = report_runs,
        .run_count = run_count,
        .threshold = settings->threshold,
        .criteria = &settings->criteria,
        .resamples = settings->resamples,
    };
    sk_status status = write_report(settings, &input, err);
    if (status == SK_OK && settings->export_path != NULL)
        status = export_operating_point(settings, &report_runs[0], data != NULL, err);
    const sk_snapshot *first = report_runs[0].snapshot;
    if (status == SK_OK && first->state == SK_RUN_FAILED)
        status = sk_error_set(err, SK_ERR_NUMERIC, "training failed: %s", first->error);

    for (size_t i = 0; i < run_count; i++)
        sk_snapshot_release((sk_snapshot *)report_runs[i].snapshot);
    free(report_runs);
    return status;
}

static const char *base_name(const char *path)
{
    if (strcmp(path, "-") == 0)
        return "standard input";
    const char *slash = strrchr(path, '/');
    return slash != NULL ? slash + 1 : path;
}

/* Everything one invocation owns, freed in one place. */
typedef struct {
    sk_dataset *data;             /* train and demo: the first run's data */
    sk_dataset *second_data;      /* a lesson's second run, on its own split */
    sk_predictions *predictions;  /* inspect */
    sk_session **runs;
    size_t run_count;
} invocation;

static void invocation_free(invocation *inv)
{
    for (size_t i = 0; i < inv->run_count; i++)
        sk_session_free(inv->runs[i]);
    free(inv->runs);
    sk_dataset_free(inv->data);
    sk_dataset_free(inv->second_data);
    sk_predictions_free(inv->predictions);
}

/* Reads DATA.csv into *data and adds a training session on it. */
static sk_status load_training(cli_settings *settings, invocation *inv, sk_dataset **data,
                               sk_error *err)
{
    sk_table *table = NULL;
    sk_status status = sk_table_read(settings->data_path, &settings->csv, &table, err);
    if (status == SK_OK && settings->windowed)
        status = sk_windows_prepare(table, &settings->windows, data, err);
    else if (status == SK_OK)
        status = sk_dataset_prepare(table, &settings->prepare, data, err);
    sk_table_free(table);
    if (status != SK_OK)
        return status;
    settings->train.steps = (*data)->steps > 0 ? (*data)->steps : 1;

    sk_session **runs = sk_reallocarray(inv->runs, inv->run_count + 1, sizeof *runs);
    if (runs == NULL)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory while creating a session");
    inv->runs = runs;
    status = sk_session_new(*data, &settings->train, &inv->runs[inv->run_count], err);
    if (status != SK_OK)
        return status;
    sk_session *session = inv->runs[inv->run_count++];
    sk_train_options_describe(&settings->train, settings->run_name,
                              sizeof settings->run_name);
    if (settings->windowed && settings->windows.split == SK_WINDOW_SPLIT_RANDOM)
        strncat(settings->run_name, ", random split",
                sizeof settings->run_name - strlen(settings->run_name) - 1);
    sk_session_set_names(session, settings->data_path, settings->run_name);
    return SK_OK;
}

/* Makes the settings of the lesson `demo` names and loads its runs.  The
 * second run's settings live in *second, which must outlive the runs. */
static sk_status load_lesson(cli_settings *settings, cli_settings *second,
                             invocation *inv, sk_error *err)
{
    const sk_lesson *lesson = settings->lesson_name != NULL
                                  ? sk_lesson_find(settings->lesson_name)
                                  : sk_lesson_default();
    if (lesson == NULL)
        return sk_error_set(err, SK_ERR_INPUT,
                            "no lesson is named '%s'; skewtop demo lists them",
                            settings->lesson_name);

    static char path[4096];
    if (find_sample_data(lesson->data_file, path, sizeof path) == NULL)
        return sk_error_set(err, SK_ERR_INPUT,
                            "the sample data %s was not found; set SKEWTOP_DATA_DIR "
                            "to the folder that holds it (sample_data/ in the source)",
                            lesson->data_file);
    cli_settings demo = *settings;
    sk_status status = cli_lesson_settings(lesson, false, path, &demo, settings, err);
    if (status == SK_OK)
        status = load_training(settings, inv, &inv->data, err);
    if (status != SK_OK || lesson->second_args[0] == NULL)
        return status;
    status = cli_lesson_settings(lesson, true, path, &demo, second, err);
    if (status == SK_OK)
        status = load_training(second, inv, &inv->second_data, err);
    return status;
}

/* What the reading thread of inspect needs and returns. */
typedef struct {
    const cli_settings *settings;
    sk_read_progress progress;
    sk_predictions *predictions;
    sk_status status;
    sk_error err;
    int done_pipe[2];             /* the reader writes one byte when it ends */
} reader_job;

static void *reader_main(void *arg)
{
    reader_job *job = arg;
    job->status = sk_predictions_stream(job->settings->data_path,
                                        &job->settings->predictions, &job->progress,
                                        &job->predictions, &job->err);
    ssize_t written = write(job->done_pipe[1], "d", 1);
    (void)written;
    return NULL;
}

/* Reads the prediction file on a thread while the screen shows progress.
 * Sets *cancelled when the user stopped it. */
static sk_status read_with_progress(const cli_settings *settings, sk_predictions **out,
                                   bool *cancelled, int *exit_signal, sk_error *err)
{
    reader_job job = { .settings = settings };
    if (pipe(job.done_pipe) != 0)
        return sk_error_set(err, SK_ERR_IO, "cannot create a pipe: %s", strerror(errno));

    /* Signals belong to the screen, not to the reader. */
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &previous);
    pthread_t reader;
    int rc = pthread_create(&reader, NULL, reader_main, &job);
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    if (rc != 0) {
        close(job.done_pipe[0]);
        close(job.done_pipe[1]);
        return sk_error_set(err, SK_ERR_IO, "cannot start the reading thread: %s",
                            strerror(rc));
    }

    sk_status screen = sk_tui_progress(base_name(settings->data_path), &job.progress,
                                       job.done_pipe[0], exit_signal, err);
    if (screen != SK_OK)
        atomic_store(&job.progress.cancel, true);
    pthread_join(reader, NULL);
    close(job.done_pipe[0]);
    close(job.done_pipe[1]);

    *cancelled = atomic_load(&job.progress.cancel);
    if (screen != SK_OK) {
        sk_predictions_free(job.predictions);
        return screen;
    }
    if (job.status != SK_OK)
        *err = job.err;
    *out = job.predictions;
    return job.status;
}

/* Returns the label that --score-of names to read the scores of p the
 * other way round, or NULL with more than two labels, where the rest have
 * no single name. */
static const char *other_score_of(const sk_predictions *p)
{
    if (p->one_vs_rest || p->score_of_label == NULL)
        return NULL;
    return strcmp(p->score_of_label, p->positive_label) == 0 ? p->negative_label
                                                              : p->positive_label;
}

/* Makes the session of score column i over a sweep of its scores: exact,
 * built in the memory of the scores, or binned when the file passed the
 * exact limit.  The column's scores are gone afterwards, and after the
 * last column the labels too, so that the sweep is the only copy. */
static sk_status score_column_session(sk_predictions *p, size_t i,
                                      const sk_run_info *info, sk_session **out,
                                      sk_error *err)
{
    sk_sweep *sweep = NULL;
    sk_status status;
    if (p->binned) {
        const sk_score_bins *b = &p->bins[i];
        status = sk_sweep_new_binned(b->lowest, b->negatives, b->positives, b->bins,
                                     b->max_score, &sweep, err);
    } else {
        /* The sweep reorders the labels, so every column but the last
         * gets a copy. */
        bool last = i + 1 == p->score_columns;
        unsigned char *y = last ? sk_predictions_take_labels(p) : malloc(p->rows);
        if (y != NULL && !last)
            memcpy(y, p->y, p->rows);
        double *scores = sk_predictions_take_scores(p, i);
        if (y == NULL) {
            free(scores);
            return sk_error_set(err, SK_ERR_NOMEM, "out of memory while creating a session");
        }
        status = sk_sweep_adopt(scores, y, p->rows, &sweep, err);
        free(y);
    }
    if (status != SK_OK)
        return status;
    sk_sweep_summary summary = { p->summary[i].log_loss, p->summary[i].brier,
                                 p->summary[i].mean, p->summary[i].sd };
    return sk_session_new_sweep(info, sweep, &summary, out, err);
}

/* Reads a file of labels and scores and makes one session per score
 * column.  On screen the reading shows progress and q stops it, which
 * sets *cancelled. */
static sk_status load_predictions(cli_settings *settings, invocation *inv, bool screen,
                                  bool *cancelled, int *exit_signal, sk_error *err)
{
    sk_status status = screen
        ? read_with_progress(settings, &inv->predictions, cancelled, exit_signal, err)
        : sk_predictions_stream(settings->data_path, &settings->predictions, NULL,
                                &inv->predictions, err);
    if (status != SK_OK)
        return status;

    sk_predictions *p = inv->predictions;
    /* Margins and logits are centred on 0, not on 0.5. */
    if (!settings->threshold_set && !p->probability[0])
        settings->threshold = 0.0;
    inv->runs = sk_calloc(p->score_columns, sizeof *inv->runs);
    if (inv->runs == NULL)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory while creating a session");
    for (size_t i = 0; i < p->score_columns; i++) {
        sk_run_info info = {
            .source = settings->data_path,
            .name = p->score_names[i],
            .target_name = p->label_name,
            .positive_label = p->positive_label,
            .negative_label = p->negative_label,
            .notices = p->notices,
            .notice_count = p->notice_count,
            .other_score_of = other_score_of(p),
        };
        status = score_column_session(p, i, &info, &inv->runs[i], err);
        if (status != SK_OK)
            return status;
        inv->run_count++;
    }
    return SK_OK;
}

static sk_status run_screen(const cli_settings *settings, invocation *inv,
                            int *exit_signal, sk_error *err)
{
    sk_tui_options options = { .title = base_name(settings->data_path),
                               .threshold = settings->threshold,
                               .data = inv->data,
                               .epoch_delay_ms = settings->epoch_delay_ms,
                               .export_path = settings->export_path,
                               .input_path = settings->data_path,
                               .lesson = settings->lesson,
                               .criteria = settings->criteria,
                               .calib_fraction = settings->calib_fraction,
                               .resamples = settings->resamples };
    sk_status status = sk_tui_run(inv->runs, inv->run_count, &options, exit_signal, err);

    /* Notices were on no screen; show them once it is closed. */
    const sk_run_info *info = sk_session_info(inv->runs[0]);
    for (size_t i = 0; status == SK_OK && *exit_signal == 0 && i < info->notice_count; i++)
        fprintf(stderr, "skewtop: note: %s\n", info->notices[i]);
    return status;
}

/* Runs everything after parsing.  *exit_signal receives a signal that
 * ended the screen, to be re-raised once everything is freed. */
static sk_status run(cli_settings *settings, int *exit_signal, sk_error *err)
{
    /* With data on standard input (`... | skewtop inspect -`), the screen
     * reads its keys from /dev/tty instead. */
    bool keys = isatty(STDIN_FILENO) || access("/dev/tty", R_OK) == 0;
    bool screen = settings->report == CLI_REPORT_AUTO && isatty(STDOUT_FILENO) && keys;
    if (settings->report == CLI_REPORT_AUTO && !screen)
        settings->report = CLI_REPORT_TEXT;

    invocation inv = { 0 };
    cli_settings second;
    bool cancelled = false;
    sk_status status;
    if (settings->mode == CLI_MODE_INSPECT)
        status = load_predictions(settings, &inv, screen, &cancelled, exit_signal, err);
    else if (settings->mode == CLI_MODE_DEMO)
        status = load_lesson(settings, &second, &inv, err);
    else
        status = load_training(settings, &inv, &inv.data, err);
    if (cancelled && *exit_signal == 0) {
        /* q while reading: the user chose to stop, which is no error. */
        status = SK_OK;
        goto done;
    }
    if (status != SK_OK || *exit_signal != 0)
        goto done;

    for (size_t i = 0; screen && inv.data != NULL && i < inv.run_count; i++)
        sk_session_set_epoch_delay(inv.runs[i], settings->epoch_delay_ms);
    for (size_t i = 0; status == SK_OK && i < inv.run_count; i++)
        status = sk_session_start(inv.runs[i], err);
    if (status != SK_OK)
        goto done;

    if (screen)
        status = run_screen(settings, &inv, exit_signal, err);
    else
        status = run_report(settings, inv.runs, inv.run_count, inv.data, err);

done:
    invocation_free(&inv);
    return status;
}

#if SKEWTOP_HAVE_OPENBLAS
/* OpenBLAS's own prototype lives in a header that also declares a CBLAS
 * clashing with GSL's; this one function is all skewtop needs. */
void openblas_set_num_threads(int threads);
#endif

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
#if SKEWTOP_HAVE_OPENBLAS
    /* The models' matrices are small: a second BLAS thread only spins, and
     * takes the core the screen needs (measured in bench/README.md). */
    openblas_set_num_threads(1);
#endif
    /* GSL's default handler aborts; every status is checked instead. */
    gsl_set_error_handler_off();

    cli_settings settings;
    sk_error err = { "" };
    sk_status status = cli_parse(argc, argv, &settings, &err);
    if (status != SK_OK) {
        fprintf(stderr, "skewtop: %s\n", err.message);
        return sk_status_exit_code(status);
    }
    if (settings.mode == CLI_MODE_HELP) {
        cli_print_help(stdout);
        return 0;
    }
    if (settings.mode == CLI_MODE_LESSONS) {
        cli_print_lessons(stdout);
        return 0;
    }
    if (settings.mode == CLI_MODE_VERSION) {
        printf("skewtop %s (BLAS: %s)\n", SKEWTOP_VERSION, SKEWTOP_BLAS);
        return 0;
    }

    int exit_signal = 0;
    status = run(&settings, &exit_signal, &err);
    if (exit_signal != 0) {
        /* Die by the same signal, so that the parent shell gets the real
         * cause of the exit. */
        signal(exit_signal, SIG_DFL);
        raise(exit_signal);
    }
    if (status != SK_OK) {
        fprintf(stderr, "skewtop: %s\n", err.message);
        return sk_status_exit_code(status);
    }
    return 0;
}
