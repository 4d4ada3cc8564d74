"""Envelope encryption: values bound to their tenant and column, master key rotation, shredding,
the data migrations' encryption of rows written before, and the keyed-hash search index."""

from __future__ import annotations

import base64
import hashlib
import os

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.apps import apps
from django.core.management import call_command
from django.db import connection, transaction

from accounts.crypto import DecryptionError, decrypt, encrypt, index, keys
from accounts.crypto.fields import EncryptedValueLookup
from accounts.crypto.media import media_encrypt_in_place, media_read, media_save
from accounts.crypto.migration import encrypt_rows
from accounts.models import Tenant, TenantDataKey
from accounts.services import tenant_shred
from accounts.tenancy import TenantScopeError, tenant_scope
from inbox.models import Attachment, Contact, Message
from tests.inbox.factories import AttachmentFactory, ContactFactory, MessageFactory
from tests.whatsapp import payloads
from tests.whatsapp.conftest import connect_number, post_webhook
from whatsapp.models import WebhookEvent, WhatsAppNumber
from whatsapp.services import ingest

pytestmark = pytest.mark.django_db


def raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "{column}"::text FROM "{table}" WHERE id = %s', [pk])  # noqa: S608 (test's own names)
        return cursor.fetchone()[0]


def write_raw(table: str, column: str, pk: int, value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'UPDATE "{table}" SET "{column}" = %s WHERE id = %s', [value, pk])  # noqa: S608


def master_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def test_a_value_is_stored_encrypted_and_read_back(world):
    message = MessageFactory.create(conversation__channel__tenant=world.tenant, text="Die Quittung, bitte")
    stored = raw("inbox_message", "text", message.pk)
    assert stored.startswith("e1:")
    assert "Quittung" not in stored
    with tenant_scope(world.tenant):
        assert Message.objects.get(pk=message.pk).text == "Die Quittung, bitte"


def test_each_encryption_differs_and_empty_stays_empty(world):
    first = encrypt("same", tenant_id=world.tenant.pk, purpose="x")
    assert first != encrypt("same", tenant_id=world.tenant.pk, purpose="x")
    message = MessageFactory.create(conversation__channel__tenant=world.tenant, text="")
    assert raw("inbox_message", "text", message.pk) == ""


def test_a_ciphertext_copied_into_another_tenants_row_is_never_shown_there(world, other_tenant):
    mine = ContactFactory.create(tenant=world.tenant, name="Anna Secret")
    theirs = ContactFactory.create(tenant=other_tenant.tenant, name="Bob")
    write_raw("inbox_contact", "name", theirs.pk, raw("inbox_contact", "name", mine.pk))
    with tenant_scope(other_tenant.tenant), pytest.raises(DecryptionError):
        Contact.objects.get(pk=theirs.pk)


def test_a_ciphertext_moved_to_another_column_does_not_authenticate(world):
    contact = ContactFactory.create(tenant=world.tenant, name="Anna", profile_name="A")
    write_raw("inbox_contact", "profile_name", contact.pk, raw("inbox_contact", "name", contact.pk))
    with tenant_scope(world.tenant), pytest.raises(DecryptionError):
        Contact.objects.get(pk=contact.pk)


def test_a_tampered_ciphertext_does_not_authenticate(world):
    stored = encrypt("pay 10 EUR", tenant_id=world.tenant.pk, purpose="inbox.Message.text")
    blob = bytearray(base64.b64decode(stored[3:]))
    blob[-1] ^= 1
    with pytest.raises(DecryptionError):
        decrypt("e1:" + base64.b64encode(bytes(blob)).decode(), purpose="inbox.Message.text")


def test_each_tenant_has_its_own_wrapped_key(world, other_tenant):
    rows = TenantDataKey.objects.filter(tenant__in=[world.tenant, other_tenant.tenant])
    assert rows.count() == 2
    assert len({bytes(row.wrapped) for row in rows}) == 2
    assert {row.master_key_id for row in rows} == {keys.current_master_key_id()}


def test_comparing_an_encrypted_column_with_a_value_is_refused(world):
    # It could never match (each encryption differs): an error, not a silently empty result.
    with pytest.raises(EncryptedValueLookup):
        list(Contact.objects.for_tenant(world.tenant).filter(name="Anna"))
    with pytest.raises(EncryptedValueLookup):
        list(Contact.objects.for_tenant(world.tenant).filter(name__icontains="Anna"))
    assert list(Contact.objects.for_tenant(world.tenant).filter(name="")) == []


def test_writing_an_encrypted_column_without_its_row_needs_a_tenant_scope(world):
    contact = ContactFactory.create(tenant=world.tenant, name="Anna")
    with pytest.raises(TenantScopeError), transaction.atomic():
        Contact.objects.for_tenant(world.tenant).filter(pk=contact.pk).update(name="Berta")
    with tenant_scope(world.tenant):
        Contact.objects.filter(pk=contact.pk).update(name="Berta")
        assert Contact.objects.get(pk=contact.pk).name == "Berta"


def test_a_cold_process_reads_a_tenants_key_once(world, django_assert_num_queries):
    messages = [MessageFactory.create(conversation__channel__tenant=world.tenant) for _ in range(5)]
    keys.forget_cached_keys()
    with tenant_scope(world.tenant), django_assert_num_queries(2):  # the messages, then the key
        assert len([m.text for m in Message.objects.filter(pk__in=[m.pk for m in messages])]) == 5


def test_rotation_rewraps_every_key_and_everything_stays_readable(world, other_tenant, settings):
    old, new = master_key(), master_key()
    settings.ENCRYPTION_MASTER_KEYS = f"old:{old}"
    TenantDataKey.objects.all().delete()  # the test's keys, made with the default master key
    keys.forget_cached_keys()
    contact = ContactFactory.create(tenant=world.tenant, name="Anna Rotation")
    theirs = ContactFactory.create(tenant=other_tenant.tenant, name="Bob Rotation")
    stored = raw("inbox_contact", "name", contact.pk)
    assert set(TenantDataKey.objects.values_list("master_key_id", flat=True)) == {"old"}

    settings.ENCRYPTION_MASTER_KEYS = f"new:{new},old:{old}"
    call_command("rotate_master_key", "--batch-size", "1", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert set(TenantDataKey.objects.values_list("master_key_id", flat=True)) == {"new"}
    assert keys.rewrap_all() == 0  # resumable: what is done is skipped
    assert raw("inbox_contact", "name", contact.pk) == stored  # data rows untouched

    settings.ENCRYPTION_MASTER_KEYS = f"new:{new}"  # the old master key is gone
    keys.forget_cached_keys()
    assert Contact.objects.for_tenant(world.tenant).get(pk=contact.pk).name == "Anna Rotation"
    assert Contact.objects.for_tenant(other_tenant.tenant).get(pk=theirs.pk).name == "Bob Rotation"


def test_a_shredded_tenants_leftover_ciphertext_can_not_be_decrypted(
    world, other_tenant, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    message = MessageFactory.create(conversation__channel__tenant=world.tenant, text="Shred me")
    attachment = AttachmentFactory.create(message=message, ready=True)
    file_path = attachment.file.path
    leftover = raw("inbox_message", "text", message.pk)  # as a backup would have kept it
    kept = MessageFactory.create(conversation__channel__tenant=other_tenant.tenant, text="Keep me")

    with django_capture_on_commit_callbacks(execute=True):
        assert tenant_shred(tenant=world.tenant) == 1
    assert not os.path.exists(file_path)
    assert not Tenant.objects.filter(pk=world.tenant.pk).exists()
    assert not TenantDataKey.objects.filter(tenant_id=world.tenant.pk).exists()
    assert not Attachment.objects.unscoped().filter(pk=attachment.pk).exists()
    with pytest.raises(DecryptionError):
        decrypt(leftover, purpose="inbox.Message.text")
    assert Message.objects.for_tenant(other_tenant.tenant).get(pk=kept.pk).text == "Keep me"


def test_shred_command_needs_confirmation(world):
    with pytest.raises(Exception, match="--yes"):
        call_command("shred_tenant", world.tenant.slug)
    assert Tenant.objects.filter(pk=world.tenant.pk).exists()


def test_a_tenant_can_not_be_deleted_before_its_keys(world):
    # The key's PROTECT: deleting a tenant any other way than by shredding fails.
    with pytest.raises(Exception, match="protected"):
        Tenant.objects.filter(pk=world.tenant.pk).delete()


def test_the_data_migration_encrypts_rows_written_before(world, settings):
    contact = ContactFactory.create(tenant=world.tenant)
    message = MessageFactory.create(conversation__channel__tenant=world.tenant)
    write_raw("inbox_message", "text", message.pk, "Früher geschrieben")
    write_raw("inbox_contact", "name", contact.pk, "Old Name")
    number = connect_number(world)
    legacy_key = hashlib.sha256(b"field-encryption:" + settings.SECRET_KEY.encode()).digest()
    nonce = os.urandom(12)
    legacy = "v1:" + base64.b64encode(nonce + AESGCM(legacy_key).encrypt(nonce, b"old-token", b"v1:")).decode()
    write_raw("whatsapp_whatsappnumber", "access_token", number.pk, legacy)

    encrypt_rows(apps, "inbox.Message", ["text"])
    encrypt_rows(apps, "inbox.Contact", ["name"])
    encrypt_rows(apps, "whatsapp.WhatsAppNumber", ["access_token"], legacy=["access_token"])

    assert raw("inbox_message", "text", message.pk).startswith("e1:")
    assert raw("inbox_contact", "name", contact.pk).startswith("e1:")
    assert raw("whatsapp_whatsappnumber", "access_token", number.pk).startswith("e1:")
    with tenant_scope(world.tenant):
        assert Message.objects.get(pk=message.pk).text == "Früher geschrieben"
        assert WhatsAppNumber.objects.get(pk=number.pk).access_token == "old-token"
        token = index.word_token(tenant_id=world.tenant.pk, word="fruh")
        assert Message.objects.filter(search_index__contains=[token]).get().pk == message.pk
        assert Contact.objects.get(pk=contact.pk).name == "Old Name"


@pytest.mark.parametrize(
    ("text", "word", "found"),
    [
        ("Müller", "mul", True),
        ("Straße", "strasse", True),
        ("Łódź", "lodz", True),
        ("Zoë", "zo", True),
        ("Anna", "nna", False),  # from a word's start only
        ("Kaffeemühlenreparaturwerkstatt", "kaffeemuhlenreparaturwerk", True),  # cut to MAX_PREFIX
        ("Kaffee", "kaffeemuhle", False),
    ],
)
def test_the_index_has_each_words_folded_prefixes(world, text, word, found):
    tokens = index.document_tokens(tenant_id=world.tenant.pk, text=text)
    assert (index.word_token(tenant_id=world.tenant.pk, word=word) in tokens) is found


def test_the_index_has_phone_digit_runs_and_is_keyed_per_tenant(world, other_tenant):
    tokens = index.document_tokens(tenant_id=world.tenant.pk, text="", phones=["+49 151 2345"])
    assert index.digits_token(tenant_id=world.tenant.pk, digits="5123") in tokens
    assert index.digits_token(tenant_id=world.tenant.pk, digits="4915") in tokens
    assert index.digits_token(tenant_id=world.tenant.pk, digits="4912") not in tokens
    theirs = index.document_tokens(tenant_id=other_tenant.tenant.pk, text="", phones=["+49 151 2345"])
    assert not set(tokens) & set(theirs)


def test_a_stored_file_is_encrypted_and_read_back_through_one_function(world, other_tenant, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    name = media_save("attachments/x/photo.jpg", b"\xff\xd8 a secret photo", tenant_id=world.tenant.pk)
    assert b"secret photo" not in (tmp_path / name).read_bytes()
    assert media_read(name) == b"\xff\xd8 a secret photo"
    with tenant_scope(other_tenant.tenant), pytest.raises(DecryptionError):
        media_read(name)
    keys.destroy_tenant_keys(tenant_id=world.tenant.pk)
    with pytest.raises(DecryptionError):
        media_read(name)


def test_a_file_stored_before_encryption_is_encrypted_in_place(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "old.pdf").write_bytes(b"%PDF old file")
    assert media_read("old.pdf") == b"%PDF old file"
    assert media_encrypt_in_place("old.pdf", tenant_id=world.tenant.pk)
    assert b"old file" not in (tmp_path / "old.pdf").read_bytes()
    assert media_read("old.pdf") == b"%PDF old file"
    assert not media_encrypt_in_place("old.pdf", tenant_id=world.tenant.pk)


def test_a_processed_webhook_body_is_shredded_with_its_tenant(world, django_capture_on_commit_callbacks):
    connect_number(world)
    message = {"from": payloads.CUSTOMER_WA_ID, "id": payloads.make_wamid(), "timestamp": "1764000000",
               "type": "text", "text": {"body": "Meine Adresse ist Hauptstraße 5"}}  # fmt: skip
    assert post_webhook(payloads.to_bytes(payloads.envelope(messages=[message]))).status_code == 200
    ingest.drain()
    event = WebhookEvent.objects.get()
    assert "Meine Adresse" in event.body  # still readable for re-drives
    with django_capture_on_commit_callbacks(execute=True):
        tenant_shred(tenant=world.tenant)
    with pytest.raises(DecryptionError):
        WebhookEvent.objects.get(pk=event.pk)
