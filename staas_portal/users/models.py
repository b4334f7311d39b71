from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    SUPPORT = "support", "Support"
    CUSTOMER = "customer", "Customer"


class PortalUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A portal login. What it may do is decided by its role alone."""

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.CUSTOMER)
    # Whose data a customer login sees; staff logins belong to no customer.
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.CASCADE,
        related_name="logins",
    )  # fmt: skip

    objects = PortalUserManager()

    class Meta:
        ordering = ["username"]

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_support(self) -> bool:
        return self.role == Role.SUPPORT

    @property
    def is_customer(self) -> bool:
        return self.role == Role.CUSTOMER

    def has_perm(self, perm, obj=None):
        # Admins hold every permission, so the Django admin site needs no
        # separate is_superuser bookkeeping to stay in step with the role.
        if self.is_active and self.is_admin:
            return True
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label):
        if self.is_active and self.is_admin:
            return True
        return super().has_module_perms(app_label)
