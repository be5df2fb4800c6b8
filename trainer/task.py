"""The visual task: which hidden transformation turns each demo's input grid into its output?

A sample is ``n_demos`` demonstration pairs (input grid -> output grid) that all obey one
hidden transformation; the label is that transformation, one of :data:`TRANSFORMS` (nine
classes, so chance is 1/9). It is the kind of few-shot "infer the rule from examples" task
the seed's visual classifier was tuned on (ARC-style grids of colours), generated from a
seed instead of downloaded.

Everything is produced by tensor operations on the training device from a
``torch.Generator``: a GPU never waits on a CPU data loader, and the same seed on the same
device gives the same samples. The validation and test sets are generated on the CPU from
their own fixed seeds and then moved, so they are identical on every device and for every
trial of a sweep: accuracies of different trials are measured on the same samples.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

TRANSFORMS = (
    "flip_horizontal",
    "flip_vertical",
    "rotate_90",
    "rotate_180",
    "rotate_270",
    "transpose",
    "recolour",
    "translate",
    "scale_up",
)
"""Class names, in label order."""

N_CLASSES = len(TRANSFORMS)
MAX_SHIFT = 2
"""Translations move the grid by up to this many cells along each axis (never by zero)."""


@dataclass(frozen=True)
class TaskConfig:
    """The difficulty knobs. The defaults are the task every example study uses."""

    grid_size: int = 6
    """Grids are grid_size x grid_size cells (even sizes keep scale_up exact)."""
    n_colours: int = 5
    """Colours per cell including the background 0; recolouring needs at least 3."""
    density: float = 0.5
    """Probability that an input cell is not background."""
    noise: float = 0.05
    """Probability that an output cell is replaced by a random colour (label noise on pixels)."""
    n_demos: int = 3
    """Demonstration pairs per sample, all under the sample's one transformation."""
    train_size: int = 6144
    """Training samples, generated once per run from the run's seed (a finite data set, so
    regularisation and early stopping matter)."""
    val_size: int = 900
    """Fixed validation samples (the sweep objective), balanced over the classes."""
    test_size: int = 900
    """Fixed test samples, only used to report a champion without the selection bias of
    having picked it on the validation set."""
    val_seed: int = 1_000_003
    test_seed: int = 2_000_003

    def problems(self) -> list[str]:
        """What is wrong with these knobs, one phrase per problem (empty when valid)."""
        out = []
        if self.grid_size < 2:
            out.append(f"grid_size must be at least 2, got {self.grid_size}")
        if self.n_colours < 3:
            out.append(
                f"n_colours must be at least 3 (recolouring needs two non-background colours), got {self.n_colours}"
            )
        if not 0 < self.density <= 1:
            out.append(f"density must be in (0, 1], got {self.density}")
        if not 0 <= self.noise < 1:
            out.append(f"noise must be in [0, 1), got {self.noise}")
        if self.n_demos < 1:
            out.append(f"n_demos must be at least 1, got {self.n_demos}")
        for name in ("train_size", "val_size", "test_size"):
            if getattr(self, name) < N_CLASSES:
                out.append(f"{name} must be at least {N_CLASSES} (one sample per class), got {getattr(self, name)}")
        return out


@dataclass(frozen=True)
class Samples:
    """``inputs`` and ``outputs``: (N, n_demos, H, W) int64 colours; ``labels``: (N,) int64."""

    inputs: torch.Tensor
    outputs: torch.Tensor
    labels: torch.Tensor

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    def to(self, device: torch.device | str) -> Samples:
        return Samples(self.inputs.to(device), self.outputs.to(device), self.labels.to(device))

    def take(self, index: torch.Tensor | slice) -> Samples:
        return Samples(self.inputs[index], self.outputs[index], self.labels[index])


def generate(task: TaskConfig, n: int, generator: torch.Generator, balanced: bool = False) -> Samples:
    """``n`` samples on ``generator``'s device; ``balanced`` cycles the labels 0..8 exactly."""
    device = generator.device
    if balanced:
        labels = torch.arange(n, device=device) % N_CLASSES
    else:
        labels = torch.randint(N_CLASSES, (n,), generator=generator, device=device)
    size, k = task.grid_size, task.n_demos
    occupied = torch.rand((n, k, size, size), generator=generator, device=device) < task.density
    colours = torch.randint(1, task.n_colours, (n, k, size, size), generator=generator, device=device)
    inputs = colours * occupied
    outputs = inputs.clone()
    for label, name in enumerate(TRANSFORMS):
        rows = (labels == label).nonzero(as_tuple=True)[0]
        if len(rows):
            outputs[rows] = _APPLY[name](inputs[rows], task, generator)
    if task.noise > 0:
        flip = torch.rand(outputs.shape, generator=generator, device=device) < task.noise
        random = torch.randint(0, task.n_colours, outputs.shape, generator=generator, device=device)
        outputs = torch.where(flip, random, outputs)
    return Samples(inputs, outputs, labels)


def fixed_split(task: TaskConfig, which: str) -> Samples:
    """The validation or test set: generated on the CPU from its own seed, so every trial
    and every device sees exactly the same samples."""
    seed, size = {"val": (task.val_seed, task.val_size), "test": (task.test_seed, task.test_size)}[which]
    return generate(task, size, torch.Generator().manual_seed(seed), balanced=True)


# --- the nine transformations; each maps (m, k, H, W) grids to (m, k, H, W) grids ---------
# One hidden transformation per sample: its random parameters (a colour permutation, a shift)
# are drawn once per sample and shared by all of that sample's demos, like a real rule.


def _recolour(grids: torch.Tensor, task: TaskConfig, generator: torch.Generator) -> torch.Tensor:
    m, device = grids.shape[0], grids.device
    n_fg = task.n_colours - 1
    perm = torch.rand((m, n_fg), generator=generator, device=device).argsort(dim=1) + 1
    identity = torch.arange(1, task.n_colours, device=device)
    # An identity permutation would make the sample unlabelable: rotate those by one colour.
    same = (perm == identity).all(dim=1)
    perm[same] = identity.roll(1)
    table = torch.cat([torch.zeros((m, 1), dtype=perm.dtype, device=device), perm], dim=1)
    flat = grids.reshape(m, -1)
    return table.gather(1, flat).reshape(grids.shape)


def _translate(grids: torch.Tensor, task: TaskConfig, generator: torch.Generator) -> torch.Tensor:
    m, device, size = grids.shape[0], grids.device, grids.shape[-1]
    shift = MAX_SHIFT if size > MAX_SHIFT else size - 1
    # Draw (dy, dx) uniformly from the nonzero shifts: index into the list of all of them.
    offsets = torch.arange(-shift, shift + 1, device=device)
    pairs = torch.cartesian_prod(offsets, offsets)
    pairs = pairs[(pairs != 0).any(dim=1)]
    pick = pairs[torch.randint(len(pairs), (m,), generator=generator, device=device)]
    coords = torch.arange(size, device=device)
    src_y = coords[None, :] - pick[:, :1]  # output row r reads input row r - dy
    src_x = coords[None, :] - pick[:, 1:]
    valid = ((src_y >= 0) & (src_y < size))[:, :, None] & ((src_x >= 0) & (src_x < size))[:, None, :]
    sy = src_y.clamp(0, size - 1)[:, None, :, None].expand(-1, grids.shape[1], -1, size)
    rows = grids.gather(2, sy)
    sx = src_x.clamp(0, size - 1)[:, None, None, :].expand(-1, grids.shape[1], size, -1)
    moved = rows.gather(3, sx)
    return moved * valid[:, None]


def _scale_up(grids: torch.Tensor, task: TaskConfig, generator: torch.Generator) -> torch.Tensor:
    size = grids.shape[-1]
    half = (size + 1) // 2
    corner = grids[..., :half, :half]
    return corner.repeat_interleave(2, dim=-2).repeat_interleave(2, dim=-1)[..., :size, :size]


_APPLY = {
    "flip_horizontal": lambda g, t, r: g.flip(-1),
    "flip_vertical": lambda g, t, r: g.flip(-2),
    "rotate_90": lambda g, t, r: g.rot90(1, dims=(-2, -1)),
    "rotate_180": lambda g, t, r: g.rot90(2, dims=(-2, -1)),
    "rotate_270": lambda g, t, r: g.rot90(3, dims=(-2, -1)),
    "transpose": lambda g, t, r: g.transpose(-2, -1),
    "recolour": _recolour,
    "translate": _translate,
    "scale_up": _scale_up,
}
assert tuple(_APPLY) == TRANSFORMS
