"""`manage.py s3admin`, run as operators run it: a process of its own, over real HTTP
to the gateway emulator, configured by nothing but its environment."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from staas_portal.gateway.client import GatewayClient, GatewayConfig
from tests.conftest import REPO

ODD_EMAIL = "Zoë Ångström+tag&x=1%41 q@exämple.com"


class S3Admin:
    """`manage.py s3admin` against one gateway, a fresh process for each call."""

    def __init__(self, environment: dict[str, str]):
        self.environment = environment

    def __call__(self, *arguments: str, expect: int = 0) -> subprocess.CompletedProcess:
        finished = subprocess.run(
            [sys.executable, "manage.py", "s3admin", *arguments],
            cwd=REPO, env=self.environment, capture_output=True, text=True,
            encoding="utf-8", timeout=60,
        )  # fmt: skip
        assert finished.returncode == expect, finished.stderr
        assert "Traceback" not in finished.stderr
        return finished

    def text(self, *arguments: str) -> str:
        return self(*arguments).stdout.strip()

    def json(self, *arguments: str):
        return json.loads(self(*arguments, "--json").stdout)

    def without(self, *names: str) -> "S3Admin":
        return S3Admin({k: v for k, v in self.environment.items() if k not in names})


def cli_environment(emulator, tmp_path: Path, signature: str) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "SECRET_KEY": "s3admin-test-secret-key",
        "STAAS_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
        "ALLOWED_HOSTS": "localhost",
        "STAAS_GATEWAY_URL": emulator.url,
        "STAAS_GATEWAY_ACCESS_KEY": emulator.access_key,
        "STAAS_GATEWAY_SECRET_KEY": emulator.secret_key,
        "STAAS_GATEWAY_SIGNATURE": signature,
        "STAAS_GATEWAY_REGION": emulator.region,
    }


@pytest.fixture
def s3admin(gateway_emulator, tmp_path):
    return S3Admin(cli_environment(gateway_emulator, tmp_path, "v2"))


@pytest.fixture
def gateway(gateway_emulator):
    """The portal's own client, to set the scene faster than a process per step."""
    config = GatewayConfig(
        name="test", url=gateway_emulator.url, access_key=gateway_emulator.access_key,
        secret_key=gateway_emulator.secret_key, region=gateway_emulator.region,
    )  # fmt: skip
    return GatewayClient(config)


def create_bucket(emulator, pair, name: str, content: bytes = b"") -> None:
    """A customer's bucket, made the way customers make them: S3 with their own key."""
    s3 = emulator.s3_client(pair.access_key_id, pair.secret_access_key)
    s3.create_bucket(Bucket=name)
    if content:
        s3.put_object(Bucket=name, Key="data", Body=content)


def line_fields(line: str) -> dict[str, str]:
    """`UserEmail:a UserId:b KeyPair[0]:S3AccessKeyId:c ...` as {"UserEmail": "a", ...}."""
    return dict(part.rsplit(":", 1) for part in line.split(" "))


def report_fields(line: str) -> dict[str, str]:
    """`Generate access key: user id=a, access key id=b` as {"user id": "a", ...}."""
    return dict(part.split("=", 1) for part in line.split(": ", 1)[1].split(", "))


def columns(line: str) -> list[str]:
    return re.split(r"\s{2,}", line.strip())


# Users and key pairs


@pytest.mark.parametrize("signature", ["v2", "v4"])
def test_it_creates_shows_and_deletes_a_user_with_either_signature(
    gateway_emulator, tmp_path, signature
):
    s3admin = S3Admin(cli_environment(gateway_emulator, tmp_path, signature))

    created = s3admin("-v", "2", "create-user", "-e", "core@example.com")
    info = s3admin.text("query-user-info", "-e", "core@example.com")
    deleted = s3admin.text("delete-user", "-e", "core@example.com")

    fields = line_fields(created.stdout.strip())
    user_id = fields["UserId"]
    key, secret = fields["KeyPair[0]:S3AccessKeyId"], fields["KeyPair[0]:S3SecretAccessKey"]
    assert list(fields) == [
        "UserEmail", "UserId", "KeyPair[0]:S3AccessKeyId", "KeyPair[0]:S3SecretAccessKey", "Flags",
    ]  # fmt: skip
    assert fields["UserEmail"] == "core@example.com"
    assert fields["Flags"] == "none"
    assert "ostor-users" in created.stderr
    assert secret not in created.stderr
    assert info.splitlines() == [
        f"Query user: user id={user_id}, user email=core@example.com",
        f"Key pair[0]: access key id={key}, secret access key={secret}",
    ]
    assert deleted == f"Deleted user: user id={user_id}"
    assert not (tmp_path / "x.sqlite3").exists()


def test_it_takes_a_user_through_key_pairs_and_states(s3admin, gateway):
    user = gateway.user_create(email="life@example.com")
    first_key = user.key_pairs[0].access_key_id

    generated = s3admin.text("gen-access-key", "-e", "life@example.com")
    revoked = s3admin.text("revoke-access-key", "-e", "life@example.com", "-k", first_key)
    generated_json = s3admin.json("gen-access-key", "-i", user.user_id)
    disabled = s3admin.text("disable-user", "-e", "life@example.com")
    listed = s3admin.text("query-users")
    listed_json = s3admin.json("query-users")
    enabled = s3admin.text("enable-user", "-i", user.user_id)
    info_json = s3admin.json("query-user-info", "-i", user.user_id)
    deleted = s3admin("delete-user", "-i", user.user_id, "--json")

    second = report_fields(generated)["access key id"]
    assert generated.startswith("Generate access key: ")
    assert list(report_fields(generated)) == ["user id", "access key id", "secret access key"]
    assert report_fields(generated)["user id"] == user.user_id
    assert revoked == f"Revoke access key: user id={user.user_id}, access key id={first_key}"
    third = generated_json["AWSAccessKeys"][0]["AWSAccessKeyId"]
    assert generated_json["UserId"] == user.user_id
    assert disabled == "Disabled user: user email=life@example.com"
    assert enabled == f"Enabled user: user id={user.user_id}"

    header, *rows = [columns(line) for line in listed.splitlines()]
    assert header == [
        "S3 USER ID", "S3 ACCESS KEY ID", "S3 SECRET ACCESS KEY", "S3 USER EMAIL", "STATE",
    ]  # fmt: skip
    assert [user.user_id, "-", "-", "life@example.com", "disabled"] in rows
    listed_user = next(entry for entry in listed_json if entry["UserId"] == user.user_id)
    assert listed_user["UserEmail"] == "life@example.com"
    assert listed_user["State"] == "disabled"

    assert info_json["State"] == "enabled"
    assert [pair["AWSAccessKeyId"] for pair in info_json["AWSAccessKeys"]] == [second, third]
    assert deleted.stdout == ""
    assert not any(u.email == "life@example.com" for u in gateway.user_list())


def test_it_keeps_an_email_with_odd_characters_intact(s3admin):
    created = s3admin.text("create-user", "-e", ODD_EMAIL)
    info = s3admin.text("query-user-info", "-e", ODD_EMAIL)
    info_json = s3admin.json("query-user-info", "-e", ODD_EMAIL)

    assert created.startswith(f"UserEmail:{ODD_EMAIL} UserId:")
    assert info.splitlines()[0].endswith(f", user email={ODD_EMAIL}")
    assert info_json["UserEmail"] == ODD_EMAIL


# Limits, buckets and quotas


def test_it_sets_shows_and_removes_a_users_limits(s3admin, gateway):
    gateway.user_create(email="limits@example.com")

    ops = s3admin.text("set-limits", "-e", "limits@example.com", "-t", "ops", "-L", "get=3600",
                       "-L", "PUT=12.5")  # fmt: skip
    bandwidth = s3admin.json("set-limits", "-e", "limits@example.com", "-t", "bandwidth",
                             "-L", "out=100")  # fmt: skip
    queried = s3admin.text("query-limits", "-e", "limits@example.com")
    removed = s3admin.text("rm-limits", "-e", "limits@example.com")

    assert ops == (
        "ops:default=0.00ops/s ops:get=3600.00ops/s ops:put=12.50ops/s ops:list=0.00ops/s "
        "ops:delete=0.00ops/s bandwidth:out=0kbs/s"
    )
    assert float(bandwidth["bandwidth:out"]) == 100
    assert float(bandwidth["ops:get"]) == 3600
    assert queried.endswith("ops:get=3600.00ops/s ops:put=12.50ops/s ops:list=0.00ops/s "
                            "ops:delete=0.00ops/s bandwidth:out=100kbs/s")  # fmt: skip
    assert removed == (
        "ops:default=0.00ops/s ops:get=0.00ops/s ops:put=0.00ops/s ops:list=0.00ops/s "
        "ops:delete=0.00ops/s bandwidth:out=0kbs/s"
    )


def test_it_lists_buckets_and_limits_one(s3admin, gateway, gateway_emulator):
    owner = gateway.user_create(email="owner@example.com")
    other = gateway.user_create(email="other@example.com")
    create_bucket(gateway_emulator, owner.key_pairs[0], "photos", b"x" * 3000)
    create_bucket(gateway_emulator, other.key_pairs[0], "backups")

    listed = s3admin.text("list-buckets")
    owners = s3admin.json("list-buckets", "-e", "owner@example.com")
    by_id = s3admin.text("list-buckets", "-i", other.user_id)
    limited = s3admin.json("set-limits", "-b", "photos", "-t", "ops", "-L", "list=5")
    removed = s3admin.text("rm-limits", "-b", "photos")

    header, *rows = [columns(line) for line in listed.splitlines()]
    assert header == ["NAME", "OWNER", "CREATED", "SIZE"]
    photos = next(row for row in rows if row[0] == "photos")
    assert photos[1] == owner.user_id
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", photos[2])
    assert photos[3] == "3000 (2.9 KiB)"
    assert [bucket["name"] for bucket in owners["Buckets"]] == ["photos"]
    assert owners["Buckets"][0]["owner_id"] == owner.user_id
    assert [line.split()[0] for line in by_id.splitlines()[1:]] == ["backups"]
    assert float(limited["ops:list"]) == 5
    assert "ops:list=0.00ops/s" in removed


def test_it_sets_shows_and_removes_storage_quotas(s3admin, gateway, gateway_emulator):
    user = gateway.user_create(email="quota@example.com")

    set_text = s3admin.text("set-quota", "-e", "quota@example.com", "-s", "100")
    by_id = s3admin.json("query-quota", "-i", user.user_id)
    removed = s3admin.text("rm-quota", "-e", "quota@example.com")
    default = s3admin.text("set-quota", "--default", "bucket", "-s", "5")
    gateway_emulator.set_features(quotas=False)
    missing = s3admin("query-quota", "-e", "quota@example.com", expect=1)

    assert set_text == "quota: user size=100GB"
    assert int(by_id["size"]) == 100
    assert removed == "quota: user size=unlimited"
    assert default == "quota: default bucket size=5GB"
    assert missing.stderr.startswith("CommandError: This gateway does not support that: ")


# Usage statistics


def test_it_lists_shows_and_deletes_statistics_objects(s3admin, gateway, gateway_emulator):
    user = gateway.user_create(email="usage@example.com")
    create_bucket(gateway_emulator, user.key_pairs[0], "counted", b"y" * 500)
    names = [gateway_emulator.end_period()]
    generated = {"objects": 2, "items": 3, "user_ids": [user.user_id]}
    names += gateway_emulator.control("POST", "usage/generate", generated)["names"]

    listed = s3admin.text("usage-list")
    listed_json = s3admin.json("usage-list")
    shown = s3admin.text("usage-show", names[0])
    shown_json = s3admin.json("usage-show", names[0])
    deleted = s3admin.text("usage-delete", names[0])

    assert listed.splitlines() == sorted(names)
    assert listed_json["items"] == sorted(names)
    heading, *lines = shown.splitlines()
    header, *rows = [columns(line) for line in lines]
    assert heading.startswith(f"Statistics object {names[0]}: service id=")
    assert heading.endswith("items=1")
    assert header == [
        "BUCKET", "USER ID", "PUT", "GET", "LIST", "OTHER", "UPLOADED", "DOWNLOADED",
    ]  # fmt: skip
    item = shown_json["items"][0]
    counters = item["counters"]
    assert rows[0] == [
        item["key"]["bucket"], user.user_id,
        *(str(counters["ops"][op]) for op in ("put", "get", "list", "other")),
        str(counters["net_io"]["uploaded"]), str(counters["net_io"]["downloaded"]),
    ]  # fmt: skip
    assert deleted == f"Deleted statistics object: {names[0]}"
    assert sorted(gateway.usage_names()) == sorted(names[1:])


# Refusals


def test_it_reports_a_gateway_refusal_on_stderr_and_exits_1(s3admin, gateway):
    gateway.user_create(email="full@example.com")
    gateway.key_generate(email="full@example.com")

    unknown = s3admin("query-user-info", "-e", "nobody@example.com", expect=1)
    third_key = s3admin("gen-access-key", "-e", "full@example.com", expect=1)

    assert unknown.stderr.startswith("CommandError: The gateway has no such thing: ")
    assert "nobody@example.com" in unknown.stderr
    assert unknown.stdout == ""
    assert third_key.stderr.startswith("CommandError: The gateway refused")
    assert len(gateway.user_get(email="full@example.com").key_pairs) == 2


def test_it_refuses_bad_arguments_with_exit_code_2(s3admin):
    negative = s3admin("set-limits", "-e", "a@example.com", "-t", "ops", "-L", "get=-1", expect=2)
    wrong_name = s3admin("set-limits", "-b", "b", "-t", "ops", "-L", "out=5", expect=2)
    no_selector = s3admin("query-user-info", expect=2)
    two_selectors = s3admin("rm-quota", "-e", "a@example.com", "-b", "b", expect=2)

    assert "argument -L/--limit: '-1' is not a non-negative number" in negative.stderr
    assert "argument -L/--limit: ops has no limit 'out'" in wrong_name.stderr
    assert "one of the arguments -e/--email -i/--id is required" in no_selector.stderr
    assert "not allowed with argument" in two_selectors.stderr


def test_it_needs_a_configured_gateway(s3admin):
    unconfigured = s3admin.without("STAAS_GATEWAY_URL")("query-users", expect=1)
    other_cluster = s3admin("query-users", "--cluster", "east", expect=1)

    assert "set STAAS_GATEWAY_URL" in unconfigured.stderr
    assert "No cluster named 'east'" in other_cluster.stderr
