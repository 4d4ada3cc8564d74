"""A tenant's company details: the VAT id's form per EU country (a table, no database), and the
settings form, the service with its audit diff and the settings API, where bad input changes nothing."""

from __future__ import annotations

import pytest

from accounts import policy, services
from accounts.countries import COUNTRIES
from accounts.errors import PermissionDeniedError, ServiceError
from accounts.models import ApiKeyScope, AuditLog, Role, Tenant
from tests.accounts.factories import api_key_for
from tests.accounts.test_api import assert_envelope, bearer
from tests.conftest import page_text

Problem = policy.VatIdProblem


@pytest.mark.parametrize(
    ("vat_id", "country", "kept", "problem"),
    [
        ("", "DE", "", None),
        ("DE123456789", "DE", "DE123456789", None),
        ("de 123 456 789", "DE", "DE123456789", None),
        ("123456789", "DE", "DE123456789", None),  # an EU company's id without its prefix gets it
        ("DE12345678", "DE", "DE12345678", Problem.FORMAT),
        ("DE1234567890", "DE", "DE1234567890", Problem.FORMAT),
        ("ATU12345678", "AT", "ATU12345678", None),
        ("AT12345678", "AT", "AT12345678", Problem.FORMAT),
        ("FR12345678901", "FR", "FR12345678901", None),
        ("FRAB123456789", "FR", "FRAB123456789", None),
        ("FRIO123456789", "FR", "FRIO123456789", Problem.FORMAT),  # I and O are never used
        ("NL123456789B01", "NL", "NL123456789B01", None),
        ("NL123456789C01", "NL", "NL123456789C01", Problem.FORMAT),
        ("EL123456789", "GR", "EL123456789", None),  # Greece writes EL
        ("GR123456789", "GR", "GR123456789", Problem.COUNTRY),
        ("123456789", "GR", "EL123456789", None),
        ("IE1234567T", "IE", "IE1234567T", None),
        ("IE1234567WA", "IE", "IE1234567WA", None),
        ("IE1X23456T", "IE", "IE1X23456T", None),
        ("ESX1234567Z", "ES", "ESX1234567Z", None),
        ("BE0123456789", "BE", "BE0123456789", None),
        ("BE2123456789", "BE", "BE2123456789", Problem.FORMAT),
        ("SE123456789012", "SE", "SE123456789012", None),
        ("XI123456789", "GB", "XI123456789", None),  # Northern Ireland, under the EU's VAT rules
        ("DE123456789", "FR", "DE123456789", Problem.COUNTRY),
        ("DE123456789", "US", "DE123456789", Problem.COUNTRY),
        ("GB123456789", "DE", "GB123456789", Problem.COUNTRY),
        ("DE123456789", "", "DE123456789", None),  # the country is not known yet
        ("CHE-123.456.789 MWST", "CH", "CHE123456789MWST", None),  # not EU: characters only
        ("12-3456789", "US", "123456789", None),
        ("ABC", "US", "ABC", Problem.CHARACTERS),
        ("DE12345678#", "DE", "DE12345678#", Problem.CHARACTERS),
        ("X" * 21, "US", "X" * 21, Problem.CHARACTERS),
    ],
)
def test_vat_ids_are_checked_against_their_country(vat_id, country, kept, problem):
    assert policy.vat_id_check(vat_id=vat_id, country=country) == policy.VatIdCheck(kept, problem)


def test_every_eu_vat_prefix_but_greece_and_northern_ireland_is_an_iso_country():
    assert set(policy.EU_VAT_FORMATS) - set(COUNTRIES) == {"EL", "XI"}


def test_the_country_list_is_iso_alpha_2():
    assert len(COUNTRIES) >= 245
    assert all(len(code) == 2 and code.isupper() for code in COUNTRIES)
    assert COUNTRIES["DE"] == "Germany"


def actor_of(world, role=Role.ADMIN) -> services.Actor:
    membership = {Role.ADMIN: world.admin, Role.AGENT: world.agent, Role.OWNER: world.owner}[role]
    return services.Actor(tenant_id=world.tenant.pk, role=role, user=membership.user)


def update(world, company: services.CompanyDetails, role=Role.ADMIN) -> Tenant:
    tenant = world.tenant
    return services.tenant_update(
        tenant=tenant,
        actor=actor_of(world, role),
        name=tenant.name,
        data_region=tenant.data_region,
        message_retention_days=tenant.message_retention_days,
        company=company,
    )


def test_company_details_are_kept_cleaned_and_audited_with_old_and_new_values(world):
    company = services.CompanyDetails(
        legal_name=" Acme Coffee GmbH ", country="de", vat_id="de 123 456 789", address="1 Bean Street\nBerlin"
    )
    update(world, company)

    tenant = Tenant.objects.get(pk=world.tenant.pk)
    assert (tenant.legal_name, tenant.country, tenant.vat_id, tenant.address) == (
        "Acme Coffee GmbH",
        "DE",
        "DE123456789",
        "1 Bean Street\nBerlin",
    )
    entry = AuditLog.objects.for_tenant(world.tenant).filter(action="tenant.settings_changed").latest("id")
    assert entry.details["changes"] == {
        "legal_name": ["", "Acme Coffee GmbH"],
        "country": ["", "DE"],
        "vat_id": ["", "DE123456789"],
        "address": ["", "1 Bean Street\nBerlin"],
    }


@pytest.mark.parametrize(
    ("company", "code"),
    [
        (services.CompanyDetails(country="XX"), "invalid_country"),
        (services.CompanyDetails(country="Germany"), "invalid_country"),
        (services.CompanyDetails(country="DE", vat_id="DE1234"), "invalid_vat_id"),
        (services.CompanyDetails(country="FR", vat_id="DE123456789"), "invalid_vat_id"),
        (services.CompanyDetails(legal_name="x" * 201), "invalid_legal_name"),
        (services.CompanyDetails(address="x" * 501), "invalid_address"),
    ],
)
def test_bad_company_details_are_refused_and_change_nothing(world, company, code):
    with pytest.raises(ServiceError) as refused:
        update(world, company)

    assert refused.value.code == code
    tenant = Tenant.objects.get(pk=world.tenant.pk)
    assert (tenant.legal_name, tenant.country, tenant.vat_id, tenant.address) == ("", "", "", "")
    assert not AuditLog.objects.for_tenant(world.tenant).filter(action="tenant.settings_changed").exists()


def test_agents_may_not_change_company_details(world):
    with pytest.raises(PermissionDeniedError):
        update(world, services.CompanyDetails(legal_name="Agent's GmbH"), role=Role.AGENT)
    assert Tenant.objects.get(pk=world.tenant.pk).legal_name == ""


SETTINGS_FORM = {"name": "Acme Coffee", "data_region": "eu", "default_language": "en", "message_retention_days": ""}


def test_the_settings_page_saves_company_details(world):
    client = world.client_for(world.admin)
    form = {**SETTINGS_FORM, "legal_name": "Acme Coffee GmbH", "country": "AT", "vat_id": "ATU12345678"}

    response = client.post("/t/acme/settings/", form)

    assert response.status_code == 302
    tenant = Tenant.objects.get(pk=world.tenant.pk)
    assert (tenant.legal_name, tenant.country, tenant.vat_id) == ("Acme Coffee GmbH", "AT", "ATU12345678")
    assert 'value="ATU12345678"' in page_text(client.get("/t/acme/settings/"))


def test_the_settings_page_puts_a_bad_vat_id_on_its_field_and_saves_nothing(world):
    form = {**SETTINGS_FORM, "name": "Acme Renamed", "country": "AT", "vat_id": "ATU1234"}

    response = world.client_for(world.admin).post("/t/acme/settings/", form)

    assert response.status_code == 400
    assert "This is not the form of a VAT number of that country (check the digits)." in page_text(response)
    tenant = Tenant.objects.get(pk=world.tenant.pk)
    assert (tenant.name, tenant.vat_id) == ("Acme Coffee", "")


def test_the_settings_page_offers_only_listed_countries(world):
    response = world.client_for(world.admin).post("/t/acme/settings/", {**SETTINGS_FORM, "country": "XX"})

    assert response.status_code == 400
    assert Tenant.objects.get(pk=world.tenant.pk).country == ""


def test_the_api_reads_and_changes_company_details(world):
    _key, secret = api_key_for(world.tenant)
    client = bearer(secret)

    response = client.patch(
        "/api/v1/tenant/",
        {"legal_name": "Acme Coffee GmbH", "country": "nl", "vat_id": "NL123456789B01"},
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["legal_name"], body["country"], body["vat_id"], body["name"]) == (
        "Acme Coffee GmbH",
        "NL",
        "NL123456789B01",
        "Acme Coffee",
    )
    assert client.get("/api/v1/tenant/").json()["tenant"]["vat_id"] == "NL123456789B01"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"country": "ZZ"}, 400, "invalid_country"),
        ({"country": "DE", "vat_id": "DE12"}, 400, "invalid_vat_id"),
        ({"data_region": "mars"}, 400, "validation_error"),
        ({"message_retention_days": 1}, 400, "validation_error"),
    ],
)
def test_the_api_refuses_bad_company_details_with_the_envelope(world, body, status, code):
    _key, secret = api_key_for(world.tenant)

    response = bearer(secret).patch("/api/v1/tenant/", body, format="json")

    assert_envelope(response, status, code)
    tenant = Tenant.objects.get(pk=world.tenant.pk)
    assert (tenant.country, tenant.vat_id, tenant.data_region) == ("", "", "eu")


def test_a_write_key_may_not_change_the_tenant(world):
    _key, secret = api_key_for(world.tenant, scope=ApiKeyScope.WRITE)

    response = bearer(secret).patch("/api/v1/tenant/", {"legal_name": "Not allowed GmbH"}, format="json")

    assert_envelope(response, 403, "permission_denied")
    assert Tenant.objects.get(pk=world.tenant.pk).legal_name == ""
