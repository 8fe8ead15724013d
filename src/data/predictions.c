/*
 * predictions.c - turns exported labels and scores into the arrays (or, for
 * very large files, the bins) that `skewtop inspect` analyses.
 *
 * One core reads rows; two front ends feed it.  sk_predictions_stream()
 * parses the file with libcsv chunk by chunk, and sk_predictions_from_table()
 * walks a table that sk_table_read() made.  The core runs in four steps:
 *   1. columns: from the header, the label and score columns are taken from
 *      the options, or detected in a two-column file from the first
 *      DETECT_ROWS rows, which are held back until the choice is made.
 *   2. rows: each label becomes a small integer code (a dictionary of the
 *      distinct texts) and each score is parsed and checked.  Up to the exact
 *      limit, codes and scores are appended to growing arrays; beyond it,
 *      they go into bins (see predictions_bins.c).
 *   3. classes: once every row is in, the label counts pick the positive
 *      class and the class the scores are for.  The default positive class
 *      is the minority, known only at the end.  The codes become y.
 *   4. orientation: scores for the other class are turned around, in the
 *      arrays or by reversing the bins.
 * A missing label or score is an error naming its line, never a silently
 * dropped row: a dropped row would change every metric without the user
 * knowing.
 *
 * Binned mode lives in predictions_bins.c, the CSV stream front end in
 * predictions_stream.c, and what they share in predictions_internal.h.
 */
#include "data_internal.h"
#include "predictions_internal.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Labels or column names listed in an error before "and N more". */
#define LIST_ITEMS_MAX 20

/* Distinct labels accepted in the label column.  A column with more is an
 * id or score column rather than classes; the cap also lets a label code
 * fit in 16 bits. */
#define MAX_CLASSES 65536

/* Smallest hash table of distinct labels; it doubles at half load. */
#define DICT_INITIAL_SLOTS 16

/* Bytes of a cell quoted in an error message: enough to recognise the
 * value, short enough to keep the message on a screen. */
#define VALUE_EXCERPT_MAX 60

/* First capacity of the row arrays; they double from there. */
#define ROWS_INITIAL_CAPACITY 4096

/* Rows accepted in all, because a sweep (metrics.h) takes at most UINT32_MAX. */
#define MAX_ROWS ((size_t)UINT32_MAX)

/* ---- distinct labels ---------------------------------------------------- */

/* FNV-1a, 64-bit. */
static uint64_t hash_label(const char *text)
{
    uint64_t hash = 14695981039346656037ULL;
    for (; *text != '\0'; text++) {
        hash ^= (unsigned char)*text;
        hash *= 1099511628211ULL;
    }
    return hash;
}

/* Returns the slot of text, or of the empty slot where it belongs. */
static size_t dict_slot(const label_dict *dict, const char *text)
{
    size_t mask = dict->slot_count - 1;
    size_t slot = (size_t)hash_label(text) & mask;
    while (dict->slots[slot] != 0 && strcmp(dict->keys[dict->slots[slot] - 1], text) != 0)
        slot = (slot + 1) & mask;
    return slot;
}

static int dict_grow_slots(label_dict *dict)
{
    size_t slot_count = dict->slot_count == 0 ? DICT_INITIAL_SLOTS : dict->slot_count * 2;
    uint32_t *slots = sk_calloc(slot_count, sizeof *slots);
    if (slots == NULL)
        return -1;
    free(dict->slots);
    dict->slots = slots;
    dict->slot_count = slot_count;
    for (size_t code = 0; code < dict->count; code++)
        dict->slots[dict_slot(dict, dict->keys[code])] = (uint32_t)(code + 1);
    return 0;
}

/* Counts one row labelled text and returns its code, adding the text when
 * it is new.  Returns SIZE_MAX when memory runs out. */
static size_t dict_add(label_dict *dict, const char *text)
{
    if (dict->count > 0 && strcmp(dict->keys[dict->last_code], text) == 0) {
        dict->counts[dict->last_code]++;
        return dict->last_code;
    }
    if (2 * (dict->count + 1) > dict->slot_count && dict_grow_slots(dict) != 0)
        return SIZE_MAX;
    size_t slot = dict_slot(dict, text);
    if (dict->slots[slot] == 0) {
        if (dict->count == dict->capacity) {
            size_t capacity = dict->capacity == 0 ? 4 : dict->capacity * 2;
            char **keys = sk_reallocarray(dict->keys, capacity, sizeof *keys);
            if (keys == NULL)
                return SIZE_MAX;
            dict->keys = keys;
            size_t *counts = sk_reallocarray(dict->counts, capacity, sizeof *counts);
            if (counts == NULL)
                return SIZE_MAX;
            dict->counts = counts;
            dict->capacity = capacity;
        }
        dict->keys[dict->count] = sk_strdup(text);
        if (dict->keys[dict->count] == NULL)
            return SIZE_MAX;
        dict->counts[dict->count] = 0;
        dict->slots[slot] = (uint32_t)(dict->count + 1);
        dict->count++;
        if (!sk_parse_double(text, NULL))
            dict->non_numeric++;
    }
    size_t code = dict->slots[slot] - 1;
    dict->counts[code]++;
    dict->last_code = code;
    return code;
}

/* Returns the code of a label known to be in the dictionary. */
static size_t dict_code(const label_dict *dict, const char *text)
{
    return dict->slots[dict_slot(dict, text)] - 1;
}

static void dict_free(label_dict *dict)
{
    for (size_t code = 0; code < dict->count; code++)
        free(dict->keys[code]);
    free(dict->keys);
    free(dict->counts);
    free(dict->slots);
    *dict = (label_dict){ 0 };
}

/* ---- label order and matching ------------------------------------------- */

/* Orders labels: numbers before texts, numbers by value (then by text, so
 * that "1" and "1.0" have an order), texts by strcmp.  This is a total
 * order, and for two numeric labels or two text labels it is the order of
 * scikit-learn's sorted classes_. */
static int compare_labels(const char *a, const char *b)
{
    double x, y;
    bool a_number = sk_parse_double(a, &x);
    bool b_number = sk_parse_double(b, &y);
    if (a_number && b_number) {
        if (x < y)
            return -1;
        if (x > y)
            return 1;
    } else if (a_number != b_number) {
        return a_number ? -1 : 1;
    }
    return strcmp(a, b);
}

static int compare_label_pointers(const void *a, const void *b)
{
    return compare_labels(*(const char *const *)a, *(const char *const *)b);
}

/* Returns a new array of the distinct labels in compare_labels() order, or
 * NULL when memory runs out.  The caller frees the array, not the keys. */
static const char **dict_sorted_keys(const label_dict *dict)
{
    const char **keys = sk_calloc(dict->count, sizeof *keys);
    if (keys == NULL)
        return NULL;
    for (size_t code = 0; code < dict->count; code++)
        keys[code] = dict->keys[code];
    qsort(keys, dict->count, sizeof *keys, compare_label_pointers);
    return keys;
}

/* Returns the one label for which same() is true, or NULL when none or
 * several are. */
static const char *match_unique(const char **labels, size_t count, const char *requested,
                                bool (*same)(const char *label, const char *requested))
{
    const char *found = NULL;
    for (size_t i = 0; i < count; i++) {
        if (same(labels[i], requested)) {
            if (found != NULL)
                return NULL;
            found = labels[i];
        }
    }
    return found;
}

static bool same_text(const char *label, const char *requested)
{
    return strcmp(label, requested) == 0;
}

/* The requested label in single quotes, as a shell user may type '-1'. */
static bool same_unquoted(const char *label, const char *requested)
{
    size_t len = strlen(requested);
    return len >= 2 && requested[0] == '\'' && requested[len - 1] == '\''
           && strlen(label) == len - 2 && strncmp(label, requested + 1, len - 2) == 0;
}

static bool same_ignoring_case(const char *label, const char *requested)
{
    return strcasecmp(label, requested) == 0;
}

/* True when label is a number equal to value. */
static bool equals_number(const char *label, double value)
{
    double parsed;
    return sk_parse_double(label, &parsed) && parsed == value;
}

static bool same_number(const char *label, const char *requested)
{
    double value;
    return sk_parse_double(requested, &value) && equals_number(label, value);
}

/* The rules of match_label(), in the order they are tried. */
static bool (*const match_rules[MATCH_RULES])(const char *, const char *) = {
    same_text, same_unquoted, same_ignoring_case, same_number,
};

/* Finds the label that a user-given label names: by exact text, without
 * surrounding single quotes, ignoring case, or as the same number ("1"
 * names "1.0"), taking the first rule that matches exactly one label.
 * Returns NULL when none does. */
static const char *match_label(const char **labels, size_t count, const char *requested)
{
    for (size_t i = 0; i < MATCH_RULES; i++) {
        const char *found = match_unique(labels, count, requested, match_rules[i]);
        if (found != NULL)
            return found;
    }
    return NULL;
}

/* ---- messages -------------------------------------------------------------- */

/* Appends one formatted sentence to the result's notices. */
static sk_status add_notice(predictions_reader *reader, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static sk_status add_notice(predictions_reader *reader, const char *fmt, ...)
{
    sk_predictions *result = reader->result;
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (len < 0)
        return sk_error_set(reader->err, SK_ERR_INTERNAL, "A notice could not be formatted.");

    char *text = malloc((size_t)len + 1);
    char **grown = sk_reallocarray(result->notices, result->notice_count + 1, sizeof *grown);
    if (grown != NULL)
        result->notices = grown;
    if (text == NULL || grown == NULL) {
        free(text);
        return sk_error_set(reader->err, SK_ERR_NOMEM,
                            "Out of memory while reading the predictions.");
    }
    va_start(ap, fmt);
    vsnprintf(text, (size_t)len + 1, fmt, ap);
    va_end(ap);
    result->notices[result->notice_count++] = text;
    return SK_OK;
}

sk_status skp_out_of_memory(const predictions_reader *reader)
{
    return sk_error_set(reader->err, SK_ERR_NOMEM,
                        "Out of memory while reading the predictions.");
}

static bool source_is_stdin(const predictions_reader *reader)
{
    return reader->source != NULL && strcmp(reader->source, "-") == 0;
}

void skp_file_phrase(const predictions_reader *reader, char *buffer, size_t size)
{
    if (source_is_stdin(reader))
        snprintf(buffer, size, " on standard input");
    else if (reader->source != NULL)
        snprintf(buffer, size, " '%s'", reader->source);
    else
        buffer[0] = '\0';
}

/* Writes "line N of 'FILE'", "line N of standard input" or "line N". */
static void line_phrase(const predictions_reader *reader, size_t line, char *buffer,
                        size_t size)
{
    if (source_is_stdin(reader))
        snprintf(buffer, size, "line %zu of standard input", line);
    else if (reader->source != NULL)
        snprintf(buffer, size, "line %zu of '%s'", line, reader->source);
    else
        snprintf(buffer, size, "line %zu", line);
}

/* Copies at most VALUE_EXCERPT_MAX bytes of a cell into out (VALUE_EXCERPT_MAX
 * + 4 bytes), cut at a UTF-8 character boundary, adding "..." when cut. */
static void value_excerpt(const char *text, char *out)
{
    size_t len = strlen(text);
    size_t keep = len;
    if (keep > VALUE_EXCERPT_MAX) {
        keep = VALUE_EXCERPT_MAX;
        while (keep > 0 && ((unsigned char)text[keep] & 0xC0) == 0x80)
            keep--;
    }
    memcpy(out, text, keep);
    if (keep < len)
        memcpy(out + keep, "...", 4);
    else
        out[keep] = '\0';
}

/* Writes "'a', 'b', ... and N more" for the column names. */
static void list_columns(const predictions_reader *reader, char *buffer, size_t size)
{
    skd_list list;
    skd_list_start(&list, buffer, size);
    char name[VALUE_EXCERPT_MAX + 4];
    char item[sizeof name + 2];
    for (size_t i = 0; i < reader->columns && i < LIST_ITEMS_MAX; i++) {
        value_excerpt(reader->names[i], name);
        snprintf(item, sizeof item, "'%s'", name);
        if (!skd_list_add(&list, item))
            break;
    }
    skd_list_finish(&list, reader->columns, false);
}

/* Writes "'0' (5 rows), '1' (3 rows) and N more" for the sorted labels. */
static void list_labels(const predictions_reader *reader, char *buffer, size_t size)
{
    skd_list list;
    skd_list_start(&list, buffer, size);
    char label[VALUE_EXCERPT_MAX + 4];
    char item[sizeof label + 40];
    for (size_t i = 0; i < reader->labels.count && i < LIST_ITEMS_MAX; i++) {
        const char *key = reader->sorted_labels[i];
        size_t rows = reader->labels.counts[dict_code(&reader->labels, key)];
        value_excerpt(key, label);
        snprintf(item, sizeof item, "'%s' (%zu row%s)", label, rows, rows == 1 ? "" : "s");
        if (!skd_list_add(&list, item))
            break;
    }
    skd_list_finish(&list, reader->labels.count, false);
}

/* ---- step 1: columns ------------------------------------------------------ */

/* Finds a column whose name is exactly spec.  Returns false when none is. */
static bool find_exact_column(const predictions_reader *reader, const char *spec,
                              size_t *column)
{
    for (size_t i = 0; i < reader->columns; i++) {
        if (strcmp(reader->names[i], spec) == 0) {
            *column = i;
            return true;
        }
    }
    return false;
}

/* Returns true when spec is a non-empty run of decimal digits. */
static bool is_all_digits(const char *spec)
{
    if (*spec == '\0')
        return false;
    for (; *spec != '\0'; spec++) {
        if (*spec < '0' || *spec > '9')
            return false;
    }
    return true;
}

/* Finds a column by exact name or, when spec is all digits and no column is
 * named so, by 1-based index, with the messages of sk_table_find_column(). */
static sk_status find_column(const predictions_reader *reader, const char *spec,
                             size_t *column)
{
    if (spec == NULL || spec[0] == '\0')
        return sk_error_set(reader->err, SK_ERR_INPUT,
                            "The column name is empty. Give a column name or a 1-based "
                            "column index.");
    if (find_exact_column(reader, spec, column))
        return SK_OK;

    char names[SK_ERROR_MAX / 2];
    list_columns(reader, names, sizeof names);
    size_t columns = reader->columns;
    if (is_all_digits(spec)) {
        errno = 0;
        unsigned long long index = strtoull(spec, NULL, 10);
        if (errno == 0 && index >= 1 && index <= columns) {
            *column = (size_t)(index - 1);
            return SK_OK;
        }
        return sk_error_set(reader->err, SK_ERR_INPUT,
                            "Column index %s is out of range: the file has %zu column%s "
                            "(1 to %zu): %s. Give a column name or an index in that range.",
                            spec, columns, columns == 1 ? "" : "s", columns, names);
    }
    return sk_error_set(reader->err, SK_ERR_INPUT,
                        "Column '%s' not found. The columns are: %s. Give one of these "
                        "names (case matters) or a 1-based column index.",
                        spec, names);
}

/* Appends a column to the score columns; rejects one named twice. */
static sk_status add_score_column(predictions_reader *reader, size_t column)
{
    sk_predictions *result = reader->result;
    for (size_t i = 0; i < result->score_columns; i++) {
        if (reader->score_column[i] == column) {
            return sk_error_set(reader->err, SK_ERR_INPUT,
                                "Column '%s' is given twice in --score '%s'. "
                                "Give each score column once.",
                                reader->names[column], reader->options->scores);
        }
    }
    size_t *grown = sk_reallocarray(reader->score_column, result->score_columns + 1,
                                    sizeof *grown);
    if (grown == NULL)
        return skp_out_of_memory(reader);
    reader->score_column = grown;
    reader->score_column[result->score_columns++] = column;
    return SK_OK;
}

/* Resolves options->scores: one column whose name is the whole text
 * (names may contain commas), else a comma-separated list of names or
 * 1-based indexes, each trimmed of blanks. */
static sk_status find_score_columns(predictions_reader *reader)
{
    const char *spec = reader->options->scores;
    size_t column;
    if (find_exact_column(reader, spec, &column))
        return add_score_column(reader, column);

    size_t len = strlen(spec);
    char *piece = malloc(len + 1);
    if (piece == NULL)
        return skp_out_of_memory(reader);

    sk_status status = SK_OK;
    const char *start = spec;
    while (status == SK_OK) {
        const char *end = strchr(start, ',');
        if (end == NULL)
            end = spec + len;
        while (start < end && (*start == ' ' || *start == '\t'))
            start++;
        const char *stop = end;
        while (stop > start && (stop[-1] == ' ' || stop[-1] == '\t'))
            stop--;

        if (stop == start) {
            status = sk_error_set(reader->err, SK_ERR_INPUT,
                                  "--score '%s' contains an empty column name. Give one "
                                  "score column, or several separated by single commas "
                                  "(--score p1,p2).",
                                  spec);
            break;
        }
        memcpy(piece, start, (size_t)(stop - start));
        piece[stop - start] = '\0';
        status = find_column(reader, piece, &column);
        if (status == SK_OK)
            status = add_score_column(reader, column);
        if (*end == '\0')
            break;
        start = end + 1;
    }
    free(piece);
    return status;
}

/* Returns the error for a file whose columns the user must name. */
static sk_status columns_not_given(const predictions_reader *reader)
{
    char file[PLACE_MAX];
    char names[SK_ERROR_MAX / 2];
    skp_file_phrase(reader, file, sizeof file);
    list_columns(reader, names, sizeof names);
    if (reader->columns == 1) {
        return sk_error_set(reader->err, SK_ERR_INPUT,
                            "The prediction file%s has one column only (%s), but inspect "
                            "needs a column of true labels and a column of scores. Check "
                            "the delimiter, or add the missing column.",
                            file, names);
    }
    return sk_error_set(reader->err, SK_ERR_INPUT,
                        "The prediction file%s has %zu columns (%s). Name the label and "
                        "score columns with --label COL --score COL (several score "
                        "columns as --score a,b).",
                        file, reader->columns, names);
}

/* Records which distinct values of a column the match rules pair with the
 * --positive text, so that detection can tell whether match_label() would
 * find that class in the column. */
static int note_positive_match(const predictions_reader *reader, column_evidence *evidence,
                               const char *cell)
{
    for (size_t r = 0; r < MATCH_RULES; r++) {
        if (evidence->positive_ambiguous[r])
            continue;
        /* same_number() with --positive parsed once, not on every row. */
        bool matched = match_rules[r] == same_number
                           ? reader->positive_is_number
                                 && equals_number(cell, reader->positive_number)
                           : match_rules[r](cell, reader->options->positive);
        if (!matched)
            continue;
        char *match = evidence->positive_matches[r];
        if (match == NULL) {
            evidence->positive_matches[r] = sk_strdup(cell);
            if (evidence->positive_matches[r] == NULL)
                return -1;
        } else if (strcmp(match, cell) != 0) {
            evidence->positive_ambiguous[r] = true;
        }
    }
    return 0;
}

/* Counts a cell of column c of a two-column file towards detection. */
static int note_evidence(predictions_reader *reader, size_t c, const char *cell)
{
    column_evidence *evidence = &reader->evidence[c];
    if (cell == NULL)
        return 0;
    if (reader->options->positive != NULL && note_positive_match(reader, evidence, cell) != 0)
        return -1;
    if (!evidence->first_seen) {
        evidence->first_seen = true;
        evidence->numeric = sk_parse_double(cell, NULL);
    }
    if (evidence->distinct > EVIDENCE_VALUES_KEPT)
        return 0;
    for (size_t i = 0; i < evidence->distinct; i++) {
        if (strcmp(evidence->seen[i], cell) == 0)
            return 0;
    }
    if (evidence->distinct == EVIDENCE_VALUES_KEPT) {
        evidence->distinct++;
        return 0;
    }
    evidence->seen[evidence->distinct] = sk_strdup(cell);
    if (evidence->seen[evidence->distinct] == NULL)
        return -1;
    evidence->distinct++;
    return 0;
}

/* True when match_label() would find the --positive class among the
 * column's values: some rule matches exactly one distinct value. */
static bool contains_positive(const column_evidence *evidence)
{
    for (size_t r = 0; r < MATCH_RULES; r++) {
        if (evidence->positive_matches[r] != NULL && !evidence->positive_ambiguous[r])
            return true;
    }
    return false;
}

/* Returns how many of the two columns are candidates. */
static size_t count_candidates(const bool candidate[2])
{
    return (size_t)candidate[0] + (size_t)candidate[1];
}

/* Writes the sentence that reports how --positive took part in detection,
 * or "" without --positive. */
static void positive_detection_note(const predictions_reader *reader,
                                    const bool positive_candidate[2], char *buffer,
                                    size_t size)
{
    const char *positive = reader->options->positive;
    if (positive == NULL) {
        buffer[0] = '\0';
        return;
    }
    char value[VALUE_EXCERPT_MAX + 4];
    value_excerpt(positive, value);
    if (count_candidates(positive_candidate) == 2)
        snprintf(buffer, size,
                 " The --positive class '%s' was taken into account, but both columns "
                 "contain it and are numeric.",
                 value);
    else
        snprintf(buffer, size,
                 " The --positive class '%s' was taken into account, but no column "
                 "contains it beside a numeric column.",
                 value);
}

/*
 * Returns the error for a two-column file without --positive whose one text
 * column has three or more distinct values beside a numeric column: a
 * multi-class label, which inspect reads one class against the rest.
 * Returns SK_OK, setting nothing, for any other file.
 */
static sk_status reject_multiclass_label(const predictions_reader *reader, const char *scope)
{
    const column_evidence *evidence = reader->evidence;
    if (reader->options->positive != NULL)
        return SK_OK;
    bool multiclass[2];
    for (size_t c = 0; c < 2; c++)
        multiclass[c] = evidence[c].first_seen && !evidence[c].numeric
                        && evidence[c].distinct >= 3 && evidence[1 - c].numeric;
    if (count_candidates(multiclass) != 1)
        return SK_OK;
    size_t label = multiclass[0] ? 0 : 1;
    const column_evidence *values = &evidence[label];

    /* "'a', 'b' and 'c'", or "'a', 'b', 'c' and others" when there are more. */
    /* Each item is a quoted excerpt of at most VALUE_EXCERPT_MAX + 3 bytes
     * and a separator of at most 5; " and others" follows the last. */
    char listed[EVIDENCE_VALUES_KEPT * (VALUE_EXCERPT_MAX + 16) + 16];
    char value[VALUE_EXCERPT_MAX + 4];
    size_t used = 0;
    for (size_t i = 0; i < EVIDENCE_VALUES_KEPT; i++) {
        bool last = i + 1 == EVIDENCE_VALUES_KEPT;
        const char *separator = i == 0 ? ""
                                : last && values->distinct == EVIDENCE_VALUES_KEPT ? " and "
                                : ", ";
        value_excerpt(values->seen[i], value);
        used += (size_t)snprintf(listed + used, sizeof listed - used, "%s'%s'", separator, value);
    }
    if (values->distinct > EVIDENCE_VALUES_KEPT)
        snprintf(listed + used, sizeof listed - used, " and others");

    char file[PLACE_MAX];
    skp_file_phrase(reader, file, sizeof file);
    return sk_error_set(reader->err, SK_ERR_INPUT,
                        "Column '%s' of the prediction file%s contains more than two distinct "
                        "values%s (%s), so it looks like a label with more than two classes. "
                        "Column '%s' beside it is numeric, so it looks like the score. Pick "
                        "the class of interest with --positive LABEL to compare it against "
                        "all the others (one-vs-rest).",
                        reader->names[label], file, scope, listed, reader->names[1 - label]);
}

/*
 * Chooses the label of a two-column file: the column with exactly two
 * distinct values beside a numeric column.  When that does not single out
 * one column and --positive is given, the column that contains the positive
 * class (as match_label() finds it) beside a numeric column.  A column of
 * one value beside a numeric column of several is taken as the label too,
 * so that the label step can report the missing class.  A text column of
 * three or more values beside a numeric column gets a message that points
 * to --positive.  scope is "" for the
 * whole file or a phrase naming the rows examined.  Stores the label column
 * in *label, and whether --positive decided it in *by_positive.
 */
static sk_status detect_label(predictions_reader *reader, const char *scope, size_t *label,
                              bool *by_positive)
{
    const column_evidence *evidence = reader->evidence;
    bool candidate[2];
    bool positive_candidate[2] = { false, false };
    *by_positive = false;
    for (size_t c = 0; c < 2; c++)
        candidate[c] = evidence[c].distinct == 2 && evidence[1 - c].numeric;
    /* NOTE: a file of one class whose scores take two values (label 1, 1;
     * scores 0.2, 0.4) is read the wrong way round and passes, because a
     * constant score column must stay readable.  Telling integer labels
     * from fractional scores would settle it. */
    /* NOTE: a numeric --positive also matches a score of the same value
     * ("1" matches a probability written as 1.0), and a file with such a
     * score has two candidates and is rejected. */
    if (count_candidates(candidate) != 1 && reader->options->positive != NULL) {
        for (size_t c = 0; c < 2; c++)
            positive_candidate[c] = contains_positive(&evidence[c]) && evidence[1 - c].numeric;
        if (count_candidates(positive_candidate) == 1) {
            *label = positive_candidate[0] ? 0 : 1;
            *by_positive = true;
            return SK_OK;
        }
    }
    if (!candidate[0] && !candidate[1]) {
        for (size_t c = 0; c < 2; c++)
            candidate[c] = evidence[c].distinct == 1 && evidence[1 - c].numeric
                           && evidence[1 - c].distinct >= 2;
    }

    if (!candidate[0] && !candidate[1]) {
        sk_status status = reject_multiclass_label(reader, scope);
        if (status != SK_OK)
            return status;
    }

    char file[PLACE_MAX];
    char positive_note[SK_ERROR_MAX / 4];
    skp_file_phrase(reader, file, sizeof file);
    positive_detection_note(reader, positive_candidate, positive_note, sizeof positive_note);
    const char *first = reader->names[0];
    const char *second = reader->names[1];
    if (candidate[0] && candidate[1]) {
        return sk_error_set(reader->err, SK_ERR_INPUT,
                            "Both columns of the prediction file%s, '%s' and '%s', contain "
                            "two distinct numbers%s, so either could be the label.%s Name "
                            "them with --label COL --score COL.",
                            file, first, second, scope, positive_note);
    }
    if (!candidate[0] && !candidate[1]) {
        return sk_error_set(reader->err, SK_ERR_INPUT,
                            "Neither column of the prediction file%s, '%s' or '%s', looks "
                            "like the label%s: a label column contains exactly two "
                            "distinct values and the score column beside it is numeric.%s "
                            "Name them with --label COL --score COL.",
                            file, first, second, scope, positive_note);
    }
    *label = candidate[0] ? 0 : 1;
    return SK_OK;
}

/* True when column is one of the score columns chosen so far. */
static bool is_score_column(const predictions_reader *reader, size_t column)
{
    for (size_t i = 0; i < reader->result->score_columns; i++) {
        if (reader->score_column[i] == column)
            return true;
    }
    return false;
}

/* Picks the only column that is neither the label (when has_label) nor a
 * score column.  Returns false when there is not exactly one. */
static bool only_other_column(const predictions_reader *reader, bool has_label,
                              size_t *column)
{
    size_t found = 0;
    for (size_t c = 0; c < reader->columns; c++) {
        if ((has_label && c == reader->label_column) || is_score_column(reader, c))
            continue;
        *column = c;
        found++;
    }
    return found == 1;
}

/* Chooses the columns named in the options, or the one left over. */
static sk_status choose_given_columns(predictions_reader *reader)
{
    const sk_predictions_options *options = reader->options;
    sk_status status;
    if (options->label != NULL) {
        status = find_column(reader, options->label, &reader->label_column);
        if (status != SK_OK)
            return status;
    }
    if (options->scores != NULL) {
        status = find_score_columns(reader);
        if (status != SK_OK)
            return status;
    }

    if (options->label != NULL && is_score_column(reader, reader->label_column)) {
        return sk_error_set(reader->err, SK_ERR_INPUT,
                            "Column '%s' is given both as the label (--label) and as a score "
                            "(--score). Give the column of true labels with --label and the "
                            "model's scores with --score.",
                            reader->names[reader->label_column]);
    }

    size_t other;
    if (options->label == NULL) {
        if (!only_other_column(reader, false, &other))
            return columns_not_given(reader);
        reader->label_column = other;
        return add_notice(reader,
                          "Column '%s' was read as the label, as the only column not "
                          "given with --score.",
                          reader->names[other]);
    }
    if (options->scores == NULL) {
        if (!only_other_column(reader, true, &other))
            return columns_not_given(reader);
        status = add_score_column(reader, other);
        if (status != SK_OK)
            return status;
        return add_notice(reader,
                          "Column '%s' was read as the score, as the only column other "
                          "than the label.",
                          reader->names[other]);
    }
    return SK_OK;
}

/* Allocates what the rows need once the score columns are known. */
static sk_status prepare_rows(predictions_reader *reader)
{
    sk_predictions *result = reader->result;
    size_t n = result->score_columns;
    result->label_name = sk_strdup(reader->names[reader->label_column]);
    result->score_names = sk_calloc(n, sizeof *result->score_names);
    result->probability = sk_calloc(n, sizeof *result->probability);
    reader->row_scores = sk_calloc(n, sizeof *reader->row_scores);
    reader->ranges = sk_calloc(n, sizeof *reader->ranges);
    reader->values = sk_calloc(n, sizeof *reader->values);
    if (result->label_name == NULL || result->score_names == NULL
        || result->probability == NULL || reader->row_scores == NULL
        || reader->ranges == NULL || reader->values == NULL)
        return skp_out_of_memory(reader);
    for (size_t i = 0; i < n; i++) {
        result->score_names[i] = sk_strdup(reader->names[reader->score_column[i]]);
        if (result->score_names[i] == NULL)
            return skp_out_of_memory(reader);
        reader->ranges[i] = (column_range){ .probability = true, .min = INFINITY,
                                             .max = -INFINITY };
    }
    reader->state = COLUMNS_READY;
    return SK_OK;
}

sk_status skp_set_columns(predictions_reader *reader, char **names, size_t columns)
{
    reader->names = names;
    reader->columns = columns;
    const sk_predictions_options *options = reader->options;
    if (options->label == NULL && options->scores == NULL) {
        if (columns != 2)
            return columns_not_given(reader);
        reader->state = COLUMNS_DETECTING;
        reader->detected = true;
        if (options->positive != NULL)
            reader->positive_is_number = sk_parse_double(options->positive,
                                                         &reader->positive_number);
        return SK_OK;
    }
    sk_status status = choose_given_columns(reader);
    return status == SK_OK ? prepare_rows(reader) : status;
}

bool skp_column_is_read(const predictions_reader *reader, size_t column)
{
    if (reader->state == COLUMNS_DETECTING || reader->detected)
        return column < 2;
    return column == reader->label_column || is_score_column(reader, column);
}

/* ---- step 2: rows ------------------------------------------------------------ */

/* Counts the distinct scores of a column up to three, so that a score
 * column of two values, which may be the label, can be named. */
static void note_distinct_score(column_range *range, double score)
{
    for (size_t i = 0; i < range->distinct && i < 2; i++) {
        if (range->first_values[i] == score)
            return;
    }
    if (range->distinct < 2)
        range->first_values[range->distinct] = score;
    range->distinct++;
}

/* Parses the score cell of score column `index`, or fails naming its line. */
static sk_status parse_score(predictions_reader *reader, size_t index, const char *cell,
                             size_t line)
{
    const char *name = reader->result->score_names[index];
    char place[PLACE_MAX];
    char value[VALUE_EXCERPT_MAX + 4];
    double score;
    if (cell == NULL) {
        line_phrase(reader, line, place, sizeof place);
        return sk_error_set(reader->err, SK_ERR_INPUT,
                            "Missing score in column '%s' at %s (the cell is empty, NA, "
                            "? or NaN). Every row needs a finite score: fill it in or "
                            "remove the row, and check that --score names the score "
                            "column.",
                            name, place);
    }
    if (!sk_parse_double(cell, &score)) {
        line_phrase(reader, line, place, sizeof place);
        value_excerpt(cell, value);
        return sk_error_set(reader->err, SK_ERR_INPUT,
                            "Score '%s' in column '%s' at %s is not a number. Scores "
                            "are probabilities, margins or logits: check that --score "
                            "names the score column.",
                            value, name, place);
    }
    if (isinf(score)) {
        line_phrase(reader, line, place, sizeof place);
        value_excerpt(cell, value);
        return sk_error_set(reader->err, SK_ERR_INPUT,
                            "Score '%s' in column '%s' at %s is infinite. Scores must "
                            "be finite: export probabilities or clip the logits, or "
                            "remove the row.",
                            value, name, place);
    }

    column_range *range = &reader->ranges[index];
    if (range->distinct < 3)
        note_distinct_score(range, score);
    if (score < 0.0 || score > 1.0)
        range->probability = false;
    if (score < range->min)
        range->min = score;
    if (score > range->max)
        range->max = score;
    reader->row_scores[index] = score;
    return SK_OK;
}

/* Makes room for one more row in the exact-mode arrays. */
static int reserve_exact_row(predictions_reader *reader)
{
    code_array *codes = &reader->codes;
    if (reader->rows < codes->capacity)
        return 0;
    size_t capacity = codes->capacity == 0 ? ROWS_INITIAL_CAPACITY : codes->capacity * 2;
    if (codes->wide != NULL) {
        uint16_t *grown = sk_reallocarray(codes->wide, capacity, sizeof *grown);
        if (grown == NULL)
            return -1;
        codes->wide = grown;
    } else {
        unsigned char *grown = sk_reallocarray(codes->narrow, capacity, 1);
        if (grown == NULL)
            return -1;
        codes->narrow = grown;
    }
    for (size_t i = 0; i < reader->result->score_columns; i++) {
        double *grown = sk_reallocarray(reader->values[i], capacity, sizeof *grown);
        if (grown == NULL)
            return -1;
        reader->values[i] = grown;
    }
    codes->capacity = capacity;
    return 0;
}

/* Moves the codes from one byte to two bytes each, when the labels outgrow
 * one byte. */
static int widen_codes(predictions_reader *reader)
{
    code_array *codes = &reader->codes;
    size_t capacity = codes->capacity > 0 ? codes->capacity : 1;
    uint16_t *wide = sk_calloc(capacity, sizeof *wide);
    if (wide == NULL)
        return -1;
    for (size_t r = 0; r < reader->rows; r++)
        wide[r] = codes->narrow[r];
    free(codes->narrow);
    codes->narrow = NULL;
    codes->wide = wide;
    return 0;
}

size_t skp_code_at(const code_array *codes, size_t row)
{
    return codes->wide != NULL ? codes->wide[row] : codes->narrow[row];
}

/* ---- label columns that look like scores ----------------------------------- */

/* Writes name as one word for a POSIX shell: unchanged when it contains
 * only characters that need no quoting, else in single quotes. */
static void shell_word(const char *name, char *out, size_t size)
{
    static const char plain[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                "0123456789_-.,/+:@%";
    if (name[0] != '\0' && strspn(name, plain) == strlen(name)) {
        snprintf(out, size, "%s", name);
        return;
    }
    size_t used = 0;
    if (size < 3) {
        out[0] = '\0';
        return;
    }
    out[used++] = '\'';
    for (const char *c = name; *c != '\0'; c++) {
        /* A quote inside becomes '\'' (close, escaped quote, reopen). */
        const char *piece = *c == '\'' ? "'\\''" : NULL;
        size_t len = piece != NULL ? strlen(piece) : 1;
        if (used + len + 2 > size)
            break;
        if (piece != NULL)
            memcpy(out + used, piece, len);
        else
            out[used] = *c;
        used += len;
    }
    out[used++] = '\'';
    out[used] = '\0';
}

/* Writes the advice that follows a label column that looks like scores.
 * When exactly one score column contains two distinct values, the advice
 * names it as the label and gives the options that read the columns so,
 * with the label column in its place among the scores. */
static void write_label_advice(const predictions_reader *reader, char *buffer, size_t size)
{
    const sk_predictions *result = reader->result;
    size_t two_valued = 0;
    size_t found = 0;
    for (size_t i = 0; i < result->score_columns; i++) {
        if (reader->ranges[i].distinct == 2) {
            two_valued = i;
            found++;
        }
    }
    if (found != 1) {
        snprintf(buffer, size,
                 "Give the column of true labels with --label COL and the score columns "
                 "with --score COL.");
        return;
    }

    char word[SK_ERROR_MAX / 8];
    char label_option[SK_ERROR_MAX / 8];
    char score_option[SK_ERROR_MAX / 4];
    shell_word(result->score_names[two_valued], label_option, sizeof label_option);
    size_t used = 0;
    score_option[0] = '\0';
    for (size_t i = 0; i < result->score_columns && used < sizeof score_option; i++) {
        const char *name = i == two_valued ? reader->names[reader->label_column]
                                           : result->score_names[i];
        shell_word(name, word, sizeof word);
        int n = snprintf(score_option + used, sizeof score_option - used, "%s%s",
                         i == 0 ? "" : ",", word);
        if (n < 0)
            break;
        used += (size_t)n;
    }

    const column_range *range = &reader->ranges[two_valued];
    double low = fmin(range->first_values[0], range->first_values[1]);
    double high = fmax(range->first_values[0], range->first_values[1]);
    snprintf(buffer, size,
             "Column '%s' contains two values, %g and %g, so it looks like the label: "
             "give --label %s --score %s.",
             result->score_names[two_valued], low, high, label_option, score_option);
}

/* What the distinct values of a label column suggest it is. */
typedef enum {
    LABELS_PLAUSIBLE,       /* classes, or too few values to tell */
    LABELS_FRACTIONAL,      /* many numbers, some with a fractional part: scores */
    LABELS_MOSTLY_UNIQUE    /* many whole numbers, more than half as many as the rows */
} label_shape;

/* Distinct labels above which a label column of numbers only is read as
 * scores or ids when some values have a fractional part or the values
 * number more than half the rows.  Up to LIST_ITEMS_MAX labels the message
 * lists every one, which shows the user what the column contains.  Beyond,
 * the list is cut, so the message describes the values instead. */
#define SCORE_LIKE_MIN_VALUES LIST_ITEMS_MAX

static label_shape label_column_shape(const predictions_reader *reader)
{
    const label_dict *labels = &reader->labels;
    if (labels->count <= SCORE_LIKE_MIN_VALUES || labels->non_numeric > 0)
        return LABELS_PLAUSIBLE;
    for (size_t code = 0; code < labels->count; code++) {
        double value = 0.0;
        if (sk_parse_double(labels->keys[code], &value) && value != floor(value))
            return LABELS_FRACTIONAL;
    }
    return labels->count > reader->rows / 2 ? LABELS_MOSTLY_UNIQUE : LABELS_PLAUSIBLE;
}

/* Returns the error for a label column whose values look like scores or
 * ids (shape is not LABELS_PLAUSIBLE).  Needs sorted_labels. */
static sk_status reject_score_like_labels(const predictions_reader *reader, label_shape shape)
{
    /* A third of a message each, so that the advice after them fits. */
    char listed[SK_ERROR_MAX / 3];
    char advice[SK_ERROR_MAX / 3];
    list_labels(reader, listed, sizeof listed);
    write_label_advice(reader, advice, sizeof advice);
    const char *name = reader->result->label_name;
    size_t count = reader->labels.count;
    if (shape == LABELS_FRACTIONAL) {
        return sk_error_set(reader->err, SK_ERR_INPUT,
                            "Column '%s' looks like scores rather than labels: its %zu "
                            "distinct values are all numbers, some with a fractional part: "
                            "%s. %s",
                            name, count, listed, advice);
    }
    return sk_error_set(reader->err, SK_ERR_INPUT,
                        "Column '%s' looks like scores or ids rather than labels: its %zu "
                        "distinct values are all numbers, more than half as many as the "
                        "%zu rows: %s. %s",
                        name, count, reader->rows, listed, advice);
}

/* Reads one data row: the label text and the score texts in score-column
 * order, NULL for a missing cell.  line is the row's first line. */
static sk_status add_row(predictions_reader *reader, const char *label,
                         const char *const *scores, size_t line)
{
    sk_predictions *result = reader->result;
    char place[PLACE_MAX];
    if (reader->rows >= MAX_ROWS) {
        return sk_error_set(reader->err, SK_ERR_INPUT,
                            "The prediction file has more than %zu rows, more than "
                            "skewtop handles. Use a sample of the rows.",
                            MAX_ROWS);
    }
    if (label == NULL) {
        line_phrase(reader, line, place, sizeof place);
        return sk_error_set(reader->err, SK_ERR_INPUT,
                            "Missing label in column '%s' at %s (the cell is empty, "
                            "NA, ? or NaN). Every row needs its true label: fill it in "
                            "or remove the row, and check that --label names the label "
                            "column.",
                            result->label_name, place);
    }
    size_t code = dict_add(&reader->labels, label);
    if (code == SIZE_MAX)
        return skp_out_of_memory(reader);
    if (reader->labels.count > MAX_CLASSES) {
        char advice[SK_ERROR_MAX / 2];
        write_label_advice(reader, advice, sizeof advice);
        return sk_error_set(reader->err, SK_ERR_INPUT,
                            "Column '%s' has more than %d distinct labels, so it looks "
                            "like an id or score column rather than classes. %s",
                            result->label_name, MAX_CLASSES, advice);
    }
    for (size_t i = 0; i < result->score_columns; i++) {
        sk_status status = parse_score(reader, i, scores[i], line);
        if (status != SK_OK)
            return status;
    }

    if (reader->binned) {
        sk_status status = skp_bin_row(reader, code, line);
        if (status == SK_OK)
            reader->rows++;
        return status;
    }
    if (reserve_exact_row(reader) != 0)
        return skp_out_of_memory(reader);
    if (reader->codes.wide == NULL && reader->labels.count > NARROW_CODES
        && widen_codes(reader) != 0)
        return skp_out_of_memory(reader);
    if (reader->codes.wide != NULL)
        reader->codes.wide[reader->rows] = (uint16_t)code;
    else
        reader->codes.narrow[reader->rows] = (unsigned char)code;
    for (size_t i = 0; i < result->score_columns; i++)
        reader->values[i][reader->rows] = reader->row_scores[i];
    reader->rows++;

    if (!reader->options->exact && reader->rows > reader->exact_limit)
        return skp_switch_to_bins(reader);
    return SK_OK;
}

/* Reads the held-back rows of a two-column file once its label column is
 * known. */
static sk_status add_detection_rows(predictions_reader *reader)
{
    size_t label = reader->label_column;
    sk_status status = SK_OK;
    for (size_t r = 0; r < reader->detection_row_count && status == SK_OK; r++) {
        const detection_row *row = &reader->detection_rows[r];
        const char *score = row->cells[1 - label];
        status = add_row(reader, row->cells[label], &score, row->line);
    }
    for (size_t r = 0; r < reader->detection_row_count; r++) {
        free(reader->detection_rows[r].cells[0]);
        free(reader->detection_rows[r].cells[1]);
    }
    free(reader->detection_rows);
    reader->detection_rows = NULL;
    reader->detection_row_count = 0;
    return status;
}

/* Decides the columns of a two-column file from the rows held back, then
 * reads them.  partial: more rows follow. */
static sk_status finish_detection(predictions_reader *reader, bool partial)
{
    char scope[64] = "";
    if (partial)
        snprintf(scope, sizeof scope, " in the first %d rows", DETECT_ROWS);
    size_t label;
    bool by_positive;
    sk_status status = detect_label(reader, scope, &label, &by_positive);
    if (status != SK_OK)
        return status;
    reader->label_column = label;
    status = add_score_column(reader, 1 - label);
    if (status == SK_OK)
        status = add_notice(reader,
                            "Column '%s' was read as the label%s and column '%s' as the "
                            "score; name them with --label and --score to choose "
                            "otherwise.",
                            reader->names[label],
                            by_positive ? " because it contains the --positive class," : "",
                            reader->names[1 - label]);
    if (status == SK_OK)
        status = prepare_rows(reader);
    if (status == SK_OK)
        status = add_detection_rows(reader);
    return status;
}

/* Holds back one row of a two-column file while detecting its columns. */
static sk_status hold_detection_row(predictions_reader *reader, const char *const *cells,
                                    size_t line)
{
    detection_row *grown = sk_reallocarray(reader->detection_rows,
                                           reader->detection_row_count + 1, sizeof *grown);
    if (grown == NULL)
        return skp_out_of_memory(reader);
    reader->detection_rows = grown;
    detection_row *row = &reader->detection_rows[reader->detection_row_count];
    *row = (detection_row){ .line = line };
    reader->detection_row_count++;
    for (size_t c = 0; c < 2; c++) {
        if (cells[c] != NULL && (row->cells[c] = sk_strdup(cells[c])) == NULL)
            return skp_out_of_memory(reader);
    }
    return SK_OK;
}

sk_status skp_feed_row(predictions_reader *reader, const char *const *cells, size_t line)
{
    if (reader->state == COLUMNS_DETECTING && reader->detection_row_count == DETECT_ROWS) {
        sk_status status = finish_detection(reader, true);
        if (status != SK_OK)
            return status;
    }
    if (reader->detected) {
        for (size_t c = 0; c < 2; c++) {
            if (note_evidence(reader, c, cells[c]) != 0)
                return skp_out_of_memory(reader);
        }
    }
    if (reader->state == COLUMNS_DETECTING)
        return hold_detection_row(reader, cells, line);

    size_t n = reader->result->score_columns;
    const char *scores_on_stack[4] = { NULL, NULL, NULL, NULL };
    const char **scores = n <= 4 ? scores_on_stack : sk_calloc(n, sizeof *scores);
    if (scores == NULL)
        return skp_out_of_memory(reader);
    for (size_t i = 0; i < n; i++)
        scores[i] = cells[reader->score_column[i]];
    sk_status status = add_row(reader, cells[reader->label_column], scores, line);
    if (scores != scores_on_stack)
        free(scores);
    return status;
}

/* ---- step 3: classes ------------------------------------------------------- */

/* Picks the positive class and sets the label names. */
static sk_status choose_positive(predictions_reader *reader)
{
    sk_predictions *result = reader->result;
    const char **labels = reader->sorted_labels;
    size_t count = reader->labels.count;
    const char *requested = reader->options->positive;
    char listed[SK_ERROR_MAX / 2];
    list_labels(reader, listed, sizeof listed);

    if (count == 1) {
        return sk_error_set(reader->err, SK_ERR_INPUT,
                            "The labels in column '%s' contain one class only (%s); inspect "
                            "needs rows of both classes. Check that --label names the label "
                            "column and that the file contains all the rows.",
                            result->label_name, listed);
    }
    if (requested != NULL)
        reader->positive_key = match_label(labels, count, requested);
    /* A --positive that names one of the values requests one-vs-rest,
     * whatever the values look like. */
    label_shape shape = label_column_shape(reader);
    if (reader->positive_key == NULL && shape != LABELS_PLAUSIBLE)
        return reject_score_like_labels(reader, shape);

    if (requested != NULL) {
        if (reader->positive_key == NULL) {
            return sk_error_set(reader->err, SK_ERR_INPUT,
                                "The positive class '%s' is not a label of column '%s'. The "
                                "labels are: %s. Give one of them with --positive.",
                                requested, result->label_name, listed);
        }
    } else if (count > 2) {
        return sk_error_set(reader->err, SK_ERR_INPUT,
                            "Column '%s' has %zu classes: %s. Pick the class of interest "
                            "with --positive LABEL to compare it against all the others "
                            "(one-vs-rest), or check that --label names the label column.",
                            result->label_name, count, listed);
    } else {
        /* The minority class; on a tie the larger label, which is also the
         * default score-of class, so that a balanced file is not flipped. */
        size_t smaller_count = reader->labels.counts[dict_code(&reader->labels, labels[0])];
        size_t larger_count = reader->labels.counts[dict_code(&reader->labels, labels[1])];
        reader->positive_key = smaller_count < larger_count ? labels[0] : labels[1];
    }
    reader->positive_code = dict_code(&reader->labels, reader->positive_key);

    result->classes = count;
    result->one_vs_rest = count > 2;
    result->positives = reader->labels.counts[reader->positive_code];
    result->positive_label = sk_strdup(reader->positive_key);
    if (result->positive_label == NULL)
        return skp_out_of_memory(reader);
    if (!result->one_vs_rest) {
        const char *other = reader->positive_key == labels[0] ? labels[1] : labels[0];
        result->negative_label = sk_strdup(other);
        return result->negative_label != NULL ? SK_OK : skp_out_of_memory(reader);
    }

    size_t len = strlen(reader->positive_key) + sizeof "not ";
    result->negative_label = malloc(len);
    if (result->negative_label == NULL)
        return skp_out_of_memory(reader);
    snprintf(result->negative_label, len, "not %s", reader->positive_key);
    return add_notice(reader,
                      "Column '%s' has %zu classes: %s. Class '%s' is the positive class "
                      "and the other %zu are merged into '%s'; the scores are read as the "
                      "probability of '%s'.",
                      result->label_name, count, listed, reader->positive_key, count - 1,
                      result->negative_label, reader->positive_key);
}

/* Picks the class the scores are the probability of and sets flipped. */
static sk_status choose_score_of(predictions_reader *reader)
{
    sk_predictions *result = reader->result;
    const char *requested = reader->options->score_of;
    const char *score_of;

    if (requested == NULL) {
        /* The larger label in binary files; one-vs-rest scores can only be
         * for the positive class. */
        score_of = result->one_vs_rest ? reader->positive_key
                                       : reader->sorted_labels[1];
    } else {
        score_of = match_label(reader->sorted_labels, reader->labels.count, requested);
        if (score_of == NULL) {
            char listed[SK_ERROR_MAX / 2];
            list_labels(reader, listed, sizeof listed);
            return sk_error_set(reader->err, SK_ERR_INPUT,
                                "--score-of '%s' is not a label of column '%s'. The labels "
                                "are: %s. Give the class whose probability the scores are.",
                                requested, result->label_name, listed);
        }
        if (result->one_vs_rest && score_of != reader->positive_key) {
            return sk_error_set(reader->err, SK_ERR_INPUT,
                                "--score-of '%s' is not the positive class '%s'. With more "
                                "than two classes the scores must be the probability of the "
                                "positive class (as predict_proba[:, k] is for class k): "
                                "give that class with --positive.",
                                requested, reader->positive_key);
        }
    }

    result->score_of_label = sk_strdup(score_of);
    if (result->score_of_label == NULL)
        return skp_out_of_memory(reader);
    result->flipped = score_of != reader->positive_key;
    return SK_OK;
}

static sk_status choose_classes(predictions_reader *reader)
{
    reader->sorted_labels = dict_sorted_keys(&reader->labels);
    if (reader->sorted_labels == NULL)
        return skp_out_of_memory(reader);
    sk_status status = choose_positive(reader);
    return status == SK_OK ? choose_score_of(reader) : status;
}

/* ---- step 4: orientation and results --------------------------------------- */

double skp_orient(const sk_predictions *result, size_t index, double score)
{
    if (!result->flipped)
        return score;
    return result->probability[index] ? 1.0 - score : 0.0 - score;
}

/* Writes "'a' and 'b'" (or "'a', 'b' and 'c'", or "'a', 'b' and N more"
 * when they do not fit) for the score columns whose probability flag
 * equals `probability`.  Returns how many there are. */
static size_t list_scores_of_kind(const sk_predictions *result, bool probability,
                                  char *buffer, size_t size)
{
    size_t total = 0;
    for (size_t i = 0; i < result->score_columns; i++)
        total += result->probability[i] == probability;

    skd_list list;
    skd_list_start(&list, buffer, size);
    char name[VALUE_EXCERPT_MAX + 4];
    char item[sizeof name + 2];
    for (size_t i = 0; i < result->score_columns; i++) {
        if (result->probability[i] != probability)
            continue;
        value_excerpt(result->score_names[i], name);
        snprintf(item, sizeof item, "'%s'", name);
        if (!skd_list_add(&list, item))
            break;
    }
    skd_list_finish(&list, total, true);
    return total;
}

/* Adds the notice that explains turned-around scores. */
static sk_status add_flip_notice(predictions_reader *reader)
{
    sk_predictions *result = reader->result;
    /* Two lists and the fixed words fit in changes[] without truncation. */
    char probabilities[SK_ERROR_MAX * 3 / 8], margins[SK_ERROR_MAX * 3 / 8];
    size_t probability_count = list_scores_of_kind(result, true, probabilities,
                                                   sizeof probabilities);
    size_t margin_count = list_scores_of_kind(result, false, margins, sizeof margins);
    char changes[SK_ERROR_MAX];
    if (margin_count == 0)
        snprintf(changes, sizeof changes, "the probabilities in %s were turned into 1 - p",
                 probabilities);
    else if (probability_count == 0)
        snprintf(changes, sizeof changes,
                 "the scores in %s, which are not probabilities, changed sign", margins);
    else
        snprintf(changes, sizeof changes,
                 "the probabilities in %s were turned into 1 - p and the scores in %s, "
                 "which are not probabilities, changed sign",
                 probabilities, margins);

    const sk_predictions_options *options = reader->options;
    return add_notice(reader,
                      "The scores are read as the probability of '%s' (%s), but the "
                      "positive class is '%s' (%s), so %s.",
                      result->score_of_label,
                      options->score_of != NULL ? "--score-of"
                          : "the larger label; give --score-of LABEL if they are for the other class",
                      result->positive_label,
                      options->positive != NULL ? "--positive" : "the minority class",
                      changes);
}

/* Fills the summary of an exact-mode column from its oriented scores, with
 * the formulas of sk_log_loss(), sk_brier() and the diagnosis's mean and
 * standard deviation. */
static void summarise_scores(const double *scores, const unsigned char *y, size_t n,
                             bool probability, sk_score_summary *summary)
{
    *summary = (sk_score_summary){ NAN, NAN, NAN, NAN };
    if (n == 0)
        return;
    if (probability) {
        const double eps = DBL_EPSILON;
        sk_sum loss = { 0.0, 0.0 };
        sk_sum brier = { 0.0, 0.0 };
        for (size_t i = 0; i < n; i++) {
            double p = fmin(fmax(scores[i], eps), 1.0 - eps);
            double q = 1.0 - p;
            double row_sum = q + p;
            sk_sum_add(&loss, -log(y[i] ? p / row_sum : q / row_sum));
            double diff = (double)(y[i] ? 1 : 0) - scores[i];
            sk_sum_add(&brier, diff * diff);
        }
        summary->log_loss = sk_sum_value(&loss) / (double)n;
        summary->brier = sk_sum_value(&brier) / (double)n;
    }
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += scores[i];
    summary->mean = sum / (double)n;
    double squares = 0.0;
    for (size_t i = 0; i < n; i++)
        squares += (scores[i] - summary->mean) * (scores[i] - summary->mean);
    summary->sd = n > 1 ? sqrt(squares / (double)(n - 1)) : NAN;
}

/* Hands the exact-mode arrays to the result: codes become y, scores are
 * oriented. */
static sk_status finish_exact(predictions_reader *reader)
{
    sk_predictions *result = reader->result;
    size_t rows = reader->rows;
    size_t positive = reader->positive_code;
    unsigned char *y = reader->codes.narrow;
    if (reader->codes.wide != NULL) {
        y = malloc(rows);
        if (y == NULL)
            return skp_out_of_memory(reader);
        for (size_t r = 0; r < rows; r++)
            y[r] = reader->codes.wide[r] == positive;
        free(reader->codes.wide);
    } else {
        for (size_t r = 0; r < rows; r++)
            y[r] = y[r] == positive;
    }
    reader->codes = (code_array){ 0 };
    unsigned char *shrunk = realloc(y, rows);
    result->y = shrunk != NULL ? shrunk : y;

    result->scores = reader->values;
    reader->values = NULL;
    for (size_t i = 0; i < result->score_columns; i++) {
        double *shrunk_scores = realloc(result->scores[i], rows * sizeof **result->scores);
        if (shrunk_scores != NULL)
            result->scores[i] = shrunk_scores;
        double *scores = result->scores[i];
        if (result->flipped) {
            for (size_t r = 0; r < rows; r++)
                scores[r] = skp_orient(result, i, scores[r]);
        }
        summarise_scores(scores, result->y, rows, result->probability[i],
                         &result->summary[i]);
    }
    return SK_OK;
}

sk_status skp_finish_rows(predictions_reader *reader)
{
    sk_predictions *result = reader->result;
    sk_status status;
    if (reader->state == COLUMNS_DETECTING && (status = finish_detection(reader, false)) != SK_OK)
        return status;
    if (reader->detected) {
        /* The choice from the first rows must hold for the whole file. */
        size_t label;
        bool by_positive;
        status = detect_label(reader, "", &label, &by_positive);
        if (status != SK_OK)
            return status;
        if (label != reader->label_column) {
            return sk_error_set(reader->err, SK_ERR_INPUT,
                                "Column '%s' looked like the label in the first %d rows but "
                                "'%s' does in the whole file. Name them with --label COL "
                                "--score COL.",
                                reader->names[reader->label_column], DETECT_ROWS,
                                reader->names[label]);
        }
    }

    result->rows = reader->rows;
    status = choose_classes(reader);
    if (status != SK_OK)
        return status;
    size_t n = result->score_columns;
    for (size_t i = 0; i < n; i++)
        result->probability[i] = reader->ranges[i].probability;
    result->summary = sk_calloc(n, sizeof *result->summary);
    if (result->summary == NULL)
        return skp_out_of_memory(reader);

    if (reader->binned) {
        result->binned = true;
        result->bins = sk_calloc(n, sizeof *result->bins);
        if (result->bins == NULL)
            return skp_out_of_memory(reader);
        for (size_t i = 0; i < n && status == SK_OK; i++)
            status = skp_finish_grid(reader, i);
    } else {
        status = finish_exact(reader);
    }
    if (status == SK_OK && result->flipped)
        status = add_flip_notice(reader);
    return status;
}

sk_status skp_reader_init(predictions_reader *reader, const char *source,
                          const sk_predictions_options *options, sk_error *err)
{
    static const sk_predictions_options defaults = { 0 };
    *reader = (predictions_reader){
        .source = source,
        .options = options != NULL ? options : &defaults,
        .err = err,
    };
    reader->exact_limit = reader->options->exact_limit > 0 ? reader->options->exact_limit
                                                          : SK_PREDICTIONS_EXACT_LIMIT;
    reader->result = calloc(1, sizeof *reader->result);
    return reader->result != NULL ? SK_OK : skp_out_of_memory(reader);
}

static void reader_free(predictions_reader *reader)
{
    for (size_t c = 0; c < reader->columns; c++)
        free(reader->names[c]);
    free(reader->names);
    free(reader->score_column);
    for (size_t c = 0; c < 2; c++) {
        for (size_t i = 0; i < EVIDENCE_VALUES_KEPT; i++)
            free(reader->evidence[c].seen[i]);
        for (size_t r = 0; r < MATCH_RULES; r++)
            free(reader->evidence[c].positive_matches[r]);
    }
    for (size_t r = 0; r < reader->detection_row_count; r++) {
        free(reader->detection_rows[r].cells[0]);
        free(reader->detection_rows[r].cells[1]);
    }
    free(reader->detection_rows);
    dict_free(&reader->labels);
    free(reader->row_scores);
    free(reader->codes.narrow);
    free(reader->codes.wide);
    size_t columns = reader->result != NULL ? reader->result->score_columns : 0;
    if (reader->values != NULL) {
        for (size_t i = 0; i < columns; i++)
            free(reader->values[i]);
    }
    free(reader->values);
    if (reader->grids != NULL) {
        for (size_t i = 0; i < columns; i++) {
            score_grid *grid = &reader->grids[i];
            free(grid->low);
            free(grid->high);
            for (size_t g = 0; g < grid->groups; g++)
                free(grid->counts[g]);
            free(grid->counts);
            free(grid->sums);
        }
    }
    free(reader->grids);
    free(reader->ranges);
    free(reader->sorted_labels);
}

sk_status skp_reader_finish(predictions_reader *reader, sk_status status,
                            sk_predictions **out)
{
    reader_free(reader);
    if (status != SK_OK) {
        sk_predictions_free(reader->result);
        return status;
    }
    *out = reader->result;
    return SK_OK;
}

/* ---- front end: a table ------------------------------------------------------ */

sk_status sk_predictions_from_table(const sk_table *table, const char *source,
                                    const sk_predictions_options *options,
                                    sk_predictions **out, sk_error *err)
{
    *out = NULL;
    predictions_reader reader;
    sk_status status = skp_reader_init(&reader, source, options, err);
    if (status != SK_OK)
        return skp_reader_finish(&reader, status, out);
    size_t rows = sk_table_rows(table);
    if (rows == 0) {
        char file[PLACE_MAX];
        skp_file_phrase(&reader, file, sizeof file);
        status = sk_error_set(err, SK_ERR_INPUT,
                              "The prediction file%s has no data rows. Check that the "
                              "right file was given.",
                              file);
        return skp_reader_finish(&reader, status, out);
    }

    size_t columns = sk_table_columns(table);
    char **names = sk_calloc(columns, sizeof *names);
    const char **cells = sk_calloc(columns, sizeof *cells);
    if (names == NULL || cells == NULL) {
        free(names);
        free(cells);
        return skp_reader_finish(&reader, skp_out_of_memory(&reader), out);
    }
    for (size_t c = 0; c < columns && status == SK_OK; c++) {
        names[c] = sk_strdup(sk_table_column_name(table, c));
        if (names[c] == NULL)
            status = skp_out_of_memory(&reader);
    }
    if (status != SK_OK) {
        for (size_t c = 0; c < columns; c++)
            free(names[c]);
        free(names);
        free(cells);
        return skp_reader_finish(&reader, status, out);
    }

    status = skp_set_columns(&reader, names, columns);
    for (size_t r = 0; r < rows && status == SK_OK; r++) {
        for (size_t c = 0; c < columns; c++)
            cells[c] = skp_column_is_read(&reader, c) ? sk_table_cell(table, r, c) : NULL;
        status = skp_feed_row(&reader, cells, sk_table_row_line(table, r));
    }
    free(cells);
    if (status == SK_OK)
        status = skp_finish_rows(&reader);
    return skp_reader_finish(&reader, status, out);
}

double *sk_predictions_take_scores(sk_predictions *predictions, size_t column)
{
    if (predictions->scores == NULL || column >= predictions->score_columns)
        return NULL;
    double *scores = predictions->scores[column];
    predictions->scores[column] = NULL;
    return scores;
}

unsigned char *sk_predictions_take_labels(sk_predictions *predictions)
{
    unsigned char *y = predictions->y;
    predictions->y = NULL;
    return y;
}

void sk_predictions_free(sk_predictions *predictions)
{
    if (predictions == NULL)
        return;
    for (size_t i = 0; i < predictions->score_columns; i++) {
        if (predictions->score_names != NULL)
            free(predictions->score_names[i]);
        if (predictions->scores != NULL)
            free(predictions->scores[i]);
        if (predictions->bins != NULL) {
            free(predictions->bins[i].lowest);
            free(predictions->bins[i].negatives);
            free(predictions->bins[i].positives);
        }
    }
    free(predictions->score_names);
    free(predictions->scores);
    free(predictions->bins);
    free(predictions->summary);
    free(predictions->probability);
    free(predictions->y);
    free(predictions->label_name);
    free(predictions->positive_label);
    free(predictions->negative_label);
    free(predictions->score_of_label);
    for (size_t i = 0; i < predictions->notice_count; i++)
        free(predictions->notices[i]);
    free(predictions->notices);
    free(predictions);
}
