/*
 * predictions_bins.c - binned mode of the prediction reader: what it does
 * with the rows beyond the exact limit.
 *
 * Per score column, a grid of GRID_BINS equal-width bins whose
 * width is a power of two, 2^exponent, and whose bin b covers global bin
 * first + b, that is [(first + b) 2^e, (first + b + 1) 2^e).  The global
 * bin of a score is floor(ldexp(score, -e)), exact in floating point, so the
 * binning is monotone in the score and equal scores share a bin.  A score
 * outside the grid doubles the width (and moves first) until it fits;
 * adjacent bins then merge pairwise, so the counts stay exact.  Each bin
 * keeps its count per label group and its lowest and highest score; at the
 * end the bins become sk_score_bins, ready for sk_sweep_new_binned().
 */
#include "predictions_internal.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Label groups kept apart in binned mode: one bin array (2 MB) each. */
#define MAX_BINNED_CLASSES 16

/* Width of the first grid, relative to the score, when every score read so
 * far is the same: fine enough to keep close scores apart, and a later
 * score farther away costs one doubling per factor of two. */
#define EQUAL_SCORES_WIDTH 0x1p-20

/* Largest global bin index; beyond it floor() and int64_t lose integers.
 * Scores spread by less than 2^-44 of their size hit it. */
#define GRID_INDEX_MAX 0x1p62

/* ---- binned mode ------------------------------------------------------------ */

/* Floor of a / 2^shift for any sign of a. */
static int64_t floor_shift(int64_t a, int shift)
{
    if (shift >= 63)
        return a < 0 ? -1 : 0;
    return a >= 0 ? a >> shift : -((-(a + 1)) >> shift) - 1;
}

/* Returns the global bin of score at width 2^exponent in *global, or
 * false when it lies beyond GRID_INDEX_MAX. */
static bool global_bin(double score, int exponent, int64_t *global)
{
    double index = floor(ldexp(score, -exponent));
    if (!(fabs(index) < GRID_INDEX_MAX))
        return false;
    *global = (int64_t)index;
    return true;
}

static sk_status grid_out_of_range(const predictions_reader *reader, size_t index)
{
    return sk_error_set(reader->err, SK_ERR_INPUT,
                        "The scores in column '%s' lie too close together for their size "
                        "(more than 2^44 times their spread) to be binned. Read the file "
                        "with --exact, or shift the scores towards 0.",
                        reader->result->score_names[index]);
}

/* Merges bins after the width grew by 2^shift: old bin i moves to new bin
 * floor((old_first + i) / 2^shift) - new_first.  New indexes never exceed
 * old ones when growing upwards and never fall below them when growing
 * downwards, so the move runs in place in that direction. */
static void grid_merge(score_grid *grid, int64_t old_first, int shift, bool upwards)
{
    int64_t new_first = grid->first;
    for (int64_t step = 0; step < GRID_BINS; step++) {
        int64_t i = upwards ? step : GRID_BINS - 1 - step;
        int64_t j = floor_shift(old_first + i, shift) - new_first;
        if (j == i)
            continue;
        grid->low[j] = fmin(grid->low[j], grid->low[i]);
        grid->high[j] = fmax(grid->high[j], grid->high[i]);
        grid->low[i] = INFINITY;
        grid->high[i] = -INFINITY;
        for (size_t g = 0; g < grid->groups; g++) {
            grid->counts[g][j] += grid->counts[g][i];
            grid->counts[g][i] = 0;
        }
    }
}

/*
 * Doubles the bin width until `score` fits in the grid.  Growing upwards
 * keeps the grid's lower end; growing downwards keeps the upper end.  After
 * a doubling the observed range covers at least a quarter of the grid.  The
 * score that caused it lies in the far half of the new grid.  The data's
 * other end lies within a quarter of the grid from the kept end, because
 * grid_start() and every earlier doubling left it there.  A simulation of
 * random and adversarial sequences agreed.  Its worst case, a quarter plus
 * one bin, is a first range just over a quarter of the grid followed by a
 * score just below it (test_binned_resolution_worst_case).
 */
static sk_status grid_extend(predictions_reader *reader, size_t index, double score)
{
    score_grid *grid = &reader->grids[index];
    int64_t old_first = grid->first;
    int shift = 0;
    bool upwards = false;
    for (;;) {
        /* A score whose global bin is beyond GRID_INDEX_MAX lies far outside
         * the grid, which stays within it. */
        int64_t global;
        if (global_bin(score, grid->exponent, &global)) {
            int64_t bin = global - grid->first;
            if (bin >= 0 && bin < GRID_BINS)
                break;
            upwards = bin >= GRID_BINS;
        } else {
            upwards = score > 0.0;
        }

        /* Doublings only move the grid; the bins merge once at the end. */
        grid->exponent++;
        shift++;
        if (upwards)
            grid->first = floor_shift(grid->first, 1);
        else
            grid->first = floor_shift(grid->first + GRID_BINS - 1, 1) - GRID_BINS + 1;
        if (fabs((double)grid->first) + (double)GRID_BINS >= GRID_INDEX_MAX)
            return grid_out_of_range(reader, index);
    }
    if (shift > 0)
        grid_merge(grid, old_first, shift, upwards);
    return SK_OK;
}

/* Returns the label group whose bins hold rows of code, or SIZE_MAX for
 * rows that need none: without --positive, a third class makes the file
 * invalid anyway, so its rows are counted only.  Fails with *status set
 * when one-vs-rest has more classes than binned mode keeps apart. */
static size_t group_of(predictions_reader *reader, size_t code, sk_status *status)
{
    *status = SK_OK;
    if (reader->options->positive == NULL)
        return code < 2 ? code : SIZE_MAX;
    if (code < MAX_BINNED_CLASSES)
        return code;
    *status = sk_error_set(reader->err, SK_ERR_INPUT,
                           "Column '%s' has more than %d classes in a file of more than "
                           "%zu rows, more than binned reading keeps apart. Read it with "
                           "--exact (memory grows with the rows), or merge the classes "
                           "other than '%s' before reading.",
                           reader->result->label_name, MAX_BINNED_CLASSES,
                           reader->exact_limit, reader->options->positive);
    return SIZE_MAX;
}

/* Gives one grid bins for label groups up to `group`. */
static int grid_reserve_group(score_grid *grid, size_t group)
{
    while (grid->groups <= group) {
        uint32_t **counts = sk_reallocarray(grid->counts, grid->groups + 1, sizeof *counts);
        if (counts == NULL)
            return -1;
        grid->counts = counts;
        group_sums *sums = sk_reallocarray(grid->sums, grid->groups + 1, sizeof *sums);
        if (sums == NULL)
            return -1;
        grid->sums = sums;
        grid->counts[grid->groups] = sk_calloc((size_t)GRID_BINS, sizeof **grid->counts);
        if (grid->counts[grid->groups] == NULL)
            return -1;
        memset(&grid->sums[grid->groups], 0, sizeof grid->sums[grid->groups]);
        grid->groups++;
    }
    return 0;
}

/* Gives every grid bins for label groups up to `group`. */
static sk_status reserve_group(predictions_reader *reader, size_t group)
{
    for (size_t i = 0; i < reader->result->score_columns; i++) {
        if (grid_reserve_group(&reader->grids[i], group) != 0)
            return skp_out_of_memory(reader);
    }
    return SK_OK;
}

/* Adds one raw score of a label group to the log loss and Brier sums, as
 * sk_log_loss() and sk_brier() compute them. */
static void add_to_sums(group_sums *sums, double p)
{
    const double eps = DBL_EPSILON;
    double clipped = fmin(fmax(p, eps), 1.0 - eps);
    double q = 1.0 - clipped;
    double row_sum = q + clipped;
    sk_sum_add(&sums->loss_as_score_of, -log(clipped / row_sum));
    sk_sum_add(&sums->loss_as_other, -log(q / row_sum));
    sk_sum_add(&sums->brier_as_score_of, (1.0 - p) * (1.0 - p));
    sk_sum_add(&sums->brier_as_other, p * p);
}

/* Adds one score of score column `index` to its grid. */
static sk_status grid_add(predictions_reader *reader, size_t index, size_t group,
                          double score)
{
    score_grid *grid = &reader->grids[index];
    sk_status status = grid_extend(reader, index, score);
    if (status != SK_OK)
        return status;
    int64_t global = grid->first;
    global_bin(score, grid->exponent, &global); /* in range: grid_extend() checked */
    size_t bin = (size_t)(global - grid->first);
    if (score < grid->low[bin])
        grid->low[bin] = score;
    if (score > grid->high[bin])
        grid->high[bin] = score;
    if (group != SIZE_MAX) {
        grid->counts[group][bin]++;
        if (reader->ranges[index].probability)
            add_to_sums(&grid->sums[group], score);
    }

    grid->rows++;
    double delta = score - grid->mean;
    grid->mean += delta / (double)grid->rows;
    grid->squares += delta * (score - grid->mean);
    return SK_OK;
}

sk_status skp_bin_row(predictions_reader *reader, size_t code, size_t line)
{
    (void)line;
    sk_status status;
    size_t group = group_of(reader, code, &status);
    if (status != SK_OK)
        return status;
    if (group != SIZE_MAX && (status = reserve_group(reader, group)) != SK_OK)
        return status;
    for (size_t i = 0; i < reader->result->score_columns; i++) {
        status = grid_add(reader, i, group, reader->row_scores[i]);
        if (status != SK_OK)
            return status;
    }
    return SK_OK;
}

/*
 * Places the first grid over [min, max] of the rows so far.  The bin width
 * is the smallest power of two at which the range covers at most half the
 * bins, and a quarter of the bins stay free below it.  When every score so
 * far is equal, the grid is EQUAL_SCORES_WIDTH of the score wide and
 * centred on it.  Both choices keep the data's ends where grid_extend()
 * needs them.
 */
static sk_status grid_start(predictions_reader *reader, size_t index)
{
    score_grid *grid = &reader->grids[index];
    double min = reader->ranges[index].min;
    double max = reader->ranges[index].max;
    double span = max - min;
    bool equal = span == 0.0;
    if (equal)
        span = fmax(fabs(max), DBL_MIN) * EQUAL_SCORES_WIDTH;
    if (!isfinite(span))
        return grid_out_of_range(reader, index);

    /* width >= span / (GRID_BINS / 2) with width = 2^exponent. */
    int exponent;
    double mantissa = frexp(span / (double)(GRID_BINS / 2), &exponent);
    if (mantissa == 0.5)
        exponent--;
    grid->exponent = exponent;
    int64_t global;
    if (!global_bin(min, exponent, &global) || !global_bin(max, exponent, &global))
        return grid_out_of_range(reader, index);
    global_bin(min, exponent, &global);
    grid->first = global - (equal ? GRID_BINS / 2 : GRID_BINS / 4);

    grid->low = sk_calloc((size_t)GRID_BINS, sizeof *grid->low);
    grid->high = sk_calloc((size_t)GRID_BINS, sizeof *grid->high);
    if (grid->low == NULL || grid->high == NULL)
        return skp_out_of_memory(reader);
    for (int64_t b = 0; b < GRID_BINS; b++) {
        grid->low[b] = INFINITY;
        grid->high[b] = -INFINITY;
    }
    return SK_OK;
}

sk_status skp_switch_to_bins(predictions_reader *reader)
{
    size_t columns = reader->result->score_columns;
    reader->grids = sk_calloc(columns, sizeof *reader->grids);
    if (reader->grids == NULL)
        return skp_out_of_memory(reader);
    sk_status status = SK_OK;
    for (size_t i = 0; i < columns && status == SK_OK; i++)
        status = grid_start(reader, i);

    /* The ranges above describe every kept row, so no doubling happens here,
     * but the probability flag of a column is final only for these rows:
     * sums are kept while it holds. */
    for (size_t r = 0; r < reader->rows && status == SK_OK; r++) {
        size_t code = skp_code_at(&reader->codes, r);
        size_t group = group_of(reader, code, &status);
        if (status == SK_OK && group != SIZE_MAX)
            status = reserve_group(reader, group);
        for (size_t i = 0; i < columns && status == SK_OK; i++)
            status = grid_add(reader, i, group, reader->values[i][r]);
    }
    if (status != SK_OK)
        return status;

    for (size_t i = 0; i < columns; i++) {
        free(reader->values[i]);
        reader->values[i] = NULL;
    }
    free(reader->codes.narrow);
    free(reader->codes.wide);
    reader->codes = (code_array){ 0 };
    reader->binned = true;
    return SK_OK;
}


/* True when the rows of label group g are of the class the raw scores are
 * the probability of. */
static bool group_is_score_of(const predictions_reader *reader, size_t group)
{
    return (group == reader->positive_code) != reader->result->flipped;
}

/* Fills the summary of a binned column from its sums. */
static void summarise_grid(const predictions_reader *reader, size_t index,
                           sk_score_summary *summary)
{
    const sk_predictions *result = reader->result;
    const score_grid *grid = &reader->grids[index];
    *summary = (sk_score_summary){ NAN, NAN, NAN, NAN };
    double n = (double)grid->rows;
    if (result->probability[index]) {
        sk_sum loss = { 0.0, 0.0 };
        sk_sum brier = { 0.0, 0.0 };
        for (size_t g = 0; g < grid->groups; g++) {
            const group_sums *sums = &grid->sums[g];
            bool score_of = group_is_score_of(reader, g);
            sk_sum_add(&loss, sk_sum_value(score_of ? &sums->loss_as_score_of : &sums->loss_as_other));
            sk_sum_add(&brier, sk_sum_value(score_of ? &sums->brier_as_score_of
                                               : &sums->brier_as_other));
        }
        summary->log_loss = sk_sum_value(&loss) / n;
        summary->brier = sk_sum_value(&brier) / n;
    }
    summary->mean = skp_orient(result, index, grid->mean);
    summary->sd = grid->rows > 1 ? sqrt(grid->squares / (n - 1.0)) : NAN;
}

/* Appends one bin to out, or merges it into the last one when their scores
 * touch (turning scores around can round two close scores to one). */
static void append_bin(sk_score_bins *out, double lowest, double highest, size_t negatives,
                       size_t positives, double *last_highest)
{
    if (out->bins > 0 && lowest <= *last_highest) {
        out->negatives[out->bins - 1] += negatives;
        out->positives[out->bins - 1] += positives;
        if (highest > *last_highest)
            *last_highest = highest;
        return;
    }
    out->lowest[out->bins] = lowest;
    out->negatives[out->bins] = negatives;
    out->positives[out->bins] = positives;
    out->bins++;
    *last_highest = highest;
}

sk_status skp_finish_grid(predictions_reader *reader, size_t index)
{
    sk_predictions *result = reader->result;
    const score_grid *grid = &reader->grids[index];
    sk_score_bins *out = &result->bins[index];
    size_t filled = 0;
    for (int64_t b = 0; b < GRID_BINS; b++)
        filled += grid->low[b] <= grid->high[b];
    out->lowest = sk_calloc(filled, sizeof *out->lowest);
    out->negatives = sk_calloc(filled, sizeof *out->negatives);
    out->positives = sk_calloc(filled, sizeof *out->positives);
    if (filled > 0 && (out->lowest == NULL || out->negatives == NULL || out->positives == NULL))
        return skp_out_of_memory(reader);

    /* Bins in increasing order of the oriented score: turned-around scores
     * run from the top bin down, and a bin's lowest oriented score is the
     * image of its highest raw score. */
    double last_highest = -INFINITY;
    for (int64_t step = 0; step < GRID_BINS; step++) {
        int64_t b = result->flipped ? GRID_BINS - 1 - step : step;
        if (!(grid->low[b] <= grid->high[b]))
            continue;
        size_t negatives = 0, positives = 0;
        for (size_t g = 0; g < grid->groups; g++) {
            if (g == reader->positive_code)
                positives += grid->counts[g][b];
            else
                negatives += grid->counts[g][b];
        }
        double lowest = skp_orient(result, index, result->flipped ? grid->high[b] : grid->low[b]);
        double highest = skp_orient(result, index, result->flipped ? grid->low[b] : grid->high[b]);
        append_bin(out, lowest, highest, negatives, positives, &last_highest);
    }
    out->max_score = last_highest;
    summarise_grid(reader, index, &result->summary[index]);
    return SK_OK;
}

