/*
 * main.c - skewtop's entry point: parse the command line, load the data,
 * start the training run, then either show the screen or print a report.
 *
 * Every error reaches the user here, after the screen (if any) is closed,
 * as one line "skewtop: MESSAGE" on standard error, with exit status 2
 * for invalid usage or input and 1 for anything else.
 */
#include <errno.h>
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
#include "skewtop/report.h"
#include "skewtop/session.h"
#include "skewtop/tui.h"

#include "cli.h"

#define DEMO_FILE "lending_club.csv"

/* Finds the demo data: $SKEWTOP_DATA_DIR, then the source tree the binary
 * was built from, then the installed data directory. */
static const char *find_demo_data(char *buffer, size_t size)
{
    const char *dirs[] = { getenv("SKEWTOP_DATA_DIR"), SKEWTOP_SOURCE_DATADIR,
                           SKEWTOP_DATADIR };
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        if (dirs[i] == NULL || dirs[i][0] == '\0')
            continue;
        snprintf(buffer, size, "%s/%s", dirs[i], DEMO_FILE);
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
        if (same_file(settings->output_path, input->source))
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

/* Trains to the end without a screen and prints the report. */
static sk_status run_report(const cli_settings *settings, sk_session *session,
                            const sk_dataset *data, sk_error *err)
{
    sk_session_join(session);
    sk_snapshot *snapshot = sk_session_latest(session);
    sk_report_input input = {
        .source = settings->data_path,
        .data = data,
        .options = &settings->train,
        .snapshot = snapshot,
        .threshold = settings->threshold,
    };
    sk_status status = write_report(settings, &input, err);
    if (status == SK_OK && snapshot->state == SK_RUN_FAILED)
        status = sk_error_set(err, SK_ERR_NUMERIC, "training failed: %s", snapshot->error);
    sk_snapshot_release(snapshot);
    return status;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash != NULL ? slash + 1 : path;
}

/* Runs everything after parsing.  *exit_signal receives a signal that
 * ended the screen, to be re-raised once everything is freed. */
static sk_status run(cli_settings *settings, int *exit_signal, sk_error *err)
{
    char demo_path[4096];
    if (settings->mode == CLI_MODE_DEMO) {
        settings->data_path = find_demo_data(demo_path, sizeof demo_path);
        if (settings->data_path == NULL)
            return sk_error_set(err, SK_ERR_INPUT,
                                "the demo data %s was not found; set SKEWTOP_DATA_DIR "
                                "to the folder that holds it (sample_data/ in the source)",
                                DEMO_FILE);
    }

    bool screen = settings->report == CLI_REPORT_AUTO && isatty(STDOUT_FILENO)
                  && isatty(STDIN_FILENO);
    if (settings->report == CLI_REPORT_AUTO && !screen)
        settings->report = CLI_REPORT_TEXT;

    sk_table *table = NULL;
    sk_dataset *data = NULL;
    sk_session *session = NULL;
    sk_status status = sk_table_read(settings->data_path, &settings->csv, &table, err);
    if (status == SK_OK)
        status = sk_dataset_prepare(table, &settings->prepare, &data, err);
    sk_table_free(table);
    if (status == SK_OK)
        status = sk_session_new(data, &settings->train, &session, err);
    if (status != SK_OK)
        goto done;

    if (screen)
        sk_session_set_epoch_delay(session, settings->epoch_delay_ms);
    status = sk_session_start(session, err);
    if (status != SK_OK)
        goto done;

    if (screen) {
        sk_tui_options options = { .title = base_name(settings->data_path),
                                   .threshold = settings->threshold };
        status = sk_tui_run(session, data, &options, exit_signal, err);
        for (size_t i = 0; status == SK_OK && i < data->notice_count; i++)
            fprintf(stderr, "skewtop: note: %s\n", data->notices[i]);
    } else {
        status = run_report(settings, session, data, err);
    }

done:
    sk_session_free(session);
    sk_dataset_free(data);
    return status;
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
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
    if (settings.mode == CLI_MODE_VERSION) {
        printf("skewtop %s (BLAS: %s)\n", SKEWTOP_VERSION, SKEWTOP_BLAS);
        return 0;
    }

    int exit_signal = 0;
    status = run(&settings, &exit_signal, &err);
    if (exit_signal != 0) {
        /* Die by the same signal, so the shell sees how the program ended. */
        signal(exit_signal, SIG_DFL);
        raise(exit_signal);
    }
    if (status != SK_OK) {
        fprintf(stderr, "skewtop: %s\n", err.message);
        return sk_status_exit_code(status);
    }
    return 0;
}
