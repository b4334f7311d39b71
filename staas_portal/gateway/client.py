"""The client of a gateway's admin API: every call of the manual's chapter 3 and
what newer gateways add (quotas, users by id, paged usage).

Nothing else in the portal speaks HTTP to a gateway. One `requests.Session` per
gateway is kept and reused; reads are retried with backoff, writes never are,
since a create or a genKey that reached the gateway must not happen twice.
"""

import json
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import quote, urlsplit

import requests

from staas_portal.gateway import errors, signing
from staas_portal.gateway.results import (
    LIMIT_RESOURCES,
    Bucket,
    KeyPair,
    Limits,
    Quota,
    UsageListing,
    UsageObject,
    User,
    own_bucket_names,
)

logger = logging.getLogger(__name__)

READ_RETRIES = 2
RETRY_BACKOFF_SECONDS = 0.2
RETRYABLE_STATUSES = {502, 503, 504}
QUOTA_DEFAULTS = ("user", "bucket")


@dataclass(frozen=True)
class GatewayConfig:
    name: str
    url: str
    access_key: str
    secret_key: str = field(repr=False)
    signature: str = "v2"
    region: str = "us-east-1"
    connect_timeout: float = 3.05
    read_timeout: float = 30.0


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes

    def json(self):
        if not self.body.strip():
            return None
        try:
            return json.loads(self.body)
        except ValueError:
            raise errors.GatewayProtocolError(
                f"the answer is not JSON: {self.body[:200]!r}"
            ) from None


def user_selector(email: str | None, user_id: str | None) -> list[tuple[str, str]]:
    if bool(email) == bool(user_id):
        raise ValueError("Select the user by exactly one of email or user_id.")
    return [("emailAddress", email)] if email else [("id", user_id)]


def target_selector(email: str | None, bucket: str | None) -> list[tuple[str, str]]:
    if bool(email) == bool(bucket):
        raise ValueError("Select exactly one of a user's email or a bucket.")
    return [("emailAddress", email)] if email else [("bucket", bucket)]


class GatewayClient:
    def __init__(self, config: GatewayConfig, session: requests.Session | None = None):
        self.config = config
        self.session = session or requests.Session()
        parts = urlsplit(config.url)
        self.base_path = parts.path.rstrip("/")
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.host = parts.netloc

    # Users

    def user_create(self, *, email: str) -> User:
        answer = self.call("PUT", [("ostor-users", None), ("emailAddress", email)])
        return User.parse(answer.json())

    def user_list(self) -> list[User]:
        return User.parse_list(self.call("GET", [("ostor-users", None)]).json())

    def user_get(self, *, email: str | None = None, user_id: str | None = None) -> User:
        answer = self.user_call("GET", email, user_id)
        return User.parse(answer.json())

    def user_disable(self, *, email: str | None = None, user_id: str | None = None) -> None:
        self.user_call("POST", email, user_id, [("disable", None)])

    def user_enable(self, *, email: str | None = None, user_id: str | None = None) -> None:
        self.user_call("POST", email, user_id, [("enable", None)])

    def user_delete(self, *, email: str | None = None, user_id: str | None = None) -> None:
        self.user_call("DELETE", email, user_id)

    def key_generate(self, *, email: str | None = None, user_id: str | None = None) -> KeyPair:
        user = User.parse(self.user_call("POST", email, user_id, [("genKey", None)]).json())
        if not user.key_pairs:
            raise errors.GatewayProtocolError("genKey answered without a key pair")
        return user.key_pairs[-1]

    def key_revoke(
        self, *, access_key_id: str, email: str | None = None, user_id: str | None = None
    ) -> None:
        self.user_call("POST", email, user_id, [("revokeKey", access_key_id)])

    def user_call(self, method, email, user_id, extra=()) -> Answer:
        try:
            return self.call(
                method, [("ostor-users", None), *user_selector(email, user_id), *extra]
            )
        except errors.GatewayInvalidRequest as error:
            raise self.missing_if_by_id(error, user_id) from error

    def missing_if_by_id(self, error: errors.GatewayError, user_id: str | None):
        # Gateways before the `id` selector ask for emailAddress instead.
        if not user_id:
            return error
        return errors.GatewayFeatureMissing(
            f"it cannot select a user by id ({error.message})",
            gateway=error.gateway, status=error.status, code=error.code,
        )  # fmt: skip

    # Buckets

    def bucket_list(self, *, email: str | None = None, user_id: str | None = None) -> list[Bucket]:
        selector = user_selector(email, user_id) if (email or user_id) else []
        try:
            answer = self.call("GET", [("ostor-buckets", None), *selector])
        except errors.GatewayInvalidRequest as error:
            raise self.missing_if_by_id(error, user_id) from error
        return Bucket.parse_list(answer.json())

    def bucket_delete(self, *, name: str) -> None:
        self.call("DELETE", [], path=f"/{name}", service="bucket")

    # Limits

    def limits_set(
        self,
        *,
        limit_type: str,
        resource: str,
        value: Decimal | int | str,
        email: str | None = None,
        bucket: str | None = None,
    ) -> None:
        if resource not in LIMIT_RESOURCES.get(limit_type, ()):
            raise ValueError(f"No {limit_type!r} limit named {resource!r}.")
        pairs = [
            ("ostor-limits", None),
            *target_selector(email, bucket),
            ("limit-type", limit_type),
            ("limit-resource", resource),
            ("limit-value", str(value)),
        ]
        self.call("PUT", pairs)

    def limits_get(self, *, email: str | None = None, bucket: str | None = None) -> Limits:
        answer = self.call("GET", [("ostor-limits", None), *target_selector(email, bucket)])
        return Limits.parse(answer.json())

    def limits_delete(self, *, email: str | None = None, bucket: str | None = None) -> None:
        self.call("DELETE", [("ostor-limits", None), *target_selector(email, bucket)])

    # Quotas (newer gateways)

    def quota_get(self, **selector) -> Quota:
        return Quota.parse(self.quota_call("GET", selector).json())

    def quota_set(self, *, size_gb: int, **selector) -> None:
        if size_gb < 0:
            raise ValueError("A quota is a whole number of GB, 0 for unlimited.")
        self.quota_call("PUT", selector, [("quota-size", str(size_gb))])

    def quota_delete(self, **selector) -> None:
        self.quota_call("DELETE", selector)

    def quota_call(self, method: str, selector: dict, extra=()) -> Answer:
        pairs = [("ostor-quotas", None), *quota_selector(**selector), *extra]
        try:
            return self.call(method, pairs)
        except (errors.GatewayInvalidRequest, errors.GatewayFeatureMissing) as error:
            if error.status in (400, 405, 501):
                raise errors.GatewayFeatureMissing(
                    f"it has no storage quotas ({error.message})",
                    gateway=error.gateway, status=error.status, code=error.code,
                ) from error  # fmt: skip
            raise

    # Usage statistics

    def usage_list(self, *, after: str | None = None, limit: int | None = None) -> UsageListing:
        pairs = [("ostor-usage", None)]
        if after:
            pairs.append(("after", after))
        if limit:
            pairs.append(("limit", str(limit)))
        return UsageListing.parse(self.call("GET", pairs).json())

    def usage_names(self, *, page_size: int = 500) -> Iterator[str]:
        """Every statistics object's name, page by page where the gateway pages."""
        after = None
        while True:
            listing = self.usage_list(after=after, limit=page_size)
            yield from listing.names
            if not (listing.paging_supported and listing.truncated and listing.names):
                return
            after = listing.names[-1]

    def usage_get(self, *, name: str) -> UsageObject:
        answer = self.call("GET", [("ostor-usage", None), ("obj", name)])
        return UsageObject.parse(name, answer.json())

    def usage_delete(self, *, name: str) -> None:
        self.call("DELETE", [("ostor-usage", None), ("obj", name)])

    # The data plane, with a customer's own key

    def own_buckets(self) -> list[str]:
        """S3 ListBuckets signed with this client's key: a customer's, to prove that it works."""
        answer = self.call("GET", [], path="/", service="s3")
        return own_bucket_names(answer.body)

    # The wire

    def call(
        self, method: str, pairs: list, *, path: str = "/", service: str | None = None
    ) -> Answer:
        """One signed request; raises the GatewayError that fits any failure."""
        service = service or pairs[0][0]
        attempts = 1 + (READ_RETRIES if method == "GET" else 0)
        for attempt in range(1, attempts + 1):
            try:
                return require_whole_json(self.send_once(method, pairs, path, service))
            except (errors.GatewayUnavailable, errors.GatewayTimeout) as error:
                if attempt == attempts:
                    raise
                self.pause_before_retry(attempt, error)
            except errors.GatewayServerError as error:
                if attempt == attempts or error.status not in RETRYABLE_STATUSES:
                    raise
                self.pause_before_retry(attempt, error)
        raise AssertionError("unreachable")  # the loop returns or raises

    def pause_before_retry(self, attempt: int, error: errors.GatewayError) -> None:
        logger.info("gateway %s: retrying a read after %s", self.config.name, error.kind)
        time.sleep(RETRY_BACKOFF_SECONDS * 2 ** (attempt - 1))

    def send_once(self, method: str, pairs: list, path: str, service: str) -> Answer:
        query = signing.build_query(pairs)
        full_path = self.base_path + quote(path, safe="/~")
        url = f"{self.origin}{full_path}" + (f"?{query}" if query else "")
        headers = self.sign(method, self.base_path + path, pairs, query)

        started = time.monotonic()
        try:
            response = self.session.request(
                method, url, headers=headers, data=b"",
                timeout=(self.config.connect_timeout, self.config.read_timeout),
                allow_redirects=False,
            )  # fmt: skip
        except requests.ConnectTimeout:
            self.log_call(method, service, "timeout", started)
            raise errors.GatewayTimeout(
                f"no connection within {self.config.connect_timeout:g} seconds",
                gateway=self.config.name, may_have_acted=False,
            ) from None  # fmt: skip
        except requests.Timeout:
            self.log_call(method, service, "timeout", started)
            raise errors.GatewayTimeout(
                f"no answer within {self.config.read_timeout:g} seconds", gateway=self.config.name
            ) from None
        except requests.RequestException as error:
            self.log_call(method, service, "unreachable", started)
            raise errors.GatewayUnavailable(
                describe_connection_failure(error), gateway=self.config.name,
                may_have_acted=request_may_have_arrived(error),
            ) from None  # fmt: skip

        self.log_call(method, service, response.status_code, started)
        if response.status_code >= 300:
            raise self.error_for(response)
        return Answer(response.status_code, response.content)

    def sign(self, method: str, path: str, pairs: list, query: str) -> dict[str, str]:
        now = datetime.now(UTC)
        if self.config.signature == "v4":
            return signing.v4_headers(
                method=method, host=self.host, path=path or "/", query_pairs=pairs, body=b"",
                access_key=self.config.access_key, secret_key=self.config.secret_key,
                region=self.config.region, now=now,
            )  # fmt: skip
        if pairs and pairs[0][0].startswith("ostor-"):
            return signing.v2_admin_headers(
                method=method, query=query, access_key=self.config.access_key,
                secret_key=self.config.secret_key, now=now,
            )  # fmt: skip
        return self.sign_v2_resource(method, path, pairs, now)

    def sign_v2_resource(self, method, path, pairs, now) -> dict[str, str]:
        date = signing.http_date(now)
        string_to_sign = signing.v2_string_to_sign(
            method=method, content_md5="", content_type="", date=date, amz_headers={},
            resource=signing.v2_canonical_resource(quote(path, safe="/~"), pairs),
        )  # fmt: skip
        signature = signing.v2_signature(self.config.secret_key, string_to_sign)
        return {"Date": date, "Authorization": f"AWS {self.config.access_key}:{signature}"}

    def log_call(self, method: str, service: str, outcome, started: float) -> None:
        elapsed_ms = (time.monotonic() - started) * 1000
        logger.info(
            "gateway %s %s %s %s %.0fms", self.config.name, method, service, outcome, elapsed_ms
        )

    def error_for(self, response: requests.Response) -> errors.GatewayError:
        message, code = errors.error_details(
            response.status_code, response.reason or "", response.headers, response.content
        )
        kind = error_kind(response.status_code, code)
        if kind is errors.GatewayServerError or kind is errors.GatewayInvalidRequest:
            logger.warning(
                "gateway %s answered %s: %r",
                self.config.name, response.status_code, response.content[:500],
            )  # fmt: skip
        return kind(message, gateway=self.config.name, status=response.status_code, code=code)


def require_whole_json(answer: Answer) -> Answer:
    """The answer, unless it starts as JSON and does not parse: a reply cut short.

    Writes like disable or revokeKey carry nothing the portal reads, but a broken
    body means the reply cannot be trusted, so the change cannot be taken as done.
    Bodies of other kinds (empty, XML, text) are accepted as they come.
    """
    if answer.body.lstrip()[:1] in (b"{", b"[", b'"'):
        answer.json()
    return answer


def describe_connection_failure(error: requests.RequestException) -> str:
    """One sentence for why no answer came, without the URL (it may carry an email)."""
    text = str(error)
    if isinstance(error, requests.exceptions.SSLError):
        return "the TLS handshake failed (check the gateway's certificate)"
    if "NameResolution" in text or "Name or service not known" in text:
        return "the gateway's host name does not resolve"
    if "Connection refused" in text:
        return "the connection was refused"
    if "RemoteDisconnected" in text or "Connection aborted" in text or "reset" in text:
        return "the gateway closed the connection without answering"
    return f"the connection failed ({type(error).__name__})"


# Words of the failures that come before a connection exists, so before any request.
NOT_CONNECTED = ("NameResolution", "Name or service not known", "Connection refused",
                 "NewConnectionError")  # fmt: skip


def request_may_have_arrived(error: requests.RequestException) -> bool:
    """False only when no connection was made, so the gateway cannot have seen the request."""
    if isinstance(error, requests.exceptions.SSLError):
        return False
    text = str(error)
    return not any(words in text for words in NOT_CONNECTED)


def error_kind(status: int, code: str) -> type[errors.GatewayError]:
    if status == 404:
        return errors.GatewayNotFound
    if status == 409:
        return errors.GatewayConflict
    if status in (401, 403):
        return errors.GatewayAccessDenied
    if status == 501:
        return errors.GatewayFeatureMissing
    if status == 504:
        return errors.GatewayTimeout
    if status >= 500:
        return errors.GatewayServerError
    return errors.GatewayInvalidRequest


def quota_selector(
    *,
    email: str | None = None,
    user_id: str | None = None,
    bucket: str | None = None,
    default: str | None = None,
) -> list[tuple[str, str]]:
    given = [
        (name, value)
        for name, value in (
            ("emailAddress", email), ("id", user_id), ("bucket", bucket), ("default", default),
        )
        if value
    ]  # fmt: skip
    if len(given) != 1:
        raise ValueError("Select exactly one of email, user_id, bucket or default.")
    if default and default not in QUOTA_DEFAULTS:
        raise ValueError("A default quota is for 'user' or 'bucket'.")
    return given


_clients: dict[GatewayConfig, GatewayClient] = {}
_clients_lock = threading.Lock()


def client_for(config: GatewayConfig) -> GatewayClient:
    """The one client, and so the one session, kept for this gateway."""
    with _clients_lock:
        if config not in _clients:
            _clients[config] = GatewayClient(config)
        return _clients[config]
