"""The portal under 50 people at once, next to one person alone, in one run.

Needs PostgreSQL and Redis (the defaults below are the local ones). Builds a database
of its own and starts the stack as docker-compose runs it: gunicorn with the
production command (three sync workers), a Celery worker, the gateway emulator as
the cluster, DEBUG off, and requests marked as coming through a TLS proxy.

The population: `--customers` customers provisioned through the portal's services,
each S3 user with two buckets on the emulator, a month so far of hourly usage and
storage snapshots written straight to the usage tables, and a plan on every fifth
customer. Every session signs in through the login form before the clock starts.

Three kinds of session, each a person who reads a page for one to three seconds
before the next (`--think`):

- admins list customers page by page, search, open customers, their usage and the
  usage overview, clusters and plans;
- support searches and opens customers and their usage;
- customers read their storage page and their usage, and every fifth visit rotate a
  key: a new pair, its check, the old pair revoked.

A page is fetched with the htmx panels it loads at once, as a browser would. A
request "waits on the gateway" when the portal asks the gateway to answer it: the
live state, buckets and limits panels and the key rotation's steps. Every other
request is answered from the database alone.

After ten seconds of warming the workers up, one session alone walks the same visits
for `--alone` seconds without pausing, taking each session's next visit in turn; then
all the sessions run together for `--seconds`. The tables are analyzed once filled, as
autovacuum would soon do. An error is any unexpected status, a page without what it
must show, a panel showing a gateway error, or a request that failed. Prints
requests/s, p50, p95, p99 and errors of both runs, by kind of request. Target: no
errors, and p95 under load at most 4 times p95 alone for requests answered without
the gateway.

    .venv/bin/python benchmarks/load.py [--sessions 50] [--seconds 60] [--alone 30]
        [--customers 300] [--database-url postgres://postgres@127.0.0.1:5432/staas_load]
        [--redis-url redis://127.0.0.1:6379/6]
"""

import argparse
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.support import (  # noqa: E402
    free_port,
    fresh_postgres_database,
    log_to_file,
    portal_environment,
    setup_django,
    start_emulator,
    start_workers,
    stop,
    wait_until_answering,
)

TARGET_RATIO = 4.0
WARM_UP_SECONDS = 10
# Of every ten sessions: four admins, three support staff, three customers.
ROLE_SHARES = (("admin", 4), ("support", 3), ("customer", 3))
PASSWORD = secrets.token_urlsafe(16)
GATEWAY_PATHS = re.compile(
    r"/accounts/\d+/(live|buckets|limits|state)/$|/keys/(new|\d+/check|\d+/revoke)/$"
)
PANEL = re.compile(r'hx-get="([^"]+)"\s+hx-trigger="load"')
HTMX_TOKEN = re.compile(r'"X-CSRFToken": "([^"]+)"')
GB = 10**9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60, help="length of the load run")
    parser.add_argument("--alone", type=float, default=30, help="length of the lone run")
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=(1.0, 3.0),
        metavar=("LEAST", "MOST"),
        help="seconds spent reading a page",
    )
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/staas_load")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/6")
    options = parser.parse_args()

    environment = portal_environment(options.database_url, options.redis_url)
    fresh_postgres_database(options.database_url)
    with tempfile.TemporaryDirectory() as workdir:
        workdir = Path(workdir)
        environment.update(
            ALLOWED_HOSTS="127.0.0.1", STAAS_PROXY_COUNT="1", STATIC_ROOT=str(workdir / "static")
        )
        access_key, secret_key = secrets.token_hex(10), secrets.token_urlsafe(30)
        emulator, gateway_url = start_emulator(
            workdir, access_key, secret_key, "--save-every", "50"
        )
        processes = [emulator]
        try:
            setup_django(environment)
            log_to_file(workdir / "bench.log")
            started = time.perf_counter()
            population = populate(options, gateway_url, access_key, secret_key)
            seeded = time.perf_counter() - started

            portal_url, web = start_gunicorn(environment, workdir)
            processes.append(web)
            processes.extend(start_workers(1, environment, workdir))
            run(options, population, portal_url, seeded)
        finally:
            for process in reversed(processes):
                stop(process)


def run(options, population: "Population", portal_url: str, seeded: float) -> None:
    sessions = sign_in_all(population.logins(options.sessions), portal_url)
    for visitor in sessions:
        visitor.visits = visits_of(visitor, population)

    # Every gunicorn worker compiles its templates and opens its connections on first use.
    walk_alone(sessions, Recorder(), WARM_UP_SECONDS)
    alone = Recorder()
    walk_alone(sessions, alone, options.alone)
    loaded = Recorder()
    walk_together(sessions, loaded, options.seconds, options.think)

    print(f"{options.customers} customers ({seeded:.0f}s to set up), gunicorn with 3 sync "
          "workers, PostgreSQL, Redis, a Celery worker, the emulator as the gateway")  # fmt: skip
    counts = Counter(visitor.role for visitor in sessions)
    roles = ", ".join(f"{count} {role}" for role, count in counts.items())
    print(f"{len(sessions)} sessions ({roles}), each reading a page for "
          f"{options.think[0]:g}-{options.think[1]:g}s")  # fmt: skip
    report(alone, loaded, len(sessions))


# The population


@dataclass
class Population:
    admins: list = field(default_factory=list)
    supports: list = field(default_factory=list)
    customer_logins: list = field(default_factory=list)
    customer_ids: list[int] = field(default_factory=list)
    search_terms: list[str] = field(default_factory=list)

    def logins(self, sessions: int) -> list[tuple[str, "object"]]:
        """(role, login) for each session, the roles in their shares."""
        pools = {"admin": self.admins, "support": self.supports,
                 "customer": self.customer_logins}  # fmt: skip
        order = [role for role, share in ROLE_SHARES for _ in range(share)]
        taken = dict.fromkeys(pools, 0)
        chosen = []
        for number in range(sessions):
            role = order[number % len(order)]
            chosen.append((role, pools[role][taken[role]]))
            taken[role] += 1
        return chosen


def populate(options, gateway_url: str, access_key: str, secret_key: str) -> Population:
    from django.contrib.auth.hashers import make_password

    from staas_portal.clusters.models import StorageCluster
    from staas_portal.users.models import Role, User

    cluster = StorageCluster(name="main", gateway_url=gateway_url, access_key=access_key,
                             is_default=True)  # fmt: skip
    cluster.set_secret_key(secret_key)
    cluster.save()

    # One hash for every login: hashing is slow on purpose, and the run measures pages.
    password = make_password(PASSWORD)
    population = Population()
    most = options.sessions
    for number in range(most):
        population.admins.append(User.objects.create(
            username=f"admin{number}", role=Role.ADMIN, password=password
        ))  # fmt: skip
        population.supports.append(User.objects.create(
            username=f"support{number}", role=Role.SUPPORT, password=password
        ))  # fmt: skip

    accounts = provision(options.customers, cluster, population.admins[0])
    for number, (account, _) in enumerate(accounts[:most]):
        population.customer_logins.append(User.objects.create(
            username=f"customer{number}", role=Role.CUSTOMER, password=password,
            customer=account.customer,
        ))  # fmt: skip
    buckets = make_buckets(cluster, accounts)
    write_usage(cluster, buckets)
    put_on_plan(population.admins[0], [account.customer for account, _ in accounts[::5]])

    population.customer_ids = [account.customer_id for account, _ in accounts]
    population.search_terms = search_terms(accounts, buckets)
    analyze_tables()
    return population


def analyze_tables() -> None:
    """Planner statistics of the tables just filled, as autovacuum would soon leave them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def provision(count: int, cluster, admin) -> list:
    """Customers, each with an S3 user on the emulator: (account, first key pair)."""
    from staas_portal.customers import services
    from staas_portal.customers.models import Customer

    rng = random.Random(4)
    accounts = []
    for number in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        customer = Customer.objects.create(
            name=f"{first} {last}", company=f"{last} {rng.choice(COMPANY_WORDS)} Ltd",
            email=f"{first.lower()}.{last.lower()}{number}@mail.example",
        )  # fmt: skip
        accounts.append(services.account_provision(actor=admin, customer=customer,
                                                   cluster=cluster))  # fmt: skip
    return accounts


def make_buckets(cluster, accounts) -> list[tuple[str, str]]:
    """Two buckets per S3 user, made over S3 with its own key pair: (user id, bucket)."""
    import boto3
    from botocore.config import Config

    config = Config(s3={"addressing_style": "path"}, retries={"total_max_attempts": 1})
    made = []
    for number, (account, pair) in enumerate(accounts):
        s3 = boto3.session.Session().client(
            "s3", endpoint_url=cluster.gateway_url, region_name=cluster.region, config=config,
            aws_access_key_id=pair.note.access_key_id,
            aws_secret_access_key=pair.secret_access_key,
        )  # fmt: skip
        for word in ("backups", "media"):
            bucket = f"{account.customer.company.split()[0].lower()}-{word}-{number}"
            s3.create_bucket(Bucket=bucket)
            made.append((account.user_id, bucket))
    return made


def write_usage(cluster, buckets: list[tuple[str, str]]) -> None:
    """The month so far, hour by hour: request counters and a storage snapshot per hour."""
    from django.utils import timezone

    from staas_portal.usage.models import HourlyUsage, StorageSample, StorageSnapshot

    rng = random.Random(9)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    hour = now.replace(day=1, hour=0)
    sizes = {bucket: rng.randrange(GB, 500 * GB) for bucket in buckets}
    while hour < now:
        HourlyUsage.objects.bulk_create(
            HourlyUsage(
                cluster=cluster, user_id=user_id, bucket=bucket, hour=hour,
                ops_put=rng.randrange(200), ops_get=rng.randrange(2000),
                ops_list=rng.randrange(50), ops_other=rng.randrange(20),
                uploaded=rng.randrange(GB), downloaded=rng.randrange(3 * GB),
            )
            for user_id, bucket in buckets
        )  # fmt: skip
        snapshot = StorageSnapshot.objects.create(
            cluster=cluster, taken_at=hour, held_seconds=3600, buckets=len(buckets)
        )
        StorageSample.objects.bulk_create(
            StorageSample(
                snapshot=snapshot, cluster=cluster, taken_at=hour, user_id=user_id,
                bucket=bucket, current=size, hmax=size, h_integral=0, last_ts=0,
            )
            for (user_id, bucket), size in sizes.items()
        )  # fmt: skip
        for bucket in sizes:
            sizes[bucket] += rng.randrange(GB // 10)
        hour += timedelta(hours=1)
    StorageSnapshot.objects.filter(cluster=cluster, taken_at=hour - timedelta(hours=1)).update(
        held_seconds=None
    )


def put_on_plan(admin, customers) -> None:
    from decimal import Decimal

    from staas_portal.limits import services
    from staas_portal.limits.models import Plan

    plan = Plan(name="Business", ops_default=Decimal("500"), quota_gb=2000)
    services.plan_save(actor=admin, plan=plan)
    for customer in customers:
        services.plan_assign(actor=admin, customer=customer, plan=plan)


def search_terms(accounts, buckets) -> list[str]:
    """What people type: names, parts of emails, S3 user ids, key ids, bucket names."""
    rng = random.Random(11)
    terms = []
    for account, pair in rng.sample(accounts, 30):
        customer = account.customer
        terms += [customer.name, customer.name.split()[1][:4], customer.email.split("@")[0],
                  account.user_id[:8], pair.note.access_key_id]  # fmt: skip
    terms += [bucket for _, bucket in rng.sample(buckets, 20)]
    terms += ["zzqxv", "nobody@nowhere.example"]
    return terms


FIRST_NAMES = (
    "Anna", "Ben", "Chloe", "Dmitri", "Elif", "Farid", "Grace", "Hiro", "Ines", "Jonas",
    "Lars", "Maria", "Olga", "Pedro", "Rosa", "Sven", "Viktor", "Zofia",
)  # fmt: skip
LAST_NAMES = (
    "Kowalska", "Okafor", "Martin", "Volkov", "Yilmaz", "Haddad", "Smith", "Tanaka",
    "Garcia", "Berg", "Nowak", "Rossi", "Petrov", "Schmidt", "Silva", "Dubois",
)  # fmt: skip
COMPANY_WORDS = ("Data", "Media", "Cloud", "Foto", "Design", "Studio", "Digital", "Archive")


# The stack


def start_gunicorn(environment: dict[str, str], workdir: Path) -> tuple[str, subprocess.Popen]:
    """The web server as docker-compose starts it, once /healthz answers."""
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    port = free_port()
    log = (workdir / "gunicorn.log").open("w")
    command = [
        sys.executable, "-m", "gunicorn", "staas_portal.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", "3", "--timeout", "60",
    ]  # fmt: skip
    web = subprocess.Popen(command, cwd=REPO, env={**os.environ, **environment},
                           stdout=log, stderr=log)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    wait_until_answering(url + "/healthz", web, f"gunicorn (see {workdir / 'gunicorn.log'})")
    return url, web


# Sessions


@dataclass
class Sample:
    label: str
    waits_on_gateway: bool
    seconds: float
    error: str = ""


class Recorder:
    """Every request's time and outcome, from any thread."""

    def __init__(self):
        self.samples: list[Sample] = []
        self.lock = threading.Lock()
        self.began = self.ended = 0.0

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)


class Visitor:
    """One person's browser: their cookies, the page's CSRF token, a recorder to tell."""

    def __init__(self, portal_url: str, role: str, login, rng: random.Random):
        import requests

        self.portal_url, self.role, self.login, self.rng = portal_url, role, login, rng
        self.http = requests.Session()
        self.http.trust_env = False
        # The portal sees HTTPS from its proxy; over plain HTTP requests would keep back
        # the Secure cookies, so the cookies are sent by hand.
        self.cookies: dict[str, str] = {}
        self.token = ""
        self.recorder: Recorder | None = None
        self.visits = None

    def request(self, method: str, path: str, label: str, must_show: str = "",
                data: dict | None = None, htmx: bool = False, status: int = 200):  # fmt: skip
        headers = {
            "X-Forwarded-Proto": "https",
            "Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items()),
        }
        if method == "POST":
            origin = "https://" + self.portal_url.split("//", 1)[1]
            headers.update(Origin=origin, Referer=origin + "/", **{"X-CSRFToken": self.token})
        if htmx:
            headers["HX-Request"] = "true"

        started = time.perf_counter()
        error = ""
        try:
            response = self.http.request(
                method, self.portal_url + path, data=data, headers=headers,
                allow_redirects=False, timeout=30,
            )  # fmt: skip
            body = response.text
        except OSError as failure:
            response, body, error = None, "", f"{type(failure).__name__}"
        seconds = time.perf_counter() - started

        if response is not None:
            self.cookies.update(response.cookies.get_dict())
            error = problem(response, body, status, must_show)
            found = HTMX_TOKEN.search(body)
            if found:
                self.token = found.group(1)
        if self.recorder is not None:
            waits = bool(GATEWAY_PATHS.search(path.split("?")[0]))
            self.recorder.add(Sample(label, waits, seconds, error and f"{method} {path}: {error}"))
        return response, body

    def page(self, path: str, label: str, must_show: str = "") -> str:
        """A page and the panels it loads at once."""
        _, body = self.request("GET", path, label, must_show)
        for panel in PANEL.findall(body):
            part = panel.split("?")[0].rstrip("/").rsplit("/", 1)[1]
            self.request("GET", panel.replace("&amp;", "&"), f"{label}: {part}", htmx=True)
        return body


def problem(response, body: str, status: int, must_show: str) -> str:
    if response.status_code != status:
        return f"answered {response.status_code}"
    if 'class="gateway-error"' in body:
        return "showed a gateway error"
    if must_show and must_show not in body:
        return f"did not show {must_show!r}"
    return ""


def sign_in_all(logins, portal_url: str) -> list[Visitor]:
    """Every session signed in through the login form, two at a time."""
    from concurrent.futures import ThreadPoolExecutor

    visitors = [Visitor(portal_url, role, login, random.Random(number))
                for number, (role, login) in enumerate(logins)]  # fmt: skip
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(sign_in, visitors))
    return visitors


def sign_in(visitor: Visitor) -> None:
    visitor.request("GET", "/login/", "sign in", must_show="csrfmiddlewaretoken")
    response, _ = visitor.request(
        "POST", "/login/", "sign in", status=302,
        data={"username": visitor.login.username, "password": PASSWORD},
    )  # fmt: skip
    if response is None or response.status_code != 302:
        answer = "no answer" if response is None else f"{response.status_code}"
        raise SystemExit(f"{visitor.login.username} could not sign in: {answer}")


def visits_of(visitor: Visitor, population: Population):
    """The endless visits of the visitor's role; each `yield` ends one page view."""
    role_visits = {"admin": admin_visits, "support": support_visits,
                   "customer": customer_visits}  # fmt: skip
    return role_visits[visitor.role](visitor, population)


def admin_visits(visitor: Visitor, population: Population):
    rng = visitor.rng
    pages = len(population.customer_ids) // 25 + 1
    while True:
        choice = rng.random()
        if choice < 0.2:
            visitor.page(f"/customers/?page={rng.randrange(1, pages)}", "customer list",
                         must_show="Customers")  # fmt: skip
        elif choice < 0.4:
            search(visitor, population)
        elif choice < 0.7:
            open_customer(visitor, population)
        elif choice < 0.8:
            visitor.page(f"/usage/customers/{rng.choice(population.customer_ids)}/",
                         "customer usage", must_show="GB")  # fmt: skip
        elif choice < 0.9:
            visitor.page(f"/usage/?page={rng.randrange(1, pages)}", "usage overview",
                         must_show="GB")  # fmt: skip
        elif choice < 0.95:
            visitor.page("/clusters/", "clusters", must_show="main")
        else:
            visitor.page("/plans/", "plans", must_show="Business")
        yield


def support_visits(visitor: Visitor, population: Population):
    rng = visitor.rng
    while True:
        choice = rng.random()
        if choice < 0.4:
            search(visitor, population)
        elif choice < 0.8:
            open_customer(visitor, population)
        else:
            visitor.page(f"/usage/customers/{rng.choice(population.customer_ids)}/",
                         "customer usage", must_show="GB")  # fmt: skip
        yield


def search(visitor: Visitor, population: Population) -> None:
    term = visitor.rng.choice(population.search_terms)
    visitor.page("/search/?" + urllib.parse.urlencode({"q": term}), "search")


def open_customer(visitor: Visitor, population: Population) -> None:
    customer_id = visitor.rng.choice(population.customer_ids)
    visitor.page(f"/customers/{customer_id}/", "customer page", must_show="S3 user")


def customer_visits(visitor: Visitor, population: Population):
    rng = visitor.rng
    while True:
        choice = rng.random()
        if choice < 0.4:
            visitor.page("/my/", "my storage", must_show="Key pairs")
        elif choice < 0.8:
            visitor.page("/my/usage/", "my usage", must_show="GB")
        else:
            yield from rotate_key(visitor)
            continue
        yield


def rotate_key(visitor: Visitor):
    """A new key pair, its check, the old pair revoked: page views of their own."""
    body = visitor.page("/my/", "my storage", must_show="Key pairs")
    account = re.search(r'href="/my/accounts/(\d+)/keys/new/"', body)
    if account is None:
        visitor.recorder.add(Sample("rotation", False, 0, "/my/ offered no key rotation"))
        yield
        return
    base = f"/my/accounts/{account.group(1)}/keys/"
    yield

    visitor.page(base + "new/", "new key form", must_show="Make a new key pair")
    yield

    _, body = visitor.request("POST", base + "new/", "new key", must_show="new-secret")
    check = re.search(r'hx-post="(/my/accounts/\d+/keys/\d+/check/)"', body)
    revoke = re.search(r'href="(/my/accounts/\d+/keys/\d+/revoke/)"', body)
    if check is None or revoke is None:
        yield
        return
    visitor.request("POST", check.group(1), "key check", must_show="works", htmx=True)
    yield

    visitor.page(revoke.group(1), "revoke confirmation", must_show="Revoke key pair")
    yield

    response, _ = visitor.request("POST", revoke.group(1), "revoke", status=302)
    if response is not None and response.status_code == 302:
        visitor.page(response.headers["Location"], "my storage", must_show="revoked.")
    yield


def walk_alone(visitors: list[Visitor], recorder: Recorder, seconds: float) -> None:
    """One request at a time, no pause: each visitor's next page view in turn."""
    for visitor in visitors:
        visitor.recorder = recorder
    recorder.began = time.perf_counter()
    deadline = recorder.began + seconds
    while time.perf_counter() < deadline:
        for visitor in visitors:
            next(visitor.visits)
            if time.perf_counter() >= deadline:
                break
    recorder.ended = time.perf_counter()


def walk_together(visitors: list[Visitor], recorder: Recorder, seconds: float,
                  think: tuple[float, float]) -> None:  # fmt: skip
    """Every visitor in a thread of its own, reading each page before the next."""
    for visitor in visitors:
        visitor.recorder = recorder
    stopping = threading.Event()

    def browse(visitor: Visitor) -> None:
        # Sessions start spread over the first think time, as people do not click at once.
        stopping.wait(visitor.rng.uniform(0, think[1]))
        while not stopping.is_set():
            next(visitor.visits)
            stopping.wait(visitor.rng.uniform(*think))

    threads = [threading.Thread(target=browse, args=(visitor,)) for visitor in visitors]
    recorder.began = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stopping.set()
    for thread in threads:
        thread.join()
    recorder.ended = time.perf_counter()


# The figures


def report(alone: Recorder, loaded: Recorder, sessions: int) -> None:
    print(f"{'':34} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
          f"{'p99 ms':>7} {'errors':>6}")  # fmt: skip
    kinds = (("answered without the gateway", False), ("waiting on the gateway", True))
    for name, recorder in (("1 session", alone), (f"{sessions} sessions", loaded)):
        line(f"{name}, every request", recorder, recorder.samples)
        for kind, waits in kinds:
            chosen = [sample for sample in recorder.samples if sample.waits_on_gateway == waits]
            line(f"  {kind}", recorder, chosen)

    print("p95 by page, alone and under load (ms):")
    labels = sorted({sample.label for sample in loaded.samples})
    for label in labels:
        lone = [s.seconds for s in alone.samples if s.label == label]
        many = [s.seconds for s in loaded.samples if s.label == label]
        print(f"  {label:32} {p95_text(lone)} {p95_text(many)}  ({len(many)})")

    errors = [sample.error for sample in alone.samples + loaded.samples if sample.error]
    for error in sorted(set(errors))[:10]:
        print(f"error: {error} ({errors.count(error)}x)")

    ratio = (
        percentiles([s.seconds for s in loaded.samples if not s.waits_on_gateway])[1]
        / percentiles([s.seconds for s in alone.samples if not s.waits_on_gateway])[1]
    )
    met = ratio <= TARGET_RATIO and not errors
    print(f"p95 of requests answered without the gateway: {ratio:.2f} times under load what it "
          f"is alone, with {len(errors)} errors; {'meets' if met else 'MISSES'} the target "
          f"of no errors and at most {TARGET_RATIO:g} times")  # fmt: skip


def line(name: str, recorder: Recorder, samples: list[Sample]) -> None:
    if len(samples) < 2:
        print(f"{name:34} {len(samples):8}")
        return
    p50, p95, p99 = (cut * 1000 for cut in percentiles([s.seconds for s in samples]))
    rate = len(samples) / (recorder.ended - recorder.began)
    errors = sum(1 for sample in samples if sample.error)
    print(f"{name:34} {len(samples):8} {rate:7.1f} {p50:7.1f} {p95:7.1f} {p99:7.1f} {errors:6}")


def p95_text(seconds: list[float]) -> str:
    """p95 in ms, or a dash where a page was seen too few times for one."""
    return f"{percentiles(seconds)[1] * 1000:7.1f}" if len(seconds) > 1 else f"{'-':>7}"


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


if __name__ == "__main__":
    main()
