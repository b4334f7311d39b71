"""The client configurations a customer downloads with a new key pair."""

from urllib.parse import urlsplit

from staas_portal.customers.models import S3Account


def profile_name(account: S3Account) -> str:
    return f"staas-{account.cluster.name}"


def aws_credentials(account: S3Account, access_key_id: str, secret: str) -> str:
    """A section of ~/.aws/credentials."""
    return (
        f"[{profile_name(account)}]\n"
        f"aws_access_key_id = {access_key_id}\n"
        f"aws_secret_access_key = {secret}\n"
    )


def aws_config(account: S3Account) -> str:
    """The matching section of ~/.aws/config: no secret, the cluster's endpoint."""
    cluster = account.cluster
    return (
        f"[profile {profile_name(account)}]\n"
        f"endpoint_url = {cluster.customer_endpoint}\n"
        f"region = {cluster.region}\n"
        f"s3 =\n    addressing_style = path\n"
    )


def s3cmd_config(account: S3Account, access_key_id: str, secret: str) -> str:
    """A whole ~/.s3cfg for s3cmd."""
    cluster = account.cluster
    endpoint = urlsplit(cluster.customer_endpoint)
    return (
        "[default]\n"
        f"access_key = {access_key_id}\n"
        f"secret_key = {secret}\n"
        f"host_base = {endpoint.netloc}\n"
        f"host_bucket = {endpoint.netloc}\n"
        f"use_https = {'True' if endpoint.scheme == 'https' else 'False'}\n"
        f"signature_v2 = {'True' if cluster.signature == 'v2' else 'False'}\n"
        f"bucket_location = {cluster.region}\n"
    )
