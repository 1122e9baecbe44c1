from bot.intake.enrich import Facts, enrich, sentiment_label
from bot.intake.flags import has_pii
from bot.intake.normalize import normalize
from tests.routing.helpers import HANDLES, mention


def facts(text: str, **kwargs) -> Facts:
    m = mention(text, **kwargs)
    return Facts(m, normalize(m.text), HANDLES)


class CountingAnalyzer:
    """Wraps the real VADER analyzer and counts the calls."""

    def __init__(self) -> None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self.inner = SentimentIntensityAnalyzer()
        self.calls = 0

    def polarity_scores(self, text: str) -> dict[str, float]:
        self.calls += 1
        return self.inner.polarity_scores(text)


def test_language_prefers_the_mention_field_then_detects():
    assert facts("whatever text", lang="pt-BR").language == "pt"
    assert facts("Meine Bestellung ist nach drei Wochen immer noch nicht angekommen").language == "de"
    assert facts("Mi pedido no ha llegado y nadie responde").language == "es"
    assert facts("我的订单还没有到，我要退款").language == "zh"


def test_language_is_none_for_too_little_text():
    assert facts("").language is None
    assert facts("ok 👍").language is None
    assert facts("@acme #x https://example.com/abc").language is None


def test_sentiment_and_labels():
    assert facts("I love this, best bike ever!").sentiment_label == "positive"
    assert facts("Terrible service, I hate waiting for a broken product").sentiment_label == "negative"
    assert facts("The parcel is at the depot").sentiment_label == "neutral"
    assert sentiment_label(-0.05) == "negative" and sentiment_label(0.05) == "positive"
    assert sentiment_label(0.0) == "neutral"


def test_reach_is_followers():
    assert facts("hi", followers=1234).reach == 1234


def test_flags_legal_safety_question_pii():
    assert facts("My lawyer will hear about this").has_flag("legal_threat")
    assert facts("see you in court @acme").has_flag("legal_threat")
    assert facts("We are filing a class action").has_flag("legal_threat")
    assert not facts("Great ride to the coast today").has_flag("legal_threat")
    assert facts("The battery caught fire in my hallway").has_flag("safety")
    assert facts("my son ended up in hospital after the brake failed").has_flag("safety")
    assert not facts("Delivery was quick, thanks").has_flag("safety")
    assert facts("Where is my parcel").has_flag("question")
    assert facts("@acme can you check my order").has_flag("question")
    assert facts("is this thing on?").has_flag("question")
    assert not facts("Thanks for the help today").has_flag("question")
    assert facts("email me at jo.smith@example.com").has_flag("pii_in_mention")
    assert facts("call me on +44 20 7946 0958").has_flag("pii_in_mention")
    assert facts("my card 4111 1111 1111 1111 was charged twice").has_flag("pii_in_mention")
    assert not facts("order 4111 1111 1111 1112 is late").has_flag("pii_in_mention")  # fails the Luhn check
    assert not facts("order #12345678 is late").has_flag("pii_in_mention")


def test_needs_response_rule():
    # The triage model decides (bot.triage.model): questions, complaints, requests need us.
    assert facts("@acme where is my order? been waiting two weeks").has_flag("needs_response")
    assert facts("when does the shop open?").has_flag("needs_response")  # a question
    assert facts("this is the worst bike I ever owned").has_flag("needs_response")  # negative
    assert not facts("lovely ride along the river today").has_flag("needs_response")
    # Praise that addresses us needs no answer.
    assert not facts("@acme.bsky.social is great, thanks").has_flag("needs_response")
    # A legal threat always does, whatever the model says.
    assert facts("see you in court").has_flag("needs_response")
    # Our own posts never need a reply, even negative ones that tag us.
    assert not facts("@acme sorry, this is awful news", handle="acme").has_flag("needs_response")
    # "@acme_support" is someone else.
    assert not facts("@acme_support lovely ride today").has_flag("needs_response")


def test_facts_are_lazy_and_computed_once():
    counter = CountingAnalyzer()
    m = mention("This is awful")
    f = Facts(m, m.text, HANDLES, analyzer=counter)
    assert counter.calls == 0
    assert f.has_flag("safety") is False and f.has_flag("legal_threat") is False
    assert counter.calls == 0  # flags that do not need sentiment do not run VADER
    assert f.sentiment < 0 and f.sentiment_label == "negative"
    _ = f.flags
    assert counter.calls == 1


def test_extra_flags_and_enrich():
    m = mention("@acme my order is late. Why?")
    f = Facts(m, m.text, HANDLES, extra_flags=frozenset({"customer"}))
    assert f.has_flag("customer") and "customer" in f.flags
    signals = enrich(m, normalize(m.text), HANDLES)
    assert signals.language == "en"
    assert signals.reach == 10
    assert {"question", "needs_response"} <= signals.flags
    assert "customer" not in signals.flags
    assert signals.sentiment_label in {"negative", "neutral", "positive"}


def test_fediverse_handles_are_not_emails():
    for text in [
        "Loving my new ride from @tandembikes@mastodon.social!",
        "@aiko@fosstodon.org thanks for the tip",
        "cc @aiko.x@fosstodon.org and @bo-b@hachyderm.io",
        "(@aiko@fosstodon.org)",
    ]:
        assert not facts(text).has_flag("pii_in_mention"), text


def test_real_emails_are_still_pii():
    for text in [
        "jo.smith@example.com is my address",  # at the very start
        "line one\njo@example.co.uk on the next",  # at a line start
        "write to jo+bikes@example.com please",  # after a space
        "@acme my email: jo@example.com",  # a handle elsewhere in the post
        "@aiko@fosstodon.org or mail jo@example.com",  # a handle and an address
    ]:
        assert facts(text).has_flag("pii_in_mention"), text
    # has_pii also reads raw text, where a line may start with the address.
    assert has_pii("first line\njo@example.com") and has_pii("jo@example.com")
    assert not has_pii("first line\n@aiko@fosstodon.org")
