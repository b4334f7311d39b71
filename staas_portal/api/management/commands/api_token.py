"""`manage.py api_token create|list|revoke`: API tokens from the shell."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from staas_portal.api.models import ApiToken
from staas_portal.api.services import token_create, token_revoke
from staas_portal.audit.services import ServiceRefused


class Command(BaseCommand):
    help = (
        "Creates, lists or revokes API tokens. `create` prints the new token once; the "
        "portal keeps only its hash."
    )

    def add_arguments(self, parser):
        verbs = parser.add_subparsers(dest="verb", required=True)
        create = verbs.add_parser("create", help="a new token, printed once")
        create.add_argument("name", help="names the system that uses it, e.g. storefront")
        create.add_argument(
            "--scope", choices=ApiToken.Scope.values, default=ApiToken.Scope.READ,
            help="read (the default), or read-write",
        )  # fmt: skip
        verbs.add_parser("list", help="every token, with its last use")
        revoke = verbs.add_parser("revoke", help="stop a token at once")
        revoke.add_argument("name")

    def handle(self, *args, verb, **options):
        getattr(self, verb.replace("-", "_"))(**options)

    def create(self, *, name, scope, **options):
        try:
            new = token_create(actor=None, name=name, scope=scope)
        except ValidationError as invalid:
            raise CommandError(" ".join(invalid.messages)) from None

        self.stderr.write(f"Token {new.token.name} ({scope}). It is shown this once:")
        self.stdout.write(new.text)

    def list(self, **options):
        for token in ApiToken.objects.all():
            used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never used"
            state = f"revoked {token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at else "active"
            self.stdout.write(
                f"{token.name:<24} {token.scope:<10} staas_{token.prefix}_…  {used:<16}  {state}"
            )

    def revoke(self, *, name, **options):
        token = ApiToken.objects.filter(name=name).first()
        if token is None:
            raise CommandError(f"There is no token named {name!r}.")

        try:
            token_revoke(actor=None, token=token)
        except ServiceRefused as refused:
            raise CommandError(str(refused)) from None
        self.stdout.write(f"Token {name} revoked.")
