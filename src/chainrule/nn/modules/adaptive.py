"""``AdaptiveLogSoftmaxWithLoss``: the adaptive softmax of Grave et al. for large vocabularies.

The frequent classes (below ``cutoffs[0]``) and one entry per rarer cluster share the head's softmax; a
class in a cluster adds its log-probability within the cluster, computed through a narrower projection
(``in_features / div_value ** (i + 1)`` wide). The layers are made in PyTorch's order, so the same seed
gives the same weights, and ``forward`` picks rows as PyTorch does, so gradients agree.
"""

import itertools
from collections import namedtuple

from .. import functional as F
from .container import ModuleList, Sequential
from .linear import Linear
from .module import Module

__all__ = ["AdaptiveLogSoftmaxWithLoss"]

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


def _check_cutoffs(cutoffs, n_classes):
    if len(cutoffs) == 0:
        raise ValueError("cutoffs should be a sequence of length larger than 0")
    if (cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1
            or len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs)):
        raise ValueError("cutoffs should be a sequence of unique, positive integers sorted in an increasing order, "
                         "where each value is between 1 and n_classes-1")


def _check_shapes(input, target):
    if target.dim() == 1:
        if input.size(0) != target.size(0):
            raise RuntimeError("Input and target should have the same size in the batch dimension.")
        if input.dim() != 2:
            raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with size {input.size()}")
    elif target.dim() == 0:
        if input.dim() != 1:
            raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with size {input.size()}")
    else:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")


class AdaptiveLogSoftmaxWithLoss(Module):
    """Log-probabilities of targets among ``n_classes``, with the rare classes grouped in clusters behind
    ``cutoffs``; ``forward`` returns ``(output, loss)``, ``log_prob`` every class, ``predict`` the likeliest."""

    def __init__(self, in_features, n_classes, cutoffs, div_value=4.0, head_bias=False, device=None, dtype=None):
        super().__init__()
        cutoffs = list(cutoffs)
        _check_cutoffs(cutoffs, n_classes)
        self.in_features = in_features
        self.n_classes = n_classes
        self.cutoffs = cutoffs + [n_classes]
        self.div_value = div_value
        self.head_bias = head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        made = {"device": device, "dtype": dtype}
        self.head = Linear(in_features, self.head_size, bias=head_bias, **made)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hidden = int(in_features // (div_value ** (i + 1)))
            size = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(Sequential(Linear(in_features, hidden, bias=False, **made),
                                        Linear(hidden, size, bias=False, **made)))

    def reset_parameters(self):
        self.head.reset_parameters()
        for to_hidden, to_output in self.tail:
            to_hidden.reset_parameters()
            to_output.reset_parameters()

    def forward(self, input_, target_):
        _check_shapes(input_, target_)
        batched = target_.dim() > 0
        input = input_ if batched else input_.unsqueeze(0)
        target = target_ if batched else target_.unsqueeze(0)
        rows = target.size(0)
        output = input.new_zeros(rows)
        head_column = target.new_empty(rows)  # the head's entry each row reads: its class, or its cluster's
        covered = 0
        bounds = [0] + self.cutoffs
        for i, (low, high) in enumerate(itertools.pairwise(bounds)):
            in_range = (target >= low) & (target < high)
            picked = in_range.nonzero().squeeze()
            if picked.numel() == 0:
                continue
            if i == 0:
                head_column.index_copy_(0, picked, target[in_range])
            else:
                within = (target[in_range] - low).unsqueeze(1)
                cluster_logprob = F.log_softmax(self.tail[i - 1](input.index_select(0, picked)), dim=1)
                head_column.index_fill_(0, picked, self.shortlist_size + i - 1)
                output.index_copy_(0, picked, cluster_logprob.gather(1, within).squeeze(1))
            covered += picked.numel()
        if covered != rows:
            raise RuntimeError(f"Target values should be in [0, {self.n_classes - 1}], but values in range "
                               f"[{target.min().item()}, {target.max().item()}] were found. ")
        head_logprob = F.log_softmax(self.head(input), dim=1)
        output += head_logprob.gather(1, head_column.unsqueeze(1)).squeeze()
        loss = (-output).mean()
        return _ASMoutput(output if batched else output.squeeze(0), loss)

    def _full_log_prob(self, input, head_output):
        """Every class's log-probability: the head's for the shortlist, cluster plus head entry for the rest."""
        out = input.new_empty((head_output.size(0), self.n_classes))
        head_logprob = F.log_softmax(head_output, dim=1)
        out[:, :self.shortlist_size] = head_logprob[:, :self.shortlist_size]
        for i, (start, stop) in enumerate(itertools.pairwise(self.cutoffs)):
            cluster_logprob = F.log_softmax(self.tail[i](input), dim=1)
            out[:, start:stop] = cluster_logprob + head_logprob[:, self.shortlist_size + i].unsqueeze(1)
        return out

    def log_prob(self, input):
        return self._full_log_prob(input, self.head(input))

    def predict(self, input):
        """The likeliest class of each row; the clusters are only computed for rows whose head prefers one."""
        head_output = self.head(input)
        best = head_output.argmax(dim=1)
        in_cluster = best >= self.shortlist_size
        if not in_cluster.any():
            return best
        if in_cluster.all():
            return self._full_log_prob(input, head_output).argmax(dim=1)
        best[in_cluster] = self._full_log_prob(input[in_cluster], head_output[in_cluster]).argmax(dim=1)
        return best
