"""A tiny character-level transformer: it learns to continue the text in examples/data/tiny_text.txt one
character at a time, then writes a sample of its own.

Token and position embeddings, two pre-norm TransformerEncoderLayers under a causal mask, a linear head
over the characters; trained with AdamW on random windows of the text.

Run from the repository root:
    PYTHONPATH=src python examples/char_transformer.py            # chainrule
    PYTHONPATH=src python examples/char_transformer.py --torch    # the same script on PyTorch
    PYTHONPATH=src python examples/char_transformer.py --device cuda    # on an NVIDIA GPU (chainrule[cuda12])
"""

import os

import _common

torch = _common.torch
nn = torch.nn
F = torch.nn.functional

TEXT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "tiny_text.txt")


class CharTransformer(nn.Module):
    def __init__(self, vocab_size, context, width=64, heads=4, layers=2):
        super().__init__()
        self.token = nn.Embedding(vocab_size, width)
        self.position = nn.Embedding(context, width)
        layer = nn.TransformerEncoderLayer(width, heads, dim_feedforward=4 * width, dropout=0.0, batch_first=True,
                                           norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(width)
        self.head = nn.Linear(width, vocab_size)
        # position i may look at positions 0..i only: -inf above the diagonal
        self.register_buffer("causal_mask", torch.triu(torch.full((context, context), float("-inf")), diagonal=1))

    def forward(self, tokens):
        length = tokens.shape[1]
        hidden = self.token(tokens) + self.position(torch.arange(length, device=tokens.device))
        hidden = self.blocks(hidden, mask=self.causal_mask[:length, :length], is_causal=True)
        return self.head(self.norm(hidden))


def random_windows(data, context, batch_size):
    """``batch_size`` windows of the text and, for each, the same window shifted by one character."""
    starts = torch.randint(0, len(data) - context - 1, (batch_size,))
    inputs = torch.stack([data[start:start + context] for start in starts.tolist()])
    targets = torch.stack([data[start + 1:start + context + 1] for start in starts.tolist()])
    return inputs, targets


def sample(model, prompt, length, context, temperature=0.8):
    """Extend ``prompt`` (a 1-D tensor of character ids) by ``length`` characters drawn from the model."""
    model.eval()
    tokens = prompt
    with torch.no_grad():
        for _ in range(length):
            logits = model(tokens[-context:].unsqueeze(0))[0, -1]
            probabilities = F.softmax(logits / temperature, dim=-1)
            # inverse transform sampling: the first character whose cumulative probability passes a uniform draw
            choice = (probabilities.cumsum(0) < torch.rand(())).sum().clamp(max=len(probabilities) - 1)
            tokens = torch.cat([tokens, choice.reshape(1)])
    model.train()
    return tokens


def main():
    options = _common.parser(__doc__, steps=300)
    options.add_argument("--sample-length", type=int, default=300, help="characters to write at the end (default 300)")
    args = options.parse_args()
    torch.manual_seed(args.seed)
    with open(TEXT) as fh:
        text = fh.read()
    characters = sorted(set(text))
    index = {character: i for i, character in enumerate(characters)}
    data = torch.tensor([index[character] for character in text], device=args.device)
    print(f"data: {os.path.relpath(TEXT)} ({len(text)} characters, {len(characters)} distinct)")

    context = 64
    model = CharTransformer(len(characters), context).to(args.device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    progress = _common.ProgressBar(args.steps, f"char transformer ({_common.library_name(torch)})")
    for _ in range(args.steps):
        inputs, targets = random_windows(data, context, batch_size=16)
        logits = model(inputs)
        loss = F.cross_entropy(logits.reshape(-1, len(characters)), targets.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        progress.update(loss.item())
    seconds = progress.close()
    print(f"{_common.library_name(torch)}: {args.steps} steps in {seconds:.2f} s, final loss {progress.losses[-1]:.3f} "
          f"({model.__class__.__name__}, {sum(p.numel() for p in model.parameters())} parameters)")

    written = sample(model, data[:context], args.sample_length, context)
    print("sample:")
    print("".join(characters[i] for i in written[context:].tolist()))
    _common.save_loss_plot(progress.losses, "char_transformer", torch, args.output)


if __name__ == "__main__":
    main()
