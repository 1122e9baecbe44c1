"""Unit tests of the pure rules: workflow transitions, roles, approval policy."""
from __future__ import annotations

import pytest

from bot.cases.approval_policy import CaseRisk, DraftFacts, NotAllowed, Policy
from bot.config.workspace import ApprovalPolicy, Roles, Workflow
from bot.people.roles import RoleResolver
from bot.types import ChatUser
from bot.cases.workflow import TransitionRefused, WorkflowRules


def facts(**kw) -> DraftFacts:
    base = dict(draft_id=1, authors=frozenset({"sam"}), blocked_reasons=(), approved_by=frozenset(), has_promise=False)
    return DraftFacts(**{**base, **kw})


def test_default_workflow_allows_the_happy_path_only():
    rules = WorkflowRules(Workflow())
    agent = frozenset({"agent"})
    for a, b in [("new", "awaiting_approval"), ("awaiting_approval", "approved"), ("approved", "published"),
                 ("published", "resolved")]:
        rules.check(a, b, frozenset({"approver", "agent"}))
    with pytest.raises(TransitionRefused, match="cannot move from new to published"):
        rules.check("new", "published", agent)
    with pytest.raises(TransitionRefused, match="allowed: triaged"):
        rules.check("resolved", "approved", agent)


def test_custom_workflow_stage_and_role_rules():
    wf = Workflow.model_validate({
        "stages": ["new", "triaged", "legal_review", "awaiting_approval", "approved", "published", "resolved", "rejected",
                   "escalated", "closed_without_reply"],
        "transitions": [
            {"from": "new", "to": "legal_review"},
            {"from": "legal_review", "to": "awaiting_approval", "roles": ["admin"]},
        ],
    })
    rules = WorkflowRules(wf)
    rules.check("new", "legal_review", frozenset({"agent"}))
    with pytest.raises(TransitionRefused, match="needs the role admin"):
        rules.check("legal_review", "awaiting_approval", frozenset({"agent", "approver"}))
    rules.check("legal_review", "awaiting_approval", frozenset({"admin"}))


def test_workflow_config_rejects_unknown_stages():
    with pytest.raises(ValueError, match="unknown stage 'nowhere'"):
        Workflow.model_validate({"transitions": [{"from": "new", "to": "nowhere"}]})
    with pytest.raises(ValueError, match="action 'triage' targets unknown stage 'triaged'"):
        Workflow.model_validate({"stages": ["new", "awaiting_approval"], "transitions": []})


def test_roles_hierarchy_groups_and_partners():
    r = RoleResolver(Roles(members={"dana": ["approver"], "pat": ["partner"]}, groups={"S1": ["admin"]},
                           trusted_external=["ext-friend"]), home_team_id="T1")
    assert r.roles_of(ChatUser("dana", "Dana", team_id="T1")) == {"agent", "approver"}
    assert r.roles_of(ChatUser("x", "X", team_id="T1", groups=("S1",))) == {"agent", "approver", "admin"}
    assert r.roles_of(ChatUser("nobody", "N", team_id="T1")) == {"agent"}
    assert r.roles_of(ChatUser("pat", "Pat")) == {"partner"}
    # Another workspace (Slack Connect) is a partner, even if listed as approver.
    assert r.roles_of(ChatUser("dana", "Dana", team_id="T9")) == {"partner"}
    assert "agent" in r.roles_of(ChatUser("ext-friend", "F", team_id="T9"))


def test_policy_refusals_say_why():
    p = Policy(ApprovalPolicy())
    approver = frozenset({"agent", "approver"})
    with pytest.raises(NotAllowed, match="Partners"):
        p.check_approve("pat", frozenset({"partner"}), facts())
    with pytest.raises(NotAllowed, match="approver role"):
        p.check_approve("sam", frozenset({"agent"}), facts())
    with pytest.raises(NotAllowed, match="four-eyes"):
        p.check_approve("sam", approver | {"approver"}, facts())
    with pytest.raises(NotAllowed, match="blocked"):
        p.check_approve("dana", approver, facts(blocked_reasons=("PII",)))
    with pytest.raises(NotAllowed, match="already approved"):
        p.check_approve("dana", approver, facts(approved_by=frozenset({"dana"})))
    p.check_approve("dana", approver, facts())


def test_high_risk_rules():
    p = Policy(ApprovalPolicy())
    quiet = CaseRisk(100, frozenset(), frozenset())
    assert p.approvals_required(quiet) == 1
    assert p.approvals_required(CaseRisk(60_000, frozenset(), frozenset())) == 2
    assert p.approvals_required(CaseRisk(1, frozenset({"legal"}), frozenset())) == 2
    assert p.approvals_required(CaseRisk(1, frozenset(), frozenset({"safety"}))) == 2
    assert p.approvals_required(quiet, facts(has_promise=True)) == 2
    assert "author reach 60,000" in p.high_risk_reasons(CaseRisk(60_000, frozenset(), frozenset()))[0]
    lenient = Policy(ApprovalPolicy.model_validate({"high_risk": {"min_followers": None, "approvers_required": 3}}))
    assert lenient.approvals_required(CaseRisk(10**7, frozenset(), frozenset())) == 1
