"""Model builders. Each returns a plain ``keras.Model``; shapes and widths are arguments."""
from ganlab.models.dcgan import dcgan_critic, dcgan_discriminator, dcgan_generator
from ganlab.models.diversity import MinibatchStdDev, pack_size, packed
from ganlab.models.mlp import mlp_discriminator, mlp_generator

__all__ = ["MinibatchStdDev", "dcgan_critic", "dcgan_discriminator", "dcgan_generator", "mlp_discriminator",
           "mlp_generator", "pack_size", "packed"]
from ganlab.models.translation import patchgan_discriminator, unet_generator

__all__ += ["patchgan_discriminator", "unet_generator"]
