"""The lab's PPO update in PyTorch (CPU), for the benchmark's comparison (bench/rl-step.ts).

The model of bench/torch_train_step.py with a value head; one update = for each of the minibatches
(rows padded to the minibatch's longest, as most PPO code does): forward, clipped surrogate + clipped
value loss - entropy bonus over the response tokens, backward, global grad-norm clip, AdamW. The
rollouts are synthetic: `--episodes` rows of a `--prompt`-token prompt and a response whose length
is drawn around `--response` (between half and 1.5 times it, at most 160). Run with Debian's
python3-torch (1.13):
  python3 bench/torch_ppo_step.py --hidden 64 --layers 2 --heads 4 --ffn 176 --vocab 299 \
      --episodes 64 --prompt 20 --response 100 --minibatches 2 --threads 1
Prints {"ms_per_update": ..., "tokens_per_s": ..., "threads": ...} as JSON; tokens are response tokens.
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(__file__))
from torch_train_step import Block, Model  # noqa: E402


class PolicyWithValue(Model):
    def __init__(self, vocab, d, layers, h, f):
        super().__init__(vocab, d, layers, h, f)
        self.value = nn.Linear(d, 1)

    def forward(self, ids, key_mask):
        t = ids.shape[1]
        inv = 1.0 / (10000 ** (torch.arange(0, self.hd, 2).float() / self.hd))
        ang = torch.outer(torch.arange(t).float(), inv)
        ang = torch.cat([ang, ang], -1)
        cos, sin = ang.cos(), ang.sin()
        mask = torch.full((t, t), float("-inf")).triu(1) + (1 - key_mask[:, None, None, :]) * -1e4
        x = self.emb(ids)
        for blk in self.blocks:
            x = blk(x, cos, sin, mask)
        h = Block.norm(x, self.norm)
        return h @ self.emb.weight.T, self.value(h).squeeze(-1)


def main():
    p = argparse.ArgumentParser()
    for name, default in [("hidden", 64), ("layers", 2), ("heads", 4), ("ffn", 176), ("vocab", 299), ("episodes", 64),
                          ("prompt", 20), ("response", 100), ("minibatches", 2), ("threads", 1), ("steps", 3)]:
        p.add_argument(f"--{name}", type=int, default=default)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    g = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    model = PolicyWithValue(a.vocab, a.hidden, a.layers, a.heads, a.ffn)
    opt = torch.optim.AdamW(model.parameters(), lr=0.0, weight_decay=0.0)
    lo, hi = max(1, a.response // 2), min(160, a.response * 3 // 2)
    lengths = torch.randint(lo, hi + 1, (a.episodes,), generator=g).tolist()
    rows = [torch.randint(2, a.vocab, (a.prompt + n,), generator=g) for n in lengths]
    old_logp = [torch.randn(n, generator=g) * 0.1 - 1.0 for n in lengths]
    advantages = [torch.randn(n, generator=g) for n in lengths]
    old_values = [torch.randn(n, generator=g) * 0.1 for n in lengths]
    returns = [torch.randn(n, generator=g) * 0.1 for n in lengths]
    size = -(-a.episodes // a.minibatches)

    def grid(values, idx, width):
        out = torch.zeros(len(idx), width - 1)
        for b, i in enumerate(idx):
            out[b, a.prompt - 1:a.prompt - 1 + lengths[i]] = values[i]
        return out

    def update():
        order = torch.randperm(a.episodes, generator=g).tolist()
        for s in range(0, a.episodes, size):
            idx = order[s:s + size]
            width = max(len(rows[i]) for i in idx)
            ids = torch.zeros(len(idx), width, dtype=torch.long)
            key_mask = torch.zeros(len(idx), width - 1)
            for b, i in enumerate(idx):
                ids[b, :len(rows[i])] = rows[i]
                key_mask[b, :len(rows[i]) - 1] = 1
            mask = grid([torch.ones(n) for n in lengths], idx, width)
            logits, values = model(ids[:, :-1], key_mask)
            logp_all = logits.log_softmax(-1)
            logp = logp_all.gather(-1, ids[:, 1:, None]).squeeze(-1)
            entropy = -(logp_all.exp() * logp_all).sum(-1)
            ratio = (logp - grid(old_logp, idx, width)).exp()
            adv = grid(advantages, idx, width)
            mean = lambda x: (x * mask).sum() / mask.sum()  # noqa: E731
            policy_loss = mean(torch.max(-adv * ratio, -adv * ratio.clamp(0.8, 1.2)))
            old_v, ret = grid(old_values, idx, width), grid(returns, idx, width)
            v_clipped = old_v + (values - old_v).clamp(-0.5, 0.5)
            value_loss = 0.5 * mean(torch.max((values - ret) ** 2, (v_clipped - ret) ** 2))
            loss = policy_loss - 0.001 * mean(entropy) + 0.5 * value_loss
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()

    update()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        update()
    ms = (time.perf_counter() - t0) / a.steps * 1000
    print(json.dumps({"ms_per_update": ms, "tokens_per_s": sum(lengths) / ms * 1000, "threads": a.threads}))


if __name__ == "__main__":
    main()
