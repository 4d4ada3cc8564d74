"""What the simulator remembers of each business number beyond messaging: its business profile
(§7) and what Graph tells of the number itself (verified name, quality, official business
account). Plain data, kept by SimulatorState."""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field


@dataclass
class BusinessProfileRecord:
    about: str = ""
    address: str = ""
    description: str = ""
    email: str = ""
    websites: list[str] = field(default_factory=list)
    vertical: str = "UNDEFINED"
    # The uploaded photo's bytes and type, served at its profile_picture_url.
    picture: bytes = field(default=b"", repr=False)
    picture_type: str = ""


@dataclass
class PhoneNumberRecord:
    # "Test Number" is what Meta names the test numbers it hands out.
    verified_name: str = "Test Number"
    name_status: str = "APPROVED"
    quality_rating: str = "GREEN"
    oba_status: str = "NOT_STARTED"
    # A new business portfolio's limit (whatsapp-cloud-api.md §8, from October 2025).
    messaging_limit: str = "TIER_250"


class BusinessProfileStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._profiles: dict[str, BusinessProfileRecord] = {}
        self._numbers: dict[str, PhoneNumberRecord] = {}

    def profile(self, phone_number_id: str) -> BusinessProfileRecord:
        with self._lock:
            return copy.deepcopy(self._profiles.get(phone_number_id, BusinessProfileRecord()))

    def save_profile(self, phone_number_id: str, profile: BusinessProfileRecord) -> None:
        with self._lock:
            self._profiles[phone_number_id] = copy.deepcopy(profile)

    def number(self, phone_number_id: str) -> PhoneNumberRecord:
        with self._lock:
            return copy.copy(self._numbers.get(phone_number_id, PhoneNumberRecord()))

    def save_number(self, phone_number_id: str, record: PhoneNumberRecord) -> None:
        with self._lock:
            self._numbers[phone_number_id] = copy.copy(record)
