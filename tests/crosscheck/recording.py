"""What an rl_games agent's ``calc_gradients`` minimises, recorded without an optimizer step.

Plain torch, no rl_games import: both sides of the whole-minibatch check use it, our agent in the
test and the public code's agent in ``reference_side.py`` (rl_games 1.6.1 and 1.6.5 both call
``self.scaler.scale(loss).backward()`` and then ``self.trancate_gradients_and_step()``).
"""

import torch


def record_update(agent) -> dict:
    """Makes ``agent``'s next ``calc_gradients`` record ``loss`` and every parameter's
    ``gradients`` into the returned dict and skip the clipping and the optimizer step."""
    seen = {}

    class RecordingScaler:
        def scale(self, loss):
            seen["loss"] = loss.detach().clone()
            return loss

    def record_gradients():
        seen["gradients"] = {name: p.grad.clone() for name, p in agent.model.named_parameters()
                             if p.grad is not None}
        return torch.zeros(1)   # the public codes log what this returns

    agent.scaler = RecordingScaler()
    agent.trancate_gradients_and_step = record_gradients
    return seen
