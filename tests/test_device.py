"""ganlab.device: hardware detection on this CPU, and training under a 2-replica MirroredStrategy."""
import dataclasses
import json
import os
import subprocess
import sys
import textwrap

import keras
import pytest
import tensorflow as tf

from ganlab import device

needs_cpu_only = pytest.mark.skipif(bool(tf.config.list_physical_devices("GPU")),
                                    reason="checks the CPU configuration; this machine has a GPU")


@needs_cpu_only
def test_setup_on_cpu():
    hardware = device.setup()
    assert hardware.kind == "CPU"
    assert hardware.precision == "float32" and keras.mixed_precision.global_policy().name == "float32"
    assert hardware.jit_compile is False
    assert hardware.replicas == 1
    line = hardware.describe()
    assert "CPU" in line and "float32" in line and "XLA off" in line and "(1 replica)" in line
    assert str(hardware) == line


@needs_cpu_only
def test_setup_overrides():
    hardware = device.setup(precision="float32", jit_compile=True)
    assert hardware.precision == "float32" and hardware.jit_compile is True
    assert "XLA on" in hardware.describe()


def test_float32_and_no_xla_unless_asked_on_any_hardware():
    hardware = device.setup()
    assert hardware.precision == "float32" and keras.mixed_precision.global_policy().name == "float32"
    assert hardware.jit_compile is False and device.current() is hardware


def test_gan_compile_asks_for_xla_only_when_told(make_gan, monkeypatch):
    """GAN.compile asks Keras for XLA only when its caller passes jit_compile=True (setup's choice is passed on
    by the caller, hardware.jit_compile, and never read from a module global at compile or train time). What is
    checked is what GAN.compile asks for: Keras may still refuse XLA, under op determinism for example."""
    asked = []
    original = keras.Model.compile

    def spy(self, *args, **kwargs):
        asked.append(kwargs.get("jit_compile"))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "compile", spy)
    try:
        hardware = device.setup(jit_compile=True)
        make_gan()  # compile() with no jit_compile: off, whatever setup chose
        make_gan().compile(jit_compile=hardware.jit_compile)
    finally:
        device.setup()
    assert asked == [False, False, True]


@needs_cpu_only
def test_mixed_precision_is_opt_in_and_stays_float32_on_a_cpu():
    with pytest.warns(UserWarning, match="stays float32 on this CPU"):
        hardware = device.setup(precision="mixed")
    assert hardware.precision == "float32" and keras.mixed_precision.global_policy().name == "float32"


def test_a_forced_mixed_policy_is_set_and_can_be_undone():
    try:
        assert device.setup(precision="mixed_bfloat16").precision == "mixed_bfloat16"
        assert keras.mixed_precision.global_policy().name == "mixed_bfloat16"
    finally:
        device.setup()
    assert keras.mixed_precision.global_policy().name == "float32"


@pytest.mark.bad_input
@pytest.mark.parametrize("kwargs, error, match", [
    ({"precision": "float16"}, ValueError,
     "precision must be one of 'float32', 'mixed', 'mixed_float16', 'mixed_bfloat16'; got 'float16'"),
    ({"precision": "auto"}, ValueError, "precision must be one of"),
    ({"jit_compile": "auto"}, ValueError, "jit_compile must be True or False.*opt-in"),
], ids=["precision-float16", "precision-auto", "jit-auto"])
def test_setup_bad_inputs(kwargs, error, match):
    with pytest.raises(error, match=match):
        device.setup(**kwargs)
    assert keras.mixed_precision.global_policy().name == "float32"  # refused before changing anything


@needs_cpu_only
@pytest.mark.bad_input
def test_cpu_replicas_bad_value():
    with pytest.raises(ValueError, match="cpu_replicas must be at least 1"):
        device.setup(cpu_replicas=0)


@needs_cpu_only
@pytest.mark.bad_input
def test_cpu_replicas_after_tensorflow_started():
    tf.constant(1.0) + 1.0  # TensorFlow has run something in this process
    with pytest.raises(RuntimeError, match=r"cpu_replicas can only be set before TensorFlow has run anything"):
        device.setup(cpu_replicas=2)
    assert len(tf.config.list_logical_devices("CPU")) == 1


# -- two replicas, in a fresh process ---------------------------------------------------------------------

SCRIPT = textwrap.dedent('''
    import json

    import numpy as np

    import ganlab.device

    hardware = ganlab.device.setup(cpu_replicas=2)  # before TensorFlow runs anything

    import keras
    import tensorflow as tf

    from ganlab.data import array_dataset
    from ganlab.models import mlp_discriminator, mlp_generator
    from ganlab.training import GAN

    out = {"replicas": hardware.replicas, "strategy": type(hardware.strategy).__name__,
           "describe": hardware.describe()}

    def build():
        generator = mlp_generator(2, (1,), (8,), output_activation=None, batch_norm=False)
        discriminator = mlp_discriminator((1,), (8,), dropout=0)
        gan = GAN(generator, discriminator, seed=0)
        gan.compile(keras.optimizers.SGD(0.1), keras.optimizers.SGD(0.1))
        return gan

    data = np.random.default_rng(0).normal(2.0, 0.5, size=(64, 1)).astype(np.float32)

    # 1. a few steps under the mirrored strategy
    keras.utils.set_random_seed(0)
    with hardware.strategy.scope():
        gan = build()
    out["model_strategy"] = type(gan.distribute_strategy).__name__
    history = gan.fit(array_dataset(data, batch_size=8, seed=0), epochs=2, verbose=0).history
    out["history"] = {k: [float(x) for x in v] for k, v in history.items()}
    out["steps"] = int(gan.step_counter.numpy())

    # 2. losses are averaged over the global batch: one D update on 2m samples split over two replicas
    #    equals one D update on the same 2m samples without a strategy. The generator is made constant
    #    (last kernel zero), so the per-replica noise does not change what D sees.
    m = 4
    batch = data[: 2 * m]
    keras.utils.set_random_seed(1)
    with hardware.strategy.scope():
        mirrored = build()
    last = mirrored.generator.layers[-2]
    kernel, bias = last.get_weights()
    last.set_weights([np.zeros_like(kernel), np.full_like(bias, -0.5)])
    g_init, d_init = mirrored.generator.get_weights(), mirrored.discriminator.get_weights()
    mirrored.fit(array_dataset(batch, batch_size=2 * m, shuffle=False), epochs=1, verbose=0)
    d_mirrored = mirrored.discriminator.get_weights()

    plain = build()  # outside the scope: the default strategy, one replica
    out["plain_replicas"] = int(plain.distribute_strategy.num_replicas_in_sync)
    plain.generator.set_weights(g_init)
    plain.discriminator.set_weights(d_init)
    plain.fit(array_dataset(batch, batch_size=2 * m, shuffle=False), epochs=1, verbose=0)
    d_plain = plain.discriminator.get_weights()
    out["max_difference"] = max(float(np.abs(a - b).max()) for a, b in zip(d_mirrored, d_plain))
    out["update_size"] = max(float(np.abs(a - b).max()) for a, b in zip(d_init, d_plain))
    print("RESULT " + json.dumps(out))
''')


@needs_cpu_only
def test_two_cpu_replicas_mirrored_strategy(tmp_path):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120,
                          env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-4000:]
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, done.stdout[-2000:] + done.stderr[-2000:]
    out = json.loads(lines[-1][len("RESULT "):])

    assert out["replicas"] == 2
    assert out["strategy"] == "MirroredStrategy" and out["model_strategy"] == "MirroredStrategy"
    assert "2 replicas" in out["describe"] and "MirroredStrategy" in out["describe"]
    assert set(out["history"]) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert all(len(v) == 2 and all(map(lambda x: x == x and abs(x) < 1e6, v)) for v in out["history"].values())
    assert out["steps"] == 16  # 64 samples / batch 8 x 2 epochs; the counter is not doubled by the replicas

    assert out["plain_replicas"] == 1
    # the update is not trivially zero, and summing instead of averaging would double it
    assert out["update_size"] > 1e-3
    assert out["max_difference"] < 1e-5, out


def test_scope_is_the_strategy_of_the_last_setup(monkeypatch):
    one_device = tf.distribute.OneDeviceStrategy("/cpu:0")
    monkeypatch.setattr(device, "_current", None)
    with device.scope():
        assert not tf.distribute.has_strategy()
    monkeypatch.setattr(device, "_current", dataclasses.replace(device.setup(), strategy=one_device))
    with device.scope():
        assert tf.distribute.get_strategy() is one_device


def test_sweep_builds_its_gan_under_the_strategy_of_setup(monkeypatch):
    from ganlab.experiments import sweep

    one_device = tf.distribute.OneDeviceStrategy("/cpu:0")
    monkeypatch.setattr(device, "_current", dataclasses.replace(device.setup(), strategy=one_device))
    seen = []
    real_gan = sweep.GAN

    def recording_gan(*args, **kwargs):
        seen.append(tf.distribute.get_strategy())
        return real_gan(*args, **kwargs)

    monkeypatch.setattr(sweep, "GAN", recording_gan)
    sweep.build(sweep.Settings(width=8), seed=0)
    assert seen == [one_device]


def test_onednn_is_asked_for_on_x86_and_a_choice_already_made_is_kept():
    import ganlab

    for machine in ("x86_64", "AMD64"):
        environ = {}
        ganlab._onednn_default(environ, machine)
        assert environ == {"TF_ENABLE_ONEDNN_OPTS": "1"}
        environ = {"TF_ENABLE_ONEDNN_OPTS": "0"}  # the user's choice wins
        ganlab._onednn_default(environ, machine)
        assert environ == {"TF_ENABLE_ONEDNN_OPTS": "0"}
    for machine in ("arm64", "aarch64"):  # other CPUs keep TensorFlow's own choice
        environ = {}
        ganlab._onednn_default(environ, machine)
        assert environ == {}


def test_onednn_reports_what_tensorflow_runs():
    state = device.onednn()
    assert state in (True, False, None)
    if os.environ.get("TF_ENABLE_ONEDNN_OPTS") == "1":  # asked for before TensorFlow started (conftest, ganlab)
        assert state is True
