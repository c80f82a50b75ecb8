"""Catalogue reads with their prices annotated, so a list is one query whatever its length."""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import Count, F, Min, Prefetch, Q, QuerySet
from django.db.models.signals import post_delete, post_save

from shop.core import sql

from .models import CatalogueVersion, PricePolicy, Product, ProductKind

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
# kept in each process under the catalogue's *version*: a random token in one database row,
# replaced in the same transaction as every write to a course or a price option (signals on save
# and delete, and ``catalogue_changed()`` where a service writes with ``update()``). A reader that
# saw token V and then read rows either read them after the write committed (they are newer than
# V, which is gone) or before it (and V is gone once it commits): rows kept under a token are never
# stale while that token is current. A signed-in page reads the token with its session (no query
# of its own, :func:`shop.core.sessions.read_with_user`); a visitor's page reads it with one.

_KEPT_MAX = 2_000
_kept: OrderedDict = OrderedDict()
_kept_lock = threading.Lock()
_MISSING = object()


def version_column(_user_id_column: str = "") -> str:
    """The token as a scalar subquery (read with the signed-in user's session)."""
    return f"(SELECT token FROM {sql.table(CatalogueVersion)} WHERE id = 1)"


def catalogue_version(request=None) -> str | None:
    """The catalogue's current token: the one read with the signed-in user of ``request``, else
    read now (made if the row is missing)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        read = getattr(user, "catalogue_version", None)
        if read is not None:
            return read
    row = sql.execute(f"SELECT {version_column()}", [])[1]
    if row is None or row[0] is None:
        catalogue_changed()
        row = sql.execute(f"SELECT {version_column()}", [])[1]
    return row[0] if row else None


def catalogue_changed(**_signal) -> None:
    """A course or a price option changed: a new token, in the writer's transaction."""
    table = sql.table(CatalogueVersion)
    sql.execute(f"INSERT INTO {table} (id, token) VALUES (1, %s) ON CONFLICT (id) DO UPDATE SET token = excluded.token",
                [uuid.uuid4().hex])


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


def storefront_page(*, version: str | None, q: str, kind: str, sort: str, number, per_page: int) -> Page:
    """One page of the online course list (``product_list`` with the same arguments), as a
    Paginator's ``get_page(number)`` would give it, from memory while the catalogue is still at
    ``version`` (:func:`catalogue_version`; None: read afresh)."""

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


def storefront_product(slug: str, version: str | None) -> Product:
    """``product_detail(slug)`` from memory while the catalogue is still at ``version`` (the caller
    still decides who may see an offline course). Raises ``Product.DoesNotExist``."""

    def read():
        try:
            return product_detail(slug)
        except Product.DoesNotExist:
            return None

    product = _remembered((version, "product", slug), read)
    if product is None:
        raise Product.DoesNotExist
    return product
