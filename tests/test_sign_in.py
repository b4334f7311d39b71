import pytest
from django.urls import reverse

from staas_portal.audit.models import AuditEvent, Outcome
from staas_portal.users.models import Role
from tests.conftest import PASSWORD, make_login


def sign_in(client, username, password, address="203.0.113.7"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_the_login_page_has_the_form(client, db):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'name="password"' in response.content


def test_a_correct_password_signs_in_and_is_audited(client, admin_login):
    response = sign_in(client, "ada", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    event = AuditEvent.objects.get(action="user.sign_in")
    assert (event.actor, event.outcome, event.address) == (
        admin_login,
        Outcome.SUCCESS,
        "203.0.113.7",
    )


def test_a_wrong_password_is_refused_with_a_clear_message(client, admin_login):
    response = sign_in(client, "ada", "not the password")

    assert response.status_code == 200
    assert b"That username and password do not match" in response.content
    assert b'value="ada"' in response.content
    event = AuditEvent.objects.get(action="user.sign_in")
    assert (event.actor_name, event.outcome) == ("ada", Outcome.REFUSED)
    assert "not the password" not in str(event.parameters)


def test_an_account_is_locked_after_five_failures_from_any_address(client, admin_login):
    for attempt in range(5):
        sign_in(client, "ada", "wrong", address=f"198.51.100.{attempt}")

    response = sign_in(client, "ada", PASSWORD, address="198.51.100.99")

    assert response.status_code == 429
    assert b"Too many failed sign-ins" in response.content
    assert b"15 minutes" in response.content


def test_an_address_is_locked_after_five_failures_on_any_account(client, db):
    for attempt in range(5):
        sign_in(client, f"nobody{attempt}", "wrong", address="192.0.2.50")
    make_login(Role.SUPPORT, "sam")

    response = sign_in(client, "sam", PASSWORD, address="192.0.2.50")

    assert response.status_code == 429


def test_other_accounts_and_addresses_are_not_locked_by_someone_elses_failures(client, db):
    for _ in range(5):
        sign_in(client, "ada", "wrong", address="192.0.2.50")
    make_login(Role.SUPPORT, "sam")

    response = sign_in(client, "sam", PASSWORD, address="192.0.2.51")

    assert response.status_code == 302


def test_signing_out_takes_a_post_and_is_audited(client, support_login):
    client.force_login(support_login)

    refused = client.get(reverse("logout"))
    response = client.post(reverse("logout"))

    assert refused.status_code == 405
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302
    assert AuditEvent.objects.filter(action="user.sign_out", actor=support_login).exists()


def test_a_signed_in_user_is_sent_home_from_the_login_page(client, customer_login):
    client.force_login(customer_login)

    response = client.get(reverse("login"))

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


class TestPasswordChange:
    NEW_PASSWORD = "a much longer passphrase 2026"

    def change(self, client, old, new1, new2=None):
        return client.post(
            reverse("password_change"),
            {"old_password": old, "new_password1": new1, "new_password2": new2 or new1},
        )

    def test_it_changes_the_password_and_audits_it(self, client, customer_login):
        client.force_login(customer_login)

        response = self.change(client, PASSWORD, self.NEW_PASSWORD)

        assert response.status_code == 302
        assert response["Location"] == reverse("password_change_done")
        customer_login.refresh_from_db()
        assert customer_login.check_password(self.NEW_PASSWORD)
        assert AuditEvent.objects.filter(action="user.password_change").count() == 1

    @pytest.mark.parametrize(
        ("new_password", "message"),
        [
            ("short1", b"too short"),
            ("password1234", b"too common"),
            ("839201938475", b"entirely numeric"),
        ],
    )
    def test_it_refuses_weak_passwords(self, client, customer_login, new_password, message):
        client.force_login(customer_login)

        response = self.change(client, PASSWORD, new_password)

        assert response.status_code == 200
        assert message in response.content
        customer_login.refresh_from_db()
        assert customer_login.check_password(PASSWORD)

    def test_it_needs_the_old_password(self, client, customer_login):
        client.force_login(customer_login)

        response = self.change(client, "a guess", self.NEW_PASSWORD)

        assert response.status_code == 200
        assert b"old password was entered incorrectly" in response.content
