/*
 * recurrent.c - LSTM and GRU networks, many-to-one: 1 or 2 recurrent
 * layers run over the steps of each row, and one output unit reads the
 * last step's hidden state or all steps' states flattened.
 *
 * Cells.  With x_t the layer's input at step t, h_(t-1) its previous hidden
 * state (zero before step 0) and W_i*, W_h* the input and recurrent blocks
 * of one gate:
 *
 *   LSTM, gate order i, f, g, o as in PyTorch's nn.LSTM:
 *     i = sigmoid(W_ii x_t + W_hi h_(t-1) + b_i)
 *     f = sigmoid(W_if x_t + W_hf h_(t-1) + b_f)
 *     g = tanh(W_ig x_t + W_hg h_(t-1) + b_g)
 *     o = sigmoid(W_io x_t + W_ho h_(t-1) + b_o)
 *     c_t = f c_(t-1) + i g,  h_t = o tanh(c_t)
 *   GRU, gate order r, z, n, PyTorch's nn.GRU formula (Keras's GRU with
 *   reset_after=True computes the same):
 *     r = sigmoid(W_ir x_t + b_ir + W_hr h_(t-1) + b_hr)
 *     z = sigmoid(W_iz x_t + b_iz + W_hz h_(t-1) + b_hz)
 *     n = tanh(W_in x_t + b_in + r (W_hn h_(t-1) + b_hn))
 *     h_t = (1 - z) n + z h_(t-1)
 *
 * Parameter layout, layer by layer (G = 4 for LSTM, 3 for GRU; H hidden;
 * in = features for layer 0, H above it):
 *   W_ih [G*H][in] and W_hh [G*H][H], row-major with the gate blocks
 *   stacked in the order above: the layout of PyTorch's weight_ih_l<k>
 *   and weight_hh_l<k>.
 *   LSTM: one bias b [4H].  PyTorch keeps two, b_ih and b_hh, that only
 *   ever appear as their sum; b equals that sum, as Keras's single bias.
 *   GRU: b_ih [3H] and b_hh [3H] as in PyTorch, because b_hn sits inside
 *   the reset gate's product and cannot be merged into b_in.
 * Then w_out [R] and b_out, the last parameter, with R = H for the
 * last-step readout and R = steps * H, step-major, for the flattened one.
 *
 * Dropout (training mode only) multiplies each layer's output sequence by
 * an inverted-dropout mask before it reaches the next layer or the output
 * unit.  The recurrence itself always uses the undropped h_(t-1).
 *
 * Memory layout.  Per-step buffers are time-major, [steps][batch][width]
 * for the current batch, so the block of one step is a dense [batch][width]
 * matrix and the blocks of all steps form one dense [steps * batch][width]
 * matrix.  So each input-side product of a whole layer is one dgemm: x
 * W_ih^T forward, and the weight gradient and the gradient of the layer's
 * input backward.  Only the recurrent products go step by step.
 * Forward caches the gate activations (and c_t, tanh(c_t) for LSTM, and
 * W_hn h_(t-1) + b_hn for GRU) for backpropagation through time.
 */
#include "model_internal.h"

#include <stdlib.h>
#include <string.h>

#define LSTM_GATES 4
#define GRU_GATES 3

/* Offsets into params and cached activations of one recurrent layer. */
typedef struct {
    size_t input;        /* columns of x_t: features for layer 0, hidden above */
    size_t w_ih;         /* offset of W_ih [G*H][input] */
    size_t w_hh;         /* offset of W_hh [G*H][H] */
    size_t b_ih;         /* offset of LSTM's bias or GRU's b_ih [G*H] */
    size_t b_hh;         /* offset of GRU's b_hh [G*H]; LSTM: unused */
    double *gates;       /* [steps][batch][G*H] gate values after their nonlinearity */
    double *cell;        /* LSTM: [steps][batch][H] c_t; GRU: NULL */
    double *cell_tanh;   /* LSTM: [steps][batch][H] tanh(c_t); GRU: NULL */
    double *hidden_n;    /* GRU: [steps][batch][H] W_hn h_(t-1) + b_hn; LSTM: NULL */
    double *h;           /* [steps][batch][H] hidden states */
    double *mask;        /* [steps][batch][H] dropout mask; NULL without dropout */
    double *dropped;     /* [steps][batch][H] h * mask; NULL without dropout */
} rnn_layer;

typedef struct {
    size_t gates;        /* G */
    size_t w_out;        /* offset of w_out [readout_width] */
    size_t readout_width;
    rnn_layer layer[SK_MODEL_RECURRENT_MAX_LAYERS];
    double *x_steps;     /* [steps][batch][features] time-major copy of x */
    double *d_pre;       /* [steps][batch][G*H] d(loss)/d(pre-activations) */
    double *d_pre_h;     /* GRU: [steps][batch][G*H] d(loss)/d(W_hh h + b_hh); LSTM: NULL */
    double *dh;          /* [steps][batch][H] d(loss)/d(h_t) of the layer in backward */
    double *step_state;  /* [batch][G*H] of one step: GRU's W_hh h_(t-1) + b_hh,
                            or LSTM's d(loss)/d(c_t) in its first batch * H */
    bool dropout_used;   /* the latest forward pass applied dropout */
} rnn_workspace;

/* Dimensions of a pass over one batch. */
typedef struct {
    size_t batch, steps, hidden, gates;
} rnn_dims;

static rnn_dims rnn_dims_of(const sk_model *model, size_t batch)
{
    const rnn_workspace *ws = model->workspace;
    rnn_dims d = {batch, model->config.steps, model->config.hidden, ws->gates};
    return d;
}

static size_t rnn_gate_count(sk_model_kind kind)
{
    return kind == SK_MODEL_LSTM ? LSTM_GATES : GRU_GATES;
}

/*
 * Computes the parameter offsets of every layer into layers (when not
 * NULL), the output offset into *w_out and the readout width into
 * *readout_width, and returns the parameter count.
 */
static size_t rnn_layout(const sk_model *model, rnn_layer *layers, size_t *w_out,
                         size_t *readout_width)
{
    const sk_model_config *c = &model->config;
    size_t gh = rnn_gate_count(c->kind) * c->hidden;
    size_t offset = 0;

    for (size_t l = 0; l < c->layers; l++) {
        size_t input = l == 0 ? c->features : c->hidden;
        rnn_layer slot = {.input = input};
        slot.w_ih = offset;
        slot.w_hh = slot.w_ih + gh * input;
        slot.b_ih = slot.w_hh + gh * c->hidden;
        slot.b_hh = slot.b_ih + gh;
        offset = c->kind == SK_MODEL_LSTM ? slot.b_ih + gh : slot.b_hh + gh;
        if (layers != NULL)
            layers[l] = slot;
    }
    *w_out = offset;
    *readout_width = c->readout == SK_READOUT_LAST ? c->hidden : c->steps * c->hidden;
    return offset + *readout_width + 1;
}

static size_t rnn_param_count(const sk_model *model)
{
    size_t w_out, width;
    return rnn_layout(model, NULL, &w_out, &width);
}

static size_t rnn_output_bias_index(const sk_model *model)
{
    return model->param_count - 1;
}

static void rnn_free_workspace(sk_model *model)
{
    rnn_workspace *ws = model->workspace;
    if (ws == NULL)
        return;
    for (size_t l = 0; l < SK_MODEL_RECURRENT_MAX_LAYERS; l++) {
        rnn_layer *layer = &ws->layer[l];
        free(layer->gates);
        free(layer->cell);
        free(layer->cell_tanh);
        free(layer->hidden_n);
        free(layer->h);
        free(layer->mask);
        free(layer->dropped);
    }
    free(ws->x_steps);
    free(ws->d_pre);
    free(ws->d_pre_h);
    free(ws->dh);
    free(ws->step_state);
    free(ws);
    model->workspace = NULL;
}

/* Allocates the caches of one layer for rows = steps * max_batch. */
static bool rnn_alloc_layer(rnn_layer *layer, sk_model_kind kind, size_t rows, size_t hidden,
                            size_t gates, bool dropout)
{
    layer->gates = sk_calloc(rows * gates * hidden, sizeof(double));
    layer->h = sk_calloc(rows * hidden, sizeof(double));
    bool ok = layer->gates != NULL && layer->h != NULL;
    if (kind == SK_MODEL_LSTM) {
        layer->cell = sk_calloc(rows * hidden, sizeof(double));
        layer->cell_tanh = sk_calloc(rows * hidden, sizeof(double));
        ok = ok && layer->cell != NULL && layer->cell_tanh != NULL;
    } else {
        layer->hidden_n = sk_calloc(rows * hidden, sizeof(double));
        ok = ok && layer->hidden_n != NULL;
    }
    if (dropout) {
        layer->mask = sk_calloc(rows * hidden, sizeof(double));
        layer->dropped = sk_calloc(rows * hidden, sizeof(double));
        ok = ok && layer->mask != NULL && layer->dropped != NULL;
    }
    return ok;
}

static sk_status rnn_alloc_workspace(sk_model *model, sk_error *err)
{
    const sk_model_config *c = &model->config;
    size_t rows = c->steps * model->max_batch;

    rnn_workspace *ws = calloc(1, sizeof *ws);
    model->workspace = ws;
    if (ws == NULL)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory creating the %s model",
                            model->ops->name);
    ws->gates = rnn_gate_count(c->kind);
    rnn_layout(model, ws->layer, &ws->w_out, &ws->readout_width);

    size_t gh = ws->gates * c->hidden;
    bool ok = true;
    for (size_t l = 0; l < c->layers; l++)
        ok = ok && rnn_alloc_layer(&ws->layer[l], c->kind, rows, c->hidden, ws->gates,
                                   c->dropout > 0.0);
    ws->x_steps = sk_calloc(rows * c->features, sizeof(double));
    ws->d_pre = sk_calloc(rows * gh, sizeof(double));
    ws->dh = sk_calloc(rows * c->hidden, sizeof(double));
    ws->step_state = sk_calloc(model->max_batch * gh, sizeof(double));
    ok = ok && ws->x_steps != NULL && ws->d_pre != NULL && ws->dh != NULL
         && ws->step_state != NULL;
    if (c->kind == SK_MODEL_GRU) {
        ws->d_pre_h = sk_calloc(rows * gh, sizeof(double));
        ok = ok && ws->d_pre_h != NULL;
    }
    if (!ok)
        return sk_error_set(err, SK_ERR_NOMEM,
                            "out of memory allocating the %s caches for batches of %zu rows "
                            "of %zu steps", model->ops->name, model->max_batch, c->steps);
    return SK_OK;
}

/* Glorot uniform input and output weights, orthogonal recurrent weights,
 * zero biases except the LSTM forget gate's.  Those start at 1, as with
 * Keras's unit_forget_bias, so that the cell keeps its state early in
 * training. */
static sk_status rnn_init(sk_model *model, gsl_rng *rng, sk_error *err)
{
    sk_status status = rnn_alloc_workspace(model, err);
    if (status != SK_OK)
        return status;

    rnn_workspace *ws = model->workspace;
    size_t hidden = model->config.hidden, gh = ws->gates * hidden;
    for (size_t l = 0; l < model->config.layers; l++) {
        const rnn_layer *layer = &ws->layer[l];
        sk_model_glorot_uniform(model->params + layer->w_ih, gh * layer->input, layer->input,
                                gh, rng);
        status = sk_model_orthogonal(model->params + layer->w_hh, gh, hidden, rng, err);
        if (status != SK_OK)
            return status;
        memset(model->weight_mask + layer->w_ih, 1, gh * (layer->input + hidden));
        if (model->kind == SK_MODEL_LSTM) {
            for (size_t j = 0; j < hidden; j++)
                model->params[layer->b_ih + hidden + j] = 1.0;
        }
    }
    sk_model_glorot_uniform(model->params + ws->w_out, ws->readout_width, ws->readout_width,
                            1, rng);
    memset(model->weight_mask + ws->w_out, 1, ws->readout_width);
    return SK_OK;
}

/* Returns layer l's output sequence [steps][batch][H] of the latest
 * forward pass: h, or h * mask when dropout was applied. */
static const double *rnn_layer_output(const rnn_workspace *ws, size_t l)
{
    return ws->dropout_used ? ws->layer[l].dropped : ws->layer[l].h;
}

/* Returns layer l's input sequence [steps][batch][input]. */
static const double *rnn_layer_input(const rnn_workspace *ws, size_t l)
{
    return l == 0 ? ws->x_steps : rnn_layer_output(ws, l - 1);
}

/* Copies x [batch][steps * features], step-major, into x_steps
 * [steps][batch][features]. */
static void rnn_copy_input(rnn_workspace *ws, const gsl_matrix *x, size_t steps,
                           size_t features)
{
    size_t batch = x->size1;

    for (size_t b = 0; b < batch; b++) {
        const double *row = x->data + b * x->tda;
        for (size_t t = 0; t < steps; t++)
            memcpy(ws->x_steps + (t * batch + b) * features, row + t * features,
                   features * sizeof(double));
    }
}

/* Fills each of `rows` rows of out [rows][width] with bias [width]. */
static void fill_rows(double *out, const double *bias, size_t rows, size_t width)
{
    for (size_t i = 0; i < rows; i++)
        memcpy(out + i * width, bias, width * sizeof *bias);
}

/* Adds the column sums of m [rows][width] to sums [width]. */
static void add_column_sums(const double *m, size_t rows, size_t width, double *sums)
{
    for (size_t i = 0; i < rows; i++) {
        for (size_t j = 0; j < width; j++)
            sums[j] += m[i * width + j];
    }
}

/* ---- LSTM ------------------------------------------------------------------ */

/* Runs the LSTM recurrence of one layer whose gates already contain
 * x_t W_ih^T + b for every step; leaves gate values, c, tanh(c) and h. */
static sk_status lstm_steps(const sk_model *model, rnn_layer *layer, rnn_dims d)
{
    size_t H = d.hidden, gh = LSTM_GATES * H, block = d.batch * H;
    const double *w_hh = model->params + layer->w_hh;

    for (size_t t = 0; t < d.steps; t++) {
        double *gates = layer->gates + t * d.batch * gh;
        if (t > 0) {
            sk_status status = sk_model_gemm(CblasNoTrans, CblasTrans, d.batch, gh, H, 1.0,
                                             layer->h + (t - 1) * block, w_hh, 1.0, gates);
            if (status != SK_OK)
                return status;
        }
        const double *c_prev = t > 0 ? layer->cell + (t - 1) * block : NULL;
        double *c = layer->cell + t * block;
        double *tc = layer->cell_tanh + t * block;
        double *h = layer->h + t * block;

        for (size_t b = 0; b < d.batch; b++) {
            double *g_row = gates + b * gh;
            for (size_t j = 0; j < H; j++) {
                double i = sk_model_sigmoid(g_row[j]);
                double f = sk_model_sigmoid(g_row[H + j]);
                double g = tanh(g_row[2 * H + j]);
                double o = sk_model_sigmoid(g_row[3 * H + j]);
                size_t k = b * H + j;
                g_row[j] = i;
                g_row[H + j] = f;
                g_row[2 * H + j] = g;
                g_row[3 * H + j] = o;
                c[k] = i * g + (c_prev != NULL ? f * c_prev[k] : 0.0);
                tc[k] = tanh(c[k]);
                h[k] = o * tc[k];
            }
        }
    }
    return SK_OK;
}

/*
 * Backpropagation through time for one LSTM layer.  On entry ws->dh
 * contains d(loss)/d(h_t) from above for every step.  On return ws->d_pre
 * contains d(loss)/d(pre-activations) [steps][batch][4H], and ws->dh has
 * been used as scratch.  d(loss)/d(c_t) runs backwards in ws->step_state.
 */
static sk_status lstm_steps_backward(const sk_model *model, rnn_workspace *ws,
                                     const rnn_layer *layer, rnn_dims d)
{
    size_t H = d.hidden, gh = LSTM_GATES * H, block = d.batch * H;
    const double *w_hh = model->params + layer->w_hh;
    double *dc_next = ws->step_state;

    memset(dc_next, 0, block * sizeof *dc_next);
    for (size_t t = d.steps; t-- > 0;) {
        const double *gates = layer->gates + t * d.batch * gh;
        const double *c_prev = t > 0 ? layer->cell + (t - 1) * block : NULL;
        const double *tc = layer->cell_tanh + t * block;
        const double *dh = ws->dh + t * block;
        double *d_pre = ws->d_pre + t * d.batch * gh;

        for (size_t b = 0; b < d.batch; b++) {
            const double *g_row = gates + b * gh;
            double *d_row = d_pre + b * gh;
            for (size_t j = 0; j < H; j++) {
                size_t k = b * H + j;
                double i = g_row[j], f = g_row[H + j], g = g_row[2 * H + j];
                double o = g_row[3 * H + j];
                double d_o = dh[k] * tc[k];
                double d_c = dh[k] * o * (1.0 - tc[k] * tc[k]) + dc_next[k];
                double c_before = c_prev != NULL ? c_prev[k] : 0.0;
                d_row[j] = d_c * g * i * (1.0 - i);
                d_row[H + j] = d_c * c_before * f * (1.0 - f);
                d_row[2 * H + j] = d_c * i * (1.0 - g * g);
                d_row[3 * H + j] = d_o * o * (1.0 - o);
                dc_next[k] = d_c * f;
            }
        }
        /* d(loss)/d(h_(t-1)) += d_pre_t W_hh */
        if (t > 0) {
            sk_status status = sk_model_gemm(CblasNoTrans, CblasNoTrans, d.batch, H, gh, 1.0,
                                             d_pre, w_hh, 1.0, ws->dh + (t - 1) * block);
            if (status != SK_OK)
                return status;
        }
    }
    return SK_OK;
}

/* ---- GRU ------------------------------------------------------------------- */

/* Runs the GRU recurrence of one layer whose gates already contain
 * x_t W_ih^T + b_ih for every step; leaves r, z, n, W_hn h + b_hn and h. */
static sk_status gru_steps(const sk_model *model, rnn_workspace *ws, rnn_layer *layer,
                           rnn_dims d)
{
    size_t H = d.hidden, gh = GRU_GATES * H, block = d.batch * H;
    const double *w_hh = model->params + layer->w_hh;
    const double *b_hh = model->params + layer->b_hh;
    double *hidden_part = ws->step_state;   /* [batch][3H] W_hh h_(t-1) + b_hh */

    for (size_t t = 0; t < d.steps; t++) {
        double *gates = layer->gates + t * d.batch * gh;
        const double *h_prev = t > 0 ? layer->h + (t - 1) * block : NULL;
        double *hn = layer->hidden_n + t * block;
        double *h = layer->h + t * block;

        fill_rows(hidden_part, b_hh, d.batch, gh);
        if (t > 0) {
            sk_status status = sk_model_gemm(CblasNoTrans, CblasTrans, d.batch, gh, H, 1.0,
                                             h_prev, w_hh, 1.0, hidden_part);
            if (status != SK_OK)
                return status;
        }
        for (size_t b = 0; b < d.batch; b++) {
            double *g_row = gates + b * gh;
            const double *p_row = hidden_part + b * gh;
            for (size_t j = 0; j < H; j++) {
                size_t k = b * H + j;
                double r = sk_model_sigmoid(g_row[j] + p_row[j]);
                double z = sk_model_sigmoid(g_row[H + j] + p_row[H + j]);
                double n = tanh(g_row[2 * H + j] + r * p_row[2 * H + j]);
                g_row[j] = r;
                g_row[H + j] = z;
                g_row[2 * H + j] = n;
                hn[k] = p_row[2 * H + j];
                h[k] = (1.0 - z) * n + (h_prev != NULL ? z * h_prev[k] : 0.0);
            }
        }
    }
    return SK_OK;
}

/*
 * Backpropagation through time for one GRU layer.  On entry ws->dh
 * contains d(loss)/d(h_t) from above.  On return ws->d_pre contains the
 * gradient of the input-side pre-activations x W_ih^T + b_ih, and
 * ws->d_pre_h that of the hidden-side ones W_hh h + b_hh, both
 * [steps][batch][3H].  They differ
 * only in the n block, where the hidden side is multiplied by r.
 */
static sk_status gru_steps_backward(const sk_model *model, rnn_workspace *ws,
                                    const rnn_layer *layer, rnn_dims d)
{
    size_t H = d.hidden, gh = GRU_GATES * H, block = d.batch * H;
    const double *w_hh = model->params + layer->w_hh;

    for (size_t t = d.steps; t-- > 0;) {
        const double *gates = layer->gates + t * d.batch * gh;
        const double *hn = layer->hidden_n + t * block;
        const double *h_prev = t > 0 ? layer->h + (t - 1) * block : NULL;
        const double *dh = ws->dh + t * block;
        double *dh_prev = t > 0 ? ws->dh + (t - 1) * block : NULL;
        double *d_pre = ws->d_pre + t * d.batch * gh;
        double *d_pre_h = ws->d_pre_h + t * d.batch * gh;

        for (size_t b = 0; b < d.batch; b++) {
            const double *g_row = gates + b * gh;
            double *dx_row = d_pre + b * gh;
            double *dh_row = d_pre_h + b * gh;
            for (size_t j = 0; j < H; j++) {
                size_t k = b * H + j;
                double r = g_row[j], z = g_row[H + j], n = g_row[2 * H + j];
                double before = h_prev != NULL ? h_prev[k] : 0.0;
                double d_n = dh[k] * (1.0 - z) * (1.0 - n * n);
                double d_r = d_n * hn[k] * r * (1.0 - r);
                double d_z = dh[k] * (before - n) * z * (1.0 - z);
                dx_row[j] = d_r;
                dx_row[H + j] = d_z;
                dx_row[2 * H + j] = d_n;
                dh_row[j] = d_r;
                dh_row[H + j] = d_z;
                dh_row[2 * H + j] = d_n * r;
                if (dh_prev != NULL)
                    dh_prev[k] += dh[k] * z;
            }
        }
        /* d(loss)/d(h_(t-1)) += d_pre_h_t W_hh */
        if (t > 0) {
            sk_status status = sk_model_gemm(CblasNoTrans, CblasNoTrans, d.batch, H, gh, 1.0,
                                             d_pre_h, w_hh, 1.0, dh_prev);
            if (status != SK_OK)
                return status;
        }
    }
    return SK_OK;
}

/* ---- layers, readout and the passes ------------------------------------------ */

/* Runs layer l over all steps of the batch and, with dropout, draws its
 * output mask. */
static sk_status rnn_layer_forward(sk_model *model, size_t l, rnn_dims d)
{
    rnn_workspace *ws = model->workspace;
    rnn_layer *layer = &ws->layer[l];
    size_t rows = d.steps * d.batch, gh = d.gates * d.hidden;

    /* All steps' input-side pre-activations in one product. */
    fill_rows(layer->gates, model->params + layer->b_ih, rows, gh);
    sk_status status = sk_model_gemm(CblasNoTrans, CblasTrans, rows, gh, layer->input, 1.0,
                                     rnn_layer_input(ws, l), model->params + layer->w_ih,
                                     1.0, layer->gates);
    if (status != SK_OK)
        return status;
    status = model->kind == SK_MODEL_LSTM ? lstm_steps(model, layer, d)
                                          : gru_steps(model, ws, layer, d);
    if (status != SK_OK)
        return status;

    if (ws->dropout_used) {
        size_t cells = rows * d.hidden;
        sk_model_dropout_mask(model, layer->mask, cells);
        for (size_t i = 0; i < cells; i++)
            layer->dropped[i] = layer->h[i] * layer->mask[i];
    }
    return SK_OK;
}

/* logits = b_out + u_(T-1) w_out (last step), or
 * b_out + sum_t u_t w_out[t*H .. t*H+H-1] (flattened). */
static sk_status rnn_readout_forward(const sk_model *model, rnn_dims d, gsl_vector *logits)
{
    const rnn_workspace *ws = model->workspace;
    const double *top = rnn_layer_output(ws, model->config.layers - 1);
    const double *w_out = model->params + ws->w_out;
    size_t block = d.batch * d.hidden;
    bool flatten = model->config.readout == SK_READOUT_FLATTEN;

    gsl_vector_set_all(logits, model->params[ws->w_out + ws->readout_width]);
    for (size_t t = flatten ? 0 : d.steps - 1; t < d.steps; t++) {
        gsl_matrix_const_view u = gsl_matrix_const_view_array(top + t * block, d.batch,
                                                              d.hidden);
        gsl_vector_const_view w = gsl_vector_const_view_array(
            w_out + (flatten ? t * d.hidden : 0), d.hidden);
        if (gsl_blas_dgemv(CblasNoTrans, 1.0, &u.matrix, &w.vector, 1.0, logits)
            != GSL_SUCCESS)
            return SK_ERR_NUMERIC;
    }
    return SK_OK;
}

static sk_status rnn_forward(sk_model *model, const gsl_matrix *x, gsl_vector *logits)
{
    rnn_workspace *ws = model->workspace;
    rnn_dims d = rnn_dims_of(model, x->size1);

    ws->dropout_used = sk_model_dropout_active(model);
    rnn_copy_input(ws, x, d.steps, model->config.features);
    for (size_t l = 0; l < model->config.layers; l++) {
        sk_status status = rnn_layer_forward(model, l, d);
        if (status != SK_OK)
            return status;
    }
    return rnn_readout_forward(model, d, logits);
}

/* Writes the output unit's gradients and d(loss)/d(h_t) of the top layer
 * into ws->dh (through its dropout mask). */
static sk_status rnn_readout_backward(const sk_model *model, rnn_dims d,
                                      const gsl_vector *dlogits, double *grad)
{
    rnn_workspace *ws = model->workspace;
    const rnn_layer *top_layer = &ws->layer[model->config.layers - 1];
    const double *top = rnn_layer_output(ws, model->config.layers - 1);
    const double *w_out = model->params + ws->w_out;
    size_t block = d.batch * d.hidden;
    bool flatten = model->config.readout == SK_READOUT_FLATTEN;

    for (size_t b = 0; b < d.batch; b++)
        grad[ws->w_out + ws->readout_width] += gsl_vector_get(dlogits, b);

    memset(ws->dh, 0, d.steps * block * sizeof *ws->dh);
    for (size_t t = flatten ? 0 : d.steps - 1; t < d.steps; t++) {
        size_t w_offset = flatten ? t * d.hidden : 0;
        gsl_matrix_const_view u = gsl_matrix_const_view_array(top + t * block, d.batch,
                                                              d.hidden);
        gsl_vector_view g = gsl_vector_view_array(grad + ws->w_out + w_offset, d.hidden);
        if (gsl_blas_dgemv(CblasTrans, 1.0, &u.matrix, dlogits, 0.0, &g.vector)
            != GSL_SUCCESS)
            return SK_ERR_NUMERIC;

        double *dh = ws->dh + t * block;
        for (size_t b = 0; b < d.batch; b++) {
            double dz = gsl_vector_get(dlogits, b);
            for (size_t j = 0; j < d.hidden; j++)
                dh[b * d.hidden + j] = dz * w_out[w_offset + j];
        }
    }

    if (ws->dropout_used) {
        for (size_t i = 0; i < d.steps * block; i++)
            ws->dh[i] *= top_layer->mask[i];
    }
    return SK_OK;
}

/*
 * Backward through layer l: from ws->dh = d(loss)/d(h) of its output
 * sequence, writes the gradients of its parameters and, for l > 0, leaves
 * d(loss)/d(h) of layer l - 1 in ws->dh.
 */
static sk_status rnn_layer_backward(const sk_model *model, size_t l, rnn_dims d, double *grad)
{
    rnn_workspace *ws = model->workspace;
    const rnn_layer *layer = &ws->layer[l];
    size_t rows = d.steps * d.batch, gh = d.gates * d.hidden, H = d.hidden;
    bool lstm = model->kind == SK_MODEL_LSTM;

    sk_status status = lstm ? lstm_steps_backward(model, ws, layer, d)
                            : gru_steps_backward(model, ws, layer, d);
    if (status != SK_OK)
        return status;

    /* The input side: grad W_ih = d_pre^T x over all steps, grad b_ih. */
    const double *input = rnn_layer_input(ws, l);
    status = sk_model_gemm(CblasTrans, CblasNoTrans, gh, layer->input, rows, 1.0, ws->d_pre,
                           input, 0.0, grad + layer->w_ih);
    if (status != SK_OK)
        return status;
    add_column_sums(ws->d_pre, rows, gh, grad + layer->b_ih);

    /* The hidden side: grad W_hh = sum over t >= 1 of d_pre_h_t^T h_(t-1),
     * one product over the shifted blocks; grad b_hh (GRU) over all t.
     * With one step W_hh never acts, and its gradient stays 0. */
    const double *d_hidden = lstm ? ws->d_pre : ws->d_pre_h;
    if (d.steps > 1) {
        status = sk_model_gemm(CblasTrans, CblasNoTrans, gh, H, rows - d.batch, 1.0,
                               d_hidden + d.batch * gh, layer->h, 0.0, grad + layer->w_hh);
        if (status != SK_OK)
            return status;
    }
    if (!lstm)
        add_column_sums(ws->d_pre_h, rows, gh, grad + layer->b_hh);

    if (l == 0)
        return SK_OK;

    /* d(loss)/d(input) = d_pre W_ih, then back through the lower layer's
     * dropout mask. */
    status = sk_model_gemm(CblasNoTrans, CblasNoTrans, rows, H, gh, 1.0, ws->d_pre,
                           model->params + layer->w_ih, 0.0, ws->dh);
    if (status != SK_OK)
        return status;
    if (ws->dropout_used) {
        const double *mask = ws->layer[l - 1].mask;
        for (size_t i = 0; i < rows * H; i++)
            ws->dh[i] *= mask[i];
    }
    return SK_OK;
}

static sk_status rnn_backward(sk_model *model, const gsl_matrix *x, const gsl_vector *dlogits,
                              double *grad)
{
    rnn_dims d = rnn_dims_of(model, x->size1);

    memset(grad, 0, model->param_count * sizeof *grad);
    sk_status status = rnn_readout_backward(model, d, dlogits, grad);
    for (size_t l = model->config.layers; status == SK_OK && l-- > 0;)
        status = rnn_layer_backward(model, l, d, grad);
    return status;
}

const sk_model_ops sk_model_lstm_ops = {
    .name = "LSTM",
    .param_count = rnn_param_count,
    .init = rnn_init,
    .free_workspace = rnn_free_workspace,
    .forward = rnn_forward,
    .backward = rnn_backward,
    .output_bias_index = rnn_output_bias_index,
    .needs_rng = true,
};

const sk_model_ops sk_model_gru_ops = {
    .name = "GRU",
    .param_count = rnn_param_count,
    .init = rnn_init,
    .free_workspace = rnn_free_workspace,
    .forward = rnn_forward,
    .backward = rnn_backward,
    .output_bias_index = rnn_output_bias_index,
    .needs_rng = true,
};
