"""The Slack world fixtures, for endpoint tests that run the whole app."""
from tests.slack_e2e.conftest import emu, make_world  # noqa: F401
