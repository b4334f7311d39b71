from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator

from staas_portal.core.http import client_address
from staas_portal.users import services
from staas_portal.users.access import ALL_ROLES, public, role_required
from staas_portal.users.forms import SignInForm


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
