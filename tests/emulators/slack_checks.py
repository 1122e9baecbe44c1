"""Block Kit checks the Slack emulator applies, as Slack's `invalid_blocks`.

There is no official schema; slack_sdk's models catch unknown types, missing
fields and length limits, and unknown keys are reported through its debug log.
The per-surface block counts are checked here.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if "were ignored" in text:
            self.lines.append(text.split(" were ignored")[0].strip("! "))


@contextmanager
def _unknown_keys():
    logger = logging.getLogger("slack_sdk.models")
    handler, level = _Collect(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def block_errors(blocks, limit: int = MESSAGE_BLOCKS) -> list[str]:
    """What Slack would reject in a list of blocks; empty when valid."""
    if not isinstance(blocks, list):
        return ["blocks must be a JSON array"]
    errors = []
    if len(blocks) > limit:
        errors.append(f"no more than {limit} items allowed [json-pointer:/blocks]")
    with _unknown_keys() as unknown:
        for index, (raw, block) in enumerate(zip(blocks, Block.parse_all(blocks))):
            if block is None:
                kind = raw.get("type") if isinstance(raw, dict) else raw
                errors.append(f"unsupported type: {kind!r} [json-pointer:/blocks/{index}]")
                continue
            try:
                block.validate_json()
                block.to_dict()  # validates nested elements and text objects
            except (SlackObjectFormationError, TypeError, ValueError, AttributeError) as error:
                errors.append(f"{error} [json-pointer:/blocks/{index}]")
    errors.extend(f"unknown field: {line}" for line in unknown)
    return errors


def view_errors(view) -> list[str]:
    if not isinstance(view, dict):
        return ["view must be a JSON object"]
    errors = block_errors(view.get("blocks") or [], VIEW_BLOCKS)
    if not view.get("blocks"):
        errors.append("a view needs at least one block")
    if view.get("type") == "modal" and not view.get("title"):
        errors.append("a modal needs a title")
    try:
        View(**view).to_dict()
    except (SlackObjectFormationError, TypeError, ValueError, AttributeError) as error:
        errors.append(str(error))
    return errors


def text_objects(blocks) -> list[dict]:
    """Every text object ({type, text}) anywhere inside `blocks`, for asserts."""
    found: list[dict] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("plain_text", "mrkdwn") and isinstance(node.get("text"), str):
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks)
    return found
