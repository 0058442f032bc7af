"""`make gpu-check`: train the two transformer configs on one GPU, write docs/benchmarks/gpu.md.

A prepared check for whenever a GPU is at hand (no GPU has been lent to this project's
development machine). It trains the SemEval-2016 transformer and the article's
leave-one-out transformer, as configured, into a scratch folder, scores them, and
writes wall times and scores with the device's name. On the 2-core CPU each takes
several minutes (docs/benchmarks/semeval2016.md, speed.md); on one current GPU both are
expected to take well under 5 minutes together, which this check has not yet confirmed.

    python -m stance.gpu_check [--out docs/benchmarks] [--runs /tmp/stance-gpu-check]
"""

import argparse
import sys
import time
from pathlib import Path

CONFIGS = ("configs/semeval2016/transformer.yaml", "configs/transformer.yaml")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stance.gpu_check", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/benchmarks"))
    parser.add_argument("--runs", type=Path, default=Path("/tmp/stance-gpu-check"))
    args = parser.parse_args(argv)

    import torch

    if not torch.cuda.is_available():
        print("error: no CUDA GPU visible to torch; make gpu-check needs one", file=sys.stderr)
        return 2
    from stance.cli import main as stance

    rows = []
    for config in CONFIGS:
        run = args.runs / Path(config).parent.name / Path(config).stem
        started = time.perf_counter()
        if stance(["train", "--config", config, "--out", str(run), "--overwrite"]) != 0:
            return 1
        train_seconds = time.perf_counter() - started
        if stance(["evaluate", "--run", str(run)]) != 0:
            return 1
        rows.append((config, train_seconds, _scores(run)))

    from stance.provenance import machine

    lines = [
        "# GPU check",
        "",
        f"Written by `make gpu-check` on {machine()}, torch {torch.__version__}, CUDA {torch.version.cuda}.",
        "Each config trained as committed (protocol and analyses included), one process, one GPU.",
        "",
        "| config | train s (wall, incl. model loading) | macro-F1 | F_avg | test split |",
        "|---|---|---|---|---|",
    ]
    for config, seconds, (macro_f1, f_avg, split) in rows:
        lines.append(f"| `{config}` | {seconds:.0f} | {100 * macro_f1:.1f} | {100 * f_avg:.2f} | {split} |")
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "gpu.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {path}")
    return 0


def _scores(run_dir: Path) -> tuple[float, float, str]:
    from stance.runs import Run

    metrics = Run.open(run_dir).metrics
    split = "official test" if metrics.dev is not None else "out-of-fold (leave-one-out)"
    return metrics.macro_f1, metrics.f_avg, split


if __name__ == "__main__":
    sys.exit(main())
