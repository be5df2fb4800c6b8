"""The classifier: encode each demo pair, aggregate the demos, compare with class prototypes.

    demos (N, K, H, W) in/out colours
      -> encoder (cnn | context), one embedding per demo        (N, K, embed_dim)
      -> demo_agg (flatten: concatenate | mean)                 (N, K*embed_dim) or (N, embed_dim)
      -> MLP (mlp_hidden)                                        (N, embed_dim)
      -> similarity to 9 learned class prototypes (dot | cosine) logits (N, 9)

Every knob the seed's sweep tuned is a field of :class:`ModelConfig`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from trainer.task import N_CLASSES, TaskConfig


@dataclass(frozen=True)
class ModelConfig:
    encoder_type: str = "cnn"
    """cnn: a stack of 3x3 convolutions over the stacked in/out grids; context: a transformer
    over the cells of both grids, so attention can match an output cell with its source."""
    depth: int = 4
    """CNN: convolution layers. The receptive field is 2*depth+1 cells, so shallow nets cannot
    see a whole grid; that is why depth matters on this task."""
    width_mult: float = 1.0
    """CNN: channels = round(32 * width_mult)."""
    use_coords: bool = False
    """CNN: add two coordinate channels (CoordConv, arXiv:1807.03247) so filters know where they are."""
    ctx_d_model: int = 64
    ctx_n_head: int = 4
    ctx_n_layers: int = 2
    ctx_dropout: float = 0.1
    embed_dim: int = 128
    """Size of a demo embedding and of the class prototypes."""
    demo_agg: str = "flatten"
    """flatten: concatenate the demo embeddings (order-aware); mean: average them."""
    mlp_hidden: int = 256
    use_cosine: bool = False
    """Cosine similarity to the prototypes (with a learned temperature) instead of a dot product."""

    def problems(self) -> list[str]:
        out = []
        if self.encoder_type not in ("cnn", "context"):
            out.append(f"encoder_type must be cnn or context, got {self.encoder_type!r}")
        if self.demo_agg not in ("flatten", "mean"):
            out.append(f"demo_agg must be flatten or mean, got {self.demo_agg!r}")
        for name in ("depth", "ctx_d_model", "ctx_n_head", "ctx_n_layers", "embed_dim", "mlp_hidden"):
            if getattr(self, name) < 1:
                out.append(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.width_mult <= 0:
            out.append(f"width_mult must be positive, got {self.width_mult}")
        if not 0 <= self.ctx_dropout < 1:
            out.append(f"ctx_dropout must be in [0, 1), got {self.ctx_dropout}")
        if self.encoder_type == "context" and self.ctx_n_head >= 1 and self.ctx_d_model % self.ctx_n_head:
            out.append(f"ctx_d_model ({self.ctx_d_model}) must be divisible by ctx_n_head ({self.ctx_n_head})")
        return out


class CNNEncoder(nn.Module):
    def __init__(self, cfg: ModelConfig, task: TaskConfig) -> None:
        super().__init__()
        self.use_coords = cfg.use_coords
        channels = max(8, round(32 * cfg.width_mult))
        layers: list[nn.Module] = []
        in_channels = 2 * task.n_colours + (2 if cfg.use_coords else 0)
        for _ in range(cfg.depth):
            layers += [nn.Conv2d(in_channels, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels), nn.ReLU()]
            in_channels = channels
        self.body = nn.Sequential(*layers)
        self.proj = nn.Linear(channels, cfg.embed_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (B, 2C, H, W) one-hot input and output grids -> (B, embed_dim)."""
        if self.use_coords:
            b, _, h, w = x.shape
            ys = torch.linspace(-1, 1, h, device=x.device, dtype=x.dtype).view(1, 1, h, 1).expand(b, 1, h, w)
            xs = torch.linspace(-1, 1, w, device=x.device, dtype=x.dtype).view(1, 1, 1, w).expand(b, 1, h, w)
            x = torch.cat([x, ys, xs], dim=1)
        # Global average pooling: the features must encode how output relates to input
        # wherever they look, not memorise absolute positions of a single grid size.
        return self.proj(self.body(x).mean(dim=(2, 3)))


class ContextEncoder(nn.Module):
    def __init__(self, cfg: ModelConfig, task: TaskConfig) -> None:
        super().__init__()
        d = cfg.ctx_d_model
        # One token per cell carrying both its input and its output colour, plus a learned
        # position: to see a flip, the token at (r, c) attends to the one at (r, W-1-c).
        # (A token per grid cell of each grid would double the tokens and quadruple attention.)
        self.colour_in = nn.Embedding(task.n_colours, d)
        self.colour_out = nn.Embedding(task.n_colours, d)
        self.position = nn.Parameter(torch.randn(task.grid_size * task.grid_size, d) * 0.02)
        layer = nn.TransformerEncoderLayer(
            d,
            cfg.ctx_n_head,
            dim_feedforward=4 * d,
            dropout=cfg.ctx_dropout,
            activation="gelu",
            batch_first=True,
            norm_first=True,
        )
        self.body = nn.TransformerEncoder(layer, cfg.ctx_n_layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d)
        self.proj = nn.Linear(d, cfg.embed_dim)

    def forward(self, inputs: torch.Tensor, outputs: torch.Tensor) -> torch.Tensor:
        """inputs, outputs: (B, H, W) colours -> (B, embed_dim)."""
        b = inputs.shape[0]
        tokens = self.colour_in(inputs.reshape(b, -1)) + self.colour_out(outputs.reshape(b, -1)) + self.position
        return self.proj(self.norm(self.body(tokens)).mean(dim=1))


class DemoClassifier(nn.Module):
    def __init__(self, cfg: ModelConfig, task: TaskConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.n_colours = task.n_colours
        self.channels_last = False
        """Feed the CNN NHWC tensors (set by the trainer; convolutions on tensor cores prefer it)."""
        self.encoder = CNNEncoder(cfg, task) if cfg.encoder_type == "cnn" else ContextEncoder(cfg, task)
        agg_dim = cfg.embed_dim * (task.n_demos if cfg.demo_agg == "flatten" else 1)
        self.head = nn.Sequential(
            nn.Linear(agg_dim, cfg.mlp_hidden), nn.GELU(), nn.Linear(cfg.mlp_hidden, cfg.embed_dim)
        )
        self.prototypes = nn.Parameter(torch.randn(N_CLASSES, cfg.embed_dim) / math.sqrt(cfg.embed_dim))
        # Cosine logits live in [-1, 1]; a learned temperature (init 10, as in cosine-softmax
        # classifiers, e.g. arXiv:1801.09414) lets them grow confident.
        self.log_scale = nn.Parameter(torch.tensor(math.log(10.0))) if cfg.use_cosine else None

    def forward(self, inputs: torch.Tensor, outputs: torch.Tensor) -> torch.Tensor:
        """inputs, outputs: (N, K, H, W) colours -> logits (N, 9)."""
        n, k, h, w = inputs.shape
        flat_in, flat_out = inputs.reshape(n * k, h, w), outputs.reshape(n * k, h, w)
        if self.cfg.encoder_type == "cnn":
            x = torch.cat([F.one_hot(flat_in, self.n_colours), F.one_hot(flat_out, self.n_colours)], dim=-1)
            x = x.permute(0, 3, 1, 2).to(self.prototypes.dtype)
            if self.channels_last:  # NHWC, matching weights converted by model.to(channels_last)
                x = x.contiguous(memory_format=torch.channels_last)
            demos = self.encoder(x)
        else:
            demos = self.encoder(flat_in, flat_out)
        demos = demos.reshape(n, k, -1)
        pooled = demos.flatten(1) if self.cfg.demo_agg == "flatten" else demos.mean(dim=1)
        z = self.head(pooled)
        if self.log_scale is None:
            return z @ self.prototypes.t()
        return self.log_scale.exp() * F.normalize(z, dim=-1) @ F.normalize(self.prototypes, dim=-1).t()


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
