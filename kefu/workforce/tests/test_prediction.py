"""The predicted service of a roster (kefu.workforce.core.prediction), against the SLA
target of the channel's policy."""

import pytest

from kefu.workforce.core.prediction import ChannelParameters, predict

ON_DUTY = [0, 2, 4, 6, 8, 6]
VOLUME = [0, 20, 60, 90, 120, 40]


def params(**overrides) -> ChannelParameters:
    return ChannelParameters(aht_s=240, target_s=20, sl_target=0.8, **overrides)


def test_the_share_over_a_30_s_sla_target_is_the_share_over_30_s():
    predicted = predict(ON_DUTY, VOLUME, params(sla_target_s=30.0))
    assert predicted["frt_over_target_rate"] == predicted["frt_over_30s_rate"]
    assert predicted["total_frt_over_target_rate"] == predicted["total_frt_over_30s_rate"]


def test_a_longer_target_is_missed_less_often():
    over_30 = predict(ON_DUTY, VOLUME, params(sla_target_s=30.0))
    over_24h = predict(ON_DUTY, VOLUME, params(sla_target_s=86400.0))
    # an interval the queue cannot keep up with (no agents, or too few) stays missed
    for short, long_ in zip(
        over_30["frt_over_target_rate"], over_24h["frt_over_target_rate"], strict=True
    ):
        assert long_ <= short + 1e-12
    assert over_24h["total_frt_over_target_rate"] < over_30["total_frt_over_target_rate"]
    # the 30 s share does not depend on the SLA target
    assert over_24h["frt_over_30s_rate"] == over_30["frt_over_30s_rate"]


def test_without_a_policy_there_is_no_over_target_prediction():
    predicted = predict(ON_DUTY, VOLUME, params())
    assert predicted["frt_over_target_rate"] == [None] * len(VOLUME)
    assert predicted["total_frt_over_target_rate"] is None
    assert predicted["total_frt_over_30s_rate"] == pytest.approx(
        sum(r * v for r, v in zip(predicted["frt_over_30s_rate"], VOLUME, strict=True))
        / sum(VOLUME)
    )
