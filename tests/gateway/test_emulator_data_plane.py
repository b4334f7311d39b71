"""The emulator's S3 data plane through boto3, with V2 and V4 signatures."""

import pytest
from botocore.exceptions import ClientError

SIGNATURES = ["s3", "s3v4"]


@pytest.fixture(params=SIGNATURES)
def signature(request):
    return request.param


@pytest.fixture
def customer(gateway_emulator):
    return gateway_emulator.create_customer("client@example.com")


@pytest.fixture
def s3(gateway_emulator, customer, signature):
    return gateway_emulator.s3_client(
        customer.access_key, customer.secret_key, signature=signature
    )


def error_code(refusal) -> str:
    return refusal.value.response["Error"]["Code"]


def test_a_bucket_lives_and_dies(s3):
    s3.create_bucket(Bucket="photos")
    s3.head_bucket(Bucket="photos")
    listed = [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]]
    s3.delete_bucket(Bucket="photos")

    assert listed == ["photos"]
    assert s3.list_buckets()["Buckets"] == []


def test_it_accepts_a_create_bucket_configuration(s3, gateway_emulator):
    configuration = {"LocationConstraint": "eu-west-2"}

    s3.create_bucket(Bucket="photos", CreateBucketConfiguration=configuration)

    assert "photos" in gateway_emulator.state()["buckets"]


def test_objects_go_in_come_out_and_go_away(s3):
    s3.create_bucket(Bucket="photos")
    key = "albums/cat 1+2 ü.jpg"

    put = s3.put_object(Bucket="photos", Key=key, Body=b"meow", Metadata={"colour": "grey"})
    got = s3.get_object(Bucket="photos", Key=key)
    head = s3.head_object(Bucket="photos", Key=key)
    s3.delete_object(Bucket="photos", Key=key)

    assert put["ETag"] == '"4a4be40c96ac6314e91d93f38043a634"'
    assert got["Body"].read() == b"meow"
    assert got["ETag"] == put["ETag"]
    assert got["Metadata"] == {"colour": "grey"}
    assert head["ContentLength"] == 4
    with pytest.raises(ClientError) as refusal:
        s3.get_object(Bucket="photos", Key=key)
    assert error_code(refusal) == "NoSuchKey"


def test_it_lists_objects_with_prefixes_and_pages(s3):
    s3.create_bucket(Bucket="photos")
    for key in ["a/1", "a/2", "b/1", "c", "d"]:
        s3.put_object(Bucket="photos", Key=key, Body=b"x")

    v1 = s3.list_objects(Bucket="photos", Delimiter="/")
    v2 = s3.list_objects_v2(Bucket="photos", Prefix="a/")
    pages = s3.get_paginator("list_objects_v2").paginate(
        Bucket="photos", PaginationConfig={"PageSize": 2}
    )
    old_pages = s3.get_paginator("list_objects").paginate(
        Bucket="photos", PaginationConfig={"PageSize": 2}
    )

    assert [item["Prefix"] for item in v1["CommonPrefixes"]] == ["a/", "b/"]
    assert [item["Key"] for item in v1["Contents"]] == ["c", "d"]
    assert [item["Key"] for item in v2["Contents"]] == ["a/1", "a/2"]
    assert v2["KeyCount"] == 2
    assert [item["Key"] for page in pages for item in page["Contents"]] == [
        "a/1", "a/2", "b/1", "c", "d",
    ]  # fmt: skip
    assert sum(len(page["Contents"]) for page in old_pages) == 5


def test_a_bucket_name_is_taken_for_everyone(s3, gateway_emulator):
    s3.create_bucket(Bucket="photos")
    other = gateway_emulator.create_customer("other@example.com")
    others_s3 = gateway_emulator.s3_client(other.access_key, other.secret_key)

    with pytest.raises(ClientError) as theirs:
        others_s3.create_bucket(Bucket="photos")
    with pytest.raises(ClientError) as mine:
        s3.create_bucket(Bucket="photos")

    assert error_code(theirs) == "BucketAlreadyExists"
    assert error_code(mine) == "BucketAlreadyOwnedByYou"


def test_it_refuses_invalid_bucket_names(s3):
    with pytest.raises(ClientError) as refusal:
        s3.create_bucket(Bucket="No_Such-Name")

    assert error_code(refusal) == "InvalidBucketName"


def test_another_users_bucket_is_out_of_reach(s3, gateway_emulator):
    s3.create_bucket(Bucket="photos")
    s3.put_object(Bucket="photos", Key="k", Body=b"x")
    other = gateway_emulator.create_customer("other@example.com")
    others_s3 = gateway_emulator.s3_client(other.access_key, other.secret_key)

    for call in (
        lambda: others_s3.get_object(Bucket="photos", Key="k"),
        lambda: others_s3.put_object(Bucket="photos", Key="k", Body=b"y"),
        lambda: others_s3.list_objects_v2(Bucket="photos"),
        lambda: others_s3.delete_bucket(Bucket="photos"),
    ):
        with pytest.raises(ClientError) as refusal:
            call()
        assert error_code(refusal) == "AccessDenied"


def test_a_bucket_with_objects_is_not_deleted(s3):
    s3.create_bucket(Bucket="photos")
    s3.put_object(Bucket="photos", Key="k", Body=b"x")

    with pytest.raises(ClientError) as refusal:
        s3.delete_bucket(Bucket="photos")

    assert error_code(refusal) == "BucketNotEmpty"


def test_a_missing_bucket_is_404(s3):
    with pytest.raises(ClientError) as refusal:
        s3.list_objects(Bucket="nothing-here")

    assert error_code(refusal) == "NoSuchBucket"


def test_a_revoked_key_is_refused(s3, gateway_emulator, customer):
    s3.list_buckets()
    pairs = [("ostor-users", None), ("emailAddress", customer.email)]

    gateway_emulator.admin("POST", [*pairs, ("revokeKey", customer.access_key)])

    with pytest.raises(ClientError) as refusal:
        s3.list_buckets()
    assert error_code(refusal) == "InvalidAccessKeyId"


def test_a_disabled_user_is_refused_and_an_enabled_one_let_in(s3, gateway_emulator, customer):
    pairs = [("ostor-users", None), ("emailAddress", customer.email)]

    gateway_emulator.admin("POST", [*pairs, ("disable", None)])
    with pytest.raises(ClientError) as refusal:
        s3.list_buckets()
    gateway_emulator.admin("POST", [*pairs, ("enable", None)])

    assert error_code(refusal) == "AccessDenied"
    assert s3.list_buckets()["Buckets"] == []


def test_a_second_key_pair_works_as_well_as_the_first(gateway_emulator, customer, signature):
    pairs = [("ostor-users", None), ("emailAddress", customer.email), ("genKey", None)]
    [pair] = gateway_emulator.admin("POST", pairs).json()["AWSAccessKeys"]

    s3 = gateway_emulator.s3_client(
        pair["AWSAccessKeyId"], pair["AWSSecretAccessKey"], signature=signature
    )

    assert s3.list_buckets()["Owner"]["ID"] == customer.user_id


def test_bucket_sizes_follow_puts_overwrites_and_deletes(s3, gateway_emulator):
    s3.create_bucket(Bucket="photos")
    s3.put_object(Bucket="photos", Key="a", Body=b"x" * 1000)
    s3.put_object(Bucket="photos", Key="b", Body=b"x" * 24)
    s3.put_object(Bucket="photos", Key="a", Body=b"x" * 10)
    s3.delete_object(Bucket="photos", Key="b")
    s3.delete_object(Bucket="photos", Key="missing")

    size = gateway_emulator.state()["buckets"]["photos"]["size"]

    assert size["current"] == 10
    assert size["hmax"] == 1024


def test_unsupported_calls_are_501(s3):
    s3.create_bucket(Bucket="photos")

    with pytest.raises(ClientError) as refusal:
        s3.get_bucket_acl(Bucket="photos")

    assert error_code(refusal) == "NotImplemented"
