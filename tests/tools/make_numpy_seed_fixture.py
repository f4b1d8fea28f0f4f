#!/usr/bin/env python3
"""Writes tests/data/numpy_randn_seeds.txt: numpy's own legacy RandomState output, the truth
tests/unit/seeds_test.cpp checks the C++ reimplementation against.

    /usr/bin/python3 tests/tools/make_numpy_seed_fixture.py > tests/data/numpy_randn_seeds.txt

Lines: `randn SEED N v0 .. vN-1` (np.random.RandomState(SEED).randn(N)) and
`random_sample SEED N v0 ..`, each value printed with 17 significant digits (exact doubles).
"""

import numpy as np

# Seed 0 and 1 with a full 512-d latent (more than one MT19937 state refill); the rest shorter.
RANDN = [(0, 512), (1, 512), (2, 16), (42, 16), (123456789, 16), (2**31, 16), (2**32 - 1, 16)]
SAMPLES = [(0, 8), (2**32 - 1, 8)]


def line(kind: str, seed: int, values: np.ndarray) -> str:
    return ' '.join([kind, str(seed), str(len(values))] + [f'{v:.17g}' for v in values])


def main() -> None:
    print(f'# numpy {np.__version__} legacy RandomState; written by '
          'tests/tools/make_numpy_seed_fixture.py')
    for seed, n in RANDN:
        print(line('randn', seed, np.random.RandomState(seed).randn(n)))
    for seed, n in SAMPLES:
        print(line('random_sample', seed, np.random.RandomState(seed).random_sample(n)))


if __name__ == '__main__':
    main()
