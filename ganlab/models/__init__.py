"""Model builders. Each returns a plain ``keras.Model``; shapes and widths are arguments."""
from ganlab.models.mlp import mlp_discriminator, mlp_generator

__all__ = ["mlp_discriminator", "mlp_generator"]
