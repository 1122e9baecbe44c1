"""Case stages and transitions, checked against the team's configured workflow."""
from __future__ import annotations

from bot.config.workspace import Workflow


class TransitionRefused(Exception):
    pass


class WorkflowRules:
    def __init__(self, workflow: Workflow) -> None:
        self.workflow = workflow
        self._allowed: dict[str, dict[str, set[str]]] = {}
        for tr in workflow.transitions:
            targets = self._allowed.setdefault(tr.from_, {})
            for stage in tr.to:
                targets.setdefault(stage, set()).update(tr.roles)

    @property
    def initial(self) -> str:
        return self.workflow.initial

    def target(self, action: str) -> str:
        return self.workflow.actions.get(action, action)

    def check(self, current: str, target: str, roles: frozenset[str]) -> None:
        """Raise TransitionRefused with a reason a person understands."""
        allowed = self._allowed.get(current, {})
        if target not in allowed:
            options = ", ".join(sorted(allowed)) or "none"
            raise TransitionRefused(f"a case cannot move from {current} to {target} (allowed: {options})")
        if not roles & allowed[target]:
            need = " or ".join(sorted(allowed[target]))
            raise TransitionRefused(f"moving a case from {current} to {target} needs the role {need}")

    def can(self, current: str, target: str) -> bool:
        return target in self._allowed.get(current, {})

    def is_open(self, stage: str) -> bool:
        return stage not in {self.target("resolve"), self.target("close")}
