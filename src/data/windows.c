/*
 * windows.c - cuts a table of time series into windows and encodes them as
 * an sk_dataset for sequence models.
 *
 * The steps run in this order:
 *   1. columns: the target, time and group columns are found and the
 *      options checked.
 *   2. time: every time cell is parsed and the column's step (integer,
 *      month or day) is inferred, so each row gets a step number.
 *   3. series: rows are grouped by entity and sorted by step; two rows of
 *      one series at the same step are an error.
 *   4. windows: each labelled row anchors the window that ends `horizon`
 *      steps before it.  Windows are found with two cursors per series, so
 *      this step costs O(rows) whatever the window length.
 *   5. labels: the windows' labels pick the positive class.
 *   6. split: a cut in time or a seeded stratified shuffle assigns each
 *      window to one split.
 *   7. columns: the feature columns get encoding plans from the rows that
 *      training windows read, so validation rows do not shape the encoding.
 *   8. matrices: each row that a window reads is encoded once, and the
 *      windows copy their steps from those encoded rows.
 *
 * Label choice and column encoding follow the rules of sk_dataset_prepare(),
 * with the rows that training windows read in place of the training rows:
 * both files use the helpers of encode.c (data_internal.h).
 */
#include "skewtop/windows.h"

#include "data_internal.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

/* Largest magnitude of an integer time (15 digits).  It keeps the
 * difference of two times, and a time minus a window and horizon of up to
 * WINDOW_SPAN_MAX, far inside the range of long long. */
#define TIME_INTEGER_MAX 999999999999999LL

/* A window plus horizon longer than this fits no series, because no two
 * times are further apart (integers are bounded by TIME_INTEGER_MAX and
 * dates by the years 1 to 9999). */
#define WINDOW_SPAN_MAX (2 * TIME_INTEGER_MAX + 1)

/* Longer than any time text that can parse: a sign and 15 digits, or a
 * date of 10 characters. */
#define TIME_TEXT_MAX 24

/* Room for one formatted time in a message. */
#define TIME_LABEL_MAX 32

/* Split of one window. */
enum { IN_TRAIN = 0, IN_VAL = 1 };

/* ---- time values ---------------------------------------------------------- */

/* How a time column's values are counted in steps. */
typedef enum {
    UNIT_ORDER,     /* no time column: rows in file order, 0, 1, 2, ... per series */
    UNIT_INTEGER,   /* whole numbers, a step is 1 */
    UNIT_MONTH,     /* a step is one calendar month */
    UNIT_DAY        /* a step is one day */
} time_unit;

/* How one time cell is written. */
typedef enum {
    FORM_INTEGER,   /* 42 or -3 */
    FORM_MONTH,     /* 2013-01 */
    FORM_DATE       /* 2013-01-31 or 1/31/2013 */
} time_form;

typedef struct {
    time_form form;
    long long integer;      /* FORM_INTEGER */
    int year, month, day;   /* FORM_MONTH (day 0) and FORM_DATE */
    int slash;              /* written M/D/YYYY */
} time_text;

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static int is_leap_year(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int days_in_month(int year, int month)
{
    static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return days[month - 1] + (month == 2 && is_leap_year(year));
}

/* Returns the number of days from 0001-01-01 to the date (proleptic
 * Gregorian calendar). */
static long long day_number(int year, int month, int day)
{
    static const int before[12] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334 };
    long long past = year - 1;
    long long days = 365 * past + past / 4 - past / 100 + past / 400;
    days += before[month - 1] + day - 1;
    if (month > 2 && is_leap_year(year))
        days++;
    return days;
}

/* Inverts day_number() for days >= 0. */
static void date_of_day(long long days, int *year, int *month, int *day)
{
    int y = (int)(days / 366) + 1; /* at or below the true year */
    while (day_number(y + 1, 1, 1) <= days)
        y++;
    long long rest = days - day_number(y, 1, 1);
    int m = 1;
    while (rest >= days_in_month(y, m)) {
        rest -= days_in_month(y, m);
        m++;
    }
    *year = y;
    *month = m;
    *day = (int)rest + 1;
}

/* Returns the length of the run of decimal digits at text. */
static size_t digit_run(const char *text)
{
    size_t n = 0;
    while (text[n] >= '0' && text[n] <= '9')
        n++;
    return n;
}

static int digits_value(const char *text, size_t len)
{
    int value = 0;
    for (size_t i = 0; i < len; i++)
        value = value * 10 + (text[i] - '0');
    return value;
}

/* Parses an optionally signed whole number of at most TIME_INTEGER_MAX. */
static int parse_integer_time(const char *text, time_text *out)
{
    const char *digits = text + (text[0] == '-' || text[0] == '+');
    size_t len = digit_run(digits);
    if (len == 0 || digits[len] != '\0')
        return 0;
    errno = 0;
    long long value = strtoll(text, NULL, 10);
    if (errno != 0 || value > TIME_INTEGER_MAX || value < -TIME_INTEGER_MAX)
        return 0;
    *out = (time_text){ .form = FORM_INTEGER, .integer = value };
    return 1;
}

/* Parses YYYY-M, YYYY-M-D or M/D/YYYY (M and D of one or two digits) and
 * checks that the date exists. */
static int parse_date_time(const char *text, time_text *out)
{
    time_text parsed = { .form = FORM_DATE };
    size_t first = digit_run(text);
    const char *p = text;

    if (first == 4 && p[4] == '-') {
        parsed.year = digits_value(p, 4);
        p += 5;
        size_t len = digit_run(p);
        if (len < 1 || len > 2)
            return 0;
        parsed.month = digits_value(p, len);
        p += len;
        if (*p == '\0') {
            parsed.form = FORM_MONTH;
        } else {
            if (*p != '-')
                return 0;
            p++;
            len = digit_run(p);
            if (len < 1 || len > 2 || p[len] != '\0')
                return 0;
            parsed.day = digits_value(p, len);
        }
    } else if (first >= 1 && first <= 2 && p[first] == '/') {
        parsed.month = digits_value(p, first);
        p += first + 1;
        size_t len = digit_run(p);
        if (len < 1 || len > 2 || p[len] != '/')
            return 0;
        parsed.day = digits_value(p, len);
        p += len + 1;
        if (digit_run(p) != 4 || p[4] != '\0')
            return 0;
        parsed.year = digits_value(p, 4);
        parsed.slash = 1;
    } else {
        return 0;
    }

    if (parsed.year < 1 || parsed.month < 1 || parsed.month > 12)
        return 0;
    if (parsed.form == FORM_DATE
        && (parsed.day < 1 || parsed.day > days_in_month(parsed.year, parsed.month)))
        return 0;
    *out = parsed;
    return 1;
}

/* Parses one time text, ignoring surrounding blanks.  Returns 0 when the
 * text is none of the accepted forms or names a date that does not exist. */
static int parse_time_text(const char *text, time_text *out)
{
    while (is_blank(*text))
        text++;
    size_t len = strlen(text);
    while (len > 0 && is_blank(text[len - 1]))
        len--;
    if (len == 0 || len >= TIME_TEXT_MAX)
        return 0;
    char buffer[TIME_TEXT_MAX];
    memcpy(buffer, text, len);
    buffer[len] = '\0';
    return parse_integer_time(buffer, out) || parse_date_time(buffer, out);
}

/* Returns the step number of a parsed time in unit, which the caller has
 * checked the form fits. */
static long long time_step(time_unit unit, const time_text *time)
{
    switch (unit) {
    case UNIT_MONTH:
        return (long long)time->year * 12 + time->month - 1;
    case UNIT_DAY:
        return day_number(time->year, time->month, time->form == FORM_MONTH ? 1 : time->day);
    case UNIT_ORDER:
    case UNIT_INTEGER:
        break;
    }
    return time->integer;
}

/* ---- building state ------------------------------------------------------- */

/* One window: `window` steps from `start` of one series. */
typedef struct {
    size_t label_row;       /* table row whose label the window predicts */
    size_t series;
    size_t first;           /* position in order[] of the first row at or after start */
    long long start;        /* step number of the window's first step */
    long long label_step;   /* step number of label_row */
    unsigned char y;        /* 1 for the positive class */
    unsigned char split;    /* IN_TRAIN or IN_VAL */
    unsigned char has_gap;  /* some step has no row (SK_GAP_FILL only) */
} window_ref;

/* Rows of one series: order[begin] to order[end - 1], rising in step. */
typedef struct {
    size_t begin, end;
} series_span;

typedef struct {
    const sk_table *table;
    const sk_window_options *options;
    size_t rows;                /* table rows */
    size_t target;
    size_t time_column;         /* valid when has_time */
    size_t group_column;        /* valid when has_group */
    int has_time, has_group;
    size_t window, horizon;
    size_t max_categories;

    time_unit unit;
    int slash;                  /* dates are written M/D/YYYY */
    long long *step;            /* [rows] step number of each row */

    skd_text_map groups;        /* group texts; the id is the series */
    size_t *series_of;          /* [rows] series of each row */
    size_t *order;              /* [rows] table rows sorted by series, then step */
    series_span *series;        /* [series_count] */
    size_t series_count;

    window_ref *windows;        /* [window_count], by series, then label step */
    size_t window_count;
    size_t short_history;       /* labelled rows too early in their series for a window */
    size_t skipped_windows;     /* windows dropped for a gap (SK_GAP_SKIP) */
    size_t gap_windows;         /* kept windows that read a gap (SK_GAP_FILL) */
    long long gap_steps;        /* steps without a row inside the series */

    long long cut;              /* time split: first label step of validation */
    unsigned char *row_use;     /* [rows] SKD_USE_TRAIN | SKD_USE_VAL bits */

    skd_column_plan *plans;     /* [plan_count] */
    size_t plan_count;
    size_t step_features;       /* features per step */

    sk_dataset *dataset;
} window_builder;

/* ---- messages ------------------------------------------------------------- */

/* Words and rules of the shared encoding steps (encode.c) for windows. */
static const skd_variant WINDOW_VARIANT = {
    .nomem = "Out of memory while making windows.",
    .label_unit = "window",
    .all_missing = "every value that a window reads is missing",
    .no_training_value = "the training windows read no value of it",
    .wide_scope = " in the training rows",
    .wide_rows = SKD_USE_TRAIN,
    .other_columns = " and the time and group columns",
    .step_names = true,
};

static sk_status out_of_memory(sk_error *err)
{
    return skd_out_of_memory(&WINDOW_VARIANT, err);
}

static const char *plural(size_t count)
{
    return count == 1 ? "" : "s";
}

/* Formats a step number as the time column writes it. */
static void format_step(const window_builder *b, long long step, char *buffer, size_t size)
{
    int year, month, day;
    switch (b->unit) {
    case UNIT_MONTH:
        snprintf(buffer, size, "%04lld-%02lld", step / 12, step % 12 + 1);
        return;
    case UNIT_DAY:
        date_of_day(step, &year, &month, &day);
        if (b->slash)
            snprintf(buffer, size, "%d/%d/%04d", month, day, year);
        else
            snprintf(buffer, size, "%04d-%02d-%02d", year, month, day);
        return;
    case UNIT_ORDER:
        snprintf(buffer, size, "step %lld", step);
        return;
    case UNIT_INTEGER:
        break;
    }
    snprintf(buffer, size, "%lld", step);
}

/* ---- step 1: columns and options ------------------------------------------ */

static sk_status check_options(const sk_window_options *options, sk_error *err)
{
    if (options == NULL || options->target == NULL || options->target[0] == '\0') {
        return sk_error_set(err, SK_ERR_INPUT,
                            "No label column was given. Name it with --target COL "
                            "(a column name or a 1-based index).");
    }
    if (options->window == 0) {
        return sk_error_set(err, SK_ERR_INPUT,
                            "--window 0 is invalid: a window needs at least one time step. "
                            "Give --window 1 or more.");
    }
    if (options->split != SK_WINDOW_SPLIT_TIME && options->split != SK_WINDOW_SPLIT_RANDOM) {
        return sk_error_set(err, SK_ERR_INPUT,
                            "Split mode %d is unknown. Use --split time or --split random.",
                            (int)options->split);
    }
    if (options->gaps != SK_GAP_FILL && options->gaps != SK_GAP_SKIP) {
        return sk_error_set(err, SK_ERR_INPUT,
                            "Gap policy %d is unknown. Gaps are filled as missing values "
                            "or their windows skipped.",
                            (int)options->gaps);
    }
    if (options->split_at != NULL && options->split == SK_WINDOW_SPLIT_RANDOM) {
        return sk_error_set(err, SK_ERR_INPUT,
                            "--split-at %s sets the cut of a time split, but the split is "
                            "random. Drop --split-at, or use --split time.",
                            options->split_at);
    }
    int uses_fraction = options->split == SK_WINDOW_SPLIT_RANDOM || options->split_at == NULL;
    double fraction = options->val_fraction;
    if (uses_fraction && !(fraction > 0.0 && fraction < 1.0)) {
        return sk_error_set(err, SK_ERR_INPUT,
                            "Validation fraction %g is out of range. Give --val-fraction a "
                            "value between 0 and 1, such as 0.2.",
                            fraction);
    }
    return SK_OK;
}

/* Finds the column that an option names; the message of a failure starts
 * with the option. */
static sk_status find_option_column(const sk_table *table, const char *option,
                                    const char *spec, size_t *column, sk_error *err)
{
    sk_error inner = { "" };
    sk_status status = sk_table_find_column(table, spec, column, &inner);
    if (status != SK_OK)
        return sk_error_set(err, status, "%s %s: %s", option, spec, inner.message);
    return SK_OK;
}

/* Fails when two options name the same column. */
static sk_status check_distinct(const sk_table *table, size_t a, const char *option_a,
                                size_t b, const char *option_b, sk_error *err)
{
    if (a != b)
        return SK_OK;
    return sk_error_set(err, SK_ERR_INPUT,
                        "%s and %s both name column '%s'. Each needs its own column.",
                        option_a, option_b, sk_table_column_name(table, a));
}

static sk_status find_columns(window_builder *b, sk_error *err)
{
    const sk_window_options *options = b->options;
    sk_status status = find_option_column(b->table, "--target", options->target,
                                          &b->target, err);
    if (status != SK_OK)
        return status;

    b->has_time = options->time_col != NULL;
    if (b->has_time) {
        status = find_option_column(b->table, "--time-col", options->time_col,
                                    &b->time_column, err);
        if (status == SK_OK)
            status = check_distinct(b->table, b->time_column, "--time-col", b->target,
                                    "--target", err);
        if (status != SK_OK)
            return status;
    }
    b->has_group = options->group_col != NULL;
    if (b->has_group) {
        status = find_option_column(b->table, "--group-col", options->group_col,
                                    &b->group_column, err);
        if (status == SK_OK)
            status = check_distinct(b->table, b->group_column, "--group-col", b->target,
                                    "--target", err);
        if (status == SK_OK && b->has_time)
            status = check_distinct(b->table, b->group_column, "--group-col",
                                    b->time_column, "--time-col", err);
    }
    return status;
}

/* ---- step 2: time --------------------------------------------------------- */

/* Rows of a time column that decide its unit, for the checks and messages. */
typedef struct {
    size_t integer_row;     /* first whole number */
    size_t date_row;        /* first month or date */
    size_t month_row;       /* first YYYY-MM */
    size_t mid_day_row;     /* first date that is neither a month's first nor last day */
    size_t not_first_row;   /* first date that is not the 1st of its month */
    size_t not_last_row;    /* first date that is not the last day of its month */
    int has_integer, has_date, has_month, has_full_date;
    int has_mid_day, has_not_first, has_not_last;
} time_survey;

static void survey_time(time_survey *survey, const time_text *time, size_t row)
{
    if (time->form == FORM_INTEGER) {
        if (!survey->has_integer)
            survey->integer_row = row;
        survey->has_integer = 1;
        return;
    }
    if (!survey->has_date)
        survey->date_row = row;
    survey->has_date = 1;
    if (time->form == FORM_MONTH) {
        if (!survey->has_month)
            survey->month_row = row;
        survey->has_month = 1;
        return;
    }
    survey->has_full_date = 1;
    int first = time->day == 1;
    int last = time->day == days_in_month(time->year, time->month);
    if (!first && !survey->has_not_first) {
        survey->has_not_first = 1;
        survey->not_first_row = row;
    }
    if (!last && !survey->has_not_last) {
        survey->has_not_last = 1;
        survey->not_last_row = row;
    }
    if (!first && !last && !survey->has_mid_day) {
        survey->has_mid_day = 1;
        survey->mid_day_row = row;
    }
}

/* Picks the unit from the survey: see windows.h for the rule. */
static sk_status choose_unit(window_builder *b, const time_survey *survey, sk_error *err)
{
    const sk_table *table = b->table;
    size_t column = b->time_column;
    const char *name = sk_table_column_name(table, column);

    if (survey->has_integer && survey->has_date) {
        size_t i = survey->integer_row, d = survey->date_row;
        return sk_error_set(err, SK_ERR_INPUT,
                            "Column '%s' (--time-col) mixes whole numbers ('%s' on line %zu) "
                            "and dates ('%s' on line %zu). Write every time in one form.",
                            name, sk_table_cell(table, i, column), sk_table_row_line(table, i),
                            sk_table_cell(table, d, column), sk_table_row_line(table, d));
    }
    if (survey->has_integer) {
        b->unit = UNIT_INTEGER;
        return SK_OK;
    }

    int monthly = !survey->has_full_date || !survey->has_not_first || !survey->has_not_last;
    if (monthly) {
        b->unit = UNIT_MONTH;
        return SK_OK;
    }
    if (survey->has_month) {
        /* Daily dates next to YYYY-MM months: the step is ambiguous. */
        size_t m = survey->month_row;
        size_t d = survey->has_mid_day ? survey->mid_day_row : survey->not_first_row;
        return sk_error_set(err, SK_ERR_INPUT,
                            "Column '%s' (--time-col) mixes months ('%s' on line %zu) and days "
                            "('%s' on line %zu), so the time step is unclear. Write every time "
                            "as a month (2013-01) or every time as a day (2013-01-15).",
                            name, sk_table_cell(table, m, column), sk_table_row_line(table, m),
                            sk_table_cell(table, d, column), sk_table_row_line(table, d));
    }
    b->unit = UNIT_DAY;
    return SK_OK;
}

/* Parses the time column into b->step and infers its unit. */
static sk_status read_times(window_builder *b, sk_error *err)
{
    const sk_table *table = b->table;
    size_t column = b->time_column;
    const char *name = sk_table_column_name(table, column);
    time_text *times = sk_calloc(b->rows, sizeof *times);
    if (times == NULL)
        return out_of_memory(err);

    sk_status status = SK_OK;
    time_survey survey = { 0 };
    for (size_t r = 0; r < b->rows; r++) {
        const char *cell = sk_table_cell(table, r, column);
        if (cell == NULL) {
            status = sk_error_set(err, SK_ERR_INPUT,
                                  "Line %zu has no value in the time column '%s' (--time-col). "
                                  "Every row needs a time: fill it in or remove the row.",
                                  sk_table_row_line(table, r), name);
            goto done;
        }
        if (!parse_time_text(cell, &times[r])) {
            status = sk_error_set(err, SK_ERR_INPUT,
                                  "Column '%s' (--time-col) holds '%s' on line %zu, which is not "
                                  "a time. Write dates as 2013-01, 2013-01-31 or 1/31/2013 (a "
                                  "real date), or times as whole numbers of at most 15 digits.",
                                  name, cell, sk_table_row_line(table, r));
            goto done;
        }
        survey_time(&survey, &times[r], r);
        b->slash |= times[r].slash;
    }

    status = choose_unit(b, &survey, err);
    if (status != SK_OK)
        goto done;
    for (size_t r = 0; r < b->rows; r++)
        b->step[r] = time_step(b->unit, &times[r]);

done:
    free(times);
    return status;
}

/* Reads --split-at as a step number of the time column's unit into *cut. */
static sk_status parse_split_at(const window_builder *b, const char *text, long long *cut,
                                sk_error *err)
{
    time_text time;
    int parsed = parse_time_text(text, &time);
    int fits = 0;
    if (parsed) {
        if (b->unit == UNIT_INTEGER || b->unit == UNIT_ORDER)
            fits = time.form == FORM_INTEGER;
        else
            fits = time.form != FORM_INTEGER;
    }
    if (fits) {
        *cut = time_step(b->unit, &time);
        return SK_OK;
    }

    if (b->unit == UNIT_ORDER) {
        return sk_error_set(err, SK_ERR_INPUT,
                            "--split-at %s is not a step number. Without --time-col the rows "
                            "of each series are steps 0, 1, 2, ... in file order; give a "
                            "whole number, or name the time column with --time-col.",
                            text);
    }
    char example[TIME_LABEL_MAX];
    format_step(b, b->step[b->order[0]], example, sizeof example);
    const char *kind = b->unit == UNIT_INTEGER ? "whole numbers"
                       : b->unit == UNIT_MONTH ? "months" : "days";
    return sk_error_set(err, SK_ERR_INPUT,
                        "--split-at %s is not a time like those of column '%s', which holds "
                        "%s. Give the first time of the validation split in that form, such "
                        "as %s.",
                        text, sk_table_column_name(b->table, b->time_column), kind, example);
}

/* ---- step 3: series --------------------------------------------------------- */

/* Assigns each row its series: the group value's id, in order of first
 * appearance, or series 0 for all rows without a group column. */
static sk_status read_groups(window_builder *b, sk_error *err)
{
    if (!b->has_group) {
        b->series_count = 1;
        return SK_OK;
    }
    const char *name = sk_table_column_name(b->table, b->group_column);
    for (size_t r = 0; r < b->rows; r++) {
        const char *cell = sk_table_cell(b->table, r, b->group_column);
        if (cell == NULL) {
            return sk_error_set(err, SK_ERR_INPUT,
                                "Line %zu has no value in the group column '%s' (--group-col). "
                                "Every row needs its entity: fill it in or remove the row.",
                                sk_table_row_line(b->table, r), name);
        }
        if (skd_map_add(&b->groups, cell, &b->series_of[r]) != 0)
            return out_of_memory(err);
    }
    b->series_count = b->groups.count;
    return SK_OK;
}

/* Without a time column, numbers each series' rows 0, 1, 2, ... in file
 * order. */
static sk_status number_rows_in_order(window_builder *b, sk_error *err)
{
    long long *next = sk_calloc(b->series_count, sizeof *next);
    if (next == NULL)
        return out_of_memory(err);
    for (size_t r = 0; r < b->rows; r++)
        b->step[r] = next[b->series_of[r]]++;
    free(next);
    return SK_OK;
}

typedef struct {
    size_t series;
    long long step;
    size_t row;
} row_key;

static int compare_row_keys(const void *a, const void *b)
{
    const row_key *x = a, *y = b;
    if (x->series != y->series)
        return x->series < y->series ? -1 : 1;
    if (x->step != y->step)
        return x->step < y->step ? -1 : 1;
    return (x->row > y->row) - (x->row < y->row);
}

static sk_status report_duplicate(const window_builder *b, size_t first, size_t second,
                                  sk_error *err)
{
    const sk_table *table = b->table;
    const char *time = sk_table_cell(table, second, b->time_column);
    const char *time_name = sk_table_column_name(table, b->time_column);
    if (b->has_group) {
        return sk_error_set(err, SK_ERR_INPUT,
                            "Lines %zu and %zu are both at time '%s' (column '%s') of entity "
                            "'%s' (column '%s'). Each entity needs one row per time: remove "
                            "or merge the duplicate, or check --group-col.",
                            sk_table_row_line(table, first), sk_table_row_line(table, second),
                            time, time_name, sk_table_cell(table, second, b->group_column),
                            sk_table_column_name(table, b->group_column));
    }
    return sk_error_set(err, SK_ERR_INPUT,
                        "Lines %zu and %zu are both at time '%s' (column '%s'). A series "
                        "needs one row per time: remove or merge the duplicate, or name the "
                        "entity column with --group-col if the file holds several series.",
                        sk_table_row_line(table, first), sk_table_row_line(table, second),
                        time, time_name);
}

/* Sorts the rows by series and step into b->order and fills b->series.
 * Fails on two rows of one series at the same step. */
static sk_status order_rows(window_builder *b, sk_error *err)
{
    row_key *keys = sk_calloc(b->rows, sizeof *keys);
    b->series = sk_calloc(b->series_count, sizeof *b->series);
    if (keys == NULL || b->series == NULL) {
        free(keys);
        return out_of_memory(err);
    }
    for (size_t r = 0; r < b->rows; r++)
        keys[r] = (row_key){ .series = b->series_of[r], .step = b->step[r], .row = r };
    qsort(keys, b->rows, sizeof *keys, compare_row_keys);

    sk_status status = SK_OK;
    for (size_t i = 0; i < b->rows; i++) {
        if (i > 0 && keys[i].series == keys[i - 1].series && keys[i].step == keys[i - 1].step) {
            status = report_duplicate(b, keys[i - 1].row, keys[i].row, err);
            break;
        }
        b->order[i] = keys[i].row;
        series_span *span = &b->series[keys[i].series];
        if (i == 0 || keys[i].series != keys[i - 1].series)
            span->begin = i;
        span->end = i + 1;
    }
    free(keys);
    return status;
}

/* Returns the number of steps from a series' first time to its last. */
static long long series_length(const window_builder *b, const series_span *span)
{
    return b->step[b->order[span->end - 1]] - b->step[b->order[span->begin]] + 1;
}

/* ---- step 4: windows ---------------------------------------------------------- */

/* Finds the windows of one series and appends them to b->windows, which
 * has room for one per row. */
static void find_series_windows(window_builder *b, size_t series)
{
    const series_span *span = &b->series[series];
    long long span_before = (long long)(b->window + b->horizon) - 1; /* label minus start */
    long long first_step = b->step[b->order[span->begin]];
    size_t low = span->begin;   /* first position at or after the window's start */
    size_t high = span->begin;  /* first position after the window's last step */

    b->gap_steps += series_length(b, span) - (long long)(span->end - span->begin);
    for (size_t i = span->begin; i < span->end; i++) {
        size_t row = b->order[i];
        if (sk_table_cell(b->table, row, b->target) == NULL)
            continue;
        long long label_step = b->step[row];
        long long start = label_step - span_before;
        if (start < first_step) {
            b->short_history++;
            continue;
        }
        long long last = start + (long long)b->window - 1;
        while (low < span->end && b->step[b->order[low]] < start)
            low++;
        if (high < low)
            high = low;
        while (high < span->end && b->step[b->order[high]] <= last)
            high++;

        int has_gap = high - low < b->window;
        if (has_gap && b->options->gaps == SK_GAP_SKIP) {
            b->skipped_windows++;
            continue;
        }
        b->gap_windows += (size_t)has_gap;
        b->windows[b->window_count++] = (window_ref){
            .label_row = row,
            .series = series,
            .first = low,
            .start = start,
            .label_step = label_step,
            .has_gap = (unsigned char)has_gap,
        };
    }
}

/* Explains why no window could be made. */
static sk_status report_no_window(const window_builder *b, sk_error *err)
{
    size_t longest = 0;
    for (size_t s = 1; s < b->series_count; s++) {
        if (series_length(b, &b->series[s]) > series_length(b, &b->series[longest]))
            longest = s;
    }
    const series_span *span = &b->series[longest];
    long long length = series_length(b, span);
    char from[TIME_LABEL_MAX], to[TIME_LABEL_MAX], entity[SK_ERROR_MAX / 4] = "";
    format_step(b, b->step[b->order[span->begin]], from, sizeof from);
    format_step(b, b->step[b->order[span->end - 1]], to, sizeof to);
    if (b->has_group) {
        snprintf(entity, sizeof entity, " ('%s')",
                 sk_table_cell(b->table, b->order[span->begin], b->group_column));
    }

    if (b->horizon >= WINDOW_SPAN_MAX || (long long)b->horizon >= length) {
        return sk_error_set(err, SK_ERR_INPUT,
                            "--horizon %zu reaches past the end of every series: the longest"
                            "%s has %lld time step%s (%s to %s). Give a --horizon below %lld.",
                            b->horizon, entity, length, plural((size_t)length), from, to,
                            length);
    }
    if (b->window > (size_t)(length - (long long)b->horizon)) {
        char with_horizon[48] = "";
        if (b->horizon > 0)
            snprintf(with_horizon, sizeof with_horizon, " with --horizon %zu", b->horizon);
        return sk_error_set(err, SK_ERR_INPUT,
                            "--window %zu%s is longer than every series: the longest%s has "
                            "%lld time step%s (%s to %s). Give --window %lld or less.",
                            b->window, with_horizon, entity, length, plural((size_t)length),
                            from, to, length - (long long)b->horizon);
    }
    if (b->skipped_windows > 0) {
        return sk_error_set(err, SK_ERR_INPUT,
                            "Every one of the %zu possible windows of %zu steps contains a time "
                            "step without a row, and gaps are set to skip such windows. Fill "
                            "gaps as missing values instead, or give a shorter --window.",
                            b->skipped_windows, b->window);
    }
    return sk_error_set(err, SK_ERR_INPUT,
                        "No window has a label: every row late enough in its series to end a "
                        "window has a missing value in column '%s'. Check that --target names "
                        "the label column.",
                        sk_table_column_name(b->table, b->target));
}

static sk_status find_windows(window_builder *b, sk_error *err)
{
    b->windows = sk_calloc(b->rows, sizeof *b->windows);
    if (b->windows == NULL)
        return out_of_memory(err);
    /* A window and horizon longer than any two times fit no series.  The
     * check also keeps the step arithmetic below from overflowing. */
    if (b->window <= WINDOW_SPAN_MAX && b->horizon <= WINDOW_SPAN_MAX - b->window) {
        for (size_t s = 0; s < b->series_count; s++)
            find_series_windows(b, s);
    }
    if (b->window_count == 0)
        return report_no_window(b, err);
    return SK_OK;
}

/* ---- step 5: labels ------------------------------------------------------------ */

/* Picks the positive class from the sorted labels of the windows and sets
 * the dataset's label names. */
static sk_status choose_positive(window_builder *b, const char **labels,
                                 const skd_text_map *counts, sk_error *err)
{
    sk_dataset *dataset = b->dataset;
    size_t count = counts->count;
    char listed[SK_ERROR_MAX / 2];
    skd_list_labels(labels, count, counts, WINDOW_VARIANT.label_unit, listed, sizeof listed);
    const char *target = dataset->target_name;

    if (count == 1) {
        return sk_error_set(err, SK_ERR_INPUT,
                            "Column '%s' holds one class only in the labels of the windows: "
                            "%s. The windows need labels of two classes; check that --target "
                            "names the label column.",
                            target, listed);
    }
    const char *positive = NULL;
    if (b->options->positive != NULL) {
        positive = skd_match_positive(labels, count, b->options->positive);
        if (positive == NULL) {
            return sk_error_set(err, SK_ERR_INPUT,
                                "The positive class '%s' is not a label of the windows in "
                                "column '%s'. The labels are: %s. Give one of them with "
                                "--positive.",
                                b->options->positive, target, listed);
        }
    }
    return skd_set_classes(dataset, &WINDOW_VARIANT, labels, count, counts, positive, listed,
                           err);
}

/* Picks the positive class and sets each window's y. */
static sk_status choose_labels(window_builder *b, sk_error *err)
{
    skd_text_map counts = { 0 };
    const char **labels = NULL;
    sk_status status = SK_OK;
    for (size_t w = 0; w < b->window_count; w++) {
        size_t id;
        if (skd_map_add(&counts, sk_table_cell(b->table, b->windows[w].label_row, b->target),
                        &id) != 0) {
            status = out_of_memory(err);
            goto done;
        }
    }
    labels = skd_map_sorted_texts(&counts);
    if (labels == NULL) {
        status = out_of_memory(err);
        goto done;
    }
    status = choose_positive(b, labels, &counts, err);
    if (status != SK_OK)
        goto done;
    for (size_t w = 0; w < b->window_count; w++) {
        const char *label = sk_table_cell(b->table, b->windows[w].label_row, b->target);
        b->windows[w].y = strcmp(label, b->dataset->positive_label) == 0;
    }

done:
    free(labels);
    skd_map_free(&counts);
    return status;
}

/* ---- step 6: split ---------------------------------------------------------------- */

/* Sets b->cut, the first label step of validation, from --split-at or from
 * val_fraction of the span of label steps. */
static sk_status choose_cut(window_builder *b, long long first, long long last, sk_error *err)
{
    char from[TIME_LABEL_MAX], to[TIME_LABEL_MAX];
    format_step(b, first, from, sizeof from);
    format_step(b, last, to, sizeof to);

    if (b->options->split_at != NULL) {
        sk_status status = parse_split_at(b, b->options->split_at, &b->cut, err);
        if (status != SK_OK)
            return status;
        if (b->cut <= first || b->cut > last) {
            char after[TIME_LABEL_MAX];
            format_step(b, first + 1, after, sizeof after);
            return sk_error_set(err, SK_ERR_INPUT,
                                "--split-at %s leaves no window for %s: the windows predict "
                                "labels from %s to %s. Give a time from %s to %s.",
                                b->options->split_at,
                                b->cut <= first ? "training" : "validation", from, to,
                                after, to);
        }
        return SK_OK;
    }

    long long span = last - first + 1;
    if (span < 2) {
        return sk_error_set(err, SK_ERR_INPUT,
                            "Every window predicts a label at the same time, %s, so a time "
                            "split cannot train on earlier windows and validate on later "
                            "ones. Use --split random, or a shorter --window to get more "
                            "windows.",
                            from);
    }
    long long val_steps = (long long)floor(b->options->val_fraction * (double)span + 0.5);
    if (val_steps < 1)
        val_steps = 1;
    if (val_steps > span - 1)
        val_steps = span - 1;
    b->cut = last - val_steps + 1;
    return SK_OK;
}

/* Fails when a side of the time cut has no window of a class. */
static sk_status check_time_classes(const window_builder *b, const size_t count[2][2],
                                    sk_error *err)
{
    char cut[TIME_LABEL_MAX];
    format_step(b, b->cut, cut, sizeof cut);
    for (int split = IN_TRAIN; split <= IN_VAL; split++) {
        for (int cls = 0; cls <= 1; cls++) {
            if (count[split][cls] > 0)
                continue;
            const char *label = cls == 1 ? b->dataset->positive_label
                                         : b->dataset->negative_label;
            const char *fix;
            if (b->options->split_at != NULL)
                fix = split == IN_TRAIN ? "Give a later --split-at" : "Give an earlier --split-at";
            else
                fix = split == IN_TRAIN ? "Lower --val-fraction to move the cut later"
                                        : "Raise --val-fraction to move the cut earlier";
            return sk_error_set(err, SK_ERR_INPUT,
                                "The %s windows (labels %s %s) hold no window of class '%s'. "
                                "%s, or use --split random.",
                                split == IN_TRAIN ? "training" : "validation",
                                split == IN_TRAIN ? "before" : "from", cut, label, fix);
        }
    }
    return SK_OK;
}

static sk_status split_by_time(window_builder *b, sk_error *err)
{
    long long first = b->windows[0].label_step, last = first;
    for (size_t w = 1; w < b->window_count; w++) {
        if (b->windows[w].label_step < first)
            first = b->windows[w].label_step;
        if (b->windows[w].label_step > last)
            last = b->windows[w].label_step;
    }
    sk_status status = choose_cut(b, first, last, err);
    if (status != SK_OK)
        return status;

    size_t count[2][2] = { { 0, 0 }, { 0, 0 } };
    for (size_t w = 0; w < b->window_count; w++) {
        window_ref *window = &b->windows[w];
        window->split = window->label_step >= b->cut ? IN_VAL : IN_TRAIN;
        count[window->split][window->y]++;
    }
    return check_time_classes(b, count, err);
}

/* Checks that a class of count windows, of which val go to validation,
 * leaves at least one window in each split. */
static sk_status check_class_split(const char *label, size_t count, size_t val,
                                   double fraction, sk_error *err)
{
    if (val == 0 || val == count) {
        return sk_error_set(err, SK_ERR_INPUT,
                            "Class '%s' has %zu window%s, so a validation fraction of %g puts "
                            "%s of them in the validation split. Add rows of this class or "
                            "%s --val-fraction.",
                            label, count, plural(count), fraction, val == 0 ? "none" : "all",
                            val == 0 ? "raise" : "lower");
    }
    return SK_OK;
}

/* Shuffles the windows of each class with a seeded Mersenne Twister and
 * sends the first round(fraction * count) of each to validation. */
static sk_status split_at_random(window_builder *b, sk_error *err)
{
    size_t *members = sk_calloc(b->window_count, sizeof *members);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    sk_status status = SK_OK;
    if (members == NULL || rng == NULL) {
        status = out_of_memory(err);
        goto done;
    }
    gsl_rng_set(rng, b->options->seed);

    for (unsigned char cls = 0; cls <= 1; cls++) {
        size_t count = 0;
        for (size_t w = 0; w < b->window_count; w++) {
            if (b->windows[w].y == cls)
                members[count++] = w;
        }
        double fraction = b->options->val_fraction;
        size_t val = (size_t)floor(fraction * (double)count + 0.5);
        const char *label = cls == 1 ? b->dataset->positive_label : b->dataset->negative_label;
        status = check_class_split(label, count, val, fraction, err);
        if (status != SK_OK)
            goto done;
        gsl_ran_shuffle(rng, members, count, sizeof *members);
        for (size_t i = 0; i < count; i++)
            b->windows[members[i]].split = i < val ? IN_VAL : IN_TRAIN;
    }

done:
    gsl_rng_free(rng);
    free(members);
    return status;
}

static sk_status split_alloc(sk_split *split, size_t rows, sk_error *err)
{
    split->y = sk_calloc(rows, sizeof *split->y);
    split->source_row = sk_calloc(rows, sizeof *split->source_row);
    if (split->y == NULL || split->source_row == NULL)
        return out_of_memory(err);
    return SK_OK;
}

/* Fills the splits' y and source_row in window order, and marks the rows
 * each split reads in b->row_use. */
static sk_status fill_splits(window_builder *b, sk_error *err)
{
    size_t counts[2] = { 0, 0 };
    for (size_t w = 0; w < b->window_count; w++)
        counts[b->windows[w].split]++;
    sk_split *splits[2] = { &b->dataset->train, &b->dataset->val };
    for (int s = 0; s < 2; s++) {
        sk_status status = split_alloc(splits[s], counts[s], err);
        if (status != SK_OK)
            return status;
    }

    for (size_t w = 0; w < b->window_count; w++) {
        const window_ref *window = &b->windows[w];
        sk_split *split = splits[window->split];
        split->source_row[split->rows] = window->label_row;
        split->y[split->rows] = window->y;
        split->positives += window->y;
        split->rows++;

        unsigned char use = window->split == IN_TRAIN ? SKD_USE_TRAIN : SKD_USE_VAL;
        long long last = window->start + (long long)b->window - 1;
        size_t end = b->series[window->series].end;
        for (size_t i = window->first; i < end && b->step[b->order[i]] <= last; i++)
            b->row_use[b->order[i]] |= use;
    }
    return SK_OK;
}

/* ---- step 7: column plans ------------------------------------------------------------ */

/* Assigns feature indices within a step and fills dataset->feature_names
 * for every step. */
static sk_status name_features(window_builder *b, const skd_encoder *encoder, sk_error *err)
{
    size_t per_step = skd_assign_features(b->plans, b->plan_count);
    b->step_features = per_step;
    if (per_step == 0)
        return SK_OK;
    if (b->window > SIZE_MAX / sizeof(double) / per_step) {
        return sk_error_set(err, SK_ERR_INPUT,
                            "--window %zu with %zu features per step makes rows too long to "
                            "store. Give a shorter --window.",
                            b->window, per_step);
    }
    return skd_name_features(encoder, b->plans, b->plan_count, b->window, per_step, err);
}

/* Plans every column but the target, time and group columns, then names
 * the features. */
static sk_status plan_columns(window_builder *b, sk_error *err)
{
    size_t columns = sk_table_columns(b->table);
    b->plans = sk_calloc(columns, sizeof *b->plans);
    if (b->plans == NULL)
        return out_of_memory(err);

    /* Gap steps count as missing values of every column. */
    const skd_encoder encoder = {
        .table = b->table,
        .dataset = b->dataset,
        .variant = &WINDOW_VARIANT,
        .row_use = b->row_use,
        .max_categories = b->max_categories,
        .gaps_missing = b->gap_windows > 0,
    };
    for (size_t c = 0; c < columns; c++) {
        if (c == b->target || (b->has_time && c == b->time_column)
            || (b->has_group && c == b->group_column))
            continue;
        skd_column_plan *plan = &b->plans[b->plan_count++];
        plan->column = c;
        sk_status status = skd_plan_column(&encoder, plan, err);
        if (status != SK_OK)
            return status;
    }
    sk_status status = skd_notice_missing(&encoder, b->plans, b->plan_count, err);
    if (status == SK_OK)
        status = name_features(b, &encoder, err);
    if (status == SK_OK)
        status = skd_check_features_left(&encoder, b->target, b->plans, b->plan_count, err);
    return status;
}

/* ---- step 8: matrices -------------------------------------------------------------- */

/* Encodes every row that a window reads once: encoded [rows read][P], and
 * slot[r] is row r's index in it (SKD_NO_ROW for rows no window reads). */
static sk_status encode_rows(const window_builder *b, gsl_matrix **encoded, size_t *slot,
                             double *gap, sk_error *err)
{
    size_t used = 0;
    for (size_t r = 0; r < b->rows; r++)
        slot[r] = b->row_use[r] != 0 ? used++ : SKD_NO_ROW;
    *encoded = gsl_matrix_calloc(used, b->step_features);
    if (*encoded == NULL)
        return out_of_memory(err);
    for (size_t r = 0; r < b->rows; r++) {
        if (slot[r] != SKD_NO_ROW)
            skd_encode_row(b->table, b->plans, b->plan_count, r,
                           gsl_matrix_ptr(*encoded, slot[r], 0));
    }
    skd_encode_row(b->table, b->plans, b->plan_count, SKD_NO_ROW, gap);
    return SK_OK;
}

/* Copies each window's steps into row i of its split's x. */
static void fill_windows(const window_builder *b, const gsl_matrix *encoded,
                         const size_t *slot, const double *gap)
{
    size_t next[2] = { 0, 0 };
    sk_split *splits[2] = { &b->dataset->train, &b->dataset->val };
    size_t width = b->step_features;
    for (size_t w = 0; w < b->window_count; w++) {
        const window_ref *window = &b->windows[w];
        gsl_matrix *x = splits[window->split]->x;
        size_t i = next[window->split]++;
        size_t end = b->series[window->series].end;
        size_t pos = window->first;
        for (size_t k = 0; k < b->window; k++) {
            /* Positions rise in step and start at or after the window's start,
             * so step k has a row exactly when the next position is at it. */
            const double *source = gap;
            if (pos < end && b->step[b->order[pos]] == window->start + (long long)k)
                source = gsl_matrix_const_ptr(encoded, slot[b->order[pos++]], 0);
            memcpy(gsl_matrix_ptr(x, i, k * width), source, width * sizeof *source);
        }
    }
}

static sk_status encode_windows(window_builder *b, sk_error *err)
{
    sk_dataset *dataset = b->dataset;
    sk_split *splits[2] = { &dataset->train, &dataset->val };
    for (int s = 0; s < 2; s++) {
        if (splits[s]->rows == 0)
            continue;
        splits[s]->x = gsl_matrix_alloc(splits[s]->rows, dataset->features);
        if (splits[s]->x == NULL)
            return out_of_memory(err);
    }

    gsl_matrix *encoded = NULL;
    size_t *slot = sk_calloc(b->rows, sizeof *slot);
    double *gap = sk_calloc(b->step_features, sizeof *gap);
    sk_status status = SK_OK;
    if (slot == NULL || gap == NULL)
        status = out_of_memory(err);
    if (status == SK_OK)
        status = encode_rows(b, &encoded, slot, gap, err);
    if (status == SK_OK)
        fill_windows(b, encoded, slot, gap);
    if (encoded != NULL)
        gsl_matrix_free(encoded);
    free(slot);
    free(gap);
    return status;
}

/* ---- notices ------------------------------------------------------------------- */

/* Describes the windows made and the rows that anchor none. */
static sk_status notice_windows(window_builder *b, sk_error *err)
{
    char step[96];
    const char *time_name = b->has_time ? sk_table_column_name(b->table, b->time_column) : "";
    switch (b->unit) {
    case UNIT_MONTH:
        snprintf(step, sizeof step, "one month of column '%s'", time_name);
        break;
    case UNIT_DAY:
        snprintf(step, sizeof step, "one day of column '%s'", time_name);
        break;
    case UNIT_INTEGER:
        snprintf(step, sizeof step, "1 in column '%s'", time_name);
        break;
    case UNIT_ORDER:
        snprintf(step, sizeof step, "one row in file order");
        break;
    }
    char predicts[64] = "of its last step";
    if (b->horizon > 0)
        snprintf(predicts, sizeof predicts, "%zu step%s after its last step", b->horizon,
                 plural(b->horizon));

    sk_status status = skd_add_notice(b->dataset, &WINDOW_VARIANT, err,
                                      "Made %zu windows of %zu step%s from %zu row%s in %zu "
                                      "series; a step is %s, and each window predicts the label "
                                      "%s.",
                                      b->window_count, b->window, plural(b->window), b->rows,
                                      plural(b->rows), b->series_count, step, predicts);
    if (status == SK_OK && b->short_history > 0) {
        size_t early = b->window + b->horizon - 1;
        status = skd_add_notice(b->dataset, &WINDOW_VARIANT, err,
                                "%zu labelled row%s %s within the first %zu step%s of %s series, "
                                "too early for a whole window before %s, and anchor%s none.",
                                b->short_history, plural(b->short_history),
                                b->short_history == 1 ? "lies" : "lie", early, plural(early),
                                b->short_history == 1 ? "its" : "their",
                                b->short_history == 1 ? "it" : "them",
                                b->short_history == 1 ? "s" : "");
    }
    if (status == SK_OK && b->dataset->rows_dropped > 0) {
        size_t missing = b->dataset->rows_dropped;
        status = skd_add_notice(b->dataset, &WINDOW_VARIANT, err,
                                "%zu row%s with a missing label in column '%s' anchor%s no window "
                                "but still supply features to the windows that read %s.",
                                missing, plural(missing), b->dataset->target_name,
                                missing == 1 ? "s" : "", missing == 1 ? "it" : "them");
    }
    return status;
}

static sk_status notice_gaps(window_builder *b, sk_error *err)
{
    if (b->gap_steps == 0)
        return SK_OK;
    const char *steps = b->gap_steps == 1 ? "step" : "steps";
    if (b->options->gaps == SK_GAP_SKIP) {
        return skd_add_notice(b->dataset, &WINDOW_VARIANT, err,
                              "The series have %lld time %s without a row (gaps); %zu window%s "
                              "that would read one %s skipped.",
                              b->gap_steps, steps, b->skipped_windows, plural(b->skipped_windows),
                              b->skipped_windows == 1 ? "was" : "were");
    }
    return skd_add_notice(b->dataset, &WINDOW_VARIANT, err,
                          "The series have %lld time %s without a row (gaps); %zu window%s "
                          "read%s at least one, as a step whose every feature is missing: "
                          "numbers get the training mean and every 'COLUMN (missing)' feature "
                          "is 1.",
                          b->gap_steps, steps, b->gap_windows, plural(b->gap_windows),
                          b->gap_windows == 1 ? "s" : "");
}

/* Describes the split and, for a time split, the windows that read
 * features from before the cut. */
static sk_status notice_split(window_builder *b, sk_error *err)
{
    sk_dataset *dataset = b->dataset;
    if (b->options->split == SK_WINDOW_SPLIT_RANDOM) {
        dataset->leakage_risk = true;
        return skd_add_notice(dataset, &WINDOW_VARIANT, err,
                              "The windows were split at random (seed %lu, stratified by class), "
                              "so validation windows share rows and times with training windows "
                              "and validation scores are likely optimistic. A time split gives an "
                              "honest estimate.",
                              b->options->seed);
    }

    size_t early_readers = 0;
    long long first[2] = { 0, 0 }, last[2] = { 0, 0 };
    int seen[2] = { 0, 0 };
    for (size_t w = 0; w < b->window_count; w++) {
        const window_ref *window = &b->windows[w];
        int s = window->split;
        if (!seen[s] || window->label_step < first[s])
            first[s] = window->label_step;
        if (!seen[s] || window->label_step > last[s])
            last[s] = window->label_step;
        seen[s] = 1;
        early_readers += s == IN_VAL && window->start < b->cut;
    }
    char cut[TIME_LABEL_MAX], times[4][TIME_LABEL_MAX];
    format_step(b, b->cut, cut, sizeof cut);
    format_step(b, first[IN_TRAIN], times[0], sizeof times[0]);
    format_step(b, last[IN_TRAIN], times[1], sizeof times[1]);
    format_step(b, first[IN_VAL], times[2], sizeof times[2]);
    format_step(b, last[IN_VAL], times[3], sizeof times[3]);
    sk_status status = skd_add_notice(dataset, &WINDOW_VARIANT, err,
                                      "Time split at %s: %zu training windows predict labels from "
                                      "%s to %s, and %zu validation windows from %s to %s.",
                                      cut, dataset->train.rows, times[0], times[1],
                                      dataset->val.rows, times[2], times[3]);
    if (status == SK_OK && early_readers > 0) {
        status = skd_add_notice(dataset, &WINDOW_VARIANT, err,
                                "%zu of the validation windows read features of steps before %s. "
                                "No label crosses the cut, because labels are never features.",
                                early_readers, cut);
    }
    return status;
}

/* ---- entry point ---------------------------------------------------------------- */

static sk_status builder_init(window_builder *b, const sk_table *table,
                              const sk_window_options *options, sk_error *err)
{
    b->table = table;
    b->options = options;
    b->rows = sk_table_rows(table);
    b->window = options->window;
    b->horizon = options->horizon;
    b->max_categories = options->max_categories != 0 ? options->max_categories
                                                     : SK_DEFAULT_MAX_CATEGORIES;
    b->unit = UNIT_ORDER;
    b->step = sk_calloc(b->rows, sizeof *b->step);
    b->series_of = sk_calloc(b->rows, sizeof *b->series_of);
    b->order = sk_calloc(b->rows, sizeof *b->order);
    b->row_use = sk_calloc(b->rows, sizeof *b->row_use);
    b->dataset = calloc(1, sizeof *b->dataset);
    if (b->step == NULL || b->series_of == NULL || b->order == NULL || b->row_use == NULL
        || b->dataset == NULL)
        return out_of_memory(err);

    sk_dataset *dataset = b->dataset;
    dataset->rows_read = b->rows;
    dataset->steps = b->window;
    dataset->target_name = sk_strdup(sk_table_column_name(table, b->target));
    if (dataset->target_name == NULL)
        return out_of_memory(err);
    for (size_t r = 0; r < b->rows; r++)
        dataset->rows_dropped += sk_table_cell(table, r, b->target) == NULL;
    return SK_OK;
}

static void builder_free(window_builder *b)
{
    skd_free_plans(b->plans, b->plan_count);
    free(b->step);
    free(b->series_of);
    free(b->order);
    free(b->series);
    free(b->windows);
    free(b->row_use);
    skd_map_free(&b->groups);
    sk_dataset_free(b->dataset);
}

/* Steps 2 to 4: times, series and windows. */
static sk_status build_windows(window_builder *b, sk_error *err)
{
    sk_status status = read_groups(b, err);
    if (status != SK_OK)
        return status;
    status = b->has_time ? read_times(b, err) : number_rows_in_order(b, err);
    if (status == SK_OK)
        status = order_rows(b, err);
    if (status == SK_OK)
        status = find_windows(b, err);
    return status;
}

sk_status sk_windows_prepare(const sk_table *table, const sk_window_options *options,
                             sk_dataset **out, sk_error *err)
{
    *out = NULL;
    sk_status status = check_options(options, err);
    if (status != SK_OK)
        return status;

    window_builder b = { 0 };
    b.options = options;
    b.table = table;
    status = find_columns(&b, err);
    if (status == SK_OK)
        status = builder_init(&b, table, options, err);
    if (status == SK_OK)
        status = build_windows(&b, err);
    if (status == SK_OK)
        status = choose_labels(&b, err);
    if (status == SK_OK) {
        status = options->split == SK_WINDOW_SPLIT_RANDOM ? split_at_random(&b, err)
                                                          : split_by_time(&b, err);
    }
    if (status == SK_OK)
        status = fill_splits(&b, err);
    if (status == SK_OK)
        status = notice_windows(&b, err);
    if (status == SK_OK)
        status = notice_gaps(&b, err);
    if (status == SK_OK)
        status = plan_columns(&b, err);
    if (status == SK_OK)
        status = encode_windows(&b, err);
    if (status == SK_OK)
        status = notice_split(&b, err);
    if (status == SK_OK) {
        *out = b.dataset;
        b.dataset = NULL;
    }
    builder_free(&b);
    return status;
}
