"""A 64-128-128-10 ReLU network classifying scikit-learn's 8x8 handwritten digits, trained with Adam.

Run from the repository root:
    PYTHONPATH=src python examples/digits_mlp.py            # chainrule
    PYTHONPATH=src python examples/digits_mlp.py --torch    # the same script on PyTorch
"""

import _common

torch = _common.import_library()
nn = torch.nn
F = torch.nn.functional
DataLoader, TensorDataset = torch.utils.data.DataLoader, torch.utils.data.TensorDataset


def build_model(nn):
    """The network from ``nn`` (chainrule's or PyTorch's: the tests build it with both)."""
    return nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 10))


def accuracy(model, images, labels):
    with torch.no_grad():
        predictions = model(images).argmax(dim=1)
    return (predictions == labels).float().mean().item()


def main():
    args = _common.parser(__doc__.splitlines()[0], epochs=30).parse_args()
    torch.manual_seed(args.seed)
    x_train, y_train, x_test, y_test = (torch.from_numpy(a) for a in _common.digits())
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=64, shuffle=True)

    model = build_model(nn)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    progress = _common.ProgressBar(args.epochs * len(loader), f"digits MLP ({_common.library_name(torch)})")
    for _ in range(args.epochs):
        for images, labels in loader:
            loss = F.cross_entropy(model(images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            progress.update(loss.item())
    seconds = progress.close()

    print(f"{_common.library_name(torch)}: {len(progress.losses)} steps in {seconds:.2f} s, "
          f"train accuracy {accuracy(model, x_train, y_train):.2%}, "
          f"test accuracy {accuracy(model, x_test, y_test):.2%}")
    _common.save_loss_plot(progress.losses, "digits_mlp", torch, args.output)


if __name__ == "__main__":
    main()
