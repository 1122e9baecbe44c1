"""A drafter backed by any OpenAI-compatible chat model through LangChain.

Structured output uses tool calling (`method="function_calling"`): it is the
form most OpenAI-compatible servers support, unlike the newer json_schema
response format. Transport retries are the openai client's own (they honour
429 Retry-After); malformed model output is retried once with a fresh call,
then reported as DraftingFailed. Every failure reaches the caller as
DraftingFailed with a reason a person can act on.
"""
from __future__ import annotations

import asyncio

import openai
from langchain_core.exceptions import OutputParserException
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot import metrics
from bot.drafting import DraftingFailed, build_messages, needs_escalation
from bot.guardrails.leak import canary_from_secret
from bot.types import DraftRequest, DraftResult

MALFORMED_ATTEMPTS = 2  # one fresh call after a malformed answer, then give up
# Head room on top of the per-request timeouts for server-directed retry waits.
RETRY_WAIT_ALLOWANCE = 60.0


class DraftReply(BaseModel):
    """A reply for a person on the team to review before it is published."""

    model_config = ConfigDict(title="draft_reply", strict=True)

    reply: str = Field(min_length=1, description="Exactly the text to publish, plain text, within the length limit.")
    rationale: str = Field(description="One or two sentences for the team explaining the reply; never published.")
    confidence: float = Field(ge=0, le=1, description="How ready the reply is to publish as it stands, 0 to 1.")
    needs_escalation: bool = Field(description="True when a senior person must look before anything is published.")


class LangChainDrafter:
    def __init__(
        self,
        model: str = "gpt-4o-mini",
        *,
        api_key: str,
        base_url: str | None = None,
        timeout: float = 20.0,
        max_retries: int = 2,
        organisation: str = "Acme",
        temperature: float | None = 0.3,
        deadline: float | None = None,
        prices: tuple[float | None, float | None] = (None, None),
        canary: str | None = None,
    ):
        self.prices = prices  # per million input and output tokens, for the cost metric
        if not api_key or not api_key.strip():
            raise ValueError("LangChainDrafter: api_key is empty; set the model provider's API key")
        if timeout <= 0:
            raise ValueError(f"LangChainDrafter: timeout must be positive seconds, got {timeout!r}")
        self.model = model
        self.name = f"llm:{model}"
        # In the system prompt only; the guardrails block any draft that repeats it.
        self.canary = canary or canary_from_secret(api_key)
        self.organisation = organisation
        self.timeout = timeout
        self.max_retries = max_retries
        self.base_url = base_url
        # The whole call, retries included, never outlives this.
        self.deadline = deadline or timeout * (max_retries + 1) + RETRY_WAIT_ALLOWANCE
        self._chat = ChatOpenAI(
            model=model,
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            temperature=temperature,
            use_responses_api=False,  # compatible servers speak chat completions only
        )
        self._chain = self._chat.with_structured_output(
            DraftReply, method="function_calling", include_raw=True
        )

    async def draft(self, request: DraftRequest) -> DraftResult:
        kinds = {"system": SystemMessage, "human": HumanMessage}
        messages = [kinds[role](content=text) for role, text in build_messages(request, self.organisation, self.canary)]
        problem = ""
        for _ in range(MALFORMED_ATTEMPTS):
            answer = await self._ask(messages)
            self._count_usage(answer)
            output, problem = _read(answer)
            if output is not None:
                return DraftResult(
                    reply=_unquote(output.reply.strip()),
                    rationale=output.rationale.strip(),
                    confidence=float(output.confidence),
                    needs_escalation=output.needs_escalation or needs_escalation(request),
                    source=self.name,
                )
        raise DraftingFailed(
            f"the model returned malformed output ({MALFORMED_ATTEMPTS} attempts): {problem}"
        )

    def _count_usage(self, answer: dict) -> None:
        usage = getattr(answer.get("raw") if isinstance(answer, dict) else None, "usage_metadata", None) or {}
        tokens = {"input": usage.get("input_tokens") or 0, "output": usage.get("output_tokens") or 0}
        for direction, count in tokens.items():
            if count:
                metrics.inc(metrics.LLM_TOKENS, count, model=self.model, direction=direction)
        if all(price is not None for price in self.prices) and any(tokens.values()):
            cost = (tokens["input"] * self.prices[0] + tokens["output"] * self.prices[1]) / 1_000_000
            metrics.inc(metrics.LLM_COST, cost, model=self.model)

    async def _ask(self, messages: list) -> dict:
        attempts = self.max_retries + 1
        where = self.base_url or "the OpenAI API"
        try:
            async with asyncio.timeout(self.deadline):
                return await self._chain.ainvoke(messages)
        except openai.APITimeoutError as exc:
            raise DraftingFailed(
                f"the model did not answer within {self.timeout:g} s ({attempts} attempt(s))"
            ) from exc
        except TimeoutError as exc:
            raise DraftingFailed(f"the model did not answer within {self.deadline:g} s in total") from exc
        except openai.RateLimitError as exc:
            raise DraftingFailed(
                f"the model provider is rate limiting us (HTTP 429) after {attempts} attempt(s); try again shortly"
            ) from exc
        except openai.AuthenticationError as exc:
            raise DraftingFailed("the model provider rejected the API key (HTTP 401); check the key") from exc
        except openai.NotFoundError as exc:
            raise DraftingFailed(
                f"the model provider does not offer model {self.model!r} at {where} (HTTP 404)"
            ) from exc
        except openai.APIStatusError as exc:
            detail = exc.body.get("message") if isinstance(exc.body, dict) else None
            raise DraftingFailed(
                f"the model provider answered HTTP {exc.status_code}: {_short(detail or exc.message)}"
            ) from exc
        except openai.APIConnectionError as exc:
            raise DraftingFailed(f"could not reach the model provider at {where}: {_short(str(exc))}") from exc
        except Exception as exc:  # anything else still reaches people as a plain reason
            raise DraftingFailed(f"drafting failed unexpectedly: {type(exc).__name__}: {_short(str(exc))}") from exc


def _read(answer: dict) -> tuple[DraftReply | None, str]:
    """The parsed reply, or None and what was wrong with the model's output."""
    parsed, error, raw = answer.get("parsed"), answer.get("parsing_error"), answer.get("raw")
    if isinstance(parsed, DraftReply) and error is None:
        if parsed.reply.strip():
            return parsed, ""
        return None, "the reply field is blank"
    if isinstance(error, ValidationError):
        fields = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'output'}: {e['msg']}" for e in error.errors()
        )
        return None, f"fields do not match the expected shape ({fields})"
    if isinstance(error, (OutputParserException, ValueError)):
        return None, _short(str(error))
    if error is not None:
        return None, f"{type(error).__name__}: {_short(str(error))}"
    if isinstance(raw, AIMessage):
        if raw.invalid_tool_calls:
            bad = raw.invalid_tool_calls[0]
            return None, f"the structured answer is not valid JSON: {_short(str(bad.get('args')), 80)!r}"
        text = raw.content if isinstance(raw.content, str) else str(raw.content)
        return None, f"no structured answer, only text: {_short(text, 80)!r}"
    return None, "no answer at all"


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _unquote(text: str) -> str:
    """Models sometimes wrap the whole reply in quotes; the post must not show them."""
    if len(text) > 1 and text[0] == text[-1] == '"' and text.count('"') == 2:
        return text[1:-1].strip()
    if len(text) > 1 and text[0] == "“" and text[-1] == "”" and text.count("“") == text.count("”") == 1:
        return text[1:-1].strip()
    return text
