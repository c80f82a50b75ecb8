"""The published odds are the real ones: 20,000 draws through the real service follow the
weights (chi-squared, p > 0.01), and a prize without stock is never drawn.

The random values come from a seeded generator in place of ``secrets``: a test at p = 0.01 on
fresh randomness fails one run in a hundred by design (CI once saw it), while a fixed stream of
uniform values still catches any bias in how the service turns a value into a prize."""

import random
from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection

from shop.lottery import services
from shop.lottery.models import Draw

# Critical chi-squared value for 3 degrees of freedom at p = 0.01.
CHI2_3DF_P01 = 11.345
DRAWS = int(__import__("os").environ.get("FAIR_DRAWS", 20_000))


@pytest.mark.skipif(connection.vendor != "sqlite", reason="a property of the pick, not of the database: "
                    "run once, on SQLite (the concurrency tests cover PostgreSQL)")
def test_20000_draws_match_the_weights(user, make_campaign, clock, monkeypatch):
    monkeypatch.setattr(services.secrets, "randbits", random.Random(20261201).getrandbits)
    weights = {"Rare": 5, "Uncommon": 15, "Common": 30, "Thanks": 50}
    campaign = make_campaign(draw_cost=Decimal("0"), prizes=[  # free draws: no chance limit
        *({"title": t, "weight": w, "stock_left": DRAWS} for t, w in weights.items()),
        {"title": "Sold out", "weight": 1000, "stock_left": 0}])
    for _ in range(DRAWS):
        services.draw(user=user, campaign_id=campaign.pk, now=clock.now())
    won = Counter(Draw.objects.filter(campaign=campaign).values_list("prize__title", flat=True))
    assert sum(won.values()) == DRAWS and "Sold out" not in won
    total = sum(weights.values())
    chi2 = sum((won[t] - DRAWS * w / total) ** 2 / (DRAWS * w / total) for t, w in weights.items())
    assert chi2 < CHI2_3DF_P01, (won, chi2)
