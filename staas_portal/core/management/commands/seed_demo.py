import secrets

from django.core.management.base import BaseCommand

from staas_portal.customers.models import Customer
from staas_portal.users.models import Role, User
from staas_portal.users.services import user_create

DEMO_LOGINS = [("admin", Role.ADMIN), ("support", Role.SUPPORT), ("customer", Role.CUSTOMER)]


class Command(BaseCommand):
    help = (
        "Loads the demo data on a portal's first start: one admin, one support and one "
        "customer login with random passwords, printed once, the customer login belonging "
        "to a demo customer. Does nothing on later starts."
    )

    def handle(self, *args, **options):
        if User.objects.exists():
            names = ", ".join(User.objects.values_list("username", flat=True)[:10])
            self.stdout.write(
                f"Logins: {names}. Passwords were printed on the first start; "
                "`python manage.py changepassword NAME` sets a new one."
            )
            return

        self.stdout.write("Demo logins (shown this once):")
        for username, role in DEMO_LOGINS:
            password = secrets.token_urlsafe(12)
            login = user_create(
                actor=None,
                username=username,
                email=f"{username}@example.com",
                role=role,
                password=password,
            )
            self.stdout.write(f"  {role.label:<9} user {username:<9} password {password}")
            if role == Role.CUSTOMER:
                self.link_demo_customer(login)
        self.stdout.write(
            "The customer login belongs to the customer 'Demo Customer'; provision an S3 "
            "user for it on its page as the admin, then sign in as the customer."
        )

    def link_demo_customer(self, login: User) -> None:
        customer, _ = Customer.objects.get_or_create(
            email="demo.customer@example.com",
            defaults={"name": "Demo Customer", "company": "Demo Ltd"},
        )
        login.customer = customer
        login.save(update_fields=["customer"])
