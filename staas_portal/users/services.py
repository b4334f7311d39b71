import logging
import smtplib
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from staas_portal.audit.models import Outcome
from staas_portal.audit.services import ServiceRefused, audit_record, audited
from staas_portal.users.access import require_role
from staas_portal.users.models import Role, User

logger = logging.getLogger(__name__)


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


def user_password_set(*, user: User, address: str) -> None:
    """A password set from an invitation or a reset link."""
    audit_record(
        actor=user,
        action="user.password_set",
        target=f"user:{user.username}",
        outcome=Outcome.SUCCESS,
        address=address,
    )


# Customers' logins


@dataclass(frozen=True)
class SetPasswordLink:
    """A one-time link to set a login's password, and whether the mail with it went out."""

    login: User
    link: str
    mailed: bool
    mail_error: str = ""


def set_password_link(login: User, site_url: str) -> str:
    """A link that works once: the token no longer matches after the password is set."""
    path = reverse(
        "password_set",
        args=[
            urlsafe_base64_encode(force_bytes(login.pk)),
            default_token_generator.make_token(login),
        ],
    )
    return site_url.rstrip("/") + path


def login_invite(
    *, actor, customer, email: str, username: str = "", site_url: str, address: str = ""
) -> SetPasswordLink:
    """A new login for the customer, and the invitation with its set-password link."""
    username = (username or email).strip()
    with audited(actor=actor, action="login.invite", target=f"customer:{customer.pk}",
                 parameters={"username": username, "email": email},
                 address=address):  # fmt: skip
        require_role(actor, Role.ADMIN)
        login = User(username=username, email=email.strip(), role=Role.CUSTOMER,
                     customer=customer)  # fmt: skip
        login.set_unusable_password()
        login.full_clean()
        login.save()

        invitation = mail_link(login, site_url, "users/email/invitation.txt",
                               f"Your storage account at {site_name(site_url)}")  # fmt: skip
    logger.info("%s invited login %s of customer %s", actor, login.username, customer.pk)
    return invitation


def login_send_link(*, actor, login: User, site_url: str, address: str = "") -> SetPasswordLink:
    """A fresh set-password link for a customer's login, mailed and shown to the admin."""
    with audited(actor=actor, action="login.send_link", target=f"user:{login.username}",
                 address=address):  # fmt: skip
        require_role(actor, Role.ADMIN)
        require_customer_login(login)
        if not login.is_active:
            raise ServiceRefused(f"The login {login.username} is disabled; enable it first.")

        return mail_link(login, site_url, "users/email/invitation.txt",
                         f"Set your password at {site_name(site_url)}")  # fmt: skip


def login_set_active(*, actor, login: User, active: bool, address: str = "") -> None:
    action = "login.enable" if active else "login.disable"
    with audited(actor=actor, action=action, target=f"user:{login.username}",
                 address=address):  # fmt: skip
        require_role(actor, Role.ADMIN)
        require_customer_login(login)

        login.is_active = active
        login.save(update_fields=["is_active"])
    logger.info("%s %s login %s", actor, "enabled" if active else "disabled", login.username)


def require_customer_login(login: User) -> None:
    # Staff logins are managed in the admin site, not from a customer's page.
    if login.role != Role.CUSTOMER or login.customer_id is None:
        raise ServiceRefused(f"{login.username} is not a customer's login.")


def site_name(site_url: str) -> str:
    return site_url.split("://", 1)[-1].rstrip("/")


def mail_link(login: User, site_url: str, template: str, subject: str) -> SetPasswordLink:
    link = set_password_link(login, site_url)
    body = render_to_string(template, {
        "login": login, "link": link, "site": site_name(site_url),
        "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
    })  # fmt: skip
    try:
        send_mail(subject, body, None, [login.email])
    except (smtplib.SMTPException, OSError) as error:
        # The admin sees the link anyway and can pass it on; the failure is said, not hidden.
        logger.warning("mail to login %s failed: %s", login.username, error)
        return SetPasswordLink(login, link, mailed=False, mail_error=type(error).__name__)
    return SetPasswordLink(login, link, mailed=True)
