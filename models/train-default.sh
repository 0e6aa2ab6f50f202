#!/usr/bin/env bash
# Rebuild the shipped default classifier (models/default/) from the code in this repository.
# With ../shared/datasets present (the public sets, read in place, never copied): trained on real text —
# real election chatter as negatives, older circulated claims as positives, plus the seed's training part —
# and judged on the held-out real suites (chatter by source, claims by time, headlines, matching, seed); every
# file read is recorded with its sha256 in card.json. Without it: the seed-only model of earlier versions.
# Then the re-ranker's adapter is fitted on real fact-check pairs (rerank_adapter.npz), and the synthetic
# ground-truth stream (monitor.devdata, seed 99, never used for training) is scored too.
# Deterministic for given data files, config/keywords.yml and data/known_hoaxes.jsonl.
# The model card prose (README.md) is kept across the rebuild.
set -euo pipefail
cd "$(dirname "$0")/.."
datasets="${DATASETS:-../shared/datasets}"
card_prose=""
if [ -f models/default/README.md ]; then
  card_prose="$(mktemp)"
  cp models/default/README.md "$card_prose"
fi
rm -rf models/default
if [ -d "$datasets" ]; then
  .venv/bin/monitor train --datasets "$datasets" --out models/default --version default-2024.11 --no-register "$@"
  # The debunk re-ranker's adapter, fitted on Mafindo's fact-check pairs (monitor.classify.adapter).
  .venv/bin/monitor fit-reranker --datasets "$datasets" --model models/default
else
  echo "warning: $datasets not found; training on the seed corpus only" >&2
  .venv/bin/monitor train --out models/default --version default-2024.11-seed --no-register "$@"
fi
.venv/bin/python models/synth_eval.py models/default --n 5000 --seed 99
if [ -n "$card_prose" ]; then
  mv "$card_prose" models/default/README.md
fi
