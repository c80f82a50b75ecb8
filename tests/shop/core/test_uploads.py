"""Uploads are written before the write transaction and never left behind by a failed one."""

import base64
from decimal import Decimal

import pytest
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from shop.catalog.models import Product
from shop.catalog.services import PolicyInput, ProductInput, product_save
from shop.core.errors import DomainError

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


@pytest.fixture
def writes(monkeypatch):
    seen = []
    original = FileSystemStorage.save

    def save(self, name, content, max_length=None):
        in_transaction = connection.in_atomic_block
        stored = original(self, name, content, max_length=max_length)
        seen.append((in_transaction, stored))
        return stored

    monkeypatch.setattr(FileSystemStorage, "save", save)
    return seen


def _input(**overrides):
    data = {"title": "Cover test", "slug": "cover-test", "status": "offline",
            "cover": SimpleUploadedFile("c.png", PNG, content_type="image/png"),
            "policies": [PolicyInput(id=None, label="1 month", price=Decimal("10.00"), days=30)]}
    data.update(overrides)
    return ProductInput(**data)


def test_cover_is_written_outside_the_write_transaction(transactional_db, operator, writes):
    product = product_save(actor=operator, data=_input())
    [(in_transaction, name)] = writes
    assert not in_transaction and Product.objects.get(pk=product.pk).cover.name == name
    assert default_storage.exists(name)


def test_failed_save_leaves_no_cover_behind(transactional_db, operator, writes):
    with pytest.raises(DomainError):
        product_save(actor=operator, data=_input(policies=[]))
    [(in_transaction, name)] = writes
    assert not in_transaction and not Product.objects.exists()
    assert not default_storage.exists(name)
