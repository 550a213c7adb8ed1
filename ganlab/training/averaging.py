"""The moving average of a generator's weights (Karras et al., 2018; Yazici et al., 2019), which a GAN may sample
from instead of the generator itself: ``Game(..., ema_decay=0.999)``."""
from __future__ import annotations

import keras
import tensorflow as tf

from ganlab.models.networks import clone_network


class WeightAverage:
    """Mixed into :class:`ganlab.training.core.Game`: ``update_ema`` after each step, ``sampling_generator``."""

    def update_ema(self):
        """ema = d * ema + (1 - d) * weights after each generator step, d = min(ema_decay, (1 + t) / (10 + t)).

        The warm-up is that of TensorFlow's ``ExponentialMovingAverage(num_updates=t)``: early on the
        average forgets the random initial weights quickly, later it spans about 1 / (1 - ema_decay)
        steps. Trainable weights are averaged; the rest (batch norm's statistics) are copied.
        """
        step = tf.cast(self.step_counter, tf.float32)
        decay = tf.minimum(self.ema_decay, (1.0 + step) / (10.0 + step))
        for weight, average in zip(self.generator.weights, self.ema_generator.weights):
            if weight.trainable:
                d = tf.cast(decay, average.dtype)
                average.assign(d * average + (1 - d) * tf.cast(weight, average.dtype))
            else:
                average.assign(weight)

    @property
    def sampling_generator(self) -> keras.Model:
        """The network that samples are drawn from: ``ema_generator`` if the GAN keeps one, else ``generator``."""
        return self.generator if self.ema_generator is None else self.ema_generator


def averaged_copy(generator: keras.Model) -> keras.Model:
    """A frozen copy of ``generator`` with its current weights, to hold their moving average."""
    try:
        copy = clone_network(generator)
    except Exception as error:  # subclassed models without get_config cannot be cloned
        raise TypeError(f"ema_decay needs a generator that keras.models.clone_model can copy (a functional or "
                        f"Sequential model, as ganlab.models builds); this one failed: {error}") from error
    copy.name = f"{generator.name}_ema"
    copy.set_weights(generator.get_weights())
    copy.trainable = False  # it is never trained, only assigned: keep its weights out of the trainable weights
    return copy
