#!/usr/bin/python3
"""PyTorch eager float32 on one thread, the reference of issue 11's JVM goals, measured on this machine.

Builds the network of a tinytrain-mcu-model/1 folder (models/FORMAT.md: first conv, inverted-residual blocks with
their identity shortcuts, global average pool) in float32 with ReLU6 after every conv but each block's projection,
puts the 10-class linear head of the transfer-learning protocol on the pooled features, and marks trainable exactly
the parameters that tinytrain's compiled step trains: those that `tinytrain report --format json` places in SRAM or
splits (a split weight trains some of its output channels; PyTorch computes its whole gradient, a little more work
than tinytrain's). The weights are seeded random values: the time of a float32 conv does not depend on them.

Prints, like `tinytrain bench jvm`, the median (p10, p90) wall and CPU milliseconds of one training step (batch 1:
forward, cross-entropy, backward of the trained parameters, SGD update) and of one inference (no_grad), after
warm-up runs, interleaved.

    bench/pytorch-baseline.sh     runs it for the three presets (installs Debian's python3-torch when missing)
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn.functional as F


def conv(spec):
    k = spec["kernel_size"]
    return torch.nn.Conv2d(spec["in_channel"], spec["out_channel"], tuple(k), stride=spec["stride"],
                           padding=(k[0] // 2, k[1] // 2), groups=spec["groups"], bias=True)


class Block(torch.nn.Module):
    def __init__(self, spec):
        super().__init__()
        self.pointwise1 = conv(spec["pointwise1"]) if spec["pointwise1"] else None
        self.depthwise = conv(spec["depthwise"])
        self.pointwise2 = conv(spec["pointwise2"])
        self.residual = spec["residual"] is not None
        if spec.get("se") or (spec["residual"] is not None and "params" in spec["residual"]
                              and "weight" in spec["residual"]["params"]):
            raise ValueError("squeeze-excitation and conv shortcuts are not in the shipped models")

    def forward(self, x):
        y = x
        if self.pointwise1 is not None:
            y = F.relu6(self.pointwise1(y))
        y = F.relu6(self.depthwise(y))
        y = self.pointwise2(y)
        return x + y if self.residual else y


class Net(torch.nn.Module):
    def __init__(self, model, classes):
        super().__init__()
        self.first_conv = conv(model["first_conv"])
        self.blocks = torch.nn.ModuleList(Block(b) for b in model["blocks"])
        self.feature_mix = conv(model["feature_mix"]) if model.get("feature_mix") else None
        self.head = torch.nn.Linear(model["classifier"]["in_channel"], classes)

    def forward(self, x):
        y = F.relu6(self.first_conv(x))
        for b in self.blocks:
            y = b(y)
        if self.feature_mix is not None:
            y = F.relu6(self.feature_mix(y))
        return self.head(y.mean((2, 3)))


def trained_names(report):
    """The tinytrain parameter names the compiled step updates, as PyTorch names (blocks[7].pointwise1.params.weight
    becomes blocks.7.pointwise1.weight)."""
    names = set()
    for p in report["parameters"]:
        if p["placement"] in ("sram", "split"):
            n = p["name"].replace(".params.", ".")
            names.add(n.replace("[", ".").replace("]", ""))
    return names


def timed(fn, warmup, runs):
    for _ in range(warmup):
        fn()
    wall, cpu = [], []
    for _ in range(runs):
        w0, c0 = time.perf_counter_ns(), time.thread_time_ns()
        fn()
        cpu.append((time.thread_time_ns() - c0) / 1e6)
        wall.append((time.perf_counter_ns() - w0) / 1e6)
    return wall, cpu


def quantiles(v):
    q = statistics.quantiles(v, n=10)
    return q[0], statistics.median(v), q[-1]


def main():
    a = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    a.add_argument("--model-dir", required=True, help="a tinytrain-mcu-model/1 folder")
    a.add_argument("--report", required=True, help="`tinytrain report --format json` of the model and scheme")
    a.add_argument("--classes", type=int, default=10)
    a.add_argument("--warmup", type=int, default=200)
    a.add_argument("--runs", type=int, default=300)
    a.add_argument("--lr", type=float, default=1e-3)
    args = a.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(1)
    with open(args.model_dir + "/model.json") as f:
        model = json.load(f)
    with open(args.report) as f:
        report = json.load(f)
    net = Net(model, args.classes)
    trained = trained_names(report)
    params = dict(net.named_parameters())
    unknown = trained - params.keys()
    if unknown:
        raise SystemExit("report names parameters the PyTorch model does not have: " + ", ".join(sorted(unknown)))
    for n, p in params.items():
        p.requires_grad_(n in trained)
    input_bytes = next(t["bytes"] for t in report["tensors"] if t["kind"] == "input")
    side = int(round((input_bytes // model["first_conv"]["in_channel"]) ** 0.5))
    images = [torch.randn(1, model["first_conv"]["in_channel"], side, side) for _ in range(8)]
    labels = [torch.tensor([i % args.classes]) for i in range(8)]
    opt = torch.optim.SGD([p for p in net.parameters() if p.requires_grad], lr=args.lr)
    step_no = [0]

    def step():
        i = step_no[0] % len(images)
        step_no[0] += 1
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(net(images[i]), labels[i]).backward()
        opt.step()

    def infer():
        i = step_no[0] % len(images)
        step_no[0] += 1
        with torch.no_grad():
            net(images[i])

    train_wall, train_cpu = timed(step, args.warmup, args.runs)
    infer_wall, infer_cpu = timed(infer, args.warmup, args.runs)
    tw, iw = quantiles(train_wall), quantiles(infer_wall)
    print("%-15s %-16s %8.2f %8.2f %8.2f %9.2f %8.2f %8.2f %8.2f %9.2f  (%d trained tensors, %dx%d input)" % (
        report["model"], report["scheme"], *tw, statistics.median(train_cpu), *iw, statistics.median(infer_cpu),
        len(trained), side, side))


if __name__ == "__main__":
    main()
