"""Contacts and their consent: creating, recording opt-ins and opt-outs, the opt-out keywords,
importing a CSV file; and the consent read back through the selectors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from accounts.errors import ConflictError, PermissionDeniedError, ServiceError
from accounts.models import AuditLog, Role
from accounts.services import Actor
from inbox import selectors
from inbox.consent import DEFAULT_OPT_OUT_CONFIRMATION, DEFAULT_OPT_OUT_KEYWORDS
from inbox.models import ConsentEvent, ConsentSettings, Contact
from inbox.policy import NO_CONSENT_HISTORY
from inbox.selectors import with_wa_id
from inbox.services import consent as services
from inbox.services.consent import OptIn, RejectedRow
from tests.inbox.factories import ConsentEventFactory, ContactFactory

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
PROOF = "Ticked “Updates on WhatsApp” at example.com/signup on 2025-03-01"


@pytest.fixture
def admin(world) -> Actor:
    return Actor(tenant_id=world.tenant.pk, role=Role.ADMIN, user=world.admin.user, ip="203.0.113.7")


@pytest.fixture
def agent(world) -> Actor:
    return Actor(tenant_id=world.tenant.pk, role=Role.AGENT, user=world.agent.user)


def counts(tenant) -> dict[str, int]:
    return {
        "contacts": Contact.objects.for_tenant(tenant).count(),
        "consent_events": ConsentEvent.objects.for_tenant(tenant).count(),
        "consent_settings": ConsentSettings.objects.for_tenant(tenant).count(),
        "audit": AuditLog.objects.for_tenant(tenant).count(),
    }


def audit_actions(tenant) -> list[str]:
    return list(AuditLog.objects.for_tenant(tenant).order_by("pk").values_list("action", flat=True))


# Phone numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("+49 151 23456789", "+4915123456789"),
        ("+49 (151) 234-567.89", "+4915123456789"),
        ("0049 151 23456789", "+4915123456789"),
        ("4915123456789", "+4915123456789"),  # a WhatsApp id: the digits with the country code
        ("  +33 6 12 34 56 78  ", "+33612345678"),
        ("+1 202 555 0143", "+12025550143"),
        ("+34\u00a0612\u00a0345\u00a0678", "+34612345678"),
    ],
)
def test_phone_numbers_are_normalised_to_e164(raw, e164):
    assert services.phone_to_e164(raw) == e164


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("", "Enter a phone number"),
        ("   ", "Enter a phone number"),
        ("0151 23456789", "has no country code"),
        ("+49 151", "is not a valid phone number"),
        ("+49 151 2345678901234567", "is not a valid phone number"),
        ("+999 123456789", "is not a valid phone number"),
        ("call me", "is not a valid phone number"),
        ("+1-800-FLOWERS", "is not a valid phone number"),
        ("4.91512E+12", "is not a valid phone number"),
        ("+49 151 23456789 ext 5", "is not a valid phone number"),
    ],
)
def test_bad_phone_numbers_are_refused_with_a_reason(raw, says):
    with pytest.raises(ServiceError) as error:
        services.phone_to_e164(raw)
    assert error.value.code == "invalid_phone"
    assert says in error.value.message


# Creating contacts -----------------------------------------------------------------------------


def test_contact_create_stores_e164_and_wa_id_and_audits(world, admin):
    contact = services.contact_create(tenant=world.tenant, phone="+49 151 2345 6789", name=" Maria ", actor=admin)
    assert (contact.phone, contact.wa_id, contact.name) == ("+4915123456789", "4915123456789", "Maria")
    entry = AuditLog.objects.for_tenant(world.tenant).get()
    assert (entry.action, entry.target_id, entry.actor) == ("contact.created", str(contact.pk), world.admin.user)
    assert selectors.consent_state_of(tenant=world.tenant, contact=contact) == NO_CONSENT_HISTORY


def test_contact_create_with_an_opt_in_records_it(world, admin):
    contact = services.contact_create(
        tenant=world.tenant,
        phone="+4915123456789",
        name="Maria",
        actor=admin,
        opt_in=OptIn(scope="all", source="web_form", proof=PROOF, ip="198.51.100.4"),
    )
    event = ConsentEvent.objects.for_tenant(world.tenant).get()
    assert (event.contact, event.kind, event.scope, event.source, event.proof) == (
        contact,
        "opt_in",
        "all",
        "web_form",
        PROOF,
    )
    assert (event.actor, event.actor_label, event.ip) == (world.admin.user, world.admin.user.email, "198.51.100.4")
    assert selectors.consent_state_of(tenant=world.tenant, contact=contact).opted_in is True
    assert audit_actions(world.tenant) == ["contact.created", "contact.opted_in"]


def test_contact_create_refuses_a_bad_number_and_changes_nothing(world, admin):
    before = counts(world.tenant)
    with pytest.raises(ServiceError) as error:
        services.contact_create(tenant=world.tenant, phone="0151 23456789", name="Maria", actor=admin)
    assert error.value.code == "invalid_phone"
    assert error.value.http_status == 400
    assert counts(world.tenant) == before


def test_contact_create_refuses_an_existing_number_in_any_format(world, admin):
    ContactFactory.create(tenant=world.tenant, wa_id="4915123456789", phone="+4915123456789")
    before = counts(world.tenant)
    with pytest.raises(ConflictError) as error:
        services.contact_create(tenant=world.tenant, phone="0049 151 234 56789", name="", actor=admin)
    assert (error.value.code, error.value.http_status) == ("contact_exists", 409)
    assert "+4915123456789 already exists" in error.value.message
    assert counts(world.tenant) == before


def test_the_same_number_in_another_tenant_is_another_contact(world, other_tenant, admin):
    ContactFactory.create(tenant=other_tenant.tenant, wa_id="4915123456789", phone="+4915123456789")
    contact = services.contact_create(tenant=world.tenant, phone="+4915123456789", name="", actor=admin)
    assert contact.tenant_id == world.tenant.pk


def test_contact_create_with_an_opt_in_without_proof_creates_nothing(world, admin):
    before = counts(world.tenant)
    with pytest.raises(ServiceError) as error:
        services.contact_create(
            tenant=world.tenant,
            phone="+4915123456789",
            name="Maria",
            actor=admin,
            opt_in=OptIn(scope="all", source="web_form", proof="  "),
        )
    assert error.value.code == "proof_required"
    assert counts(world.tenant) == before


def test_contact_create_refuses_a_name_too_long(world, admin):
    before = counts(world.tenant)
    with pytest.raises(ServiceError) as error:
        services.contact_create(tenant=world.tenant, phone="+4915123456789", name="x" * 257, actor=admin)
    assert error.value.code == "name_too_long"
    assert counts(world.tenant) == before


def test_contact_for_phone_finds_or_creates(world, admin):
    existing = ContactFactory.create(tenant=world.tenant, wa_id="4915123456789", phone="+4915123456789")
    assert services.contact_for_phone(tenant=world.tenant, phone="+49 151 23456789", actor=admin) == existing
    created = services.contact_for_phone(tenant=world.tenant, phone="+33 6 12 34 56 78", actor=admin)
    assert (created.wa_id, created.phone) == ("33612345678", "+33612345678")
    with pytest.raises(ServiceError, match="not a valid phone number"):
        services.contact_for_phone(tenant=world.tenant, phone="+49 151", actor=admin)


# Recording consent -----------------------------------------------------------------------------


def record(world, contact, actor, **fields):
    values = {
        "kind": "opt_in",
        "scope": "all",
        "source": "web_form",
        "proof": PROOF,
        "occurred_at": T0,
        **fields,
    }
    return services.consent_record(tenant_id=world.tenant.pk, contact=contact, actor=actor, **values)


def test_an_opt_in_is_recorded_with_its_proof_and_audited(world, admin):
    contact = ContactFactory.create(tenant=world.tenant)
    event = record(world, contact, admin, ip="198.51.100.4")
    assert (event.kind, event.scope, event.source, event.proof, event.occurred_at, event.ip) == (
        "opt_in",
        "all",
        "web_form",
        PROOF,
        T0,
        "198.51.100.4",
    )
    entry = AuditLog.objects.for_tenant(world.tenant).get()
    assert (entry.action, entry.target_type, entry.target_id, entry.ip) == (
        "contact.opted_in",
        "Contact",
        str(contact.pk),
        "203.0.113.7",
    )
    assert entry.details == {"scope": "all", "source": "web_form", "consent_event": event.pk}


def test_an_opt_out_needs_no_proof_and_is_audited(world, admin):
    contact = ContactFactory.create(tenant=world.tenant)
    record(world, contact, admin)
    record(
        world,
        contact,
        admin,
        kind="opt_out",
        scope="marketing",
        source="agent",
        proof="",
        occurred_at=T0 + timedelta(1),
    )
    state = selectors.consent_state_of(tenant=world.tenant, contact=contact)
    assert (state.opted_in, state.opted_out_marketing, state.opted_out_all) == (True, True, False)
    assert audit_actions(world.tenant) == ["contact.opted_in", "contact.opted_out"]


def test_the_product_records_consent_without_an_actor_and_without_audit(world):
    contact = ContactFactory.create(tenant=world.tenant)
    event = record(world, contact, None, kind="opt_out", source="keyword", proof="STOP")
    assert (event.actor, event.actor_label) == (None, "")
    assert audit_actions(world.tenant) == []


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"proof": ""}, "proof_required"),
        ({"proof": "   "}, "proof_required"),
        ({"proof": "x" * 5001}, "proof_too_long"),
        ({"kind": "maybe"}, "invalid_consent"),
        ({"scope": "sms"}, "invalid_consent"),
        ({"source": "carrier_pigeon"}, "invalid_consent"),
        ({"occurred_at": timezone.now() + timedelta(hours=1)}, "occurred_in_future"),
    ],
)
def test_bad_consent_is_refused_and_changes_nothing(world, admin, fields, code):
    contact = ContactFactory.create(tenant=world.tenant)
    before = counts(world.tenant)
    with pytest.raises(ServiceError) as error:
        record(world, contact, admin, **fields)
    assert error.value.code == code
    assert error.value.message
    assert counts(world.tenant) == before


def test_consent_for_another_tenants_contact_is_refused(world, other_tenant, admin):
    theirs = ContactFactory.create(tenant=other_tenant.tenant)
    with pytest.raises(ServiceError) as error:
        record(world, theirs, admin)
    assert (error.value.code, error.value.http_status) == ("not_found", 404)
    assert not ConsentEvent.objects.for_tenant(other_tenant.tenant).exists()
    assert not ConsentEvent.objects.for_tenant(world.tenant).exists()


# Selectors -------------------------------------------------------------------------------------


def test_consent_state_of_is_one_query(world, django_assert_num_queries):
    contact = ContactFactory.create(tenant=world.tenant)
    ConsentEventFactory.create(contact=contact, occurred_at=T0)
    ConsentEventFactory.create(contact=contact, kind="opt_out", scope="marketing", occurred_at=T0 + timedelta(1))
    with django_assert_num_queries(1):
        state = selectors.consent_state_of(tenant=world.tenant, contact=contact)
    assert (state.opted_in, state.opted_out_marketing, state.last_change_at) == (True, True, T0 + timedelta(1))


def test_consent_states_of_many_contacts_is_one_query(world, other_tenant, django_assert_num_queries):
    opted_in, opted_out, silent = ContactFactory.create_batch(3, tenant=world.tenant)
    ConsentEventFactory.create(contact=opted_in)
    ConsentEventFactory.create(contact=opted_out, kind="opt_out")
    with django_assert_num_queries(1):
        states = selectors.consent_states(tenant=world.tenant, contact_ids=[opted_in.pk, opted_out.pk, silent.pk])
    assert states[opted_in.pk].opted_in is True
    assert states[opted_out.pk].opted_out_all is True
    assert states[silent.pk] == NO_CONSENT_HISTORY


def test_consent_states_never_read_another_tenants_history(world, other_tenant):
    theirs = ContactFactory.create(tenant=other_tenant.tenant)
    ConsentEventFactory.create(contact=theirs, kind="opt_out")
    assert selectors.consent_states(tenant=world.tenant, contact_ids=[theirs.pk]) == {theirs.pk: NO_CONSENT_HISTORY}


def test_consent_history_is_newest_first(world):
    contact = ContactFactory.create(tenant=world.tenant)
    first = ConsentEventFactory.create(contact=contact, occurred_at=T0)
    second = ConsentEventFactory.create(contact=contact, kind="opt_out", occurred_at=T0 + timedelta(1))
    assert list(selectors.consent_history(tenant=world.tenant, contact=contact)) == [second, first]


# Opt-out keywords ------------------------------------------------------------------------------


def test_settings_start_with_the_defaults(world):
    settings = services.consent_settings_get_or_create(world.tenant)
    assert settings.opt_out_keywords == list(DEFAULT_OPT_OUT_KEYWORDS)
    assert settings.opt_out_confirmation == DEFAULT_OPT_OUT_CONFIRMATION
    assert services.consent_settings_get_or_create(world.tenant.pk).pk == settings.pk


def test_reading_settings_writes_nothing(world):
    settings = selectors.consent_settings(tenant=world.tenant)
    assert settings.pk is None
    assert settings.opt_out_keywords == list(DEFAULT_OPT_OUT_KEYWORDS)
    assert not ConsentSettings.objects.for_tenant(world.tenant).exists()


def test_updating_keywords_cleans_them_and_audits(world, admin):
    settings = services.consent_settings_update(
        tenant=world.tenant,
        actor=admin,
        keywords=["  STOP ", "stop", "", "Arrêt", "opt   out", "ARRET"],
        confirmation="  Done: no more messages.  ",
    )
    assert settings.opt_out_keywords == ["STOP", "Arrêt", "opt out", "ARRET"]
    assert settings.opt_out_confirmation == "Done: no more messages."
    assert selectors.consent_settings(tenant=world.tenant).opt_out_keywords == settings.opt_out_keywords
    entry = AuditLog.objects.for_tenant(world.tenant).get()
    assert entry.action == "consent.settings_changed"
    assert set(entry.details["changes"]) == {"opt_out_keywords", "opt_out_confirmation"}


def test_saving_the_same_settings_again_is_not_audited_twice(world, admin):
    for _ in range(2):
        services.consent_settings_update(tenant=world.tenant, actor=admin, keywords=["STOP"], confirmation="Bye")
    assert audit_actions(world.tenant) == ["consent.settings_changed"]


def test_an_empty_confirmation_means_none_is_sent(world, admin):
    settings = services.consent_settings_update(tenant=world.tenant, actor=admin, keywords=["STOP"], confirmation="")
    assert settings.opt_out_confirmation == ""


@pytest.mark.parametrize(
    ("keywords", "confirmation", "code"),
    [
        ([], "Bye", "keywords_required"),
        (["", "  "], "Bye", "keywords_required"),
        (["STOP", "X" * 33], "Bye", "keyword_too_long"),
        (["STOP", "!!!"], "Bye", "keyword_invalid"),
        ([f"WORD{i}" for i in range(101)], "Bye", "too_many_keywords"),
        (["STOP"], "x" * 1025, "confirmation_too_long"),
    ],
)
def test_bad_settings_are_refused_and_change_nothing(world, admin, keywords, confirmation, code):
    services.consent_settings_update(tenant=world.tenant, actor=admin, keywords=["HALT"], confirmation="Bye")
    before = counts(world.tenant)
    with pytest.raises(ServiceError) as error:
        services.consent_settings_update(tenant=world.tenant, actor=admin, keywords=keywords, confirmation=confirmation)
    assert error.value.code == code
    assert counts(world.tenant) == before
    assert selectors.consent_settings(tenant=world.tenant).opt_out_keywords == ["HALT"]


def test_agents_cannot_change_keywords(world, agent):
    with pytest.raises(PermissionDeniedError):
        services.consent_settings_update(tenant=world.tenant, actor=agent, keywords=["STOP"], confirmation="")
    assert not ConsentSettings.objects.for_tenant(world.tenant).exists()


# CSV import ------------------------------------------------------------------------------------


def import_csv(world, actor, content: str | bytes, filename: str = "contacts.csv"):
    data = content.encode() if isinstance(content, str) else content
    return services.contacts_import_csv(tenant=world.tenant, actor=actor, file_bytes=data, filename=filename)


def contact_by_phone(world, phone: str) -> Contact:
    return Contact.objects.for_tenant(world.tenant).get(with_wa_id(phone.removeprefix("+"), tenant_id=world.tenant.pk))


def test_good_rows_are_imported_and_bad_rows_reported_with_line_and_reason(world, admin):
    report = import_csv(
        world,
        admin,
        "phone,name,consent,scope,proof\n"
        "+49 151 23456789,Maria,opt_in,all,Signed up at the shop\n"
        "not a phone,Bad,,,\n"
        "+33 6 12 34 56 78,Jean,,,\n"
        "+34 612 345 678,Lucia,maybe,,\n"
        "+1 202 555 0143,Sam,opt_out,marketing,\n",
    )
    assert (report.rows, report.created, report.updated, report.consent_recorded) == (5, 3, 0, 2)
    assert [(row.line, row.code) for row in report.rejected] == [(3, "invalid_phone"), (5, "unknown_consent")]
    assert "“not a phone” is not a valid phone number" in report.rejected[0].reason
    assert "Unknown consent “maybe”" in report.rejected[1].reason
    assert Contact.objects.for_tenant(world.tenant).count() == 3
    maria = contact_by_phone(world, "+4915123456789")
    assert (maria.name, maria.wa_id) == ("Maria", "4915123456789")
    assert selectors.consent_state_of(tenant=world.tenant, contact=maria).opted_in is True
    sam = contact_by_phone(world, "+12025550143")
    assert selectors.consent_state_of(tenant=world.tenant, contact=sam).opted_out_marketing is True
    names = {contact.name for contact in Contact.objects.for_tenant(world.tenant)}  # encrypted: compared here
    assert not names & {"Bad", "Lucia"}


def test_imported_consent_names_its_source_actor_and_line(world, admin):
    import_csv(world, admin, "phone,consent,proof\n+4915123456789,opt_in,Paper form #12\n+33612345678,opt_out,\n")
    events = {e.contact.phone: e for e in ConsentEvent.objects.for_tenant(world.tenant).select_related("contact")}
    assert events["+4915123456789"].proof == "Paper form #12"
    assert events["+33612345678"].proof == "Line 3 of contacts.csv"
    assert {(e.source, e.actor_id, e.actor_label) for e in events.values()} == {
        ("import", world.admin.user.pk, world.admin.user.email)
    }


def test_the_import_is_audited_once_with_its_counts(world, admin):
    import_csv(world, admin, "phone\n+4915123456789\nnope\n", filename="spring.csv")
    entry = AuditLog.objects.for_tenant(world.tenant).get()
    assert (entry.action, entry.target_label) == ("contacts.imported", "spring.csv")
    assert entry.details == {"rows": 2, "created": 1, "updated": 0, "consent_recorded": 0, "rejected": 1}


def test_a_bom_and_semicolons_are_understood(world, admin):
    content = "\ufeffPhone;Name;Consent;Scope;Proof\r\n+49 151 23456789;Müller, Anna;OPT-IN;Marketing;Fair stand\r\n"
    report = import_csv(world, admin, content.encode("utf-8"))
    assert (report.created, report.consent_recorded, report.rejected) == (1, 1, ())
    anna = contact_by_phone(world, "+4915123456789")
    assert anna.name == "Müller, Anna"
    event = ConsentEvent.objects.for_tenant(world.tenant).get()
    assert (event.kind, event.scope) == ("opt_in", "marketing")


def test_quoted_cells_and_blank_lines_keep_their_line_numbers(world, admin):
    content = 'phone,name,proof,consent\n\n+4915123456789,"Lopez, Maria","Said yes\non the phone",opt_in\n+49 151\n'
    report = import_csv(world, admin, content)
    assert report.created == 1
    assert contact_by_phone(world, "+4915123456789").name == "Lopez, Maria"
    assert [(row.line, row.code) for row in report.rejected] == [(5, "invalid_phone")]


def test_existing_contacts_are_updated_and_empty_names_keep_theirs(world, admin):
    renamed = ContactFactory.create(tenant=world.tenant, wa_id="4915123456789", phone="+4915123456789", name="Old")
    kept = ContactFactory.create(tenant=world.tenant, wa_id="33612345678", phone="+33612345678", name="Jean")
    report = import_csv(world, admin, "phone,name\n+4915123456789,Maria\n+33612345678,\n+34612345678,Lucia\n")
    assert (report.created, report.updated) == (1, 2)
    renamed.refresh_from_db()
    kept.refresh_from_db()
    assert (renamed.name, kept.name) == ("Maria", "Jean")


def test_a_number_twice_in_the_file_is_reported_on_its_second_line(world, admin):
    report = import_csv(world, admin, "phone,name\n+4915123456789,Maria\n0049 151 23456789,Maria again\n")
    assert report.created == 1
    assert report.rejected == (
        RejectedRow(line=3, code="duplicate", reason="The number +4915123456789 is already on line 2."),
    )
    assert contact_by_phone(world, "+4915123456789").name == "Maria"


@pytest.mark.parametrize(
    ("row", "code", "says"),
    [
        (",Nobody,,,", "missing_phone", "The phone number is missing."),
        ("0151 23456789,,,,", "invalid_phone", "has no country code"),
        ("+4915123456789,,opt_in,,", "proof_required", "An opt-in needs proof"),
        ("+4915123456789,,opt_in,sms,Form", "unknown_scope", "Unknown scope “sms”"),
        ("+4915123456789,,yes,,", "unknown_consent", "write opt_in, opt_out or leave it empty"),
        ("+4915123456789," + "x" * 257 + ",,,", "name_too_long", "longer than 256 characters"),
        ("+4915123456789,Maria,,,,extra", "too_many_cells", "more cells than the header"),
    ],
)
def test_each_bad_row_gets_its_reason_and_changes_nothing(world, admin, row, code, says):
    report = import_csv(world, admin, f"phone,name,consent,scope,proof\n{row}\n")
    (rejected,) = report.rejected
    assert (rejected.line, rejected.code) == (2, code)
    assert says in rejected.reason
    assert (report.created, report.updated, report.consent_recorded) == (0, 0, 0)
    assert not Contact.objects.for_tenant(world.tenant).exists()
    assert not ConsentEvent.objects.for_tenant(world.tenant).exists()


def test_empty_trailing_cells_are_fine_and_unknown_columns_are_ignored(world, admin):
    report = import_csv(world, admin, "phone,name,city,\n+4915123456789,Maria,Berlin,,,\n")
    assert (report.created, report.rejected, report.ignored_columns) == (1, (), ("city",))


def test_a_header_with_no_rows_imports_nothing(world, admin):
    report = import_csv(world, admin, "phone,name\n")
    assert (report.rows, report.created, report.rejected) == (0, 0, ())


PDF = (
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"stream\n\x00\x01\x02\xff\nendstream\n"
)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (PDF, "not a CSV file (it holds binary data)"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data"),
        ("phone,name\n+4915123456789,Zoë\n".encode("latin-1"), "not UTF-8 text"),
        (b"", "The file is empty"),
        (b"\xef\xbb\xbf", "The file is empty"),
        (b"\n\n  \r\n", "The file is empty"),
        (b"name,email\nMaria,maria@example.com\n", "no “phone” column"),
        (b"+4915123456789,Maria\n", "no “phone” column"),
        (b"phone,name,phone\n+4915123456789,Maria,+4915123456789\n", "appears twice"),
        (b"phone\x07,name\n", "control characters"),
    ],
)
def test_a_file_that_is_not_a_csv_of_contacts_imports_nothing(world, admin, content, says):
    before = counts(world.tenant)
    with pytest.raises(ServiceError) as error:
        import_csv(world, admin, content)
    assert error.value.code == "not_csv"
    assert says in error.value.message
    assert counts(world.tenant) == before


def test_more_than_the_row_limit_imports_nothing_and_says_the_limit(world, admin, monkeypatch):
    monkeypatch.setattr(services, "MAX_IMPORT_ROWS", 3)
    rows = "".join(f"+49151234567{n:02d}\n" for n in range(4))
    before = counts(world.tenant)
    with pytest.raises(ServiceError) as error:
        import_csv(world, admin, "phone\n" + rows)
    assert error.value.code == "too_many_rows"
    assert "more than 3 rows" in error.value.message
    assert counts(world.tenant) == before
    assert import_csv(world, admin, "phone\n\n" + rows[: rows.rindex("+")]).created == 3


def test_the_row_limit_is_ten_thousand(world, admin):
    with pytest.raises(ServiceError, match="more than 10,000 rows"):
        import_csv(world, admin, "phone\n" + "+4915123456789\n" * 10_001)


def test_a_file_too_large_imports_nothing(world, admin):
    with pytest.raises(ServiceError) as error:
        import_csv(world, admin, b"phone\n" + b"+4915123456789\n" * 400_000)
    assert error.value.code == "file_too_large"
    assert not Contact.objects.for_tenant(world.tenant).exists()


def test_agents_cannot_import(world, agent):
    with pytest.raises(PermissionDeniedError):
        import_csv(world, agent, "phone\n+4915123456789\n")
    assert not Contact.objects.for_tenant(world.tenant).exists()


def test_the_file_name_is_kept_without_its_path(world, admin):
    report = import_csv(world, admin, "phone\n", filename="C:\\Users\\me\\Desktop\\march.csv")
    assert report.filename == "march.csv"
