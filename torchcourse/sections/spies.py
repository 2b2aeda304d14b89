"""Spies the sections' tests put around a learner's model, shared by the sections that use them."""

import torch
from torch import nn


class SharedLog(list):
    """A list that copy.deepcopy shares instead of copying: a copy of the model made to predict still writes here."""

    def __deepcopy__(self, memo):
        return self


class GradModeSpy(nn.Module):
    """Wraps a model (or, without one, passes its input on), and notes whether autograd was recording each time
    the forward pass ran."""

    def __init__(self, model=None):
        super().__init__()
        self.model = model
        self.recording = SharedLog()

    def forward(self, x):
        self.recording.append(torch.is_grad_enabled())
        return x if self.model is None else self.model(x)
