#!/usr/bin/env bash
# Rebuild the shipped default classifier (models/default/) from the project's own seed corpus, then record its
# scores on a synthetic ground-truth stream (monitor.devdata, seed 99, never used for training) in card.json.
# Deterministic for a given data/seed/posts.jsonl, data/known_hoaxes.jsonl and config/keywords.yml.
# The model card (README.md) is kept across the rebuild.
set -euo pipefail
cd "$(dirname "$0")/.."
card_prose=""
if [ -f models/default/README.md ]; then
  card_prose="$(mktemp)"
  cp models/default/README.md "$card_prose"
fi
rm -rf models/default
.venv/bin/monitor train --out models/default --version default-2024.2 --no-register "$@"
.venv/bin/python models/synth_eval.py models/default --n 5000 --seed 99
if [ -n "$card_prose" ]; then
  mv "$card_prose" models/default/README.md
fi
