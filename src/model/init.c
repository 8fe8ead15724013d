/*
 * init.c - initial weights shared by the MLP and the recurrent families:
 * Glorot uniform for weights applied to inputs, orthogonal for recurrent
 * weights.  These are Keras's defaults for Dense, LSTM and GRU layers.
 */
#include "model_internal.h"

#include <math.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>

void sk_model_glorot_uniform(double *w, size_t count, size_t fan_in,
                             size_t fan_out, gsl_rng *rng)
{
    double limit = sqrt(6.0 / (double)(fan_in + fan_out));

    for (size_t i = 0; i < count; i++)
        w[i] = gsl_ran_flat(rng, -limit, limit);
}

/* Frees the GSL objects of sk_model_orthogonal(); accepts NULL. */
static void free_qr(gsl_matrix *a, gsl_vector *tau, gsl_matrix *q, gsl_matrix *r)
{
    if (a != NULL)
        gsl_matrix_free(a);
    if (tau != NULL)
        gsl_vector_free(tau);
    if (q != NULL)
        gsl_matrix_free(q);
    if (r != NULL)
        gsl_matrix_free(r);
}

sk_status sk_model_orthogonal(double *w, size_t rows, size_t cols, gsl_rng *rng,
                              sk_error *err)
{
    gsl_matrix *a = gsl_matrix_alloc(rows, cols);
    gsl_vector *tau = gsl_vector_alloc(cols);
    gsl_matrix *q = gsl_matrix_alloc(rows, rows);
    gsl_matrix *r = gsl_matrix_alloc(rows, cols);
    if (a == NULL || tau == NULL || q == NULL || r == NULL) {
        free_qr(a, tau, q, r);
        return sk_error_set(err, SK_ERR_NOMEM,
                            "out of memory drawing an orthogonal %zu x %zu matrix", rows, cols);
    }

    for (size_t i = 0; i < rows; i++) {
        for (size_t j = 0; j < cols; j++)
            gsl_matrix_set(a, i, j, gsl_ran_gaussian(rng, 1.0));
    }
    int gsl_status = gsl_linalg_QR_decomp(a, tau);
    if (gsl_status == GSL_SUCCESS)
        gsl_status = gsl_linalg_QR_unpack(a, tau, q, r);
    if (gsl_status != GSL_SUCCESS) {
        free_qr(a, tau, q, r);
        return sk_error_set(err, SK_ERR_NUMERIC,
                            "the QR decomposition for an orthogonal %zu x %zu matrix "
                            "failed: %s", rows, cols, gsl_strerror(gsl_status));
    }

    /* Q's column signs depend on the QR algorithm.  Multiplying column j by
     * sign(R_jj) gives the unique Q whose R has a positive diagonal, and
     * that Q is uniformly (Haar) distributed. */
    for (size_t j = 0; j < cols; j++) {
        double sign = gsl_matrix_get(r, j, j) < 0.0 ? -1.0 : 1.0;
        for (size_t i = 0; i < rows; i++)
            w[i * cols + j] = sign * gsl_matrix_get(q, i, j);
    }
    free_qr(a, tau, q, r);
    return SK_OK;
}
