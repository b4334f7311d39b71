from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from staas_portal.audit.models import Outcome
from staas_portal.audit.services import audit_record
from staas_portal.users.access import require_role
from staas_portal.users.models import Role, User


@transaction.atomic
def user_create(
    *, actor: User | None, username: str, email: str, role: Role, password: str
) -> User:
    """Creates a portal login. `actor` None means an operator at the shell."""
    if actor is not None:
        require_role(actor, Role.ADMIN)

    user = User(username=username, email=email, role=role)
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()

    audit_record(
        actor=actor,
        action="user.create",
        target=f"user:{username}",
        parameters={"role": role, "email": email},
        outcome=Outcome.SUCCESS,
    )
    return user


def user_signed_in(*, user: User, address: str) -> None:
    audit_record(
        actor=user,
        action="user.sign_in",
        target=f"user:{user.username}",
        outcome=Outcome.SUCCESS,
        address=address,
    )


def user_sign_in_refused(*, username: str, address: str) -> None:
    # The attempted name is kept, never the password that came with it.
    audit_record(
        actor=None,
        actor_name=username[:150] or "(blank)",
        action="user.sign_in",
        target=f"user:{username[:200]}",
        outcome=Outcome.REFUSED,
        address=address,
    )


def user_signed_out(*, user: User, address: str) -> None:
    audit_record(
        actor=user,
        action="user.sign_out",
        target=f"user:{user.username}",
        outcome=Outcome.SUCCESS,
        address=address,
    )


def user_password_changed(*, user: User, address: str) -> None:
    audit_record(
        actor=user,
        action="user.password_change",
        target=f"user:{user.username}",
        outcome=Outcome.SUCCESS,
        address=address,
    )
