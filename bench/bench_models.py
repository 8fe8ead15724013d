#!/usr/bin/python3
"""Time one training epoch of PyTorch's LSTM and MLP, the reference for bench_models.c.

Called by bench/run_models.sh:

    bench_models.py lstm|mlp BATCH float32|float64 [ROWS [THREADS]]

Builds ROWS (default 170,000) windows of 12 steps x 8 standard normal
features with labels at 3 % prevalence from a seeded numpy RNG, then trains
the same architecture as bench_models.c:
  - lstm: nn.LSTM(8, 10, batch_first=True), nn.Linear(10, 1) on the last
    step's hidden state;
  - mlp: Linear(96, 64), ReLU, Linear(64, 64), ReLU, Linear(64, 1) on the
    flattened window;
with BCEWithLogitsLoss and RMSprop(lr=0.001, alpha=0.9, eps=1e-7), Keras's
defaults as skewtop uses them.  Batches come from a shuffled index, without
a DataLoader, as skewtop's trainer gathers them.  A warm-up of WARMUP_BATCHES
batches runs first, then one full epoch is timed.  Prints "key value" lines
as bench_models does.  Needs Debian's python3-torch (run with /usr/bin/python3).
"""

import sys
import time

import numpy as np
import torch
from torch import nn

STEPS = 12
STEP_FEATURES = 8
DEFAULT_ROWS = 170_000
POSITIVE_SHARE = 0.03
DATA_SEED = 20240
TRAIN_SEED = 1
LSTM_HIDDEN = 10
MLP_HIDDEN = 64
LEARNING_RATE = 0.001
RMSPROP_ALPHA = 0.9
RMSPROP_EPS = 1e-7
# Enough batches for the allocator's caches and the first-call setup of the
# kernels; a few hundred milliseconds at batch 12.
WARMUP_BATCHES = 50
DEFAULT_THREADS = 2


class LastStepLSTM(nn.Module):
    """An LSTM layer whose last hidden state feeds one output unit."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(STEP_FEATURES, LSTM_HIDDEN, batch_first=True)
        self.out = nn.Linear(LSTM_HIDDEN, 1)

    def forward(self, x):
        sequence, _ = self.lstm(x)
        return self.out(sequence[:, -1, :]).squeeze(1)


class FlatMLP(nn.Module):
    """Two ReLU layers on the flattened window, then one output unit."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Flatten(),
            nn.Linear(STEPS * STEP_FEATURES, MLP_HIDDEN), nn.ReLU(),
            nn.Linear(MLP_HIDDEN, MLP_HIDDEN), nn.ReLU(),
            nn.Linear(MLP_HIDDEN, 1))

    def forward(self, x):
        return self.net(x).squeeze(1)


def make_data(rows, dtype):
    """Return x [rows][STEPS][STEP_FEATURES] and float labels [rows]."""
    rng = np.random.default_rng(DATA_SEED)
    x = rng.standard_normal((rows, STEPS, STEP_FEATURES))
    y = (rng.random(rows) < POSITIVE_SHARE).astype(np.float64)
    return torch.from_numpy(x).to(dtype), torch.from_numpy(y).to(dtype)


def run_batches(model, optimizer, criterion, x, y, order, batch, limit=None):
    """Train on the batches of `order`; return the mean loss over their rows."""
    rows = len(order) if limit is None else min(len(order), limit * batch)
    total = 0.0
    for start in range(0, rows, batch):
        index = order[start:start + batch]
        optimizer.zero_grad()
        loss = criterion(model(x[index]), y[index])
        loss.backward()
        optimizer.step()
        total += loss.item() * len(index)
    return total / rows


def main():
    if not 4 <= len(sys.argv) <= 6 or sys.argv[1] not in ("lstm", "mlp") \
            or sys.argv[3] not in ("float32", "float64"):
        sys.exit("usage: bench_models.py lstm|mlp BATCH float32|float64 [ROWS [THREADS]]")
    kind = sys.argv[1]
    batch = int(sys.argv[2])
    dtype = getattr(torch, sys.argv[3])
    rows = int(sys.argv[4]) if len(sys.argv) > 4 else DEFAULT_ROWS
    threads = int(sys.argv[5]) if len(sys.argv) > 5 else DEFAULT_THREADS

    torch.set_num_threads(threads)
    torch.manual_seed(TRAIN_SEED)
    x, y = make_data(rows, dtype)
    model = (LastStepLSTM() if kind == "lstm" else FlatMLP()).to(dtype)
    optimizer = torch.optim.RMSprop(model.parameters(), lr=LEARNING_RATE,
                                    alpha=RMSPROP_ALPHA, eps=RMSPROP_EPS)
    criterion = nn.BCEWithLogitsLoss()
    generator = torch.Generator().manual_seed(TRAIN_SEED)

    run_batches(model, optimizer, criterion, x, y,
                torch.randperm(rows, generator=generator), batch, WARMUP_BATCHES)

    start = time.perf_counter()
    order = torch.randperm(rows, generator=generator)
    loss = run_batches(model, optimizer, criterion, x, y, order, batch)
    elapsed = time.perf_counter() - start

    print(f"seconds_per_epoch {elapsed:.4f}")
    print(f"train_loss {loss:.6f}")
    print(f"params {sum(p.numel() for p in model.parameters())}")
    print(f"threads {torch.get_num_threads()}")
    print(f"torch {torch.__version__}")


if __name__ == "__main__":
    main()
