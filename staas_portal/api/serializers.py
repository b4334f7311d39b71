"""What the API reads and answers. Serializers parse and shape; services decide and act."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from staas_portal.clusters.models import StorageCluster
from staas_portal.customers.models import Customer, KeyPairNote, S3Account
from staas_portal.jobs.models import Job
from staas_portal.limits.models import Plan
from staas_portal.limits.values import LIMIT_FIELDS, MAX_LIMIT, MAX_QUOTA_GB, LimitValues
from staas_portal.usage.forms import MonthForm

# Customers


class AccountSummarySerializer(serializers.ModelSerializer):
    cluster = serializers.SlugRelatedField(slug_field="name", read_only=True)

    class Meta:
        model = S3Account
        fields = ["id", "cluster", "user_id", "state"]
        read_only_fields = fields


class PlanSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Plan
        fields = ["id", "name"]
        read_only_fields = fields


class CustomerSerializer(serializers.ModelSerializer):
    plan = serializers.SerializerMethodField()
    accounts = AccountSummarySerializer(many=True, read_only=True)

    class Meta:
        model = Customer
        fields = [
            "id", "name", "company", "email", "phone", "status", "notes", "created_at",
            "plan", "accounts",
        ]  # fmt: skip
        read_only_fields = ["id", "created_at"]

    @extend_schema_field(PlanSummarySerializer(allow_null=True))
    def get_plan(self, customer):
        assignment = getattr(customer, "plan_assignment", None)
        return PlanSummarySerializer(assignment.plan).data if assignment else None

    def validate_email(self, email: str) -> str:
        return email.strip()


# S3 accounts


class LiveAccountSerializer(serializers.Serializer):
    """The S3 user as its gateway shows it at the moment of the request."""

    user_id = serializers.CharField()
    email = serializers.CharField()
    state = serializers.CharField(help_text="The gateway's own word, e.g. enabled or disabled.")
    enabled = serializers.BooleanField()
    flags = serializers.ListField(child=serializers.CharField())
    access_key_ids = serializers.ListField(child=serializers.CharField())


class AccountSerializer(serializers.ModelSerializer):
    customer = serializers.PrimaryKeyRelatedField(read_only=True)
    cluster = serializers.SlugRelatedField(slug_field="name", read_only=True)
    email = serializers.CharField(source="gateway_email", read_only=True)
    endpoint = serializers.URLField(
        source="cluster.customer_endpoint",
        read_only=True,
        help_text="The S3 endpoint customers use with their keys.",
    )

    class Meta:
        model = S3Account
        fields = [
            "id", "customer", "cluster", "user_id", "email", "state", "state_seen_at",
            "created_at", "deleted_at", "endpoint",
        ]  # fmt: skip
        read_only_fields = fields


class AccountDetailSerializer(AccountSerializer):
    live = serializers.SerializerMethodField(
        help_text="As the gateway shows the S3 user now; null once it is deleted."
    )

    class Meta(AccountSerializer.Meta):
        fields = [*AccountSerializer.Meta.fields, "live"]
        read_only_fields = fields

    @extend_schema_field(LiveAccountSerializer(allow_null=True))
    def get_live(self, account):
        live = self.context.get("live")
        return LiveAccountSerializer(live).data if live is not None else None


class ProvisionSerializer(serializers.Serializer):
    cluster = serializers.SlugRelatedField(
        slug_field="name",
        queryset=StorageCluster.objects.all(),
        required=False,
        help_text="The cluster's name; the default cluster when left out.",
    )
    email = serializers.EmailField(
        required=False,
        allow_blank=True,
        max_length=254,
        help_text="The email of the S3 user on the gateway; the customer's when left out.",
    )


class KeyPairSerializer(serializers.ModelSerializer):
    active = serializers.BooleanField(source="is_active", read_only=True)
    created_by = serializers.CharField(source="created_by_name", read_only=True)
    revoked_by = serializers.CharField(source="revoked_by_name", read_only=True)

    class Meta:
        model = KeyPairNote
        fields = [
            "access_key_id", "label", "active", "created_at", "created_by", "revoked_at",
            "revoked_by",
        ]  # fmt: skip
        read_only_fields = fields


class NewKeyPairSerializer(KeyPairSerializer):
    secret_access_key = serializers.CharField(
        allow_null=True,
        read_only=True,
        help_text="Only in the answer that made the key pair; null when an Idempotency-Key "
        "replays that answer.",
    )

    class Meta(KeyPairSerializer.Meta):
        fields = [*KeyPairSerializer.Meta.fields, "secret_access_key"]
        read_only_fields = fields


def new_key_pair_data(new_pair) -> dict:
    """A key pair just made, with its secret: the one answer that carries it."""
    return {
        **KeyPairSerializer(new_pair.note).data,
        "secret_access_key": new_pair.secret_access_key,
    }


class ProvisionedAccountSerializer(AccountSerializer):
    key_pair = NewKeyPairSerializer(
        allow_null=True,
        read_only=True,
        help_text="The S3 user's first key pair, in the answer that created the user; null "
        "for an account that existed already.",
    )

    class Meta(AccountSerializer.Meta):
        fields = [*AccountSerializer.Meta.fields, "key_pair"]
        read_only_fields = fields


class KeyGenerateSerializer(serializers.Serializer):
    label = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text="e.g. backup server"
    )


class BucketSerializer(serializers.Serializer):
    name = serializers.CharField()
    created = serializers.DateTimeField(allow_null=True)
    size_current = serializers.IntegerField(help_text="Bytes the bucket holds now.")
    size_hmax = serializers.IntegerField(help_text="The most bytes it held this period.")


# Limits and quotas


class WholeAsTheGatewayKeeps:
    """Refuses a bandwidth with decimals: the gateway keeps whole kb/s."""

    def __init__(self, field):
        self.field = field

    def __call__(self, value):
        if value != round(value, self.field.decimal_places):
            raise serializers.ValidationError(
                f"A whole number of {self.field.unit}: the gateway keeps no fractions."
            )


def limit_field(field, **options) -> serializers.DecimalField:
    # Two decimals for every limit, so that 2048.0 is accepted as the whole number it
    # is; the validator holds bandwidth to whole kb/s.
    return serializers.DecimalField(
        max_digits=9,
        decimal_places=2,
        min_value=0,
        max_value=MAX_LIMIT,
        coerce_to_string=False,
        help_text=f"{field.label}, {field.unit}; 0 means unlimited.",
        validators=[WholeAsTheGatewayKeeps(field)],
        error_messages={
            "min_value": "A limit cannot be negative; 0 means unlimited.",
            "max_value": f"At most {MAX_LIMIT:,} {field.unit}.",
            "max_decimal_places": "At most two decimals: the gateway keeps no more.",
            "invalid": "A number, such as 100 or 12.5.",
        },
        **options,
    )


class LimitsSerializer(serializers.Serializer):
    """The six limits of an S3 user or bucket, set together as one set."""

    def get_fields(self):
        return {field.name: limit_field(field) for field in LIMIT_FIELDS}


class LimitsReadingSerializer(serializers.Serializer):
    unlimited = serializers.BooleanField(help_text="No limit is set.")
    differing_fields = serializers.ListField(
        child=serializers.CharField(),
        help_text="Limits whose value on the gateway is not what the portal last applied.",
    )

    def get_fields(self):
        fields = {field.name: limit_field(field, read_only=True) for field in LIMIT_FIELDS}
        return {**fields, **super().get_fields()}


def limits_data(values: LimitValues, differing_fields=()) -> dict:
    return {
        **{field.name: value for field, value in values.rows()},
        "unlimited": values.unlimited,
        "differing_fields": list(differing_fields),
    }


class QuotaSerializer(serializers.Serializer):
    size_gb = serializers.IntegerField(
        min_value=0, max_value=MAX_QUOTA_GB, help_text="Whole GB (10^9 bytes); 0 is unlimited."
    )


class QuotaReadingSerializer(serializers.Serializer):
    available = serializers.BooleanField(help_text="false: the gateway has no storage quotas.")
    size_gb = serializers.IntegerField(allow_null=True, help_text="null when not available.")
    unlimited = serializers.BooleanField()
    used_bytes = serializers.IntegerField(help_text="What the buckets hold now.")
    percent = serializers.IntegerField(
        allow_null=True, help_text="How full, capped at 100; null when unlimited."
    )
    over = serializers.BooleanField()


# Plans


class PlanSerializer(serializers.ModelSerializer):
    customer_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Plan
        fields = [
            "id", "name", "description", *(field.name for field in LIMIT_FIELDS), "quota_gb",
            "customer_count",
        ]  # fmt: skip
        read_only_fields = fields

    def get_fields(self):
        fields = super().get_fields()
        for field in LIMIT_FIELDS:
            fields[field.name] = limit_field(field, read_only=True)
        return fields


class AccountPlanStateSerializer(serializers.Serializer):
    account = serializers.IntegerField(source="account.pk")
    cluster = serializers.CharField(source="account.cluster.name")
    user_id = serializers.CharField(source="account.user_id")
    applied = serializers.BooleanField(help_text="The S3 user holds the plan's current terms.")


class CustomerPlanSerializer(serializers.Serializer):
    plan = PlanSummarySerializer(source="assignment.plan", allow_null=True)
    assigned_at = serializers.DateTimeField(source="assignment.assigned_at", allow_null=True)
    accounts = AccountPlanStateSerializer(many=True)
    fully_applied = serializers.BooleanField()


class PlanAssignSerializer(serializers.Serializer):
    plan_id = serializers.IntegerField(required=False, help_text="The plan's id; or plan_name.")
    plan_name = serializers.CharField(
        required=False, max_length=100, help_text="The plan's name; or plan_id."
    )

    def validate(self, attrs):
        if ("plan_id" in attrs) == ("plan_name" in attrs):
            raise serializers.ValidationError(
                {"plan_id": "Give the plan's id or its name, not both and not neither."}
            )
        lookup = {"pk": attrs["plan_id"]} if "plan_id" in attrs else {"name": attrs["plan_name"]}
        plan = Plan.objects.filter(**lookup).first()
        if plan is None:
            field = next(iter(attrs))
            raise serializers.ValidationError({field: "There is no such plan."})
        return {"plan": plan}


class PlanAssignedSerializer(CustomerPlanSerializer):
    summary = serializers.CharField(help_text="What was sent to the gateways.")


# Tasks and clusters


class TaskOutcomeSerializer(serializers.Serializer):
    item = serializers.CharField(help_text="e.g. bucket photos, or S3 user 4f1c...")
    ok = serializers.BooleanField()
    message = serializers.CharField()


class TaskSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)
    finished = serializers.BooleanField(source="is_finished", read_only=True)
    outcomes = TaskOutcomeSerializer(many=True, read_only=True)

    class Meta:
        model = Job
        fields = [
            "id", "kind", "title", "state", "finished", "total", "done", "percent", "message",
            "created_at", "finished_at", "outcomes",
        ]  # fmt: skip
        read_only_fields = fields


class ClusterSerializer(serializers.ModelSerializer):
    endpoint = serializers.URLField(source="customer_endpoint", read_only=True)

    class Meta:
        model = StorageCluster
        fields = ["name", "is_default", "endpoint"]
        read_only_fields = fields


# Usage


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2026-11"})
class MonthField(serializers.Field):
    """A calendar month written `YYYY-MM`, in UTC, judged as the usage pages judge it."""

    def to_internal_value(self, data):
        form = MonthForm({"month": str(data)})
        if not str(data).strip() or not form.is_valid():
            raise serializers.ValidationError(
                form.errors.get("month") or ["Enter a month as YYYY-MM, for example 2026-11."]
            )
        return form.cleaned_data["month"]

    def to_representation(self, value):
        return str(value)


class UsagePathSerializer(serializers.Serializer):
    month = MonthField()


def decimal_figure(help_text: str) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=24, decimal_places=6, help_text=help_text)


class UsageFiguresSerializer(serializers.Serializer):
    """A month's figures: requests as counted, GB as 10^9 bytes with six decimals."""

    requests_put = serializers.IntegerField(source="ops_put")
    requests_get = serializers.IntegerField(source="ops_get")
    requests_list = serializers.IntegerField(source="ops_list")
    requests_other = serializers.IntegerField(source="ops_other")
    requests_total = serializers.IntegerField(source="requests")
    uploaded_gb = decimal_figure("GB uploaded to the buckets.")
    downloaded_gb = decimal_figure("GB downloaded from the buckets.")
    stored_gb_average = decimal_figure("GB stored, on average over the month's hours so far.")
    stored_gb_peak = decimal_figure("The most GB stored at one harvest.")
    stored_gb_months = decimal_figure("GB-months: GB stored × the share of the month.")

    def to_representation(self, figures):
        return super().to_representation(FigureNames(figures))


class FigureNames:
    """The report's figures under the names the API and the CSV export share."""

    def __init__(self, figures):
        self.figures = figures

    def __getattr__(self, name):
        shared = {
            "uploaded_gb": "gb_uploaded", "downloaded_gb": "gb_downloaded",
            "stored_gb_average": "gb_average", "stored_gb_peak": "gb_peak",
            "stored_gb_months": "gb_months",
        }  # fmt: skip
        return getattr(self.figures, shared.get(name, name))


class BucketUsageSerializer(serializers.Serializer):
    cluster = serializers.CharField()
    s3_user_id = serializers.CharField(source="user_id")
    bucket = serializers.CharField()
    figures = UsageFiguresSerializer()


class CustomerUsageSerializer(serializers.Serializer):
    customer_id = serializers.IntegerField(source="customer.pk")
    month = MonthField()
    totals = UsageFiguresSerializer()
    buckets = BucketUsageSerializer(many=True)


class UsageLineSerializer(serializers.Serializer):
    """One customer's month in the monthly export."""

    customer_id = serializers.IntegerField(source="customer.pk")
    customer = serializers.CharField(source="customer.name")
    email = serializers.CharField(source="customer.email")
    s3_users = serializers.ListField(child=serializers.CharField(), source="accounts")
    figures = UsageFiguresSerializer()


# Paging


def page_of(item: type[serializers.Serializer], name: str) -> type[serializers.Serializer]:
    """The shape of one page of a paged list, for the schema."""
    return type(
        name,
        (serializers.Serializer,),
        {
            "count": serializers.IntegerField(help_text="Items on every page together."),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": item(many=True),
        },
    )


CustomerPageSerializer = page_of(CustomerSerializer, "CustomerPage")
PlanPageSerializer = page_of(PlanSerializer, "PlanPage")
UsagePageSerializer = page_of(UsageLineSerializer, "UsagePage")
