from django.contrib.auth import views as auth_views
from django.urls import include, path

from frontend.views import auth, consent, inbox, numbers, settings

tenant_urlpatterns = [
    path("inbox/", inbox.inbox, name="inbox"),
    path("settings/", settings.general, name="settings_general"),
    path("settings/team/", settings.team, name="settings_team"),
    path("settings/team/members/<int:membership_id>/role/", settings.member_role, name="settings_member_role"),
    path("settings/team/members/<int:membership_id>/remove/", settings.member_remove, name="settings_member_remove"),
    path(
        "settings/team/invitations/<int:invitation_id>/revoke/",
        settings.invitation_revoke,
        name="settings_invitation_revoke",
    ),
    path("settings/numbers/", numbers.number_list, name="settings_numbers"),
    path("settings/numbers/add/", numbers.number_add, name="settings_number_add"),
    path("settings/numbers/<int:number_id>/", numbers.number_detail, name="settings_number"),
    path("settings/numbers/<int:number_id>/disable/", numbers.number_disable, name="settings_number_disable"),
    path("settings/numbers/<int:number_id>/enable/", numbers.number_enable, name="settings_number_enable"),
    path("settings/consent/", consent.consent_settings, name="settings_consent"),
    path("settings/api-keys/", settings.api_keys, name="settings_api_keys"),
    path("settings/api-keys/<int:api_key_id>/revoke/", settings.api_key_revoke, name="settings_api_key_revoke"),
    path("settings/audit-log/", settings.audit_log, name="settings_audit_log"),
    path("contacts/import/", consent.contacts_import, name="contacts_import"),
]

account_urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="frontend/auth/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", auth.sign_up, name="signup"),
    path("workspaces/", auth.workspaces, name="workspaces"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            template_name="frontend/auth/password_reset.html",
            email_template_name="accounts/email/password_reset.txt",
            subject_template_name="accounts/email/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="frontend/auth/password_reset_sent.html"),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(template_name="frontend/auth/password_reset_confirm.html"),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="frontend/auth/password_reset_complete.html"),
        name="password_reset_complete",
    ),
]

urlpatterns = [
    path("", auth.home, name="home"),
    path("accounts/", include(account_urlpatterns)),
    path("invitations/<str:token>/", auth.invitation_accept, name="invitation_accept"),
    path("t/<slug:tenant_slug>/", include(tenant_urlpatterns)),
]
