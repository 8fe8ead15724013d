/*
 * make_panel.c - writes the synthetic monthly panel sample_data/panel.csv.
 *
 * Usage: make-panel [--entities N | --full] [--seed N] [--output FILE]
 *
 * The panel imitates credit-card accounts observed monthly from 2013-01 to
 * 2016-09 (45 months).  Each account (entity E0001, E0002, ...) has fixed
 * traits (credit limit, usual utilisation, payment habit, interest rate),
 * a hidden stress level that follows an AR(1) process, and a season that
 * peaks in December.  The label `paid` is 0 when the account missed a
 * payment that month, and 1 otherwise.  A missed payment is driven by the
 * recent history of two features, the mean utilisation of the last 6
 * months and the mean payment ratio of the last 3, plus cash advances and
 * noise.  The months whose score lies above the MISSED_QUANTILE quantile of
 * all written months get label 0, so the minority share is 1 -
 * MISSED_QUANTILE (3.3 %) at any scale.  A sequence model can learn the
 * signal in the history; the current month alone shows part of it.
 *
 * Rows are written month by month, and entity by entity within a month,
 * as panel exports often are, so a reader must sort them per entity.
 * income_index is missing (NA) in about MISSING_SHARE of the rows.
 *
 * Every random draw comes from one gsl_rng (MT19937) seeded with --seed,
 * in a fixed order, so the same arguments write the same file.  Values are
 * printed with 1 to 3 decimals, so last-bit differences between libm
 * versions could change a printed digit only in a rare rounding tie.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#define FIRST_YEAR 2013
#define MONTHS 45              /* 2013-01 to 2016-09 */
#define HISTORY_MONTHS 6       /* simulated before 2013-01 so every month has a history */
#define DEFAULT_ENTITIES 300   /* 13,500 rows, about 0.8 MB: small enough to ship */
#define FULL_ENTITIES 3760     /* 169,200 rows, the scale of the panels skewtop is for */
#define MAX_ENTITIES 99999     /* ids are E plus up to 5 digits */
#define DEFAULT_SEED 2013

/* Share of months whose label is 1 (paid); the rest, 3.3 %, are missed. */
#define MISSED_QUANTILE 0.967

/* Share of rows whose income_index is missing. */
#define MISSING_SHARE 0.01

/* AR(1) coefficient and shock deviation of the hidden stress level:
 * stress persists for months, with a stationary deviation of about 0.85. */
#define STRESS_AR 0.85
#define STRESS_SHOCK_SD 0.45

/* Deviation of the noise in the missed-payment score.  It is about as
 * large as the spread of the signal, so the history predicts a missed
 * payment well but not perfectly. */
#define SCORE_NOISE_SD 0.9

/* Weights of the missed-payment score: the level of utilisation over the
 * last 6 months, its rise from months t-5..t-3 to t-2..t, the payment
 * ratio of the last 3 months, and this month's cash advances.  The rise
 * weighs most, and one month alone cannot show it. */
#define SCORE_LEVEL 1.0
#define SCORE_RISE 8.0
#define SCORE_PAYMENT 2.0
#define SCORE_CASH 0.25

/* Month index (0 = 2013-01) from which the interest rates rise by 0.25,
 * as after a central bank's rate rise. */
#define RATE_RISE_MONTH 35

typedef struct {
    double utilisation;
    double payment_ratio;
    double balance;
    double purchases;
    int cash_advances;
    double rate;
    int tenure;
    double income_index;    /* NAN when missing */
    double score;           /* missed-payment score; label 0 above the quantile */
} month_row;

typedef struct {
    size_t entities;
    unsigned long seed;
    const char *output;     /* NULL for standard output */
} panel_options;

static void usage(FILE *fp)
{
    fprintf(fp,
            "Usage: make-panel [--entities N | --full] [--seed N] [--output FILE]\n"
            "Writes a synthetic monthly panel (2013-01 to 2016-09) as CSV.\n"
            "  --entities N   accounts to simulate, 1 to %d (default %d)\n"
            "  --full         %d accounts (%d rows)\n"
            "  --seed N       seed of the random generator (default %d)\n"
            "  --output FILE  file to write (default standard output)\n",
            MAX_ENTITIES, DEFAULT_ENTITIES, FULL_ENTITIES, FULL_ENTITIES * MONTHS,
            DEFAULT_SEED);
}

/* Parses a whole decimal number into *value; returns 0 on failure. */
static int parse_count(const char *text, unsigned long *value)
{
    char *end;
    errno = 0;
    if (text == NULL || text[0] < '0' || text[0] > '9')
        return 0;
    *value = strtoul(text, &end, 10);
    return errno == 0 && *end == '\0';
}

/* Reads the arguments; returns 0 on success, 2 on invalid usage, and 1
 * after --help. */
static int parse_args(int argc, char **argv, panel_options *options)
{
    *options = (panel_options){ .entities = DEFAULT_ENTITIES, .seed = DEFAULT_SEED };
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned long number;
        if (strcmp(arg, "--help") == 0) {
            usage(stdout);
            return 1;
        } else if (strcmp(arg, "--full") == 0) {
            options->entities = FULL_ENTITIES;
        } else if (strcmp(arg, "--entities") == 0) {
            if (!parse_count(value, &number) || number < 1 || number > MAX_ENTITIES) {
                fprintf(stderr, "make-panel: --entities needs a whole number from 1 to %d, "
                        "not '%s'.\n", MAX_ENTITIES, value != NULL ? value : "");
                return 2;
            }
            options->entities = number;
            i++;
        } else if (strcmp(arg, "--seed") == 0) {
            if (!parse_count(value, &number)) {
                fprintf(stderr, "make-panel: --seed needs a whole number, not '%s'.\n",
                        value != NULL ? value : "");
                return 2;
            }
            options->seed = number;
            i++;
        } else if (strcmp(arg, "--output") == 0) {
            if (value == NULL) {
                fprintf(stderr, "make-panel: --output needs a file name.\n");
                return 2;
            }
            options->output = value;
            i++;
        } else {
            fprintf(stderr, "make-panel: unknown argument '%s'.\n", arg);
            usage(stderr);
            return 2;
        }
    }
    return 0;
}

static double clamp(double value, double low, double high)
{
    if (value < low)
        return low;
    if (value > high)
        return high;
    return value;
}

/* Returns the seasonal effect of a calendar month (1 to 12): +1 in
 * December, -1 in June. */
static double season(int month)
{
    return cos(2.0 * M_PI * (double)(month - 12) / 12.0);
}

/* Simulates one entity: rows[t] for t = 0 .. MONTHS - 1 (2013-01 on). */
static void simulate_entity(gsl_rng *rng, month_row *rows)
{
    /* Fixed traits. */
    double size = exp(gsl_ran_gaussian(rng, 0.5));
    double limit = 1000.0 * ceil(5.0 * size);
    double usual_utilisation = gsl_ran_beta(rng, 2.0, 5.0);
    double payment_habit = gsl_ran_beta(rng, 4.0, 6.0);
    double base_rate = 12.0 + 10.0 * gsl_ran_beta(rng, 2.0, 2.0);
    int tenure = 1 + (int)gsl_rng_uniform_int(rng, 120);
    double income = 100.0 * size;

    double stress = gsl_ran_gaussian(rng, STRESS_SHOCK_SD / sqrt(1.0 - STRESS_AR * STRESS_AR));
    double utilisation[HISTORY_MONTHS + MONTHS];
    double payment[HISTORY_MONTHS + MONTHS];

    for (int t = -HISTORY_MONTHS; t < MONTHS; t++) {
        int h = t + HISTORY_MONTHS;
        int month = ((t % 12) + 12) % 12 + 1;
        double s = season(month);
        stress = STRESS_AR * stress + gsl_ran_gaussian(rng, STRESS_SHOCK_SD);

        utilisation[h] = clamp(usual_utilisation + 0.08 * stress + 0.03 * s
                               + gsl_ran_gaussian(rng, 0.03), 0.0, 1.0);
        payment[h] = clamp(payment_habit - 0.07 * stress + gsl_ran_gaussian(rng, 0.05),
                           0.0, 1.0);
        double purchases = 400.0 * size * exp(0.25 * s + gsl_ran_gaussian(rng, 0.3));
        int cash = (int)gsl_ran_poisson(rng, exp(-2.2 + 0.7 * stress));
        double income_noise = gsl_ran_gaussian(rng, 0.02);
        int missing = gsl_rng_uniform(rng) < MISSING_SHARE;
        double noise = gsl_ran_gaussian(rng, SCORE_NOISE_SD);
        if (t < 0)
            continue;

        /* Means over the last 3 months and the 3 before them. */
        double recent_utilisation = 0.0, earlier_utilisation = 0.0, recent_payment = 0.0;
        for (int k = 0; k < 3; k++) {
            recent_utilisation += utilisation[h - k] / 3.0;
            earlier_utilisation += utilisation[h - 3 - k] / 3.0;
            recent_payment += payment[h - k] / 3.0;
        }

        month_row *row = &rows[t];
        row->utilisation = utilisation[h];
        row->payment_ratio = payment[h];
        row->balance = limit * utilisation[h];
        row->purchases = purchases;
        row->cash_advances = cash;
        row->rate = base_rate + (t >= RATE_RISE_MONTH ? 0.25 : 0.0);
        row->tenure = tenure + t;
        row->income_index = missing ? NAN : income * (1.0 + income_noise);
        row->score = SCORE_LEVEL * (recent_utilisation + earlier_utilisation - 0.6)
                     + SCORE_RISE * (recent_utilisation - earlier_utilisation)
                     - SCORE_PAYMENT * (recent_payment - 0.4) + SCORE_CASH * cash + noise;
    }
}

/* Returns the score above which a month is a missed payment. */
static double missed_threshold(const month_row *rows, size_t count)
{
    double *scores = malloc(count * sizeof *scores);
    if (scores == NULL)
        return NAN;
    for (size_t i = 0; i < count; i++)
        scores[i] = rows[i].score;
    gsl_sort(scores, 1, count);
    double threshold = gsl_stats_quantile_from_sorted_data(scores, 1, count, MISSED_QUANTILE);
    free(scores);
    return threshold;
}

static int write_panel(FILE *fp, const month_row *rows, size_t entities, double threshold)
{
    fprintf(fp, "month,entity,balance,utilisation,payment_ratio,purchases,cash_advances,"
                "rate,tenure,income_index,paid\n");
    for (int t = 0; t < MONTHS; t++) {
        int year = FIRST_YEAR + t / 12;
        int month = t % 12 + 1;
        for (size_t e = 0; e < entities; e++) {
            const month_row *row = &rows[e * MONTHS + (size_t)t];
            char income[32] = "NA";
            if (!isnan(row->income_index))
                snprintf(income, sizeof income, "%.1f", row->income_index);
            fprintf(fp, "%04d-%02d,E%04zu,%.2f,%.3f,%.3f,%.2f,%d,%.2f,%d,%s,%d\n",
                    year, month, e + 1, row->balance, row->utilisation,
                    row->payment_ratio, row->purchases, row->cash_advances, row->rate,
                    row->tenure, income, row->score > threshold ? 0 : 1);
        }
    }
    return ferror(fp) ? -1 : 0;
}

int main(int argc, char **argv)
{
    panel_options options;
    int parsed = parse_args(argc, argv, &options);
    if (parsed != 0)
        return parsed == 1 ? 0 : 2;
    gsl_set_error_handler_off();

    size_t count = options.entities * MONTHS;
    month_row *rows = calloc(count, sizeof *rows);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (rows == NULL || rng == NULL) {
        fprintf(stderr, "make-panel: out of memory.\n");
        return 1;
    }
    gsl_rng_set(rng, options.seed);
    for (size_t e = 0; e < options.entities; e++)
        simulate_entity(rng, &rows[e * MONTHS]);
    double threshold = missed_threshold(rows, count);

    FILE *fp = options.output != NULL ? fopen(options.output, "w") : stdout;
    if (fp == NULL) {
        fprintf(stderr, "make-panel: cannot open '%s': %s.\n", options.output,
                strerror(errno));
        return 1;
    }
    int status = isnan(threshold) ? -1 : write_panel(fp, rows, options.entities, threshold);
    if (fp != stdout && fclose(fp) != 0)
        status = -1;
    if (status != 0)
        fprintf(stderr, "make-panel: writing the panel failed.\n");
    gsl_rng_free(rng);
    free(rows);
    return status == 0 ? 0 : 1;
}
