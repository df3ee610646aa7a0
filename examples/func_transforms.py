"""The function transforms of ``torch.func`` as PyTorch's tutorials use them, on chainrule:

  per-sample   gradients of a loss for every sample of a batch at once: vmap(grad(loss))
  ensemble     several models of one kind run as one: stack_module_state + vmap(functional_call)
  jacobians    jacrev and jacfwd of a small network, and the Hessian of a scalar function
  ntk          the empirical neural tangent kernel of a network: vmap of jacrev, contracted

Run from the repository root:
    PYTHONPATH=src python examples/func_transforms.py            # on chainrule
    PYTHONPATH=src python examples/func_transforms.py --torch    # the same script on PyTorch
Both print the same numbers: the random initialisations follow PyTorch's generator from one seed.
"""

import _common

torch = _common.torch
nn, F = torch.nn, torch.nn.functional
from_func = torch.func


def show(name, tensor):
    values = " ".join(f"{v:.6f}" for v in tensor.detach().reshape(-1)[:6].tolist())
    print(f"{name:<28} shape {tuple(tensor.shape)}  {values}")


class SimpleMLP(nn.Module):
    def __init__(self, width=16):
        super().__init__()
        self.fc1 = nn.Linear(8, width)
        self.fc2 = nn.Linear(width, width)
        self.fc3 = nn.Linear(width, 4)

    def forward(self, x):
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


def per_sample_gradients():
    model = SimpleMLP()
    data, targets = torch.randn(32, 8), torch.randint(0, 4, (32,))
    params = {name: p.detach() for name, p in model.named_parameters()}
    buffers = {name: b.detach() for name, b in model.named_buffers()}

    def loss_of_one(params, buffers, sample, target):
        prediction = from_func.functional_call(model, (params, buffers), (sample.unsqueeze(0),))
        return F.cross_entropy(prediction, target.unsqueeze(0))

    gradients = from_func.vmap(from_func.grad(loss_of_one), in_dims=(None, None, 0, 0))(params, buffers, data, targets)
    for name in sorted(gradients):
        show(f"per-sample grad {name}", gradients[name])


def ensemble():
    models = [SimpleMLP(8) for _ in range(5)]
    minibatch = torch.randn(64, 8)
    params, buffers = from_func.stack_module_state(models)
    base = models[0]

    def run(params, buffers, x):
        return from_func.functional_call(base, (params, buffers), (x,))

    same_data = from_func.vmap(run, in_dims=(0, 0, None))(params, buffers, minibatch)
    show("ensemble, one minibatch", same_data)
    minibatches = torch.randn(5, 64, 8)
    show("ensemble, a minibatch each", from_func.vmap(run)(params, buffers, minibatches))


def jacobians_and_hessians():
    weight, bias, x = torch.randn(4, 6), torch.randn(4), torch.randn(6)

    def predict(weight, bias, x):
        return F.linear(x, weight, bias).tanh()

    show("jacrev wrt x", from_func.jacrev(predict, argnums=2)(weight, bias, x))
    show("jacfwd wrt x", from_func.jacfwd(predict, argnums=2)(weight, bias, x))
    jac_weight, jac_bias = from_func.jacrev(predict, argnums=(0, 1))(weight, bias, x)
    show("jacrev wrt weight", jac_weight)
    show("jacrev wrt bias", jac_bias)
    show("batched jacobians", from_func.vmap(from_func.jacrev(predict, argnums=2), in_dims=(None, None, 0))(
        weight, bias, torch.randn(3, 6)))
    show("hessian of sum(sin x)", from_func.hessian(lambda v: v.sin().sum())(x))


def neural_tangent_kernel():
    model = SimpleMLP(8)
    params = {name: p.detach() for name, p in model.named_parameters()}
    x1, x2 = torch.randn(5, 8), torch.randn(4, 8)

    def run_one(params, x):
        return from_func.functional_call(model, params, (x.unsqueeze(0),)).squeeze(0)

    jac1 = from_func.vmap(from_func.jacrev(run_one), (None, 0))(params, x1)
    jac2 = from_func.vmap(from_func.jacrev(run_one), (None, 0))(params, x2)
    kernel = sum(torch.einsum("Naf,Mbf->NMab", jac1[name].flatten(2), jac2[name].flatten(2)) for name in jac1)
    show("neural tangent kernel", kernel)


def main():
    options = _common.parser(__doc__.split("\n")[0])
    options.add_argument("--part", choices=["per-sample", "ensemble", "jacobians", "ntk"], help="run only one part")
    args = options.parse_args()
    parts = {"per-sample": per_sample_gradients, "ensemble": ensemble, "jacobians": jacobians_and_hessians,
             "ntk": neural_tangent_kernel}
    for name, part in parts.items():
        if args.part in (None, name):
            torch.manual_seed(args.seed)
            part()


if __name__ == "__main__":
    main()
