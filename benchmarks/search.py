"""How the support lookup's server time grows from 1,000 to 100,000 customers.

Needs PostgreSQL (the default URL below is the local one); no Redis and no gateway.
Builds a database of its own and fills it by COPY with 1,000 customers, each with one
live S3 user (every tenth also a deleted one), two key pairs (some revoked) and three
buckets, on three clusters. It times a mix of searches, then fills on to 100,000
customers (200,000 key pairs, 300,000 buckets) and times the same mix again. Both fills
end with VACUUM ANALYZE, as autovacuum would leave the tables.

The mix is names, emails, companies, parts of S3 user ids, access key ids and bucket
names, some that match and some that do not, all taken from the first 1,000 customers
so that every hit stays a hit at the larger size. Server time is the whole request as
the portal handles it, through Django's test client signed in as support: middleware,
session, the search view's queries and the template, without network or a WSGI server.

Prints p50, p95 and p99 at both sizes and the p95 ratio, and names each group query of
the mix that PostgreSQL answers at 100,000 customers by reading its table rather than
its trigram index. Target: p95 at 100,000 customers at most 3 times p95 at 1,000.

    .venv/bin/python benchmarks/search.py [--rounds 25]
        [--database-url postgres://postgres@127.0.0.1:5432/staas_search_bench]
"""

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.support import (  # noqa: E402
    fresh_postgres_database,
    log_to_file,
    portal_environment,
    setup_django,
)

SMALL, LARGE = 1_000, 100_000
KEYS_PER_CUSTOMER, BUCKETS_PER_CUSTOMER = 2, 3
TARGET_RATIO = 3.0
CLUSTERS = ("eu-west", "eu-north", "us-east")
# Ids of the deleted S3 users start above every live one.
DELETED_ACCOUNT_IDS = 10 * LARGE

FIRST_NAMES = (
    "Anna", "Ben", "Chloé", "Dmitri", "Elif", "Farid", "Grace", "Hiro", "Ines", "Jonas",
    "Katarzyna", "Lars", "Maria", "Nikolai", "Olga", "Pedro", "Quentin", "Rosa", "Sven",
    "Tomasz", "Ulla", "Viktor", "Wen", "Ximena", "Yusuf", "Zofia", "Aisha", "Bruno",
    "Carmen", "David", "Emma", "Felix", "Giulia", "Hannah", "Ivan", "Julia", "Karim",
    "Lena", "Mateo", "Nora", "Oskar", "Paula", "Rafael", "Sara", "Theo", "Vera",
)  # fmt: skip
LAST_NAMES = (
    "Kowalska", "Okafor", "Martin", "Volkov", "Yilmaz", "Haddad", "Smith", "Tanaka",
    "Garcia", "Berg", "Nowak", "Larsen", "Rossi", "Petrov", "Schmidt", "Silva", "Dubois",
    "Moreno", "Lindqvist", "Wiśniewski", "Korhonen", "Novak", "Chen", "Lopez", "Demir",
    "Zielinska", "Ahmed", "Costa", "Fernandez", "Jensen", "Fischer", "Romano", "Ivanova",
    "Meyer", "Kaya", "Nielsen", "Bianchi", "Horvat", "Popescu", "Walsh", "Murphy",
    "Andersson", "Johansson", "Weber", "Keller", "Marino", "Sato", "Kim", "Nguyen",
)  # fmt: skip
COMPANY_WORDS = (
    "Nordic", "Data", "Media", "Cloud", "Foto", "Design", "Logistics", "Studio", "Atelier",
    "Digital", "Health", "Archive", "Systems", "Games", "Print", "Legal", "Farm", "Travel",
    "Energy", "Software", "Audio", "Film", "Build", "Research", "Retail", "Finance",
)  # fmt: skip
COMPANY_FORMS = ("Ltd", "GmbH", "AB", "SAS", "BV", "Oy", "LLC", "sp. z o.o.", "S.L.")
MAIL_DOMAINS = ("mail.example", "post.example", "inbox.example", "webmail.example")
BUCKET_WORDS = (
    "backups", "photos", "media", "logs", "archive", "uploads", "assets", "exports",
    "mail", "db-dumps", "videos", "static", "documents", "builds", "invoices",
)  # fmt: skip
YEARS = range(2016, 2027)
KEY_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=25, help="times each search runs")
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/staas_search_bench"
    )
    options = parser.parse_args()

    environment = portal_environment(options.database_url, redis_url="")
    fresh_postgres_database(options.database_url)
    with tempfile.TemporaryDirectory() as workdir:
        # The test client's host, and static files collected as production has them.
        environment.update(ALLOWED_HOSTS="testserver", STATIC_ROOT=f"{workdir}/static")
        setup_django(environment)
        log_to_file(Path(workdir) / "bench.log")
        run(options.rounds)


def run(rounds: int) -> None:
    from django.core.management import call_command
    from django.test import Client

    from staas_portal.users.models import Role, User

    call_command("collectstatic", interactive=False, verbosity=0)
    client = Client()
    client.force_login(User.objects.create(username="bench-support", role=Role.SUPPORT))
    population = Population(random.Random(20261204))

    population.fill(0, SMALL)
    searches = population.searches()
    small = time_searches(client, searches, rounds)

    started = time.perf_counter()
    population.fill(SMALL, LARGE)
    filled = time.perf_counter() - started
    large = time_searches(client, searches, rounds)
    scans = table_scans(searches)

    report(searches, rounds, small, large, filled, scans)


def report(searches, rounds: int, small, large, filled: float, scans) -> None:
    print(
        f"{len(searches)} searches ({sum(hits for _, hits in searches)} that match), each "
        f"{rounds} times, through the search view on PostgreSQL; server time in ms"
    )
    print(f"filling on from {SMALL} to {LARGE} customers took {filled:.0f}s")
    for size, samples in ((SMALL, small), (LARGE, large)):
        p50, p95, p99 = percentiles(samples)
        print(f"{size:>7} customers: p50 {p50:6.2f}  p95 {p95:6.2f}  p99 {p99:6.2f}")

    queries = len(searches) * 6
    print(
        f"at {LARGE} customers {queries - len(scans)} of the mix's {queries} group queries "
        "use their trigram index; these read their table until they had enough rows:"
    )
    for term, column in scans:
        print(f"    {term!r} in {column}")

    ratio = percentiles(large)[1] / percentiles(small)[1]
    verdict = "meets" if ratio <= TARGET_RATIO else "MISSES"
    print(
        f"p95 at {LARGE} customers is {ratio:.2f} times p95 at {SMALL}; {verdict} the "
        f"target of at most {TARGET_RATIO:g}"
    )


class Population:
    """Customers as a hosting provider has them, made the same way on every run."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.clusters: list[int] = []
        self.bucket_names: set[tuple[int, str]] = set()
        # The first customers' rows, which the search mix is taken from.
        self.first: list[dict] = []

    def fill(self, start: int, stop: int) -> None:
        from django.db import connection

        from staas_portal.customers.models import Customer, KeyPairNote, KnownBucket, S3Account

        if not self.clusters:
            self.clusters = make_clusters()
        tables = {Customer: [], S3Account: [], KeyPairNote: [], KnownBucket: []}
        for number in range(start, stop):
            for model, rows in zip(tables, self.customer(number), strict=True):
                tables[model].extend(rows)

        for model, rows in tables.items():
            copy_rows(model, rows)
        reset_sequences(list(tables))
        with connection.cursor() as cursor:
            for model in tables:
                cursor.execute(f'VACUUM ANALYZE "{model._meta.db_table}"')

    def customer(self, number: int) -> tuple[list[dict], ...]:
        """One customer's rows: the customer, S3 users, key pairs and buckets."""
        first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
        company = self.company(last)
        domain = f"{ascii_slug(company.split()[0])}.example" if company else None
        email = (
            f"{ascii_slug(first)}.{ascii_slug(last)}{number}@"
            f"{domain or self.rng.choice(MAIL_DOMAINS)}"
        )
        when = datetime(2020, 1, 1, tzinfo=UTC) + timedelta(minutes=number)
        customer = {
            "id": number + 1,
            "name": f"{first} {last}",
            "company": company,
            "email": email,
            "phone": "",
            "status": self.status(),
            "notes": "",
            "created_at": when,
        }

        cluster = self.clusters[number % len(self.clusters)]
        live = self.account(number + 1, customer, cluster, when)
        accounts = [live]
        if number % 10 == 0:
            older = self.clusters[(number + 1) % len(self.clusters)]
            accounts.append(
                self.account(DELETED_ACCOUNT_IDS + number + 1, customer, older, when, deleted=True)
            )
        keys = [
            self.key(number * KEYS_PER_CUSTOMER + offset + 1, live, when)
            for offset in range(KEYS_PER_CUSTOMER)
        ]
        owner = ascii_slug((company or last).split()[0])
        buckets = [
            self.bucket(number * BUCKETS_PER_CUSTOMER + offset + 1, live, owner, when)
            for offset in range(BUCKETS_PER_CUSTOMER)
        ]

        if len(self.first) < SMALL:
            self.first.append(
                {"customer": customer, "accounts": accounts, "keys": keys, "buckets": buckets}
            )
        return [customer], accounts, keys, buckets

    def company(self, last_name: str) -> str:
        if self.rng.random() < 0.3:
            return ""
        name = self.rng.choice((last_name, self.rng.choice(COMPANY_WORDS)))
        return f"{name} {self.rng.choice(COMPANY_WORDS)} {self.rng.choice(COMPANY_FORMS)}"

    def status(self) -> str:
        roll = self.rng.random()
        return "active" if roll < 0.9 else "suspended" if roll < 0.97 else "closed"

    def account(self, pk: int, customer: dict, cluster_id: int, when, deleted=False) -> dict:
        return {
            "id": pk,
            "customer_id": customer["id"],
            "cluster_id": cluster_id,
            "user_id": f"{self.rng.getrandbits(64):016x}",
            "gateway_email": customer["email"],
            "state": "deleted" if deleted else "enabled",
            "created_at": when,
            "deleted_at": when + timedelta(days=90) if deleted else None,
        }

    def key(self, pk: int, account: dict, when) -> dict:
        """A key pair as the gateway names them: the S3 user id and four more characters."""
        suffix = "".join(self.rng.choice(KEY_SUFFIX_ALPHABET) for _ in range(4))
        revoked = when + timedelta(days=30) if self.rng.random() < 0.3 else None
        return {
            "id": pk,
            "account_id": account["id"],
            "access_key_id": account["user_id"] + suffix,
            "secret_ciphertext": "",
            "label": "",
            "created_at": when,
            "created_by_name": "",
            "revoked_at": revoked,
            "revoked_by_name": "",
        }

    def bucket(self, pk: int, account: dict, owner: str, when) -> dict:
        """A bucket named like `acme-backups-2024`, with a number where that is taken."""
        cluster = account["cluster_id"]
        base = f"{owner}-{self.rng.choice(BUCKET_WORDS)}-{self.rng.choice(YEARS)}"
        name, copies = base, 1
        while (cluster, name) in self.bucket_names:
            copies += 1
            name = f"{base}-{copies}"
        self.bucket_names.add((cluster, name))
        size = self.rng.randrange(10**6, 10**12)
        return {
            "id": pk,
            "cluster_id": cluster,
            "name": name,
            "owner_id": account["user_id"],
            "account_id": account["id"],
            "created": when,
            "size_current": size,
            "size_hmax": size,
            "seen_at": when,
        }

    def searches(self) -> list[tuple[str, bool]]:
        """(term, whether it matches): what support types, partial or whole, hit or miss."""
        rng = random.Random(7)
        people = [rng.choice(self.first) for _ in range(12)]
        company = next(
            made["customer"]["company"] for made in people if made["customer"]["company"]
        )
        hits = [
            people[0]["customer"]["name"],                         # a whole name
            people[1]["customer"]["name"].split()[1][:5].lower(),  # part of a surname
            people[2]["customer"]["name"].split()[0].upper(),      # a first name
            people[3]["customer"]["email"],                        # a whole email
            people[4]["customer"]["email"].split("@")[0],          # an email's local part
            company.split()[1].lower(),                            # a word of a company
            people[5]["accounts"][0]["user_id"][4:12],             # part of an S3 user id
            people[6]["accounts"][0]["user_id"].upper(),           # a whole one
            people[7]["keys"][1]["access_key_id"],                 # a whole access key id
            people[8]["keys"][0]["access_key_id"][10:],            # the end of one
            people[9]["buckets"][0]["name"],                       # a whole bucket name
            people[10]["buckets"][2]["name"].split("-")[0] + "-",  # a bucket's owner part
            "backups-2024",                                        # a common bucket name
        ]  # fmt: skip
        misses = ["zzqxv", "nobody@nowhere.example", "ffffeeeeddddccc", "Kowalczykowa",
                  "acme-archive-1999"]  # fmt: skip
        return [(term, True) for term in hits] + [(term, False) for term in misses]


def make_clusters() -> list[int]:
    from staas_portal.clusters.models import StorageCluster

    ids = []
    for number, name in enumerate(CLUSTERS):
        cluster = StorageCluster(
            name=name,
            gateway_url=f"https://{name}.s3.example/",
            access_key=f"{number:016x}SYST",
            is_default=not number,
        )
        cluster.set_secret_key("not used by this benchmark")
        cluster.save()
        ids.append(cluster.pk)
    return ids


def ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(char for char in plain.lower() if char.isalnum())


def copy_rows(model, rows: list[dict]) -> None:
    """Rows into the model's table by COPY, far faster than INSERT at these sizes."""
    from django.db import connection

    columns = list(rows[0])
    statement = f'COPY "{model._meta.db_table}" ({", ".join(columns)}) FROM STDIN'
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([row[column] for column in columns])


def reset_sequences(models: list) -> None:
    """The id sequences after the rows COPY gave ids of their own."""
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)


def time_searches(client, searches: list[tuple[str, bool]], rounds: int) -> list[float]:
    """Milliseconds per request; one untimed round first warms caches and connections."""
    samples = []
    for round_number in range(rounds + 1):
        for term, hits in searches:
            started = time.perf_counter()
            response = client.get("/search/", {"q": term}, secure=True)
            elapsed = time.perf_counter() - started
            check(response, term, hits)
            if round_number:
                samples.append(elapsed * 1000)
    return samples


def check(response, term: str, hits: bool) -> None:
    """Only a real answer counts: a page that errs or finds the wrong thing stops the run."""
    if response.status_code != 200:
        raise SystemExit(f"searching {term!r} answered {response.status_code}")
    found = b'aria-labelledby="group-1"' in response.content
    if found != hits:
        raise SystemExit(f"searching {term!r} {'found nothing' if hits else 'found something'}")


def table_scans(searches: list[tuple[str, bool]]) -> list[tuple[str, str]]:
    """(term, table.column) of each group query the planner answers by reading the table."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from staas_portal.customers.search_selectors import customer_search
    from staas_portal.users.models import User

    support = User.objects.get(username="bench-support")
    scans = []
    for term, _ in searches:
        with CaptureQueriesContext(connection) as queries:
            customer_search(actor=support, term=term)
        for query in queries:
            if " LIKE " not in query["sql"]:
                continue
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN " + query["sql"])
                plan = "\n".join(line for (line,) in cursor.fetchall())
            if "Seq Scan" in plan:
                column = re.search(r'UPPER\("(\w+)"\."(\w+)"', query["sql"])
                scans.append((term, ".".join(column.groups())))
    return scans


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


if __name__ == "__main__":
    main()
