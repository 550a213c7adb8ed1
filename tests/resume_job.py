"""A small training job for tests/test_resume.py: run as a subprocess, killed and restarted.

    python resume_job.py WORKDIR EPOCHS [--backup] [--ema] [--uninterrupted-first REFERENCE]

Trains a toy GAN with ganlab.seed(0) for EPOCHS epochs, logging each epoch it
starts to WORKDIR/epochs.log and, at the end, the final weights to
WORKDIR/final.npz. With --backup, Keras' BackupAndRestore keeps a checkpoint in
WORKDIR/backup after every epoch and restores it on start. With --ema, the GAN
keeps a moving average of the generator (ema_decay=0.9), saved and restored with the rest.
With --uninterrupted-first REFERENCE, the process first trains the same GAN from
ganlab.seed(0) without a backup, start to end, into REFERENCE (its own epochs.log and
final.npz), as a process of its own would: the reference run then costs no second
TensorFlow start-up.
"""
import os
import sys
import time
from pathlib import Path

import keras
import numpy as np

import ganlab
from ganlab import data, models
from ganlab.training import GAN


class LogEpochs(keras.callbacks.Callback):
    def __init__(self, path, pause):
        super().__init__()
        self.path, self.pause = path, pause

    def on_epoch_begin(self, epoch, logs=None):
        with open(self.path, "a") as handle:
            handle.write(f"{os.getpid()} {epoch}\n")

    def on_train_batch_end(self, batch, logs=None):
        time.sleep(self.pause)  # slow enough for the test to kill it mid-epoch


def train(workdir, epochs, backup, ema):
    ganlab.seed(0)
    mixture = data.ring(radius=2.0, std=0.05)
    generator = models.mlp_generator(latent_dim=4, output_shape=(2,), hidden_units=(16,), output_activation=None,
                                     batch_norm=True)
    discriminator = models.mlp_discriminator(input_shape=(2,), hidden_units=(16,), dropout=0.2)
    gan = GAN(generator, discriminator, discriminator_steps=2, ema_decay=0.9 if ema else None)
    gan.compile()
    callbacks = [LogEpochs(workdir / "epochs.log", pause=0.01)]
    if backup:
        callbacks.append(keras.callbacks.BackupAndRestore(str(workdir / "backup"), delete_checkpoint=False))
    gan.fit(mixture.dataset(batch_size=32, n_samples=32 * 20, seed=5), epochs=epochs, callbacks=callbacks, verbose=0)
    np.savez(workdir / "final.npz", *gan.get_weights(), gan.sample(16, seed=3))


def main():
    workdir, epochs = Path(sys.argv[1]), int(sys.argv[2])
    ema = "--ema" in sys.argv
    if "--uninterrupted-first" in sys.argv:
        reference = Path(sys.argv[sys.argv.index("--uninterrupted-first") + 1])
        reference.mkdir(parents=True, exist_ok=True)
        train(reference, epochs, backup=False, ema=ema)
    train(workdir, epochs, backup="--backup" in sys.argv, ema=ema)


if __name__ == "__main__":
    main()
