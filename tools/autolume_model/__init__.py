"""autolume's own StyleGAN2(-ADA) generator and its TorchScript export (the model contract)."""

from .export import save_contract, script_generator
from .networks import ContractGenerator, Generator, bend_matrix, identity_bends

__all__ = ['ContractGenerator', 'Generator', 'bend_matrix', 'identity_bends', 'save_contract',
           'script_generator']
