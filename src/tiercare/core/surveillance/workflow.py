"""The signal workflow of the county CDC (预警信号响应流程), as a transitions table.

A signal raised by a detector is verified by the CDC (CIDARS: a county CDC checks a
signal within hours, by phone or field investigation, and records whether it is a real
outbreak; Yang W et al. 2011, Western Pac Surveill Response J 2(1):10-15):

    new -> under_verification -> confirmed | false_alarm -> closed

Every step is an :class:`Event` with who, when and a note; ``now`` is an argument (the
core never reads the clock). Storage of signals and events is the store's job; this
module only says which steps are allowed and what state they lead to.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from tiercare.core.errors import Conflict, InvalidInput


class SignalState(StrEnum):
    NEW = "new"  # 新信号
    UNDER_VERIFICATION = "under_verification"  # 核实中
    CONFIRMED = "confirmed"  # 确认暴发
    FALSE_ALARM = "false_alarm"  # 排除 (误报)
    CLOSED = "closed"  # 结案


class SignalAction(StrEnum):
    START_VERIFICATION = "start_verification"
    CONFIRM = "confirm"
    DISMISS = "dismiss"
    CLOSE = "close"


#: (state, action) -> next state. Anything not listed is not allowed.
TRANSITIONS: dict[tuple[SignalState, SignalAction], SignalState] = {
    (SignalState.NEW, SignalAction.START_VERIFICATION): SignalState.UNDER_VERIFICATION,
    (SignalState.UNDER_VERIFICATION, SignalAction.CONFIRM): SignalState.CONFIRMED,
    (SignalState.UNDER_VERIFICATION, SignalAction.DISMISS): SignalState.FALSE_ALARM,
    (SignalState.CONFIRMED, SignalAction.CLOSE): SignalState.CLOSED,
    (SignalState.FALSE_ALARM, SignalAction.CLOSE): SignalState.CLOSED,
}

#: Actions that must carry a note (the evidence for the decision).
NOTE_REQUIRED = frozenset({SignalAction.CONFIRM, SignalAction.DISMISS})


@dataclass(frozen=True)
class Event:
    action: SignalAction
    by: str
    at: dt.datetime
    note: str
    from_state: SignalState
    to_state: SignalState


@dataclass(frozen=True)
class SignalCase:
    """A signal's workflow state and its history of events."""

    state: SignalState = SignalState.NEW
    history: tuple[Event, ...] = field(default_factory=tuple)


def allowed_actions(state: SignalState) -> list[SignalAction]:
    return [a for (s, a) in TRANSITIONS if s == state]


def apply(case: SignalCase, action: SignalAction, *, by: str, now: dt.datetime, note: str = "") -> SignalCase:
    """The case after ``action`` by ``by`` at ``now``; Conflict if not allowed from its state."""
    if not by.strip():
        raise InvalidInput("a signal step needs the user who takes it")
    if now.tzinfo is None:
        raise InvalidInput("a signal step needs a time with a time zone")
    if action in NOTE_REQUIRED and not note.strip():
        raise InvalidInput(f"'{action}' needs a note with the evidence")
    if case.history and now < case.history[-1].at:
        raise InvalidInput("a signal step cannot be earlier than the previous one")
    nxt = TRANSITIONS.get((case.state, action))
    if nxt is None:
        allowed = ", ".join(allowed_actions(case.state)) or "none (closed)"
        raise Conflict(f"cannot {action} a signal that is {case.state}; allowed: {allowed}")
    event = Event(action=action, by=by, at=now, note=note, from_state=case.state, to_state=nxt)
    return SignalCase(state=nxt, history=(*case.history, event))
