"""The Router and the one-rule-at-a-time baseline of the benchmark must agree."""
from bench.naive_router import NaiveRouter
from bench.routing_data import make_workload
from bench.run import BENCHES
from bot.intake.enrich import Facts
from bot.routing import Router


def test_router_agrees_with_the_naive_loop_on_generated_traffic():
    workload = make_workload(seed=11, routes=400, mentions=1500, hit_share=0.4)
    router, naive = Router(workload.routes), NaiveRouter(workload.routes)
    assert router.warnings == []
    routed = 0
    for mention, text in zip(workload.mentions, workload.texts):
        got = router.route(mention, text, Facts(mention, text, {}))
        expected = naive.route(mention, text, Facts(mention, text, {}))
        assert (got.route if got else None) == expected, text
        routed += got is not None
    assert routed > 300  # the generated mentions really exercise the routes


def test_bench_modules_are_listed_by_name():
    assert "bench.routing_bench" in BENCHES
