"""A number's business profile: read from Meta, changed (checked first, then sent to Meta, then
kept), and its photo (checked by content, uploaded through the Resumable Upload API, then set)."""

from __future__ import annotations

import io
import warnings

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from accounts.errors import ConflictError, ServiceError
from accounts.models import Role
from accounts.services import Actor, audit_record, require_role
from whatsapp.client import BusinessProfileInfo, GraphAPIError, PhoneNumberInfo
from whatsapp.media_rules import sniffed_mime_type
from whatsapp.models import BusinessProfile, WhatsAppNumber
from whatsapp.profile_rules import PHOTO_TYPES, ProfileFields, photo_size_problem, profile_problems


def business_profile_of(number: WhatsAppNumber) -> BusinessProfile:
    """The number's stored profile (without the photo's bytes); an empty one (not saved) until it
    was first synced or changed."""
    profile = BusinessProfile.objects.for_tenant(number.tenant_id).filter(number=number).defer("photo").first()
    return profile if profile is not None else BusinessProfile(tenant_id=number.tenant_id, number=number)


def business_profile_photo(number: WhatsAppNumber) -> tuple[bytes, str] | None:
    """Our copy of the number's profile photo and its MIME type, if one was set through the product."""
    row = (
        BusinessProfile.objects.for_tenant(number.tenant_id)
        .filter(number=number)
        .values_list("photo", "photo_mime_type")
        .first()
    )
    if row is None or row[0] is None:
        return None
    return bytes(row[0]), row[1]


def _meta_error(error: GraphAPIError) -> ServiceError:
    """Meta's refusal in a sentence; its own details where it gave some (they name the field)."""
    message = error.human_message
    if error.code == 100 and error.details:
        message = _("WhatsApp refused the profile: %(details)s") % {"details": error.details}
    return ServiceError(message, code="meta_refused", http_status=502 if error.retryable else 400)


def _store(profile: BusinessProfile, info: BusinessProfileInfo, number_info: PhoneNumberInfo | None) -> None:
    profile.about = info.about
    profile.address = info.address
    profile.description = info.description
    profile.email = info.email
    profile.websites = list(info.websites)
    profile.vertical = info.vertical
    profile.profile_picture_url = info.profile_picture_url
    if number_info is not None:
        profile.verified_name = number_info.verified_name
        profile.oba_status = number_info.oba_status
    profile.synced_at = profile.updated_at = timezone.now()
    profile.save()


def business_profile_sync(*, number: WhatsAppNumber, actor: Actor) -> BusinessProfile:
    """Read the profile and the number's details from Meta and keep them."""
    require_role(actor, Role.ADMIN)
    with number.graph_client() as client:
        try:
            info = client.get_business_profile(number.phone_number_id)
            number_info = client.get_phone_number(number.phone_number_id)
        except GraphAPIError as error:
            raise _meta_error(error) from error
    profile = business_profile_of(number)
    _store(profile, info, number_info)
    return profile


def business_profile_update(*, number: WhatsAppNumber, actor: Actor, fields: ProfileFields) -> BusinessProfile:
    """Check the fields against Meta's rules, send them to Meta, and keep what Meta then answers.

    Nothing changes, here or at Meta, when a field breaks a rule (ServiceError `profile_invalid`
    with each field's problem in `details`) or Meta refuses.
    """
    require_role(actor, Role.ADMIN)
    problems = profile_problems(fields)
    if problems:
        raise ServiceError(
            _("The profile breaks WhatsApp's rules: %(problems)s")
            % {"problems": " ".join(f"{name}: {problem}" for name, problem in problems.items())},
            code="profile_invalid",
            details=problems,
        )
    body: dict[str, object] = {
        "address": fields.address,
        "description": fields.description,
        "email": fields.email,
        "websites": list(fields.websites),
    }
    # Meta keeps an `about` once set (1–139 characters), and an unchosen category.
    if fields.about.strip():
        body["about"] = fields.about
    if fields.vertical:
        body["vertical"] = fields.vertical
    with number.graph_client() as client:
        try:
            client.update_business_profile(number.phone_number_id, body)
            info = client.get_business_profile(number.phone_number_id)
        except GraphAPIError as error:
            raise _meta_error(error) from error
    profile = business_profile_of(number)
    _store(profile, info, None)
    audit_record(actor=actor, action="whatsapp_profile.changed", target=number, details={"fields": sorted(body)})
    return profile


def _photo_type(data: bytes) -> str:
    """The photo's MIME type once its content is known to be a JPEG or PNG WhatsApp takes."""
    mime_type = sniffed_mime_type(data)
    if mime_type not in PHOTO_TYPES:
        raise ServiceError(_("The photo must be a JPEG or PNG image."), code="photo_invalid")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise ServiceError(_("The photo could not be read: the image file is damaged."), code="photo_invalid") from None
    problem = photo_size_problem(byte_count=len(data), width=width, height=height)
    if problem:
        raise ServiceError(problem, code="photo_invalid")
    assert mime_type is not None
    return mime_type


def business_profile_photo_set(*, number: WhatsAppNumber, actor: Actor, data: bytes) -> BusinessProfile:
    """Check the photo, upload it (Resumable Upload API, app-wide WHATSAPP_APP_ID), set it as the
    profile photo, and keep our copy for the preview."""
    require_role(actor, Role.ADMIN)
    mime_type = _photo_type(data)
    if not settings.WHATSAPP_APP_ID:
        raise ConflictError(
            _("Photos can't be uploaded: the product's Meta app id (WHATSAPP_APP_ID) is not configured."),
            code="app_id_missing",
        )
    extension = "png" if mime_type == "image/png" else "jpg"
    with number.graph_client() as client:
        try:
            handle = client.upload_resumable(
                settings.WHATSAPP_APP_ID, data=data, file_name=f"profile.{extension}", mime_type=mime_type
            )
            client.update_business_profile(number.phone_number_id, {"profile_picture_handle": handle})
            info = client.get_business_profile(number.phone_number_id)
        except GraphAPIError as error:
            raise _meta_error(error) from error
    profile = business_profile_of(number)
    profile.photo = data
    profile.photo_mime_type = mime_type
    _store(profile, info, None)
    audit_record(actor=actor, action="whatsapp_profile.photo_changed", target=number)
    return profile
