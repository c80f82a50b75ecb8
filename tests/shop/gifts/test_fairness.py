"""Commit–reveal fairness of gift draws (SPEC §6): the commitment is SHA-256 of the seed, the
winners are a pure function of seed and participants that anyone can recompute (checked here
against a reimplementation written from the published description and a pinned vector), tampering
is detected, and every participant has the same chance."""

import hashlib
import random
from collections import Counter

import pytest

from shop.gifts import fairness

ZERO_SEED = "00" * 32
#: pick_winners("00"*32, [1..10], 3), computed once: a change to the algorithm fails here (and would
#: make every published draw unverifiable by the page's script and the docs).
ZERO_SEED_WINNERS = [9, 7, 5]


def described_pick(seed: str, participants, k: int) -> list:
    """The algorithm exactly as :mod:`shop.gifts.fairness` tells the public to recompute it."""
    order = list(participants)
    n = len(order)
    for i in range(min(k, n)):
        r = int.from_bytes(hashlib.sha256(f"{seed}:{i}".encode("ascii")).digest(), "big")
        j = i + r % (n - i)
        order[i], order[j] = order[j], order[i]
    return order[:min(k, n)]


def test_commitment_is_sha256_hex_of_the_seed():
    seed = fairness.new_seed()
    assert len(seed) == 64 and int(seed, 16) >= 0 and seed == seed.lower()
    assert fairness.commitment(seed) == hashlib.sha256(seed.encode("ascii")).hexdigest()
    assert fairness.commitment(ZERO_SEED) == "60e05bd1b195af2f94112fa7197a5c88289058840ce7c6df9693756bc6250f55"
    assert fairness.new_seed() != seed


def test_pinned_vector():
    assert fairness.pick_winners(ZERO_SEED, list(range(1, 11)), 3) == ZERO_SEED_WINNERS
    assert described_pick(ZERO_SEED, range(1, 11), 3) == ZERO_SEED_WINNERS


@pytest.mark.parametrize("n,k", [(0, 3), (1, 1), (1, 5), (2, 1), (3, 3), (10, 3), (10, 10), (10, 25), (500, 100)])
def test_winners_are_deterministic_distinct_and_min_k_n_of_the_participants(n, k):
    participants = list(range(1, n + 1))
    for _ in range(20):
        seed = fairness.new_seed()
        winners = fairness.pick_winners(seed, participants, k)
        assert winners == fairness.pick_winners(seed, list(participants), k)  # deterministic
        assert winners == described_pick(seed, participants, k)  # as published
        assert len(winners) == min(k, n) and len(set(winners)) == len(winners)
        assert set(winners) <= set(participants)
    assert participants == list(range(1, n + 1))  # the caller's list is not shuffled in place


def test_any_participant_values_in_joining_order():
    seed = fairness.new_seed()
    names = [f"p{i}" for i in range(1, 11)]
    by_position = fairness.pick_winners(seed, list(range(1, 11)), 4)
    assert fairness.pick_winners(seed, names, 4) == [f"p{i}" for i in by_position]


def test_verify_accepts_the_published_result_and_refuses_tampering():
    seed = "ab" * 32  # fixed, so each tampering below is known to change the outcome
    published = fairness.commitment(seed)
    participants = list(range(1, 13))
    winners = fairness.pick_winners(seed, participants, 4)

    def check(**changes):
        args = {"seed": seed, "published_commitment": published, "participants": participants, "gifts": 4,
                "winners": winners, **changes}
        return fairness.verify(**args)

    assert check()
    assert check(winners=tuple(winners))
    # a participant list with one more, one less, or two swapped in joining order
    assert not check(participants=participants + [13])
    assert not check(participants=participants[:-1])
    assert not check(participants=[2, 1, *participants[2:]])
    # another seed: commitment no longer matches, and a re-committed other seed picks others
    other = "ab" * 31 + "ac"
    assert not check(seed=other)
    assert not check(seed=other, published_commitment=fairness.commitment(other))
    assert not check(published_commitment="0" * 64)
    # swapped, replaced, extra or missing winners
    assert not check(winners=[winners[1], winners[0], *winners[2:]])
    loser = next(p for p in participants if p not in winners)
    assert not check(winners=[*winners[:-1], loser])
    assert not check(winners=winners[:-1])
    assert not check(winners=[*winners, loser])
    assert not check(gifts=3)


def test_tampering_is_caught_for_a_fixed_vector():
    published = fairness.commitment(ZERO_SEED)
    kwargs = {"seed": ZERO_SEED, "published_commitment": published, "gifts": 3}
    assert fairness.verify(participants=list(range(1, 11)), winners=ZERO_SEED_WINNERS, **kwargs)
    assert not fairness.verify(participants=list(range(1, 12)), winners=ZERO_SEED_WINNERS, **kwargs)
    assert not fairness.verify(participants=list(range(1, 11)), winners=[7, 9, 5], **kwargs)
    assert not fairness.verify(participants=list(range(1, 11)), winners=ZERO_SEED_WINNERS,
                               **{**kwargs, "seed": "00" * 31 + "01"})


def _chi2_critical(df: int, p: float) -> float:
    try:
        from scipy.stats import chi2
    except ImportError:  # Wilson–Hilferty: within 1 % for these degrees of freedom
        from statistics import NormalDist

        z = NormalDist().inv_cdf(1 - p)
        return df * (1 - 2 / (9 * df) + z * (2 / (9 * df)) ** 0.5) ** 3
    return float(chi2.ppf(1 - p, df))


@pytest.mark.parametrize("n,k", [(10, 1), (10, 3), (7, 6)])
def test_each_participant_wins_equally_often(n, k):
    """Over many seeds each of n participants wins k/n of the draws (chi-squared, p > 0.001 — a
    fair pick fails about once in a thousand runs; seeds are fixed so the run is repeatable),
    and the first place is uniform too (no position is favoured)."""
    draws = 6000
    rng = random.Random(20261201 + n * 100 + k)
    wins, firsts = Counter(), Counter()
    for _ in range(draws):
        seed = f"{rng.getrandbits(256):064x}"
        winners = fairness.pick_winners(seed, list(range(1, n + 1)), k)
        wins.update(winners)
        firsts[winners[0]] += 1
    critical = _chi2_critical(n - 1, 0.001)
    expected = draws * k / n
    # k of n picked without replacement: each count varies like a multinomial cell's, scaled by
    # k(n−k)/(n−1), so this statistic is chi-squared with n−1 degrees of freedom (Pearson's when k = 1)
    spread = draws * k * (n - k) / (n * (n - 1))
    chi2 = sum((wins[p] - expected) ** 2 / spread for p in range(1, n + 1))
    assert chi2 < critical, (dict(wins), chi2, critical)
    expected_first = draws / n
    chi2_first = sum((firsts[p] - expected_first) ** 2 / expected_first for p in range(1, n + 1))
    assert chi2_first < critical, (dict(firsts), chi2_first, critical)
    assert sum(wins.values()) == draws * k
