from bot.intake.enrich import Facts
from bot.intake.normalize import normalize
from bot.routing import Router
from tests.routing.helpers import HANDLES, mention, route_text, routes
from tests.routing.test_enrich import CountingAnalyzer


def test_first_route_in_config_order_wins():
    router = Router(routes({"keyword": "refund"}, {"keyword": "late"}, {"min_followers": 0}))
    assert route_text(router, "late refund").route == "r0"
    assert route_text(router, "late again").route == "r1"
    assert route_text(router, "hello").route == "r2"
    m = mention("late refund")
    text = normalize(m.text)
    assert [r.route for r in router.route_all(m, text, Facts(m, text, HANDLES))] == ["r0", "r1", "r2"]


def test_an_earlier_attribute_route_beats_a_later_keyword_route():
    router = Router(routes({"min_followers": 1000}, {"keyword": "refund"}))
    assert route_text(router, "refund", followers=5000).route == "r0"
    assert route_text(router, "refund", followers=5).route == "r1"


def test_route_match_fields_and_matched_order():
    router = Router(routes(
        {"all": [
            {"any": [{"handle": "acme"}, {"hashtag": "acme"}]},
            {"keyword": ["refund", "late", "Refund"]},
            {"regex": r"\d{5}"},
            {"not": {"keyword": "spam"}},
        ]},
        priority="urgent", labels=["money"],
    ))
    got = route_text(router, "So late. #acme order 12345 needs a REFUND, refund! @acme")
    assert (got.route, got.team, got.priority, got.labels) == ("r0", "team0", "urgent", ("money",))
    assert got.matched == ("late", "#acme", r"\d{5}", "refund", "@acme")


def test_matched_leaves_out_negated_terms_and_puts_the_author_first():
    router = Router(routes({"all": [{"handle": "acme"}, {"not": {"keyword": "spam"}}, {"any": [{"keyword": "hi"}]}]}))
    got = route_text(router, "hi there", handle="acme")
    assert got.matched == ("@acme", "hi")


def test_no_routes_and_no_match():
    assert route_text(Router([]), "anything") is None
    assert route_text(Router(routes({"keyword": "refund"})), "nothing here") is None


def _count_vader(router: Router, text: str, **kwargs) -> int:
    counter = CountingAnalyzer()
    m = mention(text, **kwargs)
    clean = normalize(m.text)
    router.route(m, clean, Facts(m, clean, HANDLES, analyzer=counter))
    return counter.calls


def test_vader_runs_only_when_a_candidate_route_tests_sentiment():
    router = Router(routes(
        {"keyword": "refund"},
        # Written sentiment-first: cheap tests still run first.
        {"all": [{"sentiment": {"max": -0.2}}, {"keyword": "broken"}, {"network": "x"}]},
        {"all": [{"keyword": "love"}, {"sentiment": {"min": 0.3}}]},
    ))
    assert _count_vader(router, "my refund is terrible") == 0  # r0 matches, no sentiment needed
    assert _count_vader(router, "nothing to see, awful day") == 0  # no candidate route
    assert _count_vader(router, "broken and awful", network="reddit") == 0  # the network test fails first
    assert _count_vader(router, "broken and awful") == 1
    assert _count_vader(router, "I love it") == 1


def test_language_detection_is_lazy_too():
    calls = []
    router = Router(routes({"all": [{"keyword": "hola"}, {"language": "es"}]}))

    class Spy(Facts):
        @property
        def language(self):
            calls.append(1)
            return "es"

    m = mention("hello")
    router.route(m, m.text, Spy(m, m.text, HANDLES))
    assert calls == []
    m = mention("hola amigos")
    assert router.route(m, m.text, Spy(m, m.text, HANDLES)).route == "r0"
    assert calls == [1]


def test_untriggered_routes_are_gated_by_followers_and_network():
    router = Router(routes(
        {"all": [{"min_followers": 100}, {"network": "reddit"}]},
        {"keyword": "refund"},
        {"any": [{"min_followers": 10}, {"hashtag": "vip"}]},
    ))
    assert route_text(router, "refund", followers=500, network="reddit").route == "r0"
    assert route_text(router, "refund", followers=500, network="x").route == "r1"
    assert route_text(router, "hello", followers=50, network="reddit").route == "r2"
    assert route_text(router, "hello #vip", followers=1).route == "r2"
    assert route_text(router, "hello", followers=1) is None


def test_a_single_hit_still_respects_config_order_and_tests():
    router = Router(routes(
        {"all": [{"keyword": "refund"}, {"network": "reddit"}]},
        {"keyword": ["Refund", "refund"]},
        {"any": [{"hashtag": "acme"}, {"handle": "acme"}]},
        {"min_followers": 1000},
    ))
    assert route_text(router, "refund please", network="reddit").route == "r0"
    got = route_text(router, "refund please", network="x")
    assert (got.route, got.matched) == ("r1", ("Refund",))  # reported as first written
    assert route_text(router, "love #ACME").matched == ("#acme",)
    assert route_text(router, "hi", handle="Acme").matched == ("@acme",)
    # An untriggered route earlier in the config is open to big accounts only.
    router = Router(routes({"min_followers": 1000}, {"keyword": "refund"}))
    assert route_text(router, "refund", followers=5000).route == "r0"
    assert route_text(router, "refund", followers=50).route == "r1"
