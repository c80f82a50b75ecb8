"""``make bench``: run every benchmark on a throwaway test database and print a table
(``python -m bench coupons storefront`` runs some suites only).

Each result is reported with a baseline measured in the same run on the same database, and
their ratio, so numbers from different machines can be compared. Set DATABASE_URL to run on
PostgreSQL. Settings are ``bench.settings``: the test settings with the production cache.
Results are recorded by hand in docs/benchmarks.md.
"""

import logging
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
os.environ.setdefault("BAZAAR_TEST_DB", "bench")

import django  # noqa: E402

django.setup()
logging.disable(logging.INFO)  # keep the table readable

from django.db import connection  # noqa: E402
from django.test.utils import setup_databases, setup_test_environment, teardown_databases  # noqa: E402

from bench import auctions, checkout, coupons, lottery, pricing, storefront  # noqa: E402

SUITES = [pricing, coupons, lottery, auctions, checkout, storefront]


def main() -> int:
    setup_test_environment()
    only = set(sys.argv[1:])
    config = setup_databases(verbosity=0, interactive=False)
    try:
        print(f"database: {connection.vendor}   cores: {os.cpu_count()}")
        print(f"{'benchmark':<56}{'result':>22}{'baseline':>22}{'ratio':>10}")
        for suite in SUITES:
            if only and suite.__name__.split(".")[-1] not in only:
                continue
            started = time.perf_counter()
            for row in suite.run():
                name, value, unit, base, base_unit, ratio, *notes = row
                print(f"{name:<56}{value:>14.1f} {unit:<7}{base:>14.1f} {base_unit:<7}{ratio:>9.2f}x")
                for note in notes:
                    print(f"    {note}")
            print(f"    ({suite.__name__} took {time.perf_counter() - started:.1f} s)")
    finally:
        teardown_databases(config, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
