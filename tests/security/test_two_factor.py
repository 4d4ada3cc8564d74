"""Two-factor sign-in (TOTP): set-up with a QR code and recovery codes, the code step of
signing in, and workspaces that require it of every member."""

from __future__ import annotations

import base64
import io
from datetime import timedelta
from urllib.parse import quote

import pyotp
import pytest
import zxingcpp
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.db import connection
from django.test import Client
from django.utils import timezone
from PIL import Image

from accounts import security
from accounts.models import AuditLog, TwoFactorDevice
from config.asgi import application
from tests.accounts.factories import PASSWORD
from tests.conftest import page_text


def enrol(user):
    """Two-factor on for `user`, through the services; the device's secret and recovery codes."""
    device = security.two_factor_begin(user=user)
    codes = security.two_factor_confirm(user=user, code=pyotp.TOTP(device.secret).now(), ip=None, now=timezone.now())
    device.refresh_from_db()
    return device.secret, codes


def test_setting_up_shows_a_qr_code_and_the_secret_and_turns_on_with_a_right_code(world, address):
    client = world.client_for(world.admin)
    page = page_text(client.get("/accounts/two-factor/"))
    device = TwoFactorDevice.objects.get(user=world.admin.user)
    qr_code = page.split('class="qr-code" src="data:image/png;base64,')[1].split('"')[0]
    [read] = zxingcpp.read_barcodes(Image.open(io.BytesIO(base64.b64decode(qr_code))))
    assert read.text == f"otpauth://totp/Relay:{quote(world.admin.user.email)}?secret={device.secret}&issuer=Relay"
    assert "requires two-factor" not in page
    assert device.secret in page
    assert device.confirmed_at is None

    wrong = client.post("/accounts/two-factor/", {"code": "000000"}, REMOTE_ADDR=address)
    assert wrong.status_code == 400
    assert "That code is not right" in page_text(wrong)

    response = client.post("/accounts/two-factor/", {"code": pyotp.TOTP(device.secret).now()}, REMOTE_ADDR=address)
    assert response.status_code == 200
    page = page_text(response)
    assert "Your recovery codes" in page
    device.refresh_from_db()
    assert device.confirmed_at is not None
    assert len(device.recovery_code_hashes) == security.RECOVERY_CODE_COUNT
    assert AuditLog.objects.for_tenant(world.tenant).filter(action="auth.two_factor_enabled", ip=address).exists()


def test_reloading_the_set_up_page_keeps_the_same_secret(world):
    client = world.client_for(world.admin)
    client.get("/accounts/two-factor/")
    first = TwoFactorDevice.objects.get(user=world.admin.user).secret
    client.get("/accounts/two-factor/")
    assert TwoFactorDevice.objects.get(user=world.admin.user).secret == first


def test_the_secret_is_stored_encrypted(world):
    secret, _codes = enrol(world.admin.user)
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM accounts_twofactordevice WHERE user_id = %s", [world.admin.user.pk])
        [stored] = cursor.fetchone()
    assert secret not in stored
    assert stored.startswith("e1:")


def sign_in_password(email, address):
    client = Client(REMOTE_ADDR=address)
    response = client.post("/accounts/login/?next=/t/acme/settings/", {"username": email, "password": PASSWORD})
    return client, response


def test_with_two_factor_on_the_password_alone_does_not_sign_in(world, address):
    enrol(world.admin.user)
    client, response = sign_in_password(world.admin.user.email, address)
    assert response.status_code == 302
    assert response.url == "/accounts/login/code/"
    assert "_auth_user_id" not in client.session
    assert client.get("/t/acme/inbox/").status_code == 302  # still signed out


def test_the_right_code_signs_in_and_goes_where_the_person_was_going(world, address):
    secret, _codes = enrol(world.admin.user)
    client, _response = sign_in_password(world.admin.user.email, address)
    # The code after the one enrolment used (a code is good once).
    code = pyotp.TOTP(secret).at(timezone.now() + timedelta(seconds=30))
    response = client.post("/accounts/login/code/", {"code": code})
    assert response.status_code == 302
    assert response.url == "/t/acme/settings/"
    assert client.session["_auth_user_id"] == str(world.admin.user.pk)
    entry = AuditLog.objects.for_tenant(world.tenant).get(action="auth.login")
    assert entry.details == {"two_factor": True}


def test_a_wrong_code_is_refused_and_counted_as_a_failure(world, address):
    enrol(world.admin.user)
    client, _response = sign_in_password(world.admin.user.email, address)
    response = client.post("/accounts/login/code/", {"code": "123456"})
    assert response.status_code == 400
    assert "That code is not right" in page_text(response)
    assert "_auth_user_id" not in client.session
    assert AuditLog.objects.for_tenant(world.tenant).filter(action="auth.login_failed").count() == 1


def test_a_code_is_good_only_once(world):
    secret, _codes = enrol(world.admin.user)
    later = timezone.now() + timedelta(seconds=30)
    code = pyotp.TOTP(secret).at(later)
    assert security.two_factor_verify(user=world.admin.user, code=code, now=later) is True
    assert security.two_factor_verify(user=world.admin.user, code=code, now=later) is False


def test_a_recovery_code_signs_in_once(world, address):
    _secret, codes = enrol(world.admin.user)
    client, _response = sign_in_password(world.admin.user.email, address)
    assert client.post("/accounts/login/code/", {"code": codes[0].upper()}).status_code == 302
    assert security.two_factor_verify(user=world.admin.user, code=codes[0], now=timezone.now()) is False
    assert security.two_factor_verify(user=world.admin.user, code=codes[1], now=timezone.now()) is True


def test_the_code_step_without_the_password_step_sends_back_to_sign_in(db):
    response = Client().post("/accounts/login/code/", {"code": "123456"})
    assert response.status_code == 302
    assert response.url == "/accounts/login/"


def test_the_code_step_is_locked_out_with_the_account(world, address, settings):
    settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT = 2
    secret, _codes = enrol(world.admin.user)
    client, _response = sign_in_password(world.admin.user.email, address)
    client.post("/accounts/login/code/", {"code": "111111"})
    client.post("/accounts/login/code/", {"code": "222222"})
    code = pyotp.TOTP(secret).at(timezone.now() + timedelta(seconds=30))
    response = client.post("/accounts/login/code/", {"code": code})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.fixture
def strict(world):
    world.tenant.require_two_factor = True
    world.tenant.save(update_fields=["require_two_factor"])
    return world


def test_a_member_of_a_workspace_that_requires_it_is_sent_to_set_it_up_first(strict):
    client = strict.client_for(strict.agent)
    response = client.get("/t/acme/inbox/")
    assert response.status_code == 302
    assert response.url == "/accounts/two-factor/?next=/t/acme/inbox/"
    page = page_text(client.get(response.url))
    assert "Your workspace requires two-factor sign-in" in page


def test_a_member_with_two_factor_on_uses_the_workspace(strict):
    enrol(strict.agent.user)
    assert strict.client_for(strict.agent).get("/t/acme/inbox/").status_code == 200


def test_an_admin_turns_the_requirement_on_in_the_general_settings(world):
    client = world.client_for(world.admin)
    data = {"name": "Acme Coffee", "data_region": "eu", "default_language": "en", "require_two_factor": "on"}
    response = client.post("/t/acme/settings/", data)
    assert response.status_code == 302
    world.tenant.refresh_from_db()
    assert world.tenant.require_two_factor is True
    entry = AuditLog.objects.for_tenant(world.tenant).get(action="tenant.settings_changed")
    assert entry.details == {"changes": {"require_two_factor": [False, True]}}
    # The admin is the first to be sent to set it up.
    assert client.get("/t/acme/settings/").url == "/accounts/two-factor/?next=/t/acme/settings/"


def test_preferences_offer_two_factor_until_it_is_on(world):
    client = world.client_for(world.agent)
    page = page_text(client.get("/t/acme/preferences/"))
    assert 'href="/accounts/two-factor/?next=/t/acme/preferences/"' in page
    enrol(world.agent.user)
    page = page_text(client.get("/t/acme/preferences/"))
    assert "You sign in with your password and a code" in page
    assert "Set up two-factor sign-in" not in page


@pytest.mark.django_db(transaction=True)  # the consumer reads the database from another thread
def test_live_updates_are_refused_to_a_member_without_two_factor_where_it_is_required(strict):
    async def connects() -> bool:
        communicator = WebsocketCommunicator(application, "/ws/t/acme/", headers=[(b"origin", b"http://testserver")])
        communicator.scope["user"] = strict.agent.user
        connected, _code = await communicator.connect()
        await communicator.disconnect()
        return connected

    assert async_to_sync(connects)() is False
    enrol(strict.agent.user)
    assert async_to_sync(connects)() is True


def next_code(secret):
    return pyotp.TOTP(secret).at(timezone.now() + timedelta(seconds=30))


def test_new_recovery_codes_replace_the_old_ones(world, address):
    secret, old_codes = enrol(world.admin.user)
    client = world.client_for(world.admin)
    response = client.post("/accounts/two-factor/", {"action": "renew", "code": next_code(secret)}, REMOTE_ADDR=address)
    assert response.status_code == 200
    assert "Your recovery codes" in page_text(response)
    assert security.two_factor_verify(user=world.admin.user, code=old_codes[0], now=timezone.now()) is False
    assert AuditLog.objects.for_tenant(world.tenant).filter(action="auth.recovery_codes_renewed").exists()


def test_two_factor_is_turned_off_with_a_current_code_only(world, address):
    secret, _codes = enrol(world.admin.user)
    client = world.client_for(world.admin)
    wrong = client.post("/accounts/two-factor/", {"action": "disable", "code": "000000"}, REMOTE_ADDR=address)
    assert wrong.status_code == 400
    assert security.two_factor_enabled(world.admin.user)
    assert AuditLog.objects.for_tenant(world.tenant).filter(action="auth.login_failed").count() == 1
    response = client.post("/accounts/two-factor/", {"action": "disable", "code": next_code(secret)})
    assert response.status_code == 302
    assert not security.two_factor_enabled(world.admin.user)
    assert AuditLog.objects.for_tenant(world.tenant).filter(action="auth.two_factor_disabled").exists()


def test_two_factor_stays_on_where_a_workspace_requires_it(strict):
    secret, _codes = enrol(strict.admin.user)
    client = strict.client_for(strict.admin)
    assert "Turn off" not in page_text(client.get("/accounts/two-factor/"))
    response = client.post("/accounts/two-factor/", {"action": "disable", "code": next_code(secret)})
    assert response.status_code == 409
    assert "requires two-factor sign-in, so it stays on" in page_text(response)
    assert security.two_factor_enabled(strict.admin.user)
