#!/usr/bin/env python3
"""Times GPT-2 training steps in PyTorch on the CPU, eager (or --compile), for scripts/bench-trainer.sh.

  python3 scripts/torch_cpu_gpt2.py [-L 4] [--heads 4] [-C 128] [-T 64] [-b 12] [--vocab 256]
                                    [--steps 30] [--warmup 2] [--threads N] [--compile] [--seed 1337]

Trains --warmup + --steps steps on batches of random tokens and prints a line per step in llm.c's
train_gpt2 format, `step N: train loss X (took Y ms)`, then one JSON line: the shape, torch's
version and thread count, and the median step time and tokens/s of the steps after the warm-up.

The model is scripts/torch_gpt2.py's (token + position embedding, pre-LayerNorm blocks, causal
attention through F.scaled_dot_product_attention, GELU-tanh MLP, final LayerNorm, LM head tied to the
token embedding over the vocabulary padded to a multiple of 128, biases everywhere). A step is: zero
grads, forward with the loss, backward, clip_grad_norm_(1.0), AdamW (lr 1e-3, betas (0.9, 0.99),
weight decay 0.1, torch's default implementation), timed with a wall clock around it.
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_gpt2 import build_model, flops_per_token  # noqa: E402  (one model for the GPU and CPU scripts)


def positive(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("'%s' is not a positive integer" % text)
    return value


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--layers", "-L", type=positive, default=4)
    p.add_argument("--heads", type=positive, default=4)
    p.add_argument("--channels", "-C", type=positive, default=128)
    p.add_argument("--seq-len", "-T", type=positive, default=64)
    p.add_argument("--batch", "-b", type=positive, default=12)
    p.add_argument("--vocab", type=positive, default=256)
    p.add_argument("--steps", "-n", type=positive, default=30, help="timed steps (after --warmup)")
    p.add_argument("--warmup", "-w", type=int, default=2, help="untimed steps first (default 2)")
    p.add_argument("--threads", type=positive, default=None, help="torch.set_num_threads (default: torch's)")
    p.add_argument("--compile", action="store_true", help="torch.compile the model (its warm-up compiles)")
    p.add_argument("--seed", type=int, default=1337)
    args = p.parse_args()
    if args.warmup < 0:
        p.error("--warmup: '%d' is negative" % args.warmup)
    if args.channels % args.heads:
        p.error("--heads: %d does not divide --channels %d" % (args.heads, args.channels))
    try:
        import torch
    except ImportError as e:
        sys.exit("torch_cpu_gpt2.py: PyTorch does not import: %s" % e)

    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    L, C, T, B = args.layers, args.channels, args.seq_len, args.batch
    Vp = (args.vocab + 127) // 128 * 128  # as trainer/gpt2_config.c pads it
    model = build_model(torch, L, args.heads, C, T, Vp)
    params = sum(t.numel() for t in model.parameters())
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.99), weight_decay=0.1)
    run = torch.compile(model) if args.compile else model
    gen = torch.Generator().manual_seed(args.seed)

    step_ms = []
    for step in range(args.warmup + args.steps):
        inputs = torch.randint(0, args.vocab, (B, T), generator=gen)
        targets = torch.randint(0, args.vocab, (B, T), generator=gen)
        start = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = run(inputs, targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        value = loss.item()  # the step's result, read inside the timed region as a trainer would log it
        ms = (time.perf_counter() - start) * 1e3
        if not math.isfinite(value):
            sys.exit("torch_cpu_gpt2.py: the loss became %g at step %d" % (value, step))
        print("step %d: train loss %f (took %f ms)" % (step, value, ms), flush=True)
        step_ms.append(ms)

    median_ms = statistics.median(step_ms[args.warmup:])
    print(json.dumps({
        "torch": torch.__version__, "threads": torch.get_num_threads(), "compile": args.compile,
        "layers": L, "heads": args.heads, "channels": C, "seq_len": T, "batch": B, "vocab": args.vocab,
        "padded_vocab": Vp, "parameters": params, "flop_per_token": flops_per_token(L, C, T, Vp),
        "warmup": args.warmup, "steps": args.steps, "median_step_ms": round(median_ms, 3),
        "tokens_per_s": round(B * T / (median_ms / 1e3), 1)}))


if __name__ == "__main__":
    main()
