"""Catalogue reads with their prices annotated, so a list is one query whatever its length."""

from __future__ import annotations

import logging
import threading
import uuid
from collections import OrderedDict

from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import connection, transaction
from django.db.models import Count, F, Min, Prefetch, Q, QuerySet
from django.db.models.signals import post_delete, post_save

from .models import PricePolicy, Product, ProductKind

log = logging.getLogger(__name__)

#: storefront sort keys → ordering; products without an available policy sort last by price
SORTS = {
    "new": (F("created_at").desc(), F("id").desc()),
    "price": (F("min_price").asc(nulls_last=True), F("id").desc()),
    "-price": (F("min_price").desc(nulls_last=True), F("id").desc()),
}
DEFAULT_SORT = "new"


def with_prices(products: QuerySet[Product]) -> QuerySet[Product]:
    """Annotate ``min_price`` (lowest available policy price, None if none) and
    ``active_policies`` (how many policies are available)."""
    active = Q(policies__is_active=True)
    return products.annotate(min_price=Min("policies__price", filter=active),
                             active_policies=Count("policies", filter=active))


def search(products: QuerySet[Product], q: str) -> QuerySet[Product]:
    """Every word of ``q`` must appear in the title or the summary."""
    for word in q.split()[:8]:
        products = products.filter(Q(title__icontains=word) | Q(summary__icontains=word))
    return products


def product_list(*, q: str = "", kind: str = "", sort: str = DEFAULT_SORT,
                 online_only: bool = True) -> QuerySet[Product]:
    products = Product.objects.online() if online_only else Product.objects.all()
    if q:
        products = search(products, q)
    if kind in ProductKind.values:
        products = products.filter(kind=kind)
    return with_prices(products).order_by(*SORTS.get(sort, SORTS[DEFAULT_SORT]))


def product_detail(slug: str) -> Product:
    """The product with ``slug`` (online or not: the caller decides who may see it) and its
    available policies as ``active_policies_list``. Raises ``Product.DoesNotExist``."""
    return Product.objects.prefetch_related(
        Prefetch("policies", queryset=PricePolicy.objects.active(), to_attr="active_policies_list")
    ).get(slug=slug)


# --- storefront reads from memory ----------------------------------------------------------------
# The storefront's course list and course pages read the same few rows on every request. They are
# kept in each process under the catalogue's *version*: a random token in the shared cache (the
# database cache by default, Redis with REDIS_URL) replaced after every commit that writes a
# course or a price option (signals on save and delete, and ``catalogue_changed()`` where a
# service writes with ``update()``), and once more when it is written. A reader that saw version V
# either read the rows after the write committed, or V is replaced once it has: rows kept under a
# version are never stale while that version is current. A cache that fails or forgot the version
# only costs the queries.

_VERSION_KEY = "catalog:version"
_KEPT_MAX = 2_000
_kept: OrderedDict = OrderedDict()
_kept_lock = threading.Lock()
_MISSING = object()


def catalogue_version() -> str | None:
    try:
        version = cache.get(_VERSION_KEY)
        if version is None:
            version = uuid.uuid4().hex
            if not cache.add(_VERSION_KEY, version, None):
                version = cache.get(_VERSION_KEY)
        return version
    except Exception:  # no cache: read the database
        log.warning("catalogue version unavailable", exc_info=True)
        return None


def catalogue_changed(**_signal) -> None:
    """A course or a price option changed: every process reads afresh, at once and again after
    commit (rows read in between, still the old ones, are kept under a version that is dropped)."""

    def bump():
        try:
            cache.set(_VERSION_KEY, uuid.uuid4().hex, None)
        except Exception:
            log.warning("catalogue version not replaced", exc_info=True)

    # With the database cache inside a transaction the early replacement is invisible to others
    # anyway, and a failing cache query would abort the caller's transaction on PostgreSQL.
    if not (isinstance(caches["default"], DatabaseCache) and connection.in_atomic_block):
        bump()
    transaction.on_commit(bump)


def watch_catalogue() -> None:
    """Connect ``catalogue_changed`` to every save and delete of a course or a price option
    (called once from ``CatalogConfig.ready``)."""
    for model in (Product, PricePolicy):
        post_save.connect(catalogue_changed, sender=model, dispatch_uid=f"catalogue-changed-save-{model.__name__}")
        post_delete.connect(catalogue_changed, sender=model, dispatch_uid=f"catalogue-changed-delete-{model.__name__}")


def _remembered(key, read):
    if key[0] is None:
        return read()
    with _kept_lock:
        value = _kept.get(key, _MISSING)
        if value is not _MISSING:
            _kept.move_to_end(key)
            return value
    value = read()
    with _kept_lock:
        _kept[key] = value
        while len(_kept) > _KEPT_MAX:
            _kept.popitem(last=False)
    return value


def forget_kept() -> None:
    """Drop this process's rows (tests)."""
    with _kept_lock:
        _kept.clear()


class _Counted:
    """What a Paginator needs of a list whose length is known."""

    def __init__(self, count: int):
        self._count = count

    def __len__(self) -> int:
        return self._count


def storefront_page(*, q: str, kind: str, sort: str, number, per_page: int) -> Page:
    """One page of the online course list (``product_list`` with the same arguments), as a
    Paginator's ``get_page(number)`` would give it, from memory while the catalogue is unchanged."""
    version = catalogue_version()

    def products():  # built only when read: building the query costs as much as running it
        return product_list(q=q, kind=kind, sort=sort)

    count = _remembered((version, "count", q, kind), lambda: products().count())
    paginator = Paginator(_Counted(count), per_page)
    try:
        number = paginator.validate_number(number)
    except PageNotAnInteger:
        number = 1
    except EmptyPage:
        number = paginator.num_pages
    bottom = (number - 1) * per_page
    rows = _remembered((version, "rows", q, kind, sort, number, per_page),
                       lambda: list(products()[bottom:bottom + per_page]))
    return Page(rows, number, paginator)


def storefront_product(slug: str) -> Product:
    """``product_detail(slug)`` from memory while the catalogue is unchanged (the caller still
    decides who may see an offline course). Raises ``Product.DoesNotExist``."""

    def read():
        try:
            return product_detail(slug)
        except Product.DoesNotExist:
            return None

    product = _remembered((catalogue_version(), "product", slug), read)
    if product is None:
        raise Product.DoesNotExist
    return product
