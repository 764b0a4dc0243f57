"""Stand-in for the ``torchsummary`` package, which the public codes' ``a2c_continuous.py``
imports to print the discriminator's layers: its ``summary(model, input_size)`` builds its probe
input on CUDA by default, so it fails on a CPU. This one prints nothing and changes no
computation (the discriminator is built, initialised and used by their code as it is)."""


def summary(model, input_size, batch_size=-1, device="cuda"):
    return None
