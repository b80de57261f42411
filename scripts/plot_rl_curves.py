#!/usr/bin/env python3
"""Plots an RL run's curves from its metrics.jsonl into one SVG for the docs.

Five panels over the training step: the verifier reward and the share of responses the verifier
passes (training samples, and the held-out prompts where the run measured them), the KL to the reference (k1 estimate), the mean response length,
and the stop rate (share of responses that ended with EOS before the length cap).

A development tool (matplotlib is not a dependency of rlvr):

    pip install matplotlib
    python3 scripts/plot_rl_curves.py runs/smollm2-135m/rlvr-ifeval-showcase/metrics.jsonl \
        docs/figures/showcase-ifeval-curves.svg --title "GRPO + LoRA on IFEval-like prompts"
"""
import argparse
import io
import sys

from jsonl_rows import jsonl_rows


def read_metrics(path):
    train, held_out = [], []
    for number, row in jsonl_rows(path):
        if not isinstance(row, dict):
            sys.exit(f"{path}:{number}: not a JSON object")
        if "eval_score" in row:  # a held-out pass; at a step it shares the row with the step's figures
            held_out.append(row)
        if "verifier_reward" in row:
            train.append(row)
    if not train:
        sys.exit(f"{path}: no training steps (rows with verifier_reward)")
    return train, held_out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("metrics", help="the run's metrics.jsonl")
    parser.add_argument("out", help="the SVG to write")
    parser.add_argument("--title", default=None)
    args = parser.parse_args()

    try:
        import matplotlib
    except ImportError:
        sys.exit("plot_rl_curves: matplotlib is not installed (pip install matplotlib)")
    matplotlib.use("svg")
    import matplotlib.pyplot as plt

    train, held_out = read_metrics(args.metrics)
    steps = [r["step"] for r in train]
    plt.rcParams["svg.hashsalt"] = "rlvr"  # stable ids: the same metrics give the same file
    plt.rcParams["svg.fonttype"] = "none"  # text as text: a smaller file
    figure, axes = plt.subplots(1, 5, figsize=(17, 3.2))

    for ax, (key, held_key, title) in zip(axes[:2], [("verifier_reward", "eval_score", "verifier reward (0–10)"),
                                                     ("verified", "eval_verified", "share verified")]):
        ax.plot(steps, [r[key] for r in train], color="tab:blue", label="training samples")
        if held_out:
            ax.plot([r["step"] for r in held_out], [r[held_key] for r in held_out],
                    color="tab:orange", marker="o", label="held-out (greedy)")
        ax.set_title(title)
    axes[0].legend(fontsize=8)

    panels = [("kl_k1", "KL to the reference (k1)"), ("response_length", "response length (tokens)"),
              ("stop_rate", "stop rate")]
    for ax, (key, title) in zip(axes[2:], panels):
        ax.plot(steps, [r[key] for r in train], color="tab:blue")
        ax.set_title(title)
    for ax in axes:
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
    if args.title:
        figure.suptitle(args.title)
    figure.tight_layout()
    svg = io.BytesIO()
    figure.savefig(svg, format="svg", metadata={"Date": None})
    try:
        with open(args.out, "wb") as out:
            out.write(svg.getvalue())
    except OSError as e:
        sys.exit(f"{args.out}: {e.strerror}")
    print(f"{args.out}: {len(steps)} steps, {len(held_out)} held-out points")


if __name__ == "__main__":
    main()
