import base64
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
HTMX = {"HTTP_HX_REQUEST": "true"}


def png(name="cover.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


@pytest.fixture
def session_data(clock, local):
    """``session_data(**overrides)``: a valid session form (preview tomorrow, bidding the day
    after for a day), in local time as the browser sends it."""

    def data(**overrides):
        now = clock.now()
        values = {"title": "Autumn porcelain", "description": "Blue and white.",
                  "preview_starts_at": local(now + timedelta(days=1)), "preview_ends_at": local(now + timedelta(days=2)),
                  "starts_at": local(now + timedelta(days=2)), "ends_at": local(now + timedelta(days=3)),
                  "deposit": ""}
        values.update(overrides)
        return values

    return data


@pytest.fixture
def lot_data():
    def data(**overrides):
        values = {"title": "Moon jar", "description": "", "start_price": "100", "increment": "10",
                  "reference_low": "", "reference_high": "", "deposit": ""}
        values.update(overrides)
        return values

    return data


@pytest.fixture
def upcoming(make_auction, clock):
    """``upcoming(**fields)``: a session whose preview starts in a day and bidding in two (lots
    not started)."""

    def make(lots=({},), **fields):
        return make_auction(starts_at=clock.now() + timedelta(days=2), status="not_started",
                            lots=[{"status": "not_started", **spec} for spec in lots], **fields)

    return make
