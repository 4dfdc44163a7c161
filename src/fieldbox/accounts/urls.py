from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from fieldbox.accounts.views import auth, organisation, partners, passwords, profile

app_name = "accounts"

reset_done = reverse_lazy("accounts:password_reset_complete")

urlpatterns = [
    path("accounts/login/", auth.login_view, name="login"),
    path("accounts/login/verify/", auth.login_verify, name="login_verify"),
    path("accounts/logout/", auth.logout_view, name="logout"),
    path("accounts/two-factor/", auth.two_factor, name="two_factor"),
    path("accounts/two-factor/disable/", auth.two_factor_disable, name="two_factor_disable"),
    path("accounts/password-reset/", passwords.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_sent.html"),
        name="password_reset_done",
    ),
    path(
        "accounts/password-reset/<uidb64>/<token>/",
        passwords.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    path("accounts/profile/", profile.profile, name="profile"),
    path("accounts/tokens/", profile.token_list, name="tokens"),
    path("accounts/tokens/<int:pk>/revoke/", profile.token_revoke, name="token_revoke"),
    path("invitations/<str:token>/", profile.invitation_open, name="invitation"),
    path("organisation/", organisation.organisation_settings, name="organisation"),
    path("organisation/switch/", organisation.switch_organisation, name="switch"),
    path("organisation/delete/", organisation.organisation_delete, name="organisation_delete"),
    path("organisation/audit/", organisation.audit_log, name="audit"),
    path("organisation/members/", organisation.member_list, name="members"),
    path("organisation/members/invite/", organisation.member_invite, name="member_invite"),
    path("organisation/members/<int:pk>/role/", organisation.member_role, name="member_role"),
    path("organisation/members/<int:pk>/remove/", organisation.member_remove, name="member_remove"),
    path("organisation/invitations/<int:pk>/revoke/", organisation.invitation_revoke, name="invitation_revoke"),
    path("partners/", partners.partner_list, name="partners"),
    path("partners/invite/", partners.partner_invite, name="partner_invite"),
    path("partners/join/<str:token>/", partners.partner_join, name="partner_join"),
    path("partners/<int:pk>/", partners.partner_detail, name="partner_detail"),
    path("partners/<int:pk>/accept/", partners.partner_accept, name="partner_accept"),
    path("partners/<int:pk>/decline/", partners.partner_decline, name="partner_decline"),
    path("partners/<int:pk>/end/", partners.partner_end, name="partner_end"),
]
