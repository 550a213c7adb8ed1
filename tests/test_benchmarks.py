"""The benchmark scripts run end to end on a tiny budget (their real runs are recorded in the README)."""
import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_mode_coverage_table_puts_ours_beside_the_papers():
    from ganlab.experiments import collapse

    bench = load("mode_coverage")
    row = collapse.train("gan", bench.DATASETS["ring"](), 0, collapse.Recipe(steps=4, batch_size=32),
                         samples=200, dataset="ring").row()
    table = bench.summarise([row, {**row, "seed": 1}])
    assert "ring" in table and " gan " in table and "PacGAN4" in table and "grid" not in table


def test_mode_coverage_appends_only_missing_seeds(tmp_path, monkeypatch, capsys):
    import json
    import sys

    bench = load("mode_coverage")
    base = ["mode_coverage.py", "--methods", "gan", "--datasets", "ring", "--steps", "4", "--out", str(tmp_path)]
    monkeypatch.setattr(sys, "argv", base + ["--seeds", "1"])
    bench.main()
    first = json.loads((tmp_path / "result.json").read_text())["rows"]
    monkeypatch.setattr(sys, "argv", base + ["--seeds", "2", "--append"])
    bench.main()
    rows = json.loads((tmp_path / "result.json").read_text())["rows"]
    assert [r["seed"] for r in rows] == [0, 1] and rows[0] == first[0]
    capsys.readouterr()
    monkeypatch.setattr(sys, "argv", base + ["--table-only"])
    bench.main()
    assert "ring" in capsys.readouterr().out and " 2\n" in (tmp_path / "table.txt").read_text() + "\n"
    saved = json.loads((tmp_path / "result.json").read_text())
    (tmp_path / "result.json").write_text(json.dumps({**saved, "recipe": {**saved["recipe"], "batch_size": 64}}))
    monkeypatch.setattr(sys, "argv", base + ["--seeds", "3", "--append"])
    with pytest.raises(SystemExit):  # another recipe: appending would mix two experiments
        bench.main()


def test_mode_coverage_keeps_runs_of_other_lengths_and_counts_r1_before_rejection(tmp_path, monkeypatch):
    import json
    import sys

    bench = load("mode_coverage")
    base = ["mode_coverage.py", "--datasets", "ring", "--seeds", "1", "--out", str(tmp_path), "--append"]
    monkeypatch.setattr(sys, "argv", base + ["--methods", "gan", "--steps", "4"])
    bench.main()
    monkeypatch.setattr(sys, "argv", base + ["--methods", "r1_drs", "--steps", "6", "--refit-steps", "10"])
    bench.main()
    rows = json.loads((tmp_path / "result.json").read_text())["rows"]
    assert [(r["method"], r["steps"]) for r in rows] == [("gan", 4), ("r1_drs", 6), ("r1", 6)]
    assert rows[2]["seconds"] <= rows[1]["seconds"] and rows[2]["cpu_seconds"] is None
    table = (tmp_path / "table.txt").read_text()
    assert " r1_drs " in table and " r1 " in table and "     4 1" in table and "     6 1" in table


def test_recipe_screens_table_gives_the_mean_and_each_seed_per_setting_and_epoch():
    bench = load("recipe_screens")
    points = [dict(variant=v, seed=s, epoch=e, cpu_seconds=cpu, fd=fd, readable=r)
              for v, s, e, cpu, fd, r in [("paper", 6, 12, 390.0, 170.0, 0.48), ("paper", 7, 12, 402.0, 150.0, 0.50),
                                          ("fast_g", 6, 12, 360.0, 82.0, 0.60), ("fast_g", 6, 1, 36.0, 390.0, 0.02)]]
    lines = bench.table({"machine": "test machine", "points": points}, bench.SCREENS["wgan_gp"]["variants"])
    lines = lines.splitlines()
    assert "| paper | 12 | 6.6 | 160 (170, 150) | 0.49 (0.48, 0.50) |" in lines
    assert lines.index("| fast_g | 1 | 0.6 | 390 (390) | 0.02 (0.02) |") < lines.index(
        "| fast_g | 12 | 6.0 | 82 (82) | 0.60 (0.60) |")  # epochs in order, each on its own row
    assert not any(line.startswith("| ema |") for line in lines)  # settings without points get no row
    assert lines[-1] == "seeds [6, 7]; test machine"


def test_recipe_screens_refuse_a_setting_of_another_screen(monkeypatch, capsys):
    import sys

    bench = load("recipe_screens")
    monkeypatch.setattr(sys, "argv", ["recipe_screens.py", "mlp", "fast_g"])
    with pytest.raises(SystemExit):
        bench.main()
    assert "unknown variants ['fast_g'] for mlp: choose from paper, recipe" in capsys.readouterr().err


def test_recipe_screens_refuse_zero_threads_before_training(monkeypatch, capsys):
    import sys

    bench = load("recipe_screens")
    monkeypatch.setattr(bench, "run", lambda *args: pytest.fail("trained despite a bad --threads"))
    monkeypatch.setattr(sys, "argv", ["recipe_screens.py", "dcgan", "recipe", "--threads", "0", "--seeds", "0"])
    with pytest.raises(SystemExit):
        bench.main()
    assert "--threads must be at least 1, got 0" in capsys.readouterr().err


def test_recipe_screens_merge_joins_per_seed_files_and_refuses_a_point_twice(tmp_path, monkeypatch, capsys):
    import sys

    bench = load("recipe_screens")
    monkeypatch.setattr(bench, "run", lambda *args: pytest.fail("--merge trained"))
    files = []
    for seed, fd in ((0, 14.4), (1, 13.0)):
        files.append(tmp_path / f"s{seed}.json")
        point = dict(variant="recipe", seed=seed, epoch=36, cpu_seconds=1680.0, fd=fd, readable=0.77)
        files[-1].write_text(json.dumps({"machine": "test machine", "points": [point]}))
    out = tmp_path / "dcgan.json"
    monkeypatch.setattr(sys, "argv", ["recipe_screens.py", "dcgan", "--merge", *map(str, files), "--result", str(out)])
    bench.main()
    assert [p["seed"] for p in json.loads(out.read_text())["points"]] == [0, 1]
    assert "| recipe | 36 | 28.0 | 14 (14, 13) | 0.77 (0.77, 0.77) |" in capsys.readouterr().out
    monkeypatch.setattr(sys, "argv", ["recipe_screens.py", "dcgan", "--merge", str(files[0]), "--result", str(out),
                                      "--append"])
    with pytest.raises(SystemExit):
        bench.main()
    assert "1 (setting, seed, epoch) points appear twice, e.g. ('recipe', 0, 36)" in capsys.readouterr().err
    monkeypatch.setattr(sys, "argv", ["recipe_screens.py", "dcgan", "--merge", str(tmp_path / "none.json")])
    with pytest.raises(SystemExit):
        bench.main()
    assert "--merge: no such file" in capsys.readouterr().err


@pytest.mark.parametrize("variant", ["hinge", "smooth0.9", "recipe_d64"])
def test_recipe_levers_variants_still_train_on_the_shared_step(variant):
    import numpy as np
    import tensorflow as tf

    levers = load("recipe_levers")
    config = {**levers.OLD, **levers.VARIANTS[variant]}
    generator = levers.models.dcgan_generator(latent_dim=config["latent_dim"], width=8, refinements=config["g_extra"])
    discriminator = levers.models.dcgan_discriminator(width=8 * (config["d_width"] or 32) // 32)
    gan = levers.LeverGAN(generator, discriminator, loss=config["loss"], smoothing=config["smoothing"], seed=0)
    gan.compile()
    images = np.random.default_rng(0).uniform(-1, 1, (32, 28, 28, 1)).astype(np.float32)
    history = gan.fit(tf.data.Dataset.from_tensor_slices(images).batch(16), epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"][-1]) and np.isfinite(history.history["g_loss"][-1])
    real, fake = tf.constant([[2.0]]), tf.constant([[-2.0]])
    plain = float(levers.LeverGAN(generator, discriminator, seed=0).judge_loss(real, fake))
    if variant == "hinge":  # zero once real logits pass 1 and fake ones fall below -1
        assert float(gan.judge_loss(real, fake)) == pytest.approx(0.0)
    elif variant == "smooth0.9":  # a real target of 0.9 costs more on a confident real logit
        assert float(gan.judge_loss(real, fake)) > plain + 0.05
    else:
        assert float(gan.judge_loss(real, fake)) == pytest.approx(plain)
