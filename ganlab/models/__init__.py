"""Model builders. Each returns a plain ``keras.Model``; shapes and widths are arguments."""
from ganlab.models.networks import clone_network, predict
from ganlab.models.dcgan import dcgan_critic, dcgan_discriminator, dcgan_generator
from ganlab.models.diversity import MinibatchStdDev, pack_size, packed
from ganlab.models.mlp import mlp_discriminator, mlp_generator

__all__ = ["MinibatchStdDev", "clone_network", "dcgan_critic", "dcgan_discriminator", "dcgan_generator",
           "mlp_discriminator", "mlp_generator", "pack_size", "packed", "predict"]
from ganlab.models.translation import patch_discriminator, patchgan_discriminator, unet_generator

__all__ += ["patch_discriminator", "patchgan_discriminator", "unet_generator"]
from ganlab.models.style import (AdaIN, ModulatedConv2D, NoiseInjection, adain, mapping_network, mix_styles,
                                 modulated_conv2d, modulated_weights, noise_mode, style_generator,
                                 style_generator_optimizer, style_mix, synthesis_network, synthesize, truncate,
                                 truncated_samples, w_average)

__all__ += ["AdaIN", "ModulatedConv2D", "NoiseInjection", "adain", "mapping_network", "mix_styles", "modulated_conv2d",
            "modulated_weights", "noise_mode", "style_generator", "style_generator_optimizer", "style_mix",
            "synthesis_network", "synthesize", "truncate", "truncated_samples", "w_average"]
from ganlab.models.conditional import (WeightNormDense, classic_augmentation, conditional_discriminator,
                                       conditional_generator, initialize_weight_norm, projection_logit,
                                       semi_supervised_discriminator, semi_supervised_generator, small_classifier)

__all__ += ["WeightNormDense", "classic_augmentation", "conditional_discriminator", "conditional_generator",
            "initialize_weight_norm", "projection_logit", "semi_supervised_discriminator",
            "semi_supervised_generator", "small_classifier"]
from ganlab.models.diffusion import (NoiseSchedule, SinusoidalEmbedding, cosine_schedule, diffusion_unet,
                                     linear_schedule)
from ganlab.models.vae import vae_decoder, vae_encoder

__all__ += ["NoiseSchedule", "SinusoidalEmbedding", "cosine_schedule", "diffusion_unet", "linear_schedule",
            "vae_decoder", "vae_encoder"]
