import datetime as dt
import itertools

import pytest

from tiercare.core.errors import Conflict, InvalidInput
from tiercare.core.surveillance.workflow import (
    NOTE_REQUIRED,
    TRANSITIONS,
    SignalAction,
    SignalCase,
    SignalState,
    allowed_actions,
    apply,
)

T0 = dt.datetime(2025, 3, 1, 8, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("state, action", list(itertools.product(SignalState, SignalAction)))
def test_every_state_action_pair_follows_the_table(state, action):
    case = SignalCase(state=state)
    note = "epidemiological link confirmed" if action in NOTE_REQUIRED else ""
    expected = TRANSITIONS.get((state, action))
    if expected is None:
        with pytest.raises(Conflict):
            apply(case, action, by="cdc-user-1", now=T0, note=note)
    else:
        out = apply(case, action, by="cdc-user-1", now=T0, note=note)
        assert out.state == expected
        assert out.history[-1].from_state == state and out.history[-1].by == "cdc-user-1"


def test_every_state_is_reachable_and_closed_is_final():
    reachable = {SignalState.NEW}
    for _ in SignalState:
        reachable |= {nxt for (s, _a), nxt in TRANSITIONS.items() if s in reachable}
    assert reachable == set(SignalState)
    assert allowed_actions(SignalState.CLOSED) == []


def test_a_confirmed_outbreak_keeps_who_when_and_why():
    case = SignalCase()
    case = apply(case, SignalAction.START_VERIFICATION, by="u1", now=T0)
    case = apply(
        case, SignalAction.CONFIRM, by="u2", now=T0 + dt.timedelta(hours=2), note="cluster in one school"
    )
    case = apply(case, SignalAction.CLOSE, by="u2", now=T0 + dt.timedelta(days=14))
    assert case.state == SignalState.CLOSED
    assert [e.action for e in case.history] == ["start_verification", "confirm", "close"]
    assert case.history[1].note == "cluster in one school"


def test_steps_need_a_user_a_zoned_time_a_note_and_order():
    case = apply(SignalCase(), SignalAction.START_VERIFICATION, by="u1", now=T0)
    with pytest.raises(InvalidInput):
        apply(case, SignalAction.DISMISS, by="u1", now=T0)  # no note
    with pytest.raises(InvalidInput):
        apply(case, SignalAction.DISMISS, by=" ", now=T0, note="x")
    with pytest.raises(InvalidInput):
        apply(case, SignalAction.DISMISS, by="u1", now=T0.replace(tzinfo=None), note="x")
    with pytest.raises(InvalidInput):
        apply(case, SignalAction.DISMISS, by="u1", now=T0 - dt.timedelta(1), note="x")
