"""The Web API methods of the Slack emulator, answered from its recorded
state the way Slack answers them (errors included)."""
from __future__ import annotations

import time
import uuid

from tests.emulators.slack_checks import MESSAGE_BLOCKS, block_errors, view_errors


class WebApiMethods:
    """Mixed into SlackEmulator: `_m_<method>` answers `<method>` (dots as underscores)."""

    def _m_auth_test(self, args: dict) -> dict:
        return {"ok": True, "url": "https://acme.slack.com/", "team": "Acme", "user": "rejoinder",
                "team_id": self.team_id, "user_id": self.bot_user_id, "bot_id": self.bot_id,
                "is_enterprise_install": False}

    def _m_apps_connections_open(self, args: dict) -> dict:
        ticket = uuid.uuid4().hex
        self._tickets.add(ticket)
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/link?ticket={ticket}"}

    def _channel_id(self, channel: str | None) -> str | None:
        if not channel:
            return None
        if channel.startswith("#"):
            return next((c["id"] for c in self.channels.values() if c["name"] == channel[1:]), None)
        if channel[0] in "UW":  # a user id: their direct message with the app
            self.messages.setdefault("D" + channel, [])
            return "D" + channel
        return channel if channel in self.messages else None

    def _m_chat_postMessage(self, args: dict) -> dict:
        channel = self._channel_id(args.get("channel"))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("text") and not args.get("blocks"):
            return {"ok": False, "error": "no_text"}
        if "blocks" in args and (errors := block_errors(args["blocks"], MESSAGE_BLOCKS)):
            return {"ok": False, "error": "invalid_blocks", "errors": errors}
        message = {"type": "message", "ts": self.next_ts(), "user": self.bot_user_id, "bot_id": self.bot_id,
                   "text": args.get("text", ""), "blocks": args.get("blocks")}
        if args.get("thread_ts"):
            message["thread_ts"] = args["thread_ts"]
        if args.get("metadata"):
            message["metadata"] = args["metadata"]
        self.messages[channel].append(message)
        return {"ok": True, "channel": channel, "ts": message["ts"], "message": message}

    def _find(self, channel: str | None, ts: str | None) -> dict | None:
        return next((m for m in self.messages.get(channel or "", []) if m["ts"] == ts), None)

    def _m_chat_update(self, args: dict) -> dict:
        message = self._find(args.get("channel"), args.get("ts"))
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        if "blocks" in args and (errors := block_errors(args["blocks"], MESSAGE_BLOCKS)):
            return {"ok": False, "error": "invalid_blocks", "errors": errors}
        message.update({k: args[k] for k in ("text", "blocks") if k in args})
        return {"ok": True, "channel": args["channel"], "ts": args["ts"], "text": message["text"]}

    def _m_chat_postEphemeral(self, args: dict) -> dict:
        if self._channel_id(args.get("channel")) is None:
            return {"ok": False, "error": "channel_not_found"}
        if args.get("user") not in self.users:
            return {"ok": False, "error": "user_not_in_channel"}
        if "blocks" in args and (errors := block_errors(args["blocks"], MESSAGE_BLOCKS)):
            return {"ok": False, "error": "invalid_blocks", "errors": errors}
        return {"ok": True, "message_ts": self.next_ts()}

    def _view_answer(self, view, view_id: str | None = None) -> dict:
        if errors := view_errors(view):
            return {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": errors}}
        view_id = view_id or f"V{next(self._counter):08d}"
        self.views[view_id] = view
        return {"ok": True, "view": {**view, "id": view_id, "team_id": self.team_id}}

    def _m_views_open(self, args: dict) -> dict:
        expires = self._triggers.pop(args.get("trigger_id", ""), None)
        if expires is None or expires < time.monotonic():
            return {"ok": False, "error": "expired_trigger_id"}
        return self._view_answer(args.get("view"))

    def _m_views_publish(self, args: dict) -> dict:
        if args.get("user_id") not in self.users:
            return {"ok": False, "error": "user_not_found"}
        return self._view_answer(args.get("view"))

    def _m_views_update(self, args: dict) -> dict:
        view_id = args.get("view_id")
        if view_id not in self.views:
            return {"ok": False, "error": "not_found"}
        return self._view_answer(args.get("view"), view_id)

    def _m_users_info(self, args: dict) -> dict:
        user = self.users.get(args.get("user", ""))
        return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}

    def _m_conversations_info(self, args: dict) -> dict:
        channel = self.channels.get(args.get("channel", ""))
        return {"ok": True, "channel": channel} if channel else {"ok": False, "error": "channel_not_found"}

    def _m_conversations_replies(self, args: dict) -> dict:
        """The parent, then its replies oldest first, `limit` at a time (a
        cursor for the rest); metadata only when asked for."""
        parent = self._find(args.get("channel"), args.get("ts"))
        if parent is None:
            return {"ok": False, "error": "thread_not_found"}
        with_meta = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
        thread = [parent] + [m for m in self.messages[args["channel"]] if m.get("thread_ts") == parent["ts"] and m is not parent]
        shown = [m if with_meta else {k: v for k, v in m.items() if k != "metadata"} for m in thread]
        start = int(args["cursor"].removeprefix("next:")) if args.get("cursor") else 0
        limit = int(args.get("limit") or 1000)
        more = len(shown) > start + limit
        return {"ok": True, "messages": shown[start:start + limit], "has_more": more,
                "response_metadata": {"next_cursor": f"next:{start + limit}" if more else ""}}

    def _m_conversations_list(self, args: dict) -> dict:
        """Channels the app can see, `limit` at a time with a cursor, as Slack pages them."""
        every = list(self.channels.values())
        start = int(args["cursor"].removeprefix("next:")) if args.get("cursor") else 0
        limit = int(args.get("limit") or 100)
        more = len(every) > start + limit
        return {"ok": True, "channels": every[start:start + limit],
                "response_metadata": {"next_cursor": f"next:{start + limit}" if more else ""}}

    def _m_conversations_history(self, args: dict) -> dict:
        """Top-level messages, newest first; metadata only when asked for."""
        if args.get("channel") not in self.messages:
            return {"ok": False, "error": "channel_not_found"}
        with_meta = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
        top = [m for m in reversed(self.messages[args["channel"]]) if m.get("thread_ts") in (None, m["ts"])]
        shown = [m if with_meta else {k: v for k, v in m.items() if k != "metadata"} for m in top]
        limit = int(args.get("limit") or 100)
        return {"ok": True, "messages": shown[:limit], "has_more": len(shown) > limit}

    def _m_usergroups_list(self, args: dict) -> dict:
        """Enabled groups only unless include_disabled; members only with include_users."""
        def flag(name: str) -> bool:
            return str(args.get(name, "")).lower() in ("1", "true")
        if args.get("team_id") not in (None, "", self.team_id):
            return {"ok": False, "error": "invalid_team_id"}
        shown = []
        for group in self.usergroups.values():
            if group["date_delete"] and not flag("include_disabled"):
                continue
            shown.append({k: v for k, v in group.items()
                          if (k != "users" or flag("include_users")) and (k != "user_count" or flag("include_count"))})
        return {"ok": True, "usergroups": shown}

    def _m_files_getUploadURLExternal(self, args: dict) -> dict:
        if not args.get("filename") or not str(args.get("length", "")).isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{next(self._counter):08d}"
        self.files[file_id] = {"filename": args["filename"], "length": int(args["length"]), "data": None, "shared": None}
        return {"ok": True, "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}", "file_id": file_id}

    def _m_files_completeUploadExternal(self, args: dict) -> dict:
        """Shares the uploaded files in a channel (or a thread) as one message, as Slack does."""
        files = args.get("files")
        if not isinstance(files, list) or not files:
            return {"ok": False, "error": "invalid_arguments"}
        channel = args.get("channel_id")
        if channel and channel not in self.messages:
            return {"ok": False, "error": "channel_not_found"}
        shared = []
        for item in files:
            upload = self.files.get(item.get("id", ""))
            if upload is None or upload["data"] is None or len(upload["data"]) != upload["length"]:
                return {"ok": False, "error": "file_not_found"}
            upload["title"] = item.get("title") or upload["filename"]
            shared.append({"id": item["id"], "name": upload["filename"], "title": upload["title"],
                           "size": upload["length"]})
        if channel:
            message = {"type": "message", "ts": self.next_ts(), "user": self.bot_user_id, "bot_id": self.bot_id,
                       "text": args.get("initial_comment", ""), "files": shared}
            if args.get("thread_ts"):
                message["thread_ts"] = args["thread_ts"]
            self.messages[channel].append(message)
            for item in shared:
                self.files[item["id"]]["shared"] = (channel, message["ts"])
        return {"ok": True, "files": shared}
