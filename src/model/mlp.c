/*
 * mlp.c - multilayer perceptron: 1 to 3 dense hidden layers of the same
 * width, each followed by ReLU or tanh and, in training mode, inverted
 * dropout.  One output unit after them computes the logit.
 *
 *   a_l = u_(l-1) W_l^T + b_l      [batch][hidden], u_(-1) = x
 *   h_l = act(a_l)
 *   u_l = h_l * mask_l             (u_l = h_l without dropout)
 *   logit = u_(L-1) w_out + b_out  [batch]
 *
 * Parameter layout, layer by layer: W_l [hidden][in_l] row-major (the
 * layout of PyTorch's nn.Linear weight), b_l [hidden]; then w_out [hidden]
 * and b_out, the last parameter.  in_0 is the input width (steps *
 * features) and in_l = hidden after that.
 */
#include "model_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    double *h[SK_MODEL_MLP_MAX_LAYERS];       /* [max_batch][hidden] activations */
    double *mask[SK_MODEL_MLP_MAX_LAYERS];    /* [max_batch][hidden], NULL without dropout */
    double *dropped[SK_MODEL_MLP_MAX_LAYERS]; /* h * mask, NULL without dropout */
    double *delta;        /* [max_batch][hidden] d(loss)/d(a_l) */
    double *d_out;        /* [max_batch][hidden] d(loss)/d(u_l) */
    bool dropout_used;    /* the latest forward pass applied dropout */
} mlp_workspace;

/* Returns the columns of layer l's input. */
static size_t mlp_layer_input(const sk_model *model, size_t l)
{
    return l == 0 ? model->features : model->config.hidden;
}

/* Returns the offset in params of W_l; b_l follows it.  With
 * l == layers, returns the offset of w_out. */
static size_t mlp_layer_offset(const sk_model *model, size_t l)
{
    size_t hidden = model->config.hidden;
    size_t offset = 0;

    for (size_t k = 0; k < l; k++)
        offset += hidden * mlp_layer_input(model, k) + hidden;
    return offset;
}

static size_t mlp_param_count(const sk_model *model)
{
    return mlp_layer_offset(model, model->config.layers) + model->config.hidden + 1;
}

static size_t mlp_output_bias_index(const sk_model *model)
{
    return model->param_count - 1;
}

static void mlp_free_workspace(sk_model *model)
{
    mlp_workspace *ws = model->workspace;
    if (ws == NULL)
        return;
    for (size_t l = 0; l < SK_MODEL_MLP_MAX_LAYERS; l++) {
        free(ws->h[l]);
        free(ws->mask[l]);
        free(ws->dropped[l]);
    }
    free(ws->delta);
    free(ws->d_out);
    free(ws);
    model->workspace = NULL;
}

static sk_status mlp_alloc_workspace(sk_model *model, sk_error *err)
{
    size_t cells = model->max_batch * model->config.hidden;
    bool dropout = model->config.dropout > 0.0;
    bool ok = true;

    mlp_workspace *ws = calloc(1, sizeof *ws);
    model->workspace = ws;
    if (ws == NULL)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory creating the MLP");
    for (size_t l = 0; l < model->config.layers; l++) {
        ws->h[l] = sk_calloc(cells, sizeof(double));
        ok = ok && ws->h[l] != NULL;
        if (dropout) {
            ws->mask[l] = sk_calloc(cells, sizeof(double));
            ws->dropped[l] = sk_calloc(cells, sizeof(double));
            ok = ok && ws->mask[l] != NULL && ws->dropped[l] != NULL;
        }
    }
    ws->delta = sk_calloc(cells, sizeof(double));
    ws->d_out = sk_calloc(cells, sizeof(double));
    if (!ok || ws->delta == NULL || ws->d_out == NULL)
        return sk_error_set(err, SK_ERR_NOMEM,
                            "out of memory allocating MLP activations for batches of %zu rows",
                            model->max_batch);
    return SK_OK;
}

/* Glorot uniform weights, zero biases. */
static sk_status mlp_init(sk_model *model, gsl_rng *rng, sk_error *err)
{
    size_t hidden = model->config.hidden;

    for (size_t l = 0; l < model->config.layers; l++) {
        size_t in = mlp_layer_input(model, l);
        size_t offset = mlp_layer_offset(model, l);
        sk_model_glorot_uniform(model->params + offset, hidden * in, in, hidden, rng);
        memset(model->weight_mask + offset, 1, hidden * in);
    }
    size_t out = mlp_layer_offset(model, model->config.layers);
    sk_model_glorot_uniform(model->params + out, hidden, hidden, 1, rng);
    memset(model->weight_mask + out, 1, hidden);

    return mlp_alloc_workspace(model, err);
}

/* Returns layer l's output u_l [batch][hidden] from the latest forward. */
static const double *mlp_layer_output(const sk_model *model, size_t l)
{
    const mlp_workspace *ws = model->workspace;
    return ws->dropout_used ? ws->dropped[l] : ws->h[l];
}

/* Returns a view of layer l's input: x for layer 0, else u_(l-1).  The
 * return type is the struct that GSL's gsl_matrix_const_view typedef adds
 * const to, because a const-qualified return type draws a warning. */
static _gsl_matrix_const_view mlp_input_view(const sk_model *model, const gsl_matrix *x,
                                            size_t l)
{
    if (l == 0)
        return gsl_matrix_const_submatrix(x, 0, 0, x->size1, x->size2);
    return gsl_matrix_const_view_array(mlp_layer_output(model, l - 1), x->size1,
                                       model->config.hidden);
}

/* Applies the activation in place to n values. */
static void mlp_activate(sk_activation activation, double *values, size_t n)
{
    if (activation == SK_ACTIVATION_RELU) {
        for (size_t i = 0; i < n; i++)
            values[i] = values[i] > 0.0 ? values[i] : 0.0;
    } else {
        for (size_t i = 0; i < n; i++)
            values[i] = tanh(values[i]);
    }
}

/* Multiplies delta [n] by act'(a), written in terms of h = act(a):
 * 1 - h^2 for tanh, [h > 0] for ReLU (0 at the kink). */
static void mlp_activation_backward(sk_activation activation, const double *h,
                                    double *delta, size_t n)
{
    if (activation == SK_ACTIVATION_RELU) {
        for (size_t i = 0; i < n; i++)
            delta[i] = h[i] > 0.0 ? delta[i] : 0.0;
    } else {
        for (size_t i = 0; i < n; i++)
            delta[i] *= 1.0 - h[i] * h[i];
    }
}

/* h_l = act(input W_l^T + b_l), then dropout into u_l. */
static sk_status mlp_layer_forward(sk_model *model, size_t l, const gsl_matrix *input)
{
    mlp_workspace *ws = model->workspace;
    size_t batch = input->size1, in = input->size2, hidden = model->config.hidden;
    const double *w = model->params + mlp_layer_offset(model, l);
    const double *b = w + hidden * in;
    gsl_matrix_const_view wv = gsl_matrix_const_view_array(w, hidden, in);
    gsl_matrix_view hv = gsl_matrix_view_array(ws->h[l], batch, hidden);

    for (size_t i = 0; i < batch; i++)
        memcpy(ws->h[l] + i * hidden, b, hidden * sizeof *b);
    if (gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, input, &wv.matrix, 1.0,
                       &hv.matrix) != GSL_SUCCESS)
        return SK_ERR_NUMERIC;
    mlp_activate(model->config.activation, ws->h[l], batch * hidden);

    if (ws->dropout_used) {
        sk_model_dropout_mask(model, ws->mask[l], batch * hidden);
        for (size_t i = 0; i < batch * hidden; i++)
            ws->dropped[l][i] = ws->h[l][i] * ws->mask[l][i];
    }
    return SK_OK;
}

static sk_status mlp_forward(sk_model *model, const gsl_matrix *x, gsl_vector *logits)
{
    mlp_workspace *ws = model->workspace;
    size_t batch = x->size1, hidden = model->config.hidden, layers = model->config.layers;

    ws->dropout_used = sk_model_dropout_active(model);
    for (size_t l = 0; l < layers; l++) {
        gsl_matrix_const_view input = mlp_input_view(model, x, l);
        sk_status status = mlp_layer_forward(model, l, &input.matrix);
        if (status != SK_OK)
            return status;
    }

    size_t out = mlp_layer_offset(model, layers);
    gsl_matrix_const_view top = gsl_matrix_const_view_array(mlp_layer_output(model, layers - 1),
                                                            batch, hidden);
    gsl_vector_const_view w_out = gsl_vector_const_view_array(model->params + out, hidden);
    gsl_vector_set_all(logits, model->params[out + hidden]);
    if (gsl_blas_dgemv(CblasNoTrans, 1.0, &top.matrix, &w_out.vector, 1.0, logits)
        != GSL_SUCCESS)
        return SK_ERR_NUMERIC;
    return SK_OK;
}

/* From ws->d_out = d(loss)/d(u_l), writes the gradients of W_l and b_l and,
 * for l > 0, d(loss)/d(u_(l-1)) into ws->d_out. */
static sk_status mlp_layer_backward(sk_model *model, size_t l, const gsl_matrix *input,
                                    double *grad)
{
    mlp_workspace *ws = model->workspace;
    size_t batch = input->size1, in = input->size2, hidden = model->config.hidden;
    size_t cells = batch * hidden;
    size_t offset = mlp_layer_offset(model, l);

    /* delta = d(loss)/d(a_l) = d_out * mask * act'(a_l) */
    for (size_t i = 0; i < cells; i++)
        ws->delta[i] = ws->dropout_used ? ws->d_out[i] * ws->mask[l][i] : ws->d_out[i];
    mlp_activation_backward(model->config.activation, ws->h[l], ws->delta, cells);

    gsl_matrix_const_view delta = gsl_matrix_const_view_array(ws->delta, batch, hidden);
    gsl_matrix_view grad_w = gsl_matrix_view_array(grad + offset, hidden, in);
    if (gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, &delta.matrix, input, 0.0,
                       &grad_w.matrix) != GSL_SUCCESS)
        return SK_ERR_NUMERIC;
    double *grad_b = grad + offset + hidden * in;
    for (size_t i = 0; i < batch; i++) {
        for (size_t j = 0; j < hidden; j++)
            grad_b[j] += ws->delta[i * hidden + j];
    }

    if (l == 0)
        return SK_OK;
    return sk_model_gemm(CblasNoTrans, CblasNoTrans, batch, hidden, hidden, 1.0, ws->delta,
                         model->params + offset, 0.0, ws->d_out);
}

static sk_status mlp_backward(sk_model *model, const gsl_matrix *x,
                              const gsl_vector *dlogits, double *grad)
{
    mlp_workspace *ws = model->workspace;
    size_t batch = x->size1, hidden = model->config.hidden, layers = model->config.layers;
    size_t out = mlp_layer_offset(model, layers);
    const double *w_out = model->params + out;

    memset(grad, 0, model->param_count * sizeof *grad);

    /* Output unit: grad w_out = u^T dlogits, grad b_out = sum(dlogits),
     * d(loss)/d(u) = dlogits w_out^T. */
    gsl_matrix_const_view top = gsl_matrix_const_view_array(mlp_layer_output(model, layers - 1),
                                                            batch, hidden);
    gsl_vector_view grad_w_out = gsl_vector_view_array(grad + out, hidden);
    if (gsl_blas_dgemv(CblasTrans, 1.0, &top.matrix, dlogits, 0.0, &grad_w_out.vector)
        != GSL_SUCCESS)
        return SK_ERR_NUMERIC;
    for (size_t i = 0; i < batch; i++) {
        double dz = gsl_vector_get(dlogits, i);
        grad[out + hidden] += dz;
        for (size_t j = 0; j < hidden; j++)
            ws->d_out[i * hidden + j] = dz * w_out[j];
    }

    for (size_t l = layers; l-- > 0;) {
        gsl_matrix_const_view input = mlp_input_view(model, x, l);
        sk_status status = mlp_layer_backward(model, l, &input.matrix, grad);
        if (status != SK_OK)
            return status;
    }
    return SK_OK;
}

const sk_model_ops sk_model_mlp_ops = {
    .name = "MLP",
    .param_count = mlp_param_count,
    .init = mlp_init,
    .free_workspace = mlp_free_workspace,
    .forward = mlp_forward,
    .backward = mlp_backward,
    .output_bias_index = mlp_output_bias_index,
    .needs_rng = true,
};
