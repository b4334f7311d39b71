from django.conf import settings
from django.db import models
from django.db.models import Q

from staas_portal.core.crypto import decrypt_secret, encrypt_secret
from staas_portal.gateway.client import GatewayClient, GatewayConfig, client_for


class Signature(models.TextChoices):
    V2 = "v2", "Signature V2"
    V4 = "v4", "Signature V4"


class StorageCluster(models.Model):
    """An ostor cluster, reached through its S3 gateway's admin API with a system key."""

    name = models.SlugField(max_length=64, unique=True)
    gateway_url = models.URLField(
        "gateway URL", help_text="The S3 gateway's address, e.g. https://s3.example.net/"
    )
    access_key = models.CharField(
        "system access key", max_length=128, help_text="The access key of a system S3 user."
    )
    # Fernet ciphertext of the system user's secret key; never the secret itself.
    secret_ciphertext = models.TextField(editable=False)
    signature = models.CharField(max_length=2, choices=Signature.choices, default=Signature.V2)
    region = models.CharField(
        max_length=64, default="us-east-1", help_text="Only used by Signature V4."
    )
    s3_endpoint = models.URLField(
        "S3 endpoint for customers",
        blank=True,
        help_text="The address customers use with their keys, when it is not the gateway URL.",
    )
    is_default = models.BooleanField("default cluster", default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_cluster"
            )
        ]

    def __str__(self):
        return self.name

    @property
    def customer_endpoint(self) -> str:
        return self.s3_endpoint or self.gateway_url

    def set_secret_key(self, secret_key: str) -> None:
        self.secret_ciphertext = encrypt_secret(secret_key)

    def gateway_config(self) -> GatewayConfig:
        return GatewayConfig(
            name=self.name,
            url=self.gateway_url,
            access_key=self.access_key,
            secret_key=decrypt_secret(self.secret_ciphertext),
            signature=self.signature,
            region=self.region,
            read_timeout=settings.STAAS_GATEWAY_TIMEOUT,
        )

    def gateway(self) -> GatewayClient:
        """The one client kept for this gateway, so calls reuse its connections."""
        return client_for(self.gateway_config())
