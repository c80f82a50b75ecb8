"""A rush over real HTTP against the server `make run` starts: 32 shoppers at once sign up (96
accounts), claim a scarce coupon, add a course to the cart and press **Pay now** — 0 answers ≥ 500
and the data adds up.

The server is started the way ``bin/run-demo`` does it (gunicorn, 2 workers × 4 threads, DEBUG off,
a qcluster beside it) on a fresh database: a temporary SQLite file by default, or — when
``DATABASE_URL`` points to PostgreSQL — a fresh database on that server. Passwords are hashed
with the real (slow) hasher: that is what made the default setup answer "database is locked".
``BAZAAR_LOAD_SERVER=runserver`` starts ``manage.py runserver --noreload`` (32 threads) instead.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytestmark = pytest.mark.load

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
CLIENTS = 32
SIGNUPS_PER_CLIENT = 3
PASSWORD = "Rush-hour-pass-2026"
TIMEOUT = 120  # seconds for one HTTP request


# --- a tiny browser: own cookie jar, no redirects followed, forms read from the HTML ------------
class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 3xx comes back as an HTTPError with its status


@dataclass
class Hit:
    phase: str
    method: str
    path: str
    status: int
    detail: str = ""


@dataclass
class Form:
    id: str
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)


class _FormParser(HTMLParser):
    """Forms with the values a browser would submit (inputs linked with ``form=`` included)."""

    def __init__(self):
        super().__init__()
        self.forms: dict[str, Form] = {}
        self._current: Form | None = None
        self._select: tuple[Form, str] | None = None
        self._select_value: str | None = None
        self._first_option: str | None = None
        self._anonymous = 0
        self.linked: list[tuple[str, str, str]] = []  # (form id, name, value) of form="…" fields

    def _owner(self, attrs) -> Form | None:
        if attrs.get("form"):  # the form may come later in the page: linked after parsing
            return _Linked(self.linked, attrs["form"])
        return self._current

    def handle_starttag(self, tag, attrs_list):
        attrs = {k: (v if v is not None else "") for k, v in attrs_list}
        if tag == "form":
            self._anonymous += 1
            form_id = attrs.get("id") or f"form-{self._anonymous}"
            self._current = self.forms.setdefault(
                form_id, Form(form_id, attrs.get("action", ""), attrs.get("method", "get").lower()))
        elif tag == "input" and attrs.get("name"):
            owner = self._owner(attrs)
            kind = attrs.get("type", "text").lower()
            if owner is None or kind in ("submit", "button", "image", "file") or "disabled" in attrs:
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            owner.fields.append((attrs["name"], attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and attrs.get("name"):
            owner = self._owner(attrs)
            if owner is not None:
                self._select, self._select_value, self._first_option = (owner, attrs["name"]), None, None
        elif tag == "option" and self._select is not None:
            value = attrs.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in attrs:
                self._select_value = value

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None
        elif tag == "select" and self._select is not None:
            owner, name = self._select
            value = self._select_value if self._select_value is not None else self._first_option
            if value is not None:
                owner.fields.append((name, value))
            self._select = None


class _Linked:
    def __init__(self, linked, form_id):
        self.linked, self.form_id = linked, form_id
        self.fields = self

    def append(self, pair):
        self.linked.append((self.form_id, *pair))


def forms_of(html: str) -> dict[str, Form]:
    parser = _FormParser()
    parser.feed(html)
    for form_id, name, value in parser.linked:
        if form_id in parser.forms:
            parser.forms[form_id].fields.append((name, value))
    return parser.forms


class Shopper:
    def __init__(self, base: str, hits: list[Hit]):
        self.base, self.hits = base, hits
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def go(self, phase: str, method: str, path: str, data=None, headers=None) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, method=method, headers=headers or {})
        try:
            with self.opener.open(request, timeout=TIMEOUT) as response:
                status, text, location = response.status, response.read().decode(), ""
        except urllib.error.HTTPError as exc:
            status, text, location = exc.code, exc.read().decode(errors="replace"), exc.headers.get("Location", "")
        except OSError as exc:  # refused, reset, timed out: as bad as a 5xx
            status, text, location = 599, f"{type(exc).__name__}: {exc}", ""
        detail = text[:300] if status >= 500 else ""
        if status == 503:
            detail = f"Retry-After page: {text[:120]}"
        self.hits.append(Hit(phase, method, path, status, detail))
        return status, text, location

    def post_form(self, phase: str, path: str, data: dict | list, headers=None):
        if isinstance(data, dict):
            data = list(data.items())
        return self.go(phase, "POST", path, [*data, ("csrfmiddlewaretoken", self.csrf())], headers)


# --- the server ------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _manage(env, *args, timeout=300) -> str:
    done = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _pg_admin(url: str):
    import psycopg

    parts = urllib.parse.urlsplit(url)
    return psycopg.connect(host=parts.hostname, port=parts.port or 5432, user=urllib.parse.unquote(parts.username or ""),
                           password=urllib.parse.unquote(parts.password or "") or None, dbname="postgres",
                           autocommit=True)


@pytest.fixture(scope="module")
def database_url():
    """A fresh database: a temporary SQLite file, or a new PostgreSQL database next to DATABASE_URL's."""
    outer = os.environ.get("DATABASE_URL", "")
    if not outer.startswith(("postgres://", "postgresql://")):
        with tempfile.TemporaryDirectory(prefix="bazaar-load-") as tmp:
            yield f"sqlite:///{tmp}/db.sqlite3"
        return
    name = f"bazaar_load_{os.environ.get('BAZAAR_TEST_DB', 'default')}".replace("-", "_").lower()
    try:
        admin = _pg_admin(outer)
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    parts = urllib.parse.urlsplit(outer)
    yield urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
    with _pg_admin(outer) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


SETUP = """
import json
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
call_command("createcachetable")
call_command("seed_demo")
from shop.catalog.models import Product
from shop.coupons.models import Coupon
from shop.core import clock
now = clock.now()
product = Product.objects.online().get(slug="python-data-analysis")
open_coupons = [c for c in Coupon.objects.filter(is_deleted=False) if c.claim_status_at(now) == "claiming"]
scarce = min(open_coupons, key=lambda c: c.quantity)
from django.db.models import F
from shop.gifts import services as gifts
from shop.gifts.models import GiftHolding
holding = GiftHolding.objects.get(user__username="alice")
GiftHolding.objects.filter(pk=holding.pk).update(bought=F("bought") + 8, available=F("available") + 8)
alice = holding.user
full = gifts.create_draw(user=alice, product_id=holding.product_id, gifts=3, method="full", needed=10,
                         wish="Rush", now=now)
direct = gifts.create_draw(user=alice, product_id=holding.product_id, gifts=5, method="direct", wish="Rush", now=now)
print("LOAD-JSON", json.dumps({"slug": product.slug, "policy": product.policies.filter(is_active=True)
      .order_by("position", "pk").first().pk, "coupon": scarce.pk, "quantity": scarce.quantity,
      "full_draw": full.token, "direct_draw": direct.token}))
"""

CHECK = """
import json
from django.contrib.auth import get_user_model
from django.db.models import Count, Max
from shop.cart.models import CartLine
from shop.coupons.models import ClaimedCoupon, Coupon, CouponHolding
from shop.orders.models import Order
from shop.gifts.models import GiftDraw
from shop.wallet.models import Wallet


def draw_facts(token):
    draw = GiftDraw.objects.get(token=token)
    return {"status": draw.status, "participants": draw.participant_count, "entries": draw.participants.count(),
            "winners": draw.participants.filter(won=True).count()}


users = get_user_model().objects.filter(username__startswith="rush")
coupon = Coupon.objects.get(pk=COUPON)
print("LOAD-JSON", json.dumps({
    "users": users.count(),
    "wallets": Wallet.objects.filter(user__in=users).count(),
    "claimed_rows": ClaimedCoupon.objects.filter(coupon=coupon).count(),
    "claimed_counter": coupon.claimed,
    "max_held": CouponHolding.objects.filter(coupon=coupon).aggregate(m=Max("count"))["m"] or 0,
    "per_user_limit": coupon.per_user_limit,
    "orders": Order.objects.filter(user__in=users).count(),
    "max_orders_per_user": (Order.objects.filter(user__in=users).values("user").annotate(n=Count("pk"))
                            .aggregate(m=Max("n"))["m"] or 0),
    "cart_lines_left": CartLine.objects.filter(cart__user__in=users).count(),
    "full": draw_facts(FULL_TOKEN),
    "direct": draw_facts(DIRECT_TOKEN),
}))
"""


def _json_from(output: str) -> dict:
    line = next(line for line in output.splitlines() if line.startswith("LOAD-JSON "))
    return json.loads(line.removeprefix("LOAD-JSON "))


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM the process group we started, SIGKILL it after a few seconds."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=8)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
    except ProcessLookupError:
        pass


@pytest.fixture(scope="module")
def server(database_url, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("load")
    (tmp / "static").mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "BAZAAR_TEST_DB")}
    env.update(DJANGO_SETTINGS_MODULE="tests.load.server_settings", DATABASE_URL=database_url,
               STATIC_ROOT=str(tmp / "static"), MEDIA_ROOT=str(tmp / "media"), LOG_LEVEL="WARNING",
               PYTHONUNBUFFERED="1")
    env.pop("REDIS_URL", None)  # the default setup: the database is the broker and the cache
    started = time.monotonic()
    setup = _json_from(_manage(env, "shell", "-c", SETUP))
    print(f"migrate + createcachetable + seed_demo: {time.monotonic() - started:.1f} s")
    port = _free_port()
    if os.environ.get("BAZAAR_LOAD_SERVER") == "runserver":
        web_cmd = [PYTHON, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]
    else:  # as bin/run-demo
        web_cmd = [PYTHON, "-m", "gunicorn", "project.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2",
                   "--threads", "4", "--timeout", "60", "--log-level", "warning", "--error-logfile", "-"]
    log_path = tmp / "server.log"
    with open(log_path, "w") as log:
        cluster = subprocess.Popen([PYTHON, "manage.py", "qcluster"], cwd=ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        web = subprocess.Popen(web_cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(base + "/healthz", timeout=5):
                        break
                except urllib.error.HTTPError:
                    break  # it answers (healthz may be 503 while the cluster warms up)
                except OSError:
                    assert web.poll() is None, f"the web server exited:\n{log_path.read_text()[-3000:]}"
                    assert time.monotonic() < deadline, "the web server did not start within 60 s"
                    time.sleep(0.3)
            yield {"base": base, "env": env, "log": log_path, **setup}
        finally:
            _stop(web)
            _stop(cluster)


# --- the rush ---------------------------------------------------------------------------------------
def _rush(server) -> tuple[list[Hit], Counter]:
    hits: list[Hit] = []
    outcome: Counter = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(CLIENTS)
    errors: list[BaseException] = []
    marks: dict[str, float] = {}

    def phase(name: str):
        barrier.wait(timeout=TIMEOUT)
        with lock:
            marks.setdefault(name, time.monotonic())

    def count(what: str):
        with lock:
            outcome[what] += 1

    def client(i: int):
        mine: list[Hit] = []
        try:
            # 1. Sign up three accounts, each in its own browser (own cookie jar).
            shoppers = []
            phase("signup")
            for k in range(SIGNUPS_PER_CLIENT):
                shopper = Shopper(server["base"], mine)
                shopper.go("signup", "GET", "/accounts/signup/")
                username = f"rush{i:02d}n{k}"
                status, _, location = shopper.post_form("signup", "/accounts/signup/", {
                    "username": username, "email": f"{username}@example.com",
                    "password1": PASSWORD, "password2": PASSWORD})
                if status == 302:
                    count("signed_up")
                    shoppers.append(shopper)
            # 2. Every account claims the scarce coupon from the coupon centre (htmx, as the page does).
            phase("claim")
            for shopper in shoppers:
                shopper.go("claim", "GET", "/coupons/")
                status, _, _ = shopper.go("claim", "POST", f"/coupons/{server['coupon']}/claim/", [],
                                          {"HX-Request": "true", "X-CSRFToken": shopper.csrf()})
                count("claim_answered" if status == 200 else f"claim_{status}")
            if not shoppers:
                return
            shopper = shoppers[-1]
            # 3. Add a course to the cart.
            phase("cart")
            status, _, _ = shopper.post_form("cart", f"/cart/add/{server['slug']}/", {"policy": server["policy"]})
            if status == 302:
                count("added")
            # 4. Checkout: the cart's checkout form → the settlement page → Pay now with what it shows.
            phase("checkout")
            status, page, _ = shopper.go("checkout", "GET", "/cart/")
            lines = [value for name, value in forms_of(page).get("checkout-form", Form("", "", "")).fields
                     if name == "lines"]
            if not lines:
                count("no_lines_in_cart")
                return
            status, page, _ = shopper.go("checkout", "GET", "/checkout/?" + urllib.parse.urlencode(
                [("lines", line) for line in lines]))
            settlement = forms_of(page).get("settlement")
            if status != 200 or settlement is None:
                count(f"checkout_page_{status}")
                return
            fields = [(n, v) for n, v in settlement.fields if n != "csrfmiddlewaretoken"]
            status, _, location = shopper.post_form("pay", settlement.action, fields)
            count("paid_placed" if status == 302 and "/checkout" not in location else f"pay_{status}")
            # 5. Everyone opens two shared gift draws and presses Join at once: a full-10 draw of 3
            # gifts and a direct gift of 5.
            phase("gifts")
            for kind in ("full_draw", "direct_draw"):
                page_url = f"/gifts/{server[kind]}/"
                shopper.go("gifts", "GET", page_url)
                status, _, location = shopper.post_form("gifts", f"{page_url}join/", [])
                count(f"{kind}_answered" if status == 302 and location.endswith(page_url) else f"{kind}_{status}")
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
            barrier.abort()
        finally:
            with lock:
                hits.extend(mine)

    threads = [threading.Thread(target=client, args=(i,), name=f"shopper-{i}") for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert not errors, f"client errors: {errors[:3]!r}"
    marks["end"] = time.monotonic()
    names = list(marks)
    print("phase seconds:", {a: round(marks[b] - marks[a], 1) for a, b in zip(names, names[1:], strict=False)})
    return hits, outcome


def test_a_rush_of_32_shoppers_gets_no_5xx_and_consistent_data(server):
    started = time.monotonic()
    hits, outcome = _rush(server)
    elapsed = time.monotonic() - started
    failures = [h for h in hits if h.status >= 500]
    log_tail = server["log"].read_text()[-2000:]
    assert not failures, (
        f"{len(failures)} of {len(hits)} answers were ≥ 500 (in {elapsed:.0f} s): "
        f"{Counter((h.phase, h.status) for h in failures)}\nfirst: {failures[0]}\nserver log:\n{log_tail}")

    signups = CLIENTS * SIGNUPS_PER_CLIENT
    assert outcome["signed_up"] == signups, outcome
    data = _json_from(_manage(server["env"], "shell", "-c", CHECK.replace("COUPON", str(server["coupon"]))
                                         .replace("FULL_TOKEN", repr(server["full_draw"]))
                                         .replace("DIRECT_TOKEN", repr(server["direct_draw"]))))
    assert data["users"] == outcome["signed_up"], data
    assert data["wallets"] == data["users"], data
    # Claims: never more than the quantity, the counter matches the rows, one per shopper, and
    # nobody lost a claim while coupons were left (every attempt was answered).
    assert outcome["claim_answered"] == signups, outcome
    assert data["claimed_rows"] == data["claimed_counter"] == min(server["quantity"], signups), data
    assert data["max_held"] <= data["per_user_limit"], data
    # Cart and Pay now: one order per paying shopper, the cart lines it bought are gone.
    assert outcome["added"] == CLIENTS, outcome
    assert outcome["paid_placed"] == CLIENTS, outcome
    assert data["orders"] == CLIENTS and data["max_orders_per_user"] == 1, data
    assert data["cart_lines_left"] == 0, data
    # Gift draws: every Join was answered; the full draw took exactly 10 and drew 3 winners once,
    # the direct gift handed out exactly its 5 gifts.
    assert outcome["full_draw_answered"] == outcome["direct_draw_answered"] == CLIENTS, outcome
    assert data["full"] == {"status": "drawn", "participants": 10, "entries": 10, "winners": 3}, data
    assert data["direct"] == {"status": "drawn", "participants": 5, "entries": 5, "winners": 5}, data
