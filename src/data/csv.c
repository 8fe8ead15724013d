/*
 * csv.c - reads a CSV file into a table of strings.
 *
 * libcsv does the tokenising in strict mode, so a stray or unclosed quote
 * is an error rather than a silently merged field.  The file is fed to
 * libcsv one line at a time: that keeps a line counter for error messages
 * without reaching into the parser's state.  libcsv itself skips lines
 * that hold only blanks.
 *
 * Storage is built for large files.  All cell texts sit in one arena, each
 * NUL-terminated.  A row records the arena offset of its first byte (8
 * bytes) and its 1-based line in the file (8 bytes).  Each cell records a
 * 32-bit offset from its row's start, or SK_CELL_MISSING.  A file of 10^7
 * rows and 20 columns thus costs its own text plus about 0.96 GB of
 * offsets, and no cell is a separate allocation.  The price is a limit of
 * 4 GiB of text per row.
 *
 * Cells are normalised once while reading: surrounding single quotes are
 * removed (as in '-1'), and the missing markers (empty, NA, ?, NaN in any
 * case, also inside quotes) are stored as missing.
 */
#define _GNU_SOURCE /* strtod_l, newlocale: parse numbers in the C locale */

#include "skewtop/data.h"
#include "data_internal.h"

#include <csv.h>
#include <errno.h>
#include <locale.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* Offset stored for a missing cell. */
#define SK_CELL_MISSING UINT32_MAX

/* First arena size; doubling from 64 KiB keeps small files small and
 * needs about 20 reallocations for a 64 GiB file. */
#define ARENA_INITIAL_SIZE ((size_t)1 << 16)

/* First row capacity; grows by doubling. */
#define ROWS_INITIAL_CAPACITY 1024

/* Column names listed in an error before "and N more". */
#define LIST_NAMES_MAX 20

struct sk_table {
    char *arena;            /* cell texts, each NUL-terminated */
    size_t arena_used;      /* bytes in use */
    size_t arena_size;      /* bytes allocated */
    size_t *row_start;      /* [rows] arena offset of the row's first cell */
    size_t *row_line;       /* [rows] 1-based line where the row starts */
    uint32_t *cell_offset;  /* [rows][columns] offset from row_start */
    size_t rows;
    size_t row_capacity;
    size_t columns;
    char **names;           /* [columns] owned column names */
};

/* State shared by the libcsv callbacks while a file is read. */
typedef struct {
    sk_table *table;
    const char *display;        /* file name for messages */
    sk_header_mode header;
    size_t line;                /* 1-based number of the line being fed */
    int row_open;               /* a row has started and not yet ended */
    size_t row_line;            /* line where the current row started */
    char row_excerpt[SKD_EXCERPT_MAX + 4]; /* start of that line, for messages */
    uint32_t *row_cells;        /* [row_cells_capacity] offsets of the current row */
    size_t row_cells_capacity;
    size_t fields;              /* fields of the current row so far */
    size_t row_base;            /* arena offset where the current row starts */
    int first_row_done;         /* the first row (header or data) has ended */
    size_t first_row_line;      /* line where the first row started */
    char **first_fields;        /* [first_capacity] texts of the first row */
    size_t first_capacity;
    sk_status status;           /* first error raised inside a callback */
    sk_error *err;
} csv_reader;

/* ---- numbers --------------------------------------------------------- */

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_create(void)
{
    c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Numbers in CSV files use '.' as the decimal point in every locale, but
 * the terminal interface sets the locale from the environment.  Parsing
 * therefore goes through a C locale object when one could be made. */
bool sk_parse_double(const char *text, double *value)
{
    if (text == NULL)
        return false;
    while (is_blank(*text))
        text++;
    if (*text == '\0')
        return false;

    pthread_once(&c_locale_once, c_locale_create);
    char *end;
    errno = 0;
    double parsed = c_locale != (locale_t)0 ? strtod_l(text, &end, c_locale)
                                            : strtod(text, &end);
    if (end == text)
        return false;
    while (is_blank(*end))
        end++;
    if (*end != '\0' || parsed != parsed) /* trailing text, or NaN */
        return false;

    /* ERANGE on underflow still gives the nearest double, and on overflow
     * HUGE_VAL, which the caller sees as infinite. */
    if (value != NULL)
        *value = parsed;
    return true;
}

/* ---- cell normalisation ---------------------------------------------- */

void skd_strip_single_quotes(const char **text, size_t *len)
{
    if (*len >= 2 && (*text)[0] == '\'' && (*text)[*len - 1] == '\'') {
        (*text)++;
        *len -= 2;
    }
}

bool skd_is_missing_marker(const char *text, size_t len)
{
    while (len > 0 && is_blank(*text)) {
        text++;
        len--;
    }
    while (len > 0 && is_blank(text[len - 1]))
        len--;
    if (len == 0)
        return 1;
    if (len == 1)
        return text[0] == '?';
    if (len == 2)
        return strncasecmp(text, "NA", 2) == 0;
    if (len == 3)
        return strncasecmp(text, "NaN", 3) == 0;
    return 0;
}

/* ---- error helpers ---------------------------------------------------- */

void skd_line_excerpt(char *out, const char *line, size_t len)
{
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    size_t keep = len;
    if (keep > SKD_EXCERPT_MAX) {
        keep = SKD_EXCERPT_MAX;
        while (keep > 0 && ((unsigned char)line[keep] & 0xC0) == 0x80)
            keep--;
    }
    memcpy(out, line, keep);
    if (keep < len)
        memcpy(out + keep, "...", 4);
    else
        out[keep] = '\0';
}

/* Records the first error raised inside a callback; later ones are
 * consequences of the first. */
static void reader_fail(csv_reader *reader, sk_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void reader_fail(csv_reader *reader, sk_status status, const char *fmt, ...)
{
    if (reader->status != SK_OK)
        return;
    reader->status = status;
    if (reader->err != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(reader->err->message, sizeof reader->err->message, fmt, ap);
        va_end(ap);
    }
}

static void reader_fail_nomem(csv_reader *reader)
{
    reader_fail(reader, SK_ERR_NOMEM,
                "Out of memory while reading '%s' at line %zu.",
                reader->display, reader->line);
}

/* ---- building the table ---------------------------------------------- */

/* Makes room for extra more bytes in the arena. */
static int arena_reserve(sk_table *table, size_t extra)
{
    if (table->arena_size - table->arena_used >= extra)
        return 0;
    size_t size = table->arena_size == 0 ? ARENA_INITIAL_SIZE : table->arena_size;
    while (size - table->arena_used < extra) {
        if (size > SIZE_MAX / 2)
            return -1;
        size *= 2;
    }
    char *grown = realloc(table->arena, size);
    if (grown == NULL)
        return -1;
    table->arena = grown;
    table->arena_size = size;
    return 0;
}

/* Makes room for one more row in the row and cell arrays. */
static int rows_reserve(sk_table *table)
{
    if (table->rows < table->row_capacity)
        return 0;
    size_t capacity = table->row_capacity == 0 ? ROWS_INITIAL_CAPACITY
                                               : table->row_capacity * 2;
    if (capacity < table->row_capacity)
        return -1;
    size_t *start = sk_reallocarray(table->row_start, capacity, sizeof *start);
    if (start == NULL)
        return -1;
    table->row_start = start;
    size_t *line = sk_reallocarray(table->row_line, capacity, sizeof *line);
    if (line == NULL)
        return -1;
    table->row_line = line;
    if (table->columns != 0 && capacity > SIZE_MAX / table->columns)
        return -1;
    uint32_t *cells = sk_reallocarray(table->cell_offset, capacity * table->columns,
                                      sizeof *cells);
    if (cells == NULL)
        return -1;
    table->cell_offset = cells;
    table->row_capacity = capacity;
    return 0;
}

/* Keeps a copy of a first-row field, which may become a column name. */
static int keep_first_field(csv_reader *reader, const char *text, size_t len)
{
    if (reader->fields >= reader->first_capacity) {
        size_t capacity = reader->first_capacity == 0 ? 16 : reader->first_capacity * 2;
        char **grown = sk_reallocarray(reader->first_fields, capacity, sizeof *grown);
        if (grown == NULL)
            return -1;
        memset(grown + reader->first_capacity, 0,
               (capacity - reader->first_capacity) * sizeof *grown);
        reader->first_fields = grown;
        reader->first_capacity = capacity;
    }
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return -1;
    memcpy(copy, text, len);
    copy[len] = '\0';
    reader->first_fields[reader->fields] = copy;
    return 0;
}

/* libcsv field callback: stores one cell of the current row. */
static void on_field(void *data, size_t len, void *context)
{
    csv_reader *reader = context;
    sk_table *table = reader->table;
    if (reader->status != SK_OK)
        return;

    const char *text = data != NULL ? data : "";
    if (data == NULL)
        len = 0;
    skd_strip_single_quotes(&text, &len);

    if (reader->fields == 0)
        reader->row_base = table->arena_used;
    if (reader->fields >= reader->row_cells_capacity) {
        size_t capacity = reader->row_cells_capacity == 0 ? 64 : reader->row_cells_capacity * 2;
        uint32_t *grown = sk_reallocarray(reader->row_cells, capacity, sizeof *grown);
        if (grown == NULL) {
            reader_fail_nomem(reader);
            return;
        }
        reader->row_cells = grown;
        reader->row_cells_capacity = capacity;
    }
    if (!reader->first_row_done && keep_first_field(reader, text, len) != 0) {
        reader_fail_nomem(reader);
        return;
    }

    uint32_t offset = SK_CELL_MISSING;
    if (!skd_is_missing_marker(text, len)) {
        size_t relative = table->arena_used - reader->row_base;
        if (relative >= SK_CELL_MISSING || len >= SK_CELL_MISSING - relative) {
            reader_fail(reader, SK_ERR_INPUT,
                        "'%s': the row that starts on line %zu holds more than 4 GiB "
                        "of text, which skewtop cannot store. Check that the file "
                        "is a CSV file with one record per line.",
                        reader->display, reader->row_line);
            return;
        }
        if (arena_reserve(table, len + 1) != 0) {
            reader_fail_nomem(reader);
            return;
        }
        memcpy(table->arena + table->arena_used, text, len);
        table->arena[table->arena_used + len] = '\0';
        table->arena_used += len + 1;
        offset = (uint32_t)relative;
    }
    reader->row_cells[reader->fields++] = offset;
}

/* Returns true when a first-row field reads as data rather than as a
 * column name: a number, or a missing marker. */
static bool is_data_field(const char *text, bool *numeric)
{
    if (sk_parse_double(text, NULL)) {
        *numeric = true;
        return true;
    }
    return skd_is_missing_marker(text, strlen(text));
}

bool skd_first_row_is_header(sk_header_mode mode, char *const *fields, size_t count)
{
    if (mode == SK_HEADER_YES)
        return true;
    if (mode == SK_HEADER_NO)
        return false;
    bool numeric = false;
    for (size_t i = 0; i < count; i++) {
        if (!is_data_field(fields[i], &numeric))
            return true;
    }
    return !numeric;
}

/* Sets the column names from the first row (header) or to "1", "2", ...;
 * an empty header name also becomes the column's 1-based index. */
static int set_column_names(csv_reader *reader, int header)
{
    sk_table *table = reader->table;
    table->names = sk_calloc(table->columns, sizeof *table->names);
    if (table->names == NULL)
        return -1;
    for (size_t i = 0; i < table->columns; i++) {
        if (header && reader->first_fields[i][0] != '\0') {
            table->names[i] = reader->first_fields[i];
            reader->first_fields[i] = NULL;
        } else {
            char number[24];
            snprintf(number, sizeof number, "%zu", i + 1);
            table->names[i] = sk_strdup(number);
            if (table->names[i] == NULL)
                return -1;
        }
    }
    return 0;
}

/* libcsv row callback: checks the field count and appends the row. */
static void on_row(int terminator, void *context)
{
    csv_reader *reader = context;
    sk_table *table = reader->table;
    (void)terminator;
    if (reader->status != SK_OK)
        return;

    size_t fields = reader->fields;
    reader->fields = 0;
    reader->row_open = 0;

    if (!reader->first_row_done) {
        reader->first_row_done = 1;
        table->columns = fields;
        reader->first_row_line = reader->row_line;
        bool header = skd_first_row_is_header(reader->header, reader->first_fields, fields);
        if (set_column_names(reader, header) != 0) {
            reader_fail_nomem(reader);
            return;
        }
        if (header) {
            table->arena_used = reader->row_base; /* the header is no data row */
            return;
        }
    } else if (fields != table->columns) {
        reader_fail(reader, SK_ERR_INPUT,
                    "'%s': line %zu has %zu field%s but the header has %zu: %s. "
                    "Every row needs the same number of fields; quote a field that "
                    "contains the delimiter, and fill in a missing field as empty or NA.",
                    reader->display, reader->row_line, fields, fields == 1 ? "" : "s",
                    table->columns, reader->row_excerpt);
        return;
    }

    if (rows_reserve(table) != 0) {
        reader_fail_nomem(reader);
        return;
    }
    table->row_start[table->rows] = reader->row_base;
    table->row_line[table->rows] = reader->row_line;
    memcpy(table->cell_offset + table->rows * table->columns, reader->row_cells,
           fields * sizeof *reader->row_cells);
    table->rows++;
}

/* ---- reading ---------------------------------------------------------- */

bool skd_line_has_content(const char *line, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (!is_blank(line[i]))
            return true;
    }
    return false;
}

int skd_space_or_tab(unsigned char c)
{
    return c == ' ' || c == '\t';
}

int skd_space_only(unsigned char c)
{
    return c == ' ';
}

/* Feeds every line of fp to the parser.  Returns the reader's status. */
static sk_status feed_lines(csv_reader *reader, struct csv_parser *parser, FILE *fp)
{
    char *line = NULL;
    size_t capacity = 0;
    ssize_t got;

    errno = 0;
    while (reader->status == SK_OK && (got = getline(&line, &capacity, fp)) != -1) {
        const char *text = line;
        size_t len = (size_t)got;
        reader->line++;

        /* A UTF-8 byte order mark, as spreadsheet programs write, is no
         * part of the first column's name. */
        if (reader->line == 1 && len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
            text += 3;
            len -= 3;
        }
        if (!reader->row_open && skd_line_has_content(text, len)) {
            reader->row_open = 1;
            reader->row_line = reader->line;
            skd_line_excerpt(reader->row_excerpt, text, len);
        }

        size_t parsed = csv_parse(parser, text, len, on_field, on_row, reader);
        if (reader->status != SK_OK)
            break;
        if (parsed != len) {
            if (csv_error(parser) == CSV_EPARSE) {
                char excerpt[SKD_EXCERPT_MAX + 4];
                skd_line_excerpt(excerpt, text, len);
                reader_fail(reader, SK_ERR_INPUT,
                            "'%s': line %zu has a quote inside an unquoted field or "
                            "text after a closing quote: %s. Put the whole field in "
                            "double quotes and write each quote inside it twice (\"\").",
                            reader->display, reader->line, excerpt);
            } else {
                reader_fail_nomem(reader);
            }
            break;
        }
        errno = 0;
    }
    if (reader->status == SK_OK && ferror(fp)) {
        const char *reason = strerror(errno != 0 ? errno : EIO);
        if (reader->line == 0)
            reader_fail(reader, SK_ERR_INPUT,
                        "Cannot read '%s': %s. Check that the file is readable.",
                        reader->display, reason);
        else
            reader_fail(reader, SK_ERR_INPUT,
                        "Cannot read '%s' after line %zu: %s. Check that the file is "
                        "readable.",
                        reader->display, reader->line, reason);
    }
    free(line);
    return reader->status;
}

/* Parses the whole stream into reader->table. */
static sk_status read_stream(csv_reader *reader, FILE *fp, char delimiter)
{
    struct csv_parser parser;
    if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI | CSV_EMPTY_IS_NULL) != 0) {
        reader_fail_nomem(reader);
        return reader->status;
    }
    csv_set_delim(&parser, (unsigned char)delimiter);
    /* libcsv trims spaces and tabs around unquoted fields; with a tab
     * delimiter only spaces may be trimmed. */
    csv_set_space_func(&parser, delimiter == '\t' ? skd_space_only : skd_space_or_tab);

    if (feed_lines(reader, &parser, fp) == SK_OK
        && csv_fini(&parser, on_field, on_row, reader) != 0 && reader->status == SK_OK) {
        if (csv_error(&parser) == CSV_EPARSE) {
            reader_fail(reader, SK_ERR_INPUT,
                        "'%s': a quoted field in the row that starts on line %zu is "
                        "never closed: %s. Add the closing double quote, and write "
                        "each quote inside a quoted field twice (\"\").",
                        reader->display, reader->row_line, reader->row_excerpt);
        } else {
            reader_fail_nomem(reader);
        }
    }
    csv_free(&parser);
    return reader->status;
}

/* Checks that the table has a header or data row and at least one data row. */
static sk_status check_not_empty(const csv_reader *reader, sk_error *err)
{
    if (!reader->first_row_done) {
        return sk_error_set(err, SK_ERR_INPUT,
                            "'%s' is empty: it has no header and no data rows. "
                            "Check that the right file was given.",
                            reader->display);
    }
    if (reader->table->rows == 0) {
        return sk_error_set(err, SK_ERR_INPUT,
                            "'%s' has a header on line %zu but no data rows below it. "
                            "Check that the right file was given.",
                            reader->display, reader->first_row_line);
    }
    return SK_OK;
}

/* Gives back the unused part of the arena; failure to shrink is harmless. */
static void shrink_arena(sk_table *table)
{
    if (table->arena_used == 0 || table->arena_used == table->arena_size)
        return;
    char *shrunk = realloc(table->arena, table->arena_used);
    if (shrunk != NULL) {
        table->arena = shrunk;
        table->arena_size = table->arena_used;
    }
}

sk_status sk_table_read(const char *path, const sk_csv_options *options,
                        sk_table **out, sk_error *err)
{
    *out = NULL;
    if (path == NULL || path[0] == '\0')
        return sk_error_set(err, SK_ERR_INPUT, "No CSV file was given. Give a file name, or - for standard input.");

    int from_stdin = strcmp(path, "-") == 0;
    char delimiter = options != NULL && options->delimiter != 0 ? options->delimiter : ',';
    csv_reader reader = {
        .display = from_stdin ? "standard input" : path,
        .header = options != NULL ? options->header : SK_HEADER_AUTO,
        .status = SK_OK,
        .err = err,
    };

    FILE *fp = from_stdin ? stdin : fopen(path, "r");
    if (fp == NULL) {
        return sk_error_set(err, SK_ERR_INPUT,
                            "Cannot open '%s': %s. Check the path and that the file is readable.",
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
    reader.table = calloc(1, sizeof *reader.table);
    if (reader.table == NULL) {
        reader_fail_nomem(&reader);
        goto done;
    }

    if (read_stream(&reader, fp, delimiter) != SK_OK)
        goto done;
    reader.status = check_not_empty(&reader, err);
    if (reader.status != SK_OK)
        goto done;
    shrink_arena(reader.table);
    *out = reader.table;
    reader.table = NULL;

done:
    if (!from_stdin)
        fclose(fp);
    for (size_t i = 0; i < reader.first_capacity; i++)
        free(reader.first_fields[i]);
    free(reader.first_fields);
    free(reader.row_cells);
    sk_table_free(reader.table);
    return reader.status;
}

void sk_table_free(sk_table *table)
{
    if (table == NULL)
        return;
    if (table->names != NULL) {
        for (size_t i = 0; i < table->columns; i++)
            free(table->names[i]);
    }
    free(table->names);
    free(table->arena);
    free(table->row_start);
    free(table->row_line);
    free(table->cell_offset);
    free(table);
}

/* ---- access ----------------------------------------------------------- */

size_t sk_table_rows(const sk_table *table)
{
    return table->rows;
}

size_t sk_table_columns(const sk_table *table)
{
    return table->columns;
}

const char *sk_table_column_name(const sk_table *table, size_t column)
{
    return column < table->columns ? table->names[column] : NULL;
}

const char *sk_table_cell(const sk_table *table, size_t row, size_t column)
{
    if (row >= table->rows || column >= table->columns)
        return NULL;
    uint32_t offset = table->cell_offset[row * table->columns + column];
    if (offset == SK_CELL_MISSING)
        return NULL;
    return table->arena + table->row_start[row] + offset;
}

size_t sk_table_row_line(const sk_table *table, size_t row)
{
    return row < table->rows ? table->row_line[row] : 0;
}

/* Returns nonzero when spec is a non-empty run of decimal digits. */
static int is_all_digits(const char *spec)
{
    if (*spec == '\0')
        return 0;
    for (; *spec != '\0'; spec++) {
        if (*spec < '0' || *spec > '9')
            return 0;
    }
    return 1;
}

/* Writes "'a', 'b', ... and N more" into buffer. */
static void list_column_names(const sk_table *table, char *buffer, size_t size)
{
    skd_list list;
    skd_list_start(&list, buffer, size);
    char name[SKD_EXCERPT_MAX + 4];
    char item[sizeof name + 2];
    for (size_t i = 0; i < table->columns && i < LIST_NAMES_MAX; i++) {
        skd_line_excerpt(name, table->names[i], strlen(table->names[i]));
        snprintf(item, sizeof item, "'%s'", name);
        if (!skd_list_add(&list, item))
            break;
    }
    skd_list_finish(&list, table->columns, false);
}

sk_status sk_table_find_column(const sk_table *table, const char *spec,
                               size_t *column, sk_error *err)
{
    if (spec == NULL || spec[0] == '\0')
        return sk_error_set(err, SK_ERR_INPUT, "The column name is empty. Give a column name or a 1-based column index.");

    for (size_t i = 0; i < table->columns; i++) {
        if (strcmp(table->names[i], spec) == 0) {
            *column = i;
            return SK_OK;
        }
    }

    char names[SK_ERROR_MAX / 2];
    list_column_names(table, names, sizeof names);
    if (is_all_digits(spec)) {
        errno = 0;
        unsigned long long index = strtoull(spec, NULL, 10);
        if (errno == 0 && index >= 1 && index <= table->columns) {
            *column = (size_t)(index - 1);
            return SK_OK;
        }
        return sk_error_set(err, SK_ERR_INPUT,
                            "Column index %s is out of range: the file has %zu column%s "
                            "(1 to %zu): %s. Give a column name or an index in that range.",
                            spec, table->columns, table->columns == 1 ? "" : "s",
                            table->columns, names);
    }
    return sk_error_set(err, SK_ERR_INPUT,
                        "Column '%s' not found. The columns are: %s. Give one of these "
                        "names (case matters) or a 1-based column index.",
                        spec, names);
}
