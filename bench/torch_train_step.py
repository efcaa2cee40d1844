"""The same train step as the lab's model, in PyTorch (CPU), for the benchmark's comparison.

A Llama-style decoder (RMSNorm, rotary positions, SwiGLU, tied embeddings) of the given size; one
step = forward, cross-entropy, backward, Adam. Run with Debian's python3-torch (1.13):
  /usr/bin/python3 bench/torch_train_step.py --hidden 64 --layers 2 --heads 4 --ffn 176 --vocab 299 \
      --batch 32 --seq 128 --threads 1
Prints {"ms_per_step": ..., "tokens_per_s": ..., "threads": ...} as JSON.
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, d, h, f):
        super().__init__()
        self.h, self.hd = h, d // h
        self.n1, self.n2 = nn.Parameter(torch.ones(d)), nn.Parameter(torch.ones(d))
        self.q, self.k, self.v, self.o = (nn.Linear(d, d, bias=False) for _ in range(4))
        self.gate, self.up, self.down = nn.Linear(d, f, bias=False), nn.Linear(d, f, bias=False), nn.Linear(f, d, bias=False)

    @staticmethod
    def norm(x, w):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * w

    def forward(self, x, cos, sin, mask):
        b, t, d = x.shape
        a = self.norm(x, self.n1)
        def heads(z):
            return z.view(b, t, self.h, self.hd).transpose(1, 2)
        def rope(z):
            half = self.hd // 2
            return z * cos + torch.cat([-z[..., half:], z[..., :half]], -1) * sin
        q, k, v = rope(heads(self.q(a))), rope(heads(self.k(a))), heads(self.v(a))
        s = q @ k.transpose(-1, -2) / self.hd ** 0.5 + mask
        x = x + self.o((s.softmax(-1) @ v).transpose(1, 2).reshape(b, t, d))
        m = self.norm(x, self.n2)
        return x + self.down(F.silu(self.gate(m)) * self.up(m))


class Model(nn.Module):
    def __init__(self, vocab, d, layers, h, f):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.blocks = nn.ModuleList(Block(d, h, f) for _ in range(layers))
        self.norm = nn.Parameter(torch.ones(d))
        self.hd = d // h

    def forward(self, ids):
        t = ids.shape[1]
        inv = 1.0 / (10000 ** (torch.arange(0, self.hd, 2).float() / self.hd))
        ang = torch.outer(torch.arange(t).float(), inv)
        ang = torch.cat([ang, ang], -1)
        cos, sin = ang.cos(), ang.sin()
        mask = torch.full((t, t), float("-inf")).triu(1)
        x = self.emb(ids)
        for blk in self.blocks:
            x = blk(x, cos, sin, mask)
        return Block.norm(x, self.norm) @ self.emb.weight.T


def main():
    p = argparse.ArgumentParser()
    for name, default in [("hidden", 64), ("layers", 2), ("heads", 4), ("ffn", 176), ("vocab", 299), ("batch", 32), ("seq", 128), ("threads", 1), ("steps", 10)]:
        p.add_argument(f"--{name}", type=int, default=default)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = Model(a.vocab, a.hidden, a.layers, a.heads, a.ffn)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    ids = torch.randint(0, a.vocab, (a.batch, a.seq))

    def step():
        opt.zero_grad()
        logits = model(ids[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, a.vocab), ids[:, 1:].reshape(-1))
        loss.backward()
        opt.step()

    for _ in range(2):
        step()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        step()
    ms = (time.perf_counter() - t0) / a.steps * 1000
    print(json.dumps({"ms_per_step": ms, "tokens_per_s": a.batch * (a.seq - 1) / ms * 1000, "threads": a.threads}))


if __name__ == "__main__":
    main()
