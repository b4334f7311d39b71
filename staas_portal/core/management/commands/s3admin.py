"""`manage.py s3admin VERB`: the manual's ostor-s3-admin verbs, over the gateway's admin API.

Operators who know the vendor's tool find the same verbs, flags and text forms
here, but the calls go over HTTP to the S3 gateway, so nothing has to run on a
storage node. `--json` prints the gateway's own answer instead of the text.
"""

import argparse
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from staas_portal.gateway import cli_format
from staas_portal.gateway.client import QUOTA_DEFAULTS, GatewayClient, GatewayConfig
from staas_portal.gateway.errors import GatewayError
from staas_portal.gateway.results import LIMIT_RESOURCES, KeyPair

DEFAULT_CLUSTER = "default"
SELECTOR_KEYS = ("email", "user_id", "bucket", "default")
USER = ("email", "user_id")
TARGET = ("email", "bucket")
QUOTA = ("email", "user_id", "bucket", "default")


@dataclass(frozen=True)
class Output:
    text: str = ""
    # The gateway's JSON for --json; None where it answered with an empty body.
    document: Any = None


# Arguments


def limit_pair(text: str) -> tuple[str, Decimal]:
    """`get=3600` from -L; which names fit is checked against -t once all are parsed."""
    name, separator, raw_value = text.partition("=")
    if not separator or not name.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")

    not_a_limit = argparse.ArgumentTypeError(f"{raw_value!r} is not a non-negative number")
    try:
        value = Decimal(raw_value)
    except InvalidOperation:
        raise not_a_limit from None
    if not value.is_finite() or value < 0:
        raise not_a_limit
    return name.strip().lower(), value


def quota_size(text: str) -> int:
    not_a_size = argparse.ArgumentTypeError(f"{text!r} is not a whole number of GB (0: unlimited)")
    try:
        size = int(text)
    except ValueError:
        raise not_a_size from None
    if size < 0:
        raise not_a_size
    return size


def not_blank(text: str) -> str:
    # A blank selector would reach the client as no selector at all.
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return text


def add_selectors(parser, selectors: tuple[str, ...], required: bool = True) -> None:
    group = parser.add_mutually_exclusive_group(required=required)
    if "email" in selectors:
        group.add_argument("-e", "--email", type=not_blank, help="the S3 user's email")
    if "user_id" in selectors:
        group.add_argument(
            "-i", "--id", dest="user_id", metavar="ID", type=not_blank, help="the S3 user's id"
        )
    if "bucket" in selectors:
        group.add_argument("-b", "--bucket", type=not_blank, help="the bucket's name")
    if "default" in selectors:
        group.add_argument(
            "--default", choices=QUOTA_DEFAULTS, help="the default quota of new users or buckets"
        )


def add_revoke_arguments(parser) -> None:
    parser.add_argument(
        "-k", "--access-key", required=True, type=not_blank, help="the access key id to revoke"
    )


def add_limit_arguments(parser) -> None:
    parser.add_argument(
        "-t", "--type", dest="limit_type", required=True, choices=LIMIT_RESOURCES,
        help="ops: operations per second; bandwidth: outgoing kb/s",
    )  # fmt: skip
    parser.add_argument(
        "-L",
        "--limit",
        dest="limits",
        action="append",
        required=True,
        type=limit_pair,
        metavar="NAME=VALUE",
        help="ops: default, get, put, list, delete (ops/s); bandwidth: out (kb/s); 0: no limit",
    )


def add_quota_size(parser) -> None:
    parser.add_argument("-s", "--size", required=True, type=quota_size, help="GB, 0: unlimited")


def add_object_name(parser) -> None:
    parser.add_argument("obj", metavar="OBJ", type=not_blank, help="the statistics object's name")


def limit_names_error(options: dict) -> str:
    allowed = LIMIT_RESOURCES[options["limit_type"]]
    wrong = [name for name, _ in options["limits"] if name not in allowed]
    if not wrong:
        return ""
    return (
        f"argument -L/--limit: {options['limit_type']} has no limit {wrong[0]!r} "
        f"(choose from {', '.join(allowed)})"
    )


# Verbs


def user_id_for(client: GatewayClient, selector: dict) -> str:
    return selector.get("user_id") or client.user_get(**selector).user_id


def selector_text(selector: dict) -> str:
    if "user_id" in selector:
        return f"user id={selector['user_id']}"
    return f"user email={selector['email']}"


def create_user(client, selector, options) -> Output:
    """Create an S3 user with one key pair."""
    user = client.user_create(**selector)
    return Output(cli_format.user_created(user), user.raw)


def query_users(client, selector, options) -> Output:
    """List all S3 users."""
    users = client.user_list()
    return Output(cli_format.users_table(users), [user.raw for user in users])


def query_user_info(client, selector, options) -> Output:
    """Show one user and its key pairs."""
    user = client.user_get(**selector)
    return Output(cli_format.user_info(user), user.raw)


def disable_user(client, selector, options) -> Output:
    """Disable a user: its keys stop working."""
    client.user_disable(**selector)
    return Output(f"Disabled user: {selector_text(selector)}")


def enable_user(client, selector, options) -> Output:
    """Enable a disabled user."""
    client.user_enable(**selector)
    return Output(f"Enabled user: {selector_text(selector)}")


def delete_user(client, selector, options) -> Output:
    """Delete a user who owns no buckets."""
    user_id = user_id_for(client, selector)

    client.user_delete(**selector)
    return Output(f"Deleted user: user id={user_id}")


def gen_access_key(client, selector, options) -> Output:
    """Generate a key pair (two at most)."""
    user_id = user_id_for(client, selector)

    pair = client.key_generate(**selector)
    document = {**key_owner(selector, user_id), "AWSAccessKeys": [key_pair_document(pair)]}
    return Output(cli_format.key_generated(user_id, pair), document)


def key_owner(selector: dict, user_id: str) -> dict:
    owner = {"UserEmail": selector["email"]} if "email" in selector else {}
    return {**owner, "UserId": user_id}


def key_pair_document(pair: KeyPair) -> dict:
    # key_generate returns the new pair without the gateway's JSON, so the answer's
    # shape is rebuilt from it, with the same field names.
    return {"AWSAccessKeyId": pair.access_key_id, "AWSSecretAccessKey": pair.secret_access_key}


def revoke_access_key(client, selector, options) -> Output:
    """Revoke one key pair of a user."""
    user_id = user_id_for(client, selector)

    client.key_revoke(access_key_id=options["access_key"], **selector)
    return Output(cli_format.key_revoked(user_id, options["access_key"]))


def set_limits(client, selector, options) -> Output:
    """Set ops/s or bandwidth limits, then show them."""
    for name, value in options["limits"]:
        client.limits_set(
            limit_type=options["limit_type"], resource=name, value=f"{value:f}", **selector
        )

    return query_limits(client, selector, options)


def query_limits(client, selector, options) -> Output:
    """Show a user's or bucket's limits."""
    limits = client.limits_get(**selector)
    return Output(cli_format.limits_line(limits), limits.raw)


def rm_limits(client, selector, options) -> Output:
    """Remove the limits, then show them."""
    client.limits_delete(**selector)
    return query_limits(client, selector, options)


def list_buckets(client, selector, options) -> Output:
    """List all buckets, or one user's."""
    buckets = client.bucket_list(**selector)
    return Output(cli_format.buckets_table(buckets), {"Buckets": [b.raw for b in buckets]})


def usage_list(client, selector, options) -> Output:
    """List every statistics object's name."""
    names = list(client.usage_names())
    document = {"nr_items": len(names), "truncated": False, "items": names}
    return Output("\n".join(names), document)


def usage_show(client, selector, options) -> Output:
    """Show a statistics object's counters."""
    usage = client.usage_get(name=options["obj"])
    return Output(cli_format.usage_object(usage), usage.raw)


def usage_delete(client, selector, options) -> Output:
    """Delete a collected statistics object."""
    client.usage_delete(name=options["obj"])
    return Output(f"Deleted statistics object: {options['obj']}")


def set_quota(client, selector, options) -> Output:
    """Set a storage quota, then show it."""
    client.quota_set(size_gb=options["size"], **selector)
    return query_quota(client, selector, options)


def query_quota(client, selector, options) -> Output:
    """Show a storage quota."""
    quota = client.quota_get(**selector)
    kind = selector.get("default") or ("bucket" if "bucket" in selector else "user")
    text = cli_format.quota_line(quota, kind, default="default" in selector)
    return Output(text, quota.raw)


def rm_quota(client, selector, options) -> Output:
    """Reset a quota to unlimited, then show it."""
    client.quota_delete(**selector)
    return query_quota(client, selector, options)


@dataclass(frozen=True)
class Verb:
    name: str
    run: Callable[[GatewayClient, dict, dict], Output]
    selectors: tuple[str, ...] = ()
    arguments: Callable | None = None
    selector_required: bool = True

    @property
    def help(self) -> str:
        return self.run.__doc__


VERBS = (
    Verb("create-user", create_user, ("email",)),
    Verb("query-users", query_users),
    Verb("query-user-info", query_user_info, USER),
    Verb("disable-user", disable_user, USER),
    Verb("enable-user", enable_user, USER),
    Verb("delete-user", delete_user, USER),
    Verb("gen-access-key", gen_access_key, USER),
    Verb("revoke-access-key", revoke_access_key, USER, add_revoke_arguments),
    Verb("set-limits", set_limits, TARGET, add_limit_arguments),
    Verb("query-limits", query_limits, TARGET),
    Verb("rm-limits", rm_limits, TARGET),
    Verb("list-buckets", list_buckets, USER, selector_required=False),
    Verb("usage-list", usage_list),
    Verb("usage-show", usage_show, arguments=add_object_name),
    Verb("usage-delete", usage_delete, arguments=add_object_name),
    Verb("set-quota", set_quota, QUOTA, add_quota_size),
    Verb("query-quota", query_quota, QUOTA),
    Verb("rm-quota", rm_quota, QUOTA),
)
VERBS_BY_NAME = {verb.name: verb for verb in VERBS}


# The command


def gateway_config(cluster: str) -> GatewayConfig:
    if cluster != DEFAULT_CLUSTER:
        raise CommandError(
            f"No cluster named {cluster!r}: only {DEFAULT_CLUSTER!r}, the gateway of the "
            "STAAS_GATEWAY_* settings, can be chosen so far."
        )

    gateway = settings.STAAS_GATEWAY
    if not (gateway["url"] and gateway["access_key"] and gateway["secret_key"]):
        raise CommandError(
            "No gateway is configured: set STAAS_GATEWAY_URL, STAAS_GATEWAY_ACCESS_KEY and "
            "STAAS_GATEWAY_SECRET_KEY (a system S3 user's key pair)."
        )
    return GatewayConfig(
        name=DEFAULT_CLUSTER, url=gateway["url"], access_key=gateway["access_key"],
        secret_key=gateway["secret_key"], signature=gateway["signature"],
        region=gateway["region"], read_timeout=settings.STAAS_GATEWAY_TIMEOUT,
    )  # fmt: skip


def quiet_gateway_logs(verbosity: int) -> None:
    # Each call's log line would land on stderr between the answers; -v 2 shows them.
    level = logging.INFO if verbosity >= 2 else logging.WARNING
    logging.getLogger("staas_portal.gateway").setLevel(level)


class Command(BaseCommand):
    help = (
        "Manages S3 users, key pairs, limits, quotas, buckets and usage statistics through "
        "the gateway's admin API, with the verbs and output of ostor-s3-admin."
    )
    # Nothing here reads the database or the models, so the system checks can be skipped.
    requires_system_checks = []

    def add_arguments(self, parser):
        common = argparse.ArgumentParser(add_help=False)
        common.add_argument(
            "--json", action="store_true",
            help="print the gateway's JSON answer instead (nothing when the answer is empty)",
        )  # fmt: skip
        common.add_argument(
            "--cluster", default=DEFAULT_CLUSTER,
            help="the cluster to manage (default: the gateway of STAAS_GATEWAY_URL)",
        )  # fmt: skip

        verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
        self.verb_parsers = {}
        for verb in VERBS:
            self.verb_parsers[verb.name] = self.add_verb(verbs, verb, common)

    def add_verb(self, verbs, verb: Verb, common):
        verb_parser = verbs.add_parser(
            verb.name, help=verb.help, description=verb.help, parents=[common]
        )
        if verb.selectors:
            add_selectors(verb_parser, verb.selectors, verb.selector_required)
        if verb.arguments:
            verb.arguments(verb_parser)
        return verb_parser

    def handle(self, *args, **options):
        verb = VERBS_BY_NAME[options["verb"]]
        if verb.name == "set-limits" and (error := limit_names_error(options)):
            self.verb_parsers[verb.name].error(error)

        quiet_gateway_logs(options["verbosity"])
        client = GatewayClient(gateway_config(options["cluster"]))
        selector = {key: options[key] for key in SELECTOR_KEYS if options.get(key)}
        try:
            output = verb.run(client, selector, options)
        except GatewayError as error:
            raise CommandError(str(error)) from None

        self.write(output, as_json=options["json"])

    def write(self, output: Output, *, as_json: bool) -> None:
        if not as_json:
            if output.text:
                self.stdout.write(output.text)
            return

        if output.document is not None:
            self.stdout.write(json.dumps(output.document, indent=2, ensure_ascii=False))
