"""`--engine ray --address` joining a two-node Ray cluster on this machine
(``ray.cluster_utils.Cluster``): the same files as the local engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from curate.pipeline import PipelinePlan, run_pipeline
from tests.pipeline.planted import write_shards

ray = pytest.importorskip("ray", reason="needs ray[data]: pip install 'curate-ft[ray]'")
pytestmark = pytest.mark.slow


def test_two_nodes_give_the_local_answers(tmp_path: Path) -> None:
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    cluster.add_node(num_cpus=1)
    try:
        cluster.wait_for_nodes()
        write_shards(tmp_path / "in", n=80, shards=2)
        inputs = [str(tmp_path / "in")]
        local = run_pipeline(PipelinePlan(inputs, tmp_path / "local"))
        on_ray = run_pipeline(
            PipelinePlan(inputs, tmp_path / "ray", engine="ray", address=cluster.address)
        )
        for k in ("created", "engine", "timings"):
            local.pop(k), on_ray.pop(k)
        assert local == on_ray
    finally:
        cluster.shutdown()
