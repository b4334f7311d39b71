"""S3 for customers' own keys, path-style only: enough of it for boto3.

Every request of an enabled user is counted for the usage statistics, refusals
included, with the bytes that actually crossed the wire.
"""

import base64
import binascii
import hashlib
import re
from email.utils import formatdate
from urllib.parse import quote

from staas_portal.gateway.emulator import usage
from staas_portal.gateway.emulator.auth import Principal
from staas_portal.gateway.emulator.messages import (
    S3_NAMESPACE,
    Request,
    Response,
    S3Error,
    element,
    empty_response,
    error_response,
    invalid_argument,
    is_whole_number,
    xml_response,
)
from staas_portal.gateway.emulator.state import (
    Store,
    add_bucket,
    iso_timestamp,
    record_size_change,
)

BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
MAX_OBJECT_BYTES = 16 * 1024 * 1024
MAX_KEYS = 1000
DEFAULT_CONTENT_TYPE = "binary/octet-stream"
META_PREFIX = "x-amz-meta-"
# botocore names the operation in some URLs (`?x-id=GetObject`); it changes nothing.
ANY_OPERATION_PARAMS = frozenset({"x-id"})
LIST_PARAMS = frozenset(
    {
        "list-type",
        "prefix",
        "marker",
        "max-keys",
        "delimiter",
        "encoding-type",
        "continuation-token",
        "start-after",
        "fetch-owner",
    }
)
GET_OBJECT_PARAMS = frozenset(
    {
        "response-content-type",
        "response-content-language",
        "response-expires",
        "response-cache-control",
        "response-content-disposition",
        "response-content-encoding",
    }
)


def no_such_bucket() -> S3Error:
    return S3Error(404, "NoSuchBucket", "The specified bucket does not exist")


def delete_empty_bucket(data: dict, name: str) -> Response:
    """The end of a bucket, for its owner here and for the admin API's system key."""
    bucket = data["buckets"].get(name)
    if bucket is None:
        raise no_such_bucket()
    if bucket["objects"]:
        raise S3Error(409, "BucketNotEmpty", "The bucket you tried to delete is not empty")
    del data["buckets"][name]
    return empty_response(204)


def split_path(path: str) -> tuple[str, str]:
    bucket, _, key = path.lstrip("/").partition("/")
    return bucket, key


class DataPlane:
    def __init__(self, store: Store, *, clock):
        self.store = store
        self.clock = clock

    def handle(self, request: Request, principal: Principal) -> Response:
        user = principal.user
        if user["state"] != "enabled":
            raise S3Error(403, "AccessDenied", "Access Denied: the user is disabled")
        bucket, key = split_path(request.path)
        operation, op = self._route(request, bucket, key)

        with self.store.change() as data:
            try:
                response = operation(request, user, bucket, key)
            except S3Error as error:
                response = error_response(error, "xml", request.request_id)
            downloaded = 0 if request.method == "HEAD" else len(response.body)
            usage.count(
                data,
                user_id=user["id"],
                bucket=bucket,
                op=op,
                uploaded=len(request.body),
                downloaded=downloaded,
            )
        return response

    def _route(self, request: Request, bucket: str, key: str):
        if not bucket:
            table = {"GET": (self._list_buckets, "other", frozenset())}
        elif not key:
            table = {
                "GET": (self._list_objects, "list", LIST_PARAMS),
                "PUT": (self._create_bucket, "other", frozenset()),
                "DELETE": (self._delete_bucket, "other", frozenset()),
                "HEAD": (self._head_bucket, "other", frozenset()),
            }
        else:
            table = {
                "GET": (self._get_object, "get", GET_OBJECT_PARAMS),
                "HEAD": (self._head_object, "other", frozenset()),
                "PUT": (self._put_object, "put", frozenset()),
                "DELETE": (self._delete_object, "other", frozenset()),
            }

        entry = table.get(request.method)
        if entry is None:
            return _refusal(S3Error(405, "MethodNotAllowed", "The method is not allowed")), "other"
        operation, op, allowed = entry
        extra = [name for name, _ in request.query if name not in allowed | ANY_OPERATION_PARAMS]
        if extra:
            message = f"The emulator does not implement ?{extra[0]}"
            return _refusal(S3Error(501, "NotImplemented", message)), "other"
        return operation, op

    def _owned_bucket(self, user: dict, name: str) -> dict:
        bucket = self.store.data["buckets"].get(name)
        if bucket is None:
            raise no_such_bucket()
        if bucket["owner_id"] != user["id"]:
            raise S3Error(403, "AccessDenied", "Access Denied")
        return bucket

    # Buckets

    def _list_buckets(self, request: Request, user: dict, name: str, key: str) -> Response:
        buckets = self.store.data["buckets"]
        owned = [
            buckets[name] for name in sorted(buckets) if buckets[name]["owner_id"] == user["id"]
        ]
        entries = "".join(
            "<Bucket>"
            + element("Name", bucket["name"])
            + element("CreationDate", bucket["creation_date"])
            + "</Bucket>"
            for bucket in owned
        )
        return xml_response(
            200,
            f'<ListAllMyBucketsResult xmlns="{S3_NAMESPACE}">'
            + _owner_xml(user)
            + f"<Buckets>{entries}</Buckets></ListAllMyBucketsResult>",
        )

    def _create_bucket(self, request: Request, user: dict, name: str, key: str) -> Response:
        if not BUCKET_NAME.match(name) or ".." in name:
            raise S3Error(400, "InvalidBucketName", "The specified bucket is not valid.")
        existing = self.store.data["buckets"].get(name)
        if existing is not None and existing["owner_id"] == user["id"]:
            raise S3Error(
                409,
                "BucketAlreadyOwnedByYou",
                "Your previous request to create the bucket succeeded",
            )
        if existing is not None:
            raise S3Error(
                409, "BucketAlreadyExists", "The requested bucket name is not available."
            )

        # The body may carry a CreateBucketConfiguration; one region, nothing to read.
        add_bucket(self.store.data, name, user["id"], self.clock())
        return Response(200, b"", {"Location": f"/{name}"})

    def _delete_bucket(self, request: Request, user: dict, name: str, key: str) -> Response:
        self._owned_bucket(user, name)
        return delete_empty_bucket(self.store.data, name)

    def _head_bucket(self, request: Request, user: dict, name: str, key: str) -> Response:
        self._owned_bucket(user, name)
        return empty_response(200)

    def _list_objects(self, request: Request, user: dict, name: str, key: str) -> Response:
        bucket = self._owned_bucket(user, name)
        listing = Listing(request)

        keys = sorted(bucket["objects"])
        contents, prefixes, truncated = listing.select(keys)
        entries = "".join(
            _contents_xml(listing, user, item, bucket["objects"][item]) for item in contents
        )
        entries += "".join(
            f"<CommonPrefixes>{element('Prefix', listing.encode(prefix))}</CommonPrefixes>"
            for prefix in prefixes
        )
        last = max(contents[-1:] + prefixes[-1:], default="")
        head = listing.head_xml(name, len(contents) + len(prefixes), truncated, last)
        return xml_response(
            200, f'<ListBucketResult xmlns="{S3_NAMESPACE}">{head}{entries}</ListBucketResult>'
        )

    # Objects

    def _put_object(self, request: Request, user: dict, name: str, key: str) -> Response:
        bucket = self._owned_bucket(user, name)
        if request.header("x-amz-copy-source"):
            raise S3Error(501, "NotImplemented", "The emulator does not copy objects")
        if len(request.body) > MAX_OBJECT_BYTES:
            raise S3Error(400, "EntityTooLarge", "The emulator keeps objects up to 16 MiB")
        _check_content_md5(request)

        digest = hashlib.md5(request.body, usedforsecurity=False).hexdigest()
        previous = bucket["objects"].get(key)
        now = self.clock()
        bucket["objects"][key] = {
            "data": base64.b64encode(request.body).decode("ascii"),
            "size": len(request.body),
            "etag": f'"{digest}"',
            "modified": now,
            "content_type": request.header("content-type") or DEFAULT_CONTENT_TYPE,
            "metadata": {
                name: value
                for name, value in request.headers.items()
                if name.startswith(META_PREFIX)
            },
        }
        delta = len(request.body) - (previous["size"] if previous else 0)
        record_size_change(bucket["size"], delta, now)
        return Response(200, b"", {"ETag": f'"{digest}"'})

    def _get_object(self, request: Request, user: dict, name: str, key: str) -> Response:
        stored = self._object(user, name, key)
        body = base64.b64decode(stored["data"])
        return Response(200, body, _object_headers(stored))

    def _head_object(self, request: Request, user: dict, name: str, key: str) -> Response:
        stored = self._object(user, name, key)
        headers = _object_headers(stored)
        headers["Content-Length"] = str(stored["size"])
        return Response(200, b"", headers)

    def _delete_object(self, request: Request, user: dict, name: str, key: str) -> Response:
        bucket = self._owned_bucket(user, name)
        removed = bucket["objects"].pop(key, None)
        if removed is not None:
            record_size_change(bucket["size"], -removed["size"], self.clock())
        return empty_response(204)

    def _object(self, user: dict, name: str, key: str) -> dict:
        stored = self._owned_bucket(user, name)["objects"].get(key)
        if stored is None:
            raise S3Error(404, "NoSuchKey", "The specified key does not exist.")
        return stored


def _refusal(error: S3Error):
    def refuse(*args) -> Response:
        raise error

    return refuse


def _check_content_md5(request: Request) -> None:
    claimed = request.header("content-md5")
    if not claimed:
        return
    try:
        expected = base64.b64decode(claimed, validate=True)
    except binascii.Error:
        raise S3Error(
            400, "InvalidDigest", "The Content-MD5 you specified is not valid."
        ) from None
    if expected != hashlib.md5(request.body, usedforsecurity=False).digest():
        raise S3Error(400, "BadDigest", "The Content-MD5 you specified did not match.")


def _object_headers(stored: dict) -> dict[str, str]:
    return {
        "ETag": stored["etag"],
        "Content-Type": stored["content_type"],
        "Last-Modified": formatdate(stored["modified"], usegmt=True),
        **stored["metadata"],
    }


def _owner_xml(user: dict) -> str:
    return f"<Owner>{element('ID', user['id'])}{element('DisplayName', user['email'])}</Owner>"


def _contents_xml(listing: "Listing", user: dict, key: str, stored: dict) -> str:
    owner = _owner_xml(user) if listing.with_owner else ""
    return (
        "<Contents>"
        + element("Key", listing.encode(key))
        + element("LastModified", iso_timestamp(stored["modified"]))
        + element("ETag", stored["etag"])
        + element("Size", stored["size"])
        + element("StorageClass", "STANDARD")
        + owner
        + "</Contents>"
    )


class Listing:
    """The parameters of one ListObjects (v1) or ListObjectsV2 request."""

    def __init__(self, request: Request):
        self.v2 = request.param("list-type") == "2"
        self.prefix = request.param("prefix") or ""
        self.delimiter = request.param("delimiter") or ""
        self.url_encoded = request.param("encoding-type") == "url"
        self.max_keys = _max_keys(request.param("max-keys"))
        self.token = request.param("continuation-token")
        self.start_after = request.param("start-after") or ""
        self.marker = request.param("marker") or ""
        self.with_owner = not self.v2 or request.param("fetch-owner") == "true"
        self.after = self._after()

    def _after(self) -> str:
        if not self.v2:
            return self.marker
        if self.token is None:
            return self.start_after
        try:
            return base64.urlsafe_b64decode(self.token.encode()).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise invalid_argument("The continuation token provided is incorrect") from None

    def encode(self, text: str) -> str:
        return quote(text, safe="/") if self.url_encoded else text

    def select(self, keys: list[str]) -> tuple[list[str], list[str], bool]:
        """The keys and common prefixes of one page, and whether more follow."""
        contents: list[str] = []
        prefixes: list[str] = []
        for key in keys:
            if key <= self.after or not key.startswith(self.prefix):
                continue
            entry, is_prefix = self._entry(key)
            if is_prefix and (entry <= self.after or entry in prefixes[-1:]):
                continue
            if len(contents) + len(prefixes) >= self.max_keys:
                return contents, prefixes, True
            (prefixes if is_prefix else contents).append(entry)
        return contents, prefixes, False

    def _entry(self, key: str) -> tuple[str, bool]:
        if not self.delimiter:
            return key, False
        cut = key.find(self.delimiter, len(self.prefix))
        if cut < 0:
            return key, False
        return key[: cut + len(self.delimiter)], True

    def head_xml(self, bucket: str, count: int, truncated: bool, last: str) -> str:
        head = element("Name", bucket) + element("Prefix", self.encode(self.prefix))
        if self.v2:
            head += element("KeyCount", count)
        else:
            head += element("Marker", self.encode(self.marker))
        head += element("MaxKeys", self.max_keys)
        if self.delimiter:
            head += element("Delimiter", self.encode(self.delimiter))
        if self.url_encoded:
            head += element("EncodingType", "url")
        head += element("IsTruncated", "true" if truncated else "false")
        return head + self._paging_xml(truncated, last)

    def _paging_xml(self, truncated: bool, last: str) -> str:
        if not self.v2:
            return element("NextMarker", self.encode(last)) if truncated else ""
        paging = ""
        if self.token is not None:
            paging += element("ContinuationToken", self.token)
        if truncated:
            token = base64.urlsafe_b64encode(last.encode()).decode()
            paging += element("NextContinuationToken", token)
        if self.start_after:
            paging += element("StartAfter", self.encode(self.start_after))
        return paging


def _max_keys(raw: str | None) -> int:
    if raw is None:
        return MAX_KEYS
    if not is_whole_number(raw):
        raise invalid_argument("max-keys must be a whole number")
    return min(int(raw), MAX_KEYS)
