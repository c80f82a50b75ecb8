"""pytest plugin for ``make test-scaleout`` (``-p tests.scaleout.selection``): keep only the
scheduling and concurrency tests, which the run repeats with Redis as broker and cache.

Selected: tests marked ``scaleout`` or ``postgres`` (real row locks), tests that use threads through
the ``run_concurrently`` fixture, and every test in a module about scheduling or concurrency.
"""

from __future__ import annotations

import pytest

MODULE_WORDS = ("scheduling", "concurren")


def is_scaleout_relevant(item: pytest.Item) -> bool:
    if item.get_closest_marker("scaleout") or item.get_closest_marker("postgres"):
        return True
    if "run_concurrently" in getattr(item, "fixturenames", ()):
        return True
    return any(word in item.path.name for word in MODULE_WORDS)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    selected = [item for item in items if is_scaleout_relevant(item)]
    if len(selected) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in selected])
        items[:] = selected
