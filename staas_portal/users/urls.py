from django.urls import path

from staas_portal.users import views

login = "customers/<int:pk>/logins/<int:login_pk>/"

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/", views.PasswordResetSentView.as_view(), name="password_reset_sent"
    ),
    path("password/set/<uidb64>/<token>/", views.PasswordSetView.as_view(), name="password_set"),
    path("password/set/done/", views.PasswordSetDoneView.as_view(), name="password_set_done"),
    path("customers/<int:pk>/logins/new/", views.login_invite, name="login_invite"),
    path(login + "link/", views.login_send_link, name="login_send_link"),
    path(login + "disable/", views.login_disable, name="login_disable"),
    path(login + "enable/", views.login_enable, name="login_enable"),
]
