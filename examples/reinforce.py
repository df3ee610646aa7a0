"""REINFORCE: a policy learns to walk a corridor, trained by the policy gradient with a Categorical policy.

The corridor has 9 cells; the agent starts in cell 3 and steps left or right. The left end, three steps
away, pays 0.3; the right end, five steps away, pays 1; every step costs 0.01, and an episode ends at
either end or after 20 steps. The near, small reward is found first; the policy has to learn past it.
The policy is a small network from the one-hot cell to the logits of the two moves. Each update plays a
batch of episodes, sampling moves from ``Categorical(logits=...)``, and follows the gradient of
``-sum(log_prob(move) * (return - baseline))``, with the batch's mean return as the baseline.

Run from the repository root:
    PYTHONPATH=src python examples/reinforce.py            # on chainrule
    PYTHONPATH=src python examples/reinforce.py --torch    # the same script on PyTorch: the same numbers
"""

import _common

torch = _common.torch
nn = torch.nn
Categorical = torch.distributions.Categorical

CELLS = 9
START = 3
LEFT_REWARD, RIGHT_REWARD = 0.3, 1.0
MAX_STEPS = 20
STEP_COST = 0.01
GAMMA = 0.95  # discount of later rewards


class Corridor:
    """The environment: a position, and the reward and end of each move (0 is left, 1 is right)."""

    def reset(self):
        self.position = START
        self.steps = 0
        return self.position

    def step(self, move):
        self.position += 1 if move == 1 else -1
        self.steps += 1
        if self.position == CELLS - 1:
            return self.position, RIGHT_REWARD, True
        if self.position == 0:
            return self.position, LEFT_REWARD, True
        return self.position, -STEP_COST, self.steps == MAX_STEPS


def policy_network():
    return nn.Sequential(nn.Linear(CELLS, 16), nn.Tanh(), nn.Linear(16, 2))


def one_hot(position):
    state = torch.zeros(CELLS)
    state[position] = 1.0
    return state


def play(policy, corridor):
    """One episode: the log-probabilities of the moves taken, and the discounted return from each step."""
    position = corridor.reset()
    log_probs, rewards = [], []
    done = False
    while not done:
        moves = Categorical(logits=policy(one_hot(position)))
        move = moves.sample()
        log_probs.append(moves.log_prob(move))
        position, reward, done = corridor.step(move.item())
        rewards.append(reward)
    returns: list[float] = []
    running = 0.0
    for reward in reversed(rewards):
        running = reward + GAMMA * running
        returns.insert(0, running)
    return torch.stack(log_probs), torch.tensor(returns)


def greedy_moves(policy):
    """The most likely move from each inner cell, as a string of L and R."""
    with torch.no_grad():
        logits = policy(torch.eye(CELLS)[1:-1])
    return "".join("R" if move == 1 else "L" for move in logits.argmax(dim=1).tolist())


def main():
    options = _common.parser(__doc__.splitlines()[0], steps=40)
    options.add_argument("--episodes", type=int, default=8, help="episodes per update (default 8)")
    args = options.parse_args()
    torch.manual_seed(args.seed)
    policy = policy_network()
    optimizer = torch.optim.Adam(policy.parameters(), lr=0.02)
    corridor = Corridor()
    print(f"REINFORCE on a corridor of {CELLS} cells ({_common.library_name(torch)}), seed {args.seed}")
    for update in range(1, args.steps + 1):
        episodes = [play(policy, corridor) for _ in range(args.episodes)]
        first_returns = torch.stack([returns[0] for _, returns in episodes])
        baseline = first_returns.mean()
        loss = -torch.stack([(log_probs * (returns - baseline)).sum() for log_probs, returns in episodes]).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if update % 10 == 0 or update == 1:
            lengths = sum(len(returns) for _, returns in episodes) / len(episodes)
            print(f"update {update:3d}: mean return {baseline.item():+.4f}, mean length {lengths:5.2f}, "
                  f"loss {loss.item():+.4f}, greedy moves {greedy_moves(policy)}")
    with torch.no_grad():
        right = Categorical(logits=policy(torch.eye(CELLS)[1:-1])).probs[:, 1]
    print(f"probability of moving right, cells 1-{CELLS - 2}:", " ".join(f"{p:.4f}" for p in right.tolist()))


if __name__ == "__main__":
    main()
