"""The `ostor-*` services of the admin API, for the system key only.

The caller holds the store's lock for the whole call, so a check and the change
it guards cannot be split by another request. Every check comes before the
first change: a refused call leaves the state as it was.
"""

import math
from decimal import Decimal, InvalidOperation

from staas_portal.gateway.emulator import usage
from staas_portal.gateway.emulator.data_plane import delete_empty_bucket, no_such_bucket
from staas_portal.gateway.emulator.messages import (
    Request,
    Response,
    S3Error,
    empty_response,
    invalid_argument,
    is_whole_number,
    json_response,
)
from staas_portal.gateway.emulator.state import (
    BANDWIDTH_RESOURCES,
    MAX_KEY_PAIRS,
    OPS_RESOURCES,
    OWNER_ID,
    Store,
    add_user,
    new_key_pair,
    no_limits,
    user_buckets,
    user_by_email,
)
from staas_portal.gateway.emulator.switches import Features

SELECTORS = ("emailAddress", "id", "bucket", "default")
USER_SELECTORS = ("emailAddress", "id")
USER_ACTIONS = ("disable", "enable", "genKey", "revokeKey")
LIMIT_RESOURCES = {"ops": OPS_RESOURCES, "bandwidth": BANDWIDTH_RESOURCES}
QUOTA_DEFAULTS = {"user": 0, "bucket": 1}


def _positive_int(raw: str | None, name: str) -> int | None:
    if raw is None:
        return None
    if not is_whole_number(raw) or int(raw) == 0:
        raise invalid_argument(f"{name} must be a positive whole number")
    return int(raw)


def _non_negative(raw: str | None, name: str) -> Decimal:
    try:
        value = Decimal(raw or "")
    except InvalidOperation:
        raise invalid_argument(f"{name} must be a number") from None
    if not value.is_finite() or value < 0:
        raise invalid_argument(f"{name} must be a non-negative number")
    return value


def _key_pairs(pairs: list[dict]) -> list[dict]:
    return [
        {"AWSAccessKeyId": pair["access_key"], "AWSSecretAccessKey": pair["secret_key"]}
        for pair in pairs
    ]


def _user_summary(user: dict) -> dict:
    return {
        "UserEmail": user["email"],
        "UserId": user["id"],
        "State": user["state"],
        "OwnerId": OWNER_ID,
        "Flags": list(user["flags"]),
    }


def _bucket_entry(bucket: dict) -> dict:
    return {
        "size": dict(bucket["size"]),
        "epoch": 0,
        "owner_id": bucket["owner_id"],
        "name": bucket["name"],
        "creation_date": bucket["creation_date"],
    }


class AdminApi:
    def __init__(self, store: Store, features: Features):
        self.store = store
        self.features = features
        self.services = {
            "ostor-users": {
                "GET": self._user_get,
                "PUT": self._user_create,
                "POST": self._user_change,
                "DELETE": self._user_delete,
            },
            "ostor-buckets": {"GET": self._buckets_get},
            "ostor-limits": {
                "GET": self._limits_get,
                "PUT": self._limits_set,
                "DELETE": self._limits_delete,
            },
            "ostor-quotas": {
                "GET": self._quota_get,
                "PUT": self._quota_set,
                "DELETE": self._quota_delete,
            },
            "ostor-usage": {"GET": self._usage_get, "DELETE": self._usage_delete},
        }

    def handle(self, request: Request) -> Response:
        service = request.query[0][0]
        methods = self.services.get(service)
        if methods is None:
            raise invalid_argument(f"Unknown service {service}")
        if service == "ostor-quotas" and not self.features.quotas:
            raise S3Error(501, "NotImplemented", "ostor-quotas is not implemented")

        handler = methods.get(request.method)
        if handler is None:
            raise S3Error(405, "MethodNotAllowed", f"{request.method} is not allowed on {service}")
        return handler(request)

    def delete_bucket(self, name: str) -> Response:
        with self.store.change() as data:
            return delete_empty_bucket(data, name)

    # Selecting a user, a bucket or a default

    def _selection(self, request: Request, allowed=USER_SELECTORS) -> tuple[str, str] | None:
        given = [name for name in SELECTORS if request.has(name)]
        if "id" in given and "emailAddress" not in given and not self.features.select_by_id:
            raise invalid_argument("emailAddress is required")
        if len(given) > 1:
            raise invalid_argument(f"Give only one of {' and '.join(given)}")
        if not given:
            return None

        name = given[0]
        if name not in allowed:
            raise invalid_argument(f"{name} does not apply to this service")
        value = request.param(name)
        if not value:
            raise invalid_argument(f"{name} needs a value")
        return name, value

    def _find_user(self, name: str, value: str) -> dict:
        data = self.store.data
        user = user_by_email(data, value) if name == "emailAddress" else data["users"].get(value)
        if user is None:
            raise S3Error(404, "NoSuchUser", f"The user {value} does not exist")
        return user

    def _required_user(self, request: Request) -> dict:
        selection = self._selection(request)
        if selection is None:
            raise invalid_argument("emailAddress is required")
        return self._find_user(*selection)

    def _find_bucket(self, name: str) -> dict:
        bucket = self.store.data["buckets"].get(name)
        if bucket is None:
            raise no_such_bucket()
        return bucket

    def _required_target(self, request: Request, allowed: tuple[str, ...]) -> tuple[str, str]:
        selection = self._selection(request, allowed)
        if selection is None:
            raise invalid_argument(f"Select the target with {' or '.join(allowed)}")
        return selection

    def _limits_holder(self, request: Request) -> dict:
        name, value = self._required_target(request, ("emailAddress", "id", "bucket"))
        return self._find_bucket(value) if name == "bucket" else self._find_user(name, value)

    # ostor-users

    def _user_get(self, request: Request) -> Response:
        selection = self._selection(request)
        if selection is None:
            users = [_user_summary(user) for user in self.store.data["users"].values()]
            return json_response(200, {"Users": users} if self.features.wrap_user_list else users)

        user = self._find_user(*selection)
        return json_response(
            200, {**_user_summary(user), "AWSAccessKeys": _key_pairs(user["keys"])}
        )

    def _user_create(self, request: Request) -> Response:
        selection = self._selection(request)
        if selection is None or selection[0] != "emailAddress":
            raise invalid_argument("emailAddress is required")
        email = selection[1]
        if "@" not in email:
            raise invalid_argument(f"{email} is not an email address")
        if user_by_email(self.store.data, email) is not None:
            raise S3Error(409, "UserAlreadyExists", f"The user {email} already exists")

        with self.store.change() as data:
            user = add_user(data, email)
        return json_response(
            200,
            {"UserEmail": email, "UserId": user["id"], "AWSAccessKeys": _key_pairs(user["keys"])},
        )

    def _user_change(self, request: Request) -> Response:
        actions = [action for action in USER_ACTIONS if request.has(action)]
        if len(actions) != 1:
            raise invalid_argument(f"POST takes one of {', '.join(USER_ACTIONS)}")
        user = self._required_user(request)

        if actions == ["genKey"]:
            return self._key_generate(user)
        if actions == ["revokeKey"]:
            return self._key_revoke(user, request.param("revokeKey") or "")
        with self.store.change():
            user["state"] = "disabled" if actions == ["disable"] else "enabled"
        return empty_response(200)

    def _key_generate(self, user: dict) -> Response:
        if len(user["keys"]) >= MAX_KEY_PAIRS:
            raise S3Error(409, "TooManyAccessKeys", "a user can have at most 2 access key pairs")
        with self.store.change():
            pair = new_key_pair(user["id"])
            user["keys"].append(pair)
        return json_response(
            200,
            {
                "UserEmail": user["email"],
                "UserId": user["id"],
                "AWSAccessKeys": _key_pairs([pair]),
            },
        )

    def _key_revoke(self, user: dict, access_key: str) -> Response:
        kept = [pair for pair in user["keys"] if pair["access_key"] != access_key]
        if len(kept) == len(user["keys"]):
            raise S3Error(
                404, "NoSuchAccessKey", f"The user {user['email']} has no access key {access_key}"
            )
        with self.store.change():
            user["keys"] = kept
        return empty_response(200)

    def _user_delete(self, request: Request) -> Response:
        user = self._required_user(request)
        owned = user_buckets(self.store.data, user["id"])
        if owned:
            raise S3Error(
                409, "UserHasBuckets", f"The user {user['email']} owns buckets: {', '.join(owned)}"
            )
        with self.store.change() as data:
            del data["users"][user["id"]]
        return empty_response(204)

    # ostor-buckets

    def _buckets_get(self, request: Request) -> Response:
        selection = self._selection(request)
        buckets = self.store.data["buckets"]
        names = sorted(buckets)
        if selection is not None:
            owner_id = self._find_user(*selection)["id"]
            names = [name for name in names if buckets[name]["owner_id"] == owner_id]
        return json_response(200, {"Buckets": [_bucket_entry(buckets[name]) for name in names]})

    # ostor-limits

    def _limits_get(self, request: Request) -> Response:
        limits = self._limits_holder(request)["limits"]
        document = {
            name: (f"{value:.2f}" if name.startswith("ops:") else str(int(value)))
            for name, value in limits.items()
        }
        return json_response(200, document)

    def _limits_set(self, request: Request) -> Response:
        limit_type = request.param("limit-type")
        resource = request.param("limit-resource")
        if limit_type not in LIMIT_RESOURCES:
            raise invalid_argument("limit-type must be ops or bandwidth")
        if resource not in LIMIT_RESOURCES[limit_type]:
            choices = ", ".join(LIMIT_RESOURCES[limit_type])
            raise invalid_argument(f"limit-resource of {limit_type} must be one of {choices}")
        value = _non_negative(request.param("limit-value"), "limit-value")
        holder = self._limits_holder(request)

        with self.store.change():
            # Bandwidth comes back as a whole number, as the manual prints it.
            stored = float(value) if limit_type == "ops" else math.floor(value)
            holder["limits"][f"{limit_type}:{resource}"] = stored
        return empty_response(200)

    def _limits_delete(self, request: Request) -> Response:
        holder = self._limits_holder(request)
        with self.store.change():
            holder["limits"] = no_limits()
        return empty_response(204)

    # ostor-quotas

    def _quota_slot(self, request: Request) -> tuple[dict, str, int]:
        """Where the quota lives: (the dict, its key, the type number GET answers)."""
        name, value = self._required_target(request, SELECTORS)
        if name == "default":
            if value not in QUOTA_DEFAULTS:
                raise invalid_argument("default must be user or bucket")
            return self.store.data["default_quotas"], value, QUOTA_DEFAULTS[value]
        if name == "bucket":
            return self._find_bucket(value), "quota", QUOTA_DEFAULTS["bucket"]
        return self._find_user(name, value), "quota", QUOTA_DEFAULTS["user"]

    def _quota_get(self, request: Request) -> Response:
        holder, key, kind = self._quota_slot(request)
        return json_response(200, {"version": 1, "type": kind, "size": holder[key]})

    def _quota_set(self, request: Request) -> Response:
        raw = request.param("quota-size")
        if not is_whole_number(raw):
            raise invalid_argument("quota-size must be a whole number of GB (0 for unlimited)")
        holder, key, _ = self._quota_slot(request)
        with self.store.change():
            holder[key] = int(raw)
        return empty_response(200)

    def _quota_delete(self, request: Request) -> Response:
        holder, key, _ = self._quota_slot(request)
        with self.store.change():
            holder[key] = 0
        return empty_response(204)

    # ostor-usage

    def _usage_get(self, request: Request) -> Response:
        name = request.param("obj")
        if name is not None:
            document = usage.render(self.store.data, name)
            if document is None:
                raise S3Error(404, "NoSuchKey", f"No statistics object {name}")
            return json_response(200, document)

        names = usage.names(self.store.data)
        if not self.features.usage_paging:
            return json_response(200, {"nr_items": len(names), "items": sorted(names)})
        limit = _positive_int(request.param("limit"), "limit")
        page, truncated = usage.listing(names, after=request.param("after"), limit=limit)
        return json_response(200, {"nr_items": len(page), "truncated": truncated, "items": page})

    def _usage_delete(self, request: Request) -> Response:
        name = request.param("obj")
        if not name:
            raise invalid_argument("obj is required")
        if not usage.exists(self.store.data, name):
            raise S3Error(404, "NoSuchKey", f"No statistics object {name}")
        with self.store.change() as data:
            usage.remove(data, name)
        return empty_response(204)
