"""What Slack sends an app, built from the emulator's users, channels and
messages so ids, teams and trigger ids line up."""
from __future__ import annotations

import time


class PayloadBuilders:
    """Mixed into SlackEmulator."""

    def _team_of(self, user_id: str) -> str:
        return (self.users.get(user_id) or {}).get("team_id", self.team_id)

    def event_body(self, event: dict, event_id: str | None = None) -> dict:
        return {"token": "legacy", "team_id": self.team_id, "api_app_id": self.app_id, "event": event,
                "type": "event_callback", "event_id": event_id or f"Ev{next(self._counter):08d}",
                "event_time": int(time.time()),
                "authorizations": [{"enterprise_id": None, "team_id": self.team_id, "user_id": self.bot_user_id,
                                    "is_bot": True, "is_enterprise_install": False}]}

    def user_message(self, user_id: str, channel: str, text: str, thread_ts: str | None = None) -> dict:
        """A person's message, stored in the channel as Slack would, as an event."""
        ts = self.next_ts()
        event = {"type": "message", "channel": channel, "user": user_id, "text": text, "ts": ts,
                 "event_ts": ts, "channel_type": "channel", "team": self._team_of(user_id),
                 "user_team": self._team_of(user_id)}
        if thread_ts:
            event["thread_ts"] = thread_ts
        self.messages.setdefault(channel, []).append({k: v for k, v in event.items() if k != "channel"})
        return event

    def _who(self, user_id: str) -> dict:
        user = self.users.get(user_id) or {"name": user_id}
        return {"id": user_id, "username": user["name"], "name": user["name"], "team_id": self._team_of(user_id)}

    def block_action(self, user_id: str, channel: str, message_ts: str, action_id: str,
                     value: str | None = None, block_id: str = "b1", selected_user: str | None = None) -> dict:
        action = {"action_id": action_id, "block_id": block_id, "type": "button", "action_ts": self.next_ts()}
        if value is not None:
            action["value"] = value
        if selected_user is not None:
            action.update(type="users_select", selected_user=selected_user)
        message = self._find(channel, message_ts) or {"ts": message_ts}
        return {"type": "block_actions", "user": self._who(user_id), "api_app_id": self.app_id, "token": "legacy",
                "container": {"type": "message", "message_ts": message_ts, "channel_id": channel, "is_ephemeral": False},
                "trigger_id": self.new_trigger(), "team": {"id": self.team_id, "domain": "acme"},
                "channel": {"id": channel, "name": (self.channels.get(channel) or {}).get("name", channel)},
                "message": message, "response_url": f"http://127.0.0.1:{self.port}/respond/{next(self._counter)}",
                "actions": [action]}

    def view_submission(self, user_id: str, view: dict, value: str) -> dict:
        """Submit an opened modal with `value` typed into its single input."""
        values = {}
        for block in view.get("blocks", []):
            if block.get("type") == "input":
                values[block["block_id"]] = {block["element"]["action_id"]: {"type": "plain_text_input", "value": value}}
        return {"type": "view_submission", "team": {"id": self.team_id, "domain": "acme"}, "user": self._who(user_id),
                "api_app_id": self.app_id, "token": "legacy", "trigger_id": self.new_trigger(),
                "view": {**view, "state": {"values": values}}}

    def slash_command(self, user_id: str, channel: str, text: str, command: str = "/rejoinder") -> dict:
        return {"token": "legacy", "team_id": self.team_id, "team_domain": "acme", "channel_id": channel,
                "channel_name": (self.channels.get(channel) or {}).get("name", channel), "user_id": user_id,
                "user_name": (self.users.get(user_id) or {}).get("name", user_id), "command": command, "text": text,
                "api_app_id": self.app_id, "is_enterprise_install": "false",
                "response_url": f"http://127.0.0.1:{self.port}/respond/{next(self._counter)}",
                "trigger_id": self.new_trigger()}
