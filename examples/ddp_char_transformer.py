"""The char transformer of char_transformer.py trained on several processes with DistributedDataParallel.

Each rank draws its own random windows of the text; DDP averages the gradients across ranks during
backward, so every rank takes the same optimizer step and the replicas stay identical. Rank 0 prints
the progress and the sample. The same script runs on PyTorch (``--torch``, gloo backend) under torchrun.

Run from the repository root (needs ``pip install -e '.[distributed]'``):
    PYTHONPATH=src python -m chainrule.distributed.run --nproc-per-node 2 examples/ddp_char_transformer.py
    PYTHONPATH=src mpiexec -n 2 python examples/ddp_char_transformer.py           # the same, with mpiexec
    torchrun --nproc-per-node 2 examples/ddp_char_transformer.py --torch         # PyTorch
"""

import _common
from char_transformer import TEXT, CharTransformer, random_windows, sample

torch = _common.torch
F = torch.nn.functional
dist = torch.distributed
DDP = torch.nn.parallel.DistributedDataParallel


def main():
    options = _common.parser(__doc__, steps=150)
    options.add_argument("--batch-size", type=int, default=16, help="windows per rank and step (default 16)")
    options.add_argument("--sample-length", type=int, default=200, help="characters to write at the end (default 200)")
    args = options.parse_args()
    dist.init_process_group(backend="gloo")  # chainrule runs over MPI and takes "gloo" as PyTorch's CPU name
    rank, world = dist.get_rank(), dist.get_world_size()
    with open(TEXT) as fh:
        text = fh.read()
    characters = sorted(set(text))
    index = {character: i for i, character in enumerate(characters)}
    data = torch.tensor([index[character] for character in text])
    if rank == 0:
        print(f"data: {TEXT} ({len(text)} characters, {len(characters)} distinct)")

    context = 64
    torch.manual_seed(args.seed)
    model = DDP(CharTransformer(len(characters), context))  # rank 0's initial weights reach every rank
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    torch.manual_seed(args.seed + 1 + rank)  # each rank its own windows
    progress = _common.ProgressBar(args.steps, f"DDP char transformer, {world} ranks "
                                               f"({_common.library_name(torch)})") if rank == 0 else None
    for _ in range(args.steps):
        inputs, targets = random_windows(data, context, batch_size=args.batch_size)
        logits = model(inputs)
        loss = F.cross_entropy(logits.reshape(-1, len(characters)), targets.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        loss = loss.detach()
        dist.all_reduce(loss, op=dist.ReduceOp.AVG)  # the mean loss over every rank's windows
        if progress is not None:
            progress.update(loss.item())
    if progress is not None:
        seconds = progress.close()
        print(f"{_common.library_name(torch)}: {args.steps} steps of {world} x {args.batch_size} windows in "
              f"{seconds:.2f} s, final loss {progress.losses[-1]:.3f}")
        written = sample(model.module, data[:context], args.sample_length, context)
        print("sample:")
        print("".join(characters[i] for i in written[context:].tolist()))
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
