#!/usr/bin/python3
"""Time skewtop's score sweep against scikit-learn and numpy.sort.

Called by bench/run_metrics.sh, which builds bench_metrics first:

    run_metrics.py BENCH_BINARY [N ...]

For each N (default 10^6 and 10^7) it draws N probabilities at 3.3 %
prevalence from a seeded RNG, writes them to a temporary file, and times on
the same scores, best of REPEATS runs each:
  - skewtop: bench_metrics (sort, cumulative counts, both AUCs, both curves,
    per-class histograms, calibration);
  - scikit-learn: roc_auc_score + average_precision_score +
    precision_recall_curve + roc_curve;
  - numpy.sort alone.
It checks that both tools report the same ROC AUC and average precision and
prints the times and ratios.  Needs Debian's python3-sklearn (/usr/bin/python3).
"""

import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import sklearn
from sklearn.metrics import (average_precision_score, precision_recall_curve,
                             roc_auc_score, roc_curve)

PREVALENCE = 0.033
SEED = 7
REPEATS = 3
# Targets from the issue: skewtop / scikit-learn and skewtop / numpy.sort at
# 10^7 scores, and one threshold move.
TARGET_SKLEARN_RATIO = 0.1
TARGET_NUMPY_RATIO = 1.5
TARGET_MOVE_US = 10.0


def draw(n):
    """Scores of a weak classifier: logistic of a normal shifted by the label."""
    rng = np.random.default_rng(SEED)
    y = (rng.random(n) < PREVALENCE).astype(np.uint8)
    logits = rng.normal(-3.4, 1.0, n) + 1.5 * y
    scores = 1.0 / (1.0 + np.exp(-logits))
    return y, scores


def best_time(function):
    best = None
    result = None
    for _ in range(REPEATS):
        start = time.perf_counter()
        result = function()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best, result


def sklearn_all(y, s):
    auc = roc_auc_score(y, s)
    ap = average_precision_score(y, s)
    precision_recall_curve(y, s)
    roc_curve(y, s)
    return auc, ap


def run_skewtop(binary, path, n):
    output = subprocess.run([binary, path, str(n), str(REPEATS)], check=True,
                            capture_output=True, text=True).stdout
    values = {}
    for line in output.splitlines():
        key, _, rest = line.partition(" ")
        values[key] = rest
    return values


def main():
    binary = sys.argv[1]
    sizes = [int(float(a)) for a in sys.argv[2:]] or [10**6, 10**7]
    print(f"scikit-learn {sklearn.__version__}, numpy {np.__version__}; "
          f"best of {REPEATS}; prevalence {PREVALENCE}")
    print(f"{'n':>10} {'skewtop s':>10} {'sklearn s':>10} {'np.sort s':>10} "
          f"{'vs sklearn':>10} {'vs sort':>8} {'move us':>8}")
    failures = []
    for n in sizes:
        y, s = draw(n)
        with tempfile.NamedTemporaryFile(suffix=".bin", delete=False) as f:
            f.write(s.astype("<f8").tobytes())
            f.write(y.tobytes())
            path = f.name
        try:
            ours = run_skewtop(binary, path, n)
        finally:
            os.unlink(path)
        sklearn_s, (auc, ap) = best_time(lambda: sklearn_all(y, s))
        sort_s, _ = best_time(lambda: np.sort(s))
        skewtop_s = float(ours["skewtop_full_sweep_s"])
        move_us = float(ours["threshold_move_us"])
        for name, theirs in (("roc_auc", auc), ("average_precision", ap)):
            mine = float(ours[name])
            if abs(mine - theirs) > 1e-12 * abs(theirs):
                failures.append(f"n={n}: {name} skewtop {mine!r} scikit-learn {theirs!r}")
        vs_sklearn = skewtop_s / sklearn_s
        vs_sort = skewtop_s / sort_s
        print(f"{n:>10} {skewtop_s:>10.4f} {sklearn_s:>10.4f} {sort_s:>10.4f} "
              f"{vs_sklearn:>9.4f}x {vs_sort:>7.3f}x {move_us:>8.3f}")
        if n >= 10**7:
            if vs_sklearn > TARGET_SKLEARN_RATIO:
                failures.append(f"n={n}: {vs_sklearn:.3f}x scikit-learn, target "
                                f"<= {TARGET_SKLEARN_RATIO}x")
            if vs_sort > TARGET_NUMPY_RATIO:
                failures.append(f"n={n}: {vs_sort:.3f}x numpy.sort, target "
                                f"<= {TARGET_NUMPY_RATIO}x")
            if move_us > TARGET_MOVE_US:
                failures.append(f"n={n}: threshold move {move_us:.2f} us, target "
                                f"<= {TARGET_MOVE_US} us")
    for failure in failures:
        print("MISSED:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
