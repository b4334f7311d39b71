from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_http_methods, require_POST

from staas_portal.core.http import client_address
from staas_portal.core.pages import (
    EXPECTED_FAILURES,
    confirm_page,
    failure_text,
    posted_data,
    report_failure,
)
from staas_portal.customers.models import Customer
from staas_portal.users import services
from staas_portal.users.access import ALL_ROLES, public, role_required
from staas_portal.users.forms import LoginInviteForm, ResetRequestForm, SignInForm
from staas_portal.users.models import Role, User


@method_decorator(public, name="dispatch")
class SignInView(auth_views.LoginView):
    template_name = "users/sign_in.html"
    form_class = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        services.user_signed_in(user=form.get_user(), address=client_address(self.request))
        return response

    def form_invalid(self, form):
        services.user_sign_in_refused(
            username=form.data.get("username", ""), address=client_address(self.request)
        )
        return super().form_invalid(form)


@method_decorator(public, name="dispatch")
class SignOutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            services.user_signed_out(user=request.user, address=client_address(request))
        return super().post(request, *args, **kwargs)


@method_decorator(role_required(*ALL_ROLES), name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "users/password_change.html"
    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.user_password_changed(
            user=self.request.user, address=client_address(self.request)
        )
        return response


@method_decorator(role_required(*ALL_ROLES), name="dispatch")
class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "users/password_change_done.html"


# Setting a password from an invitation, and resetting a forgotten one


@method_decorator(public, name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    template_name = "users/password_reset.html"
    form_class = ResetRequestForm
    email_template_name = "users/email/password_reset.txt"
    subject_template_name = "users/email/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_sent")


@method_decorator(public, name="dispatch")
class PasswordResetSentView(auth_views.PasswordResetDoneView):
    template_name = "users/password_reset_sent.html"


@method_decorator(public, name="dispatch")
class PasswordSetView(auth_views.PasswordResetConfirmView):
    """Both an invitation's link and a reset link lead here; each works once."""

    template_name = "users/password_set.html"
    success_url = reverse_lazy("password_set_done")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.user_password_set(user=form.user, address=client_address(self.request))
        return response


@method_decorator(public, name="dispatch")
class PasswordSetDoneView(auth_views.PasswordResetCompleteView):
    template_name = "users/password_set_done.html"


# Customers' logins, from the customer page


def customer_login(pk: int, login_pk: int) -> User:
    return get_object_or_404(User, pk=login_pk, customer_id=pk, role=Role.CUSTOMER)


def site_url(request) -> str:
    return request.build_absolute_uri("/")


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def login_invite(request, pk):
    customer = get_object_or_404(Customer, pk=pk)
    form = LoginInviteForm(posted_data(request), initial={"email": customer.email})
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.login_invite(
                actor=request.user, customer=customer, email=form.cleaned_data["email"],
                username=form.cleaned_data["username"], site_url=site_url(request),
                address=client_address(request),
            )  # fmt: skip
        except EXPECTED_FAILURES as failure:
            form.add_error(None, failure_text(failure))
        else:
            return link_page(request, customer, invitation, invited=True)
    return render(request, "users/login_invite.html", {"customer": customer, "form": form})


def link_page(request, customer, link: services.SetPasswordLink, *, invited: bool):
    """The one page that shows a set-password link to the admin: never cached."""
    context = {"customer": customer, "link": link, "invited": invited}
    response = render(request, "users/login_link.html", context)
    response["Cache-Control"] = "no-store"
    return response


@role_required(Role.ADMIN)
@require_POST
def login_send_link(request, pk, login_pk):
    login = customer_login(pk, login_pk)
    try:
        link = services.login_send_link(
            actor=request.user, login=login, site_url=site_url(request),
            address=client_address(request),
        )  # fmt: skip
    except EXPECTED_FAILURES as failure:
        report_failure(request, f"Sending a link to {login.username}", failure)
        return redirect("customers:detail", pk=pk)
    return link_page(request, login.customer, link, invited=False)


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def login_disable(request, pk, login_pk):
    login = customer_login(pk, login_pk)
    if request.method == "GET":
        return confirm_page(
            request,
            title=f"Disable a login of {login.customer.name}",
            question=f"Disable the login {login.username} of {login.customer.name}? It can "
            "no longer sign in; its S3 keys are not changed.",
            action_url=request.path,
            cancel_url=reverse("customers:detail", args=[pk]),
            button_label="Disable login",
        )
    return set_login_active(request, login, active=False)


@role_required(Role.ADMIN)
@require_POST
def login_enable(request, pk, login_pk):
    return set_login_active(request, customer_login(pk, login_pk), active=True)


def set_login_active(request, login: User, *, active: bool):
    try:
        services.login_set_active(
            actor=request.user, login=login, active=active, address=client_address(request)
        )
    except EXPECTED_FAILURES as failure:
        report_failure(request, f"Changing the login {login.username}", failure)
    else:
        messages.success(request, f"Login {login.username} {'enabled' if active else 'disabled'}.")
    return redirect("customers:detail", pk=login.customer_id)
