"""Petitions (phản ánh, kiến nghị) from the chat: a form, then filing — persisted before the bot
says "received" — and status look-ups by tracking code.

Complaints and denunciations (khiếu nại, tố cáo) follow their own laws: they are not filed here;
the citizen is told so and pointed to the right procedure.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.services import feedback_service
from feedback.receipts import ChatIdentity, shown
from feedback.scope import Scope, classify_scope
from feedback.service import CHANNELS, Contact, FeedbackError, FeedbackService, PetitionInput
from feedback.validation import MAX_LOCATION_CHARS, description_problem
from nlu.normalize import folded
from nlu.text import clean, stop_syllables

log = logging.getLogger(__name__)

PHONE = re.compile(r"(?:\+?84|0)(?:[\s.-]?\d){9}\b")
ANONYMOUS_WORDS = {"khong", "ko", "k", "an danh", "khong can", "khong muon", "gui an danh"}
PUSH_CHANNELS = ("telegram", "zalo", "web")  # where the outbox can tell the citizen later
NOT_FILED = "-"  # form slots filled with this when the request must not become a petition
PETITION_SLOTS = ("petition_description", "petition_location", "petition_contact")


def channel_of(tracker: Tracker) -> str:
    """The platform the citizen writes from (our channels put it in the message metadata)."""
    metadata = tracker.latest_message.get("metadata") or {}
    channel = str(metadata.get("channel") or "")
    return channel if channel in CHANNELS else "chat"


def _address(tracker: Tracker) -> str:
    """The citizen's id on their platform (channels send it as metadata "address")."""
    metadata = tracker.latest_message.get("metadata") or {}
    return str(metadata.get("address") or tracker.sender_id)


def _assisted(tracker: Tracker) -> bool:
    """A community helper is holding this conversation for a citizen (bot/channels/assisted.py)."""
    return bool((tracker.latest_message.get("metadata") or {}).get("assisted"))


def chat_identity(tracker: Tracker) -> ChatIdentity:
    """Who writes: their chat, and the helper holding it in assisted mode. Our channels set this
    metadata themselves (Rasa is reachable from the host only), so a message cannot claim it."""
    assisted = (tracker.latest_message.get("metadata") or {}).get("assisted")
    helper = assisted.get("helper_id") if isinstance(assisted, dict) else None
    return ChatIdentity(channel_of(tracker), _address(tracker), str(helper) if helper else None)


GENERIC_OPENING = stop_syllables("opening")


def _says_what_happened(text: str) -> bool:
    """True when the opening message already describes the problem, not just "tôi muốn phản ánh"."""
    words = re.findall(r"\w+", folded(text))
    return sum(w not in GENERIC_OPENING for w in words) >= 3


class ValidatePetitionForm(FormValidationAction):
    def name(self) -> str:
        return "validate_petition_form"

    async def extract_petition_description(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Keep the opening message as the description when it already tells what happened."""
        opening = tracker.get_slot("requested_slot") is None and tracker.get_intent_of_latest_message() == "file_petition"
        text = tracker.latest_message.get("text") or ""
        return {"petition_description": text} if opening and _says_what_happened(text) else {}

    def validate_petition_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = clean(str(value or ""))
        problem = description_problem(text)  # the service files by the same rule
        if problem:
            dispatcher.utter_message(text=problem)
            return {"petition_description": None}
        if classify_scope(text).scope is not Scope.PETITION:
            # Not a petition: end the form at once; action_file_petition explains what to do.
            return {"petition_description": text, "petition_location": NOT_FILED, "petition_contact": NOT_FILED}
        return {"petition_description": text}

    def validate_petition_location(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = clean(str(value or ""))
        if len(text) < 3:
            dispatcher.utter_message(response="utter_petition_location_too_short")
            return {"petition_location": None}
        return {"petition_location": text[:MAX_LOCATION_CHARS]}

    def validate_petition_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = clean(str(value or ""))
        if folded(text) in ANONYMOUS_WORDS or PHONE.search(text):
            return {"petition_contact": text}
        dispatcher.utter_message(response="utter_petition_phone_invalid")
        return {"petition_contact": None}


class ActionFilePetition(Action):
    """Store the petition, then give the tracking code, the receipt key and the answer date."""

    def __init__(self, service: Callable[[], FeedbackService] = feedback_service) -> None:
        self._service = service

    def name(self) -> str:
        return "action_file_petition"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        reset = [SlotSet(slot, None) for slot in PETITION_SLOTS]
        description = tracker.get_slot("petition_description") or ""
        scope = classify_scope(description)
        if scope.scope is not Scope.PETITION:
            dispatcher.utter_message(text=scope.guidance or "")
            return reset
        phone_match = PHONE.search(tracker.get_slot("petition_contact") or "")
        channel = channel_of(tracker)
        # Only messaging platforms can carry a status notification to the citizen later, and not
        # the chat of a community helper filing for them (assisted mode): their phone (ZNS) can.
        notify = channel in PUSH_CHANNELS and not _assisted(tracker)
        contact = Contact(
            consent=phone_match is not None,
            phone=re.sub(r"[\s.-]", "", phone_match.group(0)) if phone_match else None,
            notify_channel=channel if notify else None,
            notify_address=_address(tracker) if notify else None,
        )
        try:
            filed = self._service().file_petition(
                PetitionInput(
                    description=description,
                    location_text=tracker.get_slot("petition_location") or "",
                    channel=channel,
                    contact=contact,
                    filed_from=chat_identity(tracker),  # it alone may add information later
                )
            )
        except FeedbackError as error:
            dispatcher.utter_message(text=str(error))
            return reset
        except Exception:  # the database is down: never pretend it was received
            log.exception("petition could not be stored")
            dispatcher.utter_message(response="utter_petition_not_saved")
            return []
        # The receipt key is shown here once and nowhere else: it is not kept in a slot.
        dispatcher.utter_message(
            response="utter_petition_filed_duplicate" if filed.duplicate_of else "utter_petition_filed",
            code=filed.code, unit=filed.unit_name, due=f"{filed.expected_answer_date:%d/%m/%Y}",
            key=shown(filed.receipt_key), original=filed.duplicate_of or "",
        )
        return [*reset, SlotSet("tracking_code", filed.code)]


class ActionTrackPetition(Action):
    """Current status and answer of a petition, by its tracking code."""

    def name(self) -> str:
        return "action_track_petition"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        code = next(tracker.get_latest_entity_values("tracking_code"), None) or tracker.get_slot("tracking_code")
        if not code:
            dispatcher.utter_message(response="utter_ask_tracking_code")
            return []
        try:
            status = feedback_service().lookup(code.upper().replace("PA", "PA-", 1).replace("PA--", "PA-"))
        except FeedbackError as error:
            dispatcher.utter_message(text=str(error))
            return []
        lines = [
            f"Phản ánh {status.code}: {status.status_label}.",
            f"Đơn vị xử lý: {status.unit_name}. Hạn trả lời: {status.expected_answer_date:%d/%m/%Y}.",
        ]
        if status.answer:
            lines.append(f"Trả lời: {status.answer}")
        if status.can_add_info:
            lines.append(f"Cơ quan cần bổ sung: {status.status_note or 'thông tin về sự việc'}")
            lines.append(f"Người gửi phản ánh nhắn «Bổ sung {status.code}» kèm nội dung trong cuộc trò "
                         f"chuyện đã gửi (có ảnh thì gửi ảnh với chú thích «Bổ sung {status.code}»), "
                         "hoặc bổ sung trên trang tra cứu với mã bí mật trên biên nhận.")
        elif status.status_note:
            lines.append(f"Ghi chú: {status.status_note}")
        buttons = []
        if status.can_give_feedback:
            lines.append("Câu trả lời đã giải quyết được việc của bạn chưa?")
            buttons = [
                {"title": "Đã giải quyết", "payload": "/petition_satisfied"},
                {"title": "Chưa, mở lại", "payload": "/petition_unsatisfied"},
            ]
        dispatcher.utter_message(text="\n".join(lines), buttons=buttons)
        return [SlotSet("tracking_code", status.code)]


class ActionPetitionFeedback(Action):
    """The citizen says whether the answer solved it; "no" reopens the petition (once). Only the
    chat that filed it may (the service refuses any other)."""

    def __init__(self, service: Callable[[], FeedbackService] = feedback_service) -> None:
        self._service = service

    def name(self) -> str:
        return "action_petition_feedback"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        code = tracker.get_slot("tracking_code")
        if not code:
            dispatcher.utter_message(response="utter_ask_tracking_code")
            return []
        satisfied = tracker.get_intent_of_latest_message() == "petition_satisfied"
        try:
            status = self._service().citizen_feedback(code, satisfied, chat_identity(tracker))
        except FeedbackError as error:
            dispatcher.utter_message(text=str(error))
            return []
        if satisfied:
            dispatcher.utter_message(response="utter_petition_thanks")
        else:
            dispatcher.utter_message(response="utter_petition_reopened", code=status.code)
        return []
