"""Checks for notebook 02 (DCGAN)."""
from __future__ import annotations

import numbers
import keras

from ganlab.course.exercises.feedback import Feedback, correct, wrong


def _keras_output_size(size, kernel, stride, padding):
    layer = keras.layers.Conv2DTranspose(1, kernel, strides=stride, padding=padding)
    return layer.compute_output_shape((None, size, size, 1))[1]


def check_transposed_output_size(fn) -> Feedback:
    """Mark ``fn(size, kernel, stride, padding)``: the output size of a 2-D transposed convolution."""
    if not callable(fn):
        return wrong("pass your function itself, without brackets.")
    cases = [(7, 4, 2, "same"), (7, 5, 2, "same"), (4, 4, 2, "valid"), (7, 5, 1, "valid"), (3, 3, 3, "valid"),
             (14, 4, 2, "same"), (5, 2, 2, "valid")]
    for size, kernel, stride, padding in cases:
        expected = _keras_output_size(size, kernel, stride, padding)
        try:
            got = fn(size, kernel, stride, padding)
        except NotImplementedError:
            return wrong("the function is not written yet: replace `raise NotImplementedError` with your code.")
        except Exception as error:  # the learner's code failed: say how
            return wrong(f"for size={size}, kernel={kernel}, stride={stride}, padding={padding!r} it raised "
                         f"{type(error).__name__}: {error}.")
        if not isinstance(got, numbers.Integral) and not (isinstance(got, float) and got.is_integer()):
            return wrong(f"return a whole number of pixels, got {got!r}.")
        if int(got) != expected:
            if padding == "valid" and int(got) == (size - 1) * stride + 1:
                hint = "with 'valid' padding the kernel sticks out past the last input: add kernel - 1, not 1."
            elif padding == "valid" and int(got) == size * stride:
                hint = "that is the 'same' rule; with 'valid' padding the output is (size - 1) * stride + kernel."
            elif padding == "same" and int(got) == (size - 1) * stride + kernel:
                hint = "that is the 'valid' rule; 'same' padding crops the output to exactly size * stride."
            else:
                hint = "a transposed convolution runs a strided convolution backwards: think of size * stride."
            return wrong(f"for size={size}, kernel={kernel}, stride={stride}, padding={padding!r} the output is "
                         f"{expected} pixels, yours gives {got}. {hint}")
    return correct("'same': size * stride; 'valid': (size - 1) * stride + kernel. That is why a 7x7 start "
                   "reaches 28x28 in two stride-2 steps.")


def check_generator_block(fn) -> Feedback:
    """Mark ``fn(x, channels)``: one DCGAN generator block that doubles the size (ConvT stride 2 -> BN -> ReLU)."""
    if not callable(fn):
        return wrong("pass your function itself, without brackets.")
    inputs = keras.Input((7, 7, 64))
    try:
        outputs = fn(inputs, 32)
    except NotImplementedError:
        return wrong("the block is not written yet: replace `raise NotImplementedError` with your code.")
    except Exception as error:  # the learner's code failed: say how
        return wrong(f"calling your block on a (7, 7, 64) input raised {type(error).__name__}: {error}.")
    if outputs is None:
        return wrong("your block returned None: return the output tensor.")
    model = keras.Model(inputs, outputs)
    kinds = [type(layer).__name__ for layer in model.layers[1:]]
    shape = tuple(model.output_shape[1:])
    if any("Pooling" in k or "UpSampling" in k for k in kinds):
        return wrong("DCGAN learns its upsampling: use a stride-2 Conv2DTranspose instead of pooling or UpSampling2D.")
    if "Conv2DTranspose" not in kinds:
        return wrong(f"the block needs a Conv2DTranspose; it has {kinds}.")
    if shape != (14, 14, 32):
        return wrong(f"from a (7, 7, 64) input with channels=32 the block must give (14, 14, 32), yours gives {shape}. "
                     "Use strides=2 and padding='same'.")
    if "BatchNormalization" not in kinds:
        return wrong("add BatchNormalization after the transposed convolution (before the activation).")
    if "ReLU" not in kinds and not any(getattr(l, "activation", None) is keras.activations.relu for l in model.layers):
        if "LeakyReLU" in kinds:
            return wrong("LeakyReLU is the discriminator's activation; the DCGAN generator uses plain ReLU.")
        return wrong("end the block with a ReLU activation.")
    if kinds.index("BatchNormalization") < kinds.index("Conv2DTranspose"):
        return wrong("normalise the convolution's output: Conv2DTranspose first, then BatchNormalization.")
    if "ReLU" in kinds and kinds.index("ReLU") < kinds.index("BatchNormalization"):
        return wrong("the activation comes last: Conv2DTranspose -> BatchNormalization -> ReLU, so that ReLU sees "
                     "normalised values.")
    return correct(f"{' -> '.join(kinds)} maps (7, 7, 64) to (14, 14, 32), as in the DCGAN generator.")


def check_best_run(answer, results: dict) -> Feedback:
    """Mark ``answer``: the name of the run in ``results`` ({name: final distance}) with the best (lowest) distance."""
    if not results:
        return wrong("results is empty: run the comparison cell first.")
    best = min(results, key=results.get)
    worst = max(results, key=results.get)
    if answer not in results:
        return wrong(f"answer with one of {sorted(results)}, got {answer!r}.")
    if answer == best:
        return correct(f"{best!r} ended with the lowest distance ({results[best]:.1f}); lower means the generated "
                       "features' statistics are closer to those of real digits.")
    if answer == worst:
        return wrong("that run has the highest distance: for a Fréchet distance lower is better.")
    return wrong(f"{answer!r} ended at {results[answer]:.1f}; another run ended lower. Compare the final values.")
