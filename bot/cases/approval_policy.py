"""Who may approve which draft: roles, four-eyes, and more approvers for risky cases."""
from __future__ import annotations

from dataclasses import dataclass

from bot.config.workspace import ApprovalPolicy


class NotAllowed(Exception):
    """A refusal; the message is shown to the person as is."""


@dataclass(frozen=True)
class DraftFacts:
    draft_id: int
    authors: frozenset[str]  # everyone who wrote or edited any version of this text
    blocked_reasons: tuple[str, ...]
    approved_by: frozenset[str]
    has_promise: bool


@dataclass(frozen=True)
class CaseRisk:
    followers: int
    labels: frozenset[str]
    flags: frozenset[str]


class Policy:
    def __init__(self, cfg: ApprovalPolicy, crisis_approvers: int = 2) -> None:
        self.cfg = cfg
        self.crisis_approvers = crisis_approvers  # a route in crisis mode labels its cases "crisis"

    def high_risk_reasons(self, risk: CaseRisk, draft: DraftFacts | None = None) -> list[str]:
        hr = self.cfg.high_risk
        reasons = []
        if hr.min_followers is not None and risk.followers >= hr.min_followers:
            reasons.append(f"author reach {risk.followers:,} ≥ {hr.min_followers:,}")
        if hit := sorted(risk.labels & set(hr.labels)):
            reasons.append("label " + ", ".join(hit))
        if hit := sorted(risk.flags & set(hr.flags)):
            reasons.append("flag " + ", ".join(hit))
        if "crisis" in risk.labels and "crisis" not in hr.labels:
            reasons.append("crisis mode")
        if draft is not None and draft.has_promise:
            reasons.append("the draft makes a promise that needs sign-off")
        return reasons

    def approvals_required(self, risk: CaseRisk, draft: DraftFacts | None = None) -> int:
        if self.high_risk_reasons(risk, draft):
            need = max(self.cfg.high_risk.approvers_required, self.cfg.approvers_required)
            return max(need, self.crisis_approvers) if "crisis" in risk.labels else need
        return self.cfg.approvers_required

    def check_approve(self, user_id: str, roles: frozenset[str], draft: DraftFacts) -> None:
        if "partner" in roles:
            raise NotAllowed("Partners can suggest replies and add notes, but cannot approve.")
        if not roles & {"approver", "admin"}:
            raise NotAllowed("Approving needs the approver role.")
        if draft.blocked_reasons:
            raise NotAllowed("This draft is blocked by the guidelines: " + "; ".join(draft.blocked_reasons))
        if self.cfg.four_eyes and user_id in draft.authors:
            raise NotAllowed("You wrote or edited this draft; another approver must approve it (four-eyes rule).")
        if user_id in draft.approved_by:
            raise NotAllowed("You have already approved this draft; it needs a different second approver.")

    def check_reject(self, roles: frozenset[str]) -> None:
        if "partner" in roles:
            raise NotAllowed("Partners cannot reject drafts; add a note with your view instead.")
        if not roles & {"approver", "admin"}:
            raise NotAllowed("Rejecting needs the approver role.")
