"""The support lookup: the search box, its grouped results, and the indexes behind them."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from staas_portal.clusters.models import StorageCluster
from staas_portal.customers.models import Customer, KeyPairNote, KnownBucket, S3Account
from staas_portal.customers.search_selectors import COUNT_LIMIT, GROUP_SIZE, customer_search
from tests.portal_fixtures import make_customer

SEARCH_URL = reverse("search:results")
TOO_SHORT = "Type at least 3 characters to search."


def text_of(response) -> str:
    return response.content.decode()


def found(response) -> dict[str, list[str]]:
    """Each group's label and the names of the customers it lists, as the page has them."""
    return {
        group.label: [match.customer.name for match in group.matches]
        for group in response.context["groups"]
    }


def make_cluster(name: str) -> StorageCluster:
    cluster = StorageCluster(name=name, gateway_url=f"https://{name}.example/", access_key="SYS")
    cluster.set_secret_key("not used by these tests")
    cluster.save()
    return cluster


def make_account(customer, cluster, user_id: str, **fields) -> S3Account:
    return S3Account.objects.create(
        customer=customer, cluster=cluster, user_id=user_id, gateway_email=customer.email,
        **fields,
    )  # fmt: skip


@pytest.fixture
def people(db):
    """Three customers with S3 users, key pairs and buckets on two clusters."""
    main, backup = make_cluster("main"), make_cluster("backup")
    anna = make_customer("Anna Kowalska", "anna@kowalska.example", company="Kowalska Foto")
    ben = make_customer("Ben Okafor", "ben@okafor.example", company="Okafor Logistics")
    chloe = make_customer("Chloé Martin", "chloe@martin.example", company="Atelier Martin")

    anna_s3 = make_account(anna, main, "a14040e0b2ef8b28")
    KeyPairNote.objects.create(account=anna_s3, access_key_id="a14040e0b2ef8b28FZZ8")
    KnownBucket.objects.create(
        cluster=main, name="holiday-photos", owner_id=anna_s3.user_id, account=anna_s3
    )
    ben_s3 = make_account(ben, backup, "5c07fd5e3b1a9d44")
    KeyPairNote.objects.create(account=ben_s3, access_key_id="5c07fd5e3b1a9d44QX7M")
    KnownBucket.objects.create(
        cluster=backup, name="okafor-backups-2024", owner_id=ben_s3.user_id, account=ben_s3
    )
    make_account(chloe, main, "c98455b0f2e1d377")
    return {"anna": anna, "ben": ben, "chloe": chloe, "main": main, "backup": backup}


class TestSearchBox:
    @pytest.mark.parametrize(
        "url_name", ["home", "customers:list", "drift:list", "clusters:list", "search:results"]
    )
    def test_staff_see_it_on_every_page(self, client, admin_login, support_login, url_name):
        seen = []
        for login in (admin_login, support_login):
            client.force_login(login)

            seen.append('id="topbar-search"' in text_of(client.get(reverse(url_name))))

        assert seen == [True, True]

    def test_it_sends_to_the_search_page(self, client, support_login):
        client.force_login(support_login)

        page = text_of(client.get(reverse("home")))

        assert f'action="{SEARCH_URL}"' in page
        assert 'name="q"' in page

    def test_customers_never_see_it(self, client, customer_login):
        client.force_login(customer_login)

        page = text_of(client.get(reverse("home")))

        assert 'id="topbar-search"' not in page
        assert SEARCH_URL not in page

    def test_customers_get_403_on_the_search_page(self, client, customer_login, people):
        client.force_login(customer_login)

        response = client.get(SEARCH_URL, {"q": "Kowalska"})

        assert response.status_code == 403
        assert "Kowalska" not in text_of(response)

    def test_the_service_refuses_customers_too(self, customer_login, people):
        with pytest.raises(PermissionDenied):
            customer_search(actor=customer_login, term="Kowalska")

    def test_it_keeps_what_was_typed(self, client, support_login, people):
        client.force_login(support_login)

        page = text_of(client.get(SEARCH_URL, {"q": "Kowal & co"}))

        assert 'id="topbar-search" name="q" value="Kowal &amp; co"' in page
        assert 'name="q" value="Kowal &amp; co"' in page.split('role="search"', 2)[2]


class TestMatching:
    @pytest.mark.parametrize(
        ("term", "expected"),
        [
            ("KOWAL", {"Name": ["Anna Kowalska"], "Email": ["Anna Kowalska"],
                       "Company": ["Anna Kowalska"]}),
            ("okafor.EX", {"Email": ["Ben Okafor"]}),
            ("atelier", {"Company": ["Chloé Martin"]}),
            ("55B0F2", {"S3 user id": ["Chloé Martin"]}),
            ("ef8b28fzz", {"Access key id": ["Anna Kowalska"]}),
            ("HOLIDAY", {"Bucket": ["Anna Kowalska"]}),
        ],
    )  # fmt: skip
    def test_each_field_matches_in_part_and_in_any_case(
        self, client, support_login, people, term, expected
    ):
        client.force_login(support_login)

        response = client.get(SEARCH_URL, {"q": term})

        assert found(response) == expected

    def test_groups_come_in_one_order_whatever_matched_first(self, client, admin_login, people):
        client.force_login(admin_login)

        response = client.get(SEARCH_URL, {"q": "okafor"})

        assert list(found(response)) == ["Name", "Email", "Company", "Bucket"]

    def test_an_s3_user_id_matches_its_key_pairs_too(self, client, admin_login, people):
        client.force_login(admin_login)

        response = client.get(SEARCH_URL, {"q": "5c07fd5e"})

        assert found(response) == {"S3 user id": ["Ben Okafor"], "Access key id": ["Ben Okafor"]}

    def test_each_match_links_to_its_customer(self, client, support_login, people):
        client.force_login(support_login)

        page = text_of(client.get(SEARCH_URL, {"q": "backups"}))

        assert reverse("customers:detail", args=[people["ben"].pk]) in page
        assert reverse("customers:detail", args=[people["anna"].pk]) not in page

    def test_it_marks_what_matched_as_it_is_written(self, client, support_login, people):
        client.force_login(support_login)

        page = text_of(client.get(SEARCH_URL, {"q": "fzz8"}))

        assert '<span class="search-id">a14040e0b2ef8b28<mark>FZZ8</mark></span>' in page

    def test_it_names_the_cluster_of_what_belongs_to_an_s3_user(
        self, client, support_login, people
    ):
        client.force_login(support_login)

        response = client.get(SEARCH_URL, {"q": "backups-2024"})

        (group,) = response.context["groups"]
        assert [match.cluster.name for match in group.matches] == ["backup"]
        assert '<th scope="col">Cluster</th>' in text_of(response)

    def test_revoked_key_pairs_still_match_and_say_so(self, client, support_login, people):
        KeyPairNote.objects.filter(access_key_id__endswith="FZZ8").update(
            revoked_at=timezone.now()
        )
        client.force_login(support_login)

        response = client.get(SEARCH_URL, {"q": "FZZ8"})

        (group,) = response.context["groups"]
        assert [(match.value, match.revoked) for match in group.matches] == [
            ("a14040e0b2ef8b28FZZ8", True)
        ]
        assert "revoked key pair" in text_of(response)

    def test_deleted_s3_users_still_match_and_say_so(self, client, support_login, people):
        S3Account.objects.filter(customer=people["ben"]).update(state=S3Account.State.DELETED)
        client.force_login(support_login)

        response = client.get(SEARCH_URL, {"q": "5c07fd5e"})

        marks = {
            group.label: [match.deleted for match in group.matches]
            for group in response.context["groups"]
        }
        assert marks == {"S3 user id": [True], "Access key id": [True]}
        assert "deleted S3 user" in text_of(response)

    def test_live_matches_carry_no_mark(self, client, support_login, people):
        client.force_login(support_login)

        response = client.get(SEARCH_URL, {"q": "5c07fd5e"})

        page = text_of(response)
        assert "revoked key pair" not in page
        assert "deleted S3 user" not in page

    def test_buckets_of_no_customer_are_left_out(self, client, support_login, people):
        KnownBucket.objects.create(cluster=people["main"], name="stray-backups", owner_id="ffff")
        client.force_login(support_login)

        response = client.get(SEARCH_URL, {"q": "backups"})

        assert found(response) == {"Bucket": ["Ben Okafor"]}

    def test_wildcards_in_the_term_match_only_themselves(self, client, support_login, people):
        client.force_login(support_login)

        response = client.get(SEARCH_URL, {"q": "%_%"})

        assert response.context["groups"] == []
        assert "No customer matches “%_%”." in text_of(response)

    def test_what_customers_typed_is_shown_escaped(self, client, support_login, people):
        make_customer("Eve <b>Bold</b>", "eve@example.com")
        client.force_login(support_login)

        page = text_of(client.get(SEARCH_URL, {"q": "bold"}))

        assert "Eve &lt;b&gt;<mark>Bold</mark>&lt;/b&gt;" in page
        assert "<b>Bold</b>" not in page

    def test_it_says_when_nothing_matches(self, client, support_login, people):
        client.force_login(support_login)

        response = client.get(SEARCH_URL, {"q": "nobody-here"})

        assert response.context["groups"] == []
        assert "No customer matches “nobody-here”." in text_of(response)


class TestTermLength:
    @pytest.mark.parametrize("term", ["", "ab", "  ab  "])
    def test_it_asks_for_three_characters(self, client, support_login, people, term):
        client.force_login(support_login)

        response = client.get(SEARCH_URL, {"q": term})

        assert response.status_code == 200
        assert response.context["form"].errors == {"q": [TOO_SHORT]}
        assert response.context["groups"] is None
        assert TOO_SHORT in text_of(response)

    def test_three_characters_are_enough(self, client, support_login, people):
        client.force_login(support_login)

        response = client.get(SEARCH_URL, {"q": "ben"})

        assert found(response) == {"Name": ["Ben Okafor"], "Email": ["Ben Okafor"]}

    def test_the_empty_page_says_what_it_searches(self, client, support_login):
        client.force_login(support_login)

        response = client.get(SEARCH_URL)

        assert response.context["form"].errors == {}
        assert "grouped by what matched" in text_of(response)


class TestLimits:
    def make_smiths(self, count: int) -> None:
        # Last first, so that the table's own order is not the order the page shows.
        Customer.objects.bulk_create(
            Customer(name=f"Sam Smith {number:03}", email=f"sam{number}@example.com")
            for number in reversed(range(count))
        )

    def test_a_group_shows_20_and_counts_the_rest(self, client, support_login):
        self.make_smiths(GROUP_SIZE + 5)
        client.force_login(support_login)

        response = client.get(SEARCH_URL, {"q": "smith"})

        (group,) = response.context["groups"]
        assert len(group.matches) == GROUP_SIZE
        assert (group.total, group.more) == (GROUP_SIZE + 5, 5)
        assert f"Showing {GROUP_SIZE} of {GROUP_SIZE + 5}." in text_of(response)

    def test_shown_matches_are_in_order_of_what_matched(self, client, support_login):
        self.make_smiths(GROUP_SIZE + 5)
        client.force_login(support_login)

        response = client.get(SEARCH_URL, {"q": "smith"})

        assert found(response)["Name"] == [f"Sam Smith {number:03}" for number in range(20)]

    def test_counting_stops_at_the_limit(self, client, support_login):
        self.make_smiths(COUNT_LIMIT + 5)
        client.force_login(support_login)

        response = client.get(SEARCH_URL, {"q": "smith"})

        (group,) = response.context["groups"]
        assert group.total == COUNT_LIMIT
        assert f"Showing {GROUP_SIZE} of {COUNT_LIMIT} or more." in text_of(response)

    def test_the_rest_are_a_link_away_in_the_customer_list(self, client, support_login):
        self.make_smiths(GROUP_SIZE + 5)
        client.force_login(support_login)
        page = text_of(client.get(SEARCH_URL, {"q": "Smith 0"}))
        link = re.search(r'href="([^"]*)">Every matching customer', page).group(1)

        listed = client.get(link)

        assert link == reverse("customers:list") + "?q=Smith%200"
        assert listed.context["page_obj"].paginator.count == GROUP_SIZE + 5

    def test_no_link_when_every_match_is_shown(self, client, support_login, people):
        client.force_login(support_login)

        page = text_of(client.get(SEARCH_URL, {"q": "kowal"}))

        assert "Every matching customer" not in page

    def test_queries_do_not_grow_with_the_matches(self, support_login, people):
        with CaptureQueriesContext(connection) as few:
            customer_search(actor=support_login, term="5c07fd5e")
        self.make_smiths(GROUP_SIZE + 5)
        for number in range(GROUP_SIZE + 5):
            account = make_account(people["chloe"], people["backup"], f"deadbeef{number:08}",
                                   state=S3Account.State.DELETED)  # fmt: skip
            KeyPairNote.objects.create(account=account, access_key_id=f"smith{number:03}KEY")
            KnownBucket.objects.create(cluster=people["backup"], name=f"smith-{number}",
                                       owner_id=account.user_id, account=account)  # fmt: skip

        with CaptureQueriesContext(connection) as many:
            groups = customer_search(actor=support_login, term="smith")

        assert [group.total for group in groups] == [GROUP_SIZE + 5] * 3
        assert len(many) == len(few)


class TestCustomerList:
    """The customer list's search box matches exactly what the lookup matches."""

    @pytest.mark.parametrize(
        "term", ["KOWAL", "okafor.EX", "atelier", "55B0F2", "ef8b28fzz", "HOLIDAY", "5c07fd5e"]
    )
    def test_it_finds_the_customers_the_lookup_finds(self, client, support_login, people, term):
        client.force_login(support_login)

        listed = client.get(reverse("customers:list"), {"q": term})
        looked_up = client.get(SEARCH_URL, {"q": term})

        names = {customer.name for customer in listed.context["page_obj"]}
        assert names == {name for group in found(looked_up).values() for name in group}
        assert names

    def test_it_finds_revoked_keys_and_deleted_s3_users(self, client, support_login, people):
        S3Account.objects.filter(customer=people["ben"]).update(state=S3Account.State.DELETED)
        KeyPairNote.objects.filter(account__customer=people["ben"]).update(
            revoked_at=timezone.now()
        )
        client.force_login(support_login)

        listed = client.get(reverse("customers:list"), {"q": "QX7M"})

        assert [customer.name for customer in listed.context["page_obj"]] == ["Ben Okafor"]

    def test_a_customer_matched_twice_is_listed_once(self, client, support_login, people):
        client.force_login(support_login)

        listed = client.get(reverse("customers:list"), {"q": "okafor"})

        assert [customer.name for customer in listed.context["page_obj"]] == ["Ben Okafor"]


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="trigram indexes exist only on PostgreSQL; there is no index to use on SQLite",
)

TRIGRAM_INDEXES = {
    "customers_customer": {"customer_name_trgm", "customer_email_trgm", "customer_company_trgm"},
    "customers_s3account": {"account_user_id_trgm"},
    "customers_keypairnote": {"key_note_access_key_id_trgm"},
    "customers_knownbucket": {"known_bucket_name_trgm"},
}


@postgresql_only
class TestTrigramIndexes:
    """Each group's query is one the trigram index of its column serves.

    The planner rightly reads a table of a test's size whole: below some 30,000 rows that
    is cheaper than the index, and a test cannot fill a hundred thousand rows quickly.
    So the plans are taken with table scans priced out, which leaves one only where no
    index fits the SQL. benchmarks/search.py shows the planner choosing the trigram
    indexes by itself at 100,000 customers.
    """

    @pytest.fixture
    def many(self, people):
        """A few thousand rows more, analysed, so that the plans rest on real statistics."""
        customers = Customer.objects.bulk_create(
            Customer(
                name=f"Customer {number:04}",
                email=f"c{number}@mail{number % 7}.example",
                company=f"Company {number % 300}",
            )  # fmt: skip
            for number in range(2000)
        )
        accounts = S3Account.objects.bulk_create(
            S3Account(
                customer=customer,
                cluster=people["main"],
                gateway_email=customer.email,
                user_id=f"{customer.pk * 7919:016x}",
            )  # fmt: skip
            for customer in customers
        )
        KeyPairNote.objects.bulk_create(
            KeyPairNote(account=account, access_key_id=f"{account.user_id}K{key:03}")
            for account in accounts
            for key in range(2)
        )
        KnownBucket.objects.bulk_create(
            KnownBucket(
                cluster=people["main"],
                name=f"{account.pk}-{kind}-2024",
                owner_id=account.user_id,
                account=account,
            )  # fmt: skip
            for account in accounts
            for kind in ("backups", "photos", "logs")
        )
        with connection.cursor() as cursor:
            for table in TRIGRAM_INDEXES:
                cursor.execute(f'ANALYZE "{table}"')

    def plans(self, queries) -> dict[str, set[str]]:
        """For each table searched, the index each query scans, or its plan if none."""
        plans = {}
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            # The bucket query's `account_id IS NOT NULL` holds for nearly every row, so
            # the index on account_id would read the whole table too; it goes for the
            # test's transaction only.
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'customers_knownbucket' "
                "AND indexdef LIKE '%(account_id)'"
            )
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP INDEX "{name}"')
            for query in queries:
                cursor.execute("EXPLAIN " + query["sql"])
                plan = "\n".join(line for (line,) in cursor.fetchall())
                table = re.search(r'FROM "(\w+)"', query["sql"]).group(1)
                index = re.search(r"Bitmap Index Scan on (\w+)", plan)
                plans.setdefault(table, set()).add(index.group(1) if index else plan)
        return plans

    def test_every_group_query_uses_its_trigram_index(self, support_login, many):
        with CaptureQueriesContext(connection) as queries:
            customer_search(actor=support_login, term="Kowalska")
            customer_search(actor=support_login, term="5c07FD5E")

        searches = [query for query in queries if " LIKE " in query["sql"]]
        assert self.plans(searches) == TRIGRAM_INDEXES

    def test_a_query_of_another_shape_finds_no_index(self, many):
        case_sensitive = Customer.objects.filter(name__contains="Kowal").values_list("pk")
        with CaptureQueriesContext(connection) as queries:
            list(case_sensitive)

        (plan,) = self.plans(queries)["customers_customer"]
        assert "Seq Scan on customers_customer" in plan
