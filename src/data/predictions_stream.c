/*
 * predictions_stream.c - the front end of the prediction reader that parses
 * a file or standard input with libcsv, chunk by chunk, and feeds each row
 * to the core (predictions.c) as it ends.  It reports progress per chunk and
 * stops when the caller cancels, and it applies the CSV rules and messages
 * of sk_table_read().
 */
#include "data_internal.h"
#include "predictions_internal.h"

#include <csv.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bytes read from the file at a time.  Progress and cancel are handled per
 * chunk.  Parsing ran at 87 MB/s (bench/README.md), so 1 MiB gives about 80
 * updates a second. */
#define READ_CHUNK ((size_t)1 << 20)

/* ---- front end: a CSV stream ----------------------------------------------- */

/* State of the libcsv callbacks while a file is streamed. */
typedef struct {
    predictions_reader *core;
    const char *display;            /* file name for CSV messages */
    sk_header_mode header;
    size_t line;                    /* 1-based number of the line being fed */
    bool row_open;                  /* a row has started and not yet ended */
    size_t row_line;                /* line where the current row started */
    char row_excerpt[SKD_EXCERPT_MAX + 4]; /* start of that line, for messages */
    size_t fields;                  /* fields of the current row so far */
    bool first_row_done;            /* the first row (header or data) has ended */
    size_t first_row_line;
    char **first_fields;            /* [first_capacity] texts of the first row */
    size_t first_capacity;
    size_t columns;                 /* fields of the first row */
    bool *read_column;              /* [columns] the core reads this column */
    char **cell_text;               /* [columns] buffers of the cells read */
    size_t *cell_capacity;          /* [columns] */
    const char **cells;             /* [columns] the current row: cell_text or NULL */
    sk_status status;               /* first error raised inside a callback */
    sk_error *err;
} csv_stream;

/* Records the first error raised inside a callback. */
static void stream_fail(csv_stream *stream, sk_status status)
{
    if (stream->status == SK_OK)
        stream->status = status;
}

static void stream_fail_message(csv_stream *stream, sk_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void stream_fail_message(csv_stream *stream, sk_status status, const char *fmt, ...)
{
    if (stream->status != SK_OK)
        return;
    stream->status = status;
    if (stream->err != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(stream->err->message, sizeof stream->err->message, fmt, ap);
        va_end(ap);
    }
}

static void stream_fail_nomem(csv_stream *stream)
{
    stream_fail_message(stream, SK_ERR_NOMEM, "Out of memory while reading '%s'.",
                        stream->display);
}

/* Keeps a copy of a first-row field, which may become a column name. */
static int keep_first_field(csv_stream *stream, const char *text, size_t len)
{
    if (stream->fields >= stream->first_capacity) {
        size_t capacity = stream->first_capacity == 0 ? 16 : stream->first_capacity * 2;
        char **grown = sk_reallocarray(stream->first_fields, capacity, sizeof *grown);
        if (grown == NULL)
            return -1;
        memset(grown + stream->first_capacity, 0,
               (capacity - stream->first_capacity) * sizeof *grown);
        stream->first_fields = grown;
        stream->first_capacity = capacity;
    }
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return -1;
    memcpy(copy, text, len);
    copy[len] = '\0';
    stream->first_fields[stream->fields] = copy;
    return 0;
}

/* Copies a cell that the core reads, or records it as missing. */
static int keep_cell(csv_stream *stream, size_t column, const char *text, size_t len)
{
    if (skd_is_missing_marker(text, len)) {
        stream->cells[column] = NULL;
        return 0;
    }
    if (len + 1 > stream->cell_capacity[column]) {
        size_t capacity = 2 * (len + 1);
        char *grown = realloc(stream->cell_text[column], capacity);
        if (grown == NULL)
            return -1;
        stream->cell_text[column] = grown;
        stream->cell_capacity[column] = capacity;
    }
    memcpy(stream->cell_text[column], text, len);
    stream->cell_text[column][len] = '\0';
    stream->cells[column] = stream->cell_text[column];
    return 0;
}

/* libcsv field callback. */
static void on_field(void *data, size_t len, void *context)
{
    csv_stream *stream = context;
    if (stream->status != SK_OK)
        return;
    const char *text = data != NULL ? data : "";
    if (data == NULL)
        len = 0;
    skd_strip_single_quotes(&text, &len);

    int failed = 0;
    if (!stream->first_row_done)
        failed = keep_first_field(stream, text, len);
    else if (stream->fields < stream->columns && stream->read_column[stream->fields])
        failed = keep_cell(stream, stream->fields, text, len);
    if (failed != 0) {
        stream_fail_nomem(stream);
        return;
    }
    stream->fields++;
}

/* Makes the column names from the first row (a header) or as "1", "2", ...;
 * an empty header name also becomes the column's 1-based index.  Returns
 * NULL when memory runs out. */
static char **column_names(csv_stream *stream, size_t columns, bool header)
{
    char **names = sk_calloc(columns > 0 ? columns : 1, sizeof *names);
    if (names == NULL)
        return NULL;
    for (size_t i = 0; i < columns; i++) {
        if (header && stream->first_fields[i][0] != '\0') {
            names[i] = sk_strdup(stream->first_fields[i]);
        } else {
            char number[24];
            snprintf(number, sizeof number, "%zu", i + 1);
            names[i] = sk_strdup(number);
        }
        if (names[i] == NULL) {
            for (size_t j = 0; j < i; j++)
                free(names[j]);
            free(names);
            return NULL;
        }
    }
    return names;
}

/* Handles the first row: names the columns, lets the core choose among them,
 * and reads the row as data when it is no header. */
static void first_row(csv_stream *stream, size_t fields)
{
    stream->first_row_done = true;
    stream->columns = fields;
    stream->first_row_line = stream->row_line;
    bool header = skd_first_row_is_header(stream->header, stream->first_fields, fields);
    char **names = column_names(stream, fields, header);
    stream->read_column = sk_calloc(fields > 0 ? fields : 1, sizeof *stream->read_column);
    stream->cell_text = sk_calloc(fields > 0 ? fields : 1, sizeof *stream->cell_text);
    stream->cell_capacity = sk_calloc(fields > 0 ? fields : 1, sizeof *stream->cell_capacity);
    stream->cells = sk_calloc(fields > 0 ? fields : 1, sizeof *stream->cells);
    if (names == NULL || stream->read_column == NULL || stream->cell_text == NULL
        || stream->cell_capacity == NULL || stream->cells == NULL) {
        if (names != NULL) {
            for (size_t i = 0; i < fields; i++)
                free(names[i]);
            free(names);
        }
        stream_fail_nomem(stream);
        return;
    }

    sk_status status = skp_set_columns(stream->core, names, fields);
    if (status != SK_OK) {
        stream_fail(stream, status);
        return;
    }
    for (size_t c = 0; c < fields; c++)
        stream->read_column[c] = skp_column_is_read(stream->core, c);
    if (header)
        return;
    for (size_t c = 0; c < fields; c++) {
        const char *text = stream->first_fields[c];
        if (stream->read_column[c] && keep_cell(stream, c, text, strlen(text)) != 0) {
            stream_fail_nomem(stream);
            return;
        }
    }
    status = skp_feed_row(stream->core, stream->cells, stream->row_line);
    if (status != SK_OK)
        stream_fail(stream, status);
}

/* libcsv row callback: checks the field count and reads the row. */
static void on_row(int terminator, void *context)
{
    csv_stream *stream = context;
    (void)terminator;
    if (stream->status != SK_OK)
        return;
    size_t fields = stream->fields;
    stream->fields = 0;
    stream->row_open = false;

    if (!stream->first_row_done) {
        first_row(stream, fields);
        return;
    }
    if (fields != stream->columns) {
        stream_fail_message(stream, SK_ERR_INPUT,
                            "'%s': line %zu has %zu field%s but the header has %zu: %s. "
                            "Every row needs the same number of fields; quote a field that "
                            "contains the delimiter, and fill in a missing field as empty "
                            "or NA.",
                            stream->display, stream->row_line, fields,
                            fields == 1 ? "" : "s", stream->columns, stream->row_excerpt);
        return;
    }
    sk_status status = skp_feed_row(stream->core, stream->cells, stream->row_line);
    if (status != SK_OK)
        stream_fail(stream, status);
}

/* Feeds one line (with its line end, when it has one) to the parser, as
 * sk_table_read() does: one line at a time keeps the line numbers. */
static void feed_line(csv_stream *stream, struct csv_parser *parser, const char *text,
                      size_t len)
{
    stream->line++;
    /* A UTF-8 byte order mark, as spreadsheet programs write, is no part of
     * the first column's name. */
    if (stream->line == 1 && len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        len -= 3;
    }
    if (!stream->row_open && skd_line_has_content(text, len)) {
        stream->row_open = true;
        stream->row_line = stream->line;
        skd_line_excerpt(stream->row_excerpt, text, len);
    }

    size_t parsed = csv_parse(parser, text, len, on_field, on_row, stream);
    if (stream->status != SK_OK || parsed == len)
        return;
    if (csv_error(parser) == CSV_EPARSE) {
        char excerpt[SKD_EXCERPT_MAX + 4];
        skd_line_excerpt(excerpt, text, len);
        stream_fail_message(stream, SK_ERR_INPUT,
                            "'%s': line %zu has a quote inside an unquoted field or text "
                            "after a closing quote: %s. Put the whole field in double "
                            "quotes and write each quote inside it twice (\"\").",
                            stream->display, stream->line, excerpt);
    } else {
        stream_fail_nomem(stream);
    }
}

/* Publishes the progress counters and reports whether the caller asked to
 * stop. */
static bool report_progress(sk_read_progress *progress, const csv_stream *stream,
                            size_t bytes)
{
    if (progress == NULL)
        return false;
    atomic_store(&progress->bytes_read, bytes);
    atomic_store(&progress->rows_read, stream->core->rows);
    atomic_store(&progress->binned, stream->core->binned);
    return atomic_load(&progress->cancel);
}

/* Maximum wait for input before the reader checks for cancellation again:
 * a writer that stalls must not keep q from stopping the reader. */
#define CANCEL_POLL_MS 100

/* Waits until fd has input or end of file; returns false when progress
 * requests cancellation first.  Without progress it returns at once. */
static bool wait_readable(int fd, sk_read_progress *progress)
{
    if (progress == NULL)
        return true;
    for (;;) {
        if (atomic_load(&progress->cancel))
            return false;
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        int ready = poll(&pfd, 1, CANCEL_POLL_MS);
        if (ready > 0 || (ready < 0 && errno != EINTR))
            return true;   /* input, end of file, or an error read() will report */
    }
}

/* Reads fp in chunks and feeds every complete line; a line longer than the
 * buffer grows it. */
static void feed_file(csv_stream *stream, struct csv_parser *parser, FILE *fp,
                      sk_read_progress *progress)
{
    size_t capacity = READ_CHUNK;
    char *buffer = malloc(capacity);
    if (buffer == NULL) {
        stream_fail_nomem(stream);
        return;
    }
    size_t partial_bytes = 0;        /* bytes of an unfinished line at the buffer's start */
    size_t bytes = 0;
    bool read_failed = false;
    errno = 0;
    while (stream->status == SK_OK) {
        if (partial_bytes == capacity) {
            char *grown = realloc(buffer, capacity * 2);
            if (grown == NULL) {
                stream_fail_nomem(stream);
                break;
            }
            buffer = grown;
            capacity *= 2;
        }
        /* read(), not fread(): a pipe returns what has arrived, so the
         * progress counters move while a slow writer is still writing. */
        if (!wait_readable(fileno(fp), progress)) {
            char file[PLACE_MAX];
            skp_file_phrase(stream->core, file, sizeof file);
            stream_fail_message(stream, SK_ERR_INPUT,
                                "Reading the prediction file%s was interrupted.", file);
            break;
        }
        ssize_t count = read(fileno(fp), buffer + partial_bytes, capacity - partial_bytes);
        if (count < 0 && errno == EINTR)
            continue;
        if (count < 0) {
            read_failed = true;
            count = 0;
        }
        size_t got = (size_t)count;
        bytes += got;
        size_t end = partial_bytes + got;
        size_t start = 0;
        const char *newline;
        while (stream->status == SK_OK
               && (newline = memchr(buffer + start, '\n', end - start)) != NULL) {
            size_t stop = (size_t)(newline - buffer) + 1;
            feed_line(stream, parser, buffer + start, stop - start);
            start = stop;
        }
        partial_bytes = end - start;
        memmove(buffer, buffer + start, partial_bytes);
        if (report_progress(progress, stream, bytes)) {
            char file[PLACE_MAX];
            skp_file_phrase(stream->core, file, sizeof file);
            stream_fail_message(stream, SK_ERR_INPUT,
                                "Reading the prediction file%s was interrupted.", file);
            break;
        }
        if (got == 0)
            break;
    }
    if (stream->status == SK_OK && partial_bytes > 0)
        feed_line(stream, parser, buffer, partial_bytes);
    if (stream->status == SK_OK && read_failed) {
        const char *reason = strerror(errno != 0 ? errno : EIO);
        if (stream->line == 0)
            stream_fail_message(stream, SK_ERR_INPUT,
                                "Cannot read '%s': %s. Check that the file is readable.",
                                stream->display, reason);
        else
            stream_fail_message(stream, SK_ERR_INPUT,
                                "Cannot read '%s' after line %zu: %s. Check that the file "
                                "is readable.",
                                stream->display, stream->line, reason);
    }
    free(buffer);
}

/* Parses the whole stream, then ends the last row. */
static void parse_file(csv_stream *stream, FILE *fp, char delimiter,
                       sk_read_progress *progress)
{
    struct csv_parser parser;
    if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI | CSV_EMPTY_IS_NULL) != 0) {
        stream_fail_nomem(stream);
        return;
    }
    csv_set_delim(&parser, (unsigned char)delimiter);
    /* libcsv trims spaces and tabs around unquoted fields; with a tab
     * delimiter only spaces may be trimmed. */
    csv_set_space_func(&parser, delimiter == '\t' ? skd_space_only : skd_space_or_tab);

    feed_file(stream, &parser, fp, progress);
    if (stream->status == SK_OK && csv_fini(&parser, on_field, on_row, stream) != 0
        && stream->status == SK_OK) {
        if (csv_error(&parser) == CSV_EPARSE) {
            stream_fail_message(stream, SK_ERR_INPUT,
                                "'%s': a quoted field in the row that starts on line %zu is "
                                "never closed: %s. Add the closing double quote, and write "
                                "each quote inside a quoted field twice (\"\").",
                                stream->display, stream->row_line, stream->row_excerpt);
        } else {
            stream_fail_nomem(stream);
        }
    }
    csv_free(&parser);
}

/* Checks that the stream had a first row and a data row, with the messages
 * of sk_table_read(). */
static sk_status check_not_empty(const csv_stream *stream)
{
    if (!stream->first_row_done) {
        return sk_error_set(stream->err, SK_ERR_INPUT,
                            "'%s' is empty: it has no header and no data rows. "
                            "Check that the right file was given.",
                            stream->display);
    }
    const predictions_reader *core = stream->core;
    if (core->rows == 0 && core->detection_row_count == 0) {
        return sk_error_set(stream->err, SK_ERR_INPUT,
                            "'%s' has a header on line %zu but no data rows below it. "
                            "Check that the right file was given.",
                            stream->display, stream->first_row_line);
    }
    return SK_OK;
}

static void stream_free(csv_stream *stream)
{
    for (size_t i = 0; i < stream->first_capacity; i++)
        free(stream->first_fields[i]);
    free(stream->first_fields);
    for (size_t c = 0; stream->cell_text != NULL && c < stream->columns; c++)
        free(stream->cell_text[c]);
    free(stream->cell_text);
    free(stream->cell_capacity);
    free(stream->cells);
    free(stream->read_column);
}

/* Stores the size of a regular file in progress->bytes_total. */
static void set_total_bytes(FILE *fp, sk_read_progress *progress)
{
    struct stat info;
    if (progress != NULL && fstat(fileno(fp), &info) == 0 && S_ISREG(info.st_mode))
        atomic_store(&progress->bytes_total, (size_t)info.st_size);
}

sk_status sk_predictions_stream(const char *path, const sk_predictions_options *options,
                                sk_read_progress *progress, sk_predictions **out,
                                sk_error *err)
{
    *out = NULL;
    if (path == NULL || path[0] == '\0')
        return sk_error_set(err, SK_ERR_INPUT,
                            "No CSV file was given. Give a file name, or - for standard "
                            "input.");
    bool from_stdin = strcmp(path, "-") == 0;
    FILE *fp = from_stdin ? stdin : fopen(path, "r");
    if (fp == NULL) {
        return sk_error_set(err, SK_ERR_INPUT,
                            "Cannot open '%s': %s. Check the path and that the file is "
                            "readable.",
                            path, strerror(errno));
    }
    /* fopen() opens a directory for reading on Linux; only reading it fails. */
    struct stat info;
    if (fstat(fileno(fp), &info) == 0 && S_ISDIR(info.st_mode)) {
        if (!from_stdin)
            fclose(fp);
        if (from_stdin)
            return sk_error_set(err, SK_ERR_INPUT, "Standard input is a directory, not a CSV "
                                "file. Redirect a CSV file into it instead.");
        return sk_error_set(err, SK_ERR_INPUT,
                            "'%s' is a directory, not a CSV file. Give the path of a CSV file.",
                            path);
    }
    set_total_bytes(fp, progress);

    predictions_reader reader;
    sk_status status = skp_reader_init(&reader, path, options, err);
    if (status == SK_OK) {
        const sk_csv_options *csv = &reader.options->csv;
        csv_stream stream = {
            .core = &reader,
            .display = from_stdin ? "standard input" : path,
            .header = csv->header,
            .err = err,
        };
        parse_file(&stream, fp, csv->delimiter != 0 ? csv->delimiter : ',', progress);
        status = stream.status;
        if (status == SK_OK)
            status = check_not_empty(&stream);
        if (status == SK_OK)
            status = skp_finish_rows(&reader);
        if (progress != NULL && status == SK_OK) {
            atomic_store(&progress->rows_read, reader.rows);
            atomic_store(&progress->binned, reader.binned);
        }
        stream_free(&stream);
    }
    if (!from_stdin)
        fclose(fp);
    return skp_reader_finish(&reader, status, out);
}

sk_status sk_predictions_read(const char *path, const sk_predictions_options *options,
                              sk_predictions **out, sk_error *err)
{
    return sk_predictions_stream(path, options, NULL, out, err);
}

