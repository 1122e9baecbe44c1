"""Discord input as the chat inbox keeps it: plain JSON under Discord's own
ids (an interaction's or a message's snowflake), so a redelivery after a
RESUME, or to another process, is kept once.

An interaction's entry holds the command and what answering it takes (the
application id and the interaction's token, valid for 15 minutes): after a
restart the answer still reaches the person who clicked."""
from __future__ import annotations

from bot.ports import ChatInput, Command
from bot.types import ChatUser, MessageRef


def interaction_input(platform: str, interaction_id: int, application_id: int, token: str,
                      command: Command) -> ChatInput:
    payload = {"command": command_data(command), "answer": {"application": str(application_id), "token": token}}
    return ChatInput(platform, f"interaction:{interaction_id}", "interaction", payload, lane=command.user.id)


def command_message_input(platform: str, message_id: int, command: Command) -> ChatInput:
    """A message addressed to the bot: its answer goes back as a direct message."""
    return ChatInput(platform, f"message:{message_id}", "command", {"command": command_data(command)},
                     lane=command.user.id)


def note_input(platform: str, message_id: int, ref: MessageRef, user: ChatUser, text: str) -> ChatInput:
    payload = {"note": {"ref": _ref_data(ref), "user": _user_data(user), "text": text}}
    return ChatInput(platform, f"message:{message_id}", "note", payload, lane=user.id)


def command_data(command: Command) -> dict:
    return {"name": command.name, "args": command.args, "user": _user_data(command.user), "case_id": command.case_id,
            "channel": command.channel, "ref": _ref_data(command.ref) if command.ref else None,
            "people": [_user_data(p) for p in command.people]}


def command_of(data: dict) -> Command:
    return Command(name=data["name"], args=data["args"], user=user_of(data["user"]), case_id=data.get("case_id"),
                   channel=data.get("channel"), ref=ref_of(data["ref"]) if data.get("ref") else None,
                   people=tuple(user_of(p) for p in data.get("people") or ()))


def user_of(data: dict) -> ChatUser:
    return ChatUser(id=data["id"], name=data["name"], platform=data["platform"], team_id=data.get("team_id"),
                    groups=tuple(data.get("groups") or ()))


def ref_of(data: dict) -> MessageRef:
    return MessageRef(data["platform"], data["channel"], data["message_id"], thread_id=data.get("thread_id"))


def _user_data(user: ChatUser) -> dict:
    return {"id": user.id, "name": user.name, "platform": user.platform, "team_id": user.team_id,
            "groups": list(user.groups)}


def _ref_data(ref: MessageRef) -> dict:
    return {"platform": ref.platform, "channel": ref.channel, "message_id": ref.message_id, "thread_id": ref.thread_id}
