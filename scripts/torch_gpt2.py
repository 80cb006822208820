#!/usr/bin/env python3
"""Times GPT-2 training steps in PyTorch and prints the rows bench_gpt2_cuda prints (same columns), so
the GPU host can put the two side by side: eager and torch.compile, each in fp32 (TF32 off), tf32 and
bf16 (autocast).

  python3 scripts/torch_gpt2.py [--batch 8] [--seq-len 1024] [--steps 20] [--warmup 3]
                                [--modes eager,compile] [--dtypes fp32,tf32,bf16] [--csv FILE]

The model is written here from the architecture (token + position embedding, pre-LayerNorm blocks,
causal attention through F.scaled_dot_product_attention, GELU-tanh MLP, LM head tied to the token
embedding over the padded vocabulary), GPT-2 124M by default. A step is what bench_gpt2_cuda times:
zero grads, forward with the loss, backward, clip_grad_norm_(1.0), AdamW (fused when this torch has
it). Two differences from the C model, neither changing the work much: the loss here runs over all Vp
logits (the C model skips the padded ones), and attention is PyTorch's fused kernel (flash attention
where it applies) rather than explicit T x T products.

FLOPs per token mirror trainer/gpt2_config.c (gpt2_flops_per_token) and the peaks are read out of
trainer/gpu_peak.c, so MFU means the same number on both sides.
"""
import argparse
import math
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def flops_per_token(L, C, T, Vp):
    """trainer/gpt2_config.c: 6 x matmul weights (Vp included) + the attention products."""
    matmul_weights = L * 12 * C * C + Vp * C
    attention = L * 2.0 * 2.0 * T * C
    return 6.0 * matmul_weights + 3.0 * attention


def peak_table():
    """The rows of trainer/gpu_peak.c: (match, label, fp32, tf32, bf16)."""
    path = os.path.join(HERE, "..", "trainer", "gpu_peak.c")
    row = re.compile(r'\{"([^"]+)",\s*"([^"]+)",\s*([0-9.]+),\s*([0-9.]+),\s*([0-9.]+)\}')
    with open(path) as f:
        return [(m.group(1), m.group(2), float(m.group(3)), float(m.group(4)), float(m.group(5)))
                for m in row.finditer(f.read())]


def find_peak(device_name, dtype):
    for match, label, fp32, tf32, bf16 in peak_table():
        if match in device_name:
            return label, {"fp32": fp32, "tf32": tf32, "bf16": bf16}[dtype]
    return None, 0.0


def build_model(torch, L, NH, C, T, Vp):
    nn = torch.nn
    F = torch.nn.functional

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1 = nn.LayerNorm(C)
            self.qkv = nn.Linear(C, 3 * C)
            self.attproj = nn.Linear(C, C)
            self.ln2 = nn.LayerNorm(C)
            self.fc = nn.Linear(C, 4 * C)
            self.fcproj = nn.Linear(4 * C, C)

        def forward(self, x):
            B, T_, _ = x.shape
            q, k, v = self.qkv(self.ln1(x)).split(C, dim=2)
            heads = lambda t: t.view(B, T_, NH, C // NH).transpose(1, 2)
            y = F.scaled_dot_product_attention(heads(q), heads(k), heads(v), is_causal=True)
            x = x + self.attproj(y.transpose(1, 2).contiguous().view(B, T_, C))
            return x + self.fcproj(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte = nn.Embedding(Vp, C)
            self.wpe = nn.Embedding(T, C)
            self.blocks = nn.ModuleList([Block() for _ in range(L)])
            self.lnf = nn.LayerNorm(C)
            # GPT-2's init, as trainer/gpt2_layers.h: N(0, 0.02), the residual projections / sqrt(2L).
            for name, p in self.named_parameters():
                if name.endswith("bias"):
                    nn.init.zeros_(p)
                elif p.dim() >= 2:
                    std = 0.02 / math.sqrt(2 * L) if name.endswith(("attproj.weight", "fcproj.weight")) else 0.02
                    nn.init.normal_(p, 0.0, std)

        def forward(self, idx, targets):
            pos = torch.arange(idx.shape[1], device=idx.device)
            x = self.wte(idx) + self.wpe(pos)
            for block in self.blocks:
                x = block(x)
            logits = F.linear(self.lnf(x), self.wte.weight)  # tied head
            return F.cross_entropy(logits.view(-1, Vp).float(), targets.view(-1))

    return GPT()


def time_one(torch, args, mode, dtype, Vp):
    if dtype == "fp32":
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    else:  # tf32, and bf16's ops outside autocast
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    torch.manual_seed(1337)
    model = build_model(torch, args.layers, args.heads, args.channels, args.seq_len, Vp).cuda()
    try:
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1,
                                fused=True)
    except (TypeError, RuntimeError):
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1)
    run = torch.compile(model) if mode == "compile" else model
    gen = torch.Generator(device="cuda").manual_seed(1)
    shape = (args.batch, args.seq_len)
    inputs = torch.randint(0, args.vocab, shape, device="cuda", generator=gen)
    targets = torch.randint(0, args.vocab, shape, device="cuda", generator=gen)

    def step():
        opt.zero_grad(set_to_none=True)
        with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=dtype == "bf16"):
            loss = run(inputs, targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss

    for _ in range(args.warmup):  # torch.compile compiles in the first call
        step()
    torch.cuda.synchronize()
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(args.steps):
        loss = step()
    stop.record()
    torch.cuda.synchronize()
    if not math.isfinite(loss.item()):
        raise RuntimeError("the loss became %g" % loss.item())
    step_ms = start.elapsed_time(stop) / args.steps
    del run, model, opt
    torch.cuda.empty_cache()
    return step_ms


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", "-b", type=int, default=8)
    p.add_argument("--seq-len", "-T", type=int, default=1024)
    p.add_argument("--layers", "-L", type=int, default=12)
    p.add_argument("--heads", type=int, default=12)
    p.add_argument("--channels", "-C", type=int, default=768)
    p.add_argument("--vocab", type=int, default=50257)
    p.add_argument("--steps", "-n", type=int, default=20)
    p.add_argument("--warmup", "-w", type=int, default=3)
    p.add_argument("--modes", default="eager,compile")
    p.add_argument("--dtypes", default="fp32,tf32,bf16")
    p.add_argument("--peak-tflops", type=float, default=0.0)
    p.add_argument("--csv", "-o")
    args = p.parse_args()
    modes, dtypes = args.modes.split(","), args.dtypes.split(",")
    for m in modes:
        if m not in ("eager", "compile"):
            sys.exit("torch_gpt2.py: --modes: unknown mode '%s' (eager, compile)" % m)
    for d in dtypes:
        if d not in ("fp32", "tf32", "bf16"):
            sys.exit("torch_gpt2.py: --dtypes: unknown type '%s' (fp32, tf32, bf16)" % d)
    try:
        import torch
    except ImportError:
        sys.exit("torch_gpt2.py: PyTorch is not installed")
    if not torch.cuda.is_available():
        print("torch_gpt2.py: skipped: no GPU visible to PyTorch")
        sys.exit(77)

    Vp = (args.vocab + 127) // 128 * 128  # gpt2_pad_vocab
    L, C, T = args.layers, args.channels, args.seq_len
    params = Vp * C + T * C + L * (12 * C * C + 13 * C) + 2 * C
    fpt = flops_per_token(L, C, T, Vp)
    gpu = torch.cuda.get_device_name().replace(",", " ")
    label, _ = find_peak(gpu, "bf16")
    print("# GPT-2 L %d H %d C %d T %d V %d (padded %d), %d parameters, %.4g FLOP/token; batch %d; %s"
          % (L, args.heads, C, T, args.vocab, Vp, params, fpt, args.batch, gpu))
    print("# peak: %s; torch %s; a step is zero grads, forward + loss, backward, clip, AdamW; %d timed after %d"
          % ("--peak-tflops" if args.peak_tflops > 0 else label or "unknown GPU (no MFU; give --peak-tflops)",
             torch.__version__, args.steps, args.warmup))
    print("# %-8s %-8s %-5s %6s %6s %11s %9s %8s %6s %7s"
          % ("impl", "mode", "dtype", "batch", "seq", "tokens/s", "step_ms", "TFLOP/s", "MFU%", "peak"))
    rows = []
    for mode in modes:
        for dtype in dtypes:
            peak = args.peak_tflops if args.peak_tflops > 0 else find_peak(gpu, dtype)[1]
            try:
                step_ms = time_one(torch, args, mode, dtype, Vp)
            except Exception as e:  # one failing mode (e.g. no compiler for torch.compile) leaves the others
                print("# torch %s %s failed: %s" % (mode, dtype, str(e).splitlines()[0] if str(e) else type(e).__name__))
                torch.cuda.empty_cache()
                continue
            tokens_per_s = args.batch * T / (step_ms * 1e-3)
            tflops = fpt * tokens_per_s / 1e12
            mfu = 100 * tflops / peak if peak > 0 else float("nan")
            print("  %-8s %-8s %-5s %6d %6d %11.0f %9.2f %8.1f %6.1f %7.1f"
                  % ("torch", mode, dtype, args.batch, T, tokens_per_s, step_ms, tflops, mfu, peak))
            sys.stdout.flush()
            rows.append("torch,%s,%s,%d,%d,%d,%.1f,%.3f,%.3f,%.2f,%.1f,%s\n"
                        % (mode, dtype, args.batch, T, params, tokens_per_s, step_ms, tflops, mfu, peak, gpu))
    if args.csv:
        tmp = args.csv + ".partial"
        with open(tmp, "w") as f:
            f.write("impl,mode,dtype,batch,seq_len,params,tokens_per_s,step_ms,tflops,mfu_percent,peak_tflops,gpu\n")
            f.writelines(rows)
        os.replace(tmp, args.csv)


if __name__ == "__main__":
    main()
