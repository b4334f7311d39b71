"""The gateway client against the emulator, over real HTTP on loopback."""

import pytest

from staas_portal.gateway import errors
from staas_portal.gateway.client import GatewayClient, GatewayConfig, client_for


def make_client(emulator, *, signature="v2", read_timeout=5.0, **overrides) -> GatewayClient:
    config = GatewayConfig(
        name="test-gw",
        url=emulator.url,
        access_key=overrides.get("access_key", emulator.access_key),
        secret_key=overrides.get("secret_key", emulator.secret_key),
        signature=signature,
        region=emulator.region,
        read_timeout=read_timeout,
    )
    return GatewayClient(config)


@pytest.fixture(params=["v2", "v4"])
def gateway(request, gateway_emulator):
    return make_client(gateway_emulator, signature=request.param)


@pytest.fixture
def emulator(gateway_emulator):
    return gateway_emulator


class TestUsers:
    def test_a_user_lives_through_every_call(self, gateway):
        created = gateway.user_create(email="client@example.com")

        assert len(created.user_id) == 16
        assert created.key_pairs[0].access_key_id.startswith(created.user_id)
        assert len(created.key_pairs[0].secret_access_key) == 40
        listed = {user.email: user for user in gateway.user_list()}
        assert listed["client@example.com"].user_id == created.user_id

        gateway.user_disable(email="client@example.com")
        assert gateway.user_get(user_id=created.user_id).enabled is False
        gateway.user_enable(user_id=created.user_id)
        assert gateway.user_get(email="client@example.com").enabled is True

        second = gateway.key_generate(email="client@example.com")
        gateway.key_revoke(
            email="client@example.com", access_key_id=created.key_pairs[0].access_key_id
        )
        remaining = gateway.user_get(email="client@example.com").key_pairs
        assert [pair.access_key_id for pair in remaining] == [second.access_key_id]

        gateway.user_delete(email="client@example.com")
        with pytest.raises(errors.GatewayNotFound):
            gateway.user_get(email="client@example.com")

    @pytest.mark.parametrize(
        "email",
        [
            "plus+tag@example.com",
            "amp&ersand=equals@example.com",
            "per%25cent%@example.com",
            "with space@example.com",
            "ünïcödé.Ωmega@пример.example",
        ],
    )
    def test_an_awkward_email_reaches_the_gateway_intact(self, gateway, emulator, email):
        created = gateway.user_create(email=email)

        assert created.email == email
        assert gateway.user_get(email=email).user_id == created.user_id
        stored = [user["email"] for user in emulator.state()["users"].values()]
        assert email in stored

    def test_an_email_already_taken_is_a_conflict(self, gateway):
        gateway.user_create(email="twice@example.com")

        with pytest.raises(errors.GatewayConflict):
            gateway.user_create(email="twice@example.com")

    def test_a_third_key_pair_is_a_conflict_with_the_gateways_message(self, gateway):
        gateway.user_create(email="keys@example.com")
        gateway.key_generate(email="keys@example.com")

        with pytest.raises(errors.GatewayConflict) as refused:
            gateway.key_generate(email="keys@example.com")

        assert "2 access key pairs" in str(refused.value)
        assert refused.value.status == 409

    def test_revoking_a_key_the_user_does_not_have_is_not_found(self, gateway):
        gateway.user_create(email="revoke@example.com")

        with pytest.raises(errors.GatewayNotFound):
            gateway.key_revoke(email="revoke@example.com", access_key_id="NOPE0000000000000000")

    def test_a_user_who_owns_buckets_cannot_be_deleted(self, gateway, emulator):
        customer = emulator.create_customer("owner@example.com")
        emulator.s3_client(customer.access_key, customer.secret_key).create_bucket(Bucket="keep")

        with pytest.raises(errors.GatewayConflict) as refused:
            gateway.user_delete(email="owner@example.com")

        assert "keep" in str(refused.value)

    def test_a_user_is_selected_by_exactly_one_of_email_and_id(self, gateway):
        with pytest.raises(ValueError, match="exactly one"):
            gateway.user_get(email="a@example.com", user_id="0123456789abcdef")


class TestBuckets:
    def test_buckets_are_listed_with_their_sizes_and_deleted(self, gateway, emulator):
        customer = emulator.create_customer("data@example.com")
        s3 = emulator.s3_client(customer.access_key, customer.secret_key)
        s3.create_bucket(Bucket="photos")
        s3.create_bucket(Bucket="empty")
        s3.put_object(Bucket="photos", Key="cat.jpg", Body=b"x" * 1234)

        buckets = {bucket.name: bucket for bucket in gateway.bucket_list(email="data@example.com")}

        assert buckets["photos"].size_current == 1234
        assert buckets["photos"].owner_id == customer.user_id
        assert {bucket.name for bucket in gateway.bucket_list()} >= {"photos", "empty"}
        gateway.bucket_delete(name="empty")
        with pytest.raises(errors.GatewayConflict):
            gateway.bucket_delete(name="photos")
        with pytest.raises(errors.GatewayNotFound):
            gateway.bucket_delete(name="empty")


class TestLimits:
    def test_user_limits_are_set_read_and_deleted(self, gateway):
        gateway.user_create(email="limits@example.com")

        gateway.limits_set(
            email="limits@example.com", limit_type="ops", resource="get", value=3600
        )
        gateway.limits_set(
            email="limits@example.com", limit_type="bandwidth", resource="out", value=100
        )

        limits = gateway.limits_get(email="limits@example.com")
        assert (limits.ops["get"], limits.bandwidth["out"]) == (3600, 100)
        gateway.limits_delete(email="limits@example.com")
        assert gateway.limits_get(email="limits@example.com").ops["get"] == 0

    def test_bucket_limits_are_set_on_the_bucket(self, gateway, emulator):
        customer = emulator.create_customer("bl@example.com")
        emulator.s3_client(customer.access_key, customer.secret_key).create_bucket(Bucket="lim")

        gateway.limits_set(bucket="lim", limit_type="ops", resource="put", value="12.5")

        assert gateway.limits_get(bucket="lim").ops["put"] == pytest.approx(12.5)

    def test_an_unknown_limit_is_refused_before_any_call(self, gateway):
        with pytest.raises(ValueError, match="No 'ops' limit named 'out'"):
            gateway.limits_set(email="x@example.com", limit_type="ops", resource="out", value=1)


class TestQuotas:
    def test_user_bucket_and_default_quotas(self, gateway, emulator):
        customer = emulator.create_customer("quota@example.com")
        s3 = emulator.s3_client(customer.access_key, customer.secret_key)
        s3.create_bucket(Bucket="quota-bucket")

        gateway.quota_set(email="quota@example.com", size_gb=100)
        gateway.quota_set(bucket="quota-bucket", size_gb=5)
        gateway.quota_set(default="user", size_gb=50)

        assert gateway.quota_get(user_id=customer.user_id).size_gb == 100
        assert gateway.quota_get(bucket="quota-bucket").kind == "bucket"
        assert gateway.quota_get(default="user").size_gb == 50
        gateway.quota_delete(email="quota@example.com")
        assert gateway.quota_get(email="quota@example.com").size_gb == 0

    def test_a_gateway_without_quotas_says_so(self, gateway, emulator):
        emulator.create_customer("old@example.com")
        emulator.set_features(quotas=False)

        with pytest.raises(errors.GatewayFeatureMissing, match="no storage quotas"):
            gateway.quota_get(email="old@example.com")


class TestOlderGateways:
    def test_a_gateway_that_cannot_select_by_id_says_so(self, gateway, emulator):
        customer = emulator.create_customer("byid@example.com")
        emulator.set_features(select_by_id=False)

        with pytest.raises(errors.GatewayFeatureMissing, match="cannot select a user by id"):
            gateway.user_get(user_id=customer.user_id)
        assert gateway.user_get(email="byid@example.com").user_id == customer.user_id

    def test_a_wrapped_user_list_is_read_too(self, gateway, emulator):
        emulator.create_customer("wrapped@example.com")
        emulator.set_features(wrap_user_list=True)

        assert "wrapped@example.com" in {user.email for user in gateway.user_list()}


class TestUsage:
    def test_statistics_objects_are_paged_read_and_deleted(self, gateway, emulator):
        names = emulator.control("POST", "usage/generate", {"objects": 7, "items": 3})["names"]

        first = gateway.usage_list(limit=3)
        everything = list(gateway.usage_names(page_size=3))

        assert first.truncated is True
        assert first.paging_supported is True
        assert everything == sorted(names)
        usage = gateway.usage_get(name=names[0])
        assert len(usage.items) == 3
        assert usage.items[0].ops_put > 0
        gateway.usage_delete(name=names[0])
        assert names[0] not in gateway.usage_list().names

    def test_a_gateway_without_paging_gives_the_whole_list_once(self, gateway, emulator):
        names = emulator.control("POST", "usage/generate", {"objects": 5, "items": 1})["names"]
        emulator.set_features(usage_paging=False)

        listing = gateway.usage_list(limit=2)

        assert listing.paging_supported is False
        assert list(gateway.usage_names(page_size=2)) == sorted(names)

    def test_a_missing_statistics_object_is_not_found(self, gateway):
        with pytest.raises(errors.GatewayNotFound):
            gateway.usage_get(name="s3-usage-0000000000000000-2026-01-01T00:00:00.000Z-300")


class TestRefusals:
    def test_a_wrong_secret_is_access_denied(self, emulator):
        gateway = make_client(emulator, secret_key="not-the-system-secret-000000000000000000")

        with pytest.raises(errors.GatewayAccessDenied) as refused:
            gateway.user_list()

        assert refused.value.code == "SignatureDoesNotMatch"

    def test_a_customer_key_is_access_denied_on_the_admin_api(self, emulator):
        customer = emulator.create_customer("sneaky@example.com")
        gateway = make_client(
            emulator, access_key=customer.access_key, secret_key=customer.secret_key
        )

        with pytest.raises(errors.GatewayAccessDenied):
            gateway.user_list()

    def test_a_gateway_that_is_not_listening_is_unavailable(self, emulator):
        url = emulator.url
        emulator.stop()
        gateway = GatewayClient(GatewayConfig("gone", url, "key", "secret"))

        with pytest.raises(errors.GatewayUnavailable, match="refused"):
            gateway.user_list()

    def test_a_tls_failure_is_unavailable_and_says_why(self, emulator):
        url = emulator.url.replace("http://", "https://")
        gateway = GatewayClient(GatewayConfig("tls", url, "key", "secret"))

        with pytest.raises(errors.GatewayUnavailable, match="TLS"):
            gateway.user_create(email="tls@example.com")

    @pytest.mark.parametrize(
        ("style", "expected"),
        [
            ("xml", "The gateway has no such thing: "),
            ("json", "The gateway has no such thing: "),
            ("header", "The gateway has no such thing: "),
            ("bare", "The gateway has no such thing: HTTP 404"),
        ],
    )
    def test_the_gateways_message_is_kept_wherever_it_comes(self, emulator, style, expected):
        emulator.set_features(error_style=style)
        gateway = make_client(emulator)

        with pytest.raises(errors.GatewayNotFound) as refused:
            gateway.user_get(email="nobody@example.com")

        assert str(refused.value).startswith(expected)
        assert len(refused.value.message) > 5


class TestFaults:
    def test_a_slow_gateway_times_out_and_reads_are_retried(self, emulator, all_logs):
        emulator.set_faults(delay_seconds=0.6)
        gateway = make_client(emulator, read_timeout=0.2)

        with pytest.raises(errors.GatewayTimeout):
            gateway.user_list()

        attempts = [line for line in all_logs.lines if "GET ostor-users timeout" in line]
        assert len(attempts) == 3

    def test_a_write_is_never_retried(self, emulator, all_logs):
        emulator.set_faults(delay_seconds=0.6)
        gateway = make_client(emulator, read_timeout=0.2)

        with pytest.raises(errors.GatewayTimeout):
            gateway.user_create(email="once@example.com")

        attempts = [line for line in all_logs.lines if "PUT ostor-users timeout" in line]
        assert len(attempts) == 1

    def test_a_500_is_a_server_error_with_the_gateways_message(self, gateway, emulator):
        emulator.set_faults(fail_every=1)

        with pytest.raises(errors.GatewayServerError) as failed:
            gateway.user_create(email="fail@example.com")

        assert failed.value.status == 500

    def test_a_malformed_success_is_a_protocol_error(self, gateway, emulator):
        emulator.set_faults(malformed_every=1)

        with pytest.raises(errors.GatewayProtocolError):
            gateway.user_create(email="garbled@example.com")

    def test_a_write_answered_with_broken_json_is_a_protocol_error(self, gateway, emulator):
        gateway.user_create(email="garbled@example.com")
        emulator.set_faults(malformed_every=1)

        with pytest.raises(errors.GatewayProtocolError):
            gateway.user_disable(email="garbled@example.com")

        emulator.clear_faults()
        assert gateway.user_get(email="garbled@example.com").enabled

    def test_a_dropped_connection_is_unavailable(self, gateway, emulator):
        emulator.set_faults(drop_every=1)

        with pytest.raises(errors.GatewayUnavailable, match="closed the connection"):
            gateway.user_create(email="dropped@example.com")

    def test_a_fault_after_the_change_leaves_the_change_made(self, gateway, emulator):
        emulator.set_faults(fail_every=1, phase="after")

        with pytest.raises(errors.GatewayServerError):
            gateway.user_create(email="applied@example.com")

        emulator.clear_faults()
        assert gateway.user_get(email="applied@example.com").email == "applied@example.com"


class TestWhetherTheGatewayMayHaveActed:
    """After a failed write, may_have_acted says whether the change may have been made."""

    def test_a_refusal_was_not_acted_on(self, gateway):
        gateway.user_create(email="taken@example.com")

        with pytest.raises(errors.GatewayConflict) as refused:
            gateway.user_create(email="taken@example.com")

        assert refused.value.may_have_acted is False

    @pytest.mark.parametrize(
        ("faults", "kind"),
        [
            ({"fail_every": 1}, errors.GatewayServerError),
            ({"malformed_every": 1}, errors.GatewayProtocolError),
            ({"drop_every": 1}, errors.GatewayUnavailable),
        ],
    )
    def test_an_unclear_answer_may_have_been_acted_on(self, emulator, faults, kind):
        emulator.set_faults(**faults)
        gateway = make_client(emulator)

        with pytest.raises(kind) as failed:
            gateway.user_create(email="unclear@example.com")

        assert failed.value.may_have_acted is True

    def test_no_answer_in_time_may_have_been_acted_on_and_says_how_long(self, emulator):
        emulator.set_faults(delay_seconds=0.6)
        gateway = make_client(emulator, read_timeout=0.2)

        with pytest.raises(errors.GatewayTimeout) as failed:
            gateway.user_create(email="slow@example.com")

        assert failed.value.may_have_acted is True
        assert str(failed.value) == (
            "The gateway did not answer in time: no answer within 0.2 seconds"
        )
        assert emulator.url.split("//")[1].split("/")[0] not in str(failed.value)

    def test_a_gateway_that_is_not_listening_cannot_have_acted(self, emulator):
        url = emulator.url
        emulator.stop()
        gateway = GatewayClient(GatewayConfig("gone", url, "key", "secret"))

        with pytest.raises(errors.GatewayUnavailable) as failed:
            gateway.user_create(email="gone@example.com")

        assert failed.value.may_have_acted is False

    def test_a_tls_failure_cannot_have_acted(self, emulator):
        url = emulator.url.replace("http://", "https://")
        gateway = GatewayClient(GatewayConfig("tls", url, "key", "secret"))

        with pytest.raises(errors.GatewayUnavailable) as failed:
            gateway.user_create(email="tls@example.com")

        assert failed.value.may_have_acted is False

    def test_an_error_left_unconfirmed_says_the_change_may_be_made(self):
        error = errors.GatewayServerError("We encountered an internal error.", gateway="main")

        error.change_unconfirmed = True

        assert str(error) == (
            "The gateway failed while handling the request: We encountered an internal "
            "error. The gateway may have made the change all the same: the next reconcile "
            "run reads it back and records what it finds."
        )


class TestWire:
    def test_each_gateway_keeps_one_client_and_one_session(self, emulator):
        config = GatewayConfig("shared", emulator.url, emulator.access_key, emulator.secret_key)

        assert client_for(config) is client_for(config)
        assert client_for(config).session is client_for(config).session

    def test_each_call_logs_one_line_without_secrets(self, emulator, all_logs):
        gateway = make_client(emulator)

        created = gateway.user_create(email="logged@example.com")
        gateway.key_generate(email="logged@example.com")

        lines = [line for line in all_logs.lines if "staas_portal.gateway.client" in line]
        assert len(lines) == 2
        assert "gateway test-gw PUT ostor-users 200" in lines[0]
        assert "gateway test-gw POST ostor-users 200" in lines[1]
        logged = all_logs.text()
        assert emulator.secret_key not in logged
        assert created.key_pairs[0].secret_access_key not in logged
