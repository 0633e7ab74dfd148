#!/usr/bin/env python3
"""PyTorch reference for `npm run bench`: the same two nets as lib/models (mini-resnet18-w32 at 32 px and
mini-xception at 64 px), trained and run for inference on the CPU at a given thread count.

Usage: python3 bench/torch_bench.py --threads 1 --batch 64 --steps 5 [--nets resnet,xception]
Prints one JSON object on stdout: {torch, threads, batch, results: [{net, params, params_with_bn_stats,
train_img_s, infer_img_s, train_step_s: [...]}, ...]}.

Architectures mirror lib/models/resnet.ts and lib/models/xception.ts layer for layer (same kernel sizes, strides,
channel counts, BN placement, no conv biases, 'same' padding as the symmetric padding that gives the same output
size). Parameter counts are printed so the caller can check them against the TF.js models.
"""
import argparse
import json
import resource
import time

import torch
import torch.nn as nn


def scaled(c, w):
    return max(4, round(c * w))


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(cout, eps=1e-3)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(cout, eps=1e-3)
        self.short = None
        if stride != 1 or cin != cout:
            self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, 0, bias=False), nn.BatchNorm2d(cout, eps=1e-3))

    def forward(self, x):
        y = torch.relu(self.b1(self.c1(x)))
        y = self.b2(self.c2(y))
        s = x if self.short is None else self.short(x)
        return torch.relu(y + s)


class ResNet18Cifar(nn.Module):
    """lib/models/resnet.ts with block='basic', blocks=[2,2,2,2], stem='cifar'."""

    def __init__(self, width=0.5, classes=10):
        super().__init__()
        c0 = scaled(64, width)
        self.stem = nn.Sequential(nn.Conv2d(3, c0, 3, 1, 1, bias=False), nn.BatchNorm2d(c0, eps=1e-3), nn.ReLU())
        blocks = []
        cin = c0
        for si, n in enumerate([2, 2, 2, 2]):
            cout = scaled(64 * 2**si, width)
            for b in range(n):
                stride = 2 if (b == 0 and si > 0) else 1
                blocks.append(BasicBlock(cin, cout, stride))
                cin = cout
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Linear(cin, classes)

    def forward(self, x):
        x = self.blocks(self.stem(x))
        return self.head(x.mean((2, 3)))


class SepConv(nn.Module):
    """Keras SeparableConv2D(padding='same', use_bias=False): depthwise 3×3 then pointwise 1×1."""

    def __init__(self, cin, cout):
        super().__init__()
        self.dw = nn.Conv2d(cin, cin, 3, 1, 1, groups=cin, bias=False)
        self.pw = nn.Conv2d(cin, cout, 1, bias=False)

    def forward(self, x):
        return self.pw(self.dw(x))


def bn(c):
    return nn.BatchNorm2d(c, eps=1e-3)


class EntryBlock(nn.Module):
    def __init__(self, cin, cout, first_act):
        super().__init__()
        self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, 2, 0, bias=False), bn(cout))
        self.first_act = first_act
        self.s1, self.b1 = SepConv(cin, cout), bn(cout)
        self.s2, self.b2 = SepConv(cout, cout), bn(cout)
        self.pool = nn.MaxPool2d(3, 2, 1)

    def forward(self, x):
        r = self.short(x)
        y = torch.relu(x) if self.first_act else x
        y = self.b1(self.s1(y))
        y = self.b2(self.s2(torch.relu(y)))
        return self.pool(y) + r


class MiddleBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.s = nn.ModuleList([SepConv(c, c) for _ in range(3)])
        self.b = nn.ModuleList([bn(c) for _ in range(3)])

    def forward(self, x):
        y = x
        for s, b in zip(self.s, self.b):
            y = b(s(torch.relu(y)))
        return y + x


class Xception(nn.Module):
    """lib/models/xception.ts (Keras Xception layout) with a width multiplier and `reps` middle blocks."""

    def __init__(self, width=0.25, reps=8, classes=10):
        super().__init__()
        c = lambda n: scaled(n, width)  # noqa: E731
        self.stem = nn.Sequential(
            nn.Conv2d(3, c(32), 3, 2, 0, bias=False), bn(c(32)), nn.ReLU(),
            nn.Conv2d(c(32), c(64), 3, 1, 0, bias=False), bn(c(64)), nn.ReLU(),
        )
        self.entry = nn.Sequential(EntryBlock(c(64), c(128), False), EntryBlock(c(128), c(256), True), EntryBlock(c(256), c(728), True))
        self.middle = nn.Sequential(*[MiddleBlock(c(728)) for _ in range(reps)])
        self.exit_short = nn.Sequential(nn.Conv2d(c(728), c(1024), 1, 2, 0, bias=False), bn(c(1024)))
        self.e1, self.eb1 = SepConv(c(728), c(728)), bn(c(728))
        self.e2, self.eb2 = SepConv(c(728), c(1024)), bn(c(1024))
        self.pool = nn.MaxPool2d(3, 2, 1)
        self.f1, self.fb1 = SepConv(c(1024), c(1536)), bn(c(1536))
        self.f2, self.fb2 = SepConv(c(1536), c(2048)), bn(c(2048))
        self.head = nn.Linear(c(2048), classes)

    def forward(self, x):
        x = self.middle(self.entry(self.stem(x)))
        r = self.exit_short(x)
        y = self.eb1(self.e1(torch.relu(x)))
        y = self.eb2(self.e2(torch.relu(y)))
        x = self.pool(y) + r
        x = torch.relu(self.fb1(self.f1(x)))
        x = torch.relu(self.fb2(self.f2(x)))
        return self.head(x.mean((2, 3)))


NETS = {
    'resnet': ('mini-resnet18-w32', lambda: ResNet18Cifar(0.5), 32),
    'xception': ('mini-xception', lambda: Xception(0.25, 8), 64),
}


def count(model, with_head=False):
    params = sum(p.numel() for n, p in model.named_parameters() if with_head or not n.startswith('head.'))
    stats = sum(b.numel() for n, b in model.named_buffers() if 'running' in n)
    return params, params + stats


def bench(key, batch, steps, warmup=1):
    name, build, size = NETS[key]
    torch.manual_seed(0)
    model = build()
    params, with_stats = count(model)
    x = torch.randn(batch, 3, size, size)
    y = torch.randint(0, 10, (batch,))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    times = []
    cpu = []
    for i in range(warmup + steps):
        t0 = time.perf_counter()
        c0 = time.process_time()
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        dt = time.perf_counter() - t0
        if i >= warmup:
            times.append(dt)
            cpu.append(time.process_time() - c0)
    model.eval()
    itimes = []
    with torch.no_grad():
        for i in range(warmup + steps):
            t0 = time.perf_counter()
            model(x)
            dt = time.perf_counter() - t0
            if i >= warmup:
                itimes.append(dt)
    med = sorted(times)[len(times) // 2]
    imed = sorted(itimes)[len(itimes) // 2]
    return {
        'net': name,
        'input': size,
        'params_backbone': params,
        'params_backbone_with_bn_stats': with_stats,
        'train_img_s': batch / med,
        # process CPU time per step: for 1 thread, robust to other load on a shared machine
        'train_img_s_cpu': batch / sorted(cpu)[len(cpu) // 2],
        'train_cpu_s': cpu,
        'infer_img_s': batch / imed,
        'train_step_s': times,
        'infer_step_s': itimes,
        # peak of the whole process so far: run one net per process (npm run bench does) for a per-net figure
        'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--batch', type=int, default=64)
    ap.add_argument('--steps', type=int, default=5)
    ap.add_argument('--nets', default='resnet,xception')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    out = {'torch': torch.__version__, 'threads': torch.get_num_threads(), 'batch': a.batch, 'results': []}
    for k in a.nets.split(','):
        out['results'].append(bench(k, a.batch, a.steps))
    print(json.dumps(out))


if __name__ == '__main__':
    main()
