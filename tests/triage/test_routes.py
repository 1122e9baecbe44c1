"""Routes on the triage verdict: needs_response, intent and min_confidence."""
from __future__ import annotations

import json

import pytest

from bot.config.issues import ConfigError
from bot.config.loader import parse_workspace
from bot.routing import Router
from bot.triage import model as triage_model
from tests.routing.helpers import route_text, routes

COMPLAINT = "@acme my order is two weeks late and nobody answers, this is awful"
QUESTION = "@acme do you ship to Norway?"
PRAISE = "@acme thank you, the new bike is wonderful!"


def team(router: Router, text: str) -> str | None:
    match = route_text(router, text)
    return match.team if match else None


def test_needs_response_routes_only_posts_that_need_an_answer():
    router = Router(routes({"all": [{"handle": "acme"}, {"needs_response": True}]},
                           {"all": [{"handle": "acme"}, {"needs_response": False}]}))
    assert team(router, COMPLAINT) == "team0"
    assert team(router, QUESTION) == "team0"
    assert team(router, PRAISE) == "team1"


def test_intent_picks_the_kind_of_post():
    router = Router(routes({"intent": "complaint"}, {"intent": ["question", "purchase"]}, {"intent": "praise"}))
    assert team(router, COMPLAINT) == "team0"
    assert team(router, QUESTION) == "team1"
    assert team(router, PRAISE) == "team2"


def test_min_confidence_holds_back_unsure_verdicts():
    unsure = "@acme the parcel came today"
    sure = Router(routes({"triage": {"needs_response": True, "min_confidence": 0.99}}))
    loose = Router(routes({"triage": {"needs_response": True, "min_confidence": 0.0}},
                          {"triage": {"needs_response": False}}))
    assert team(sure, COMPLAINT) == "team0"  # a clear complaint clears the bar
    assert team(sure, unsure) is None  # an unsure one does not
    assert team(loose, unsure) in {"team0", "team1"}
    both = Router(routes({"triage": {"needs_response": True, "intent": ["complaint"], "min_confidence": 0.5}}))
    assert team(both, COMPLAINT) == "team0" and team(both, QUESTION) is None


class CountingModel(triage_model.TriageModel):
    calls = 0

    def judge(self, text, sentiment=None):
        CountingModel.calls += 1
        return super().judge(text, sentiment)


def test_triage_runs_last_and_only_when_needed(monkeypatch):
    counting = CountingModel(json.loads(triage_model.DEFAULT_MODEL.read_text(encoding="utf-8")))
    monkeypatch.setattr(triage_model, "_active", counting)
    # The keyword decides first: a post without it never reaches the model.
    router = Router(routes({"all": [{"needs_response": True}, {"keyword": "bike"}]}))
    assert route_text(router, "nothing to see here, lovely day") is None
    assert CountingModel.calls == 0
    assert route_text(router, "@acme my bike is broken, help!").team == "team0"
    assert CountingModel.calls == 1


@pytest.mark.parametrize("match, message", [
    ("{intent: complain}", "unknown intent 'complain'"),
    ("{triage: {min_confidence: 0.8}}", "give needs_response, intent or both"),
    ("{triage: {needs_response: true, min_confidence: 1.5}}", "less than or equal to 1"),
    ("{needs_response: maybe}", "valid boolean"),
])
def test_config_errors_name_the_place(match, message):
    text = f"teams: [{{name: care, channel: c}}]\nroutes:\n  - name: r\n    team: care\n    match: {match}\n"
    with pytest.raises(ConfigError) as failure:
        parse_workspace(text, "rejoinder.yaml")
    assert message in str(failure.value) and "rejoinder.yaml:5:" in str(failure.value)
