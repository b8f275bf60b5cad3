import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from book import experiment, experiments, store, sweep
from book import transformer as tf

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args, devices=1, check=True):
    env = {**os.environ, "JAX_PLATFORMS": "cpu"}
    if devices > 1:
        env["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={devices}"
    return subprocess.run(
        [sys.executable, "-m", "book.sweep", *args],
        env=env,
        check=check,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_smoke_interrupt_and_resume_loses_nothing(tmp_path):
    # the same command as `make sweep-smoke`: kill mid-way, resume, compare with a whole run
    out = subprocess.run(
        [sys.executable, "tests/sweep_smoke.py", str(tmp_path)],
        env={**os.environ, "JAX_PLATFORMS": "cpu"},
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "resumed, all 8 runs equal" in out.stdout


@pytest.fixture(scope="module")
def vmap_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("vmap") / "smoke.jsonl"
    run_cli("run", "smoke", "--out", str(path), "--mode", "vmap", "--quiet")
    return path


def test_sharded_over_two_devices_gives_the_unsharded_numbers(vmap_file, tmp_path):
    sharded = tmp_path / "sharded.jsonl"
    run_cli("run", "smoke", "--out", str(sharded), "--mode", "vmap", "--quiet", devices=2)
    header = store.read_results(sharded)["header"]
    assert header["device"].startswith("2 x"), header["device"]
    assert store.compare_results(vmap_file, sharded) < 1e-5


def test_vmapped_and_looped_runs_agree(vmap_file, tmp_path):
    looped = tmp_path / "loop.jsonl"
    run_cli("run", "smoke", "--out", str(looped), "--mode", "loop", "--quiet")
    assert store.compare_results(vmap_file, looped) < 1e-5
    runs = store.read_results(looped)["runs"]
    assert len(runs) == 8
    r = runs[0]
    assert r["steps"][0] == 0 and r["steps"][-1] == 40
    assert len(r["val_loss"]) == len(r["steps"]) == len(r["train_loss"])
    assert r["final"]["val_loss"] < r["val_loss"][0]  # it trained


def test_results_file_keeps_provenance(vmap_file):
    data = store.read_results(vmap_file)
    header = data["header"]
    for key in ("command", "commit", "device", "versions", "grid_hash", "experiment"):
        assert key in header
    assert header["experiment"] == "smoke" and "jax" in header["versions"]
    assert all("wall_s" in r and "config" in r for r in data["runs"])


def test_corrupt_file_is_an_error_and_is_not_overwritten(vmap_file, tmp_path):
    bad = tmp_path / "bad.jsonl"
    text = vmap_file.read_text()
    bad.write_text(text + '{"kind": "run", "conf')  # a record cut short
    before = bad.read_text()
    out = run_cli("run", "smoke", "--out", str(bad), "--quiet", check=False)
    assert out.returncode == 2 and "not valid JSON" in out.stderr and "line 10" in out.stderr
    assert bad.read_text() == before


def test_foreign_files_are_refused(vmap_file, tmp_path):
    foreign = tmp_path / "notes.jsonl"
    foreign.write_text('{"hello": 1}\n')
    with pytest.raises(sweep.ResultsFileError, match="not a book.sweep/1 results file"):
        sweep.run_experiment("smoke", foreign, progress=False)
    assert foreign.read_text() == '{"hello": 1}\n'
    other = sweep.get("ch3_deep_mlp")
    with pytest.raises(sweep.ResultsFileError, match="holds experiment 'smoke'"):
        store.read_results(vmap_file, other)
    lines = vmap_file.read_text().splitlines()
    header = json.loads(lines[0])
    header["grid_hash"] = "0" * 16
    regrid = tmp_path / "regrid.jsonl"
    regrid.write_text("\n".join([json.dumps(header), *lines[1:]]) + "\n")
    with pytest.raises(sweep.ResultsFileError, match="another grid"):
        store.read_results(regrid, sweep.get("smoke"))


def test_completed_file_is_left_as_it_is(vmap_file, tmp_path):
    copy = tmp_path / "copy.jsonl"
    copy.write_text(vmap_file.read_text())
    sweep.run_experiment("smoke", copy, mode="loop", progress=False)
    data = store.read_results(copy)
    assert len(data["runs"]) == 8 and len(data["sessions"]) == 1


def test_command_line_sees_every_registered_experiment():
    out = run_cli("list").stdout
    assert "ch3_transformer: 165 runs" in out and "ch3_deep_mlp: 300 runs" in out


def test_registry_and_validation():
    assert {"smoke", "ch3_transformer", "ch3_deep_mlp"} <= set(sweep.experiment_names())
    with pytest.raises(ValueError, match="valid: .*ch3_transformer"):
        sweep.get("nope")
    with pytest.raises(ValueError, match="'lr' and 'seed'"):
        experiment.Experiment("x", "", ({"lr": 1.0},), build=lambda g: None)
    with pytest.raises(ValueError, match="distinct"):
        experiment.Experiment("x", "", ({"lr": 1.0, "seed": 0},) * 2, build=lambda g: None)
    with pytest.raises(ValueError, match="valid: vmap, loop"):
        sweep.check_mode("fast")
    with pytest.raises(ValueError, match="valid: vmap, loop"):
        sweep.run_experiment("smoke", "unused.jsonl", mode="auto")
    assert experiments.get("smoke") is experiments.SMOKE
    assert all(isinstance(e, experiment.Experiment) for e in experiments.EXPERIMENTS.values())
    assert all(name == e.name for name, e in experiments.EXPERIMENTS.items())


def test_chapter3_grids():
    lm = sweep.get("ch3_transformer")
    assert len(lm.grid) == 11 * 5 * 3  # variants x learning rates x seeds
    mechanism = sweep.get("ch3_mechanism")
    assert len(mechanism.grid) == 4 * 5 * 3
    # between them, the two transformer sweeps train every FFN of the registry, with
    # the same rates and seeds
    ffns = {r["ffn"] for r in lm.grid + mechanism.grid}
    assert sorted(ffns) == sorted(tf.FFN_VARIANTS)
    assert {(r["lr"], r["seed"]) for r in lm.grid} == {(r["lr"], r["seed"]) for r in mechanism.grid}
    large = sweep.get("ch3_deep_mlp_large_rates")
    assert {(r["activation"], r["lr"]) for r in large.grid} == {
        (a, lr) for a in ("sigmoid", "softsign") for lr in (3.0, 10.0)
    }
    mlp = sweep.get("ch3_deep_mlp")
    assert len(mlp.grid) == 6 * 2 * 5 * 5
    # the second budget: a wider model, five times the steps, the same seeds
    long = sweep.get("ch3_transformer_long")
    assert len(long.grid) == 7 * 4 * 3
    assert {r["sizes"]["d_model"] for r in long.grid} == {128}
    assert {r["steps"] for r in long.grid} == {1000}
    assert {r["seed"] for r in long.grid} == {r["seed"] for r in lm.grid}
    assert {"sigmoid", "sigmoid_centred", "relu", "gelu"} <= {r["ffn"] for r in long.grid}


def test_a_second_writer_on_the_same_file_is_refused(tmp_path):
    import fcntl

    out = tmp_path / "busy.jsonl"
    with open(tmp_path / "busy.jsonl.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(sweep.ResultsFileError, match="another sweep is writing"):
            sweep.run_experiment("smoke", out, progress=False)
    assert not out.exists()


def test_two_files_written_by_parts_merge_into_the_whole(vmap_file, tmp_path):
    a, b, merged = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "m.jsonl"
    run_cli(
        "run", "smoke", "--out", str(a), "--mode", "vmap", "--quiet", "--only", "activation=sigmoid"
    )
    run_cli("run", "smoke", "--out", str(b), "--mode", "vmap", "--quiet", "--reverse")
    assert {r["config"]["activation"] for r in store.read_results(a)["runs"]} == {"sigmoid"}
    assert store.merge_results(a, b, merged) == 8
    data = store.read_results(merged, sweep.get("smoke"))
    assert len(data["sessions"]) == 1  # b's header, kept as provenance
    assert store.compare_results(vmap_file, merged) < 1e-5
    with pytest.raises(sweep.ResultsFileError, match="exists"):
        store.merge_results(a, b, merged)


def test_product_grid_nests_the_first_axis_outermost_and_rejects_empty_axes():
    grid = experiment.product_grid(variant=("a", "b"), lr=(0.1,), seed=(0, 1))
    assert grid == (
        {"variant": "a", "lr": 0.1, "seed": 0},
        {"variant": "a", "lr": 0.1, "seed": 1},
        {"variant": "b", "lr": 0.1, "seed": 0},
        {"variant": "b", "lr": 0.1, "seed": 1},
    )
    with pytest.raises(ValueError, match="seed"):
        experiment.product_grid(lr=(0.1,), seed=())
    with pytest.raises(ValueError, match="variant"):
        experiment.product_grid(variant="abc", lr=(0.1,), seed=(0,))
