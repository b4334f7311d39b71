"""The REST API's views. Each parses with a serializer, calls one service, and answers.

The services are the pages' own: they check the token's login for its role, ask
the gateway, record what it confirmed and write the audit event.
"""

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from staas_portal.api.idempotency import idempotent
from staas_portal.api.permissions import scope_needed
from staas_portal.api.problems import ALREADY_EXISTS, NOT_FOUND, field_problem, problem_response
from staas_portal.api.schema import GATEWAY, GATEWAY_FEATURE, IDEMPOTENCY_KEY, problems
from staas_portal.api.serializers import (
    AccountDetailSerializer,
    AccountSerializer,
    BucketSerializer,
    ClusterSerializer,
    CustomerPageSerializer,
    CustomerPlanSerializer,
    CustomerSerializer,
    CustomerUsageSerializer,
    KeyGenerateSerializer,
    KeyPairSerializer,
    LimitsReadingSerializer,
    LimitsSerializer,
    NewKeyPairSerializer,
    PlanAssignedSerializer,
    PlanAssignSerializer,
    PlanPageSerializer,
    PlanSerializer,
    ProvisionedAccountSerializer,
    ProvisionSerializer,
    QuotaReadingSerializer,
    QuotaSerializer,
    TaskSerializer,
    UsageLineSerializer,
    UsagePageSerializer,
    UsagePathSerializer,
    limits_data,
    new_key_pair_data,
)
from staas_portal.clusters.models import StorageCluster
from staas_portal.clusters.services import default_cluster
from staas_portal.core.http import client_address
from staas_portal.core.pages import PAGE_SIZE
from staas_portal.customers import services
from staas_portal.customers.forms import CustomerSearchForm
from staas_portal.customers.models import Customer, S3Account
from staas_portal.jobs.models import Job
from staas_portal.limits import selectors
from staas_portal.limits import services as limit_services
from staas_portal.limits.values import LimitValues
from staas_portal.usage import selectors as usage_selectors
from staas_portal.usage.months import Month
from staas_portal.users.access import public


# The token scopes of each method are declared on the view `as_view` returns, so that
# the access test walks API views as it walks pages. (A docstring here would become
# every operation's description in the schema.)
class ApiView(APIView):
    @classmethod
    def as_view(cls, **initkwargs):
        view = super().as_view(**initkwargs)
        methods = [name.upper() for name in cls.http_method_names
                   if name not in ("head", "options") and hasattr(cls, name)]  # fmt: skip
        view.api_scopes = {method: scope_needed(method) for method in methods}
        return view


class Paging(PageNumberPagination):
    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = 100


PAGING = [
    OpenApiParameter("page", {"type": "integer", "minimum": 1}, description="From 1."),
    OpenApiParameter(
        "page_size",
        {"type": "integer", "minimum": 1, "maximum": Paging.max_page_size},
        description=f"Items a page, {PAGE_SIZE} unless given.",
    ),
]


def paged(request, items, serializer, view, *, page_lines=None) -> Response:
    """One page of the items; `page_lines` turns a page of them into what is sent, where
    that is too costly to do for every item."""
    paging = Paging()
    page = paging.paginate_queryset(items, request, view=view)
    if page_lines is not None:
        page = page_lines(page)
    return paging.get_paginated_response(serializer(page, many=True).data)


def location(status: int, what: str) -> OpenApiParameter:
    """The Location header of an answer, for the schema."""
    return OpenApiParameter(
        "Location", str, OpenApiParameter.HEADER, description=f"The {what}'s address.",
        response=[status],
    )  # fmt: skip


def address(request) -> str:
    return client_address(request)


# Looking things up: an id that is not there, or not under this customer, is a 404.


def customer_of(customer_pk: int) -> Customer:
    customer = (
        Customer.objects.select_related("plan_assignment__plan")
        .prefetch_related("accounts__cluster").filter(pk=customer_pk).first()
    )  # fmt: skip
    if customer is None:
        raise NotFound(f"There is no customer {customer_pk}.")
    return customer


def account_of(customer_pk: int, account_pk: int) -> S3Account:
    account = (
        S3Account.objects.select_related("cluster", "customer")
        .filter(pk=account_pk, customer_id=customer_pk).first()
    )  # fmt: skip
    if account is None:
        raise NotFound(f"Customer {customer_pk} has no S3 account {account_pk}.")
    return account


def customer_url(customer: Customer) -> str:
    return reverse("api:customer", args=[customer.pk])


def account_url(account: S3Account) -> str:
    return reverse("api:account", args=[account.customer_id, account.pk])


def task_url(job: Job) -> str:
    return reverse("api:task", args=[job.pk])


# Customers

SEARCH_PARAMETERS = [
    OpenApiParameter(
        "search",
        {"type": "string", "maxLength": 200},
        description="Part of a name, email, company, S3 user id, access key id or bucket name.",
    ),
    OpenApiParameter("status", {"type": "string", "enum": Customer.Status.values}),
    OpenApiParameter("cluster", str, description="Customers with an S3 account on this cluster."),
]
# The query's names for the fields of the portal's search form.
SEARCH_NAMES = {"q": "search"}


def searched_customers(params):
    """The customers the portal's own search finds, so the list matches the page's."""
    search = CustomerSearchForm(
        {"q": params.get("search", ""), "status": params.get("status", ""),
         "cluster": params.get("cluster", "")}
    )  # fmt: skip
    if not search.is_valid():
        raise ValidationError(
            {SEARCH_NAMES.get(name, name): errors for name, errors in search.errors.items()}
        )
    customers = Customer.objects.select_related("plan_assignment__plan").prefetch_related(
        "accounts__cluster"
    )
    return search.filter(customers)


def require_free_email(email: str, customer: Customer | None = None) -> None:
    taken = Customer.objects.filter(email__iexact=email)
    if customer is not None:
        taken = taken.exclude(pk=customer.pk)
    if taken.exists():
        raise field_problem(
            ALREADY_EXISTS, "email", "Another customer already has this email address."
        )


class CustomerList(ApiView):
    @extend_schema(
        operation_id="customer_list",
        summary="List customers, searched and paged",
        parameters=[*SEARCH_PARAMETERS, *PAGING],
        responses={200: CustomerPageSerializer, **problems(400, 404)},
    )
    def get(self, request):
        return paged(request, searched_customers(request.query_params), CustomerSerializer, self)

    @extend_schema(
        operation_id="customer_create",
        summary="Add a customer",
        parameters=[IDEMPOTENCY_KEY, location(201, "customer")],
        request=CustomerSerializer,
        responses={201: CustomerSerializer, **problems(400, 409, 415, 422)},
    )
    @idempotent
    def post(self, request):
        serializer = CustomerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        require_free_email(serializer.validated_data["email"])

        customer = services.customer_save(
            actor=request.user, customer=Customer(**serializer.validated_data),
            address=address(request),
        )  # fmt: skip
        return Response(
            CustomerSerializer(customer).data, status=201,
            headers={"Location": customer_url(customer)},
        )  # fmt: skip


class CustomerDetail(ApiView):
    @extend_schema(
        operation_id="customer_read",
        summary="Read a customer",
        responses={200: CustomerSerializer, **problems(404)},
    )
    def get(self, request, customer_pk):
        return Response(CustomerSerializer(customer_of(customer_pk)).data)

    @extend_schema(
        operation_id="customer_update",
        summary="Change some of a customer's fields",
        request=CustomerSerializer,
        responses={200: CustomerSerializer, **problems(400, 404, 409, 415)},
    )
    def patch(self, request, customer_pk):
        customer = customer_of(customer_pk)
        serializer = CustomerSerializer(customer, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        if "email" in serializer.validated_data:
            require_free_email(serializer.validated_data["email"], customer)

        for name, value in serializer.validated_data.items():
            setattr(customer, name, value)
        services.customer_save(actor=request.user, customer=customer, address=address(request))
        return Response(CustomerSerializer(customer).data)

    @extend_schema(
        operation_id="customer_delete",
        summary="Delete a customer who has no S3 account left",
        responses={204: None, **problems(404, 409)},
    )
    def delete(self, request, customer_pk):
        customer = customer_of(customer_pk)

        services.customer_delete(actor=request.user, customer=customer, address=address(request))
        return Response(status=204)


# S3 accounts


def required_default_cluster() -> StorageCluster:
    cluster = default_cluster()
    if cluster is None:
        raise ValidationError({"cluster": "There is no default cluster; name one."})
    return cluster


def provisioned_data(account: S3Account, first_pair) -> dict:
    key_pair = new_key_pair_data(first_pair) if first_pair is not None else None
    return {**AccountSerializer(account).data, "key_pair": key_pair}


class AccountList(ApiView):
    @extend_schema(
        operation_id="account_list",
        summary="List a customer's S3 accounts, deleted ones included",
        responses={200: AccountSerializer(many=True), **problems(404)},
    )
    def get(self, request, customer_pk):
        customer = customer_of(customer_pk)
        accounts = customer.accounts.select_related("cluster").order_by("created_at", "id")
        return Response(AccountSerializer(accounts, many=True).data)

    @extend_schema(
        operation_id="account_provision",
        summary="Provision the customer's S3 account on a cluster",
        description="Creates the S3 user and answers 201 with its first key pair, whose "
        "secret is in this answer only. An account the customer already has on the "
        "cluster is answered with 200 and no key pair, and no second S3 user is made.",
        parameters=[IDEMPOTENCY_KEY, location(201, "account"), location(200, "account")],
        request=ProvisionSerializer,
        responses={
            201: ProvisionedAccountSerializer,
            200: OpenApiResponse(ProvisionedAccountSerializer, "The account existed already."),
            **problems(400, 415, 422, GATEWAY),
        },
    )
    @idempotent
    def post(self, request, customer_pk):
        customer = customer_of(customer_pk)
        serializer = ProvisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cluster = serializer.validated_data.get("cluster") or required_default_cluster()

        try:
            account, first_pair = services.account_provision(
                actor=request.user, customer=customer, cluster=cluster,
                email=serializer.validated_data.get("email", ""), address=address(request),
            )  # fmt: skip
        except services.AccountExists as exists:
            account, first_pair, status = exists.account, None, 200
        else:
            status = 201
        return Response(
            provisioned_data(account, first_pair), status=status,
            headers={"Location": account_url(account)},
        )  # fmt: skip


TERMINATE_PARAMETERS = [
    OpenApiParameter(
        "delete_buckets",
        bool,
        description="Also delete every bucket of the S3 user, in a task: answered with 202.",
    )
]


class TerminateSerializer(serializers.Serializer):
    delete_buckets = serializers.BooleanField(required=False, default=False)


class AccountDetail(ApiView):
    @extend_schema(
        operation_id="account_read",
        summary="Read an S3 account, with its live state from the gateway",
        responses={200: AccountDetailSerializer, **problems(GATEWAY)},
    )
    def get(self, request, customer_pk, account_pk):
        account = account_of(customer_pk, account_pk)

        live = None
        if account.is_live:
            live = services.account_live(actor=request.user, account=account)
            account.refresh_from_db()
        return Response(AccountDetailSerializer(account, context={"live": live}).data)

    @extend_schema(
        operation_id="account_terminate",
        summary="Terminate an S3 account",
        description="Deletes the S3 user (204). One who owns buckets is refused with their "
        "names, unless `delete_buckets=true`: then a task deletes the buckets and the "
        "user, answered with 202 and the task's address in Location.",
        parameters=[*TERMINATE_PARAMETERS, location(202, "task")],
        responses={
            204: None,
            202: OpenApiResponse(
                TaskSerializer, "The task that deletes the buckets, then the S3 user."
            ),
            **problems(400, GATEWAY),
        },
    )
    def delete(self, request, customer_pk, account_pk):
        account = account_of(customer_pk, account_pk)
        options = TerminateSerializer(data=request.query_params)
        options.is_valid(raise_exception=True)

        if not options.validated_data["delete_buckets"]:
            services.account_delete(actor=request.user, account=account, address=address(request))
            return Response(status=204)
        job = services.account_delete_with_buckets(
            actor=request.user, account=account, address=address(request)
        )
        # Without a broker the task ran inline already: answer with what it did.
        job.refresh_from_db()
        return Response(TaskSerializer(job).data, status=202, headers={"Location": task_url(job)})


class AccountSuspend(ApiView):
    @extend_schema(
        operation_id="account_suspend",
        summary="Suspend an S3 account: its key pairs stop working until it is resumed",
        request=None,
        responses={200: AccountSerializer, **problems(404, GATEWAY)},
    )
    def post(self, request, customer_pk, account_pk):
        account = account_of(customer_pk, account_pk)

        services.account_suspend(actor=request.user, account=account, address=address(request))
        return Response(AccountSerializer(account).data)


class AccountResume(ApiView):
    @extend_schema(
        operation_id="account_resume",
        summary="Resume a suspended S3 account",
        request=None,
        responses={200: AccountSerializer, **problems(404, GATEWAY)},
    )
    def post(self, request, customer_pk, account_pk):
        account = account_of(customer_pk, account_pk)

        services.account_resume(actor=request.user, account=account, address=address(request))
        return Response(AccountSerializer(account).data)


class AccountBuckets(ApiView):
    @extend_schema(
        operation_id="bucket_list",
        summary="List the S3 user's buckets, as the gateway has them now",
        responses={200: BucketSerializer(many=True), **problems(GATEWAY)},
    )
    def get(self, request, customer_pk, account_pk):
        account = account_of(customer_pk, account_pk)

        buckets = services.account_buckets(actor=request.user, account=account)
        return Response(BucketSerializer(buckets, many=True).data)


# Key pairs


def key_note_of(account: S3Account, access_key_id: str):
    note = account.key_notes.filter(access_key_id=access_key_id).first()
    if note is None:
        raise NotFound(f"The S3 user {account.user_id} has no key pair {access_key_id}.")
    return note


class KeyList(ApiView):
    @extend_schema(
        operation_id="key_list",
        summary="List the S3 user's key pairs, revoked ones included; never a secret",
        responses={200: KeyPairSerializer(many=True), **problems(404)},
    )
    def get(self, request, customer_pk, account_pk):
        account = account_of(customer_pk, account_pk)

        return Response(KeyPairSerializer(account.key_notes.all(), many=True).data)

    @extend_schema(
        operation_id="key_generate",
        summary="Generate a key pair; its secret is in this answer only",
        parameters=[IDEMPOTENCY_KEY, location(201, "key pair")],
        request=KeyGenerateSerializer,
        responses={201: NewKeyPairSerializer, **problems(400, 415, 422, GATEWAY)},
    )
    @idempotent
    def post(self, request, customer_pk, account_pk):
        account = account_of(customer_pk, account_pk)
        serializer = KeyGenerateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)

        new_pair = services.key_generate(
            actor=request.user, account=account, label=serializer.validated_data.get("label", ""),
            address=address(request),
        )  # fmt: skip
        location = reverse("api:key", args=[customer_pk, account_pk, new_pair.note.access_key_id])
        return Response(new_key_pair_data(new_pair), status=201, headers={"Location": location})


class KeyDetail(ApiView):
    @extend_schema(
        operation_id="key_read",
        summary="Read a key pair",
        responses={200: KeyPairSerializer, **problems(404)},
    )
    def get(self, request, customer_pk, account_pk, access_key_id):
        account = account_of(customer_pk, account_pk)

        return Response(KeyPairSerializer(key_note_of(account, access_key_id)).data)

    @extend_schema(
        operation_id="key_revoke",
        summary="Revoke a key pair by its access key id",
        responses={204: None, **problems(GATEWAY)},
    )
    def delete(self, request, customer_pk, account_pk, access_key_id):
        account = account_of(customer_pk, account_pk)
        note = key_note_of(account, access_key_id)

        services.key_revoke(
            actor=request.user, account=account, access_key_id=note.access_key_id,
            address=address(request),
        )  # fmt: skip
        return Response(status=204)


# Limits and quotas, of an S3 user or, with `bucket`, of one of its buckets

LIMITS_DESCRIPTION = (
    "Operations per second (ops_*) and outgoing bandwidth in kb/s (bandwidth_out); 0 is "
    "unlimited. Operations take two decimals, bandwidth whole numbers."
)


class Limits(ApiView):
    @extend_schema(
        operation_id="limits_read",
        summary="Read the limits as the gateway has them now",
        description=LIMITS_DESCRIPTION,
        responses={200: LimitsReadingSerializer, **problems(GATEWAY)},
    )
    def get(self, request, customer_pk, account_pk, bucket=None):
        account = account_of(customer_pk, account_pk)

        if bucket:
            reading = selectors.bucket_limits(actor=request.user, account=account, bucket=bucket)
        else:
            reading = selectors.account_limits(actor=request.user, account=account)
        return Response(limits_data(reading.limits, reading.differing_fields))

    @extend_schema(
        operation_id="limits_set",
        summary="Set all six limits at once",
        description=LIMITS_DESCRIPTION,
        request=LimitsSerializer,
        responses={200: LimitsReadingSerializer, **problems(400, 415, GATEWAY)},
    )
    def put(self, request, customer_pk, account_pk, bucket=None):
        account = account_of(customer_pk, account_pk)
        serializer = LimitsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = LimitValues(**serializer.validated_data)

        limit_services.limits_set(
            actor=request.user, account=account, values=values, bucket=bucket,
            address=address(request),
        )  # fmt: skip
        return Response(limits_data(values))

    @extend_schema(
        operation_id="limits_delete",
        summary="Remove every limit",
        responses={204: None, **problems(GATEWAY)},
    )
    def delete(self, request, customer_pk, account_pk, bucket=None):
        account = account_of(customer_pk, account_pk)

        limit_services.limits_delete(
            actor=request.user, account=account, bucket=bucket, address=address(request)
        )
        return Response(status=204)


def quota_data(quota) -> dict:
    return {
        "available": quota.available,
        "size_gb": quota.size_gb,
        "unlimited": quota.unlimited,
        "used_bytes": quota.used_bytes,
        "percent": quota.percent,
        "over": quota.over,
    }


class Quota(ApiView):
    @extend_schema(
        operation_id="quota_read",
        summary="Read the storage quota beside what the buckets hold",
        description="On a gateway without storage quotas, `available` is false.",
        responses={200: QuotaReadingSerializer, **problems(GATEWAY)},
    )
    def get(self, request, customer_pk, account_pk, bucket=None):
        account = account_of(customer_pk, account_pk)

        if bucket:
            reading = selectors.bucket_limits(actor=request.user, account=account, bucket=bucket)
        else:
            reading = selectors.account_limits(actor=request.user, account=account)
        return Response(quota_data(reading.quota))

    @extend_schema(
        operation_id="quota_set",
        summary="Set the storage quota, in whole GB (0 is unlimited)",
        request=QuotaSerializer,
        responses={200: QuotaSerializer, **problems(400, 415, GATEWAY_FEATURE)},
    )
    def put(self, request, customer_pk, account_pk, bucket=None):
        account = account_of(customer_pk, account_pk)
        serializer = QuotaSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)

        limit_services.quota_set(
            actor=request.user, account=account, bucket=bucket,
            size_gb=serializer.validated_data["size_gb"], address=address(request),
        )  # fmt: skip
        return Response(serializer.validated_data)

    @extend_schema(
        operation_id="quota_delete",
        summary="Remove the storage quota",
        responses={204: None, **problems(GATEWAY_FEATURE)},
    )
    def delete(self, request, customer_pk, account_pk, bucket=None):
        account = account_of(customer_pk, account_pk)

        limit_services.quota_delete(
            actor=request.user, account=account, bucket=bucket, address=address(request)
        )
        return Response(status=204)


# Plans


class PlanList(ApiView):
    @extend_schema(
        operation_id="plan_list",
        summary="List the plans customers can be put on",
        parameters=PAGING,
        responses={200: PlanPageSerializer, **problems(400, 404)},
    )
    def get(self, request):
        plans = selectors.plans_with_customer_counts().order_by("name", "id")
        return paged(request, plans, PlanSerializer, self)


class PlanDetail(ApiView):
    @extend_schema(
        operation_id="plan_read",
        summary="Read a plan",
        responses={200: PlanSerializer, **problems(404)},
    )
    def get(self, request, plan_pk):
        plan = selectors.plans_with_customer_counts().filter(pk=plan_pk).first()
        if plan is None:
            raise NotFound(f"There is no plan {plan_pk}.")
        return Response(PlanSerializer(plan).data)


class CustomerPlan(ApiView):
    @extend_schema(
        operation_id="customer_plan_read",
        summary="Read the customer's plan, and whether each S3 user holds its terms",
        responses={200: CustomerPlanSerializer, **problems(404)},
    )
    def get(self, request, customer_pk):
        customer = customer_of(customer_pk)

        state = selectors.customer_plan(actor=request.user, customer=customer)
        return Response(CustomerPlanSerializer(state).data)

    @extend_schema(
        operation_id="plan_assign",
        summary="Put the customer on a plan and apply it to every S3 user",
        description="The customer stays on the plan even when a gateway fails; the "
        "problem then names the S3 user that failed, and reading the plan shows which "
        "S3 users hold its terms.",
        request=PlanAssignSerializer,
        responses={200: PlanAssignedSerializer, **problems(400, 415, GATEWAY)},
    )
    def put(self, request, customer_pk):
        customer = customer_of(customer_pk)
        serializer = PlanAssignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)

        summary = limit_services.plan_assign(
            actor=request.user, customer=customer, plan=serializer.validated_data["plan"],
            address=address(request),
        )  # fmt: skip
        state = selectors.customer_plan(actor=request.user, customer=customer)
        return Response({**CustomerPlanSerializer(state).data, "summary": summary})

    @extend_schema(
        operation_id="plan_unassign",
        summary="Take the customer off their plan; the gateway's limits stay as they are",
        responses={204: None, **problems(404, 409)},
    )
    def delete(self, request, customer_pk):
        customer = customer_of(customer_pk)

        limit_services.plan_unassign(
            actor=request.user, customer=customer, address=address(request)
        )
        return Response(status=204)


# Tasks and clusters


# Usage


def month_of(month: str) -> Month:
    serializer = UsagePathSerializer(data={"month": month})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data["month"]


MONTH = OpenApiParameter(
    "month", str, OpenApiParameter.PATH, description="A calendar month in UTC, YYYY-MM."
)


class CustomerUsage(ApiView):
    @extend_schema(
        operation_id="customer_usage_read",
        summary="Read a customer's usage of one month, in all and per bucket",
        description="Requests and traffic as the harvest counted them, and the storage of "
        "the harvest's samples. A month still running counts up to now.",
        parameters=[MONTH],
        responses={200: CustomerUsageSerializer, **problems(400, 404)},
    )
    def get(self, request, customer_pk, month):
        customer = customer_of(customer_pk)
        month = month_of(month)

        report = usage_selectors.customer_month(customer, month, now=timezone.now())
        return Response(CustomerUsageSerializer(report).data)


class UsageExport(ApiView):
    @extend_schema(
        operation_id="usage_export",
        summary="Every customer's usage of one month, for billing",
        description="One line per customer who has or had an S3 account, in name order, "
        "with the same figures as the portal's CSV export.",
        parameters=[MONTH, *PAGING],
        responses={200: UsagePageSerializer, **problems(400, 404)},
    )
    def get(self, request, month):
        month = month_of(month)

        # A page of customers at a time: each line sums the customer's month of counters.
        return paged(
            request, usage_selectors.customers_with_accounts(), UsageLineSerializer, self,
            page_lines=lambda customers: usage_selectors.customers_month(
                month, now=timezone.now(), customers=customers
            ),
        )  # fmt: skip


class TaskDetail(ApiView):
    @extend_schema(
        operation_id="task_read",
        summary="Read a task: its state, progress and each item's outcome",
        responses={200: TaskSerializer, **problems(404)},
    )
    def get(self, request, task_pk):
        job = Job.objects.prefetch_related("outcomes").filter(pk=task_pk).first()
        if job is None:
            raise NotFound(f"There is no task {task_pk}.")
        return Response(TaskSerializer(job).data)


class ClusterList(ApiView):
    @extend_schema(
        operation_id="cluster_list",
        summary="List the clusters S3 accounts can be provisioned on",
        responses={200: ClusterSerializer(many=True)},
    )
    def get(self, request):
        default_cluster()  # creates the cluster of STAAS_GATEWAY_* on the first start
        return Response(ClusterSerializer(StorageCluster.objects.all(), many=True).data)


# The description of the API, and addresses it does not have

schema_view = public(SpectacularAPIView.as_view())
# The split view serves its start-up script from its own address: the CSP allows no inline one.
docs_view = public(SpectacularSwaggerSplitView.as_view(url_name="api:schema"))


@public
def no_such_address(request):
    """Any other address under /api/: a problem, never the portal's HTML 404 page."""
    return problem_response(NOT_FOUND, "The API has no such address.", request)
