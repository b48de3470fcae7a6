from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from monitoring.views.health import healthz
from monitoring.views.links import public_answer
from registry.views.accounts import otp_setup, otp_verify
from registry.views.home import home

urlpatterns = [
    path("", home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/otp/", otp_verify, name="otp_verify"),
    path("accounts/otp/setup/", otp_setup, name="otp_setup"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("registry/", include("registry.urls")),
    path("mentoring/", include("mentoring.urls")),
    path("roadmaps/", include("roadmaps.urls")),
    path("monitoring/", include("monitoring.urls")),
    # A personal questionnaire link: no login, the token is the key (see monitoring.models.Response).
    path("q/<str:token>/", public_answer, name="questionnaire_answer"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
