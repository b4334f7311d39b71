"""The support lookup: which customers a term matches, and by what.

A term matches a customer when it is part of, in any case, their name, email or company,
or the S3 user id, an access key id or a bucket name of one of their S3 users. Revoked
key pairs and deleted S3 users still match: support looks old keys up too.

Each field is searched in its own table with `icontains`, which the trigram indexes of
migration 0003 serve on PostgreSQL. Each search reads at most COUNT_LIMIT rows, which
give both the rows its group shows and its count; the S3 users, customers and clusters
behind the rows shown load afterwards in one query each. A join across the tables, a
DISTINCT or an exact count would instead read every match, and at 100,000 customers a
common term matches thousands.
"""

import re
from dataclasses import dataclass

from django.db import models
from django.db.models import Q, QuerySet

from staas_portal.clusters.models import StorageCluster
from staas_portal.customers.models import Customer, KeyPairNote, KnownBucket, S3Account
from staas_portal.users.access import STAFF_ROLES, require_role

# Below three characters a trigram index cannot narrow the search down.
MIN_TERM_LENGTH = 3
GROUP_SIZE = 20
# Counting stops here, so that a common term costs no more than a rare one; the page
# then says "100 or more".
COUNT_LIMIT = 100


@dataclass(frozen=True)
class SearchField:
    """One column the lookup matches, and the way from its rows to their customer."""

    label: str
    model: type[models.Model]
    column: str
    customer_id: str
    # Rows that belong to no customer, such as buckets of S3 users the portal does not know.
    owned: Q = Q()

    def matches(self, term: str) -> QuerySet:
        rows = self.model.objects.filter(self.owned, **{f"{self.column}__icontains": term})
        return rows.order_by()

    def customer_ids(self, term: str) -> QuerySet:
        return self.matches(term).values(self.customer_id)


NAME = SearchField("Name", Customer, "name", "pk")
EMAIL = SearchField("Email", Customer, "email", "pk")
COMPANY = SearchField("Company", Customer, "company", "pk")
USER_ID = SearchField("S3 user id", S3Account, "user_id", "customer_id")
ACCESS_KEY_ID = SearchField("Access key id", KeyPairNote, "access_key_id", "account__customer_id")
BUCKET = SearchField(
    "Bucket", KnownBucket, "name", "account__customer_id", owned=Q(account__isnull=False)
)
SEARCH_FIELDS = (NAME, EMAIL, COMPANY, USER_ID, ACCESS_KEY_ID, BUCKET)


def matching_customer_ids(term: str) -> QuerySet:
    """The ids of every customer the term matches in any field: the customer list's search."""
    first, *others = (field.customer_ids(term) for field in SEARCH_FIELDS)
    return first.union(*others)


@dataclass(frozen=True)
class Match:
    """One matching row: its customer, the value that matched, and where it lives."""

    customer: Customer
    value: str
    term: str
    cluster: StorageCluster | None = None
    revoked: bool = False
    deleted: bool = False

    @property
    def parts(self) -> tuple[str, str, str]:
        """The value split around the matched text, so the page can mark it."""
        found = re.search(re.escape(self.term), self.value, re.IGNORECASE)
        if found is None:
            return self.value, "", ""
        return self.value[: found.start()], found.group(), self.value[found.end() :]


@dataclass(frozen=True)
class SearchGroup:
    field: SearchField
    matches: list[Match]
    # Every match, counted up to COUNT_LIMIT.
    total: int

    @property
    def label(self) -> str:
        return self.field.label

    @property
    def shows_cluster(self) -> bool:
        """Whether what matched belongs to an S3 user, which lives on one cluster."""
        return self.field.model is not Customer

    @property
    def more(self) -> int:
        return self.total - len(self.matches)

    @property
    def total_is_at_least(self) -> bool:
        return self.total >= COUNT_LIMIT


@dataclass(frozen=True)
class Row:
    """A matching row, before its customer and cluster are loaded."""

    customer_id: int
    value: str
    cluster_id: int | None = None
    revoked: bool = False
    deleted: bool = False


def customer_search(*, actor, term: str) -> list[SearchGroup]:
    """The fields with at least one match, in the order of SEARCH_FIELDS."""
    require_role(actor, *STAFF_ROLES)

    found = {field: customer_rows(field, term) for field in (NAME, EMAIL, COMPANY)}
    found[USER_ID] = account_rows(term)
    found.update(key_and_bucket_rows(term))

    rows = [row for shown, _ in found.values() for row in shown]
    customers = Customer.objects.order_by().in_bulk({row.customer_id for row in rows})
    cluster_ids = {row.cluster_id for row in rows} - {None}
    clusters = StorageCluster.objects.order_by().in_bulk(cluster_ids)
    return [
        SearchGroup(field, matches(shown, term, customers, clusters), total)
        for field, (shown, total) in found.items()
        if total
    ]


def first_rows(field: SearchField, term: str, *columns: str) -> tuple[list[tuple], int]:
    """The rows a group shows, value first, and how many match, counted up to COUNT_LIMIT.

    One query does both: it reads no further than COUNT_LIMIT rows, where a COUNT(*)
    would read every match and a second query would walk the index a second time.
    """
    found = list(field.matches(term).values_list(field.column, *columns)[:COUNT_LIMIT])
    found.sort(key=lambda row: row[0].casefold())
    return found[:GROUP_SIZE], len(found)


def customer_rows(field: SearchField, term: str) -> tuple[list[Row], int]:
    shown, total = first_rows(field, term, "pk")
    return [Row(pk, value) for value, pk in shown], total


def account_rows(term: str) -> tuple[list[Row], int]:
    shown, total = first_rows(USER_ID, term, "customer_id", "cluster_id", "state")
    return [
        Row(customer_id, user_id, cluster_id, deleted=state == S3Account.State.DELETED)
        for user_id, customer_id, cluster_id, state in shown
    ], total


def key_and_bucket_rows(term: str) -> dict[SearchField, tuple[list[Row], int]]:
    """Matching key pairs and buckets, with the S3 users of both loaded in one query."""
    keys, key_total = first_rows(ACCESS_KEY_ID, term, "account_id", "revoked_at")
    buckets, bucket_total = first_rows(BUCKET, term, "account_id")
    accounts = (
        S3Account.objects.order_by()
        .only("customer_id", "cluster_id", "state")
        .in_bulk({account_id for _, account_id, *_ in keys + buckets})
    )

    def row(account: S3Account, value: str, revoked: bool = False) -> Row:
        return Row(account.customer_id, value, account.cluster_id, revoked, not account.is_live)

    # An S3 user removed between the two queries takes its rows with it.
    key_rows = [
        row(accounts[pk], key_id, revoked_at is not None)
        for key_id, pk, revoked_at in keys
        if pk in accounts
    ]
    bucket_rows = [row(accounts[pk], name) for name, pk in buckets if pk in accounts]
    return {ACCESS_KEY_ID: (key_rows, key_total), BUCKET: (bucket_rows, bucket_total)}


def matches(rows: list[Row], term: str, customers: dict, clusters: dict) -> list[Match]:
    """The rows a group shows, by value and then by customer."""
    found = [
        Match(
            customers[row.customer_id],
            row.value,
            term,
            clusters.get(row.cluster_id),
            revoked=row.revoked,
            deleted=row.deleted,
        )
        for row in rows
        if row.customer_id in customers  # else deleted since its row was read
    ]
    found.sort(key=lambda match: (match.value.casefold(), match.customer.name, match.customer.pk))
    return found
