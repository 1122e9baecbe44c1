"""Chat skills, registered explicitly (no discovery): importing this package
registers every skill below in `registry`."""
from skills import case_actions, crm, info, insights, replies  # noqa: F401  (registration side effect)
from skills.registry import registry

__all__ = ["registry"]
