"""Customers' logins: invitations with a one-time set-password link, and password resets."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from staas_portal.audit.models import AuditEvent, Outcome
from staas_portal.users.models import Role, User
from tests.conftest import PASSWORD
from tests.portal_fixtures import login_of

NEW_PASSWORD = "a long and quite new passphrase"


def invite(client, customer, **fields):
    return client.post(
        reverse("login_invite", args=[customer.pk]),
        {"email": "cora@acme.example", "username": "", **fields},
    )


def signs_in(client, username: str, password: str) -> bool:
    response = client.post(reverse("login"), {"username": username, "password": password})
    return response.status_code == 302


def link_in(message) -> str:
    return re.search(r"https://\S+/password/set/\S+/", message.body).group(0)


def set_password(client, link: str, password: str = NEW_PASSWORD):
    """Follows the link as a browser does, then sends the new password."""
    form_page = client.get(link.split("testserver", 1)[1], follow=True)
    if not form_page.context["validlink"]:
        return form_page
    return client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": password, "new_password2": password},
        follow=True,
    )


class TestInvitation:
    def test_it_makes_a_login_of_the_customer_and_mails_the_link(
        self, client, admin_login, customer
    ):
        client.force_login(admin_login)

        response = invite(client, customer)

        login = User.objects.get(username="cora@acme.example")
        assert (login.role, login.customer, login.has_usable_password()) == (
            Role.CUSTOMER, customer, False,
        )  # fmt: skip
        (message,) = mail.outbox
        assert message.to == ["cora@acme.example"]
        assert link_in(message) in response.content.decode()
        assert response["Cache-Control"] == "no-store"
        assert AuditEvent.objects.get(action="login.invite").outcome == Outcome.SUCCESS

    def test_the_link_sets_the_password_once(self, client, admin_login, customer):
        client.force_login(admin_login)
        invite(client, customer, username="cora")
        link = link_in(mail.outbox[0])
        client.logout()

        done = set_password(client, link)
        again = set_password(client, link, "another long passphrase here")

        assert done.redirect_chain[-1][0] == reverse("password_set_done")
        assert signs_in(client, "cora", NEW_PASSWORD)
        assert "This link no longer works" in again.content.decode()
        assert AuditEvent.objects.filter(action="user.password_set").count() == 1

    def test_the_token_never_reaches_the_log(self, client, admin_login, customer, all_logs):
        client.force_login(admin_login)
        invite(client, customer, username="cora")
        link = link_in(mail.outbox[0])
        client.logout()

        set_password(client, link)

        token = link.rstrip("/").rsplit("/", 1)[1]
        assert "password/set/[uidb64]/[token]/" in all_logs.text()
        assert token not in all_logs.text()

    def test_a_taken_username_is_refused_by_field(self, client, admin_login, customer):
        login_of(customer, "cora")
        client.force_login(admin_login)

        response = invite(client, customer, username="CORA")

        assert response.context["form"].errors == {
            "username": ["There is a login named CORA already; choose another."]
        }
        assert mail.outbox == []

    def test_a_failed_mail_still_shows_the_link(self, client, admin_login, customer, settings):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
        client.force_login(admin_login)

        response = invite(client, customer)

        assert "could not be sent" in response.content.decode()
        assert "/password/set/" in response.content.decode()

    def test_support_cannot_invite(self, client, support_login, customer):
        client.force_login(support_login)

        response = invite(client, customer)

        assert response.status_code == 403
        assert not User.objects.filter(customer=customer).exists()

    def test_the_customer_page_lists_the_logins(self, client, support_login, customer):
        login_of(customer, "cora")
        client.force_login(support_login)

        response = client.get(reverse("customers:detail", args=[customer.pk]))

        assert "<td>cora</td>" in response.content.decode()
        assert "Invite a login" not in response.content.decode()


class TestDisabling:
    def test_a_disabled_login_cannot_sign_in_and_can_be_enabled(self, client, admin_login,
                                                                customer):  # fmt: skip
        login = login_of(customer, "cora")
        client.force_login(admin_login)

        asked = client.get(reverse("login_disable", args=[customer.pk, login.pk]))
        client.post(reverse("login_disable", args=[customer.pk, login.pk]))
        client.logout()
        refused = signs_in(client, "cora", PASSWORD)
        client.force_login(admin_login)
        client.post(reverse("login_enable", args=[customer.pk, login.pk]))
        client.logout()

        assert "Disable the login cora of Acme Hosting?" in asked.content.decode()
        assert refused is False
        assert signs_in(client, "cora", PASSWORD)

    def test_a_staff_login_is_not_managed_from_a_customer_page(
        self, client, admin_login, support_login, customer
    ):
        client.force_login(admin_login)

        response = client.post(reverse("login_disable", args=[customer.pk, support_login.pk]))

        assert response.status_code == 404
        support_login.refresh_from_db()
        assert support_login.is_active


class TestPasswordReset:
    def test_a_customer_resets_a_forgotten_password(self, client, customer):
        User.objects.filter(pk=login_of(customer, "cora").pk).update(email="cora@acme.example")

        sent = client.post(reverse("password_reset"), {"email": "CORA@acme.example"}, follow=True)
        done = set_password(client, link_in(mail.outbox[0]))

        assert "Check your email" in sent.content.decode()
        assert done.redirect_chain[-1][0] == reverse("password_set_done")
        assert signs_in(client, "cora", NEW_PASSWORD)

    @pytest.mark.parametrize("email", ["ada@example.com", "nobody@example.com"])
    def test_staff_and_unknown_addresses_get_no_mail_and_the_same_page(
        self, client, admin_login, email
    ):
        response = client.post(reverse("password_reset"), {"email": email}, follow=True)

        assert "Check your email" in response.content.decode()
        assert mail.outbox == []
