"""`make bench`: where `make evaluate`'s time goes, and time, throughput and peak memory
of every default model config.

The stage split reads each run that `make evaluate` wrote in experiments/: the seconds of
its stages from run.json (setup, data, fit, predict, analysis, write), and the report
stage timed here by running `stance evaluate` on it again (a deterministic rewrite).

Each model is measured in its own subprocess, so peak memory (max RSS) is that
model's alone. Per model: fit time per fold and for the whole protocol (the config's
own, on the seeds), and throughput of the `stance predict` path (the run's model loaded
from disk, batched) over at least 1,000 sentences.
For the transformer, throughput is also compared with a bare torch forward pass of the
same network over the same batches, measured in the same process.

    python -m stance.bench [--models majority tfidf_logreg ...] [--out docs/benchmarks]
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from stance.config import AnalysisConfig, load_config
from stance.data import open_source
from stance.provenance import machine

DEFAULT_MODELS = ("majority", "tfidf_logreg", "embeddings", "transformer", "setfit")
N_PREDICT = 1050  # the config's labelled sentences, cycled: >= 1,000 as the issue asks


def _predict_texts(config) -> list[str]:
    """N_PREDICT distinct texts: a cycled sentence gets a number, so that no model's
    cache (the frozen encoder keeps vectors by text) turns throughput into lookups."""
    texts = open_source(config.data).load().text.tolist()
    return [f"{texts[i % len(texts)]} ({i})" for i in range(N_PREDICT)]


def bare_forward_throughput(model, texts: list[str], sort_by_length: bool = False) -> float:
    """Sentences/s of pre-tokenized batches through the network alone: no pipeline at all.

    In input order this is what a plain loop does; sorted by length it uses the same
    batches as the pipeline, so the ratio to it is the pipeline's own overhead.
    """
    import torch

    cfg, network, tokenizer = model.config, model.network, model.tokenizer
    if sort_by_length:
        texts = sorted(texts, key=lambda t: len(tokenizer(t)["input_ids"]))
    batches = [
        tokenizer(
            texts[i : i + cfg.predict_batch_size],
            truncation=True,
            max_length=cfg.max_length,
            padding=True,
            return_tensors="pt",
        )
        for i in range(0, len(texts), cfg.predict_batch_size)
    ]
    network.eval()
    started = time.perf_counter()
    with torch.inference_mode():
        for batch in batches:
            network(**batch)
    return len(texts) / (time.perf_counter() - started)


def measure_one(config_path: Path) -> dict:
    """Run the protocol and a prediction pass for one config, in this process."""
    from stance.predict import load_run_model, predictions
    from stance.runs import Run
    from stance.train import train

    # The protocol and final fit only: the report's permutation and learning-curve
    # budgets are extra training, not the cost of the protocol.
    config = load_config(config_path).model_copy(update={"analysis": AnalysisConfig()})
    with tempfile.TemporaryDirectory() as scratch:
        run_dir = Path(scratch) / config.name
        train(config, str(config_path), run_dir)
        run = Run.open(run_dir)
        model = load_run_model(run)
        texts = _predict_texts(config)
        model.predict_proba(texts[:64])  # warm-up: first-call allocations are not throughput
        started = time.perf_counter()
        for _ in predictions(model, texts):  # what `stance predict` runs, output rows included
            pass
        throughput = len(texts) / (time.perf_counter() - started)
        result = {
            "model": config.name,
            "protocol": config.protocol.type,
            "n_folds": run.record.n_folds,
            "fit_seconds_per_fold": run.record.seconds.fit_per_fold_mean,
            "protocol_seconds": run.record.seconds.total,
            "predict_sentences": len(texts),
            "predict_sentences_per_second": throughput,
        }
        if config.model.type == "transformer":
            bare = bare_forward_throughput(model, texts)
            same_batches = bare_forward_throughput(model, texts, sort_by_length=True)
            result["bare_forward_sentences_per_second"] = bare
            result["throughput_ratio_vs_bare_forward"] = throughput / bare
            result["throughput_ratio_vs_bare_forward_same_batches"] = throughput / same_batches
    result["peak_memory_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


TRAIN_STAGES = ("setup", "data", "tune", "fit", "predict", "analysis", "write")
STAGES = (*TRAIN_STAGES, "report")


def stage_split(experiments: Path) -> list[dict]:
    """Seconds per stage of every run in `experiments`, the report stage timed here."""
    from stance.runs import Run

    rows = []
    for run_dir in sorted(p for p in experiments.iterdir() if (p / "run.json").is_file()):
        seconds = Run.open(run_dir).record.seconds
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "stance", "evaluate", "--run", str(run_dir)], check=True, capture_output=True
        )
        rows.append(
            {
                "run": run_dir.name,
                **{s: getattr(seconds, s) for s in TRAIN_STAGES},
                "report": time.perf_counter() - started,
            }
        )
    return rows


def render_stages(rows: list[dict]) -> list[str]:
    """One row per run, slowest first: total seconds and each stage's share of it."""
    lines = [
        "| run | total s | " + " | ".join(STAGES) + " |",
        "|---|---|" + "---|" * len(STAGES),
    ]
    everything = {stage: sum(row[stage] for row in rows) for stage in STAGES}
    for name, row in [
        *sorted(((r["run"], r) for r in rows), key=lambda item: -sum(item[1][s] for s in STAGES)),
        ("**all runs**", everything),
    ]:
        total = sum(row[stage] for stage in STAGES)
        shares = " | ".join(f"{100 * row[stage] / total:.0f}%" if total else "–" for stage in STAGES)
        lines.append(f"| {name} | {total:.1f} | {shares} |")
    return lines


def render_markdown(results: list[dict], machine: str, stages: list[dict] | None = None) -> str:
    lines = [
        "# Speed benchmark",
        "",
        f"Written by `make bench` on {machine}. Protocol times are the config's own protocol on",
        "the seeds plus the final fit, without the report's `analysis:` extras; throughput is the",
        f"`stance predict` path over {N_PREDICT} sentences after a warm-up batch. Peak memory is",
        "the max RSS of a fresh process that trained and predicted with that model alone.",
        "",
        "`vs bare forward` divides the pipeline's throughput by a bare torch forward pass over",
        "pre-tokenized batches of the same sentences, first in input order, then in the",
        "pipeline's own length-sorted batches (the second is the pipeline's pure overhead).",
        "",
        "| model | protocol | folds | fit s/fold | protocol s | predict sent/s "
        "| vs bare forward (input order / same batches) | peak MiB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    if not results:
        lines.append("| (no model measured: `--models` named none) | | | | | | | |")
    for r in results:
        ratio = "–"
        if "throughput_ratio_vs_bare_forward" in r:
            ratio = f"{r['throughput_ratio_vs_bare_forward']:.2f}"
            if "throughput_ratio_vs_bare_forward_same_batches" in r:
                ratio += f" / {r['throughput_ratio_vs_bare_forward_same_batches']:.2f}"
        lines.append(
            f"| {r['model']} | {r['protocol']} | {r['n_folds']} | {r['fit_seconds_per_fold']:.2f} | "
            f"{r['protocol_seconds']:.1f} | {r['predict_sentences_per_second']:.0f} | {ratio} | "
            f"{r['peak_memory_mib']:.0f} |"
        )
    if stages:
        lines += [
            "",
            "## Where `make evaluate`'s time goes",
            "",
            "Per run that `make evaluate` wrote, its stages as shares of its own time: setup (the",
            "command's imports and config), data (load, validate, folds), fit (every fit of the",
            "protocol), predict (out-of-fold predictions), analysis (permutation null and learning",
            "curve), write (the run folder) and report (`stance evaluate`). Runs under `make -j`",
            "share the cores, so their seconds add up to more than make's wall time.",
            "",
            *render_stages(stages),
        ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stance.bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--models", nargs="*", default=list(DEFAULT_MODELS), help="config names in configs/ (none: stage split only)"
    )
    parser.add_argument("--configs", type=Path, default=Path("configs"))
    parser.add_argument("--out", type=Path, default=Path("docs/benchmarks"))
    parser.add_argument("--experiments", type=Path, default=Path("experiments"), help="runs for the stage split")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)  # internal: measure one config
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure_one(args.one)))
        return 0
    stages = stage_split(args.experiments) if args.experiments.is_dir() else []
    if not stages:
        print(f"bench: no runs in {args.experiments}; run `make evaluate` for the stage split", file=sys.stderr)
    results = []
    for name in args.models:
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        out = subprocess.run(
            [sys.executable, "-m", "stance.bench", "--one", str(args.configs / f"{name}.yaml")],
            stdout=subprocess.PIPE,
            check=True,
            text=True,
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    args.out.mkdir(parents=True, exist_ok=True)
    record = {"machine": machine(), "results": results, "stages": stages}
    (args.out / "speed.json").write_text(json.dumps(record, indent=2) + "\n")
    (args.out / "speed.md").write_text(render_markdown(results, machine(), stages))
    print((args.out / "speed.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
