#!/usr/bin/env python3
"""Times two commands in turn (A B A B ...) and prints the median of the per-pair ratios.

    scripts/paired.py [--runs N] [--warmup W] -- 'COMMAND A' 'COMMAND B'

On a shared machine the speed drifts between runs; hyperfine runs each command's runs
back to back, so a slow patch can land on one command only and skew a ratio of means.
Taking A and B in turn and the ratio pair by pair keeps the ratio meaningful while the
machine's speed drifts. Each command runs without a shell unless written as `sh -c '...'`; its output is
discarded; a non-zero exit is fine (dozen exits 1 when it finds something).
"""

import argparse
import shlex
import statistics
import subprocess
import sys
import time


def run(argv):
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("a")
    parser.add_argument("b")
    args = parser.parse_args()
    a, b = shlex.split(args.a), shlex.split(args.b)
    for _ in range(args.warmup):
        run(a)
        run(b)
    times_a, times_b, ratios = [], [], []
    for i in range(args.runs):
        # Alternate which goes first, so neither always runs on a cache the other warmed.
        if i % 2 == 0:
            ta, tb = run(a), run(b)
        else:
            tb, ta = run(b), run(a)
        times_a.append(ta)
        times_b.append(tb)
        ratios.append(ta / tb)
    q = statistics.quantiles(ratios, n=4)
    print(
        f"A median {statistics.median(times_a):.3f} s, B median {statistics.median(times_b):.3f} s;"
        f" A/B per pair: median {statistics.median(ratios):.2f}x"
        f" (quartiles {q[0]:.2f}x-{q[2]:.2f}x, min {min(ratios):.2f}x, max {max(ratios):.2f}x,"
        f" {args.runs} pairs)"
    )


if __name__ == "__main__":
    sys.exit(main())
