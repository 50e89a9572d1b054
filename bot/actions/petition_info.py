"""«Bổ sung PA-XXXXXX …»: the citizen answers an officer's request for information from any chat
channel, with text, a photo (its caption carries the code) or both.

The code is read from the text itself, with or without diacritics around it. Codes are public, so
only the chat that filed the petition (or the community helper who filed it in assisted mode) may
add to it; anyone else is told the same thing whether the code exists or not. The feedback service
then checks, through the lifecycle table, that the petition is waiting for information.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.petition import channel_of, chat_identity
from bot.actions.services import feedback_service, uploads_dir
from feedback.service import FeedbackError, FeedbackService, NotFound, NotTheFiler, Photo
from nlu.text import clean, fold

log = logging.getLogger(__name__)

# On the folded, lower-case text: "PA-7K3Q9M", "pa 7k3q9m", "PA7K3Q9M".
_CODE = re.compile(r"(?<![0-9a-z])pa[-_. ]?[0-9a-z]{6}(?![0-9a-z])")
# The command words before the information itself: "tôi xin bổ sung thông tin cho phản ánh mã …".
_LEAD = re.compile(
    r"^\W*(?:(?:toi|em|minh|xin|muon|gui)\s+)*bo\s*sung(?![0-9a-z])"
    r"(?:\s+(?:them|thong tin|noi dung|cho|phan anh|kien nghi|ma)(?![0-9a-z]))*[\W_]*"
)
# The words that tie information to a code at its end: "số nhà 12 cho phản ánh PA-…".
_TAIL = re.compile(r"(?:\s+(?:cho|cua|vao|phan anh|kien nghi|ma)(?![0-9a-z]))+[\W_]*$")


@dataclass(frozen=True)
class InfoMessage:
    """A «bổ sung» message taken apart: the code as typed (None when absent) and the information."""

    code: str | None
    text: str


def _fold_each(text: str) -> str:
    """Lower case without diacritics, one character for one, so positions map back to the text."""
    out = []
    for char in text:
        folded = fold(char).lower()
        out.append(folded if len(folded) == 1 else "?")
    return "".join(out)


def parse_info_message(message: str) -> InfoMessage:
    """``"Bổ sung PA-7K3Q9M: đoạn gần nhà văn hóa"`` → code ``PA-7K3Q9M``, text ``đoạn gần nhà văn hóa``."""
    text = clean(message or "")
    code = None
    found = _CODE.search(_fold_each(text))
    if found:
        code = text[found.start():found.end()]
        before, after = text[:found.start()], text[found.end():]
        tail = _TAIL.search(_fold_each(before)) if not after.strip(" :;,.-–—") else None
        text = f"{before[:tail.start()] if tail else before} {after}"
    lead = _LEAD.match(_fold_each(text))
    if lead:
        text = text[lead.end():]
    return InfoMessage(code, clean(text).strip(" :;,.-–—"))


def photo_from(metadata: dict[str, Any], uploads: Path) -> Photo | None:
    """The photo a channel downloaded for this message, if it names one of our uploads.

    Only files under the uploads folder are read: the path arrives in the message metadata, which
    must never let a message make the action read any other file."""
    image = metadata.get("image")
    if not isinstance(image, dict) or not isinstance(image.get("path"), str):
        return None
    root = uploads.resolve()
    path = Path(image["path"]).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        log.warning("photo outside the uploads folder ignored")
        return None
    # The service refuses what is not a photo, with a message the citizen can act on.
    return Photo(path.name, str(image.get("content_type") or "image/jpeg"), path.read_bytes())


class ActionAddPetitionInfo(Action):
    """Adds the citizen's answer to the petition and says what happens next."""

    def __init__(self, service: Callable[[], FeedbackService] = feedback_service,
                 uploads: Callable[[], Path] = uploads_dir) -> None:
        self._service = service
        self._uploads = uploads

    def name(self) -> str:
        return "action_add_petition_info"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[EventType]:
        message = parse_info_message(tracker.latest_message.get("text") or "")
        code = message.code or next(tracker.get_latest_entity_values("tracking_code"), None)
        if not code:
            dispatcher.utter_message(response="utter_ask_info_code")
            return []
        metadata = tracker.latest_message.get("metadata") or {}
        photo = photo_from(metadata, self._uploads())
        sent_photo = isinstance(metadata.get("image"), dict)
        service = self._service()
        writer = chat_identity(tracker)
        try:
            status = service.status_for_filer(code, writer)
            if status.duplicate_of:
                dispatcher.utter_message(response="utter_info_not_awaited_merged", code=status.code,
                                         original=status.duplicate_of)
                return [SlotSet("tracking_code", status.code)]
            if not status.can_add_info:
                dispatcher.utter_message(response="utter_info_not_awaited", code=status.code,
                                         status=status.status_label.lower())
                return [SlotSet("tracking_code", status.code)]
            if not message.text and photo is None:
                dispatcher.utter_message(response="utter_info_photo_missing" if sent_photo
                                         else "utter_info_empty", code=status.code)
                return [SlotSet("tracking_code", status.code)]
            status = service.citizen_add_info(status.code, message.text, photo,
                                              channel=channel_of(tracker), chat=writer)
        except NotTheFiler:  # or no such petition: the reply must not tell which
            dispatcher.utter_message(response="utter_info_not_yours")
            return []
        except NotFound:
            dispatcher.utter_message(response="utter_info_unknown_code")
            return []
        except FeedbackError as error:  # too long, a photo too big: the service says what to fix
            dispatcher.utter_message(text=str(error))
            return []
        except Exception:  # the database is down: never pretend it was received
            log.exception("added information could not be stored")
            dispatcher.utter_message(response="utter_info_not_saved")
            return []
        dispatcher.utter_message(response="utter_info_added_photo" if photo else "utter_info_added",
                                 code=status.code, unit=status.unit_name,
                                 due=f"{status.expected_answer_date:%d/%m/%Y}")
        if sent_photo and photo is None:
            dispatcher.utter_message(response="utter_info_photo_missing", code=status.code)
        return [SlotSet("tracking_code", status.code)]
