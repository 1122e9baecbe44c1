"""The local Discord's directory (users, guilds, members, channels, threads)
and the payloads it sends: messages, and the interactions people start by
clicking, submitting a modal, picking a user or typing `/rejoinder`."""
from __future__ import annotations

import time
from datetime import datetime, timezone

TEXT, THREAD = 0, 11
COMPONENT, COMMAND, MODAL_SUBMIT = 3, 2, 5


class PayloadBuilders:
    # -- directory -------------------------------------------------------

    def add_user(self, user_id: str, name: str, bot: bool = False) -> dict:
        user = {"id": user_id, "username": name.lower().replace(" ", "."), "global_name": name,
                "discriminator": "0", "avatar": None, "bot": bot, "public_flags": 0}
        self.users[user_id] = user
        return user

    def add_guild(self, guild_id: str, name: str) -> dict:
        guild = {"id": guild_id, "name": name, "roles": [{"id": guild_id, "name": "@everyone", "permissions": "0",
                                                          "position": 0, "color": 0, "hoist": False, "managed": False,
                                                          "mentionable": False, "flags": 0}]}
        self.guilds[guild_id] = guild
        return guild

    def add_role(self, guild_id: str, role_id: str, name: str) -> None:
        self.guilds[guild_id]["roles"].append({"id": role_id, "name": name, "permissions": "0", "position": 1,
                                               "color": 0, "hoist": False, "managed": False, "mentionable": True,
                                               "flags": 0})

    def add_member(self, guild_id: str, user_id: str, roles: list[str] = ()) -> None:
        self.members[(guild_id, user_id)] = list(roles)

    def add_channel(self, channel_id: str, name: str, guild_id: str | None = None) -> dict:
        channel = {"id": channel_id, "type": TEXT, "guild_id": guild_id or self.guild_id, "name": name,
                   "position": len(self.channels), "permission_overwrites": [], "nsfw": False, "parent_id": None,
                   "last_message_id": None, "rate_limit_per_user": 0, "topic": None}
        self.channels[channel_id] = channel
        self.messages.setdefault(channel_id, [])
        return channel

    def add_thread(self, parent_id: str, thread_id: str, name: str) -> dict:
        parent = self.channels[parent_id]
        thread = {"id": thread_id, "type": THREAD, "guild_id": parent["guild_id"], "parent_id": parent_id,
                  "name": name[:100], "owner_id": self.bot_id, "message_count": 0, "member_count": 1,
                  "rate_limit_per_user": 0, "flags": 0, "last_message_id": None,
                  "thread_metadata": {"archived": False, "auto_archive_duration": 10080, "locked": False,
                                      "archive_timestamp": self.timestamp()}}
        self.channels[thread_id] = thread
        self.messages.setdefault(thread_id, [])
        return thread

    def guild_payload(self, guild_id: str) -> dict:
        guild = self.guilds[guild_id]
        return {**guild, "unavailable": False, "owner_id": self.bot_id, "member_count": 1, "large": False,
                "features": [], "emojis": [], "stickers": [], "voice_states": [], "presences": [],
                "verification_level": 0, "default_message_notifications": 0, "explicit_content_filter": 0,
                "mfa_level": 0, "premium_tier": 0, "preferred_locale": "en-US", "nsfw_level": 0,
                "channels": [c for c in self.channels.values() if c.get("guild_id") == guild_id and c["type"] == TEXT],
                "threads": [c for c in self.channels.values() if c.get("guild_id") == guild_id and c["type"] == THREAD],
                "members": [self.member_payload(guild_id, self.bot_id)]}

    def member_payload(self, guild_id: str, user_id: str, with_user: bool = True) -> dict:
        member = {"roles": list(self.members.get((guild_id, user_id), [])), "joined_at": self.timestamp(),
                  "deaf": False, "mute": False, "flags": 0, "nick": None, "permissions": "0"}
        return {**member, "user": self.users[user_id]} if with_user else member

    # -- messages --------------------------------------------------------

    @staticmethod
    def timestamp() -> str:
        return datetime.now(timezone.utc).isoformat()

    def message_payload(self, channel_id: str, author_id: str, content: str, *, embeds=None, components=None,
                        nonce=None, flags: int = 0) -> dict:
        channel = self.channels.get(channel_id) or {}
        guild_id = channel.get("guild_id")
        mentions = [self.users[u] for u in self.users if f"<@{u}>" in content]
        message = {"id": self.snowflake(), "channel_id": channel_id, "author": self.users[author_id],
                   "content": content, "timestamp": self.timestamp(), "edited_timestamp": None, "tts": False,
                   "mention_everyone": False, "mentions": mentions, "mention_roles": [], "attachments": [],
                   "embeds": embeds or [], "components": components or [], "pinned": False, "type": 0,
                   "flags": flags}
        if guild_id:
            message["guild_id"] = guild_id
            message["member"] = self.member_payload(guild_id, author_id, with_user=False)
        if nonce is not None:
            message["nonce"] = str(nonce)
        return message

    def store_message(self, channel_id: str, author_id: str, content: str, **extra) -> dict:
        message = self.message_payload(channel_id, author_id, content, **extra)
        self.messages.setdefault(channel_id, []).append(message)
        return message

    def find_message(self, channel_id: str, message_id: str) -> dict | None:
        return next((x for x in self.messages.get(channel_id, []) if x["id"] == message_id), None)

    async def user_message(self, user_id: str, channel_id: str, content: str) -> dict:
        """A person writes in a channel or thread: stored, then MESSAGE_CREATE.
        Without the message_content intent the bot sees blank content, as on
        Discord, unless the message mentions it."""
        message = self.store_message(channel_id, user_id, content)
        seen = dict(message)
        if not self.wants_content() and f"<@{self.bot_id}>" not in content:
            seen["content"] = ""
        await self.dispatch("MESSAGE_CREATE", seen)
        return message

    # -- interactions ----------------------------------------------------

    def _interaction(self, kind: int, user_id: str, channel_id: str, data: dict, message: dict | None = None) -> dict:
        channel = self.channels[channel_id]
        token = f"itoken-{self.snowflake()}"
        payload = {"id": self.snowflake(), "application_id": self.app_id, "type": kind, "token": token,
                   "version": 1, "data": data, "guild_id": channel["guild_id"], "channel_id": channel_id,
                   "channel": channel, "member": self.member_payload(channel["guild_id"], user_id),
                   "app_permissions": "0", "locale": "en-US", "guild_locale": "en-US", "entitlements": [],
                   "authorizing_integration_owners": {"0": channel["guild_id"]}, "context": 0,
                   "attachment_size_limit": 10 * 1024 * 1024}
        if message is not None:
            payload["message"] = message
        self.interactions[token] = {"id": payload["id"], "type": kind, "at": time.monotonic(), "responded": None,
                                    "followups": [], "channel_id": channel_id, "user": user_id}
        return payload

    async def click(self, user_id: str, message: dict, custom_id: str) -> str:
        """A button on `message` (as last posted or edited); returns the interaction token."""
        current = self.find_message(message["channel_id"], message["id"]) or message
        payload = self._interaction(COMPONENT, user_id, message["channel_id"],
                                    {"custom_id": custom_id, "component_type": 2}, current)
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload["token"]

    async def pick_user(self, user_id: str, message: dict, custom_id: str, picked: str) -> str:
        current = self.find_message(message["channel_id"], message["id"]) or message
        guild = self.channels[message["channel_id"]]["guild_id"]
        data = {"custom_id": custom_id, "component_type": 5, "values": [picked],
                "resolved": {"users": {picked: self.users[picked]},
                             "members": {picked: self.member_payload(guild, picked, with_user=False)}}}
        payload = self._interaction(COMPONENT, user_id, message["channel_id"], data, current)
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload["token"]

    async def submit_modal(self, user_id: str, modal_token: str, values: dict[str, str] | str) -> str:
        """Submit the modal opened in answer to interaction `modal_token`;
        `values` by text input custom id, or one text for the first input."""
        opened = self.interactions[modal_token]["responded"]["data"]
        inputs = [c for c in _walk(opened.get("components") or []) if c.get("type") == 4]
        if isinstance(values, str):
            values = {inputs[0]["custom_id"]: values}
        rows = [{"type": 1, "components": [{"type": 4, "custom_id": i["custom_id"],
                                             "value": values.get(i["custom_id"], i.get("value") or "")}]}
                for i in inputs]
        channel_id = self.interactions[modal_token]["channel_id"]
        payload = self._interaction(MODAL_SUBMIT, user_id, channel_id,
                                    {"custom_id": opened["custom_id"], "components": rows})
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload["token"]

    async def slash(self, user_id: str, channel_id: str, sub: str, **options) -> str:
        """`/rejoinder <sub> option:value…` as Discord sends it."""
        command = next(c for c in self.commands if c["name"] == "rejoinder")
        opts = [{"name": k, "type": 4 if isinstance(v, int) else 3, "value": v} for k, v in options.items()]
        data = {"id": command["id"], "name": "rejoinder", "type": 1,
                "options": [{"name": sub, "type": 1, "options": opts}]}
        payload = self._interaction(COMMAND, user_id, channel_id, data)
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload["token"]

    async def answered(self, token: str, contains: str = "", timeout: float = 10) -> dict:
        """The follow-up (or original response) that answers interaction `token`."""
        def find():
            interaction = self.interactions[token]
            messages = list(interaction["followups"])
            response = interaction["responded"] or {}
            if response.get("type") == 4:
                messages.append(response.get("data") or {})
            return next((x for x in messages if contains in _all_text(x)), None)
        return await self.wait_until(find, timeout, f"answer to {token} containing {contains!r}")


def _walk(components: list[dict]):
    for c in components:
        yield c
        yield from _walk(c.get("components") or [])
        if c.get("component"):
            yield from _walk([c["component"]])


def _all_text(message: dict) -> str:
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{f.get('name')} {f.get('value')}" for f in embed.get("fields") or []]
        parts.append((embed.get("footer") or {}).get("text") or "")
    return "\n".join(parts)
