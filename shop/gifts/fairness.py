"""Commit–reveal fairness of gift draws: the whole algorithm, small enough to reimplement.

When a full or timed draw is created, the server picks a secret **seed** (64 lowercase hex
characters, 32 random bytes) and publishes its **commitment** at once::

    commitment = SHA-256(seed as ASCII text), as 64 lowercase hex characters

After the draw it reveals the seed and the participants in the order they joined (1, 2, …, n).
Anyone can then check that ``SHA-256(seed)`` equals the commitment published before anyone joined,
and recompute the k = min(gifts, n) winners with a seeded Fisher–Yates shuffle of the first k
places::

    order = [1, 2, …, n]                      # participants' numbers, in joining order
    for i in 0 … k-1:
        h = SHA-256("<seed>:<i>" as ASCII)    # e.g. "9f2c…e1:0"; i in decimal
        r = h read as one big-endian unsigned 256-bit integer
        j = i + (r mod (n − i))
        swap order[i] and order[j]
    winners = order[0 … k-1]                  # in this order

(``r mod (n − i)`` is biased by less than n / 2²⁵⁶ — nothing anyone can measure.)

The same steps run in the browser on the result page ("Check it yourself", ``static/js/gifts.js``)
and in ``manage.py verify_gift_draw <token>``.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence

SEED_BYTES = 32


def new_seed() -> str:
    return secrets.token_hex(SEED_BYTES)


def commitment(seed: str) -> str:
    return hashlib.sha256(seed.encode("ascii")).hexdigest()


def pick_winners(seed: str, participants: Sequence, k: int) -> list:
    """The first ``min(k, len(participants))`` places of the seeded shuffle of ``participants``
    (any values, in joining order)."""
    order = list(participants)
    n = len(order)
    for i in range(min(k, n)):
        r = int.from_bytes(hashlib.sha256(f"{seed}:{i}".encode("ascii")).digest(), "big")
        j = i + r % (n - i)
        order[i], order[j] = order[j], order[i]
    return order[: min(k, n)]


def verify(*, seed: str, published_commitment: str, participants: Sequence, gifts: int, winners: Sequence) -> bool:
    """True when the seed matches the commitment and recomputes exactly these winners."""
    return (secrets.compare_digest(commitment(seed), published_commitment)
            and list(pick_winners(seed, participants, gifts)) == list(winners))
