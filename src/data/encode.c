/*
 * encode.c - the encoding steps shared by sk_dataset_prepare() (dataset.c)
 * and sk_windows_prepare() (windows.c); see data_internal.h.
 *
 * Both callers decide first which table rows their samples read and which
 * of those belong to training (a row-use array).  The column plans then
 * take every statistic (mean, deviation, categories) from the training rows
 * alone, so nothing about the validation rows leaks into training.  Where
 * the two callers word a notice differently or count other rows, each
 * passes its own skd_variant.
 */
#include "data_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Labels or column names listed in an error before "and N more". */
#define LIST_ITEMS_MAX 20

/* Smallest hash table of distinct texts; it doubles at half load. */
#define MAP_INITIAL_CAPACITY 64

/* A column whose present cells are numbers in at least this share is a
 * numeric column with a typo, not a text column: its text is an error. */
#define STRAY_TEXT_SHARE 0.9

/* ---- distinct texts ---------------------------------------------------- */

/* FNV-1a, 64-bit. */
static uint64_t hash_text(const char *text)
{
    uint64_t hash = 14695981039346656037ULL;
    for (; *text != '\0'; text++) {
        hash ^= (unsigned char)*text;
        hash *= 1099511628211ULL;
    }
    return hash;
}

/* Returns the slot of text, or of the empty slot where it belongs. */
static size_t map_slot(const skd_text_map *map, const char *text)
{
    size_t mask = map->capacity - 1;
    size_t slot = (size_t)hash_text(text) & mask;
    while (map->slots[slot] != 0 && strcmp(map->texts[map->slots[slot] - 1], text) != 0)
        slot = (slot + 1) & mask;
    return slot;
}

static int map_grow_slots(skd_text_map *map)
{
    size_t capacity = map->capacity == 0 ? MAP_INITIAL_CAPACITY : map->capacity * 2;
    size_t *slots = sk_calloc(capacity, sizeof *slots);
    if (slots == NULL || capacity < map->capacity) {
        free(slots);
        return -1;
    }
    size_t *old = map->slots;
    size_t old_capacity = map->capacity;
    map->slots = slots;
    map->capacity = capacity;
    for (size_t i = 0; i < old_capacity; i++) {
        if (old[i] != 0)
            slots[map_slot(map, map->texts[old[i] - 1])] = old[i];
    }
    free(old);
    return 0;
}

static int map_grow_entries(skd_text_map *map)
{
    size_t allocated = map->allocated == 0 ? MAP_INITIAL_CAPACITY : map->allocated * 2;
    const char **texts = sk_reallocarray(map->texts, allocated, sizeof *texts);
    if (texts == NULL)
        return -1;
    map->texts = texts;
    size_t *counts = sk_reallocarray(map->counts, allocated, sizeof *counts);
    if (counts == NULL)
        return -1;
    map->counts = counts;
    map->allocated = allocated;
    return 0;
}

int skd_map_add(skd_text_map *map, const char *text, size_t *id)
{
    if (2 * (map->count + 1) > map->capacity && map_grow_slots(map) != 0)
        return -1;
    size_t slot = map_slot(map, text);
    if (map->slots[slot] == 0) {
        if (map->count == map->allocated && map_grow_entries(map) != 0)
            return -1;
        map->texts[map->count] = text;
        map->counts[map->count] = 0;
        map->slots[slot] = ++map->count;
    }
    *id = map->slots[slot] - 1;
    map->counts[*id]++;
    return 0;
}

void skd_map_free(skd_text_map *map)
{
    free(map->slots);
    free(map->texts);
    free(map->counts);
    *map = (skd_text_map){ 0 };
}

static int compare_texts(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char **skd_map_sorted_texts(const skd_text_map *map)
{
    const char **texts = sk_calloc(map->count, sizeof *texts);
    if (texts == NULL)
        return NULL;
    memcpy(texts, map->texts, map->count * sizeof *texts);
    qsort(texts, map->count, sizeof *texts, compare_texts);
    return texts;
}

size_t skd_map_count_of(const skd_text_map *map, const char *text)
{
    if (map->capacity == 0)
        return 0;
    size_t slot = map_slot(map, text);
    return map->slots[slot] != 0 ? map->counts[map->slots[slot] - 1] : 0;
}

/* ---- messages ----------------------------------------------------------- */

sk_status skd_out_of_memory(const skd_variant *variant, sk_error *err)
{
    return sk_error_set(err, SK_ERR_NOMEM, "%s", variant->nomem);
}

sk_status skd_add_notice(sk_dataset *dataset, const skd_variant *variant, sk_error *err,
                         const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (len < 0)
        return sk_error_set(err, SK_ERR_INTERNAL, "A notice could not be formatted.");

    char *text = malloc((size_t)len + 1);
    char **grown = sk_reallocarray(dataset->notices, dataset->notice_count + 1,
                                   sizeof *grown);
    if (grown != NULL)
        dataset->notices = grown;
    if (text == NULL || grown == NULL) {
        free(text);
        return skd_out_of_memory(variant, err);
    }
    va_start(ap, fmt);
    vsnprintf(text, (size_t)len + 1, fmt, ap);
    va_end(ap);
    dataset->notices[dataset->notice_count++] = text;
    return SK_OK;
}

static const char *plural(size_t count)
{
    return count == 1 ? "" : "s";
}

/* ---- labels ------------------------------------------------------------- */

void skd_list_labels(const char **labels, size_t count, const skd_text_map *counts,
                     const char *unit, char *buffer, size_t size)
{
    skd_list list;
    skd_list_start(&list, buffer, size);
    char label[SKD_EXCERPT_MAX + 4];
    char item[sizeof label + 64];
    for (size_t i = 0; i < count && i < LIST_ITEMS_MAX; i++) {
        size_t samples = skd_map_count_of(counts, labels[i]);
        skd_line_excerpt(label, labels[i], strlen(labels[i]));
        snprintf(item, sizeof item, "'%s' (%zu %s%s)", label, samples, unit,
                 plural(samples));
        if (!skd_list_add(&list, item))
            break;
    }
    skd_list_finish(&list, count, false);
}

const char *skd_match_positive(const char **labels, size_t count, const char *requested)
{
    for (size_t i = 0; i < count; i++) {
        if (strcmp(labels[i], requested) == 0)
            return labels[i];
    }
    size_t len = strlen(requested);
    if (len >= 2 && requested[0] == '\'' && requested[len - 1] == '\'') {
        for (size_t i = 0; i < count; i++) {
            if (strlen(labels[i]) == len - 2 && strncmp(labels[i], requested + 1, len - 2) == 0)
                return labels[i];
        }
    }

    double target;
    if (!sk_parse_double(requested, &target))
        return NULL;
    const char *found = NULL;
    for (size_t i = 0; i < count; i++) {
        double value;
        if (sk_parse_double(labels[i], &value) && value == target) {
            if (found != NULL)
                return NULL; /* two labels equal it: let the user pick the text */
            found = labels[i];
        }
    }
    return found;
}

sk_status skd_set_classes(sk_dataset *dataset, const skd_variant *variant,
                          const char **labels, size_t count, const skd_text_map *counts,
                          const char *positive, const char *listed, sk_error *err)
{
    const char *target = dataset->target_name;
    if (positive == NULL && count > 2) {
        return sk_error_set(err, SK_ERR_INPUT,
                            "Column '%s' has %zu classes: %s. skewtop handles two classes: "
                            "pick the class of interest with --positive LABEL to merge the "
                            "others into one, or check that --target names the label column.",
                            target, count, listed);
    }
    if (positive == NULL) {
        /* The minority class; on a tie the label that sorts last, so that
         * 0/1 and false/true pick 1 and true. */
        size_t first = skd_map_count_of(counts, labels[0]);
        size_t second = skd_map_count_of(counts, labels[1]);
        positive = first < second ? labels[0] : labels[1];
    }

    dataset->positive_label = sk_strdup(positive);
    if (dataset->positive_label == NULL)
        return skd_out_of_memory(variant, err);

    if (count == 2) {
        dataset->negative_label = sk_strdup(positive == labels[0] ? labels[1] : labels[0]);
        if (dataset->negative_label == NULL)
            return skd_out_of_memory(variant, err);
        return SK_OK;
    }

    /* One class against the rest. */
    size_t len = strlen(positive) + sizeof "not ";
    dataset->negative_label = malloc(len);
    if (dataset->negative_label == NULL)
        return skd_out_of_memory(variant, err);
    snprintf(dataset->negative_label, len, "not %s", positive);
    return skd_add_notice(dataset, variant, err,
                          "Column '%s' has %zu classes: %s. Class '%s' is the positive class "
                          "and the other %zu are merged into '%s'.",
                          target, count, listed, positive, count - 1,
                          dataset->negative_label);
}

/* ---- column plans ------------------------------------------------------- */

/* What a scan of a column's rows that samples read found. */
typedef struct {
    size_t present;           /* non-missing cells */
    size_t missing;           /* missing cells */
    int numeric;              /* every present cell is a number */
    size_t numbers;           /* present cells that are numbers */
    size_t text_row;          /* text: first row whose cell is not a number */
    size_t infinite_row;      /* numeric: first row holding an infinite value */
    int has_infinite;
} column_scan;

static column_scan scan_column(const skd_encoder *encoder, size_t column)
{
    column_scan scan = { .numeric = 1 };
    size_t rows = sk_table_rows(encoder->table);
    for (size_t r = 0; r < rows; r++) {
        if (encoder->row_use[r] == 0)
            continue;
        const char *cell = sk_table_cell(encoder->table, r, column);
        if (cell == NULL) {
            scan.missing++;
            continue;
        }
        scan.present++;
        double value;
        if (!sk_parse_double(cell, &value)) {
            if (scan.numeric)
                scan.text_row = r;
            scan.numeric = 0;
            continue;
        }
        scan.numbers++;
        if (isinf(value) && !scan.has_infinite) {
            scan.has_infinite = 1;
            scan.infinite_row = r;
        }
    }
    return scan;
}

/* Computes the training mean and population standard deviation of a
 * numeric column over the training rows, each row once (Welford's update),
 * and its range. */
static void numeric_train_stats(const skd_encoder *encoder, size_t column, size_t *count,
                                double *mean, double *sd, double *min, double *max)
{
    double m = 0.0, m2 = 0.0;
    size_t n = 0;
    size_t rows = sk_table_rows(encoder->table);
    *min = INFINITY;
    *max = -INFINITY;
    for (size_t r = 0; r < rows; r++) {
        double value;
        const char *cell = sk_table_cell(encoder->table, r, column);
        if (!(encoder->row_use[r] & SKD_USE_TRAIN) || cell == NULL
            || !sk_parse_double(cell, &value))
            continue;
        n++;
        double delta = value - m;
        m += delta / (double)n;
        m2 += delta * (value - m);
        if (value < *min)
            *min = value;
        if (value > *max)
            *max = value;
    }
    *count = n;
    *mean = m;
    *sd = n > 0 ? sqrt(m2 / (double)n) : 0.0;
}

/* Plans the numeric column called name. */
static sk_status plan_numeric(const skd_encoder *encoder, const char *name,
                              const column_scan *scan, skd_column_plan *plan, sk_error *err)
{
    const sk_table *table = encoder->table;
    sk_dataset *dataset = encoder->dataset;
    const skd_variant *variant = encoder->variant;
    if (scan->has_infinite) {
        size_t r = scan->infinite_row;
        return sk_error_set(err, SK_ERR_INPUT,
                            "Column '%s' holds '%s' on line %zu, which is not a finite number. "
                            "Replace it with a finite value, or leave the cell empty to mark "
                            "it missing.",
                            name, sk_table_cell(table, r, plan->column),
                            sk_table_row_line(table, r));
    }

    size_t count;
    double min, max;
    numeric_train_stats(encoder, plan->column, &count, &plan->mean, &plan->sd, &min, &max);
    if (count == 0) {
        return skd_add_notice(dataset, variant, err, "Column '%s' was dropped: %s.", name,
                              variant->no_training_value);
    }

    /* Equal values, or a spread too small to divide by, carry no signal
     * once standardised. */
    if (min == max || !(plan->sd > 0.0)) {
        plan->emit_missing = scan->missing > 0;
        if (plan->emit_missing) {
            return skd_add_notice(dataset, variant, err,
                                  "Column '%s' holds the same value, %g, in every training "
                                  "row that has one, so only its missing-value indicator is "
                                  "kept.",
                                  name, min);
        }
        return skd_add_notice(dataset, variant, err,
                              "Column '%s' was dropped: it holds the same value, %g, in every "
                              "training row.",
                              name, min);
    }
    plan->emit_values = 1;
    plan->emit_missing = scan->missing > 0 || encoder->gaps_missing;
    return SK_OK;
}

/* Adds the values of the rows whose row use has a bit of `use` to values.
 * Returns -1 when memory runs out. */
static int count_values(const skd_encoder *encoder, size_t column, unsigned char use,
                        skd_text_map *values)
{
    size_t rows = sk_table_rows(encoder->table);
    for (size_t r = 0; r < rows; r++) {
        const char *cell = sk_table_cell(encoder->table, r, column);
        size_t id;
        if ((encoder->row_use[r] & use) && cell != NULL && skd_map_add(values, cell, &id) != 0)
            return -1;
    }
    return 0;
}

/* Plans the text column called name. */
static sk_status plan_text(const skd_encoder *encoder, const char *name,
                           const column_scan *scan, skd_column_plan *plan, sk_error *err)
{
    const sk_table *table = encoder->table;
    sk_dataset *dataset = encoder->dataset;
    const skd_variant *variant = encoder->variant;
    skd_text_map values = { 0 };
    sk_status status = SK_OK;
    if (count_values(encoder, plan->column, SKD_USE_TRAIN, &values) != 0) {
        status = skd_out_of_memory(variant, err);
        goto done;
    }

    if (values.count > encoder->max_categories) {
        /* The notice counts the distinct values of the variant's rows. */
        unsigned char more = variant->wide_rows & ~SKD_USE_TRAIN;
        if (more != 0 && count_values(encoder, plan->column, more, &values) != 0) {
            status = skd_out_of_memory(variant, err);
            goto done;
        }
        size_t r = scan->text_row;
        status = skd_add_notice(dataset, variant, err,
                                "Column '%s' was dropped: %zu distinct text values%s exceed "
                                "the one-hot limit of %zu (line %zu holds '%s', which is not "
                                "a number).",
                                name, values.count, variant->wide_scope,
                                encoder->max_categories, sk_table_row_line(table, r),
                                sk_table_cell(table, r, plan->column));
        goto done;
    }
    if (values.count == 0) {
        status = skd_add_notice(dataset, variant, err, "Column '%s' was dropped: %s.", name,
                                variant->no_training_value);
        goto done;
    }

    plan->categories = skd_map_sorted_texts(&values);
    if (plan->categories == NULL) {
        status = skd_out_of_memory(variant, err);
        goto done;
    }
    plan->category_count = values.count;
    plan->emit_values = values.count > 1; /* one category is a constant column */
    if (plan->emit_values) {
        plan->emit_missing = scan->missing > 0 || encoder->gaps_missing;
    } else {
        plan->emit_missing = scan->missing > 0;
        status = skd_add_notice(dataset, variant, err,
                                "Column '%s' %s: it holds the same text, '%s', in every "
                                "training row%s.",
                                name,
                                plan->emit_missing ? "keeps only its missing-value indicator"
                                                   : "was dropped",
                                plan->categories[0], plan->emit_missing ? " that has one" : "");
    }

done:
    skd_map_free(&values);
    return status;
}

sk_status skd_plan_column(const skd_encoder *encoder, skd_column_plan *plan, sk_error *err)
{
    const sk_table *table = encoder->table;
    const char *name = sk_table_column_name(table, plan->column);
    column_scan scan = scan_column(encoder, plan->column);
    if (scan.present == 0) {
        return skd_add_notice(encoder->dataset, encoder->variant, err,
                              "Column '%s' was dropped: %s.", name,
                              encoder->variant->all_missing);
    }
    plan->numeric = scan.numeric;
    plan->missing = scan.missing;
    if (!scan.numeric && scan.numbers >= STRAY_TEXT_SHARE * (double)scan.present) {
        size_t r = scan.text_row;
        return sk_error_set(err, SK_ERR_INPUT,
                            "Column '%s' holds numbers except for '%s' on line %zu. "
                            "Correct the value, or write NA to mark it missing.",
                            name, sk_table_cell(table, r, plan->column),
                            sk_table_row_line(table, r));
    }
    if (scan.numeric)
        return plan_numeric(encoder, name, &scan, plan, err);
    return plan_text(encoder, name, &scan, plan, err);
}

sk_status skd_notice_missing(const skd_encoder *encoder, const skd_column_plan *plans,
                             size_t plan_count, sk_error *err)
{
    size_t columns = 0, cells = 0;
    char names[160] = "";
    size_t used = 0;
    for (size_t p = 0; p < plan_count; p++) {
        const skd_column_plan *plan = &plans[p];
        if (!plan->emit_values || plan->missing == 0)
            continue;
        columns++;
        cells += plan->missing;
        if (used < sizeof names - 1) {
            int n = snprintf(names + used, sizeof names - used, "%s'%s'",
                             columns > 1 ? ", " : "",
                             sk_table_column_name(encoder->table, plan->column));
            used += n > 0 ? (size_t)n : 0;
        }
    }
    if (columns == 0)
        return SK_OK;
    if (used >= sizeof names - 1)
        snprintf(names + sizeof names - 5, 5, "...");
    return skd_add_notice(encoder->dataset, encoder->variant, err,
                          "%zu missing value%s in %zu column%s (%s) %s replaced by the "
                          "training mean (numbers) or no category (text), and an added "
                          "feature 'COLUMN (missing)' marks each.",
                          cells, plural(cells), columns, plural(columns), names,
                          cells == 1 ? "was" : "were");
}

static size_t plan_features(const skd_column_plan *plan)
{
    size_t values = 0;
    if (plan->emit_values)
        values = plan->numeric ? 1 : plan->category_count;
    return values + (plan->emit_missing ? 1 : 0);
}

size_t skd_assign_features(skd_column_plan *plans, size_t plan_count)
{
    size_t per_step = 0;
    for (size_t p = 0; p < plan_count; p++) {
        plans[p].first_feature = per_step;
        per_step += plan_features(&plans[p]);
    }
    return per_step;
}

/* Formats "name", "name=value" or "name (missing)", followed by step (such
 * as "@t-3" or ""), into a new string. */
static char *feature_name(const char *column, const char *value, int missing,
                          const char *step)
{
    const char *separator = "";
    const char *suffix = "";
    if (value != NULL) {
        separator = "=";
        suffix = value;
    } else if (missing) {
        separator = " (missing)";
    }
    size_t len = strlen(column) + strlen(separator) + strlen(suffix) + strlen(step) + 1;
    char *name = malloc(len);
    if (name != NULL)
        snprintf(name, len, "%s%s%s%s", column, separator, suffix, step);
    return name;
}

sk_status skd_name_features(const skd_encoder *encoder, const skd_column_plan *plans,
                            size_t plan_count, size_t steps, size_t step_features,
                            sk_error *err)
{
    if (step_features == 0)
        return SK_OK;
    sk_dataset *dataset = encoder->dataset;
    size_t features = steps * step_features;
    dataset->feature_names = sk_calloc(features, sizeof *dataset->feature_names);
    if (dataset->feature_names == NULL)
        return skd_out_of_memory(encoder->variant, err);
    dataset->features = features;

    size_t f = 0;
    for (size_t k = 0; k < steps; k++) {
        size_t lag = steps - 1 - k;
        char step[32] = "";
        if (encoder->variant->step_names && lag > 0)
            snprintf(step, sizeof step, "@t-%zu", lag);
        else if (encoder->variant->step_names)
            snprintf(step, sizeof step, "@t");
        for (size_t p = 0; p < plan_count; p++) {
            const skd_column_plan *plan = &plans[p];
            const char *column = sk_table_column_name(encoder->table, plan->column);
            if (plan->emit_values && plan->numeric) {
                dataset->feature_names[f++] = feature_name(column, NULL, 0, step);
            } else if (plan->emit_values) {
                for (size_t c = 0; c < plan->category_count; c++)
                    dataset->feature_names[f++] =
                        feature_name(column, plan->categories[c], 0, step);
            }
            if (plan->emit_missing)
                dataset->feature_names[f++] = feature_name(column, NULL, 1, step);
        }
    }
    for (size_t i = 0; i < features; i++) {
        if (dataset->feature_names[i] == NULL)
            return skd_out_of_memory(encoder->variant, err);
    }
    return SK_OK;
}

sk_status skd_check_features_left(const skd_encoder *encoder, size_t target,
                                  const skd_column_plan *plans, size_t plan_count,
                                  sk_error *err)
{
    const sk_table *table = encoder->table;
    if (encoder->dataset->features > 0)
        return SK_OK;
    const char *target_name = sk_table_column_name(table, target);
    if (plan_count == 0) {
        return sk_error_set(err, SK_ERR_INPUT,
                            "The file has no column besides the target '%s'%s, so there is "
                            "nothing to learn from. Add feature columns.",
                            target_name, encoder->variant->other_columns);
    }

    char names[SK_ERROR_MAX / 2];
    skd_list list;
    skd_list_start(&list, names, sizeof names);
    char name[SKD_EXCERPT_MAX + 4];
    char item[sizeof name + 2];
    for (size_t p = 0; p < plan_count && p < LIST_ITEMS_MAX; p++) {
        const char *column = sk_table_column_name(table, plans[p].column);
        skd_line_excerpt(name, column, strlen(column));
        snprintf(item, sizeof item, "'%s'", name);
        if (!skd_list_add(&list, item))
            break;
    }
    skd_list_finish(&list, plan_count, false);
    return sk_error_set(err, SK_ERR_INPUT,
                        "No feature column is left besides the target '%s': %s %s dropped "
                        "as empty, constant, or text with more than %zu distinct values. "
                        "The file needs a column of numbers or of text with few distinct "
                        "values; --target may name the wrong column.",
                        target_name, names, plan_count == 1 ? "was" : "were",
                        encoder->max_categories);
}

/* ---- encoding ----------------------------------------------------------- */

static int find_category(const skd_column_plan *plan, const char *value, size_t *index)
{
    const char **found = bsearch(&value, plan->categories, plan->category_count,
                                 sizeof *plan->categories, compare_texts);
    if (found == NULL)
        return 0;
    *index = (size_t)(found - plan->categories);
    return 1;
}

void skd_encode_row(const sk_table *table, const skd_column_plan *plans, size_t plan_count,
                    size_t row, double *out)
{
    for (size_t p = 0; p < plan_count; p++) {
        const skd_column_plan *plan = &plans[p];
        const char *cell = row == SKD_NO_ROW ? NULL : sk_table_cell(table, row, plan->column);
        size_t f = plan->first_feature;

        if (plan->emit_values && plan->numeric) {
            double value;
            /* A missing value gets the training mean, which standardises to 0. */
            if (cell != NULL && sk_parse_double(cell, &value))
                out[f] = (value - plan->mean) / plan->sd;
            f++;
        } else if (plan->emit_values) {
            size_t category;
            /* Missing values and values unseen in training stay all zeros. */
            if (cell != NULL && find_category(plan, cell, &category))
                out[f + category] = 1.0;
            f += plan->category_count;
        }
        if (plan->emit_missing)
            out[f] = cell == NULL ? 1.0 : 0.0;
    }
}

void skd_free_plans(skd_column_plan *plans, size_t plan_count)
{
    if (plans != NULL) {
        for (size_t p = 0; p < plan_count; p++)
            free(plans[p].categories);
    }
    free(plans);
}
