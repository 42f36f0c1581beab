#!/usr/bin/env python3
"""Drops from a minimised corpus every unit that shares a 64-byte run with a real vector.

usage: vector_filter.py VECTOR_DIR CORPUS_DIR

Real vectors (/work/shared/vectors, $ATTESTD_VECTORS) seed campaigns but are never committed;
a unit libFuzzer derived from one by mutation is still mostly that vector, so it is removed
before the corpus is copied into fuzz/corpus/.
"""
import os
import sys

WINDOW = 64


def main() -> int:
    vector_dir, corpus_dir = sys.argv[1], sys.argv[2]
    windows = set()
    for name in os.listdir(vector_dir):
        data = open(os.path.join(vector_dir, name), "rb").read()
        for i in range(0, max(len(data) - WINDOW + 1, 0)):
            windows.add(hash(data[i:i + WINDOW]))
    dropped = 0
    for name in os.listdir(corpus_dir):
        path = os.path.join(corpus_dir, name)
        data = open(path, "rb").read()
        if any(hash(data[i:i + WINDOW]) in windows for i in range(0, max(len(data) - WINDOW + 1, 0))):
            os.remove(path)
            dropped += 1
    if dropped:
        print(f"vector_filter: dropped {dropped} unit(s) derived from real vectors from {corpus_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
